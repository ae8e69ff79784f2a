#pragma once

#include <iosfwd>
#include <span>

namespace minuted::daemon {

/// `minuted archive list | search QUERY | show ID | export ID --format md|json|txt|vtt|html|odt |
/// prune [--dry-run]`, with `--state-dir DIR` (default: the embedded config's) or `--config
/// FILE`: reads the archive a daemon wrote, while it runs or not; prune applies the config's
/// [archive] limits once (enforce_retention). Exit codes from exit_codes.hpp: 64 bad arguments
/// or query, 66 no such archive or session, 74 an index that cannot be read or a meeting that
/// cannot be removed, 78 a bad config.
int archive_command(std::span<char const* const> args, std::ostream& out, std::ostream& err);

} // namespace minuted::daemon
