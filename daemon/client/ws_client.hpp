#pragma once

#include "daemon/net/flex_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace minuted::daemon {

/// Where a ws:// or wss:// URL points.
struct ws_target {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target; ///< path and query
    std::string token;  ///< sent as `Authorization: Bearer` in the handshake, if not empty
    /// wss://: a PEM file of the CAs that may sign the server's certificate, instead of the
    /// system's store (a private CA).
    std::string ca_file;
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

/// A WebSocket over plain TCP or TLS.
using ws_stream = boost::beast::websocket::stream<flex_stream>;

/// Connects to `t`: TCP, then TLS for wss:// (the server's certificate verified against
/// `t.ca_file`, or the system's CA store if it is empty, and its name against `t.host`), then
/// the WebSocket handshake. Throws on any failure; an HTTP answer other than 101 is reported
/// with its status.
boost::asio::awaitable<ws_stream> connect_ws(ws_target const& t);

/// Connects to `t` (see `connect_ws`) and runs `session(ws)` on the open stream.
template <class Session>
boost::asio::awaitable<void> with_ws_connection(ws_target const& t, Session&& session) {
    auto ws = co_await connect_ws(t);
    co_await session(ws);
}

} // namespace minuted::daemon
