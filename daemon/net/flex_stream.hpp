#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace minuted::daemon {

/// "address:port" of the peer of `s`, "?" if it is gone: for the log.
inline std::string endpoint_text(boost::beast::tcp_stream const& s) {
    boost::system::error_code ec;
    auto const ep = s.socket().remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

/// Up to 16 buffers of a buffer sequence, by value: what one read or write takes of it. A read
/// or write may transfer less than it was given, so the rest waits for the next one.
template <class Buffer>
class buffer_run {
public:
    template <class Sequence>
    explicit buffer_run(Sequence const& sequence) {
        for (auto it = boost::asio::buffer_sequence_begin(sequence);
             it != boost::asio::buffer_sequence_end(sequence) && size_ < items_.size(); ++it)
            if (Buffer const b(*it); b.size() != 0)
                items_[size_++] = b;
    }
    Buffer const* begin() const noexcept { return items_.data(); }
    Buffer const* end() const noexcept { return items_.data() + size_; }

private:
    std::array<Buffer, 16> items_{};
    std::size_t size_ = 0;
};

/// A TCP connection that carries TLS or not, chosen at run time: the server and the caption
/// clients have one HTTP and one WebSocket code path over it, not one per transport. It is an
/// AsyncReadStream and AsyncWriteStream for Beast; its reads and writes are type-erased
/// (`any_completion_handler`) and compiled once, in flex_stream.cpp, over either the plain
/// `tcp_stream` or Beast's `ssl_stream`. Not thread-safe: one strand, like any Beast stream.
class flex_stream {
public:
    using executor_type = boost::beast::tcp_stream::executor_type;
    using io_handler =
        boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
    using done_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

    /// Plain TCP.
    explicit flex_stream(boost::beast::tcp_stream&& connection);
    /// TLS over `connection` with `ctx` (kept while the stream lives); `async_handshake` starts it.
    flex_stream(boost::beast::tcp_stream&& connection,
                std::shared_ptr<boost::asio::ssl::context> ctx);
    flex_stream(flex_stream&&) noexcept;
    flex_stream& operator=(flex_stream&&) noexcept;
    ~flex_stream();

    executor_type get_executor() noexcept;
    bool is_tls() const noexcept;

    /// The TCP connection under it, TLS or not: its timeouts, its peer, closing it. Beast's
    /// `get_lowest_layer` and a WebSocket's timeouts find it through here.
    boost::beast::tcp_stream& next_layer() noexcept;
    boost::beast::tcp_stream const& next_layer() const noexcept;

    /// A TLS client: the name sent in the handshake (SNI) and checked against the server's
    /// certificate. Throws std::runtime_error if OpenSSL refuses it.
    void set_server_name(std::string const& host);

    /// The TLS handshake as `role`. A server passes the bytes it already read from the
    /// connection (to see that it speaks TLS); the handler gets how many of them TLS used.
    template <class Handler>
    auto async_handshake(boost::beast::role_type role, boost::asio::const_buffer already_read,
                         Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
            [this](io_handler h, boost::beast::role_type r, boost::asio::const_buffer b) {
                handshake(r, b, std::move(h));
            },
            handler, role, already_read);
    }

    template <class MutableBufferSequence, class Handler>
    auto async_read_some(MutableBufferSequence const& buffers, Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
            [this](io_handler h, buffer_run<boost::asio::mutable_buffer> const& b) {
                read_some(b, std::move(h));
            },
            handler, buffer_run<boost::asio::mutable_buffer>(buffers));
    }

    template <class ConstBufferSequence, class Handler>
    auto async_write_some(ConstBufferSequence const& buffers, Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
            [this](io_handler h, buffer_run<boost::asio::const_buffer> const& b) {
                write_some(b, std::move(h));
            },
            handler, buffer_run<boost::asio::const_buffer>(buffers));
    }

    /// The end of a WebSocket's connection (Beast's teardown): TLS says close_notify first.
    template <class Handler>
    auto async_teardown(boost::beast::role_type role, Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::system::error_code)>(
            [this](done_handler h, boost::beast::role_type r) { teardown(r, std::move(h)); },
            handler, role);
    }

private:
    void handshake(boost::beast::role_type role, boost::asio::const_buffer already_read,
                   io_handler handler);
    void read_some(buffer_run<boost::asio::mutable_buffer> const& buffers, io_handler handler);
    void write_some(buffer_run<boost::asio::const_buffer> const& buffers, io_handler handler);
    void teardown(boost::beast::role_type role, done_handler handler);

    struct state;
    std::unique_ptr<state> state_;
};

/// Beast's customisation point for closing a WebSocket over a flex_stream (found by ADL).
template <class Handler>
void async_teardown(boost::beast::role_type role, flex_stream& stream, Handler&& handler) {
    stream.async_teardown(role, std::forward<Handler>(handler));
}

} // namespace minuted::daemon
