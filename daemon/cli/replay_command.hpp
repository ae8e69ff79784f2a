#pragma once

#include <span>

namespace minuted::daemon {

/// `minuted replay (FILE | --from-archive ID [--state-dir DIR | --config FILE])
/// (--to URL | --serve HOST:PORT) [--speed N|max] [--wpm N] [--corrections] [--seed N]
/// [--title T] [--keep-open]`. Exit codes from exit_codes.hpp: 64 bad arguments, 66 no such
/// file or archived session (or one without a journal), 74 a replay that failed, 78 a bad config.
int replay_command(std::span<char const* const> args);

} // namespace minuted::daemon
