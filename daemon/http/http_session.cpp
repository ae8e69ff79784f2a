#include "daemon/http/http_session.hpp"

#include "daemon/http/cors.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/net/connection_end.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

http_session::http_session(flex_stream&& stream, beast::flat_buffer&& already_read,
                           live_config const& config, metrics& counters, session_registry& sessions,
                           relay_hub& relay, std::shared_ptr<connection_set> connections,
                           address_counts::place place)
    : stream_(std::move(stream)), ex_(stream_.get_executor()), config_(config), metrics_(counters),
      sessions_(sessions), relay_(relay), tracked_(std::move(connections)),
      place_(std::move(place)), buffer_(std::move(already_read)) {}

void http_session::run() {
    peer_ = endpoint_text(stream_.next_layer());
    connection_peer_ = peer_;
    tracked_.track(weak_from_this());
    if (stream_.is_tls())
        return net::dispatch(
            ex_, beast::bind_front_handler(&http_session::do_handshake, shared_from_this()));
    net::dispatch(ex_, beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::stop() {
    net::post(ex_, [self = shared_from_this()] {
        if (self->waiting_ && !self->parser_->got_some() && self->buffer_.size() == 0)
            self->stream_.next_layer().cancel();
    });
}

void http_session::do_handshake() {
    stream_.next_layer().expires_after(config_.get()->handshake_timeout);
    stream_.async_handshake(
        beast::role_type::server, buffer_.data(),
        beast::bind_front_handler(&http_session::on_handshake, shared_from_this()));
}

void http_session::on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
        metrics_.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
        if (ec == beast::error::timeout)
            metrics_.hit(limit::handshake_timeout);
        spdlog::debug("https {}: TLS handshake failed: {}", peer_, ec.message());
        return close();
    }
    buffer_.consume(used);
    do_read();
}

void http_session::do_read() {
    if (tracked_.set().stopping())
        return close();
    settings_ = config_.get(); // each request by the config of its time
    parser_.emplace();
    parser_->body_limit(settings_->max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(settings_->max_header_bytes));
    // The first request has handshake_timeout to come; later ones wait as an idle
    // keep-alive connection may.
    stream_.next_layer().expires_after(requests_ == 0 ? settings_->handshake_timeout
                                                      : settings_->connection_idle_timeout);
    waiting_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    waiting_ = false;
    if (ec == beast::error::timeout) {
        auto const first = requests_ == 0;
        metrics_.hit(first ? limit::handshake_timeout : limit::idle_timeout);
        spdlog::debug("http {}: {}: closed", peer_,
                      first ? "no request within [limits] handshake_timeout"
                            : "idle for [limits] connection_idle_timeout");
        return close();
    }
    if (ec && is_normal_ending(ec))
        return close();
    ++requests_;
    api_request_ = false;
    cors_origin_.clear();
    if (parser_->is_header_done()) {
        auto const& header = parser_->get();
        api_request_ = protocol::is_api_target(header.target());
        if (api_request_)
            cors_origin_ = cors_origin(*settings_, header[http::field::origin]);
    }
    if (ec) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        auto status = http::status::bad_request;
        std::string why = ec.message();
        if (ec == http::error::body_limit) {
            metrics_.hit(limit::body);
            status = http::status::payload_too_large;
            why = "body larger than " + std::to_string(settings_->max_body_bytes) +
                  " bytes ([limits] max_body_bytes)";
        } else if (ec == http::error::header_limit) {
            metrics_.hit(limit::header);
            status = http::status::request_header_fields_too_large;
            why = "request line and headers larger than " +
                  std::to_string(settings_->max_header_bytes) +
                  " bytes ([limits] max_header_bytes)";
        }
        spdlog::info("http {}: bad request: {}", peer_, why);
        auto const target = parser_->is_header_done() ? parser_->get().target() : "";
        return write(error_response(status, why, target, http_1_1, after_answer::close));
    }
    metrics_.http_requests.fetch_add(1, std::memory_order_relaxed);
    auto req = parser_->release();
    find_client(req);
    if (auto const why = badly_framed(req)) {
        // The body's end is unknown, so what follows cannot be read as the next request
        // (RFC 9112 6.3): that would let a proxy in front and this daemon disagree.
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("http {}: bad request: {}", peer_, *why);
        return write(error_response(http::status::bad_request, *why, req.target(), http_1_1,
                                    after_answer::close));
    }
    if (auto const r = check_host(*settings_, req[http::field::host])) {
        metrics_.errors_auth.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("http {}: {} {} refused: {}", peer_, std::string(req.method_string()),
                     std::string(path_of(req.target())), r->why);
        return write(error_response(http::status::forbidden, r->why, req.target(), req.version(),
                                    after_answer::close));
    }
    if (websocket::is_upgrade(req))
        return upgrade(std::move(req));
    route(std::move(req));
}

