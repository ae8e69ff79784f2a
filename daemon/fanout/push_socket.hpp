#pragma once

#include "daemon/net/flex_stream.hpp"
#include "protocol/websocket_frames.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace minuted::daemon {

using protocol::shared_frame;
using protocol::shared_text_frame;

/// The server's end of a WebSocket it pushes to: a viewer of /live/{id}, a subscriber of
/// /sub/{channel}. Beast does the handshake; after it, the frames, framed once for all
/// subscribers, are written straight to the socket by whichever thread pushes them: on plain TCP
/// a push that finds nothing queued is one non-blocking send() and nothing else (no copy,
/// allocation or handler hop), which is what lets one core serve a hundred thousand deliveries a
/// second. Only a frame the kernel cannot take at once is queued, and written when the socket
/// is writable (several queued frames in one sendmsg). Over TLS every frame goes through the
/// TLS stream on the connection's strand.
///
/// What the client sends is read on the strand: pings are answered, a close is echoed, data is
/// checked and dropped (viewers send nothing that matters). A client silent for
/// `idle_timeout / 2` is pinged; one silent for `idle_timeout` is closed.
///
/// A reader that stopped (a frozen process, a laptop asleep) is found even while the kernel's
/// buffers still take what is sent to it: a client that has been sent frames and not been heard
/// from for 2/5 to 3/5 of `max_stall` (it varies from one connection to the next) gets a ping
/// with the next frame; if the pong has not come by `max_stall`, the client is stalled. Nothing
/// more is written to it, and the queue is dropped, until it answers; then it gets the latest
/// state, as `on_resume` says.
///
/// Thread-safe: `push`, `close` and `queued` from any thread; the hooks as documented.
class push_socket : public std::enable_shared_from_this<push_socket> {
public:
    struct limits {
        std::chrono::milliseconds handshake_timeout{10000};
        std::chrono::milliseconds idle_timeout{60000};
        std::size_t max_message = 4096; ///< the largest message taken from the client
        /// Frames queued (behind a socket that takes no more) before a push overflows.
        std::size_t max_queued = 256;
        /// How long a frame may wait behind a socket that takes nothing before a push
        /// overflows, and how long a client being sent frames may go unheard (a ping
        /// unanswered) before it counts as stalled.
        std::chrono::milliseconds max_stall{5000};
    };

    /// What a stalled client gets when it answers.
    enum class on_resume {
        /// Nothing from the socket: `on_resumed` lets the owner send what it needs (a viewer's
        /// snapshot, in the order of its own updates).
        notify,
        /// The newest frame it was refused, ahead of every push after the answer (which is read
        /// under the same lock): latest wins, in order and once, whichever thread pushes. Then
        /// `on_resumed`.
        send_latest,
    };

    /// Where a push puts its frame.
    enum class queue_mode {
        append,  ///< after what is queued
        replace, ///< instead of what is queued, which it makes stale (a snapshot, the latest
                 ///< message of a relay channel); never overflows
    };

    /// What became of a push.
    enum class pushed {
        sent,     ///< written to the socket (or to the TLS stream's strand) at once
        queued,   ///< behind others, or behind a full socket
        overflow, ///< over `max_queued` or stalled over `max_stall`: the queue was dropped
                  ///< (but for a frame half written) and this frame not taken
        stalled,  ///< the client answers no ping: not taken, until `on_resumed`
        closed,   ///< the connection is closing or gone
    };

    push_socket(flex_stream&& stream, limits const& l, on_resume r = on_resume::notify);
    virtual ~push_socket();
    push_socket(push_socket const&) = delete;
    push_socket& operator=(push_socket const&) = delete;

    /// Answers the upgrade `request`, then calls `on_open` (or `on_closed` if it fails).
    void accept(boost::beast::http::request<boost::beast::http::string_body> const& request);

    /// Sends `frame` after what is queued, or instead of it (`mode`). `arrived`: when what it
    /// reports arrived, handed back to `on_sent`. Any thread.
    pushed push(shared_frame const& frame, std::chrono::steady_clock::time_point arrived = {},
                queue_mode mode = queue_mode::append);

