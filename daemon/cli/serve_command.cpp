#include "daemon/cli/serve_command.hpp"

#include "config/config.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/client/replay.hpp"
#include "daemon/client/ws_client.hpp"
#include "daemon/logging.hpp"
#include "daemon/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace minuted::daemon {

namespace net = boost::asio;

namespace {

// Throws std::invalid_argument, saying what is wrong. An attached feed's URL and session
// are required by the command line itself.
void check_serve_options(serve_options const& o) {
    if (o.agenda_file && o.mode != serve_mode::attach && !o.replay_file)
        throw std::invalid_argument("--agenda is the agenda of the --replay or attached "
                                    "meeting: it needs one of them");
}

// `text` as the inside of a TOML basic string: what the config reader then refuses is said
// about the text as given.
std::string toml_string(std::string_view text) {
    std::string out;
    for (char const c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        // A control character cannot be in an event, a language or a URL: '?' is refused too.
        out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
    return out;
}

// `minuted attach`'s feed: a WebSocket URL, or streamtext:EVENT[?language=L] (and --url).
// Throws std::invalid_argument.
config::feed attached_feed(serve_options const& o) {
    config::feed f;
    f.session = *o.attach_session;
    f.agenda = o.agenda;
    f.ca_file = o.attach_ca_file.value_or("");
    std::string_view const url = *o.attach_url;
    if (!url.starts_with("streamtext:")) {
        if (o.attach_endpoint)
            throw std::invalid_argument("--url is the endpoint of a streamtext: feed");
        parse_ws_url(url);
        f.url = url;
        f.token = o.attach_token.value_or("");
        return f;
    }
    if (o.attach_token)
        throw std::invalid_argument("a streamtext: feed takes no --token");
    // Read as the config file would read it, so both say the same about bad values.
    auto const rest = url.substr(std::string_view("streamtext:").size());
    auto const query = rest.find('?');
    auto const event = rest.substr(0, query);
    std::string text = "[[feed]]\nkind = \"streamtext\"\nsession = \"" + f.session +
                       "\"\nevent = \"" + toml_string(event) + "\"\n";
    if (query != std::string_view::npos) {
        auto const option = rest.substr(query + 1);
        if (!option.starts_with("language="))
            throw std::invalid_argument("streamtext:EVENT takes ?language=L only, not ?" +
                                        std::string(option));
        text += "language = \"" + toml_string(option.substr(9)) + "\"\n";
    }
    if (o.attach_endpoint)
        text += "url = \"" + toml_string(*o.attach_endpoint) + "\"\n";
    config::feed parsed;
    try {
        parsed = config::parse_config(text, "streamtext:").feeds.at(0);
    } catch (config::config_error const& e) {
        auto const what = std::string_view(e.what());
        auto const at = what.find(": feed.");
        throw std::invalid_argument(
            "attach " + std::string(url) + ": " +
            std::string(at == std::string_view::npos ? what : what.substr(at + 2)));
    }
    parsed.agenda = f.agenda;
    parsed.ca_file = f.ca_file;
    return parsed;
}

// The config file with the command line's overrides: at start, and again on SIGHUP. Throws
// config::config_error or std::invalid_argument.
config::settings load_settings(serve_options const& o) {
    auto s = o.config_file
                 ? config::load_config_file(*o.config_file)
                 : config::parse_config(config::default_config_text(), "<default config>");
    if (o.listen)
        std::tie(s.listen_host, s.listen_port) = config::parse_listen(*o.listen);
    if (o.state_dir)
        s.state_dir = *o.state_dir;
    if (o.log_level)
        s.log_level = *o.log_level;
    if (o.io_threads)
        s.threads = *o.io_threads;
    if (o.mode == serve_mode::attach) {
        if (!protocol::is_valid_session_id(*o.attach_session))
            throw std::invalid_argument("--session must be 1-64 letters, digits, '.', '_' or '-'");
        s.feeds.push_back(attached_feed(o));
    }
    check_publish_exposure(s);
    return s;
}

// --replay FILE: the file played into the daemon's own ingest as `minuted replay FILE` sends
// it (the header's title in the open, then the speech), so that there is something to watch.
// `demo` holds the frames while they are sent: it must outlive the daemon's run.
void start_replay(server& daemon, net::ip::tcp::endpoint const& bound, serve_options& o,
                  std::string const& text, journal_replay& demo) {
    demo = make_transcript_replay(text, o.replay);
    if (demo.title.empty())
        demo.title = *o.replay_file;
    demo.agenda = o.agenda;
    auto const& auth = daemon.config().get()->auth;
    auto const own = auth.session_tokens.find(o.replay_session);
    o.replay.token = own != auth.session_tokens.end() ? own->second : auth.publish_token;
    auto address = bound.address();
    if (address.is_unspecified())
        address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                                  : net::ip::address(net::ip::address_v4::loopback());
    auto const host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    auto const url =
        "ws://" + host + ":" + std::to_string(bound.port()) + "/ingest/" + o.replay_session;
    spdlog::info("replaying {} into session {} at {}", *o.replay_file, o.replay_session,
                 o.replay.as_fast_as_acked ? std::string("full speed")
                                           : fmt::format("{:g}x real time", o.replay.speed));
    net::co_spawn(net::make_strand(daemon.io()),
                  push_replay(url, demo.title, demo.frames, o.replay, demo.agenda),
                  log_failure("replay"));
}

// SIGHUP: the config file is read again (server::reload). A config that cannot be used
// changes nothing.
void reload_on_sighup(net::signal_set& signal, server& daemon, serve_options const& o) {
    signal.async_wait([&signal, &daemon, &o](boost::system::error_code ec, int) {
        if (ec)
            return;
        try {
            daemon.reload(load_settings(o));
        } catch (std::exception const& e) {
            daemon.counters().config_reload_failures.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("config reload failed: {}; keeping the running config", e.what());
        }
        reload_on_sighup(signal, daemon, o);
    });
}

} // namespace

int serve_command(serve_options options) {
    config::settings settings;
    try {
        check_serve_options(options);
    } catch (std::exception const& e) {
        print_error("minuted: " + std::string(e.what()) + '\n');
        return exit_usage;
    }
    try {
        if (options.agenda_file)
            options.agenda = config::read_agenda_file(*options.agenda_file);
        settings = load_settings(options);
    } catch (config::agenda_file_error const& e) {
        print_error("minuted: " + std::string(e.what()) + '\n');
        return e.unreadable ? exit_no_input : exit_data;
    } catch (std::exception const& e) {
        print_error("minuted: " + std::string(e.what()) + '\n');
        return exit_config;
    }
    set_up_logging(settings.log_level);
    std::string replay_text;
    if (options.replay_file) {
        std::ifstream in(*options.replay_file, std::ios::binary);
        if (!in) {
            spdlog::error("--replay {}: {}", *options.replay_file, std::strerror(errno));
            return exit_no_input;
        }
        std::ostringstream text;
        text << in.rdbuf();
        replay_text = text.str();
    }
    journal_replay demo;
    try {
        server daemon(std::move(settings), options.config_file.value_or("the embedded default"));
        // Taken over before the daemon says it listens (and tells systemd it is ready): a
        // SIGHUP or SIGTERM from then on waits for its handler instead of killing the process.
        net::signal_set reload_signal(daemon.io(), SIGHUP);
        net::signal_set stop_signals(daemon.io(), SIGINT, SIGTERM);
        auto const bound = daemon.start();
        if (options.replay_file)
            start_replay(daemon, bound, options, replay_text, demo);
        reload_on_sighup(reload_signal, daemon, options);
        stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec)
                return;
            reload_signal.cancel();
            daemon.stop("signal " + std::to_string(signal));
        });
        daemon.run();
    } catch (start_error const& e) {
        spdlog::error("{}", e.what());
        return e.exit_code();
    }
    return exit_ok;
}

} // namespace minuted::daemon
