#include "daemon/cli/man_page.hpp"

#include <cctype>
#include <ostream>

namespace minuted::daemon {

std::string roff_text(std::string_view text) {
    std::string out;
    for (char const c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else if (c == '\'')
            out += "\\(aq"; // else groff prints a typographic quote, which cannot be copied
        else if (c == '`')
            out += "\\(ga";
        else if (c == '"')
            out += "\\(dq";
        else
            out += c;
        // A period or apostrophe starting a line would make it a request.
        if (out.size() == 1 && c == '.')
            out = "\\&.";
    }
    return out;
}

namespace {

std::string bold(std::string_view text) {
    return "\\fB" + roff_text(text) + "\\fR";
}

std::string italic(std::string_view text) {
    return "\\fI" + roff_text(text) + "\\fR";
}

std::string command_name(command_doc const& c) {
    return c.path.empty() ? "minuted" : "minuted " + c.path;
}

// A command with commands of its own is described by them.
bool has_commands(std::span<command_doc const> commands, command_doc const& c) {
    for (auto const& other : commands)
        if (!c.path.empty() && other.path.starts_with(c.path + " "))
            return true;
    return false;
}

void write_option(option_doc const& o, std::ostream& out) {
    out << ".TP\n" << bold(o.names);
    if (!o.value.empty())
        out << ' ' << italic(o.value);
    out << '\n' << roff_text(o.description) << '\n';
}

} // namespace

void write_man_synopsis(std::span<command_doc const> commands, std::ostream& out) {
    out << ".SH SYNOPSIS\n";
    bool is_first = true;
    for (auto const& c : commands) {
        if (c.path.empty() || has_commands(commands, c))
            continue;
        out << (is_first ? "" : ".br\n") << bold(command_name(c)) << ' ' << roff_text(c.usage)
            << '\n';
        is_first = false;
    }
    out << ".br\n"
        << bold("minuted --print-default-config") << "\n.br\n"
        << bold("minuted --version") << '\n';
}

void write_man_commands(std::span<command_doc const> commands, std::ostream& out) {
    out << ".SH COMMANDS\n";
    for (auto const& c : commands) {
        if (c.path.empty())
            continue;
        out << ".SS \"" << roff_text(command_name(c)) << "\"\n" << roff_text(c.description) << '\n';
        if (!c.footer.empty())
            out << ".PP\n" << roff_text(c.footer) << '\n';
        for (auto const& a : c.arguments)
            write_option(a, out);
        for (auto const& o : c.options)
            write_option(o, out);
    }
    out << ".SH OPTIONS\nWithout a command, minuted takes these options:\n";
    for (auto const& c : commands)
        if (c.path.empty())
            for (auto const& o : c.options)
                write_option(o, out);
}

namespace {

// A line of the default config as the page shows it.
enum class line_kind { blank, table, key, comment, example };

bool is_key_name(std::string_view text) {
    if (text.empty())
        return false;
    for (char const c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            return false;
    return true;
}

// "name = value": the key's name, or "" if `text` is not a key.
std::string_view key_of(std::string_view text) {
    auto const eq = text.find(" = ");
    if (eq == std::string_view::npos)
        return {};
    auto const name = text.substr(0, eq);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
        return name;
    return is_key_name(name) ? name : std::string_view{};
}

line_kind kind_of(std::string_view line, bool in_example) {
    if (line.empty())
        return line_kind::blank;
    if (line.front() == '[')
        return line_kind::table;
    if (line.front() != '#')
        return line_kind::key;
    // Commented-out tables and keys are examples, and so are the lines that continue them.
    auto const text = line.substr(line.starts_with("# ") ? 2 : 1);
    if (text.starts_with("[") || !key_of(text).empty())
        return line_kind::example;
    if (in_example && (text.empty() || text.starts_with(" ")))
        return line_kind::example;
    return line_kind::comment;
}

// Builds the page a line at a time: comments wait for the key they describe.
class config_page {
public:
    explicit config_page(std::ostream& out) : out_(out) {}

    void put(std::string_view line) {
        auto const kind = kind_of(line, in_example_);
        if (kind != line_kind::example)
            end_example();
        if (kind != line_kind::key)
            end_keys();
        switch (kind) {
        case line_kind::blank:
            end_comment();
            break;
        case line_kind::table:
            end_comment();
            out_ << ".SS \"" << roff_text(line) << "\"\n";
            break;
        case line_kind::key:
            tags_.emplace_back(line);
            break;
        case line_kind::comment:
            comment_ += (comment_.empty() ? "" : "\n") +
                        roff_text(line.substr(line.starts_with("# ") ? 2 : 1));
            break;
        case line_kind::example:
            end_comment();
            if (!in_example_)
                out_ << ".IP\n.nf\n";
            in_example_ = true;
            out_ << roff_text(line.substr(line.starts_with("# ") ? 2 : 1)) << '\n';
            break;
        }
    }

    void finish() {
        end_example();
        end_keys();
        end_comment();
    }

private:
    // Keys in a row share the comment above the first: `.TP` for it, `.TQ` for the others.
    void end_keys() {
        if (tags_.empty())
            return;
        bool is_first = true;
        for (auto const& line : tags_) {
            auto const name = key_of(line);
            out_ << (is_first ? ".TP\n" : ".TQ\n") << bold(name) << " = "
                 << roff_text(line.substr(name.size() + 3)) << '\n';
            is_first = false;
        }
        out_ << (comment_.empty() ? "\\&" : comment_) << '\n';
        comment_.clear();
        tags_.clear();
    }

    void end_comment() {
        if (!comment_.empty())
            out_ << ".PP\n" << comment_ << '\n';
        comment_.clear();
    }

    void end_example() {
        if (in_example_)
            out_ << ".fi\n";
        in_example_ = false;
    }

    std::ostream& out_;
    std::vector<std::string> tags_;
    std::string comment_;
    bool in_example_ = false;
};

} // namespace

void write_man_config(std::string_view default_config, std::ostream& out) {
    config_page page(out);
    while (!default_config.empty()) {
        auto const end = default_config.find('\n');
        page.put(default_config.substr(0, end));
        default_config = end == std::string_view::npos ? "" : default_config.substr(end + 1);
    }
    page.finish();
}

} // namespace minuted::daemon
