#pragma once

// The kernel's receive timestamps of what a benchmark's WebSocket clients read: when a server's
// bytes reached the client's socket, before the client got round to them. Used by
// minuted_fanout_bench and minuted_load_client.

#include "tests/support/measure.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

namespace minuted::bench {

using testing::nanos;
using testing::steady;

/// CLOCK_REALTIME minus steady_clock, in ns: turns a scheduled steady time into the clock of
/// the kernel's receive timestamps. The smallest of a few readings, so neither read is delayed.
inline std::int64_t realtime_minus_steady_ns() {
    std::int64_t best = 0;
    std::int64_t best_gap = INT64_MAX;
    for (int i = 0; i < 20; ++i) {
        auto const a = steady::now();
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME, &ts);
        auto const b = steady::now();
        auto const gap = nanos(b - a);
        if (gap < best_gap) {
            best_gap = gap;
            auto const real = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
            best = real - (nanos(a.time_since_epoch()) + gap / 2);
        }
    }
    return best;
}

/// A TCP stream for `websocket::stream` that reads with recvmsg and keeps the kernel's receive
/// timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME) of the last segment read: when the server's
/// bytes reached this socket, before this client got round to them. Single-threaded use only:
/// a read tries the socket first and waits for readiness only after EAGAIN, so no readiness
/// edge is missed.
class timestamped_socket {
public:
    using executor_type = boost::asio::ip::tcp::socket::executor_type;

    explicit timestamped_socket(boost::asio::io_context& ioc) : socket_(ioc) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

    /// Asks the kernel for receive timestamps; once connected.
    void enable_timestamps() {
        int one = 1;
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    }
    /// CLOCK_REALTIME ns of the last segment the last read returned; 0 if the kernel gave none.
    std::int64_t last_rx_ns() const noexcept { return last_rx_ns_; }

    template <class MutableBuffers, class ReadHandler>
    auto async_read_some(MutableBuffers const& buffers, ReadHandler&& handler) {
        return boost::asio::async_initiate<ReadHandler,
                                           void(boost::beast::error_code, std::size_t)>(
            [this](auto h, MutableBuffers const& b) { this->start_read(b, std::move(h), true); },
            handler, buffers);
    }

    template <class ConstBuffers, class WriteHandler>
    auto async_write_some(ConstBuffers const& buffers, WriteHandler&& handler) {
        return socket_.async_write_some(buffers, std::forward<WriteHandler>(handler));
    }

private:
    template <class MutableBuffers, class Handler>
    void start_read(MutableBuffers const& buffers, Handler handler, bool initiating) {
        std::size_t n = 0;
        auto const ec = receive(buffers, n);
        if (ec != boost::asio::error::would_block) {
            // A handler is never called from inside its initiating function.
            if (initiating)
                boost::asio::post(socket_.get_executor(),
                                  boost::beast::bind_front_handler(std::move(handler), ec, n));
            else
                std::move(handler)(ec, n);
            return;
        }
        auto const ex = boost::asio::get_associated_executor(handler, socket_.get_executor());
        socket_.async_wait(
            boost::asio::ip::tcp::socket::wait_read,
            boost::asio::bind_executor(ex, [this, buffers, handler = std::move(handler)](
                                               boost::beast::error_code wait_ec) mutable {
                if (wait_ec)
                    return std::move(handler)(wait_ec, std::size_t{0});
                start_read(buffers, std::move(handler), false);
            }));
    }

    template <class MutableBuffers>
    boost::beast::error_code receive(MutableBuffers const& buffers, std::size_t& n) {
        std::array<iovec, 16> iov{};
        std::size_t count = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
            boost::asio::mutable_buffer const b(*it);
            if (b.size() > 0)
                iov[count++] = {b.data(), b.size()};
        }
        if (count == 0)
            return {};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec)) * 2];
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        for (;;) {
            auto const r = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
            if (r > 0) {
                n = static_cast<std::size_t>(r);
                for (auto* h = CMSG_FIRSTHDR(&msg); h != nullptr; h = CMSG_NXTHDR(&msg, h))
                    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SO_TIMESTAMPNS) {
                        timespec ts{};
                        std::memcpy(&ts, CMSG_DATA(h), sizeof ts);
                        last_rx_ns_ =
                            static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
                    }
                return {};
            }
            if (r == 0)
                return boost::asio::error::eof;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return boost::asio::error::would_block;
            return {errno, boost::system::system_category()};
        }
    }

    boost::asio::ip::tcp::socket socket_;
    std::int64_t last_rx_ns_ = 0;
};

// Beast's customisation points, found by argument-dependent lookup.
inline void beast_close_socket(timestamped_socket& s) {
    boost::beast::error_code ec;
    s.socket().close(ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, timestamped_socket& s,
                    TeardownHandler&& handler) {
    boost::beast::websocket::async_teardown(role, s.socket(),
                                            std::forward<TeardownHandler>(handler));
}

inline void teardown(boost::beast::role_type role, timestamped_socket& s,
                     boost::beast::error_code& ec) {
    boost::beast::websocket::teardown(role, s.socket(), ec);
}

} // namespace minuted::bench
