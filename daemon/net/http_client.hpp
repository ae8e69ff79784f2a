#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::daemon {

class flex_stream;

/// Where an http:// or https:// URL points: the scheme's TLS, host, port (80 or 443 unless
/// given), the path ("/" if empty) and the target (the path and the query, if any).
struct http_endpoint {
    bool tls = false;
    std::string host, port, path, target;
};

/// Throws std::invalid_argument if `url` is not an http:// or https:// URL with a host.
http_endpoint parse_http_url(std::string const& url);

/// The wait a `Retry-After` value asks for at `now`: delay-seconds ("120") or an HTTP date
/// ("Wed, 21 Oct 2026 07:28:00 GMT"), at most an hour; nullopt if it is neither. Pure.
std::optional<std::chrono::milliseconds>
retry_after_wait(std::string_view value, std::chrono::system_clock::time_point now);

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

/// One keep-alive HTTP(S) client connection to `endpoint`, opened when a request needs it and
/// dropped after any failure, so the next request starts clean. https:// verifies the peer
/// against the CAs in `ca_file` (the system's store if empty) and the endpoint's host name.
/// Each request, connecting and the TLS handshake included, must be done within `timeout`.
/// Used from one coroutine at a time; I/O errors throw boost::system::system_error.
class http_connection {
public:
    http_connection(http_endpoint endpoint, std::string ca_file,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~http_connection();
    http_connection(http_connection&&) noexcept;

    /// GET `target` (Accept: application/json). A reused connection that the peer closed while
    /// idle is retried once on a fresh one. An answer's body over `body_limit` throws
    /// http::error::body_limit.
    boost::asio::awaitable<http_response> get(std::string const& target, std::size_t body_limit);
    /// Sends `req` as it is (Host and User-Agent added) and reads the answer; never retried
    /// here, so a request that is not idempotent is sent at most once.
    boost::asio::awaitable<http_response>
    send(boost::beast::http::request<boost::beast::http::string_body> req, std::size_t body_limit);
    void close();

    http_endpoint const& endpoint() const noexcept { return endpoint_; }

private:
    boost::asio::awaitable<http_response>
    exchange(boost::beast::http::request<boost::beast::http::string_body> const& req,
             std::size_t body_limit);
    boost::asio::awaitable<void> connect();

    http_endpoint endpoint_;
    std::string ca_file_;
    std::chrono::milliseconds timeout_;
    std::unique_ptr<flex_stream> stream_;
    boost::beast::flat_buffer buffer_;
};

} // namespace minuted::daemon
