#include "tests/support/clients.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <thread>
#include <variant>

namespace minuted::testing {

namespace ssl = net::ssl;

namespace {

tcp::endpoint loopback(unsigned short port) {
    return {net::ip::make_address("127.0.0.1"), port};
}

ssl::context client_context(std::string const& ca_file) {
    ssl::context ctx(ssl::context::tls_client);
    if (ca_file.empty())
        ctx.set_default_verify_paths();
    else
        ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
}

// TLS over a connected socket to 127.0.0.1, the certificate checked for that name.
template <class Stream>
void tls_handshake(Stream& stream) {
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.handshake(ssl::stream_base::client);
}

template <class Stream>
http_result exchange(Stream& stream, http::request<http::string_body>& req) {
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return {res.result_int(), res.body(), static_cast<http::fields const&>(res.base())};
}

} // namespace

std::string exchange_raw(unsigned short port, std::string const& bytes) {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(loopback(port));
    net::write(s, net::buffer(bytes));
    std::string got;
    beast::error_code ec;
    char buf[4096];
    for (;;) {
        auto const n = s.read_some(net::buffer(buf), ec);
        if (ec)
            break;
        got.append(buf, n);
    }
    return got;
}

http_result http_request(unsigned short port, http::verb verb, std::string const& target,
                         std::string body, http::fields const& extra) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(loopback(port));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "text/plain");
    for (auto const& f : extra)
        req.set(f.name_string(), f.value());
    req.body() = std::move(body);
    req.prepare_payload();
    auto result = exchange(stream, req);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return result;
}

http_result https_request(unsigned short port, std::string const& ca_file, http::verb verb,
                          std::string const& target) {
    net::io_context ioc;
    auto ctx = client_context(ca_file);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
    beast::get_lowest_layer(stream).connect(loopback(port));
    tls_handshake(stream);
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    auto result = exchange(stream, req);
    beast::error_code ec;
    stream.shutdown(ec);
    return result;
}

struct ws_client::impl {
    using plain = websocket::stream<tcp::socket>;
    using tls = websocket::stream<beast::ssl_stream<tcp::socket>>;

    explicit impl(std::optional<std::string> const& ca_file)
        : ctx(client_context(ca_file.value_or(""))),
          ws(ca_file ? std::variant<plain, tls>(std::in_place_type<tls>, ioc, ctx)
                     : std::variant<plain, tls>(std::in_place_type<plain>, ioc)) {}

    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), ws);
    }

    net::io_context ioc;
    ssl::context ctx;
    std::variant<plain, tls> ws;
};

ws_client::ws_client(unsigned short port, std::string const& target,
                     std::optional<std::string> const& tls_ca_file)
    : impl_(std::make_unique<impl>(tls_ca_file)) {
    impl_->visit([&](auto& ws) {
        beast::get_lowest_layer(ws).connect(loopback(port));
        if constexpr (std::is_same_v<std::decay_t<decltype(ws)>, impl::tls>)
            tls_handshake(ws.next_layer());
        ws.handshake("127.0.0.1:" + std::to_string(port), target);
        ws.text(true);
    });
}

ws_client::~ws_client() = default;

void ws_client::send(std::string const& text) {
    impl_->visit([&](auto& ws) { ws.write(net::buffer(text)); });
}

void ws_client::send_binary(std::string const& data) {
    impl_->visit([&](auto& ws) {
        ws.binary(true);
        ws.write(net::buffer(data));
        ws.text(true);
    });
}

std::optional<std::string> ws_client::receive() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    impl_->visit([&](auto& ws) { ws.read(buffer, ec); });
    if (ec)
        return std::nullopt;
    return beast::buffers_to_string(buffer.data());
}

boost::json::object ws_client::receive_json() {
    auto m = receive();
    if (!m) {
        auto const& r = close_reason();
        throw std::runtime_error("connection closed: " + std::to_string(r.code) + " " +
                                 std::string(r.reason.data(), r.reason.size()));
    }
    return boost::json::parse(*m).as_object();
}

websocket::close_reason const& ws_client::close_reason() const {
    return std::visit([](auto const& ws) -> websocket::close_reason const& { return ws.reason(); },
                      impl_->ws);
}

void ws_client::close() {
    beast::error_code ec;
    impl_->visit([&](auto& ws) { ws.close(websocket::close_code::normal, ec); });
}

std::string wait_archived(unsigned short port, std::string const& id,
                          std::chrono::seconds timeout) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto const list =
            boost::json::parse(http_get(port, "/api/sessions").body).at("sessions").as_array();
        for (auto const& s : list)
            if (s.at("id").as_string() == id && !s.at("live").as_bool()) {
                auto const* archive = s.as_object().if_contains("archive");
                return archive ? std::string(archive->as_string()) : std::string();
            }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("session " + id + " did not end");
}

std::optional<double> find_metric(std::string_view exposition, std::string_view name) {
    while (!exposition.empty()) {
        auto const end = exposition.find('\n');
        auto const line = exposition.substr(0, end);
        if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ') {
            double value = 0;
            auto const* begin = line.data() + name.size() + 1;
            auto const [ptr, ec] = std::from_chars(begin, line.data() + line.size(), value);
            if (ec == std::errc{} && ptr != begin)
                return value;
        }
        if (end == std::string_view::npos)
            break;
        exposition.remove_prefix(end + 1);
    }
    return std::nullopt;
}

std::uint64_t metric(unsigned short port, std::string const& name) {
    auto const value = find_metric(http_get(port, "/metrics").body, name);
    if (!value)
        throw std::runtime_error("no metric " + name);
    return static_cast<std::uint64_t>(*value);
}

std::uint64_t metric_reaching(unsigned short port, std::string const& name, std::uint64_t at_least,
                              std::chrono::milliseconds timeout) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto const value = metric(port, name);
        if (value >= at_least || std::chrono::steady_clock::now() >= deadline)
            return value;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

} // namespace minuted::testing
