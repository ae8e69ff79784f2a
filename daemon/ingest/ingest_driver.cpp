#include "daemon/ingest/ingest_driver.hpp"

#include "daemon/net/websocket_close.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <exception>

namespace minuted::daemon {

namespace net = boost::asio;

void submit_ingest(std::shared_ptr<live_session> const& session, protocol::ingest_message m,
                   std::shared_ptr<protocol::ingest_connection> connection,
                   std::chrono::steady_clock::time_point arrived, over_rate mode,
                   net::any_io_executor ex, ingest_handlers handlers) {
    net::post(session->strand(), [session, m = std::move(m), connection = std::move(connection),
                                  arrived, mode, ex = std::move(ex),
                                  handlers = std::move(handlers)]() mutable {
        auto answered = [ex, on_answer = std::move(handlers.answered)](ingest_answer a) {
            net::post(ex, [on_answer, a = std::move(a)]() mutable { on_answer(std::move(a)); });
        };
        if (mode == over_rate::refuse) {
            if (auto const wait = session->pace(arrived, mode);
                wait > std::chrono::steady_clock::duration::zero()) {
                ingest_answer over;
                over.retry_after = wait;
                over.held = session->acknowledged_seq();
                return answered(std::move(over));
            }
        }
        if (!connection)
            connection = std::make_shared<protocol::ingest_connection>();
        ingest_answer answer;
        try {
            answer = session->ingest(m, *connection, arrived);
        } catch (std::exception const& e) {
            // A bug, not the source's fault: this source is closed with the reason, the
            // daemon and every other session go on.
            spdlog::error("session {}: a message could not be applied: {}", session->id(),
                          e.what());
            answer.replies.emplace_back(std::in_place_type<protocol::error_reply>,
                                        std::string("internal error: ") + e.what());
            answer.close = "internal error";
            answer.close_code = close_internal_error;
        }
        ingest_progress progress{{}, answer.close.has_value(), session->ended()};
        if (mode == over_rate::wait && !progress.closes)
            progress.wait = session->pace(arrived, mode);
        session->answer_when_durable(std::move(answer), std::move(answered));
        // The next message is read once this one is applied, not once it is acknowledged.
        if (handlers.applied)
            net::post(ex, [applied = std::move(handlers.applied), progress] { applied(progress); });
    });
}

} // namespace minuted::daemon
