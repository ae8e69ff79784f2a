#include "daemon/net/flex_stream.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <variant>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;

// Both transports live behind one pointer, so the stream moves (from an HTTP connection to a
// WebSocket) without moving what a TLS session refers to.
struct flex_stream::state {
    std::variant<beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>> stream;
    std::shared_ptr<net::ssl::context> tls_context; // the one the TLS session was made from

    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), stream);
    }
};

namespace {

// Beast 1.81's operations post to their handler's executor with blocking.never, which the
// executor of an any_completion_handler (Boost 1.81) does not offer. Bound here to the
// connection's executor, the one its operations run on anyway (its strand).
template <class Handler>
auto on_connection(flex_stream& stream, Handler&& handler) {
    return net::bind_executor(stream.get_executor(), std::forward<Handler>(handler));
}

// The end of a plain WebSocket connection, as a server: no more to send, then what the peer
// still sends is read and dropped until it closes too, so the close frame just sent reaches it.
// Beast 1.81's own teardown stops reading after its first wait (it takes the wait's zero bytes
// for a read of none) and closes a socket with bytes unread, which makes the kernel reset the
// connection: a source in the middle of a 10 MB frame saw 1006 instead of the 1009 and reason
// it was sent. Bounded: at most `max_bytes`, and 10 s.
class lingering_close : public std::enable_shared_from_this<lingering_close> {
public:
    static constexpr std::size_t max_bytes = 64u << 20;

    lingering_close(beast::tcp_stream& s, flex_stream::done_handler h)
        : s_(s), handler_(std::move(h)) {}

    void start() {
        beast::error_code ec;
        s_.socket().shutdown(net::socket_base::shutdown_send, ec);
        s_.expires_after(std::chrono::seconds(10));
        read();
    }

private:
    void read() {
        s_.async_read_some(net::buffer(buffer_),
                           [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                               self->read_ += n;
                               if (!ec && self->read_ < max_bytes)
                                   return self->read();
                               self->finish();
                           });
    }

    void finish() {
        beast::error_code ec;
        s_.socket().close(ec);
        std::move(handler_)(beast::error_code{});
    }

    beast::tcp_stream& s_;
    flex_stream::done_handler handler_;
    std::array<char, 16384> buffer_;
    std::size_t read_ = 0;
};

} // namespace

flex_stream::flex_stream(beast::tcp_stream&& connection)
    : state_(new state{decltype(state::stream)(std::in_place_index<0>, std::move(connection)),
                       nullptr}) {}

flex_stream::flex_stream(beast::tcp_stream&& connection, std::shared_ptr<net::ssl::context> ctx)
    : state_(new state{decltype(state::stream)(std::in_place_index<1>, std::move(connection), *ctx),
                       std::move(ctx)}) {}

flex_stream::flex_stream(flex_stream&&) noexcept = default;
flex_stream& flex_stream::operator=(flex_stream&&) noexcept = default;
flex_stream::~flex_stream() = default;

flex_stream::executor_type flex_stream::get_executor() noexcept {
    return next_layer().get_executor();
}

bool flex_stream::is_tls() const noexcept {
    return state_->stream.index() == 1;
}

beast::tcp_stream& flex_stream::next_layer() noexcept {
    return state_->visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); });
}

beast::tcp_stream const& flex_stream::next_layer() const noexcept {
    return const_cast<flex_stream*>(this)->next_layer();
}

void flex_stream::set_server_name(std::string const& host) {
    auto* tls = std::get_if<1>(&state_->stream);
    if (!tls)
        return;
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str()))
        throw std::runtime_error("cannot set TLS server name " + host);
    tls->set_verify_callback(net::ssl::host_name_verification(host));
}

void flex_stream::handshake(beast::role_type role, net::const_buffer already_read,
                            io_handler handler) {
    auto* tls = std::get_if<1>(&state_->stream);
    if (!tls) // nothing to agree on: plain TCP
        return net::post(get_executor(), [h = std::move(handler)]() mutable {
            std::move(h)(boost::system::error_code{}, std::size_t{0});
        });
    if (role == beast::role_type::client)
        return tls->async_handshake(
            net::ssl::stream_base::client,
            on_connection(*this, net::append(std::move(handler), std::size_t{0})));
    // Beast 1.81 requires a buffered handshake's handler to take (error_code) alone, while it
    // calls it with (error_code, bytes used): this one takes both.
    tls->async_handshake(
        net::ssl::stream_base::server, already_read,
        on_connection(*this, [h = std::move(handler)](boost::system::error_code ec,
                                                      std::size_t used = 0) mutable {
            std::move(h)(ec, used);
        }));
}

void flex_stream::read_some(buffer_run<net::mutable_buffer> const& buffers, io_handler handler) {
    state_->visit(
        [&](auto& s) { s.async_read_some(buffers, on_connection(*this, std::move(handler))); });
}

void flex_stream::write_some(buffer_run<net::const_buffer> const& buffers, io_handler handler) {
    state_->visit(
        [&](auto& s) { s.async_write_some(buffers, on_connection(*this, std::move(handler))); });
}

void flex_stream::teardown(beast::role_type role, done_handler handler) {
    if (auto* plain = std::get_if<beast::tcp_stream>(&state_->stream);
        plain && role == beast::role_type::server)
        return std::make_shared<lingering_close>(*plain, std::move(handler))->start();
    state_->visit([&](auto& s) {
        using beast::websocket::async_teardown;
        async_teardown(role, s, on_connection(*this, std::move(handler)));
    });
}

} // namespace minuted::daemon
