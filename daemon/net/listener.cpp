#include "daemon/net/listener.hpp"

#include "daemon/fanout/relay.hpp"
#include "daemon/http/http_session.hpp"
#include "daemon/net/connection_set.hpp"
#include "daemon/net/flex_stream.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <mutex>
#include <optional>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// Whether the peer is on this machine: it may publish without a token, and use plain HTTP
// when the port speaks TLS.
bool from_loopback(beast::tcp_stream const& s) {
    boost::system::error_code ec;
    auto const ep = s.socket().remote_endpoint(ec);
    return !ec && ep.address().is_loopback();
}

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

} // namespace

class listener::impl : public std::enable_shared_from_this<listener::impl> {
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

    void stop(std::function<void()> closed) {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
        });
        connections_->stop_all(std::move(closed));
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
        if (!tls) {
            metrics_.count_response(503);
            refuse_connection(std::move(socket), settings->max_address_connections);
        }
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
                self->metrics_.count_response(400);
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

listener::listener(net::io_context& ioc, live_config const& config, metrics& counters,
                   session_registry& sessions)
    : impl_(std::make_shared<impl>(ioc, config, counters, sessions)) {}

listener::~listener() = default;

tcp::endpoint listener::start() {
    return impl_->start();
}

void listener::stop(std::function<void()> closed) {
    impl_->stop(std::move(closed));
}

std::size_t listener::open_connections() const {
    return impl_->open_connections();
}

void listener::set_tls(std::shared_ptr<net::ssl::context> tls) {
    impl_->set_tls(std::move(tls));
}

} // namespace minuted::daemon
