#pragma once

#include "config/config.hpp"
#include "daemon/fanout/push_socket.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/address_counts.hpp"
#include "daemon/net/connection_set.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <memory>

namespace minuted::daemon {

struct client_places {
    address_counts::place connection;
    address_counts::place viewer;
};

// A subscriber's socket (a viewer's, a relay subscriber's): counted in the subscribers gauge
// while it lives, and closed with the others when the daemon stops.
class subscriber_socket : public connection_set::member, public push_socket {
public:
    /// The largest message taken from a subscriber: they send pings, pongs and closes, nothing
    /// that needs more.
    static constexpr std::size_t max_message = 4096;
    /// How long a subscriber being sent updates may go unheard (see push_socket): one that
    /// stopped reading is skipped, and what was queued for it dropped, within this.
    static constexpr std::chrono::milliseconds max_stall{5000};

    /// `places`: the connection's and the viewer's, held by its client while the socket lives.
    subscriber_socket(flex_stream&& stream, config::settings const& s, metrics& counters,
                      std::shared_ptr<connection_set> connections, client_places places,
                      on_resume resume = on_resume::notify)
        : push_socket(std::move(stream),
                      {s.handshake_timeout, s.connection_idle_timeout, max_message,
                       s.subscriber_queue, max_stall},
                      resume),
          metrics_(counters), tracked_(std::move(connections)), places_(std::move(places)) {
        metrics_.subscribers.fetch_add(1, std::memory_order_relaxed);
    }
    ~subscriber_socket() override { metrics_.subscribers.fetch_sub(1, std::memory_order_relaxed); }

    /// Answers the upgrade `request`; the connection is closed with the others from then on.
    void run(boost::beast::http::request<boost::beast::http::string_body> const& request) {
        tracked_.track(std::weak_ptr<connection_set::member>(
            std::static_pointer_cast<subscriber_socket>(shared_from_this())));
        accept(request);
    }

    void stop() override {
        close(boost::beast::websocket::close_code::going_away, "daemon stopping");
    }

protected:
    metrics& metrics_;

private:
    tracked tracked_;
    client_places places_;
};

} // namespace minuted::daemon
