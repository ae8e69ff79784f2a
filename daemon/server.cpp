#include "daemon/server.hpp"

#include "daemon/address_counts.hpp"
#include "daemon/archive_files.hpp"
#include "daemon/archive_index.hpp"
#include "daemon/auth.hpp"
#include "daemon/flex_stream.hpp"
#include "daemon/push_socket.hpp"
#include "daemon/web_assets.hpp"
#include "protocol/agenda.hpp"
#include "protocol/ingest.hpp"
#include "protocol/roster.hpp"
#include "protocol/route.hpp"
#include "protocol/utf8.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <variant>

namespace minuted {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// Close codes beyond RFC 6455's, in the private range.
constexpr std::uint16_t close_unknown_session = 4404;
constexpr std::uint16_t close_unauthorized = 4401; // no token, as HTTP 401
constexpr std::uint16_t close_forbidden = 4403;    // wrong token or origin, as HTTP 403
constexpr std::uint16_t close_too_slow = 4008;

// A subscriber skipped ahead to a snapshot this often in this window is closed instead.
constexpr int max_resyncs = 3;
constexpr auto resync_window = std::chrono::seconds(60);

// The open connections, so a stopping daemon can let each finish what is in flight and then
// close it, and knows when all are gone. Thread-safe.
class connection_set {
public:
    class member {
    public:
        virtual ~member() = default;
        /// Finish what is in flight, then close; posted to the connection's executor.
        virtual void stop() = 0;
    };

    std::uint64_t add(std::weak_ptr<member> c) {
        std::lock_guard lock(mutex_);
        open_.emplace(++last_, std::move(c));
        return last_;
    }
    void remove(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        open_.erase(id);
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return open_.size();
    }
    bool stopping() const noexcept { return stopping_; }
    void stop_all() {
        stopping_ = true;
        std::vector<std::weak_ptr<member>> all;
        {
            std::lock_guard lock(mutex_);
            for (auto const& [id, c] : open_)
                all.push_back(c);
        }
        for (auto const& weak : all)
            if (auto const c = weak.lock())
                c->stop();
    }

    /// Connections and viewers each client holds, for [limits] max_address_connections and
    /// max_address_viewers.
    std::shared_ptr<address_counts> const connections_by_client = address_counts::make();
    std::shared_ptr<address_counts> const viewers_by_client = address_counts::make();

private:
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::weak_ptr<member>> open_;
    std::uint64_t last_ = 0;
    std::atomic<bool> stopping_{false};
};

// Keeps a connection in a connection_set for as long as it lives.
class tracked {
public:
    explicit tracked(std::shared_ptr<connection_set> set) : set_(std::move(set)) {}
    ~tracked() {
        if (id_ != 0)
            set_->remove(id_);
    }
    tracked(tracked const&) = delete;
    tracked& operator=(tracked const&) = delete;
    void track(std::weak_ptr<connection_set::member> c) { id_ = set_->add(std::move(c)); }
    connection_set& set() const noexcept { return *set_; }
    std::shared_ptr<connection_set> const& shared_set() const noexcept { return set_; }

private:
    std::shared_ptr<connection_set> set_;
    std::uint64_t id_ = 0;
};

// Handshake and idle limits of a WebSocket: a silent peer is pinged at half the idle time.
websocket::stream_base::timeout ws_timeouts(config::settings const& s) {
    return {s.handshake_timeout, s.connection_idle_timeout, true};
}

// Whether the peer is on this machine: it may publish without a token, and use plain HTTP
// when the port speaks TLS.
bool from_loopback(beast::tcp_stream const& s) {
    boost::system::error_code ec;
    auto const ep = s.socket().remote_endpoint(ec);
    return !ec && ep.address().is_loopback();
}

websocket::close_reason close_reason(std::uint16_t code, std::string_view why) {
    // A close frame's reason has room for 123 bytes.
    return websocket::close_reason(static_cast<websocket::close_code>(code), why.substr(0, 123));
}

std::string iso_time(std::chrono::system_clock::time_point t) {
    auto const secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

boost::json::object info_json(session_info const& i) {
    boost::json::object o{{"id", i.id},
                          {"title", i.title},
                          {"started", iso_time(i.started)},
                          {"last_activity", iso_time(i.last_activity)},
                          {"current_item", i.current_item},
                          {"items", i.items},
                          {"speakers", i.speakers},
                          {"viewers", i.viewers},
                          {"words", i.words},
                          {"rev", i.rev},
                          {"last_seq", i.last_seq},
                          {"live", !i.ended}};
    if (i.ended)
        o["end_reason"] = i.end_reason;
    if (!i.archive.empty())
        o["archive"] = i.archive;
    if (!i.feed_status.empty())
        o["feed"] = i.feed_status;
    return o;
}

// ---------------------------------------------------------------------------------------
// /live/{id}: a viewer. Its session hands each update to it on the session's strand, and it
// goes straight to the socket (push_socket); one that cannot keep up skips ahead to a
// snapshot, and is closed if it keeps falling behind.

// What a viewer's client holds while the viewer's socket lives: see [limits]
// max_address_connections and max_address_viewers.
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
    void run(http::request<http::string_body> const& request) {
        tracked_.track(std::weak_ptr<connection_set::member>(
            std::static_pointer_cast<subscriber_socket>(shared_from_this())));
        accept(request);
    }

    void stop() override { close(websocket::close_code::going_away, "daemon stopping"); }

protected:
    metrics& metrics_;

private:
    tracked tracked_;
    client_places places_;
};

class live_subscriber : public update_sink, public subscriber_socket {
public:
    live_subscriber(flex_stream&& stream, std::shared_ptr<live_session> session,
                    std::optional<revision> since, live_config::snapshot settings,
                    metrics& counters, std::shared_ptr<connection_set> connections,
                    client_places places)
        : subscriber_socket(std::move(stream), *settings, counters, std::move(connections),
                            std::move(places)),
          session_(std::move(session)), since_(since) {}

