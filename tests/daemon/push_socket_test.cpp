// push_socket's rules for a subscriber's outgoing frames (daemon/fanout/push_socket.hpp;
// protocol/PROTOCOL.md, "Subscribers"), each checked on one connection in this process: the
// server's end is a push_socket on a loopback TCP socket with small kernel buffers, so that a
// client that stops reading fills them after a few frames; the client is Beast's WebSocket.
// A real socket rather than an in-memory stream, because what the kernel refuses is what the
// rules are about: plain TCP is written with non-blocking send() on the socket itself.
//
// Timings: every wait is "at least this long" (a loaded machine only makes waits longer, which
// no rule here minds), and every "until" has a deadline of seconds.

#include "daemon/fanout/push_socket.hpp"
#include "daemon/net/websocket_close.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace minuted::daemon {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using net::ip::tcp;
using namespace std::chrono_literals;
using pushed = push_socket::pushed;

// A push_socket that records what its hooks were told.
class recording_socket : public push_socket {
public:
    using push_socket::push_socket;

    std::atomic<int> opened{0};
    std::atomic<int> sent{0};
    std::atomic<int> resumed{0};
    std::atomic<int> closed{0};

    beast::error_code close_reason() {
        std::lock_guard lock(mutex_);
        return close_ec_;
    }

private:
    void on_open() override { ++opened; }
    void on_sent(protocol::ws_frame const&, std::chrono::steady_clock::time_point) override {
        ++sent;
    }
    void on_resumed() override { ++resumed; }
    void on_closed(beast::error_code ec) override {
        std::lock_guard lock(mutex_);
        close_ec_ = ec;
        ++closed;
    }

    std::mutex mutex_;
    beast::error_code close_ec_;
};

