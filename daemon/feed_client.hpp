#pragma once

#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/server.hpp"

#include <boost/asio/awaitable.hpp>

namespace minuted {

/// Attaches to a pull feed as a WebSocket client: asks for the frames after the last seq the
/// session holds ({"type":"resume","after":N}), applies them on the session's strand and acks
/// each one. A feed that is down is retried forever with capped exponential backoff and
/// jitter, and its state is shown in GET /api/sessions. Completes when the feed closes the
/// session.
boost::asio::awaitable<void> run_feed(config::feed feed, session_registry& sessions,
                                      config::settings const& settings, metrics& counters);

} // namespace minuted