    // On the session's strand, like everything that touches resyncing_.
    void deliver(update_message const& m) override {
        if (m.is_snapshot) {
            resyncing_ = false; // a snapshot replaces everything queued
            push(m.frame, m.arrived, true);
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
        } else if (ec && ec != net::error::operation_aborted && ec != net::error::eof) {
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
    std::shared_ptr<channel> find(std::string const& name, bool create);

    std::mutex mutex_; // channels_
    std::unordered_map<std::string, std::shared_ptr<channel>> channels_;
};

class relay_subscriber : public subscriber_socket {
public:
    relay_subscriber(flex_stream&& stream, std::string channel, relay_hub& hub,
                     config::settings const& settings, metrics& counters,
                     std::shared_ptr<connection_set> connections, client_places places)
        : subscriber_socket(std::move(stream), settings, counters, std::move(connections),
                            std::move(places), on_resume::send_latest),
          channel_(std::move(channel)), hub_(hub) {}

    /// Joins the channel, then answers the upgrade `request`: a client that has the 101 is in
    /// the channel (what is published meanwhile waits in its queue for the handshake to end).
    void run(http::request<http::string_body> const& request) {
        hub_.subscribe(channel_, self());
        subscriber_socket::run(request);
    }

    /// Latest wins: one that overflows drops what it had queued and takes this; one that
    /// stalled gets the latest when it answers (`on_resume::send_latest`).
    void deliver(shared_frame const& frame) {
        switch (push(frame)) {
        case pushed::overflow:
            metrics_.subscriber_resyncs.fetch_add(1, std::memory_order_relaxed);
            push(frame, {}, true);
            break;
        case pushed::stalled:
            if (!is_stalled_.exchange(true))
                metrics_.subscriber_stalls.fetch_add(1, std::memory_order_relaxed);
            break;
        default:
            break;
        }
    }

private:
    std::shared_ptr<relay_subscriber> self() {
        return std::static_pointer_cast<relay_subscriber>(shared_from_this());
    }
    void on_open() override {}
    void on_resumed() override { is_stalled_ = false; }
    void on_sent(protocol::ws_frame const&, std::chrono::steady_clock::time_point) override {
        metrics_.relay_deliveries.fetch_add(1, std::memory_order_relaxed);
    }
    void on_closed(beast::error_code ec) override {
        if (ec == beast::error::timeout)
            metrics_.hit(limit::idle_timeout);
        else if (ec && ec != net::error::operation_aborted && ec != net::error::eof)
            spdlog::debug("relay {} subscriber {}: {}", channel_, peer(), ec.message());
        hub_.unsubscribe(channel_, this);
    }

    std::string channel_;
    relay_hub& hub_;
    std::atomic<bool> is_stalled_{false}; ///< counted once per stall
};

std::shared_ptr<relay_hub::channel> relay_hub::find(std::string const& name, bool create) {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(name);
    if (it == channels_.end()) {
        if (!create)
            return nullptr;
        it = channels_.emplace(name, std::make_shared<channel>()).first;
    }
    return it->second;
}

void relay_hub::subscribe(std::string const& name, std::shared_ptr<relay_subscriber> const& s) {
    for (;;) {
        auto const c = find(name, true);
        std::lock_guard lock(c->mutex);
        if (c->is_dropped)
            continue; // found just before its last subscriber dropped it
        c->subscribers.push_back(s);
        if (c->latest)
            s->deliver(c->latest);
        return;
    }
}

void relay_hub::unsubscribe(std::string const& name, relay_subscriber const* s) {
    std::lock_guard lock(mutex_);
    auto const it = channels_.find(name);
    if (it == channels_.end())
        return;
    auto const keep = it->second; // alive while its lock is held, whatever erase does
    auto& c = *keep;
    std::lock_guard channel_lock(c.mutex);
    std::erase_if(c.subscribers, [&](auto const& p) { return p.get() == s; });
    if (c.subscribers.empty()) {
        c.is_dropped = true;
        channels_.erase(it);
    }
}

std::size_t relay_hub::publish(std::string const& name, shared_frame const& frame) {
    auto const c = find(name, false);
    if (!c)
        return 0;
    std::lock_guard lock(c->mutex);
    c->latest = frame;
    for (auto const& s : c->subscribers)
        s->deliver(frame);
    return c->subscribers.size();
}

// ---------------------------------------------------------------------------------------
// /ingest/{id}: a caption source pushing frames. Each frame is applied on the session's
// strand before the next is read, so a flooding source is paced by the engine. Its ack waits
// for the journal's fsync while later frames are read and applied: replies go out in the order
// of the frames, each once the journal holds what it acknowledges.

class ingest_socket : public connection_set::member,
                      public std::enable_shared_from_this<ingest_socket> {
public:
    ingest_socket(flex_stream&& stream, std::string id, session_registry& sessions,
                  live_config::snapshot settings, metrics& counters,
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
            if (ec != websocket::error::closed && ec != net::error::eof &&
                ec != net::error::operation_aborted) {
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
            session_ = sessions_.for_ingest(id_, instance, true);
            if (!session_) {
                metrics_.hit(limit::sessions);
                return reject(static_cast<websocket::close_code>(close_try_again_later),
                              "too many live sessions: the daemon takes " +
                                  std::to_string(settings_->max_sessions) +
                                  " ([limits] max_sessions)");
            }
        }
        auto const n = replies_.next_frame();
        net::post(
            session_->strand(), [self = shared_from_this(), m = std::move(*parsed), arrived, n] {
                auto reply = self->session_->handle(m, self->connection_, arrived);
                auto const close = reply.close.has_value();
                auto const wait =
                    close ? std::chrono::steady_clock::duration{} : self->session_->pace(arrived);
                self->session_->answer_when_durable(std::move(reply), [self, n](ingest_reply r) {
                    net::post(self->ws_.get_executor(), [self, n, r = std::move(r)]() mutable {
                        self->on_reply(n, std::move(r));
                    });
                });
                // The next frame is read once this one is applied, not once it is acknowledged.
                if (!close)
                    net::post(self->ws_.get_executor(), [self, wait] { self->on_applied(wait); });
            });
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

    void on_reply(std::uint64_t n, ingest_reply reply) {
        if (closing_ && close_code_ != websocket::close_code::going_away)
            return;
        replies_.put(n, std::move(reply));
        while (auto next = replies_.pop()) {
            for (auto const& m : next->messages)
                send(m);
            if (next->close)
                return reject(static_cast<websocket::close_code>(next->close_code), *next->close,
                              false);
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

    void on_write(beast::error_code ec, std::size_t) {
        if (ec)
            return;
        out_.pop_front();
        if (!out_.empty())
            do_write();
        else if (closing_)
            maybe_close();
    }

    // A frame the protocol cannot take: say why in an error message and in the close frame.
    void reject(websocket::close_code code, std::string why, bool with_error = true) {
        if (close_sent_)
            return;
        spdlog::warn("ingest {}: source {}: {}; closing", id_, peer_, why);
        close_code_ = code;
        close_why_ = why;
        closing_ = true;
        if (with_error)
            send(protocol::make_error(why));
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
    live_config::snapshot settings_;
    metrics& metrics_;
    tracked tracked_;
    address_counts::place place_;  // the connection's, held by its client
    ingest_connection connection_; // touched only on the session's strand
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

// ---------------------------------------------------------------------------------------
// HTTP: one connection, keep-alive, requests routed by target.

boost::json::object archived_json(archived_session const& s) {
    return {{"archive", s.archive},    {"session", s.session}, {"title", s.title},
            {"started", s.started_ms}, {"ended", s.ended_ms},  {"words", s.words},
            {"speakers", s.speakers},  {"items", s.items},     {"end_reason", s.end_reason}};
}

// The answer to an archive listing (no text) or search, run on the search pool.
std::pair<http::status, boost::json::value>
search_archive(archive_index& index, archive_query const& query, metrics& counters) {
    try {
        if (query.text.empty()) {
            boost::json::array list;
            for (auto const& s : index.sessions())
                list.push_back(archived_json(s));
            return {http::status::ok, boost::json::object{{"sessions", std::move(list)}}};
        }
        boost::json::array hits;
        for (auto const& h : index.search(query)) {
            boost::json::array snippet;
            for (std::size_t i = 0; i < h.snippet.size(); ++i)
                if (!h.snippet[i].empty())
                    snippet.push_back(
                        boost::json::object{{i % 2 ? "match" : "text", h.snippet[i]}});
            auto o = archived_json(h.session);
            o["utterance"] = h.utterance.n;
            o["speaker"] = h.utterance.speaker;
            o["at"] = h.utterance.at_ms;
            o["item"] = h.utterance.item;
            o["snippet"] = std::move(snippet);
            hits.push_back(std::move(o));
        }
        return {http::status::ok,
                boost::json::object{{"query", query.text}, {"hits", std::move(hits)}}};
    } catch (archive_query_error const& e) {
        counters.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        return {http::status::bad_request,
                boost::json::object{{"error", std::string("cannot search for that: ") + e.what()}}};
    } catch (std::exception const& e) {
        counters.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("archive search: {}", e.what());
        return {http::status::internal_server_error,
                boost::json::object{{"error", "archive search failed; see the daemon's log"}}};
    }
}

// The path of a request target, for the log: as sent, up to the query, which may hold a token.
std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

class http_session : public connection_set::member,
                     public std::enable_shared_from_this<http_session> {
public:
    /// `already_read`: what was read from the connection to see whether it speaks TLS.
    /// `place`: the connection's, held by its client while it lives.
    http_session(flex_stream&& stream, beast::flat_buffer&& already_read, live_config const& config,
                 metrics& counters, session_registry& sessions, relay_hub& relay,
                 std::shared_ptr<connection_set> connections, address_counts::place place)
        : stream_(std::move(stream)), ex_(stream_.get_executor()), config_(config),
          metrics_(counters), sessions_(sessions), relay_(relay), tracked_(std::move(connections)),
          place_(std::move(place)), buffer_(std::move(already_read)) {}

    void run() {
        peer_ = endpoint_text(stream_.next_layer());
        connection_peer_ = peer_;
        tracked_.track(weak_from_this());
        if (stream_.is_tls())
            return net::dispatch(
                ex_, beast::bind_front_handler(&http_session::do_handshake, shared_from_this()));
        net::dispatch(ex_, beast::bind_front_handler(&http_session::do_read, shared_from_this()));
    }

    // The daemon is stopping: a connection waiting for a request is closed; one receiving or
    // answering a request finishes it first (within [server] shutdown_grace).
    void stop() override {
        net::post(ex_, [self = shared_from_this()] {
            if (self->waiting_ && !self->parser_->got_some() && self->buffer_.size() == 0)
                self->stream_.next_layer().cancel();
        });
    }

private:
    void do_handshake() {
        stream_.next_layer().expires_after(config_.get()->handshake_timeout);
        stream_.async_handshake(
            beast::role_type::server, buffer_.data(),
            beast::bind_front_handler(&http_session::on_handshake, shared_from_this()));
    }

    void on_handshake(beast::error_code ec, std::size_t used) {
        if (ec) {
            metrics_.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
            if (ec == beast::error::timeout)
                metrics_.hit(limit::handshake_timeout);
            spdlog::debug("https {}: TLS handshake failed: {}", peer_, ec.message());
            return close();
        }
        buffer_.consume(used);
        do_read();
    }

    void do_read() {
        if (tracked_.set().stopping())
            return close();
        settings_ = config_.get(); // each request by the config of its time
        parser_.emplace();
        parser_->body_limit(settings_->max_body_bytes);
        parser_->header_limit(static_cast<std::uint32_t>(settings_->max_header_bytes));
        // The first request has handshake_timeout to come; later ones wait as an idle
        // keep-alive connection may.
        stream_.next_layer().expires_after(requests_ == 0 ? settings_->handshake_timeout
                                                          : settings_->connection_idle_timeout);
        waiting_ = true;
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&http_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        waiting_ = false;
        if (ec == beast::error::timeout) {
            auto const first = requests_ == 0;
            metrics_.hit(first ? limit::handshake_timeout : limit::idle_timeout);
            spdlog::debug("http {}: {}: closed", peer_,
                          first ? "no request within [limits] handshake_timeout"
                                : "idle for [limits] connection_idle_timeout");
            return close();
        }
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted)
            return close();
        ++requests_;
        if (ec) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            auto status = http::status::bad_request;
            std::string why = ec.message();
            if (ec == http::error::body_limit) {
                metrics_.hit(limit::body);
                status = http::status::payload_too_large;
                why = "body larger than " + std::to_string(settings_->max_body_bytes) +
                      " bytes ([limits] max_body_bytes)";
            } else if (ec == http::error::header_limit) {
                metrics_.hit(limit::header);
                status = http::status::request_header_fields_too_large;
                why = "request line and headers larger than " +
                      std::to_string(settings_->max_header_bytes) +
                      " bytes ([limits] max_header_bytes)";
            }
            spdlog::info("http {}: bad request: {}", peer_, why);
            auto res = text_response(status, why + "\n", 11, false);
            return write(std::move(res));
        }
        metrics_.http_requests.fetch_add(1, std::memory_order_relaxed);
        auto req = parser_->release();
        find_client(req);
        if (auto const why = badly_framed(req)) {
            // The body's end is unknown, so what follows cannot be read as the next request
            // (RFC 9112 6.3): that would let a proxy in front and this daemon disagree.
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("http {}: bad request: {}", peer_, *why);
            return write(text_response(http::status::bad_request, *why + "\n", 11, false));
        }
        if (auto const r = check_host(*settings_, req[http::field::host])) {
            metrics_.errors_auth.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("http {}: {} {} refused: {}", peer_, std::string(req.method_string()),
                         std::string(path_of(req.target())), r->why);
            return write(
                text_response(http::status::forbidden, r->why + "\n", req.version(), false));
        }
        if (websocket::is_upgrade(req))
            return upgrade(std::move(req));
        handle(std::move(req));
    }

    // Who sent `req`: behind a trusted proxy, the client it names (see real_client), which is
    // then the one authorised and logged.
    void find_client(http::request<http::string_body> const& req) {
        beast::error_code ec;
        auto const peer = stream_.next_layer().socket().remote_endpoint(ec).address();
        client_ = real_client(*settings_, peer, stream_.is_tls(), req[http::field::forwarded],
                              req["X-Forwarded-For"], req["X-Forwarded-Proto"]);
        peer_ = client_.via_proxy ? client_.address.to_string() + " via " + connection_peer_
                                  : connection_peer_;
    }

    // Why the request's framing cannot be trusted, if it cannot: a Transfer-Encoding whose last
    // coding is not chunked (the parser then reads no body, and the body would be taken as the
    // next request), one sent with HTTP/1.0, or HTTP/1.1 without a Host.
    std::optional<std::string> badly_framed(http::request<http::string_body> const& req) const {
        if (auto const te = req.find(http::field::transfer_encoding); te != req.end()) {
            if (req.version() < 11)
                return "Transfer-Encoding is not HTTP/1.0";
            if (!parser_->chunked())
                return "Transfer-Encoding must end with chunked, not \"" +
                       std::string(te->value().substr(0, 64)) + "\"";
        }
        if (req.version() >= 11 && req.find(http::field::host) == req.end())
            return "an HTTP/1.1 request needs a Host header";
        return std::nullopt;
    }

    // A WebSocket handshake, routed by the same reading of its target as its authorisation.
    void upgrade(http::request<http::string_body> req) {
        auto const r = protocol::route_request(req.method_string(), req.target(), true);
        bool const ingest = r.to == protocol::endpoint::ingest_socket;
        bool const relay = r.to == protocol::endpoint::relay_socket;
        if (!ingest && !relay && r.to != protocol::endpoint::live_socket)
            return refuse(req, r, false);
        auto const& id = r.session;
        if (ingest && !allowed(req, r, true))
            return; // a caption source reads an HTTP status; a browser would not
        if (!ingest) {
            if (auto const no = refused(req, r, true))
                return close_upgraded(std::move(req),
                                      no->status == 401 ? close_unauthorized : close_forbidden,
                                      no->why);
        }
        stream_.next_layer().expires_never();
        if (ingest) {
            // The session is made by the first message (the socket's): a source that would
            // find no room for it is told now, as a status it can read.
            if (!sessions_.for_ingest(id, {}, false) &&
                sessions_.live_count() >= settings_->max_sessions)
                return refuse_sessions(req, id);
            std::make_shared<ingest_socket>(std::move(stream_), id, sessions_, settings_, metrics_,
                                            tracked_.shared_set(), std::move(place_))
                ->run(std::move(req));
            return;
        }
        if (relay) {
            auto viewer = admit_viewer(nullptr);
            if (auto const* no = std::get_if<viewer_refusal>(&viewer))
                return refuse_viewer(std::move(req), "relay " + id + ": subscriber", *no);
            std::make_shared<relay_subscriber>(
                std::move(stream_), id, relay_, *settings_, metrics_, tracked_.shared_set(),
                client_places{std::move(place_),
                              std::get<address_counts::place>(std::move(viewer))})
                ->run(req);
            return;
        }
        std::optional<revision> since;
        if (auto const s = r.param("since")) {
            revision v = 0;
            if (auto const [p, e] = std::from_chars(s->data(), s->data() + s->size(), v);
                e == std::errc{} && p == s->data() + s->size())
                since = v;
        }
        auto session = sessions_.find(id);
        // A rev of another instance of the session (before a restart) means nothing here.
        if (auto const epoch = r.param("epoch");
            session && since && epoch && !session->can_resume(*epoch, *since))
            since.reset();
        if (!session)
            return close_upgraded(std::move(req), close_unknown_session, "unknown session " + id);
        auto viewer = admit_viewer(session.get());
        if (auto const* no = std::get_if<viewer_refusal>(&viewer))
            return refuse_viewer(std::move(req), "live " + id + ": viewer", *no);
        std::make_shared<live_subscriber>(
            std::move(stream_), std::move(session), since, settings_, metrics_,
            tracked_.shared_set(),
            client_places{std::move(place_), std::get<address_counts::place>(std::move(viewer))})
            ->run(req);
    }

    // A limit reached, and why, as a viewer is told it.
    using viewer_refusal = std::pair<limit, std::string>;

    // One more viewer (of `session`, if a live one) for the request's client: the place it
    // holds, or the limit it would go beyond.
    std::variant<address_counts::place, viewer_refusal> admit_viewer(live_session const* session) {
        if (auto const n = metrics_.subscribers.load(std::memory_order_relaxed);
            n >= 0 && static_cast<std::size_t>(n) >= settings_->max_subscribers)
            return viewer_refusal(limit::subscribers,
                                  "too many viewers: the daemon takes " +
                                      std::to_string(settings_->max_subscribers) +
                                      " ([limits] max_subscribers)");
        if (session && session->viewers() >= settings_->max_session_subscribers)
            return viewer_refusal(limit::session_subscribers,
                                  "too many viewers: this session takes " +
                                      std::to_string(settings_->max_session_subscribers) +
                                      " ([limits] max_session_subscribers)");
        if (auto place = tracked_.set().viewers_by_client->try_take(client_.address,
                                                                    settings_->max_address_viewers))
            return std::move(*place);
        return viewer_refusal(limit::address_viewers,
                              "too many viewers from your address: it may have " +
                                  std::to_string(settings_->max_address_viewers) +
                                  " ([limits] max_address_viewers)");
    }

    // A viewer beyond a limit is told in the close reason, which a page can show; it may try
    // again later (1013).
    void refuse_viewer(http::request<http::string_body> req, std::string const& who,
                       viewer_refusal const& no) {
        metrics_.hit(no.first);
        spdlog::warn("{} {} refused: {}", who, peer_, no.second);
        close_upgraded(std::move(req), close_try_again_later, no.second);
    }

    // POST /pub/{channel}: the body, as one text message, to the channel's subscribers.
    void handle_publish(http::request<http::string_body> const& req, std::string const& channel) {
        if (!protocol::is_valid_utf8(req.body())) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("relay {}: publisher {} refused: body is not valid UTF-8", channel, peer_);
            return respond(req, http::status::bad_request,
                           "body is not valid UTF-8: it is relayed as WebSocket text\n");
        }
        metrics_.relay_messages.fetch_add(1, std::memory_order_relaxed);
        auto const n = relay_.publish(channel, shared_text_frame(req.body()));
        respond_json(req, http::status::ok, boost::json::object{{"subscribers", n}});
    }

    // The session a caption source writing to `id` reaches (see session_registry::for_ingest),
    // created if need be; null, with a 503 answered, if that would go beyond [limits]
    // max_sessions.
    std::shared_ptr<live_session> live_or_refuse(http::request<http::string_body> const& req,
                                                 std::string const& id, std::string_view instance) {
        if (auto session = sessions_.for_ingest(id, instance, true))
            return session;
        refuse_sessions(req, id);
        return nullptr;
    }

    void refuse_sessions(http::request<http::string_body> const& req, std::string const& id) {
        metrics_.hit(limit::sessions);
        auto const why = "too many live sessions: the daemon takes " +
                         std::to_string(settings_->max_sessions) + " ([limits] max_sessions)";
        spdlog::warn("ingest {}: source {} refused: {}", id, peer_, why);
        auto res =
            text_response(http::status::service_unavailable, why + "\n", req.version(), false);
        res.set(http::field::retry_after, "60");
        write(std::move(res));
    }

    // Accepts the WebSocket, then closes it with `code` and `why`: a browser can read a close
    // reason, not the status of a refused upgrade.
    // The client keeps the connection's place until the close ends, which a peer that never
    // answers cannot put off beyond the WebSocket's timeouts.
    void close_upgraded(http::request<http::string_body> req, std::uint16_t code, std::string why) {
        struct closing {
            websocket::stream<flex_stream> ws;
            address_counts::place place;
        };
        stream_.next_layer().expires_never();
        auto c = std::make_shared<closing>(
            closing{websocket::stream<flex_stream>(std::move(stream_)), std::move(place_)});
        c->ws.set_option(ws_timeouts(*settings_));
        c->ws.async_accept(req, [c, code, why = std::move(why)](beast::error_code ec) {
            if (!ec)
                c->ws.async_close(close_reason(code, why), [c](beast::error_code) {});
        });
    }

    template <class Body>
    void write(http::response<Body> res) {
        auto sp = std::make_shared<http::response<Body>>(std::move(res));
        bool const keep = sp->keep_alive();
        http::async_write(stream_, *sp,
                          [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
                              if (ec || !keep || self->tracked_.set().stopping())
                                  return self->close();
                              self->do_read();
                          });
    }

    static http::response<http::string_body>
    text_response(http::status status, std::string body, unsigned version, bool keep_alive,
                  std::string_view type = "text/plain; charset=utf-8") {
        http::response<http::string_body> res{status, version};
        res.set(http::field::server, "minuted");
        res.set(http::field::content_type, type);
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(keep_alive);
        res.body() = std::move(body);
        res.prepare_payload();
        return res;
    }

    void respond(http::request<http::string_body> const& req, http::status status, std::string body,
                 std::string_view type = "text/plain; charset=utf-8") {
        write(text_response(status, std::move(body), req.version(), req.keep_alive(), type));
    }

    void respond_json(http::request<http::string_body> const& req, http::status status,
                      boost::json::value const& v) {
        respond(req, status, boost::json::serialize(v) + "\n", "application/json");
    }

    // What the request shows: see `credentials`.
    credentials credentials_of(http::request<http::string_body> const& req,
                               protocol::route const& route, bool websocket) const {
        credentials c;
        c.token = bearer_token(req[http::field::authorization]);
        if (auto const token = route.param("token"); c.token.empty() && token)
            c.token = *token;
        if (c.token.empty())
            c.token = cookie_value(req[http::field::cookie], "minuted_token");
        c.origin = req[http::field::origin];
        c.own_origin = std::string(client_.https ? "https://" : "http://") +
                       std::string(req[http::field::host]);
        c.websocket = websocket;
        c.from_loopback = client_.address.is_loopback();
        return c;
    }

    // The refusal of a request that may not have what `route` needs, logged with the peer
    // (never the token) and counted; nothing if it may.
    std::optional<refusal> refused(http::request<http::string_body> const& req,
                                   protocol::route const& route, bool websocket) {
        auto r = authorize(*settings_, route.needs, route.session,
                           credentials_of(req, route, websocket));
        if (r) {
            metrics_.errors_auth.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("http {}: {} {} refused: {}", peer_, std::string(req.method_string()),
                         std::string(path_of(req.target())), r->why);
        }
        return r;
    }

    // Answers a refused HTTP request with 401 or 403 and says false; true if it may go on.
    bool allowed(http::request<http::string_body> const& req, protocol::route const& route,
                 bool websocket = false) {
        auto const r = refused(req, route, websocket);
        if (!r)
            return true;
        auto res = text_response(static_cast<http::status>(r->status), r->why + "\n", req.version(),
                                 req.keep_alive());
        if (r->status == 401)
            res.set(http::field::www_authenticate, "Bearer realm=\"minuted\"");
        write(std::move(res));
        return false;
    }

    // A request routed to nothing (404), to something its method cannot do (405, with the
    // methods it can), or with a target that names nothing (400), told why.
    void refuse(http::request<http::string_body> const& req, protocol::route const& route,
                bool keep_alive) {
        auto status = http::status::not_found;
        if (route.to == protocol::endpoint::method_not_allowed) {
            status = http::status::method_not_allowed;
        } else if (route.to == protocol::endpoint::bad_request) {
            status = http::status::bad_request;
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("http {}: {} {}: {}", peer_, std::string(req.method_string()),
                         std::string(path_of(req.target())), route.reason);
        }
        auto const why = route.reason.empty() ? std::string_view("not found") : route.reason;
        auto res = text_response(status, std::string(why) + "\n", req.version(), keep_alive);
        if (!route.allow.empty())
            res.set(http::field::allow, route.allow);
        write(std::move(res));
    }

    // One of the viewer's files. Revalidated on every load (ETag), so an upgraded daemon
    // never serves a stale script. The policy forbids inline and foreign scripts: caption
    // text can never run as code, even if it reached the page unescaped.
    void respond_asset(http::request<http::string_body> const& req, protocol::route const& route,
                       std::string_view name) {
        auto const* asset = find_web_asset(name);
        if (!asset)
            return respond(req, http::status::not_found, "not found\n");
        auto const match = req[http::field::if_none_match] == asset->etag;
        auto res = text_response(match ? http::status::not_modified : http::status::ok,
                                 match ? std::string() : std::string(asset->body), req.version(),
                                 req.keep_alive(), web_content_type(name));
        res.set(http::field::cache_control, "no-cache");
        res.set(http::field::etag, asset->etag);
        res.set("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        res.set("X-Content-Type-Options", "nosniff");
        res.set("Referrer-Policy", "no-referrer");
        // A page opened with ?token= (a link given to viewers) keeps it in a cookie that its
        // scripts' requests and WebSockets then carry. Only a token-shaped value is kept.
        if (auto const token = route.param("token")) {
            if (token->size() >= 16 && token->size() <= 256 &&
                std::all_of(token->begin(), token->end(), [](char c) {
                    return c > ' ' && c < 127 && c != ';' && c != ',' && c != '"' && c != '\\';
                }))
                res.set(http::field::set_cookie, "minuted_token=" + std::string(*token) +
                                                     "; Path=/; HttpOnly; SameSite=Strict" +
                                                     (client_.https ? "; Secure" : ""));
        }
        write(std::move(res));
    }

    // Runs `produce` on the session's strand and answers with what it returns.
    template <class Produce>
    void respond_from(std::shared_ptr<live_session> session, http::request<http::string_body> req,
                      std::string_view type, Produce produce) {
        net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                      type, produce]() mutable {
            auto body = produce(*session);
            net::post(self->ex_,
                      [self, req = std::move(req), type, body = std::move(body)]() mutable {
                          self->respond(req, http::status::ok, std::move(body), type);
                      });
        });
    }

    // Routed once: what the request may see and what it gets both come from that one reading
    // of its target (protocol/route.hpp).
    void handle(http::request<http::string_body> req) {
        using protocol::endpoint;
        auto const route = protocol::route_request(req.method_string(), req.target(), false);
        // A refusal under /api/ is not answered before the token either: a 404 there would say
        // which sessions and archives exist.
        if (!allowed(req, route))
            return;
        switch (route.to) {
        case endpoint::not_found:
        case endpoint::method_not_allowed:
        case endpoint::bad_request:
        case endpoint::live_socket: // routed only for an upgrade
        case endpoint::ingest_socket:
        case endpoint::relay_socket:
            return refuse(req, route, req.keep_alive());
        case endpoint::healthz:
            return respond(req, http::status::ok, "ok\n");
        case endpoint::metrics:
            return respond(req, http::status::ok,
                           metrics_.render(sessions_.live_count(), sessions_.ended_count()),
                           "text/plain; version=0.0.4");
        case endpoint::index_page:
            return respond_asset(req, route, "index.html");
        case endpoint::archive_page:
            return respond_asset(req, route, "archive.html");
        case endpoint::archived_page: // the viewer, reading the archive
        case endpoint::session_page:  // for sessions not started yet too: the page waits
            return respond_asset(req, route, "session.html");
        case endpoint::static_asset:
            return respond_asset(req, route, route.name);
        case endpoint::sessions_list: {
            boost::json::array list;
            for (auto const& s : sessions_.all())
                list.push_back(info_json(s->info()));
            return respond_json(req, http::status::ok,
                                boost::json::object{{"sessions", std::move(list)}});
        }
        case endpoint::archive_search:
            return handle_archive(req, route);
        case endpoint::archive_file:
            return respond_archive_file(req, route.archive, route.name);
        case endpoint::end_session:
            return handle_end(std::move(req), route.session);
        case endpoint::session_agenda:
            return handle_agenda(std::move(req), route.session);
        case endpoint::session_roster:
            return handle_roster(std::move(req), route.session);
        case endpoint::ingest_post:
            return handle_ingest(std::move(req), route);
        case endpoint::ingest_seq:
            return handle_ingest_seq(std::move(req), route.session);
        case endpoint::relay_publish:
            return handle_publish(req, route.session);
        case endpoint::session_state:
        case endpoint::session_report_md:
        case endpoint::session_report_json:
        case endpoint::session_transcript:
            return respond_session(std::move(req), route);
        }
        respond(req, http::status::not_found, "not found\n");
    }

    // GET /api/sessions/{id}[/report.md|report.json|transcript.txt], live or recently ended.
    void respond_session(http::request<http::string_body> req, protocol::route const& route) {
        auto session = sessions_.find(route.session);
        if (!session)
            return respond(req, http::status::not_found, "unknown session " + route.session + "\n");
        switch (route.to) {
        case protocol::endpoint::session_report_md:
            return respond_from(session, std::move(req), "text/markdown; charset=utf-8",
                                [](live_session& s) { return s.report_markdown(); });
        case protocol::endpoint::session_report_json:
            return respond_from(session, std::move(req), "application/json",
                                [](live_session& s) { return s.report_json() + "\n"; });
        case protocol::endpoint::session_transcript:
            return respond_from(session, std::move(req), "text/plain; charset=utf-8",
                                [](live_session& s) { return s.transcript(); });
        default:
            return respond_from(session, std::move(req), "application/json", [](live_session& s) {
                return std::string(s.snapshot()->payload()) + "\n";
            });
        }
    }

    // POST /api/sessions/{id}/end: an admin ends a meeting whose source cannot (it vanished,
    // or never sends a close). The session is journaled, finalised and archived like any end.
    void handle_end(http::request<http::string_body> req, std::string const& id) {
        auto session = sessions_.find(id);
        if (!session)
            return respond_json(req, http::status::not_found,
                                boost::json::object{{"error", "no live session " + id}});
        spdlog::info("http {}: session {} ended by an admin request", peer_, id);
        net::post(session->strand(), [self = shared_from_this(), session,
                                      req = std::move(req)]() mutable {
            if (session->ended())
                return net::post(self->ex_, [self, req = std::move(req), id = session->id()] {
                    self->respond_json(req, http::status::conflict,
                                       boost::json::object{{"error", id + " has ended"}});
                });
            session->end("ended by an administrator");
            self->respond_when_journaled(session, std::move(req), "end", [session] {
                return boost::json::object{{"session", session->id()},
                                           {"ended", true},
                                           {"last_seq", session->durable_seq()}};
            });
        });
    }

    // Answers `req` once all the session has journaled is on disk, like an ack: with what
    // `body` gives then (on the session's strand), or 503 saying that `what` waits for the disk.
    template <class Body>
    void respond_when_journaled(std::shared_ptr<live_session> const& session,
                                http::request<http::string_body> req, std::string what, Body body) {
        session->when_journaled([self = shared_from_this(), session, req = std::move(req),
                                 what = std::move(what), body = std::move(body)](bool durable) {
            auto const failure = session->journal().failure();
            auto answer = durable ? body() : boost::json::object{};
            net::post(self->ex_, [self, req, durable, failure, what, answer = std::move(answer)] {
                if (!durable)
                    return self->respond_json(
                        req, http::status::service_unavailable,
                        boost::json::object{{"error", "the " + what + " cannot be journaled: " +
                                                          failure + "; it is retried"}});
                self->respond_json(req, http::status::ok, answer);
            });
        });
    }

    // PUT /api/sessions/{id}/agenda (the meeting's known agenda, in any form an agenda file
    // takes) and PUT /api/sessions/{id}/roster (who is expected): what the meeting is given,
    // before or during it. Journaled like captions, so it survives a restart and is archived;
    // the minutes take it at once and viewers see the change; final once the meeting has
    // ended. `what` names it ("agenda", "an agenda"), `count` the figure the answer gives;
    // `give` hands it to the session on its strand, false once the meeting has ended.
    void handle_agenda(http::request<http::string_body> req, std::string const& id) {
        auto parsed = protocol::parse_agenda(req.body());
        handle_given(std::move(req), id, std::move(parsed), "agenda", "an agenda", "items",
                     [](live_session& s, std::vector<protocol::agenda_item> agenda) {
                         return s.set_agenda(std::move(agenda));
                     });
    }

    void handle_roster(http::request<http::string_body> req, std::string const& id) {
        auto parsed = protocol::parse_roster(req.body());
        handle_given(std::move(req), id, std::move(parsed), "roster", "a roster", "people",
                     [](live_session& s, std::vector<protocol::roster_person> const& roster) {
                         return s.set_roster(roster);
                     });
    }

    template <class Given, class Refusal, class Give>
    void handle_given(http::request<http::string_body> req, std::string const& id,
                      std::variant<Given, Refusal> parsed, char const* what, char const* a_what,
                      char const* count, Give give) {
        if (auto const* no = std::get_if<Refusal>(&parsed)) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("http {}: {} for {} refused: {}", peer_, what, id, no->why);
            return respond_json(
                req, http::status::bad_request,
                boost::json::object{{"error", std::string("not ") + a_what + ": " + no->why}});
        }
        auto const ended = [what](std::string const& session) {
            return boost::json::object{
                {"error", session + " has ended: its " + what + " is final"}};
        };
        auto given = std::get<Given>(std::move(parsed));
        auto session = sessions_.find(id);
        if (session && session->ended())
            return respond_json(req, http::status::conflict, ended(id));
        if (!session && !(session = sessions_.live(id, true)))
            return refuse_sessions(req, id);
        net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                      given = std::move(given), what, count, ended,
                                      give = std::move(give)]() mutable {
            auto const n = given.size();
            if (!give(*session, std::move(given)))
                return net::post(self->ex_,
                                 [self, req = std::move(req), id = session->id(), ended] {
                                     self->respond_json(req, http::status::conflict, ended(id));
                                 });
            self->respond_when_journaled(session, std::move(req), what, [session, count, n] {
                return boost::json::object{{"session", session->id()}, {count, n}};
            });
        });
    }

