#include "daemon/cli/archive_command.hpp"

#include "config/config.hpp"
#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/archive/retention.hpp"
#include "daemon/cli/command_line.hpp"
#include "daemon/cli/exit_codes.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace minuted::daemon {

namespace {

constexpr std::string_view archive_usage =
    "usage: minuted archive list [--state-dir DIR | --config FILE]\n"
    "       minuted archive search QUERY [--speaker NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                              [--limit N] [--state-dir DIR | --config FILE]\n"
    "       minuted archive show ID [--state-dir DIR | --config FILE]\n"
    "       minuted archive export ID --format md|json|txt|vtt|html|odt\n"
    "                              [--state-dir DIR | --config FILE]\n"
    "       minuted archive prune [--dry-run] [--state-dir DIR | --config FILE]\n"
    "QUERY: words (all must occur), \"a phrase\", prefix*, OR, NOT; case and accents are "
    "ignored.\n";

// The archived file `minuted archive export --format` names, or null.
archived_file const* exported(std::string_view format) {
    for (auto const& f : archived_files)
        if (!f.format.empty() && f.format == format)
            return &f;
    return nullptr;
}

std::string local_time(std::int64_t ms) {
    auto const t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

// `minuted archive prune`: one retention pass. Its log goes to `err` at warning and above (what
// went wrong); `out` lists each meeting removed, which is what the info lines would say.
int prune(std::filesystem::path const& archive, retention_policy const& policy, bool is_dry_run,
          std::ostream& out, std::ostream& err) {
    std::error_code ec;
    if (!std::filesystem::is_directory(archive, ec)) {
        err << "minuted archive: no archive in " << archive.parent_path().string()
            << " (--state-dir names the daemon's state directory)\n";
        return exit_no_input;
    }
    if (!policy.is_limited())
        err << "minuted archive: no retention limits set ([archive] max_age_days and "
               "max_megabytes, read with --config FILE); all meetings are kept\n";
    // The index is kept in step with the folders; a dry run changes neither.
    std::unique_ptr<archive_index> index;
    if (!is_dry_run && std::filesystem::exists(archive / "index.sqlite", ec)) {
        try {
            index = std::make_unique<archive_index>(archive / "index.sqlite");
        } catch (std::exception const& e) {
            err << "minuted archive: nothing removed, the index cannot be opened: " << e.what()
                << "\n";
            return exit_io;
        }
    }
    auto const previous = spdlog::default_logger();
    auto const logger = std::make_shared<spdlog::logger>(
        "prune", std::make_shared<spdlog::sinks::ostream_sink_st>(err));
    logger->set_pattern("minuted %v"); // "minuted archive: cannot remove ..."
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    auto const report =
        enforce_retention(archive, index.get(), policy, std::chrono::system_clock::now(),
                          is_dry_run ? prune_mode::dry_run : prune_mode::remove);
    spdlog::set_default_logger(previous);

    auto const verb = is_dry_run ? "would remove " : "removed ";
    for (auto const& name : report.leftovers)
        out << verb << name << "  left by an interrupted deletion\n";
    for (auto const& [m, reason] : report.removed)
        out << verb << m.archive << "  ended " << local_time(m.ended.time_since_epoch().count())
            << "  " << size_text(m.bytes) << "  " << reason_text(reason, policy) << "\n";
    auto const meetings = [](std::size_t n) {
        return std::to_string(n) + (n == 1 ? " meeting, " : " meetings, ");
    };
    out << verb << meetings(report.removed.size()) << size_text(report.bytes_freed) << "; "
        << (is_dry_run ? "would keep " : "kept ") << meetings(report.meetings_kept)
        << size_text(report.bytes_kept) << "\n";
    if (report.failures > 0) {
        err << "minuted archive: " << report.failures << " could not be removed (see above)\n";
        return exit_io;
    }
    return exit_ok;
}

// What `minuted archive` is told on its command line.
struct archive_options {
    std::string verb; // list, search, show, export or prune
    std::string id;   // show and export: the archived session
    std::optional<std::string> state_dir, config_file, format;
    archive_query query; // search: its text (QUERY), --speaker, --from, --to and --limit
    bool is_dry_run = false;
};

// Throws std::invalid_argument, saying what is wrong.
void check_archive_options(archive_options const& o, std::vector<std::string> const& positional) {
    if (positional.empty())
        throw std::invalid_argument("which archive command?");
    auto const& verb = positional[0];
    if (verb != "list" && verb != "search" && verb != "show" && verb != "export" && verb != "prune")
        throw std::invalid_argument("unknown archive command '" + verb + "'");
    if (positional.size() != (verb == "list" || verb == "prune" ? 1u : 2u))
        throw std::invalid_argument("wrong number of arguments for " + verb);
    if (verb == "export" && (!o.format || !exported(*o.format)))
        throw std::invalid_argument("export needs --format md, json, txt, vtt, html or odt");
    if (o.is_dry_run && verb != "prune")
        throw std::invalid_argument("--dry-run is for prune");
}

// Throws std::invalid_argument, saying what is wrong.
archive_options parse_archive_options(std::span<char const* const> args) {
    archive_options o;
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view const a = args[i];
        if (a == "--state-dir")
            o.state_dir = option_value(args, i);
        else if (a == "--config")
            o.config_file = option_value(args, i);
        else if (a == "--format")
            o.format = option_value(args, i);
        else if (a == "--dry-run")
            o.is_dry_run = true;
        else if (a == "--speaker")
            o.query.speaker = option_value(args, i);
        else if (a == "--from" || a == "--to") {
            auto const v = option_value(args, i);
            auto& field = a == "--from" ? o.query.from_ms : o.query.to_ms;
            if (!(field = parse_day(v, a == "--to")))
                throw std::invalid_argument(std::string(a) + " must be a date, YYYY-MM-DD");
        } else if (a == "--limit") {
            auto const v = option_value(args, i);
            auto const [p, e] = std::from_chars(v.data(), v.data() + v.size(), o.query.limit);
            if (e != std::errc{} || p != v.data() + v.size() || o.query.limit == 0)
                throw std::invalid_argument("--limit must be a positive number");
        } else if (a.starts_with("--"))
            throw std::invalid_argument("unknown option " + std::string(a));
        else
            positional.emplace_back(a);
    }
    check_archive_options(o, positional);
    o.verb = positional[0];
    if (o.verb == "search")
        o.query.text = positional[1];
    else if (positional.size() == 2)
        o.id = positional[1];
    return o;
}

// `minuted archive show ID` and `export ID`: one of the session's archived files, as it is.
int print_archived_file(std::filesystem::path const& archive, archive_options const& o,
                        std::ostream& out, std::ostream& err) {
    auto const file = archive / o.id / exported(o.verb == "show" ? "md" : *o.format)->name;
    std::ifstream in(file, std::ios::binary);
    if (!is_archive_name(o.id) || !in) {
        err << "minuted archive: no archived session " << o.id << " in " << archive.string()
            << " (minuted archive list shows them)\n";
        return exit_no_input;
    }
    out << in.rdbuf();
    return exit_ok;
}

void list_sessions(archive_index& index, std::ostream& out) {
    for (auto const& s : index.sessions())
        out << s.archive << "  " << local_time(s.started_ms) << "  " << s.words << " words, "
            << s.speakers << " speakers, " << s.items << " items  " << s.title << "\n";
}

// Each utterance that matches, its matching words in [brackets]; nothing is not an error.
void print_search(archive_index& index, archive_query const& query, std::ostream& out,
                  std::ostream& err) {
    auto const hits = index.search(query);
    for (auto const& h : hits) {
        out << h.session.archive << " #" << h.utterance.n << "  " << local_time(h.utterance.at_ms)
            << "  " << (h.utterance.speaker.empty() ? "Speaker" : h.utterance.speaker) << ": ";
        for (std::size_t i = 0; i < h.snippet.size(); ++i)
            out << (i % 2 ? "[" + h.snippet[i] + "]" : h.snippet[i]);
        out << "\n";
    }
    if (hits.empty())
        err << "minuted archive: nothing matches " << query.text << "\n";
}

// `minuted archive list` and `search QUERY`: read from the archive's index in `state_dir`.
int read_index(std::filesystem::path const& state_dir, archive_options const& o, std::ostream& out,
               std::ostream& err) {
    auto const path = state_dir / "archive" / "index.sqlite";
    if (!std::filesystem::exists(path)) {
        err << "minuted archive: no archive in " << state_dir.string()
            << " (--state-dir names the daemon's state directory)\n";
        return exit_no_input;
    }
    try {
        archive_index index(path);
        if (o.verb == "list")
            list_sessions(index, out);
        else
            print_search(index, o.query, out, err);
        return exit_ok;
    } catch (archive_query_error const& e) {
        err << "minuted archive: cannot search for that: " << e.what() << "\n";
        return exit_usage;
    } catch (std::exception const& e) {
        err << "minuted archive: " << e.what() << "\n";
        return exit_io;
    }
}

} // namespace

int archive_command(std::span<char const* const> args, std::ostream& out, std::ostream& err) {
    archive_options o;
    try {
        o = parse_archive_options(args);
    } catch (std::invalid_argument const& e) {
        err << "minuted archive: " << e.what() << "\n" << archive_usage;
        return exit_usage;
    }
    config::settings settings;
    try {
        settings = command_settings(o.state_dir, o.config_file);
    } catch (config::config_error const& e) {
        err << "minuted archive: " << e.what() << "\n";
        return exit_config;
    }
    auto const archive = settings.state_dir / "archive";
    if (o.verb == "prune")
        return prune(archive, retention_policy::from(settings), o.is_dry_run, out, err);
    if (o.verb == "show" || o.verb == "export")
        return print_archived_file(archive, o, out, err);
    return read_index(settings.state_dir, o, out, err);
}

} // namespace minuted::daemon
