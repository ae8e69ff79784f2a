#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace minuted {

/// Where a ws:// or wss:// URL points.
struct ws_target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target; ///< path and query
    std::string token;  ///< sent as `Authorization: Bearer` in the handshake, if not empty
};

/// Parses a ws:// or wss:// URL; throws std::invalid_argument naming what is wrong.
inline ws_target parse_ws_url(std::string_view url) {
    auto const u = boost::urls::parse_uri(url);
    if (!u)
        throw std::invalid_argument("not a URL: " + std::string(url));
    ws_target t;
    auto const scheme = u->scheme();
    if (scheme != "ws" && scheme != "wss")
        throw std::invalid_argument("URL must start with ws:// or wss://: " + std::string(url));
    t.tls = scheme == "wss";
    t.host = u->host_address();
    if (t.host.empty())
        throw std::invalid_argument("URL has no host: " + std::string(url));
    t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
    t.target = std::string(u->encoded_path());
    if (t.target.empty())
        t.target = "/";
    if (u->has_query())
        t.target += "?" + std::string(u->encoded_query());
    return t;
}

/// A failure in words for a log line: the error's message without Boost's source location.
inline std::string describe(std::exception const& e) {
    if (auto const* s = dynamic_cast<boost::system::system_error const*>(&e))
        return s->code().message();
    return e.what();
}

/// A completion handler for a background coroutine (co_spawn) that logs the exception that
/// ended it, if one did: none escapes into the io loop.
inline auto log_failure(std::string what) {
    return [what = std::move(what)](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            spdlog::error("{}: {}", what, describe(x));
        }
    };
}

/// Capped exponential backoff with jitter: each delay is drawn from [d/2, d], d doubling from
/// `initial` up to `max`, so many clients retrying at once spread out.
class backoff {
public:
    backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
        : initial_(initial), max_(max), current_(initial), rng_(std::random_device{}()) {}

    std::chrono::milliseconds next() {
        auto const d = current_;
        current_ = std::min(max_, current_ * 2);
        std::uniform_int_distribution<long long> jitter(d.count() / 2, d.count());
        return std::chrono::milliseconds(jitter(rng_));
    }
    void reset() { current_ = initial_; }

private:
    std::chrono::milliseconds initial_, max_, current_;
    std::mt19937_64 rng_;
};

/// Connects to `t` (TCP, TLS for wss:// verified against the system CA store, WebSocket
/// handshake) and runs `session(ws)` on the open stream. Throws on any failure; an HTTP
/// answer other than 101 is reported with its status.
template <class Session>
boost::asio::awaitable<void> with_ws_connection(ws_target const& t, Session&& session) {
    namespace net = boost::asio;
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    auto ex = co_await net::this_coro::executor;
    net::ip::tcp::resolver resolver(ex);
    auto const endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);
    auto const host_header = t.host + ":" + t.port;

    auto handshake = [&](auto& ws) -> net::awaitable<void> {
        websocket::response_type res;
        if (!t.token.empty())
            ws.set_option(websocket::stream_base::decorator([&t](websocket::request_type& req) {
                req.set(beast::http::field::authorization, "Bearer " + t.token);
            }));
        try {
            co_await ws.async_handshake(res, host_header, t.target, net::use_awaitable);
        } catch (boost::system::system_error const& e) {
            if (e.code() == websocket::error::upgrade_declined)
                throw std::runtime_error("answered HTTP " + std::to_string(res.result_int()) +
                                         " instead of a WebSocket");
            throw;
        }
    };
    if (!t.tls) {
        websocket::stream<beast::tcp_stream> ws(ex);
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, net::use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        co_await handshake(ws);
        co_await session(ws);
    } else {
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.set_default_verify_paths();
        ctx.set_verify_mode(net::ssl::verify_peer);
        websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ex, ctx);
        if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), t.host.c_str()))
            throw std::runtime_error("cannot set TLS server name " + t.host);
        ws.next_layer().set_verify_callback(net::ssl::host_name_verification(t.host));
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
        co_await beast::get_lowest_layer(ws).async_connect(endpoints, net::use_awaitable);
        co_await ws.next_layer().async_handshake(net::ssl::stream_base::client, net::use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        co_await handshake(ws);
        co_await session(ws);
    }
}

} // namespace minuted
