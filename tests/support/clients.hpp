#pragma once

// The clients tests talk to the daemon with, over loopback: HTTP and HTTPS requests, the
// metrics they read, and a WebSocket client (Beast, synchronous), as a real publisher or
// viewer would connect.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

struct http_result {
    unsigned status = 0;
    std::string body;
    http::fields headers;
};

/// A request to 127.0.0.1:`port` on a connection of its own, `extra` added to its fields (a
/// body goes as text/plain). Throws on I/O errors, and if no answer came within 60 s.
http_result http_request(unsigned short port, http::verb verb, std::string const& target,
                         std::string body = {}, http::fields const& extra = {});

/// Writes `bytes` as they are to a new connection to 127.0.0.1:`port` and returns all it is
/// sent back until the daemon closes it: for requests a client library would not send.
std::string exchange_raw(unsigned short port, std::string const& bytes);

/// A request over TLS to 127.0.0.1:`port`, the daemon's certificate verified against the CAs in
/// `ca_file` (the system's if empty) and the name 127.0.0.1. Throws if the handshake fails.
http_result https_request(unsigned short port, std::string const& ca_file, http::verb verb,
                          std::string const& target);

inline http_result http_get(unsigned short port, std::string const& target) {
    return http_request(port, http::verb::get, target);
}

/// Waits until GET /api/sessions says the session ended; the name of its archive folder
/// ("" if it could not be archived). Throws after `timeout`.
std::string wait_archived(unsigned short port, std::string const& id,
                          std::chrono::seconds timeout = std::chrono::seconds(60));

/// The value of `name` in a GET /metrics exposition (a line `name value`), or nullopt if it has
/// none. `name` may carry labels (`minuted_limit_hits_total{limit="body"}`).
std::optional<double> find_metric(std::string_view exposition, std::string_view name);

/// The value of a counter or gauge in the daemon's GET /metrics; throws if it has none.
std::uint64_t metric(unsigned short port, std::string const& name);

/// The value of a metric once it is at least `at_least`, or after `timeout` whatever it is: what
/// the daemon counts as a connection ends, say, comes just after the client saw it end.
std::uint64_t metric_reaching(unsigned short port, std::string const& name, std::uint64_t at_least,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// A synchronous WebSocket client.
class ws_client {
public:
    /// Connects to 127.0.0.1:`port` and opens `target`; throws if the handshake fails. With
    /// `tls_ca_file`, over TLS (wss://), the daemon's certificate verified against those CAs.
    ws_client(unsigned short port, std::string const& target,
              std::optional<std::string> const& tls_ca_file = {});
    ~ws_client();
    ws_client(ws_client const&) = delete;
    ws_client& operator=(ws_client const&) = delete;

    void send(std::string const& text);
    void send_binary(std::string const& data);
    /// The next message, or nullopt when the connection closed (see `close_reason`).
    std::optional<std::string> receive();
    boost::json::object receive_json();
    websocket::close_reason const& close_reason() const;
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace minuted::testing
