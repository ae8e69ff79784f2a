#include "config/toml_reader.hpp"

#include "protocol/utf8.hpp"

#include <algorithm>

namespace minuted::config::detail {

namespace {

// Columns count code points: every byte but a UTF-8 continuation byte starts one.
toml::source_index columns(std::string_view text) {
    return static_cast<toml::source_index>(
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// toml++ reports the end of a text that ends in a newline one column past that newline, on the
// line it ends ("a = [1,\n": 1:9, a column line 1 does not have). Name the place the text
// really ends instead: the start of the empty line after the newline.
toml::source_position within(std::string_view text, toml::source_position p) {
    std::size_t start = 0;
    for (toml::source_index line = 1; line < p.line; ++line) {
        start = text.find('\n', start);
        if (start == std::string_view::npos)
            break;
        ++start;
    }
    if (p.line >= 1 && start != std::string_view::npos) {
        auto const end = std::min(text.find('\n', start), text.size());
        if (p.column >= 1 && p.column <= columns(text.substr(start, end - start)) + 1)
            return p;
    }
    auto const last = text.rfind('\n');
    return {static_cast<toml::source_index>(std::count(text.begin(), text.end(), '\n') + 1),
            columns(text.substr(last == std::string_view::npos ? 0 : last + 1)) + 1};
}

// toml++ 3.3 (Debian 12's) runs into __builtin_unreachable() when it asks whether certain
// non-ASCII characters (U+00A1-U+0499, U+2C1E-U+3017) are whitespace (marzer/tomlplusplus#190
// and #295): where it expects a key, a value or a separator, inside a bare value (it reads
// `a = 1x"é"` up to a blank, ']', '}', ',' or '#'), right after a backslash in a """ string,
// and first after a line-ending backslash there. TOML allows non-ASCII text in strings and
// comments only, so refuse it everywhere else before toml++ sees it, following just enough of
// TOML to tell strings, comments and bare values apart; where unsure, it refuses. The only
// valid TOML refused: a character first after a line-ending backslash in a """ string, which
// can be written as \uXXXX there.
class non_ascii_guard {
public:
    non_ascii_guard(std::string_view text, std::string_view source)
        : text_(text), source_(source) {}

    // Throws config_error at the first non-ASCII character toml++ cannot be given.
    void check() {
        i_ = text_.starts_with("\xEF\xBB\xBF") ? 3 : 0; // toml++ skips a BOM
        line_start_ = i_;
        while (i_ < text_.size()) {
            char const c = text_[i_];
            if (c == '\n') {
                ++line_;
                line_start_ = i_ + 1;
            }
            if (!step(c))
                ++i_;
        }
    }

private:
    enum class state { code, bare_value, comment, basic, literal, multi_basic, multi_literal };

    // Reads the character at i_; true if it moved i_ past it itself.
    bool step(char c) {
        bool const non_ascii = static_cast<unsigned char>(c) >= 0x80;
        bool const blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        auto const rest = text_.substr(i_);
        if (st_ == state::bare_value) {
            if (!blank && c != ']' && c != '}' && c != ',' && c != '#') {
                if (non_ascii)
                    refuse("a non-ASCII character outside a string or comment");
                previous_ = c;
                return false;
            }
            st_ = state::code;
            spaced_ = c == ' ' || c == '\t';
        }
        switch (st_) {
        case state::code:
            read_code(c, non_ascii, rest);
            return false;
        case state::comment:
            if (c == '\n') {
                st_ = state::code;
                fresh_line_ = true;
            }
            return false;
        case state::basic:
        case state::literal:
            if (c == '\n' || (c == (st_ == state::basic ? '"' : '\'') && !escaped_))
                st_ = state::code;
            escaped_ = st_ == state::basic && !escaped_ && c == '\\';
            return false;
        case state::multi_literal:
            if (rest.starts_with("'''")) {
                close('\'');
                return true;
            }
            return false;
        case state::multi_basic:
            return read_multi_basic(c, non_ascii, blank, rest);
        case state::bare_value:
            return false;
        }
        return false;
    }

    void read_code(char c, bool non_ascii, std::string_view rest) {
        if (c == ' ' || c == '\t' || c == '\r')
            return;
        if (c == '\n') {
            spaced_ = false;
            fresh_line_ = true;
            return;
        }
        if (non_ascii)
            refuse("a non-ASCII character outside a string or comment");
        if (c == '#')
            st_ = state::comment;
        else if ((c == '"' || c == '\'') && !spaced_)
            open_string(c, rest);
        else if (is_bracket(c))
            read_bracket(c);
        else if (c != ',' && is_value_start())
            st_ = state::bare_value; // up to a blank
        previous_ = c;
        spaced_ = false;
        fresh_line_ = false;
    }

    // `c`, a quote at i_, opens a string: a multi-line one if three quotes.
    void open_string(char c, std::string_view rest) {
        if (rest.starts_with(R"(""")") || rest.starts_with("'''")) {
            st_ = c == '"' ? state::multi_basic : state::multi_literal;
            i_ += 2; // and one more by the caller
        } else {
            st_ = c == '"' ? state::basic : state::literal;
        }
    }

    static bool is_bracket(char c) { return c == '[' || c == ']' || c == '{' || c == '}'; }

    // An opening bracket starts a table header, an array or an inline table; a closing one ends
    // the innermost.
    void read_bracket(char c) {
        if (c == ']' || c == '}') {
            if (!open_.empty())
                open_.pop_back();
        } else if (c == '[') {
            // A table header starts a line; a value that starts with '[' is an array.
            open_ +=
                (fresh_line_ && open_.empty()) || (previous_ == '[' && open_ == "[") ? '[' : 'a';
        } else {
            open_ += c;
        }
    }

    // Where a value starts (after '=', or in an array after its '[' or a ','), or where a
    // date's time does (after a space).
    bool is_value_start() const {
        return spaced_ || previous_ == '=' ||
               ((previous_ == '[' || previous_ == ',') && open_.ends_with('a'));
    }

    // True if it moved i_ past the closing quotes.
    bool read_multi_basic(char c, bool non_ascii, bool blank, std::string_view rest) {
        if (escaped_) {
            escaped_ = false;
            if (non_ascii)
                refuse("a non-ASCII character right after a backslash in a \"\"\" string");
            trimming_ = blank;
            return false;
        }
        if (trimming_ && blank)
            return false;
        if (trimming_ && non_ascii)
            refuse("a non-ASCII character first after a line-ending backslash in a \"\"\" "
                   "string",
                   " (toml++ 3.3 cannot read it there: write it as \\uXXXX)");
        trimming_ = false;
        if (c == '\\') {
            escaped_ = true;
        } else if (rest.starts_with(R"(""")")) {
            close('"');
            return true;
        }
        return false;
    }

    // Skips a closing delimiter of three quotes and up to two more that belong to the string.
    void close(char quote) {
        i_ += 3;
        for (int extra = 0; extra < 2 && i_ < text_.size() && text_[i_] == quote; ++extra)
            ++i_;
        st_ = state::code;
        previous_ = quote;
    }

    void refuse(std::string const& why, std::string const& hint = {}) const {
        auto const lead = static_cast<unsigned char>(text_[i_]);
        std::size_t const n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (!protocol::is_valid_utf8(text_.substr(i_, n)))
            return; // not a character: toml++ reports invalid UTF-8 itself
        throw config_error(std::string(source_), line_,
                           columns(text_.substr(line_start_, i_ - line_start_)) + 1,
                           why + ": '" + std::string(text_.substr(i_, n)) + "'" + hint);
    }

    std::string_view text_;
    std::string_view source_;
    state st_ = state::code;
    char previous_ = '\n';   // code: the last character not blank, in a comment or in a string
    std::string open_;       // code: '[' per open table header, 'a' per array, '{' per inline table
    bool fresh_line_ = true; // code: nothing but blanks and comments yet on this line
    bool spaced_ = false;    // code: a bare value and a space just ended ("1979-05-27 07:32:00")
    bool escaped_ = false;   // strings: the character after a backslash
    bool trimming_ = false;  // """ strings: blanks after a line-ending backslash
    std::size_t i_ = 0;
    std::size_t line_start_ = 0;
    toml::source_index line_ = 1;
};

} // namespace

[[noreturn]] void fail(std::string_view source, toml::source_region const& where,
                       std::string const& what) {
    throw config_error(std::string(source), where.begin.line, where.begin.column, what);
}

toml::table parse_toml(std::string_view text, std::string_view source) {
    non_ascii_guard(text, source).check();
    try {
        return toml::parse(text, source);
    } catch (toml::parse_error const& e) {
        auto const at = within(text, e.source().begin);
        throw config_error(std::string(source), at.line, at.column, std::string(e.description()));
    }
}

std::size_t positive(table_reader& r, std::string_view key, std::size_t fallback,
                     std::string_view source) {
    auto const v = r.get<std::int64_t>(key);
    if (!v)
        return fallback;
    if (*v <= 0)
        fail(source, r.where(key), r.name(key) + " must be greater than 0");
    return static_cast<std::size_t>(*v);
}

std::size_t zero_or_more(table_reader& r, std::string_view key, std::size_t fallback,
                         std::string_view source) {
    auto const v = r.get<std::int64_t>(key);
    if (!v)
        return fallback;
    if (*v < 0)
        fail(source, r.where(key), r.name(key) + " must be 0 (no limit) or more");
    return static_cast<std::size_t>(*v);
}

void at_most(table_reader& r, std::string_view key, std::chrono::milliseconds value,
             std::chrono::milliseconds max, std::string_view max_text, std::string_view source) {
    if (value > max)
        fail(source, r.where(key), r.name(key) + " must be at most " + std::string(max_text));
}

// A token: empty (none), or at least 16 printable characters with no spaces, so it can go in a
// header, a query and a cookie as it is.
std::string token(table_reader& r, std::string_view key, std::string_view source) {
    auto const v = r.get<std::string>(key).value_or("");
    bool const printable = std::all_of(v.begin(), v.end(), [](char c) {
        return c > ' ' && c < 127 && c != ';' && c != ',' && c != '"' && c != '\\';
    });
    if (!v.empty() && (v.size() < 16 || !printable))
        fail(source, r.where(key),
             r.name(key) + " must be at least 16 printable characters without spaces, quotes, "
                           "';' or ',' (or empty)");
    return v;
}

} // namespace minuted::config::detail