bool eventually(std::function<bool()> const& done, std::chrono::seconds limit = 10s) {
    auto const end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// Frame `n`, `size` bytes of payload, which say which frame it is.
shared_frame numbered(int n, std::size_t size = 16 * 1024) {
    auto text = std::to_string(n) + ":";
    text.resize(size, 'x');
    return protocol::shared_text_frame(text);
}

shared_frame const snapshot_frame = protocol::shared_text_frame("snapshot");

// The number of a frame made by numbered(), -1 for any other, -2 for one cut or garbled.
int number_of(std::string const& payload, std::size_t size = 16 * 1024) {
    auto const colon = payload.find(':');
    if (colon == std::string::npos)
        return -1;
    if (payload.size() != size || payload.find_first_not_of('x', colon + 1) != std::string::npos)
        return -2;
    return std::stoi(payload.substr(0, colon));
}

// What the client read: a message, or how reading ended.
struct read_result {
    std::string message;
    beast::error_code ec;
};

class push_socket_test : public ::testing::Test {
protected:
    push_socket_test() {
        server_thread_ = std::thread([this] { server_io_.run(); });
    }

    ~push_socket_test() override {
        if (client_)
            beast::get_lowest_layer(*client_).close();
        if (server_)
            server_->close(1001, "test over");
        // The server's end finishes within its handshake_timeout at most.
        eventually([this] { return !server_ || server_->closed > 0; });
        server_.reset();
        work_.reset();
        server_io_.stop();
        server_thread_.join();
    }

    /// Connects a client and answers its upgrade with a push_socket. `small_buffers`: a few
    /// KiB of kernel buffers each way, so that a client that does not read is soon refused.
    void connect(push_socket::limits const& l,
                 push_socket::on_resume resume = push_socket::on_resume::notify,
                 bool small_buffers = true) {
        tcp::acceptor acceptor(server_io_, {net::ip::address_v4::loopback(), 0});
        tcp::socket raw(client_io_);
        raw.open(tcp::v4());
        if (small_buffers)
            raw.set_option(net::socket_base::receive_buffer_size(4096));
        raw.connect(acceptor.local_endpoint());
        tcp::socket accepted = acceptor.accept();
        if (small_buffers)
            accepted.set_option(net::socket_base::send_buffer_size(4096));

        client_ = std::make_unique<websocket::stream<tcp::socket>>(std::move(raw));
        client_->read_message_max(1 << 20);
        auto handshake = std::async(std::launch::async,
                                    [this] { client_->handshake("localhost", "/sub/test"); });
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(accepted, buffer, request);
        server_ = std::make_shared<recording_socket>(
            flex_stream(beast::tcp_stream(std::move(accepted))), l, resume);
        server_->accept(request);
        handshake.get();
        ASSERT_TRUE(eventually([this] { return server_->opened == 1; }));
    }

    /// One message, or the error that ended reading (a close received: websocket::error::closed).
    read_result read(std::chrono::seconds limit = 10s) {
        read_result r;
        bool done = false;
        beast::flat_buffer buffer;
        client_->async_read(buffer, [&](beast::error_code ec, std::size_t) {
            r.ec = ec;
            done = true;
        });
        client_io_.restart();
        client_io_.run_for(limit);
        if (!done) {
            ADD_FAILURE() << "nothing read in " << limit.count() << " s";
            beast::get_lowest_layer(*client_).cancel();
            client_io_.restart();
            client_io_.run();
        }
        r.message = beast::buffers_to_string(buffer.data());
        return r;
    }

    /// Reads messages up to (and with) the first for which `last` is true.
    std::vector<std::string> read_until(std::function<bool(std::string const&)> const& last) {
        std::vector<std::string> got;
        for (;;) {
            auto r = read();
            if (r.ec) {
                ADD_FAILURE() << "reading ended: " << r.ec.message();
                return got;
            }
            got.push_back(r.message);
            if (last(got.back()))
                return got;
        }
    }

    /// Pushes numbered frames from `first` until a push returns something other than `sent`
    /// and `queued`; how many returned `queued`, and what the last one returned.
    std::pair<int, pushed> push_until_refused(int& next, int most = 1000) {
        int queued = 0;
        for (int i = 0; i < most; ++i) {
            auto const r = server_->push(numbered(next++));
            if (r == pushed::queued)
                ++queued;
            else if (r != pushed::sent)
                return {queued, r};
        }
        return {queued, pushed::sent};
    }

    net::io_context server_io_;
    net::executor_work_guard<net::io_context::executor_type> work_ =
        net::make_work_guard(server_io_);
    std::thread server_thread_;
    net::io_context client_io_;
    std::unique_ptr<websocket::stream<tcp::socket>> client_;
    std::shared_ptr<recording_socket> server_;
};

// Long enough that no liveness ping or stall interferes where a test is not about them.
push_socket::limits unhurried(std::size_t max_queued) {
    push_socket::limits l;
    l.idle_timeout = 600s;
    l.max_queued = max_queued;
    l.max_stall = 600s;
    return l;
}

TEST_F(push_socket_test, a_reader_that_keeps_up_gets_every_frame_whole_and_in_order) {
    connect(unhurried(1'000'000));
    constexpr int count = 2000;
    std::atomic<int> refused{0};
    std::thread pusher([&] {
        for (int i = 0; i < count; ++i)
            if (auto const r = server_->push(numbered(i, 1000));
                r != pushed::sent && r != pushed::queued)
                ++refused;
    });
    int expected = 0;
    for (; expected < count; ++expected) {
        auto const r = read();
        if (r.ec) {
            ADD_FAILURE() << "reading ended: " << r.ec.message();
            break;
        }
        ASSERT_EQ(number_of(r.message, 1000), expected);
    }
    pusher.join();
    EXPECT_EQ(refused, 0);
    EXPECT_TRUE(eventually([&] { return server_->sent == count; })) << server_->sent;
}

// max_queued: frames wait behind a socket that takes no more, up to the limit; the push after
// that overflows and the queue is dropped, but for the frame half on the wire, so what the
// client then reads is whole frames, in order, and the frames pushed after the overflow.
TEST_F(push_socket_test, a_reader_that_stops_overflows_at_max_queued_and_the_queue_is_dropped) {
    constexpr std::size_t max_queued = 8;
    connect(unhurried(max_queued));
    int next = 0;
    auto const [queued, result] = push_until_refused(next);
    ASSERT_EQ(result, pushed::overflow);
    int const overflowed = next - 1;
    EXPECT_GE(queued, static_cast<int>(max_queued) - 1) << "the queue grew to its limit";

    // The queue is empty again: the next push waits behind the kernel's buffers alone.
    EXPECT_EQ(server_->push(numbered(next++)), pushed::queued);
    EXPECT_EQ(server_->push(numbered(next++)), pushed::queued);

    int const end = next - 1;
    std::vector<int> got;
    for (auto const& m : read_until([&](std::string const& m) { return number_of(m) == end; }))
        got.push_back(number_of(m));
    ASSERT_GE(got.size(), 3u);
    for (std::size_t i = 0; i + 1 < got.size(); ++i) {
        ASSERT_GE(got[i], 0) << "a frame cut or garbled";
        EXPECT_LT(got[i], got[i + 1]) << "in order";
    }
    EXPECT_EQ(got[got.size() - 2], overflowed + 1) << "pushed after the overflow";
    EXPECT_LT(got[got.size() - 3], overflowed) << "the overflowing frame is not taken";
    // The queue held max_queued frames, one of them perhaps half written and kept.
    EXPECT_GE(next - static_cast<int>(got.size()), static_cast<int>(max_queued))
        << "what was queued was dropped";
}

// A socket that has taken nothing for max_stall has a reader that stopped, however short the
// queue behind it still is.
TEST_F(push_socket_test, a_socket_that_takes_nothing_for_max_stall_overflows_with_a_short_queue) {
    auto l = unhurried(1000);
    l.max_stall = 300ms;
    connect(l);
    int next = 0;
    while (server_->push(numbered(next++)) == pushed::sent)
        ASSERT_LT(next, 1000) << "the kernel's buffers never filled";
    EXPECT_EQ(server_->push(numbered(next++)), pushed::queued) << "well short of max_queued";
    std::this_thread::sleep_for(2 * l.max_stall);
    EXPECT_EQ(server_->push(numbered(next++)), pushed::overflow);
}

// A client being sent frames that has been unheard for part of max_stall gets a ping with the
// next frame; unanswered by max_stall, it is stalled and takes nothing. When it answers, it
// gets (on_resume::send_latest) the newest frame it was refused, then what follows.
TEST_F(push_socket_test, a_client_that_answers_no_ping_is_stalled_then_gets_the_latest) {
    auto l = unhurried(1000);
    l.max_stall = 300ms;
    connect(l, push_socket::on_resume::send_latest);
    std::this_thread::sleep_for(2 * l.max_stall); // unheard since the handshake
    EXPECT_EQ(server_->push(numbered(1, 100)), pushed::sent) << "with a ping before it";
    std::this_thread::sleep_for(2 * l.max_stall); // the ping unanswered
    EXPECT_EQ(server_->push(numbered(2, 100)), pushed::stalled);
    EXPECT_EQ(server_->push(numbered(3, 100)), pushed::stalled);
    EXPECT_EQ(server_->resumed, 0);

    // Reading answers the ping (Beast pongs by itself): the client is heard again.
    EXPECT_EQ(number_of(read().message, 100), 1);
    EXPECT_EQ(number_of(read().message, 100), 3) << "the newest refused, not the one before";
    ASSERT_TRUE(eventually([&] { return server_->resumed == 1; }));
    EXPECT_EQ(server_->push(numbered(4, 100)), pushed::sent);
    EXPECT_EQ(number_of(read().message, 100), 4);
}

// With on_resume::notify the socket sends nothing of what was refused: the owner is told, and
// sends what it needs (a viewer's snapshot).
TEST_F(push_socket_test, a_stalled_client_that_answers_is_handed_back_to_the_owner) {
    auto l = unhurried(1000);
    l.max_stall = 300ms;
    connect(l, push_socket::on_resume::notify);
    std::this_thread::sleep_for(2 * l.max_stall);
    EXPECT_EQ(server_->push(numbered(1, 100)), pushed::sent);
    std::this_thread::sleep_for(2 * l.max_stall);
    EXPECT_EQ(server_->push(numbered(2, 100)), pushed::stalled);

    EXPECT_EQ(number_of(read().message, 100), 1);
    ASSERT_TRUE(eventually([&] { return server_->resumed == 1; }));
    EXPECT_EQ(server_->push(snapshot_frame), pushed::sent);
    EXPECT_EQ(read().message, "snapshot") << "nothing refused in between";
}

// A push with `replace` (a snapshot) drops what is queued, however full, and never overflows:
// the client reads whole frames up to the one half written, then the snapshot.
TEST_F(push_socket_test, a_replacing_push_drops_the_queue_and_latest_state_wins) {
    constexpr std::size_t max_queued = 8;
    connect(unhurried(max_queued));
    int next = 0;
    int queued = 0;
    while (queued + 1 < static_cast<int>(max_queued)) {
        auto const r = server_->push(numbered(next++));
        ASSERT_TRUE(r == pushed::sent || r == pushed::queued) << static_cast<int>(r);
        queued += r == pushed::queued ? 1 : 0;
    }
    EXPECT_EQ(server_->push(numbered(next++)), pushed::queued); // the queue is full
    EXPECT_EQ(server_->push(snapshot_frame, {}, push_socket::queue_mode::replace), pushed::queued);
    EXPECT_EQ(server_->push(numbered(next)), pushed::queued) << "after the snapshot";

    auto const got = read_until([](std::string const& m) { return m == "snapshot"; });
    ASSERT_FALSE(got.empty());
    for (std::size_t i = 0; i + 1 < got.size(); ++i)
        EXPECT_EQ(number_of(got[i]), static_cast<int>(i)) << "whole, in order, no gap";
    EXPECT_LE(got.size() + max_queued - 1, static_cast<std::size_t>(next) + 1)
        << "the queued frames were dropped";
    EXPECT_EQ(number_of(read().message), next);
}

// close(): a close frame after the frame being written, the rest dropped; once the client
// answers, the connection ends cleanly (on_closed with no error) and nothing more is taken.
TEST_F(push_socket_test, closing_mid_write_sends_whole_frames_then_the_close_and_ends_cleanly) {
    connect(unhurried(1000));
    int next = 0;
    while (server_->push(numbered(next++)) == pushed::sent)
        ASSERT_LT(next, 1000);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(server_->push(numbered(next++)), pushed::queued);
    server_->close(close_too_slow, "too slow: fell behind the live updates repeatedly");
    EXPECT_EQ(server_->push(numbered(next++)), pushed::closed);

    int expected = 0;
    for (;;) {
        auto const r = read();
        if (r.ec) {
            EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
            break;
        }
        EXPECT_EQ(number_of(r.message), expected++) << "whole, in order";
    }
    EXPECT_LT(expected, next - 5) << "the queued frames were dropped";
    EXPECT_EQ(client_->reason().code, close_too_slow);
    EXPECT_EQ(client_->reason().reason, "too slow: fell behind the live updates repeatedly");
    ASSERT_TRUE(eventually([&] { return server_->closed == 1; }));
    EXPECT_FALSE(server_->close_reason()) << server_->close_reason().message();
}

// A client that goes away with frames queued: the connection ends once, with the error, and
// later pushes are refused.
TEST_F(push_socket_test, a_client_that_vanishes_mid_write_ends_the_connection_once) {
    connect(unhurried(1000));
    int next = 0;
    while (server_->push(numbered(next++)) == pushed::sent)
        ASSERT_LT(next, 1000);
    EXPECT_EQ(server_->push(numbered(next++)), pushed::queued);
    beast::get_lowest_layer(*client_).close();
    ASSERT_TRUE(eventually([&] { return server_->closed > 0; }));
    EXPECT_TRUE(server_->close_reason());
    EXPECT_EQ(server_->push(numbered(next++)), pushed::closed);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(server_->closed, 1);
}

// A client silent for idle_timeout (pinged at half of it) is closed, with a timeout.
TEST_F(push_socket_test, a_silent_client_is_closed_after_idle_timeout) {
    auto l = unhurried(1000);
    l.idle_timeout = 300ms;
    connect(l);
    ASSERT_TRUE(eventually([&] { return server_->closed == 1; }));
    EXPECT_EQ(server_->close_reason(), beast::error::timeout);
}

// A message over max_message is refused with 1009 and the reason.
TEST_F(push_socket_test, a_message_over_max_message_is_closed_with_1009) {
    auto l = unhurried(1000);
    l.max_message = 4096;
    connect(l);
    client_->write(net::buffer(std::string(5000, 'a')));
    // The server closes without waiting for the client's answer: Beast, answering, may find the
    // connection gone; the close frame was read all the same.
    EXPECT_TRUE(read().ec);
    EXPECT_EQ(client_->reason().code, websocket::close_code::too_big);
    EXPECT_FALSE(client_->reason().reason.empty());
    ASSERT_TRUE(eventually([&] { return server_->closed == 1; }));
    EXPECT_TRUE(server_->close_reason()) << "the client broke the protocol";
}

} // namespace
} // namespace minuted::daemon
