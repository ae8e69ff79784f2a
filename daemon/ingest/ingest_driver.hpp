#pragma once

#include "daemon/live/live_session.hpp"
#include "protocol/ingest.hpp"
#include "protocol/ingest_sequencer.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace minuted::daemon {

/// What a source's transport does next, once its message is applied.
struct ingest_progress {
    std::chrono::steady_clock::duration wait{}; ///< before reading the next message
    bool closes = false;                        ///< the answer closes the connection
    bool ended = false;                         ///< the meeting has ended
};

/// Where a transport hears of its message. Both are called on the transport's executor.
struct ingest_handlers {
    /// Once the message is applied (may be empty: a POST reads nothing more).
    std::function<void(ingest_progress)> applied;
    /// Once the journal holds what the answer acknowledges, or has failed.
    std::function<void(ingest_answer)> answered;
};

/// The one way a caption source's message enters its session, whatever brought it (a
/// WebSocket, a POST, a pull feed): on the session's strand it is paced to [limits]
/// ingest_rate as `mode` says and applied; then, on `ex`, `handlers.applied` is called and,
/// once the journal holds what the answer acknowledges, `handlers.answered`. `connection`
/// is what the source's connection sent before (null: the message stands alone, as a POST
/// does); it is touched only on the session's strand.
void submit_ingest(std::shared_ptr<live_session> const& session, protocol::ingest_message m,
                   std::shared_ptr<protocol::ingest_connection> connection,
                   std::chrono::steady_clock::time_point arrived, over_rate mode,
                   boost::asio::any_io_executor ex, ingest_handlers handlers);

/// Runs the coroutine `f` on `strand` and waits for its result, not cancellable. Asio 1.26's
/// co_spawn hands a cancellation to another executor as a pointer to a signal that is freed
/// if the coroutine finishes first (chriskohlhoff/asio#1332): a feed connection failing while
/// one of its frames was being applied on the session's strand crashed the daemon (SIGSEGV,
/// found by the soak test). What runs there must be short and never wait; a cancellation
/// still ends the caller at its next wait.
template <class F>
auto on_strand(strand_type const& strand, F&& f) {
    namespace net = boost::asio;
    return net::co_spawn(strand, std::forward<F>(f),
                         net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
}

} // namespace minuted::daemon
