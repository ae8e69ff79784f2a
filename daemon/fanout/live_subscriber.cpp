#include "daemon/fanout/live_subscriber.hpp"

#include "daemon/net/connection_end.hpp"
#include "daemon/net/websocket_close.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A subscriber skipped ahead to a snapshot this often in this window is closed instead.
constexpr int max_resyncs = 3;
constexpr auto resync_window = std::chrono::seconds(60);

class live_subscriber : public update_sink, public subscriber_socket {
public:
    live_subscriber(flex_stream&& stream, std::shared_ptr<live_session> session,
                    std::optional<revision> since, live_config::settings_ptr settings,
                    metrics& counters, std::shared_ptr<connection_set> connections,
                    client_places places)
        : subscriber_socket(std::move(stream), *settings, counters, std::move(connections),
                            std::move(places)),
          session_(std::move(session)), since_(since) {}

    // On the session's strand, like everything that touches resyncing_.
    void deliver(update_message const& m) override {
        if (m.is_snapshot) {
            resyncing_ = false; // a snapshot replaces everything queued
            push(m.frame, m.arrived, queue_mode::replace);
        } else if (!resyncing_) { // while resyncing, the snapshot on its way covers this
            switch (push(m.frame, m.arrived)) {
            case pushed::overflow:
                fall_behind();
                break;
            case pushed::stalled: // a snapshot follows when it answers (on_resumed)
                resyncing_ = true;
                metrics_.subscriber_stalls.fetch_add(1, std::memory_order_relaxed);
                spdlog::debug("live {} subscriber {}: stalled, skipping until it answers",
                              session_->id(), peer());
                break;
            default:
                break;
            }
        }
    }

    void going_away() override { stop(); }

private:
    std::shared_ptr<live_subscriber> self() {
        return std::static_pointer_cast<live_subscriber>(shared_from_this());
    }

    void on_open() override {
        net::post(session_->strand(),
                  [self = self()] { self->session_->subscribe(self, self->since_); });
    }

    void on_resumed() override {
        net::post(session_->strand(), [self = self()] { self->session_->resync(self); });
    }

    void on_sent(protocol::ws_frame const&,
                 std::chrono::steady_clock::time_point arrived) override {
        metrics_.updates_sent.fetch_add(1, std::memory_order_relaxed);
        if (arrived != std::chrono::steady_clock::time_point{}) // an update, not a reply
            metrics_.observe_latency(std::chrono::steady_clock::now() - arrived);
    }

    void on_closed(beast::error_code ec) override {
        if (ec == beast::error::timeout) {
            metrics_.hit(limit::idle_timeout);
            spdlog::debug("live {} subscriber {}: no answer to a ping: closed", session_->id(),
                          peer());
        } else if (!is_normal_ending(ec)) {
            spdlog::debug("live {} subscriber {}: {}", session_->id(), peer(), ec.message());
        }
        // Posted: this may run inside the session's loop over its subscribers.
        net::post(session_->strand(), [self = self()] { self->session_->unsubscribe(self.get()); });
    }

    void fall_behind() {
        auto const now = std::chrono::steady_clock::now();
        if (now - resync_window_start_ > resync_window) {
            resync_window_start_ = now;
            resyncs_ = 0;
        }
        if (++resyncs_ > max_resyncs) {
            metrics_.subscriber_slow_closes.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("live {} subscriber {}: closed, too slow to keep up", session_->id(),
                         peer());
            close(close_too_slow, "too slow: fell behind the live updates repeatedly");
            return net::post(session_->strand(),
                             [self = self()] { self->session_->unsubscribe(self.get()); });
        }
        metrics_.subscriber_resyncs.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("live {} subscriber {}: fell behind, skipping to a snapshot", session_->id(),
                      peer());
        resyncing_ = true;
        net::post(session_->strand(), [self = self()] { self->session_->resync(self); });
    }

    std::shared_ptr<live_session> session_;
    std::optional<revision> since_;
    bool resyncing_ = false;
    int resyncs_ = 0;
    std::chrono::steady_clock::time_point resync_window_start_{};
};

// ---------------------------------------------------------------------------------------
// /pub/{channel} and /sub/{channel}: a relay. What is POSTed to a channel goes, verbatim, as
// one text message to each of its subscribers, over the same sockets as the live minutes: for
// text a meeting's site pushes beside them (notices, a second caption language), and the shape
// in which minuted's fan-out is measured against nchan and Node ws (tests/bench). A channel
// lives while it has subscribers and keeps its latest message for those who join; a
// subscriber that cannot keep up skips to the latest. Thread-safe.

} // namespace

void run_live_subscriber(flex_stream&& stream, std::shared_ptr<live_session> session,
                         std::optional<revision> since, live_config::settings_ptr settings,
                         metrics& counters, std::shared_ptr<connection_set> connections,
                         client_places places,
                         beast::http::request<beast::http::string_body> const& request) {
    std::make_shared<live_subscriber>(std::move(stream), std::move(session), since,
                                      std::move(settings), counters, std::move(connections),
                                      std::move(places))
        ->run(request);
}

} // namespace minuted::daemon
