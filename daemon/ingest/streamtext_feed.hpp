#pragma once

#include "config/config.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/http_client.hpp" // retry_after_wait, which feeds honour

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace minuted::daemon {

/// Polls a StreamText event (`feed.kind == streamtext`) over one keep-alive HTTP(S)
/// connection: `GET URL?event=E&last=POS[&length=N][&language=L]`, once every
/// `feed.poll_interval` from the start of the previous poll, at once after a poll that
/// brought a full `length`. Each answer's text becomes one text message of the session
/// (seq one after the last it holds, its `lastPosition` journaled with it), and the next poll
/// asks after that position only once the journal holds the text: a restart resumes at the
/// journaled position, neither repeating nor skipping text. A session without one starts at
/// the beginning of the event's text (`last=0`). Failures (no connection, timeouts, HTTP
/// errors, answers that are not StreamText's JSON) are retried forever with the feeds'
/// backoff and jitter, waiting at least what a 429 or 503 says in `Retry-After`; the feed's
/// state is kept in the session's `feed_state`. Runs on its own strand; terminal
/// cancellation (a reload that drops or changes the feed) stops it.
boost::asio::awaitable<void> run_streamtext_feed(config::feed feed, session_registry& sessions,
                                                 live_config const& config, metrics& counters);

} // namespace minuted::daemon
