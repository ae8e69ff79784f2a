#pragma once

#include "daemon/archive/archive_index.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace minuted::daemon {

/// What `minuted archive` is told on its command line (command_line.cpp reads it).
struct archive_options {
    std::string verb; ///< list, search, show, export or prune
    std::string id;   ///< show and export: the archived session
    std::optional<std::string> state_dir, config_file;
    std::string format;  ///< export: md, json, txt, vtt, html or odt
    archive_query query; ///< search: its text (QUERY), --speaker, --from, --to and --limit
    bool is_dry_run = false;
};

/// The formats `minuted archive export --format` knows, for the command line to check.
bool is_export_format(std::string_view format);

/// `minuted archive list | search QUERY | show ID | export ID --format md|json|txt|vtt|html|odt |
/// prune [--dry-run]`, with `--state-dir DIR` (default: the embedded config's) or `--config
/// FILE`: reads the archive a daemon wrote, while it runs or not; prune applies the config's
/// [archive] limits once (enforce_retention). Exit codes from exit_codes.hpp: 64 a query that
/// cannot be searched for, 66 no such archive or session, 74 an index that cannot be read or
/// a meeting that cannot be removed, 78 a bad config.
int archive_command(archive_options const& options, std::ostream& out, std::ostream& err);

} // namespace minuted::daemon