    /// Sends a close frame after the frame being written (what is queued is dropped), then
    /// waits `handshake_timeout` for the client's close before closing the connection. Any
    /// thread; nothing is sent after it.
    void close(std::uint16_t code, std::string_view reason);

    std::string const& peer() const noexcept { return peer_; }

protected:
    /// The handshake is done; on the strand.
    virtual void on_open() = 0;
    /// A frame pushed was handed whole to the socket (or to TLS). Called with the socket's
    /// lock held, on the pushing thread or the strand: count it, nothing more.
    virtual void on_sent(protocol::ws_frame const& frame,
                         std::chrono::steady_clock::time_point arrived) = 0;
    /// A stalled client answered at last (see the class): what it missed was dropped (but for
    /// the newest frame with `on_resume::send_latest`, queued already). On the strand.
    virtual void on_resumed() = 0;
    /// The connection is gone, whether `on_open` came or not: closed by either side
    /// (`ec` empty), the client silent or broke the protocol (`ec` says how), or the socket
    /// failed. Once, on the strand.
    virtual void on_closed(boost::system::error_code ec) = 0;

private:
    struct queued_frame {
        shared_frame frame;
        std::chrono::steady_clock::time_point arrived;
        bool is_data = true; ///< not a ping, pong or close of this socket's own
    };

    void on_accept(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t n);
    void arm_timer(std::chrono::steady_clock::duration after);
    void on_timer(boost::system::error_code ec);

    /// Queues a ping, a pong or a close (which drops what is queued first); any thread.
    void enqueue_control(protocol::ws_frame frame);

    // With mutex_ held.
    pushed check_alive(std::chrono::steady_clock::time_point now);
    void flush();
    void drop_queued();
    ssize_t send_plain();
    /// Takes `n` bytes written off the queue; false if the front frame is still part-written.
    bool sent(std::size_t n);
    void wait_writable();
    void on_close_sent();
    /// The socket failed: nothing more is written, and the strand ends the connection.
    void fail(boost::system::error_code ec);

    void on_writable(boost::system::error_code ec);
    void write_tls();
    void on_tls_written(boost::system::error_code ec, std::size_t n);
    /// Ends the connection (strand): closes the socket and calls on_closed once.
    void finish(boost::system::error_code ec);

    flex_stream stream_;
    /// The connection's strand, as the stream has it before and after the handshake: what other
    /// threads post to without touching the stream.
    boost::asio::any_io_executor ex_;
    limits limits_;
    on_resume on_resume_;
    std::string peer_;
    int fd_ = -1; ///< plain TCP: the socket, written directly; -1 over TLS

    std::mutex mutex_; // everything below, and writes to the socket
    std::deque<queued_frame> queue_;
    std::size_t written_ = 0; ///< bytes of queue_.front() already written
    bool open_ = false;       ///< the handshake is done: frames may be written
    bool waiting_ = false;    ///< a wait for writability or a TLS write is in flight
    bool close_queued_ = false;
    bool gone_ = false; ///< the socket is closed or failing: nothing more is written
    /// When the socket began to refuse bytes; zero while it takes them.
    std::chrono::steady_clock::time_point stuck_since_{};
    std::chrono::steady_clock::time_point last_heard_{}; ///< last read from the client
    std::chrono::steady_clock::time_point ping_since_{}; ///< a liveness ping unanswered since
    std::chrono::milliseconds quiet_{};                  ///< unheard this long: ping
    bool stalled_ = false;
    std::optional<queued_frame> missed_; ///< on_resume::send_latest: the newest frame refused

    // On the strand.
    boost::asio::steady_timer timer_;
    protocol::ws_client_reader reader_;
    std::vector<protocol::ws_event> events_;
    std::array<char, 512> read_buffer_{};
    bool heard_ = false;          ///< the client sent something since the last tick
    bool ping_sent_ = false;      ///< and a ping is unanswered
    bool close_received_ = false; ///< or the client broke the protocol: end once ours is sent
    bool closing_ = false;        ///< our close is sent: waiting for the client's
    bool finished_ = false;
    boost::system::error_code end_reason_; ///< what the client did wrong, if it did
};

} // namespace minuted::daemon
