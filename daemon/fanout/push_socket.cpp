#include "daemon/fanout/push_socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#include <utility>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Frames gathered into one sendmsg when several are queued.
constexpr std::size_t max_gather = 64;

} // namespace

push_socket::push_socket(flex_stream&& stream, limits const& l, on_resume r)
    : stream_(std::move(stream)), ex_(stream_.get_executor()), limits_(l), on_resume_(r),
      timer_(ex_), reader_(l.max_message) {
    peer_ = endpoint_text(stream_.next_layer());
}

push_socket::~push_socket() = default;

void push_socket::accept(beast::http::request<beast::http::string_body> const& request) {
    // Beast answers the handshake; the stream is taken back from it once that is done.
    auto ws = std::make_shared<websocket::stream<flex_stream>>(std::move(stream_));
    ws->set_option(websocket::stream_base::timeout{limits_.handshake_timeout,
                                                   websocket::stream_base::none(), false});
    ws->async_accept(request, [self = shared_from_this(), ws](beast::error_code ec) {
        self->stream_ = std::move(ws->next_layer());
        self->on_accept(ec);
    });
}

void push_socket::on_accept(beast::error_code ec) {
    if (ec)
        return finish(ec);
    {
        std::lock_guard lock(mutex_);
        if (!stream_.is_tls())
            fd_ = stream_.next_layer().socket().native_handle();
        open_ = true;
        last_heard_ = std::chrono::steady_clock::now(); // the handshake
        // Between 2/5 and 3/5 of max_stall, one step further for each connection: subscribers
        // that joined and answered together would otherwise be pinged together forever, and
        // their pongs would come back as one burst between two updates.
        static std::atomic<unsigned> next_spread{0};
        quiet_ = limits_.max_stall * (40 + next_spread++ % 21) / 100;
        flush();
    }
    arm_timer(limits_.idle_timeout / 2);
    do_read();
    on_open();
}

push_socket::pushed push_socket::push(shared_frame const& frame,
                                      std::chrono::steady_clock::time_point arrived,
                                      queue_mode mode) {
    std::lock_guard lock(mutex_);
    if (gone_ || close_queued_)
        return pushed::closed;
    auto const now = std::chrono::steady_clock::now();
    if (auto const r = check_alive(now); r != pushed::sent) {
        if (r == pushed::stalled && on_resume_ == on_resume::send_latest)
            missed_ = queued_frame{.frame = frame, .arrived = arrived, .is_data = true};
        return r;
    }
    if (mode == queue_mode::replace) {
        drop_queued();
    } else if (!queue_.empty()) {
        // A socket that has refused bytes for max_stall has a reader that stopped reading,
        // however short the queue behind it still is.
        if (queue_.size() >= limits_.max_queued ||
            (stuck_since_ != std::chrono::steady_clock::time_point{} &&
             now - stuck_since_ > limits_.max_stall)) {
            drop_queued();
            return pushed::overflow;
        }
    }
    if (queue_.empty() && !waiting_ && open_ && fd_ >= 0) {
        // Most pushes: nothing waits before this frame, and the kernel takes it whole.
        auto const bytes = frame->bytes();
        auto const n = ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(bytes.size())) {
            on_sent(*frame, arrived);
            return pushed::sent;
        }
        if (n > 0)
            written_ = static_cast<std::size_t>(n); // the frame queued below is half written
        // Refused, cut short or failed: queued, and flush() tells which (a second send).
    }
    queue_.push_back({.frame = frame, .arrived = arrived, .is_data = true});
    flush();
    return queue_.empty() ? pushed::sent : pushed::queued;
}

// Whether the client is alive: `sent` if it is (or may be), `stalled` if it has not answered a
// ping in time. Sends that ping, after the frames queued, once the client has been unheard for
// its quiet_ part of max_stall; it then has the rest to answer.
push_socket::pushed push_socket::check_alive(std::chrono::steady_clock::time_point now) {
    if (stalled_)
        return pushed::stalled;
    if (!open_)
        return pushed::sent;
    constexpr std::chrono::steady_clock::time_point never{};
    if (ping_since_ == never) {
        if (now - last_heard_ > quiet_) {
            ping_since_ = now;
            static shared_frame const ping = std::make_shared<protocol::ws_frame const>(
                protocol::ws_frame::control(protocol::ws_opcode::ping, {}));
            queue_.push_back({.frame = ping, .arrived = {}, .is_data = false});
        }
        return pushed::sent;
    }
    if (now - ping_since_ <= limits_.max_stall - quiet_)
        return pushed::sent;
    stalled_ = true;
    drop_queued();
    return pushed::stalled;
}

