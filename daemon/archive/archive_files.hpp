#pragma once

#include "daemon/archive/archive_index.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace minuted::daemon {

/// The files of an archived session: its name in the folder, how it is served, and the
/// `minuted archive export --format` that prints it ("" for none).
struct archived_file {
    std::string_view name;
    std::string_view content_type;
    std::string_view format;
};
inline constexpr archived_file archived_files[] = {
    {"report.md", "text/markdown; charset=utf-8", "md"},
    {"report.json", "application/json", "json"},
    {"transcript.txt", "text/plain; charset=utf-8", "txt"},
    {"captions.vtt", "text/vtt; charset=utf-8", "vtt"},
    {"state.json", "application/json", ""},
    // Once people edited the minutes: the machine's report beside theirs (report.md), and
    // what each of them did, when (one edit a line, as the journal holds it).
    {"report.machine.md", "text/markdown; charset=utf-8", ""},
    {"edits.jsonl", "application/jsonl", ""},
    // The report as documents to circulate (written since they were added: older archives
    // lack them).
    {"report.html", "text/html; charset=utf-8", "html"},
    {"report.odt", "application/vnd.oasis.opendocument.text", "odt"},
};

/// Whether `id` can name an archived session: a folder directly under archive/, with no path
/// of its own ("..", "a/b").
inline bool is_archive_name(std::string_view id) {
    return !id.empty() && id != "." && id != ".." && id.find('/') == std::string_view::npos &&
           id.find('\0') == std::string_view::npos;
}

/// A file of a finished session: its name in the session's archive folder and its content.
using archive_file = std::pair<std::string, std::string>;

/// The folder the session instance `instance` that started at `started` is archived in:
/// state_dir/archive/{id}-{YYYYMMDD}-{HHMMSS} (UTC), with "-2", "-3"... if another session of
/// the same id started in the same second. A folder already holding this instance (archived
/// before a crash, then again from the journal) is reused, as is one a crash left without its
/// state.json.
std::filesystem::path archive_folder(std::filesystem::path const& state_dir, std::string_view id,
                                     std::chrono::system_clock::time_point started,
                                     std::string_view instance);

/// Syncs `folder`, so the names of files created, renamed or removed in it are durable.
std::error_code sync_folder(std::filesystem::path const& folder);

/// Moves `file` (a finished session's journal) into `folder` as "journal", durably.
std::error_code move_into_archive(std::filesystem::path const& file,
                                  std::filesystem::path const& folder);

/// Writes `files` into `folder`, each durably: a temporary file, fsync, rename, and an fsync
/// of the folder, so a crash leaves each file whole or absent, never torn. Creates `folder`.
/// Stops at the first failure and returns it (disk full, read-only state directory...).
std::error_code write_archive(std::filesystem::path const& folder,
                              std::vector<archive_file> const& files);

/// The index entry of the archived session `archive`, from the state.json written with it: the
/// final snapshot (protocol/PROTOCOL.md) plus "archived": {"started", "ended", "end_reason"}.
/// Throws std::exception if the text is not such a state.
std::pair<archived_session, std::vector<archived_utterance>>
index_entry(std::string const& archive, std::string_view state_json);

/// `edits_jsonl` (an archive's edits.jsonl, whose times are milliseconds as the journal keeps
/// them) as it is served under /api: each edit's `at` as RFC 3339, like every time there. A line
/// that is not such an edit is passed on as it is. Linear in the size. Pure.
std::string edits_for_api(std::string_view edits_jsonl);

/// Indexes every folder under `archive_dir` that `index` does not hold yet (written while the
/// index could not be opened, or with an index since deleted); returns how many. A folder whose
/// state cannot be read is skipped with a log line; so are names starting with '.', which are
/// never archives (retention's ".deleting-" folders).
std::size_t index_missing(archive_index& index, std::filesystem::path const& archive_dir);

} // namespace minuted::daemon
