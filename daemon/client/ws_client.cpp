#include "daemon/client/ws_client.hpp"

#include "daemon/net/tls.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

net::awaitable<ws_stream> connect_ws(ws_target const& t) {
    auto ex = co_await net::this_coro::executor;
    net::ip::tcp::resolver resolver(ex);
    auto const endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);

    beast::tcp_stream connection(ex);
    connection.expires_after(std::chrono::seconds(10)); // connecting and the TLS handshake
    co_await connection.async_connect(endpoints, net::use_awaitable);
    auto stream = t.tls ? flex_stream(std::move(connection), load_client_tls(t.ca_file))
                        : flex_stream(std::move(connection));
    if (t.tls) {
        stream.set_server_name(t.host);
        co_await stream.async_handshake(beast::role_type::client, {}, net::use_awaitable);
    }
    stream.next_layer().expires_never();

    ws_stream ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    if (!t.token.empty())
        ws.set_option(
            websocket::stream_base::decorator([token = t.token](websocket::request_type& req) {
                req.set(beast::http::field::authorization, "Bearer " + token);
            }));
    websocket::response_type res;
    try {
        co_await ws.async_handshake(res, t.host + ":" + t.port, t.target, net::use_awaitable);
    } catch (boost::system::system_error const& e) {
        if (e.code() == websocket::error::upgrade_declined)
            throw std::runtime_error("answered HTTP " + std::to_string(res.result_int()) +
                                     " instead of a WebSocket");
        throw;
    }
    co_return ws;
}

} // namespace minuted::daemon