    // GET /api/archive/{archive}/{file}: a file of an archived session, from its folder.
    void respond_archive_file(http::request<http::string_body> const& req,
                              std::string const& archive, std::string const& file) {
        auto const type = std::find_if(std::begin(archived_files), std::end(archived_files),
                                       [&](auto const& f) { return f.name == file; });
        // The router takes only folder names made like a session id, never "." or ".." or a
        // path; checked again here, where the name becomes a path on disk.
        if (type == std::end(archived_files) || !protocol::is_valid_archive_id(archive))
            return respond(req, http::status::not_found, "not found\n");
        std::ifstream in(settings_->state_dir / "archive" / archive / file, std::ios::binary);
        if (!in)
            return respond(req, http::status::not_found, "no archived session " + archive + "\n");
        std::ostringstream body;
        body << in.rdbuf();
        respond(req, http::status::ok, body.str(), type->content_type);
    }

    // GET /api/archive: the archived sessions, newest first; with ?q= a full-text search
    // (&speaker=, &from=YYYY-MM-DD, &to=YYYY-MM-DD, &limit=N).
    // GET /api/archive[?q=...]: on the search pool, never on this network thread: a slow
    // full-text search must not hold up a caption source's acks. A full queue is 503.
    void handle_archive(http::request<http::string_body> req, protocol::route const& route) {
        auto* index = sessions_.index();
        if (!index)
            return respond(req, http::status::service_unavailable,
                           "the archive index could not be opened; see the daemon's log\n");
        auto param = [&](char const* name) {
            return std::string(route.param(name).value_or(std::string_view()));
        };
        archive_query query;
        query.text = param("q");
        query.speaker = param("speaker");
        for (auto const& [name, end, field] :
             {std::tuple{"from", false, &query.from_ms}, std::tuple{"to", true, &query.to_ms}})
            if (auto const v = param(name); !v.empty() && !(*field = parse_day(v, end)))
                return respond_json(req, http::status::bad_request,
                                    {{"error", std::string(name) + " must be a date, YYYY-MM-DD"}});
        if (auto const v = param("limit"); !v.empty()) {
            auto const [p, e] = std::from_chars(v.data(), v.data() + v.size(), query.limit);
            if (e != std::errc{} || p != v.data() + v.size() || query.limit == 0 ||
                query.limit > 500)
                return respond_json(req, http::status::bad_request,
                                    {{"error", "limit must be from 1 to 500"}});
        }
        auto self = shared_from_this();
        auto job = [self, index, query, req]() mutable {
            auto [status, body] = search_archive(*index, query, self->metrics_);
            net::post(self->ex_, [self, req = std::move(req), status = status,
                                  body = std::move(body)]() mutable {
                self->respond_json(req, status, body);
            });
        };
        if (sessions_.try_search(std::move(job)))
            return;
        metrics_.hit(limit::search_queue);
        spdlog::warn("http {}: archive search refused: {} searches wait already ([limits] "
                     "search_queue)",
                     peer_, settings_->search_queue);
        auto res = text_response(http::status::service_unavailable,
                                 "too many archive searches at once ([limits] search_queue); try "
                                 "again in a moment\n",
                                 req.version(), req.keep_alive());
        res.set(http::field::retry_after, "1");
        write(std::move(res));
    }

