#include "daemon/net/http_client.hpp"

#include "daemon/net/flex_stream.hpp"
#include "daemon/net/tls.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

http_endpoint parse_http_url(std::string const& url) {
    auto const u = boost::urls::parse_uri(url);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host_address().empty())
        throw std::invalid_argument("not an http:// or https:// URL: " + url);
    http_endpoint e;
    e.tls = u->scheme() == "https";
    e.host = u->host_address();
    e.port = u->has_port() ? std::string(u->port()) : (e.tls ? "443" : "80");
    e.path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
    e.target = e.path + (u->has_query() ? "?" + std::string(u->encoded_query()) : std::string());
    return e;
}

std::optional<std::chrono::milliseconds>
retry_after_wait(std::string_view value, std::chrono::system_clock::time_point now) {
    constexpr auto most = std::chrono::hours(1);
    std::uint64_t seconds = 0;
    auto const [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc{} && end == value.data() + value.size() && !value.empty())
        return std::chrono::milliseconds(std::min<std::uint64_t>(seconds, 3600) * 1000);
    // An HTTP date (RFC 9110's IMF-fixdate), always in GMT.
    std::tm tm{};
    std::string const text(value);
    auto const* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!rest || *rest != '\0')
        return std::nullopt;
    auto const at = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto const wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    return std::clamp<std::chrono::milliseconds>(wait, std::chrono::milliseconds{}, most);
}

http_connection::http_connection(http_endpoint endpoint, std::string ca_file,
                                 std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), ca_file_(std::move(ca_file)), timeout_(timeout) {}

http_connection::~http_connection() = default;
http_connection::http_connection(http_connection&&) noexcept = default;

net::awaitable<http_response> http_connection::get(std::string const& target,
                                                   std::size_t body_limit) {
    http::request<http::string_body> req(http::verb::get, target, 11);
    req.set(http::field::accept, "application/json");
    // A reused connection the service closed while idle fails at once: one fresh try.
    bool const reused = stream_ != nullptr;
    try {
        co_return co_await exchange(req, body_limit);
    } catch (boost::system::system_error const& e) {
        close();
        if (!reused || e.code() == http::error::body_limit || e.code() == beast::error::timeout ||
            e.code() == net::error::operation_aborted)
            throw;
    }
    co_return co_await exchange(req, body_limit);
}

net::awaitable<http_response> http_connection::send(http::request<http::string_body> req,
                                                    std::size_t body_limit) {
    try {
        co_return co_await exchange(req, body_limit);
    } catch (boost::system::system_error const&) {
        close();
        throw;
    }
}

void http_connection::close() {
    stream_.reset();
    buffer_.clear();
}

net::awaitable<http_response>
http_connection::exchange(http::request<http::string_body> const& request, std::size_t body_limit) {
    if (!stream_)
        co_await connect();
    auto& s = *stream_;
    s.next_layer().expires_after(timeout_);
    auto req = request;
    req.set(http::field::host, endpoint_.host);
    req.set(http::field::user_agent, "minuted");
    req.prepare_payload();
    co_await http::async_write(s, req, net::use_awaitable);
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    co_await http::async_read(s, buffer_, parser, net::use_awaitable);
    s.next_layer().expires_never();
    auto res = parser.release();
    if (!res.keep_alive())
        close();
    co_return res;
}

net::awaitable<void> http_connection::connect() {
    auto ex = co_await net::this_coro::executor;
    net::ip::tcp::resolver resolver(ex);
    auto const endpoints =
        co_await resolver.async_resolve(endpoint_.host, endpoint_.port, net::use_awaitable);
    beast::tcp_stream connection(ex);
    connection.expires_after(timeout_); // connecting and the TLS handshake
    co_await connection.async_connect(endpoints, net::use_awaitable);
    auto stream = endpoint_.tls ? flex_stream(std::move(connection), load_client_tls(ca_file_))
                                : flex_stream(std::move(connection));
    if (endpoint_.tls) {
        stream.set_server_name(endpoint_.host);
        co_await stream.async_handshake(beast::role_type::client, {}, net::use_awaitable);
    }
    stream_ = std::make_unique<flex_stream>(std::move(stream));
}

} // namespace minuted::daemon
