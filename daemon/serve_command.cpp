#include "daemon/serve_command.hpp"

#include "config/config.hpp"
#include "daemon/archive_files.hpp"
#include "daemon/archive_index.hpp"
#include "daemon/command_line.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/feed_client.hpp"
#include "daemon/replay.hpp"
#include "daemon/retention.hpp"
#include "daemon/server.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/tls.hpp"
#include "daemon/ws_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace minuted {

namespace net = boost::asio;

namespace {

constexpr std::string_view usage =
    "usage: minuted serve [--config FILE] [--listen HOST:PORT] "
    "[--state-dir DIR] [--log-level LEVEL] [--threads N]\n"
    "                     [--replay FILE [--replay-speed N|max] "
    "[--replay-session ID] [--corrections]]\n"
    "                     [--agenda FILE]\n"
    "       minuted attach URL --session ID [--token TOKEN] [--ca-file PEM] [serve options]\n";

// True for an address only this machine can reach.
bool is_loopback_host(std::string const& host) {
    if (host == "localhost")
        return true;
    boost::system::error_code ec;
    auto const address = net::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

} // namespace

int serve_command(std::span<char const* const> args, bool attach) {
    std::optional<std::string> config_file, listen, state_dir, log_level, replay_file, attach_url,
        attach_session, attach_token, attach_ca_file, agenda_file;
    std::optional<unsigned> io_threads;
    std::string replay_session = "demo";
    replay_options replay;
    replay.speed = 10;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            std::string_view const a = args[i];
            auto value = [&] { return option_value(args, i); };
            if (a == "--config")
                config_file = value();
            else if (a == "--listen")
                listen = value();
            else if (a == "--state-dir")
                state_dir = value();
            else if (a == "--log-level")
                log_level = value();
            else if (a == "--threads") {
                auto const v = value();
                unsigned n = 0;
                auto const [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                if (ec != std::errc{} || end != v.data() + v.size() || n > 256)
                    throw std::invalid_argument(
                        "--threads must be from 0 (one per CPU core) to 256, not " + v);
                io_threads = n;
            } else if (a == "--replay")
                replay_file = value();
            else if (a == "--replay-session")
                replay_session = value();
            else if (a == "--replay-speed")
                set_speed(replay, value(), a);
            else if (a == "--corrections")
                replay.corrections = true;
            else if (a == "--agenda")
                agenda_file = value();
            else if (attach && a == "--session")
                attach_session = value();
            else if (attach && a == "--token")
                attach_token = value();
            else if (attach && a == "--ca-file")
                attach_ca_file = value();
            else if (attach && !attach_url && !a.starts_with("--"))
                attach_url = std::string(a);
            else
                throw std::invalid_argument("unknown argument " + std::string(a));
        }
        if (attach && (!attach_url || !attach_session))
            throw std::invalid_argument("attach needs a URL and --session ID");
        if (agenda_file && !attach && !replay_file)
            throw std::invalid_argument("--agenda is the agenda of the --replay or attached "
                                        "meeting: it needs one of them");
    } catch (std::exception const& e) {
        std::cerr << "minuted: " << e.what() << '\n' << usage;
        return exit_usage;
    }

    // The known agenda of the replayed or attached meeting, sent in its open.
    std::vector<protocol::agenda_item> agenda;
    if (agenda_file) {
        try {
            agenda = config::read_agenda_file(*agenda_file);
        } catch (config::agenda_file_error const& e) {
            std::cerr << "minuted: " << e.what() << '\n';
            return e.unreadable ? exit_no_input : exit_data;
        }
    }

    // The config file with the command line's overrides: at start, and again on SIGHUP.
    auto load_settings = [&] {
        auto s = config_file
                     ? config::load_config_file(*config_file)
                     : config::parse_config(config::default_config_text(), "<default config>");
        if (listen)
            std::tie(s.listen_host, s.listen_port) = config::parse_listen(*listen);
        if (state_dir)
            s.state_dir = *state_dir;
        if (log_level)
            s.log_level = *log_level;
        if (io_threads)
            s.threads = *io_threads;
        if (attach) {
            if (!protocol::is_valid_session_id(*attach_session))
                throw std::invalid_argument(
                    "--session must be 1-64 letters, digits, '.', '_' or '-'");
            parse_ws_url(*attach_url);
            s.feeds.push_back({*attach_session,
                               *attach_url,
                               {},
                               agenda,
                               {},
                               attach_token.value_or(""),
                               attach_ca_file.value_or("")});
        }
        return s;
    };
    config::settings settings;
    try {
        settings = load_settings();
    } catch (config::config_error const& e) {
        std::cerr << "minuted: " << e.what() << '\n';
        return exit_config;
    } catch (std::exception const& e) {
        std::cerr << "minuted: " << e.what() << '\n';
        return exit_config;
    }