void push_socket::close(std::uint16_t code, std::string_view reason) {
    enqueue_control(protocol::ws_frame::close(code, reason));
}

void push_socket::enqueue_control(protocol::ws_frame frame) {
    std::lock_guard lock(mutex_);
    if (gone_ || close_queued_)
        return;
    bool const is_close = frame.opcode() == protocol::ws_opcode::close;
    if (is_close) {
        drop_queued();
        close_queued_ = true;
    }
    queue_.push_back({.frame = std::make_shared<protocol::ws_frame const>(std::move(frame)),
                      .arrived = {},
                      .is_data = false});
    flush();
}

// Keeps the frame being written (its bytes are half on the wire) and the connection's own
// control frames; drops the rest.
void push_socket::drop_queued() {
    bool const front_begun = written_ > 0 || (fd_ < 0 && waiting_);
    std::deque<queued_frame> kept;
    for (std::size_t i = 0; i < queue_.size(); ++i)
        if ((i == 0 && front_begun) || !queue_[i].is_data)
            kept.push_back(std::move(queue_[i]));
    queue_.swap(kept);
}

void push_socket::flush() {
    if (gone_ || waiting_ || queue_.empty() || !open_)
        return;
    if (fd_ < 0) {
        waiting_ = true;
        return net::post(ex_, [self = shared_from_this()] { self->write_tls(); });
    }
    for (;;) {
        if (queue_.empty()) {
            stuck_since_ = {};
            return;
        }
        auto const n = send_plain();
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return wait_writable();
            return fail(boost::system::error_code(errno, boost::system::system_category()));
        }
        if (!sent(static_cast<std::size_t>(n)))
            return wait_writable(); // the kernel took part: it would refuse the rest now
    }
}