    // GET /ingest/{id}/seq: the last seq on disk, where a source resumes.
    void handle_ingest_seq(http::request<http::string_body> req, std::string const& id) {
        auto session = sessions_.for_ingest(id, {}, false);
        if (!session)
            return respond_json(req, http::status::ok, boost::json::object{{"seq", 0}});
        respond_from(session, std::move(req), "application/json", [](live_session& s) {
            return boost::json::serialize(boost::json::object{{"seq", s.durable_seq()}}) + "\n";
        });
    }

    // POST /ingest/{id}?seq=N with a text/plain body.
    void handle_ingest(http::request<http::string_body> req, protocol::route const& route) {
        auto const& id = route.session;
        protocol::ingest_message m;
        m.kind = protocol::ingest_kind::raw;
        if (auto const s = route.param("seq")) {
            protocol::seq_number seq = 0;
            auto const [p, e] = std::from_chars(s->data(), s->data() + s->size(), seq);
            if (e != std::errc{} || p != s->data() + s->size()) {
                metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
                return respond(req, http::status::bad_request,
                               "seq must be a non-negative integer\n");
            }
            m.kind = protocol::ingest_kind::text;
            m.seq = seq;
        }
        m.text = std::move(req.body());
        auto const arrived = std::chrono::steady_clock::now();
        auto const instance = route.param("instance");
        if (instance && !protocol::is_valid_session_id(*instance)) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            return respond(req, http::status::bad_request,
                           "instance must be 1-64 of [A-Za-z0-9._-]\n");
        }
        auto session = live_or_refuse(req, id, instance.value_or(std::string_view()));
        if (!session)
            return;
        net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                      m = std::move(m), arrived]() mutable {
            // A POST over [limits] ingest_rate is refused with when to try again.
            if (auto const wait = session->pace(arrived, false);
                wait > std::chrono::steady_clock::duration::zero()) {
                auto const seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
                return net::post(self->ex_, [self, req = std::move(req), seconds, session] {
                    auto res = text_response(
                        http::status::too_many_requests,
                        "captions come faster than this session takes ([limits] ingest_rate " +
                            std::to_string(self->settings_->ingest_rate) + " a second)\n",
                        req.version(), req.keep_alive());
                    res.set(http::field::retry_after, std::to_string(seconds));
                    self->write(std::move(res));
                });
            }
            ingest_connection connection; // each POST stands alone: resends are acknowledged
            connection.highest_sent = 0;
            // Answered once the journal holds what it acknowledges.
            auto answer = [self, session, req = std::move(req)](ingest_reply reply) mutable {
                auto const last = session->durable_seq();
                net::post(self->ex_, [self, req = std::move(req), reply = std::move(reply), last] {
                    boost::json::object o{{"seq", last}};
                    auto status = http::status::ok;
                    for (auto const& text : reply.messages) {
                        auto const v = boost::json::parse(text).as_object();
                        if (v.at("type") == "nack") {
                            status = http::status::conflict;
                            o["expected"] = v.at("expected");
                        } else if (v.at("type") == "error") {
                            status = http::status::bad_request;
                            o["error"] = v.at("message");
                        }
                    }
                    if (reply.close && reply.close_code == close_try_again_later)
                        status = http::status::service_unavailable; // the journal failed
                    if (reply.ended) {
                        status = http::status::conflict;
                        o["ended"] = true;
                    }
                    self->respond_json(req, status, o);
                });
            };
            session->answer_when_durable(session->handle(m, connection, arrived),
                                         std::move(answer));
        });
    }

    void close() {
        beast::error_code ec;
        stream_.next_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    flex_stream stream_; // moved to a WebSocket by an upgrade: then ex_ still posts here
    net::any_io_executor ex_;
    live_config const& config_;
    live_config::snapshot settings_;
    metrics& metrics_;
    session_registry& sessions_;
    relay_hub& relay_;
    tracked tracked_;
    address_counts::place place_; // the connection's, held by its client; an upgrade takes it
    std::uint64_t requests_ = 0;  // read on this connection
    std::string connection_peer_; // the TCP peer's address and port
    client_address client_;       // of the request being handled
    bool waiting_ = false;        // for a request
    std::string peer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

} // namespace