    // Out of the box only this machine may publish; anywhere else needs a token, or anyone who
    // can reach the port could put words in a meeting's record.
    if (!settings.auth.has_publish_tokens() && !is_loopback_host(settings.listen_host)) {
        std::cerr << "minuted: listening on " << settings.listen_host
                  << " needs a publish token ([auth] publish_token or [auth.sessions]): "
                     "without one, anyone who can reach it could publish captions\n";
        return exit_config;
    }

    auto logger = spdlog::stderr_color_mt("minuted");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    logger->set_level(spdlog::level::from_str(settings.log_level));
    spdlog::set_default_logger(logger);

    std::string replay_text;
    if (replay_file) {
        std::ifstream in(*replay_file, std::ios::binary);
        if (!in) {
            spdlog::error("--replay {}: {}", *replay_file, std::strerror(errno));
            return exit_no_input;
        }
        std::ostringstream s;
        s << in.rdbuf();
        replay_text = s.str();
    }
    std::error_code fs_ec;
    std::filesystem::create_directories(settings.state_dir, fs_ec);
    if (fs_ec) {
        spdlog::error("state directory {}: {}", settings.state_dir.string(), fs_ec.message());
        return exit_cant_create;
    }

    // A file size limit is one more way a journal write can fail: reported and retried like a
    // full disk, not a reason to die.
    ::signal(SIGXFSZ, SIG_IGN);

    // Every subscriber holds a socket: allow as many as the hard limit does.
    if (rlimit fds{}; ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }

    // Sessions and connections each run on their own strand, so any thread may run any of them.
    unsigned const threads = settings.threads != 0
                                 ? settings.threads
                                 : std::max(1u, std::thread::hardware_concurrency());
    metrics counters; // before the io_context: handlers it destroys last still count into it
    net::io_context ioc(static_cast<int>(threads));
    // Taken over before the daemon says it listens (and tells systemd it is ready): a SIGHUP or
    // SIGTERM from then on waits for its handler below instead of killing the process.
    net::signal_set reload_signal(ioc, SIGHUP);
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    // The search index. Without it the daemon still archives every session's files; only
    // search is unavailable until the index can be opened again.
    std::unique_ptr<archive_index> index;
    try {
        std::filesystem::create_directories(settings.state_dir / "archive");
        index = std::make_unique<archive_index>(settings.state_dir / "archive" / "index.sqlite");
        if (auto const n = index_missing(*index, settings.state_dir / "archive"))
            spdlog::info("archive: indexed {} archived sessions the index did not hold", n);
    } catch (std::exception const& e) {
        spdlog::error("archive search is unavailable: {}", e.what());
    }
    // Journal fsyncs and archiving wait for the disk here, never on a network thread.
    // Archiving and retention have a thread of their own, out of the way of journal commits.
    net::thread_pool journal_pool(2);
    net::thread_pool archive_pool(1);
    // Archive searches and listings too: a slow full-text search never holds up ingest.
    net::thread_pool search_pool(1);
    // Deletes archived meetings past [archive] max_age_days / max_megabytes, now and hourly.
    auto retention = start_retention(archive_pool.get_executor(), settings, index.get());
    live_config config(settings);
    session_registry sessions(
        ioc, {journal_pool.get_executor(), archive_pool.get_executor(), search_pool.get_executor()},
        config, counters, index.get());
    if (auto const n = sessions.recover())
        spdlog::info("{} live sessions rebuilt from their journals", n);
    server http(ioc, config, counters, sessions);
    if (settings.tls.enabled()) {
        try {
            http.set_tls(load_server_tls(settings.tls));
        } catch (std::exception const& e) {
            spdlog::error("{}", e.what());
            return exit_config;
        }
    }
    net::ip::tcp::endpoint bound;
    try {
        bound = http.start();
    } catch (std::exception const& e) {
        spdlog::error("cannot listen on {}:{}: {}", settings.listen_host, settings.listen_port,
                      describe(e));
        return exit_unavailable;
    }
    auto const host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                              : bound.address().to_string();
    spdlog::info("listening on {}://{}:{}", settings.tls.enabled() ? "https" : "http", host,
                 bound.port());
    if (settings.tls.enabled())
        spdlog::info("TLS with {}; plain HTTP is served to this machine only",
                     settings.tls.certificate.string());
    else if (!is_loopback_host(settings.listen_host))
        spdlog::warn("no [tls] configured: tokens and captions cross the network in the clear");
    if (!settings.auth.has_publish_tokens())
        spdlog::info("no publish token configured: captions are accepted from this machine only");
    systemd_notifier systemd(ioc, [&sessions, where = host + ":" + std::to_string(bound.port())] {
        auto const n = sessions.live_count();
        return fmt::format("serving on {}; {} live session{}", where, n, n == 1 ? "" : "s");
    });
    systemd.ready();

