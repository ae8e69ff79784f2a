#include "daemon/cli/summarise_command.hpp"

#include "config/config.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace minuted::daemon {

namespace {

constexpr std::string_view usage =
    "usage: minuted summarise FILE|- [--format md|json] [--agenda FILE] [--roster FILE]\n";

} // namespace

int summarise_command(std::span<char const* const> args, std::ostream& out, std::ostream& err) {
    std::optional<std::string> input;
    std::string format = "md";
    std::vector<protocol::agenda_item> agenda;
    std::vector<protocol::roster_person> roster;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view const a = args[i];
        if ((a == "--format" || a == "--agenda" || a == "--roster") && i + 1 >= args.size()) {
            err << "minuted summarise: " << a << " needs a value\n" << usage;
            return exit_usage;
        }
        if (a == "--format") {
            format = args[++i];
            if (format != "md" && format != "json") {
                err << "minuted summarise: unknown format '" << format << "' (md or json)\n";
                return exit_usage;
            }
        } else if (a == "--agenda") {
            try {
                agenda = config::read_agenda_file(args[++i]);
            } catch (config::agenda_file_error const& e) {
                err << "minuted: " << e.what() << '\n';
                return e.unreadable ? exit_no_input : exit_data;
            }
        } else if (a == "--roster") {
            try {
                roster = config::read_roster_file(args[++i]);
            } catch (config::roster_file_error const& e) {
                err << "minuted: " << e.what() << '\n';
                return e.unreadable ? exit_no_input : exit_data;
            }
        } else if (a == "--help" || a == "-h") {
            out << usage;
            return exit_ok;
        } else if (a.starts_with("--")) {
            err << "minuted summarise: unknown option " << a << '\n' << usage;
            return exit_usage;
        } else if (input) {
            err << "minuted summarise: one input at a time\n" << usage;
            return exit_usage;
        } else {
            input = std::string(a);
        }
    }
    if (!input) {
        err << usage;
        return exit_usage;
    }

    std::ifstream file;
    std::istream* in = &std::cin;
    if (*input != "-") {
        file.open(*input, std::ios::binary);
        if (!file) {
            err << "minuted: " << *input << ": " << std::strerror(errno) << '\n';
            return exit_no_input;
        }
        in = &file;
    }

    // Streamed in blocks, as a live feed would be: memory stays bounded by the reader's tail.
    summariser::pipeline p(std::move(agenda));
    summariser::change_set changes;
    if (!roster.empty())
        p.set_roster(std::move(roster), changes);
    summariser::time_point const at{};
    std::string block(64 * 1024, '\0');
    while (*in) {
        in->read(block.data(), static_cast<std::streamsize>(block.size()));
        auto const n = static_cast<std::size_t>(in->gcount());
        if (n == 0)
            break;
        p.put(std::string_view(block).substr(0, n), at, changes);
        changes = {};
    }
    if (in->bad()) {
        err << "minuted: " << *input << ": read error\n";
        return exit_io;
    }
    p.finish(at, changes);

    auto const& stats = p.reader_stats();
    auto const name = *input == "-" ? std::string("standard input") : *input;
    if (stats.bytes == 0) {
        err << "minuted: " << name << ": empty input\n";
        return exit_data;
    }
    if ((stats.control_chars + stats.invalid_utf8) * 10 > stats.bytes) {
        err << "minuted: " << name << ": not caption text (" << stats.invalid_utf8
            << " invalid UTF-8 sequences and " << stats.control_chars << " control characters in "
            << stats.bytes << " bytes)\n";
        return exit_data;
    }
    if (p.state().utterances().empty()) {
        err << "minuted: " << name << ": no speech found (only header lines or blank)\n";
        return exit_data;
    }
    if (stats.invalid_utf8 || stats.control_chars || stats.erase_rejected)
        err << "minuted: " << name << ": repaired " << stats.invalid_utf8
            << " invalid UTF-8 sequences, dropped " << stats.control_chars
            << " control characters, refused " << stats.erase_rejected
            << " erasures of final text\n";

    if (format == "json")
        out << boost::json::serialize(summariser::render_json(p.state())) << '\n';
    else
        out << summariser::render_markdown(p.state());
    out.flush();
    return out ? exit_ok : exit_io;
}

} // namespace minuted::daemon