// ---------------------------------------------------------------------------------------

session_registry::session_registry(net::io_context& ioc, disk_executors disk,
                                   live_config const& config, metrics& counters,
                                   archive_index* index)
    : ioc_(ioc), disk_(std::move(disk)), config_(config), metrics_(counters), index_(index) {}

void session_registry::recover_recently_ended() {
    if (!index_)
        return;
    std::vector<archived_session> recent;
    try {
        recent = index_->sessions(config_.get()->recent_sessions);
    } catch (std::exception const& e) {
        spdlog::error("archive index: {}; meetings ended before the restart are not listed",
                      e.what());
        return;
    }
    std::sort(recent.begin(), recent.end(),
              [](auto const& a, auto const& b) { return a.ended_ms < b.ended_ms; });
    auto const archive = config_.get()->state_dir / "archive";
    for (auto const& a : recent) {
        auto const journal = archive / a.archive / "journal";
        if (!std::filesystem::exists(journal))
            continue;
        if (auto s = live_session::recover(ioc_, disk_, journal, config_, metrics_, index_, {},
                                           a.archive)) {
            std::lock_guard lock(mutex_);
            ended_.push_back(std::move(s));
        }
    }
}

std::size_t session_registry::recover() {
    recover_recently_ended();
    auto const dir = config_.get()->state_dir / "live";
    std::error_code ec;
    std::vector<std::filesystem::path> journals;
    for (auto const& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().extension() == ".journal")
            journals.push_back(entry.path());
    if (ec && ec != std::errc::no_such_file_or_directory)
        spdlog::error("{}: {}; no session is rebuilt", dir.string(), ec.message());
    std::sort(journals.begin(), journals.end());
    std::size_t live = 0;
    for (auto const& path : journals) {
        auto s = live_session::recover(ioc_, disk_, path, config_, metrics_, index_,
                                       [this](live_session& ended) { on_end(ended); });
        if (!s || s->ended())
            continue; // an ended one is archived now, then listed as ended
        std::lock_guard lock(mutex_);
        if (auto const [it, added] = live_.emplace(s->id(), s); !added) {
            // Two live instances of one id cannot both take its captions: the later one
            // wins; the other is ended, so it is archived as far as it went.
            auto older = it->second;
            if (older->info().started > s->info().started)
                std::swap(older, s);
            it->second = s;
            net::post(older->strand(),
                      [older] { older->end("a later session with the same id was rebuilt"); });
            continue;
        }
        ++live;
    }
    return live;
}

