#include "config/config.hpp"
#include "daemon/cli/archive_command.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/replay_command.hpp"
#include "daemon/cli/serve_command.hpp"
#include "daemon/cli/summarise_command.hpp"

#include <iostream>
#include <span>
#include <string_view>

namespace {

constexpr std::string_view usage = R"(minuted: live minutes of a meeting from its CART captions

usage:
  minuted serve [--config FILE] [--listen HOST:PORT] [--state-dir DIR] [--log-level LEVEL]
                [--threads N]
                [--replay FILE [--replay-speed N|max] [--replay-session ID] [--corrections]]
      The daemon: caption ingest, live minutes for subscribers, HTTP API.
  minuted attach URL --session ID [serve options]
      The daemon with one pull feed: minuted connects to the caption feed at URL.
  minuted replay FILE (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT) [--speed N|max]
                 [--wpm N] [--corrections] [--seed N] [--title TEXT] [--keep-open]
  minuted replay --from-archive ID [--state-dir DIR | --config FILE]
                 (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT) [--speed N|max] [...]
      Plays a transcript, or an archived meeting's journal at its recorded pace, as a live
      caption feed; --keep-open leaves the session live at the end (minuted replay --help).
  minuted archive list | search QUERY | show ID | export ID --format md|json|txt|vtt|html|odt | prune
                 [--speaker NAME] [--from DATE] [--to DATE] [--dry-run]
                 [--state-dir DIR | --config FILE]
      Finished meetings: list them, search what was said, print or export one; prune applies
      the config's [archive] limits now (--dry-run: only list what would go).
  minuted summarise FILE|- [--format md|json|vtt|html|odt] [-o OUT] [--agenda FILE]
      Summary report of a finished transcript (Markdown, JSON, WebVTT, HTML or .odt).
  minuted --print-default-config
  minuted --version
)";

} // namespace

int main(int argc, char** argv) {
    std::span<char const* const> const args(argv, static_cast<std::size_t>(argc));
    if (args.size() < 2) {
        std::cerr << usage;
        return minuted::daemon::exit_usage;
    }
    std::string_view const command = args[1];
    if (command == "summarise" || command == "summarize")
        return minuted::daemon::summarise_command(args.subspan(2), std::cout, std::cerr);
    if (command == "serve")
        return minuted::daemon::serve_command(args.subspan(2), minuted::daemon::serve_mode::serve);
    if (command == "attach")
        return minuted::daemon::serve_command(args.subspan(2), minuted::daemon::serve_mode::attach);
    if (command == "archive")
        return minuted::daemon::archive_command(args.subspan(2), std::cout, std::cerr);
    if (command == "replay")
        return minuted::daemon::replay_command(args.subspan(2));
    if (command == "--print-default-config") {
        std::cout << minuted::config::default_config_text();
        return minuted::daemon::exit_ok;
    }
    if (command == "--version") {
        std::cout << "minuted 0.1.0\n";
        return minuted::daemon::exit_ok;
    }
    if (command == "--help" || command == "-h") {
        std::cout << usage;
        return minuted::daemon::exit_ok;
    }
    std::cerr << "minuted: unknown command '" << command << "'\n" << usage;
    return minuted::daemon::exit_usage;
}
