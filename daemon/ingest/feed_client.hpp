#pragma once

#include "config/config.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/metrics.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace minuted::daemon {

/// Attaches to a pull feed as a WebSocket client: asks for the frames after the last seq the
/// session holds ({"type":"resume","after":N}), applies them on the session's strand and acks
/// each one. A feed that is down is retried forever with capped exponential backoff and
/// jitter, and its state is shown in GET /api/sessions. Completes when the feed closes the
/// session.
/// Terminal cancellation (a reload that drops the feed) stops it.
boost::asio::awaitable<void> run_feed(config::feed feed, session_registry& sessions,
                                      live_config const& config, metrics& counters);

/// Gives `session` what `feed` is configured with: its title and agenda (an open message on
/// `connection`) and its roster (unless the session has one). Runs on the session's strand.
boost::asio::awaitable<void> introduce_feed(config::feed const& feed,
                                            std::shared_ptr<live_session> const& session,
                                            protocol::ingest_connection& connection);

/// The pull feeds of a running daemon: those of the config at start, changed by each reload.
/// Used from one thread at a time (start, then the signal handler).
class feed_set {
public:
    feed_set(boost::asio::io_context& ioc, session_registry& sessions, live_config const& config,
             metrics& counters)
        : ioc_(ioc), sessions_(sessions), config_(config), metrics_(counters) {}

    /// Runs exactly `feeds`: starts those not running, stops those no longer listed, and
    /// restarts those whose settings changed (kind, URL, token, title, poll interval...). Sessions
    /// stay as they are.
    void apply(std::vector<config::feed> const& feeds);

private:
    struct running {
        config::feed feed;
        boost::asio::strand<boost::asio::io_context::executor_type> strand;
        std::shared_ptr<boost::asio::cancellation_signal> stop;
    };
    void start(config::feed const& f);

    boost::asio::io_context& ioc_;
    session_registry& sessions_;
    live_config const& config_;
    metrics& metrics_;
    std::map<std::string, running> running_; // by session id
};

} // namespace minuted::daemon