bool session_registry::try_search(std::function<void()> job) {
    auto const limit = config_.get()->search_queue;
    auto n = searches_.load(std::memory_order_relaxed);
    do {
        if (n >= limit)
            return false;
    } while (!searches_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    net::post(disk_.search, [this, job = std::move(job)] {
        job();
        searches_.fetch_sub(1, std::memory_order_relaxed);
    });
    return true;
}

void session_registry::flush_journals() {
    for (auto const& s : all())
        s->journal().flush_at_exit();
}

std::shared_ptr<live_session> session_registry::live(std::string const& id, bool create) {
    std::lock_guard lock(mutex_);
    if (auto const it = live_.find(id); it != live_.end()) {
        // A meeting being archived does not hold its id back from the next one.
        if (!create || !it->second->is_ending())
            return it->second;
        live_.erase(it); // on_end lists it once archived
    }
    if (!create || live_.size() >= config_.get()->max_sessions)
        return nullptr;
    auto s = std::make_shared<live_session>(ioc_, disk_, id, config_, metrics_, index_,
                                            [this](live_session& ended) { on_end(ended); });
    live_.emplace(id, s);
    spdlog::info("session {} started", id);
    return s;
}

std::shared_ptr<live_session> session_registry::for_ingest(std::string const& id,
                                                           std::string_view instance, bool create) {
    std::unique_lock lock(mutex_);
    std::shared_ptr<live_session> latest;
    if (auto const it = live_.find(id); it != live_.end())
        latest = it->second;
    for (auto it = ended_.rbegin(); !latest && it != ended_.rend(); ++it)
        if ((*it)->id() == id)
            latest = *it;
    if (latest && !latest->is_ending())
        return latest;
    if (latest && (instance.empty() || latest->info().instance == instance))
        return latest; // ended: it acknowledges what its source resends, and nothing new
    lock.unlock();
    return create ? live(id, true) : nullptr;
}

std::shared_ptr<live_session> session_registry::find(std::string const& id) const {
    std::lock_guard lock(mutex_);
    if (auto const it = live_.find(id); it != live_.end())
        return it->second;
    for (auto it = ended_.rbegin(); it != ended_.rend(); ++it)
        if ((*it)->id() == id)
            return *it;
    return nullptr;
}

std::vector<std::shared_ptr<live_session>> session_registry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<live_session>> out;
    for (auto const& [id, s] : live_)
        out.push_back(s);
    out.insert(out.end(), ended_.rbegin(), ended_.rend());
    return out;
}