    feed_set feeds(ioc, sessions, config, counters);
    feeds.apply(settings.feeds);

    journal_replay demo;
    auto const& frames = demo.frames;
    if (replay_file) {
        // As `minuted replay FILE` sends it: the header's title in the open, then the speech.
        demo = make_transcript_replay(replay_text, replay);
        if (demo.title.empty())
            demo.title = *replay_file;
        demo.agenda = agenda;
        auto const own = settings.auth.session_tokens.find(replay_session);
        replay.token =
            own != settings.auth.session_tokens.end() ? own->second : settings.auth.publish_token;
        auto const loop =
            bound.address().is_unspecified()
                ? (bound.address().is_v6() ? std::string("[::1]") : std::string("127.0.0.1"))
                : host;
        auto const url =
            "ws://" + loop + ":" + std::to_string(bound.port()) + "/ingest/" + replay_session;
        spdlog::info("replaying {} into session {} at {}", *replay_file, replay_session,
                     replay.as_fast_as_acked ? std::string("full speed")
                                             : fmt::format("{:g}x real time", replay.speed));
        net::co_spawn(net::make_strand(ioc),
                      push_replay(url, demo.title, frames, replay, demo.agenda),
                      log_failure("replay"));
    }

    // SIGHUP: the config file is read again. Tokens, limits, feeds and the log level change
    // at once for new requests and connections; open ones keep the limits they started with.
    // A config that cannot be used changes nothing.
    std::function<void()> wait_for_reload = [&] {
        reload_signal.async_wait([&](boost::system::error_code ec, int) {
            if (ec)
                return;
            try {
                std::vector<std::string> kept;
                auto next = config::reloadable(*config.get(), load_settings(), kept);
                if (!next.auth.has_publish_tokens() && !is_loopback_host(next.listen_host))
                    throw std::runtime_error("it has no publish token, and the daemon listens on " +
                                             next.listen_host +
                                             " where anyone could then publish captions");
                for (auto const& name : kept)
                    spdlog::warn("config reload: {} changes only with a restart; keeping the "
                                 "running value",
                                 name);
                // The certificate is read again even if its name is the same: a renewal.
                auto tls = next.tls.enabled() ? load_server_tls(next.tls) : nullptr;
                spdlog::set_level(spdlog::level::from_str(next.log_level));
                http.set_tls(std::move(tls));
                auto const feed_list = next.feeds;
                config.set(std::move(next));
                feeds.apply(feed_list);
                counters.config_reloads.fetch_add(1, std::memory_order_relaxed);
                spdlog::info("config reloaded from {}",
                             config_file.value_or("the embedded default"));
            } catch (std::exception const& e) {
                counters.config_reload_failures.fetch_add(1, std::memory_order_relaxed);
                spdlog::error("config reload failed: {}; keeping the running config", e.what());
            }
            wait_for_reload();
        });
    };
    wait_for_reload();

    // SIGTERM: no new connections; viewers are closed with 1001, caption sources get the acks
    // of what they sent and then 1001; journals are synced. The daemon exits once every
    // connection is closed, or after [server] shutdown_grace.
    net::steady_timer stop_timer(ioc);
    std::chrono::steady_clock::time_point stop_deadline;
    std::function<void()> wait_for_connections = [&] {
        if (http.open_connections() == 0 || std::chrono::steady_clock::now() >= stop_deadline) {
            if (auto const n = http.open_connections())
                spdlog::warn("{} connections still open after [server] shutdown_grace: closing "
                             "them",
                             n);
            return ioc.stop();
        }
        stop_timer.expires_after(std::chrono::milliseconds(20));
        stop_timer.async_wait([&](boost::system::error_code) { wait_for_connections(); });
    };
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec)
            return;
        spdlog::info("signal {}: stopping", signal);
        systemd.stopping(
            fmt::format("stopping (signal {}): closing connections, syncing journals", signal));
        reload_signal.cancel();
        http.stop();
        for (auto const& s : sessions.all())
            net::post(s->strand(), [s] { s->shut_down(); });
        stop_deadline = std::chrono::steady_clock::now() + config.get()->shutdown_grace;
        wait_for_connections();
    });
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i)
        pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool)
        t.join();
    retention.stop(); // its hourly timer would keep the archive pool busy
    search_pool.join();
    archive_pool.join();
    journal_pool.join();
    sessions.flush_journals();
    spdlog::info("stopped");
    return exit_ok;
}

} // namespace minuted
