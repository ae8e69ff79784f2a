#include "daemon/cli/summarise_command.hpp"

#include "config/config.hpp"
#include "daemon/archive/zip_package.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "protocol/caption_file.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"
#include "summariser/report_document.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

namespace minuted::daemon {

namespace {

constexpr std::string_view summarise_usage =
    "usage: minuted summarise FILE|- [--format md|json|vtt|html|odt] [-o OUT] [--agenda FILE]\n"
    "                         [--roster FILE]\n"
    "FILE is CART text, WebVTT, SRT or TTML/EBU-TT, told apart by its content. The report\n"
    "goes to OUT (-o) or standard output; an .odt file never to a terminal.\n";

// What `minuted summarise` is told on its command line.
struct summarise_options {
    std::string input; // a file name, or "-" for standard input
    std::string format = "md";
    std::optional<std::string> agenda_file, roster_file, output_file;
    bool is_help = false;
};

// A command line summarise cannot run; what() is all it says on standard error.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws usage_error; stops at --help, as at the first error.
summarise_options parse_summarise_options(std::span<char const* const> args) {
    summarise_options o;
    bool has_input = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view const a = args[i];
        if ((a == "--format" || a == "--agenda" || a == "--roster" || a == "-o") &&
            i + 1 >= args.size())
            throw usage_error("minuted summarise: " + std::string(a) + " needs a value\n" +
                              std::string(summarise_usage));
        if (a == "--format") {
            o.format = args[++i];
            if (o.format != "md" && o.format != "json" && o.format != "vtt" && o.format != "html" &&
                o.format != "odt")
                throw usage_error("minuted summarise: unknown format '" + o.format +
                                  "' (md, json, vtt, html or odt)\n");
        } else if (a == "--agenda") {
            o.agenda_file = args[++i];
        } else if (a == "--roster") {
            o.roster_file = args[++i];
        } else if (a == "-o") {
            o.output_file = args[++i];
        } else if (a == "--help" || a == "-h") {
            o.is_help = true;
            return o;
        } else if (a.starts_with("--")) {
            throw usage_error("minuted summarise: unknown option " + std::string(a) + '\n' +
                              std::string(summarise_usage));
        } else if (has_input) {
            throw usage_error("minuted summarise: one input at a time\n" +
                              std::string(summarise_usage));
        } else {
            o.input = std::string(a);
            has_input = true;
        }
    }
    if (!has_input)
        throw usage_error(std::string(summarise_usage));
    return o;
}

// The known agenda (--agenda) and roster (--roster) the pipeline starts with; a file that
// cannot be used is said on `err` and its exit code returned.
int read_agenda_and_roster(summarise_options const& o, std::vector<protocol::agenda_item>& agenda,
                           std::vector<protocol::roster_person>& roster, std::ostream& err) {
    try {
        if (o.agenda_file)
            agenda = config::read_agenda_file(*o.agenda_file);
        if (o.roster_file)
            roster = config::read_roster_file(*o.roster_file);
    } catch (config::agenda_file_error const& e) {
        err << "minuted: " << e.what() << '\n';
        return e.unreadable ? exit_no_input : exit_data;
    } catch (config::roster_file_error const& e) {
        err << "minuted: " << e.what() << '\n';
        return e.unreadable ? exit_no_input : exit_data;
    }
    return exit_ok;
}

// The first block of a file: enough to tell its format (protocol::detect_caption_format).
constexpr std::size_t block_bytes = 64 * 1024;

// Reads up to `block_bytes` of `in` into `block`; false on a read error.
bool read_block(std::istream& in, std::string& block) {
    block.resize(block_bytes);
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    block.resize(static_cast<std::size_t>(in.gcount()));
    return !in.bad();
}

// Puts CART text through `p` and finishes the meeting: `first` (the block already read), then
// the rest of `in`. Streamed in blocks, as a live feed would be: memory stays bounded by the
// reader's tail.
int read_cart(std::istream& in, std::string const& first, std::string const& input,
              summariser::pipeline& p, std::vector<protocol::roster_person> roster,
              std::ostream& err) {
    summariser::change_set changes;
    if (!roster.empty())
        p.set_roster(std::move(roster), changes);
    summariser::time_point const at{};
    std::string block = first;
    while (!block.empty()) {
        p.put(block, at, changes);
        changes = {};
        if (!in || !read_block(in, block))
            break;
    }
    if (in.bad()) {
        err << "minuted: " << input << ": read error\n";
        return exit_io;
    }
    p.finish(at, changes);
    return exit_ok;
}

// Refuses input that held no caption text (exit 65) and says what was repaired in input
// that did.
int check_input(summariser::pipeline const& p, std::string const& input, std::ostream& err) {
    auto const& stats = p.reader_stats();
    auto const name = input == "-" ? std::string("standard input") : input;
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
    return exit_ok;
}

// The report in `o.format`, to `o.output_file` if given, else to `out`.
int write_report(summariser::meeting const& meeting, summarise_options const& o, std::ostream& out,
                 std::ostream& err) {
    std::string report;
    auto const& format = o.format;
    if (format == "json") {
        report = boost::json::serialize(summariser::render_json(meeting)) + '\n';
    } else if (format == "vtt") {
        report = summariser::render_vtt(meeting);
    } else if (format == "html" || format == "odt") {
        // A transcript file says no date the report could be dated by.
        auto const outline = summariser::outline_report(meeting, {meeting.title(), ""}, nullptr);
        if (format == "html") {
            report = summariser::render_html(outline);
        } else {
            auto odt = zip_package(summariser::render_odt_parts(outline), 0);
            if (!odt.error.empty()) {
                err << "minuted: the OpenDocument file could not be made: " << odt.error << '\n';
                return exit_software;
            }
            report = std::move(odt.bytes);
        }
    } else {
        report = summariser::render_markdown(meeting);
    }
    std::ofstream file;
    if (o.output_file) {
        file.open(*o.output_file, std::ios::binary | std::ios::trunc);
        if (!file) {
            err << "minuted: " << *o.output_file << ": " << std::strerror(errno) << '\n';
            return exit_cant_create;
        }
    }
    std::ostream& to = o.output_file ? file : out;
    to.write(report.data(), static_cast<std::streamsize>(report.size()));
    to.flush();
    return to ? exit_ok : exit_io;
}

// A WebVTT, SRT or TTML file: its cues become the turns, timed from the file's zero (the
// epoch, so the same file always gives the same report). Bad structure or timing is refused
// with the line (exit 65).
int summarise_caption_file(std::string const& text, std::string const& name,
                           summarise_options const& o, std::vector<protocol::agenda_item> agenda,
                           std::vector<protocol::roster_person> roster, std::ostream& out,
                           std::ostream& err) {
    auto const file = protocol::read_caption_file(text);
    if (file.error) {
        err << "minuted: " << name << ':' << file.error->line << ": " << file.error->why << '\n';
        return exit_data;
    }
    summariser::meeting m(std::move(agenda));
    summariser::change_set changes;
    if (!roster.empty())
        m.set_roster(std::move(roster), changes);
    m.set_language(file.lang);
    m.set_turn_language(file.lang);
    summariser::time_point const zero{};
    auto end = zero;
    for (auto const& e : protocol::caption_events(file)) {
        m.apply(e.event, zero + e.at, changes);
        changes = {};
    }
    for (auto const& c : file.cues)
        end = std::max(end, zero + c.end);
    m.finish(end, changes);
    if (m.utterances().empty()) {
        err << "minuted: " << name << ": no speech found in its "
            << protocol::format_name(file.format) << " cues\n";
        return exit_data;
    }
    if (file.repaired)
        err << "minuted: " << name << ": repaired " << file.repaired
            << " unknown tags (dropped) or entities (kept as written)\n";
    return write_report(m, o, out, err);
}

} // namespace

