#pragma once

#include <span>

namespace minuted::daemon {

/// Which command runs the daemon: `serve`, or `attach`, which serves with one pull feed.
enum class serve_mode { serve, attach };

/// `minuted serve [--config FILE] [--listen HOST:PORT] [--state-dir DIR] [--log-level L]
/// [--replay FILE [--replay-speed N|max] [--replay-session ID] [--corrections]]`, and
/// `minuted attach URL --session ID [same options]` (serve with one pull feed).
/// Runs until SIGINT or SIGTERM. Config errors exit 78 with file:line:column.
int serve_command(std::span<char const* const> args, serve_mode mode);

} // namespace minuted::daemon