// Who sent `req`: behind a trusted proxy, the client it names (see real_client), which is
// then the one authorised and logged.
void http_session::find_client(request const& req) {
    beast::error_code ec;
    auto const peer = stream_.next_layer().socket().remote_endpoint(ec).address();
    client_ = real_client(*settings_, peer, stream_.is_tls(), req[http::field::forwarded],
                          req["X-Forwarded-For"], req["X-Forwarded-Proto"]);
    peer_ = client_.via_proxy ? client_.address.to_string() + " via " + connection_peer_
                              : connection_peer_;
}

// Why the request's framing cannot be trusted, if it cannot: a Transfer-Encoding whose last
// coding is not chunked (the parser then reads no body, and the body would be taken as the
// next request), one sent with HTTP/1.0, or HTTP/1.1 without a Host.
std::optional<std::string> http_session::badly_framed(request const& req) const {
    if (auto const te = req.find(http::field::transfer_encoding); te != req.end()) {
        if (req.version() < 11)
            return "Transfer-Encoding is not HTTP/1.0";
        if (!parser_->chunked())
            return "Transfer-Encoding must end with chunked, not \"" +
                   std::string(te->value().substr(0, 64)) + "\"";
    }
    if (req.version() >= 11 && req.find(http::field::host) == req.end())
        return "an HTTP/1.1 request needs a Host header";
    return std::nullopt;
}

void http_session::write(response res) {
    metrics_.count_response(res.result_int());
    if (api_request_)
        add_cors_headers(res, cors_origin_);
    auto sp = std::make_shared<response>(std::move(res));
    bool const keep = sp->keep_alive();
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
                          if (ec || !keep || self->tracked_.set().stopping())
                              return self->close();
                          self->do_read();
                      });
}

