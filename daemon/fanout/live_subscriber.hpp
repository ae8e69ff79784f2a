#pragma once

#include "daemon/fanout/subscriber_socket.hpp"
#include "daemon/live/live_config.hpp"
#include "daemon/live/live_session.hpp"

#include <optional>

namespace minuted::daemon {

/// /live/{id}: a viewer. Answers the upgrade `request` and subscribes the viewer to `session`
/// (after `since`, if the session's history still holds it; else from a snapshot). Each update
/// goes straight to the socket (push_socket); a viewer that cannot keep up skips ahead to a
/// snapshot, and is closed if it keeps falling behind.
void run_live_subscriber(
    flex_stream&& stream, std::shared_ptr<live_session> session, std::optional<revision> since,
    live_config::settings_ptr settings, metrics& counters,
    std::shared_ptr<connection_set> connections, client_places places,
    boost::beast::http::request<boost::beast::http::string_body> const& request);

} // namespace minuted::daemon
