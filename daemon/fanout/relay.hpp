#pragma once

#include "daemon/fanout/subscriber_socket.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace minuted::daemon {

// /pub/{channel} and /sub/{channel}: a relay. What is POSTed to a channel goes, verbatim, as
// one text message to each of its subscribers, over the same sockets as the live minutes: for
// text a meeting's site pushes beside them (notices, a second caption language), and the shape
// in which minuted's fan-out is measured against nchan and Node ws (tests/bench). A channel
// lives while it has subscribers and keeps its latest message for those who join; a
// subscriber that cannot keep up skips to the latest. Thread-safe.

class relay_subscriber;

class relay_hub {
public:
    void subscribe(std::string const& name, std::shared_ptr<relay_subscriber> const& s);
    void unsubscribe(std::string const& name, relay_subscriber const* s);
    /// Sends `frame` to the channel's subscribers; how many it went to.
    std::size_t publish(std::string const& name, shared_frame const& frame);

private:
    struct channel {
        std::mutex mutex; // subscribers, latest, and the order of sends
        std::vector<std::shared_ptr<relay_subscriber>> subscribers;
        shared_frame latest;
        bool is_dropped = false; ///< its last subscriber left: a new one makes a new channel
    };
    /// The channel `name`, or null if it has no subscribers.
    std::shared_ptr<channel> find(std::string const& name);
    /// The channel `name`, created if it has no subscribers.
    std::shared_ptr<channel> find_or_create(std::string const& name);

    std::mutex mutex_; // channels_
    std::unordered_map<std::string, std::shared_ptr<channel>> channels_;
};

/// /sub/{channel}: answers the upgrade `request` of a relay subscriber, which joins
/// `channel` of `hub` first: a client that has the 101 is in the channel.
void run_relay_subscriber(
    flex_stream&& stream, std::string channel, relay_hub& hub, config::settings const& settings,
    metrics& counters, std::shared_ptr<connection_set> connections, client_places places,
    boost::beast::http::request<boost::beast::http::string_body> const& request);

} // namespace minuted::daemon