std::size_t session_registry::live_count() const {
    std::lock_guard lock(mutex_);
    return live_.size();
}

std::size_t session_registry::ended_count() const {
    std::lock_guard lock(mutex_);
    return ended_.size();
}

void session_registry::on_end(live_session& session) {
    std::lock_guard lock(mutex_);
    // A session rebuilt as ended was never live here.
    if (auto const it = live_.find(session.id()); it != live_.end() && it->second.get() == &session)
        live_.erase(it);
    ended_.push_back(session.shared_from_this());
    for (auto const keep = config_.get()->recent_sessions; ended_.size() > keep;)
        ended_.pop_front();
}

// ---------------------------------------------------------------------------------------

// The address to bind for [server] listen's host: an IP address as it is; "localhost" as
// 127.0.0.1 (the start-up check trusts it as loopback, so it must not become whatever the
// resolver says); another name as the first address it resolves to. Throws system_error.
net::ip::address listen_address(std::string const& host) {
    boost::system::error_code ec;
    auto const address = net::ip::make_address(host, ec);
    if (!ec)
        return address;
    if (host == "localhost")
        return net::ip::address_v4::loopback();
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    auto const found = resolver.resolve(host, "0");
    return found.begin()->endpoint().address();
}

class server::impl : public std::enable_shared_from_this<server::impl> {
public:
    impl(net::io_context& ioc, live_config const& config, metrics& counters,
         session_registry& sessions)
        : ioc_(ioc), acceptor_(net::make_strand(ioc)), config_(config), metrics_(counters),
          sessions_(sessions), connections_(std::make_shared<connection_set>()) {}