ssize_t push_socket::send_plain() {
    std::array<iovec, max_gather> iov{};
    std::size_t count = 0;
    for (auto const& q : queue_) {
        auto bytes = q.frame->bytes();
        if (count == 0)
            bytes.remove_prefix(written_);
        iov[count++] = {const_cast<char*>(bytes.data()), bytes.size()};
        if (count == iov.size())
            break;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    return ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

bool push_socket::sent(std::size_t n) {
    while (n > 0 && !queue_.empty()) {
        auto const rest = queue_.front().frame->bytes().size() - written_;
        if (n < rest) {
            written_ += n;
            return false;
        }
        n -= rest;
        written_ = 0;
        auto const& done = queue_.front();
        if (done.is_data)
            on_sent(*done.frame, done.arrived);
        else if (done.frame->opcode() == protocol::ws_opcode::close)
            on_close_sent();
        queue_.pop_front();
    }
    return true;
}

void push_socket::wait_writable() {
    if (stuck_since_ == std::chrono::steady_clock::time_point{})
        stuck_since_ = std::chrono::steady_clock::now();
    waiting_ = true;
    net::post(ex_, [self = shared_from_this()] {
        self->stream_.next_layer().socket().async_wait(
            net::socket_base::wait_write,
            beast::bind_front_handler(&push_socket::on_writable, self));
    });
}

void push_socket::fail(beast::error_code ec) {
    if (gone_)
        return; // failed already, or closed
    gone_ = true;
    net::post(ex_, [self = shared_from_this(), ec] { self->finish(ec); });
}

void push_socket::on_writable(beast::error_code ec) {
    std::lock_guard lock(mutex_);
    waiting_ = false;
    if (ec)
        return fail(ec);
    flush();
}

void push_socket::write_tls() {
    std::unique_lock lock(mutex_);
    if (gone_ || queue_.empty()) {
        waiting_ = false;
        return;
    }
    // The front stays queued until its write completes (drop_queued keeps it), and the write
    // holds its frame too, should the connection end first.
    auto frame = queue_.front().frame;
    lock.unlock();
    auto const bytes = frame->bytes();
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                     [self = shared_from_this(), frame](beast::error_code ec, std::size_t n) {
                         self->on_tls_written(ec, n);
                     });
}

void push_socket::on_tls_written(beast::error_code ec, std::size_t n) {
    std::lock_guard lock(mutex_);
    waiting_ = false;
    if (ec)
        return fail(ec);
    sent(n);
    flush();
}

void push_socket::on_close_sent() {
    // The close handshake is done when both sides have sent theirs (or the client broke the
    // protocol): the server closes the TCP connection first (RFC 6455 §7.1.1). Otherwise the
    // client has handshake_timeout to answer.
    net::post(ex_, [self = shared_from_this()] {
        if (self->close_received_)
            return self->finish(self->end_reason_);
        self->closing_ = true;
        self->arm_timer(self->limits_.handshake_timeout);
    });
}

void push_socket::do_read() {
    stream_.async_read_some(net::buffer(read_buffer_),
                            beast::bind_front_handler(&push_socket::on_read, shared_from_this()));
}

void push_socket::on_read(beast::error_code ec, std::size_t n) {
    if (ec)
        return finish(closing_ && ec == net::error::eof ? beast::error_code{} : ec);
    heard_ = true;
    bool resumed = false;
    {
        std::lock_guard lock(mutex_);
        last_heard_ = std::chrono::steady_clock::now();
        ping_since_ = {};
        resumed = std::exchange(stalled_, false);
        if (missed_ && !close_queued_ && !gone_) {
            queue_.push_back(std::move(*missed_));
            flush();
        }
        missed_.reset();
    }
    if (resumed)
        on_resumed();
    events_.clear();
    auto const error = reader_.put(std::string_view(read_buffer_.data(), n), events_);
    for (auto const& e : events_) {
        switch (e.what) {
        case protocol::ws_event::kind::ping:
            enqueue_control(protocol::ws_frame::control(protocol::ws_opcode::pong, e.payload));
            break;
        case protocol::ws_event::kind::close:
            close_received_ = true;
            if (closing_)
                return finish({}); // the answer to our close
            // Echo the client's code (RFC 6455 §5.5.1); none if it gave none.
            enqueue_control(e.code == 1005
                                ? protocol::ws_frame::control(protocol::ws_opcode::close, {})
                                : protocol::ws_frame::close(e.code, {}));
            return; // nothing after a close is read
        case protocol::ws_event::kind::pong:
        case protocol::ws_event::kind::message:
            break;
        }
    }
    if (error) {
        // The client broke the protocol: told why, then closed without waiting for it.
        end_reason_ = error;
        close_received_ = true;
        auto const code = protocol::close_code_for(static_cast<protocol::ws_error>(error.value()));
        enqueue_control(protocol::ws_frame::close(code, error.message()));
        return;
    }
    do_read();
}

void push_socket::arm_timer(std::chrono::steady_clock::duration after) {
    timer_.expires_after(after);
    timer_.async_wait(beast::bind_front_handler(&push_socket::on_timer, shared_from_this()));
}

void push_socket::on_timer(beast::error_code ec) {
    if (ec || finished_)
        return;
    if (closing_)
        return finish(beast::error::timeout); // no answer to our close
    if (heard_) {
        heard_ = false;
        ping_sent_ = false;
    } else if (ping_sent_) {
        return finish(beast::error::timeout); // silent through a whole idle_timeout
    } else {
        ping_sent_ = true;
        enqueue_control(protocol::ws_frame::control(protocol::ws_opcode::ping, {}));
    }
    arm_timer(limits_.idle_timeout / 2);
}

void push_socket::finish(beast::error_code ec) {
    if (finished_)
        return;
    finished_ = true;
    {
        std::lock_guard lock(mutex_);
        gone_ = true;
        queue_.clear();
        written_ = 0;
    }
    timer_.cancel();
    beast::error_code ignored;
    stream_.next_layer().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.next_layer().socket().close(ignored);
    on_closed(ec);
}

} // namespace minuted::daemon
