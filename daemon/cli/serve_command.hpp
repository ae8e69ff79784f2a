#pragma once

#include "daemon/client/replay_frames.hpp"
#include "protocol/agenda.hpp"

#include <optional>
#include <string>
#include <vector>

namespace minuted::daemon {

/// Which command runs the daemon: `serve`, or `attach`, which serves with one pull feed.
enum class serve_mode { serve, attach };

/// What `minuted serve` and `minuted attach` are told on their command line
/// (command_line.cpp reads it); unset values leave the config file's.
struct serve_options {
    serve_mode mode = serve_mode::serve;
    std::optional<std::string> config_file, listen, state_dir, log_level;
    std::optional<unsigned> io_threads; ///< --threads: 0 (one per CPU core) to 256
    /// --replay FILE into the daemon's own session `replay_session`, paced by `replay`.
    std::optional<std::string> replay_file;
    std::string replay_session = "demo";
    /// Ten times real time unless --replay-speed says otherwise: a demo to watch.
    replay_options replay = [] {
        replay_options r;
        r.speed = 10;
        return r;
    }();
    /// attach: the feed's URL (ws://, wss:// or streamtext:EVENT[?language=L]), its session,
    /// token, CAs and (streamtext) endpoint.
    std::optional<std::string> attach_url, attach_session, attach_token, attach_ca_file,
        attach_endpoint;
    /// --agenda FILE: the known agenda of the replayed or attached meeting, sent in its open;
    /// `agenda` is what serve_command reads from it.
    std::optional<std::string> agenda_file;
    std::vector<protocol::agenda_item> agenda;
};

/// `minuted serve`, and `minuted attach URL --session ID` (serve with one pull feed). Runs
/// until SIGINT or SIGTERM; SIGHUP reads the config again. Exit codes from exit_codes.hpp:
/// 64 options that do not go together, 65/66 a bad or missing agenda file, 69 cannot listen,
/// 78 a bad config (file:line:column).
int serve_command(serve_options options);

} // namespace minuted::daemon