    tcp::endpoint start() {
        auto const settings = config_.get();
        tcp::endpoint const ep{listen_address(settings->listen_host), settings->listen_port};
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
        do_accept();
        return acceptor_.local_endpoint();
    }

    void stop() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
        });
        connections_->stop_all();
    }

    std::size_t open_connections() const { return connections_->size(); }

    void set_tls(std::shared_ptr<net::ssl::context> tls) {
        std::lock_guard lock(tls_mutex_);
        tls_ = std::move(tls);
    }

private:
    std::shared_ptr<net::ssl::context> tls() const {
        std::lock_guard lock(tls_mutex_);
        return tls_;
    }

    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_),
                               beast::bind_front_handler(&impl::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted)
            return;
        if (ec) {
            // One failed accept (out of file descriptors, a reset) must not stop the
            // listener.
            metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("accept: {}", ec.message());
        } else {
            // Updates are small frames that must go out at once: no Nagle delay.
            beast::error_code nodelay_ec;
            socket.set_option(tcp::no_delay(true), nodelay_ec);
            auto ctx = tls();
            if (auto place = take_place(socket, ctx != nullptr)) {
                if (ctx)
                    detect_tls(beast::tcp_stream(std::move(socket)), std::move(ctx),
                               std::move(*place));
                else
                    serve_http(flex_stream(beast::tcp_stream(std::move(socket))), {},
                               std::move(*place));
            }
        }
        do_accept();
    }

    // The place of a new connection, held by its client while it is open; none if the client
    // already has [limits] max_address_connections. A trusted proxy's connections are its
    // clients', whose viewers are counted as they are named (max_address_viewers).
    std::optional<address_counts::place> take_place(tcp::socket& socket, bool tls) {
        beast::error_code ec;
        auto const peer = socket.remote_endpoint(ec).address();
        auto const settings = config_.get();
        if (ec || is_trusted_proxy(*settings, peer))
            return address_counts::place{};
        if (auto place = connections_->connections_by_client->try_take(
                peer, settings->max_address_connections))
            return place;
        metrics_.hit(limit::address_connections);
        spdlog::warn("http {}: connection refused: its address has {} open ([limits] "
                     "max_address_connections)",
                     peer.to_string(), settings->max_address_connections);
        // A plain HTTP client is told why; one that may be starting TLS cannot be.
        if (!tls)
            refuse_connection(std::move(socket), settings->max_address_connections);
        return std::nullopt;
    }

    // Answers a connection beyond max_address_connections with a 503 and closes it. What the
    // client sent meanwhile is read (up to 64 KiB, for a second) first: a socket closed with
    // bytes unread is reset, and a reset can lose the answer on its way.
    static void refuse_connection(tcp::socket&& socket, std::size_t cap) {
        struct refused {
            beast::tcp_stream stream;
            std::string answer;
            std::array<char, 4096> buffer{};
            std::size_t drained = 0;

            void drain(std::shared_ptr<refused> self) {
                stream.async_read_some(net::buffer(buffer),
                                       [self](beast::error_code ec, std::size_t n) {
                                           self->drained += n;
                                           if (!ec && self->drained < 65536)
                                               self->drain(self);
                                       });
            }
        };
        std::string const body = "too many connections from your address: it may have " +
                                 std::to_string(cap) + " open ([limits] max_address_connections)\n";
        auto r = std::make_shared<refused>(refused{
            beast::tcp_stream(std::move(socket)),
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Retry-After: 10\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body});
        r->stream.expires_after(std::chrono::seconds(1));
        net::async_write(r->stream, net::buffer(r->answer), [r](beast::error_code ec, std::size_t) {
            if (ec)
                return;
            r->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            r->drain(r);
        });
    }

    void serve_http(flex_stream&& stream, beast::flat_buffer&& already_read,
                    address_counts::place place) {
        std::make_shared<http_session>(std::move(stream), std::move(already_read), config_,
                                       metrics_, sessions_, relay_, connections_, std::move(place))
            ->run();
    }

    // With [tls], one port speaks both: the first bytes tell a TLS handshake from plain HTTP.
    // Plain HTTP is for this machine (local tools, health checks); anyone else is told to use
    // https:// rather than being served in the clear.
    void detect_tls(beast::tcp_stream&& connection, std::shared_ptr<net::ssl::context> ctx,
                    address_counts::place place) {
        struct detecting {
            beast::tcp_stream stream;
            beast::flat_buffer buffer;
            address_counts::place place;
        };
        auto d =
            std::make_shared<detecting>(detecting{std::move(connection), {}, std::move(place)});
        d->stream.expires_after(config_.get()->handshake_timeout);
        beast::async_detect_ssl(
            d->stream, d->buffer,
            [self = shared_from_this(), d, ctx = std::move(ctx)](beast::error_code ec,
                                                                 bool is_tls) {
                if (ec) {
                    if (ec == beast::error::timeout)
                        self->metrics_.hit(limit::handshake_timeout);
                    return;
                }
                if (is_tls)
                    return self->serve_http(flex_stream(std::move(d->stream), ctx),
                                            std::move(d->buffer), std::move(d->place));
                if (from_loopback(d->stream))
                    return self->serve_http(flex_stream(std::move(d->stream)), std::move(d->buffer),
                                            std::move(d->place));
                self->metrics_.plain_http_refused.fetch_add(1, std::memory_order_relaxed);
                spdlog::info("http {}: plain HTTP refused: this port speaks TLS to other machines",
                             endpoint_text(d->stream));
                static std::string const refusal = [] {
                    std::string const body = "This port speaks TLS: use https:// or wss://.\n";
                    return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                           "Content-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
                }();
                net::async_write(
                    d->stream, net::buffer(refusal), [d](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        d->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    });
            });
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    live_config const& config_;
    metrics& metrics_;
    session_registry& sessions_;
    relay_hub relay_;
    std::shared_ptr<connection_set> connections_;
    mutable std::mutex tls_mutex_;
    std::shared_ptr<net::ssl::context> tls_; // null: plain HTTP only
};

server::server(net::io_context& ioc, live_config const& config, metrics& counters,
               session_registry& sessions)
    : impl_(std::make_shared<impl>(ioc, config, counters, sessions)) {}

server::~server() = default;

tcp::endpoint server::start() {
    return impl_->start();
}

void server::stop() {
    impl_->stop();
}

std::size_t server::open_connections() const {
    return impl_->open_connections();
}

void server::set_tls(std::shared_ptr<net::ssl::context> tls) {
    impl_->set_tls(std::move(tls));
}

} // namespace minuted
