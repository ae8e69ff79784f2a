#pragma once

#include "daemon/live/live_config.hpp"
#include "daemon/metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace minuted::daemon {

class session_registry;

/// Where bytes come in: accepts TCP connections (plain or TLS) on [server] listen and hands each to
/// an http_session, which routes it (protocol/PROTOCOL.md).
class listener {
public:
    listener(boost::asio::io_context& ioc, live_config const& config, metrics& counters,
             session_registry& sessions);
    ~listener();

    /// Binds and starts accepting; returns the bound endpoint (port 0 picks a free one).
    /// Throws boost::system::system_error if the address cannot be bound.
    boost::asio::ip::tcp::endpoint start();
    /// Stops accepting new connections and asks every open one to finish what it has in flight
    /// and close: viewers get 1001, caption sources their acks and then 1001. `closed` runs
    /// once the last connection has closed (at once if none is open), on any thread.
    void stop(std::function<void()> closed);
    /// Connections still open; any thread.
    std::size_t open_connections() const;
    /// HTTPS and WSS with `tls` (from `load_server_tls`) for the connections accepted from
    /// now on; null: plain HTTP only. Any thread.
    void set_tls(std::shared_ptr<boost::asio::ssl::context> tls);

private:
    class impl;
    std::shared_ptr<impl> impl_;
};

} // namespace minuted::daemon
