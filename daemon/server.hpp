#pragma once

#include "config/config.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/archive/retention.hpp"
#include "daemon/ingest/feed_client.hpp"
#include "daemon/live/live_config.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/listener.hpp"
#include "daemon/send/send_on.hpp"
#include "daemon/systemd_notify.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace minuted::daemon {

/// Why the daemon could not start, and the exit code (cli/exit_codes.hpp) that says so.
class start_error : public std::runtime_error {
public:
    start_error(int exit_code, std::string const& what)
        : std::runtime_error(what), exit_code_(exit_code) {}
    int exit_code() const noexcept { return exit_code_; }

private:
    int exit_code_;
};

/// True for an address only this machine can reach ("localhost", 127.0.0.1, ::1).
bool is_loopback_host(std::string const& host);
/// Throws std::invalid_argument if `s` would let anyone who can reach the daemon publish
/// captions: no publish token, and a listen address other machines can reach.
void check_publish_exposure(config::settings const& s);

/// A running daemon: the archive index, the disk pools, the sessions rebuilt from their
/// journals, the listener and the pull feeds, all on one io_context.
///
/// `start()` opens and binds everything and tells systemd it is ready; `run()` runs the io
/// threads until the daemon has stopped; `stop()` (any thread, e.g. from a signal handler)
/// stops accepting, lets every connection finish what is in flight (viewers get 1001, caption
/// sources their acks and then 1001), and ends `run()` once the last connection has closed,
/// or after [server] shutdown_grace. `reload()` takes a new config while running.
class server {
public:
    /// `settings` must already be checked (config::parse_config does); `name` says where they
    /// came from, for the log ("/etc/minuted/minuted.toml").
    server(config::settings settings, std::string name);
    server(server const&) = delete;
    server& operator=(server const&) = delete;
    ~server();

    /// Reads the [tls] certificate and key (before anything else: a config error leaves the
    /// state directory untouched), opens the state directory and the archive index, rebuilds
    /// the sessions journaled there, binds [server] listen and starts the feeds. Returns the bound
    /// endpoint (port 0 picks a free one). Throws start_error.
    boost::asio::ip::tcp::endpoint start();
    /// Runs the io threads ([server] threads) until the daemon has stopped, then waits for the
    /// disk pools and syncs every journal. Call once, after start().
    void run();
    /// Takes `next` (read again from the config file): tokens, limits, feeds, TLS and the log
    /// level apply at once to new requests and connections; what needs a restart keeps its
    /// running value, with a warning. Throws std::exception, changing nothing, if `next`
    /// cannot be used. Any thread.
    void reload(config::settings next);
    /// Stops the daemon (see above); `why` goes to the log and systemd. Any thread; once.
    void stop(std::string const& why);

    boost::asio::io_context& io() noexcept { return ioc_; }
    live_config const& config() const noexcept { return config_; }
    session_registry& sessions() noexcept { return sessions_; }
    metrics& counters() noexcept { return counters_; }

private:
    void open_archive();
    /// Waits for the work queued on the disk pools to finish; does nothing the second time.
    void join_pools();
    void on_connections_closed();

    std::string name_;
    std::string where_; // the bound address and port, once started
    metrics counters_;  // before the io_context: handlers it destroys last still count into it
    unsigned threads_;
    boost::asio::io_context ioc_;
    std::unique_ptr<archive_index> index_;
    // Journal fsyncs and archiving wait for the disk here, never on a network thread.
    // Archiving and retention have a thread of their own, out of the way of journal commits;
    // archive searches and listings too, so that a slow full-text search never holds up ingest.
    boost::asio::thread_pool journal_pool_{2};
    boost::asio::thread_pool archive_pool_{1};
    boost::asio::thread_pool search_pool_{1};
    // Spool files and a local sendmail wait for the disk and the MTA here.
    boost::asio::thread_pool send_pool_{1};
    live_config config_;
    send_on send_on_;
    session_registry sessions_;
    listener listener_;
    feed_set feeds_;
    systemd_notifier systemd_;
    archive_retention retention_;
    boost::asio::steady_timer grace_timer_;
    std::atomic<bool> stopping_{false};
};

} // namespace minuted::daemon