http_session::response http_session::text_response(http::status status, std::string body,
                                                   unsigned version, after_answer then,
                                                   std::string_view type) {
    response res{status, version};
    res.set(http::field::server, "minuted");
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(then == after_answer::keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http_session::response http_session::text_response(http::status status, std::string body,
                                                   request const& req, std::string_view type) {
    return text_response(status, std::move(body), req.version(),
                         req.keep_alive() ? after_answer::keep_alive : after_answer::close, type);
}

void http_session::respond(request const& req, http::status status, std::string body,
                           std::string_view type) {
    write(text_response(status, std::move(body), req, type));
}

void http_session::respond_json(request const& req, http::status status,
                                boost::json::value const& v) {
    respond(req, status, boost::json::serialize(v) + "\n", "application/json");
}

http_session::response http_session::error_response(http::status status, std::string_view why,
                                                    std::string_view target, unsigned version,
                                                    after_answer then, boost::json::object fields) {
    if (!protocol::is_api_target(target))
        return text_response(status, std::string(why) + "\n", version, then);
    boost::json::object o{{"error", why}};
    for (auto& [key, value] : fields)
        o[key] = std::move(value);
    return text_response(status, boost::json::serialize(o) + "\n", version, then,
                         "application/json");
}

void http_session::respond_error(request const& req, http::status status, std::string_view why,
                                 boost::json::object fields) {
    write(error_response(status, why, req.target(), req.version(),
                         req.keep_alive() ? after_answer::keep_alive : after_answer::close,
                         std::move(fields)));
}

// What the request shows: see `credentials`.
credentials http_session::credentials_of(request const& req, protocol::route const& route) const {
    credentials c;
    c.token = bearer_token(req[http::field::authorization]);
    if (auto const token = route.param("token"); c.token.empty() && token)
        c.token = *token;
    if (c.token.empty())
        c.token = cookie_value(req[http::field::cookie], "minuted_token");
    c.origin = req[http::field::origin];
    c.own_origin =
        std::string(client_.https ? "https://" : "http://") + std::string(req[http::field::host]);
    c.websocket = websocket::is_upgrade(req);
    c.from_loopback = client_.address.is_loopback();
    return c;
}

// The refusal of a request that may not have what `route` needs, logged with the peer
// (never the token) and counted; nothing if it may.
std::optional<refusal> http_session::refused(request const& req, protocol::route const& route) {
    auto r = authorize(*settings_, route.needs, route.session, credentials_of(req, route));
    if (r) {
        metrics_.errors_auth.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("http {}: {} {} refused: {}", peer_, std::string(req.method_string()),
                     std::string(path_of(req.target())), r->why);
    }
    return r;
}

// Answers a refused HTTP request with 401 or 403 and says false; true if it may go on.
bool http_session::allowed(request const& req, protocol::route const& route) {
    auto const r = refused(req, route);
    if (!r)
        return true;
    auto res =
        error_response(static_cast<http::status>(r->status), r->why, req.target(), req.version(),
                       req.keep_alive() ? after_answer::keep_alive : after_answer::close);
    if (r->status == 401)
        res.set(http::field::www_authenticate, "Bearer realm=\"minuted\"");
    write(std::move(res));
    return false;
}

// A request routed to nothing (404), to something its method cannot do (405, with the
// methods it can), or with a target that names nothing (400), told why. A refused upgrade
// closes the connection.
void http_session::refuse(request const& req, protocol::route const& route) {
    auto status = http::status::not_found;
    if (route.to == protocol::endpoint::method_not_allowed) {
        status = http::status::method_not_allowed;
    } else if (route.to == protocol::endpoint::bad_request) {
        status = http::status::bad_request;
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("http {}: {} {}: {}", peer_, std::string(req.method_string()),
                     std::string(path_of(req.target())), route.reason);
    }
    auto const why = route.reason.empty() ? std::string_view("not found") : route.reason;
    auto const then = req.keep_alive() && !websocket::is_upgrade(req) ? after_answer::keep_alive
                                                                      : after_answer::close;
    auto res = error_response(status, why, req.target(), req.version(), then);
    if (!route.allow.empty())
        res.set(http::field::allow, route.allow);
    write(std::move(res));
}

void http_session::refuse_sessions(request const& req, std::string const& id) {
    metrics_.hit(limit::sessions);
    auto const why = "too many live sessions: the daemon takes " +
                     std::to_string(settings_->max_sessions) + " ([limits] max_sessions)";
    spdlog::warn("ingest {}: source {} refused: {}", id, peer_, why);
    auto res = error_response(http::status::service_unavailable, why, req.target(), req.version(),
                              after_answer::close);
    res.set(http::field::retry_after, "60");
    write(std::move(res));
}

// The session a caption source writing to `id` reaches (see session_registry::for_ingest),
// created if need be; null, with a 503 answered, if that would go beyond [limits]
// max_sessions.
std::shared_ptr<live_session>
http_session::live_or_refuse(request const& req, std::string const& id, std::string_view instance) {
    if (auto session = sessions_.for_ingest(id, instance, session_lookup::find_or_create))
        return session;
    refuse_sessions(req, id);
    return nullptr;
}

void http_session::close() {
    beast::error_code ec;
    stream_.next_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
}
} // namespace minuted::daemon
