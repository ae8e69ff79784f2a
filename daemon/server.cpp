#include "daemon/server.hpp"

#include "daemon/archive/archive_files.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/client/ws_client.hpp"
#include "daemon/net/tls.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace minuted::daemon {

namespace net = boost::asio;

namespace {

unsigned io_threads(config::settings const& s) {
    return s.threads != 0 ? s.threads : std::max(1u, std::thread::hardware_concurrency());
}

// "127.0.0.1:8080", "[::1]:8080".
std::string endpoint_string(net::ip::tcp::endpoint const& ep) {
    auto const address = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

} // namespace

bool is_loopback_host(std::string const& host) {
    if (host == "localhost")
        return true;
    boost::system::error_code ec;
    auto const address = net::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

void check_publish_exposure(config::settings const& s) {
    // Out of the box only this machine may publish; anywhere else needs a token, or anyone who
    // can reach the port could put words in a meeting's record.
    if (!s.auth.has_publish_tokens() && !is_loopback_host(s.listen_host))
        throw std::invalid_argument(
            "listening on " + s.listen_host +
            " needs a publish token ([auth] publish_token or [auth.sessions]): without one, "
            "anyone who can reach it could publish captions");
}

server::server(config::settings settings, std::string name)
    : name_(std::move(name)), threads_(io_threads(settings)), ioc_(static_cast<int>(threads_)),
      config_(std::move(settings)), send_on_(ioc_, send_pool_.get_executor(), config_, counters_),
      sessions_(
          ioc_,
          {journal_pool_.get_executor(), archive_pool_.get_executor(), search_pool_.get_executor()},
          config_, counters_, nullptr),
      listener_(ioc_, config_, counters_, sessions_), feeds_(ioc_, sessions_, config_, counters_),
      systemd_(ioc_,
               [this] {
                   auto const n = sessions_.live_count();
                   return fmt::format("serving on {}; {} live session{}", where_, n,
                                      n == 1 ? "" : "s");
               }),
      grace_timer_(ioc_) {
    sessions_.set_announcer([this](std::string const& event, std::filesystem::path const& folder) {
        send_on_.announce(event, folder);
    });
}

server::~server() {
    // Nothing may touch the index or the archive once the daemon is gone.
    retention_.stop();
    // If start() failed, run() has not waited for the pools: work queued there by start()
    // (rebuilt sessions, stale archives, spooled webhooks) uses the config, the sessions and
    // send_on_, which are destroyed before the pools are.
    join_pools();
}

void server::join_pools() {
    search_pool_.join();
    archive_pool_.join();
    send_pool_.join();
    journal_pool_.join();
}

void server::open_archive() {
    auto const& s = *config_.get();
    // Without the index the daemon still archives every session's files; only search is
    // unavailable until the index can be opened again.
    try {
        std::filesystem::create_directories(s.state_dir / "archive");
        index_ = std::make_unique<archive_index>(s.state_dir / "archive" / "index.sqlite");
        if (auto const n = index_missing(*index_, s.state_dir / "archive"))
            spdlog::info("archive: indexed {} archived sessions the index did not hold", n);
    } catch (std::exception const& e) {
        spdlog::error("archive search is unavailable: {}", e.what());
    }
    sessions_.set_index(index_.get());
    // Deletes archived meetings past [archive] max_age_days / max_megabytes, now and hourly.
    retention_ = start_retention(archive_pool_.get_executor(), s, index_.get());
}

net::ip::tcp::endpoint server::start() {
    auto const settings = config_.get();
    // A certificate or key that cannot be used is a config error: said before anything is
    // started or any journal or archive is touched.
    if (settings->tls.enabled()) {
        try {
            listener_.set_tls(load_server_tls(settings->tls));
        } catch (std::exception const& e) {
            throw start_error(exit_config, e.what());
        }
    }
    std::error_code ec;
    std::filesystem::create_directories(settings->state_dir, ec);
    if (ec)
        throw start_error(exit_cant_create,
                          "state directory " + settings->state_dir.string() + ": " + ec.message());
    // A file size limit is one more way a journal write can fail: reported and retried like a
    // full disk, not a reason to die.
    ::signal(SIGXFSZ, SIG_IGN);
    // Every subscriber holds a socket: allow as many as the hard limit does.
    if (rlimit fds{}; ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }
    open_archive();
    send_on_.start();
    if (auto const n = sessions_.recover())
        spdlog::info("{} live sessions rebuilt from their journals", n);
    net::ip::tcp::endpoint bound;
    try {
        bound = listener_.start();
    } catch (std::exception const& e) {
        throw start_error(exit_unavailable, "cannot listen on " + settings->listen_host + ":" +
                                                std::to_string(settings->listen_port) + ": " +
                                                describe(e));
    }
    where_ = endpoint_string(bound);
    spdlog::info("listening on {}://{}", settings->tls.enabled() ? "https" : "http", where_);
    if (settings->tls.enabled())
        spdlog::info("TLS with {}; plain HTTP is served to this machine only",
                     settings->tls.certificate.string());
    else if (!is_loopback_host(settings->listen_host))
        spdlog::warn("no [tls] configured: tokens and captions cross the network in the clear");
    if (!settings->auth.has_publish_tokens())
        spdlog::info("no publish token configured: captions are accepted from this machine only");
    systemd_.ready();
    feeds_.apply(settings->feeds);
    return bound;
}

void server::run() {
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads_; ++i)
        pool.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : pool)
        t.join();
    retention_.stop(); // its hourly timer would keep the archive pool busy
    join_pools();
    sessions_.flush_journals();
    spdlog::info("stopped");
}

void server::reload(config::settings next) {
    std::vector<std::string> kept;
    next = config::reloadable(*config_.get(), std::move(next), kept);
    check_publish_exposure(next);
    for (auto const& key : kept)
        spdlog::warn("config reload: {} changes only with a restart; keeping the running value",
                     key);
    // The certificate is read again even if its name is the same: a renewal.
    auto tls = next.tls.enabled() ? load_server_tls(next.tls) : nullptr;
    spdlog::set_level(spdlog::level::from_str(next.log_level));
    listener_.set_tls(std::move(tls));
    auto const feeds = next.feeds;
    config_.set(std::move(next));
    net::post(ioc_, [this, feeds] { feeds_.apply(feeds); });
    counters_.config_reloads.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("config reloaded from {}", name_);
}

void server::stop(std::string const& why) {
    if (stopping_.exchange(true))
        return;
    net::post(ioc_, [this, why] {
        spdlog::info("{}: stopping", why);
        systemd_.stopping(fmt::format("stopping ({}): closing connections, syncing journals", why));
        for (auto const& s : sessions_.all())
            net::post(s->strand(), [s] { s->shut_down(); });
        // The daemon exits once every connection is closed, or after [server] shutdown_grace.
        grace_timer_.expires_after(config_.get()->shutdown_grace);
        grace_timer_.async_wait([this](boost::system::error_code ec) {
            if (ec)
                return;
            if (auto const n = listener_.open_connections())
                spdlog::warn("{} connections still open after [server] shutdown_grace: closing "
                             "them",
                             n);
            ioc_.stop();
        });
        listener_.stop([this] { net::post(ioc_, [this] { on_connections_closed(); }); });
    });
}

void server::on_connections_closed() {
    grace_timer_.cancel();
    ioc_.stop();
}

} // namespace minuted::daemon
