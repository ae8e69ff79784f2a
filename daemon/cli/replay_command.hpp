#pragma once

#include "daemon/client/replay_frames.hpp"

#include <optional>
#include <string>

namespace minuted::daemon {

/// What `minuted replay` is told on its command line (command_line.cpp reads it).
struct replay_command_options {
    /// FILE (- for standard input), or --from-archive ID with the state directory from
    /// --state-dir or --config: exactly one of `file` and `archived`.
    std::optional<std::string> file, archived, state_dir, config_file;
    /// The receiver: --to URL or --serve HOST:PORT, exactly one of them.
    std::optional<std::string> to, serve;
    std::optional<std::string> title, agenda_file;
    replay_options replay;
    /// --wpm, --corrections or --seed was given: they type a FILE, not an archived meeting.
    bool has_typing_options = false;
};

/// `minuted replay (FILE | --from-archive ID [--state-dir DIR | --config FILE])
/// (--to URL | --serve HOST:PORT) [--speed N|max] [--wpm N] [--corrections] [--seed N]
/// [--title T] [--keep-open]`. Exit codes from exit_codes.hpp: 64 options that do not go
/// together, 66 no such file or archived session (or one without a journal), 74 a replay that
/// failed, 78 a bad config.
int replay_command(replay_command_options const& options);

} // namespace minuted::daemon
