#include "daemon/cli/archive_command.hpp"

#include "config/config.hpp"
#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/archive/retention.hpp"
#include "daemon/cli/command_line.hpp"
#include "daemon/cli/exit_codes.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace minuted::daemon {

namespace {

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

// `minuted archive show ID` and `export ID`: one of the session's archived files, as it is.
int print_archived_file(std::filesystem::path const& archive, archive_options const& o,
                        std::ostream& out, std::ostream& err) {
    auto const file = archive / o.id / exported(o.verb == "show" ? "md" : o.format)->name;
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

bool is_export_format(std::string_view format) {
    return exported(format) != nullptr;
}

int archive_command(archive_options const& o, std::ostream& out, std::ostream& err) {
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