int summarise_command(std::span<char const* const> args, std::ostream& out, std::ostream& err) {
    summarise_options o;
    try {
        o = parse_summarise_options(args);
    } catch (usage_error const& e) {
        err << e.what();
        return exit_usage;
    }
    if (o.is_help) {
        out << summarise_usage;
        return exit_ok;
    }
    // A ZIP file on a terminal is garbage on the screen, and can upset the terminal.
    if (o.format == "odt" && !o.output_file && &out == &std::cout && ::isatty(STDOUT_FILENO)) {
        err << "minuted summarise: an .odt file is not shown on a terminal: give -o FILE or "
               "redirect standard output\n";
        return exit_usage;
    }
    std::vector<protocol::agenda_item> agenda;
    std::vector<protocol::roster_person> roster;
    if (auto const code = read_agenda_and_roster(o, agenda, roster, err); code != exit_ok)
        return code;
    std::ifstream file;
    if (o.input != "-") {
        file.open(o.input, std::ios::binary);
        if (!file) {
            err << "minuted: " << o.input << ": " << std::strerror(errno) << '\n';
            return exit_no_input;
        }
    }
    std::istream& in = o.input == "-" ? std::cin : file;
    std::string first;
    if (!read_block(in, first)) {
        err << "minuted: " << o.input << ": read error\n";
        return exit_io;
    }
    if (protocol::detect_caption_format(first) != protocol::caption_format::cart) {
        // Caption files are read whole: cues refer to a document (TTML) and repeat (rolling
        // captions). A 3-hour meeting's WebVTT is well under 1 MB; what is far beyond any
        // meeting's (an endless pipe) is refused before it fills the memory.
        constexpr std::size_t max_caption_file_bytes = 256u << 20;
        auto const name = o.input == "-" ? std::string("standard input") : o.input;
        auto text = std::move(first);
        std::array<char, 1 << 16> block{};
        while (in.read(block.data(), block.size()) || in.gcount() > 0) {
            text.append(block.data(), static_cast<std::size_t>(in.gcount()));
            if (text.size() > max_caption_file_bytes) {
                err << "minuted: " << name << ": a caption file over "
                    << (max_caption_file_bytes >> 20) << " MiB is not read\n";
                return exit_data;
            }
        }
        if (in.bad()) {
            err << "minuted: " << o.input << ": read error\n";
            return exit_io;
        }
        return summarise_caption_file(text, name, o, std::move(agenda), std::move(roster), out,
                                      err);
    }
    summariser::pipeline p(std::move(agenda));
    if (auto const code = read_cart(in, first, o.input, p, std::move(roster), err); code != exit_ok)
        return code;
    if (auto const code = check_input(p, o.input, err); code != exit_ok)
        return code;
    return write_report(p.state(), o, out, err);
}

} // namespace minuted::daemon
