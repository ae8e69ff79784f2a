#include "daemon/ingest/ingest_socket.hpp"

#include "daemon/ingest/ingest_driver.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/net/connection_end.hpp"
#include "daemon/net/websocket_close.hpp"
#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <deque>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

class ingest_socket : public connection_set::member,
                      public std::enable_shared_from_this<ingest_socket> {
public:
    ingest_socket(flex_stream&& stream, std::string id, session_registry& sessions,
                  live_config::settings_ptr settings, metrics& counters,
                  std::shared_ptr<connection_set> connections, address_counts::place connection)
        : ws_(std::move(stream)), id_(std::move(id)), sessions_(sessions),
          settings_(std::move(settings)), metrics_(counters), tracked_(std::move(connections)),
          place_(std::move(connection)), pace_timer_(ws_.get_executor()) {}

    ~ingest_socket() { metrics_.ingest_connections.fetch_sub(1, std::memory_order_relaxed); }

    void run(http::request<http::string_body> request) {
        metrics_.ingest_connections.fetch_add(1, std::memory_order_relaxed);
        tracked_.track(weak_from_this());
        peer_ = endpoint_text(beast::get_lowest_layer(ws_));
        ws_.set_option(ws_timeouts(*settings_));
        // [limits] max_frame_bytes is checked here as a message comes in (read_some), not by
        // Beast, whose own close would carry no reason.
        ws_.read_message_max(0);
        ws_.async_accept(request,
                         beast::bind_front_handler(&ingest_socket::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec)
            return spdlog::debug("ingest {}: accept: {}", peer_, ec.message());
        spdlog::info("ingest {}: source {} connected", id_, peer_);
        if (tracked_.set().stopping())
            return stop_now();
        maybe_read();
    }

    // The daemon is stopping: no more frames are read; those read are answered once the
    // journal holds them, then the source is told to come back later (1001).
    void stop() override {
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->stop_now(); });
    }

    void stop_now() {
        if (closing_)
            return;
        pace_timer_.cancel();
        close_code_ = websocket::close_code::going_away;
        close_why_ = "daemon stopping";
        closing_ = true;
        maybe_close();
    }

    void do_read() {
        reading_ = true;
        ws_.async_read_some(
            buffer_, read_chunk,
            beast::bind_front_handler(&ingest_socket::on_read_some, shared_from_this()));
    }

    // A message comes in parts; one larger than [limits] max_frame_bytes is refused as soon as
    // it is, with its reason, and the rest of it is read and dropped by the close.
    void on_read_some(beast::error_code ec, std::size_t n) {
        if (!ec && buffer_.size() > settings_->max_frame_bytes)
            ec = websocket::error::message_too_big;
        if (!ec && !ws_.is_message_done())
            return ws_.async_read_some(
                buffer_, read_chunk,
                beast::bind_front_handler(&ingest_socket::on_read_some, shared_from_this()));
        on_read(ec, n);
    }

    void on_read(beast::error_code ec, std::size_t) {
        reading_ = false;
        if (closing_)
            return; // a frame read before a refusal of an earlier one: not applied
        if (ec == websocket::error::message_too_big) {
            buffer_.consume(buffer_.size());
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            metrics_.hit(limit::frame);
            return reject(websocket::close_code::too_big,
                          "message larger than " + std::to_string(settings_->max_frame_bytes) +
                              " bytes ([limits] max_frame_bytes)");
        }
        // Beast refuses a frame that breaks the WebSocket protocol (a text frame that is not
        // valid UTF-8: close 1007; a bad opcode, mask or frame size: 1002) and closes before
        // minuted reads it. Bad input from the source, not a network error.
        if (ec == websocket::condition::protocol_violation) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("ingest {}: source {}: {}; closed", id_, peer_, ec.message());
            return;
        }
        if (ec == beast::error::timeout) {
            metrics_.hit(limit::idle_timeout);
            spdlog::info("ingest {}: source {}: no answer to a ping for {} ms: closed", id_, peer_,
                         settings_->connection_idle_timeout.count());
            return;
        }
        if (ec) {
            if (!is_normal_ending(ec)) {
                metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("ingest {}: source {}: {}", id_, peer_, ec.message());
            } else {
                spdlog::info("ingest {}: source {} disconnected", id_, peer_);
            }
            return;
        }
        auto const arrived = std::chrono::steady_clock::now();
        if (!ws_.got_text()) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            return reject(websocket::close_code::unknown_data,
                          "binary frames are not accepted: send text");
        }
        auto frame = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        auto parsed = protocol::parse_ingest_frame(frame);
        if (!parsed) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            auto const code = parsed.error() == protocol::ingest_error::invalid_utf8
                                  ? websocket::close_code::bad_payload
                                  : websocket::close_code::policy_error;
            return reject(code, parsed.error().message());
        }
        // The session exists from its first message: a connection that says nothing holds no
        // slot of [limits] max_sessions.
        if (!session_) {
            auto const instance =
                parsed->kind == protocol::ingest_kind::open ? parsed->instance : std::string();
            session_ = sessions_.for_ingest(id_, instance, session_lookup::find_or_create);
            if (!session_) {
                metrics_.hit(limit::sessions);
                return reject(static_cast<websocket::close_code>(close_try_again_later),
                              "too many live sessions: the daemon takes " +
                                  std::to_string(settings_->max_sessions) +
                                  " ([limits] max_sessions)");
            }
        }
        auto const n = replies_.next_frame();
        auto self = shared_from_this();
        submit_ingest(
            session_, std::move(*parsed), connection_, arrived, over_rate::wait, ws_.get_executor(),
            {.applied =
                 [self](ingest_progress p) {
                     if (!p.closes)
                         self->on_applied(p.wait);
                 },
             .answered = [self, n](ingest_answer a) { self->on_reply(n, std::move(a)); }});
    }

    // Over [limits] ingest_rate the next frame is read only after `wait`: the source is
    // slowed down by TCP, and loses nothing.
    void on_applied(std::chrono::steady_clock::duration wait) {
        ++applied_;
        if (wait <= std::chrono::steady_clock::duration::zero())
            return maybe_read();
        pacing_ = true;
        pace_timer_.expires_after(wait);
        pace_timer_.async_wait([self = shared_from_this()](beast::error_code) {
            self->pacing_ = false;
            self->maybe_read();
        });
    }

    // One frame at a time through the session, and at most `max_unanswered` awaiting the
    // journal: a source that floods is paced by the engine and the disk.
    void maybe_read() {
        if (!closing_ && !reading_ && !pacing_ && applied_ == replies_.received() &&
            replies_.unanswered() < max_unanswered)
            do_read();
    }

    void on_reply(std::uint64_t n, ingest_answer reply) {
        if (closing_ && close_code_ != websocket::close_code::going_away)
            return;
        replies_.put(n, std::move(reply));
        while (auto next = replies_.pop()) {
            for (auto const& r : next->replies)
                send(protocol::encode(r));
            if (next->close)
                return reject(static_cast<websocket::close_code>(next->close_code), *next->close,
                              error_message::sent_already);
        }
        if (closing_)
            return maybe_close();
        maybe_read();
    }

    // Closes once what is queued is written; when the daemon is stopping, once every frame
    // read is answered too (a refused source gets no more answers).
    void maybe_close() {
        if (!close_sent_ && out_.empty() &&
            (close_code_ != websocket::close_code::going_away || replies_.unanswered() == 0))
            do_close();
    }

    void send(std::string text) {
        out_.push_back(std::move(text));
        if (out_.size() == 1)
            do_write();
    }

    void do_write() {
        ws_.text(true);
        ws_.async_write(net::buffer(out_.front()),
                        beast::bind_front_handler(&ingest_socket::on_write, shared_from_this()));
    }

    // A failed write ends the connection: the read under way fails too, and says so.
    void on_write(beast::error_code ec, std::size_t) {
        if (ec) {
            if (!is_normal_ending(ec)) {
                metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
                spdlog::info("ingest {}: source {}: reply not sent: {}", id_, peer_, ec.message());
            }
            return;
        }
        out_.pop_front();
        if (!out_.empty())
            do_write();
        else if (closing_)
            maybe_close();
    }

    // Whether the source still needs an error message before the close, or the session's
    // reply that closes it carried one.
    enum class error_message { send, sent_already };

    // A frame the protocol cannot take: say why in an error message and in the close frame.
    void reject(websocket::close_code code, std::string why,
                error_message error = error_message::send) {
        if (close_sent_)
            return;
        spdlog::warn("ingest {}: source {}: {}; closing", id_, peer_, why);
        close_code_ = code;
        close_why_ = why;
        closing_ = true;
        if (error == error_message::send)
            send(protocol::encode(protocol::error_reply{why}));
        maybe_close();
    }

    void do_close() {
        close_sent_ = true;
        pace_timer_.cancel();
        ws_.async_close(close_reason(static_cast<std::uint16_t>(close_code_), close_why_),
                        [self = shared_from_this()](beast::error_code) {});
    }

    static constexpr std::size_t read_chunk = 64 * 1024;

    websocket::stream<flex_stream> ws_;
    std::string id_;
    session_registry& sessions_;
    std::shared_ptr<live_session> session_; // from the first message on
    live_config::settings_ptr settings_;
    metrics& metrics_;
    tracked tracked_;
    address_counts::place place_; // the connection's, held by its client
    // What this connection sent, touched only on the session's strand.
    std::shared_ptr<protocol::ingest_connection> connection_ =
        std::make_shared<protocol::ingest_connection>();
    reply_order replies_;
    std::uint64_t applied_ = 0; // frames the session applied
    bool reading_ = false;
    net::steady_timer pace_timer_;
    bool pacing_ = false;
    bool close_sent_ = false;
    std::string peer_;
    beast::flat_buffer buffer_;
    std::deque<std::string> out_;
    bool closing_ = false;
    websocket::close_code close_code_ = websocket::close_code::normal;
    std::string close_why_;
};

} // namespace

void run_ingest_socket(flex_stream&& stream, std::string id, session_registry& sessions,
                       live_config::settings_ptr settings, metrics& counters,
                       std::shared_ptr<connection_set> connections,
                       address_counts::place connection, http::request<http::string_body> request) {
    std::make_shared<ingest_socket>(std::move(stream), std::move(id), sessions, std::move(settings),
                                    counters, std::move(connections), std::move(connection))
        ->run(std::move(request));
}

} // namespace minuted::daemon
