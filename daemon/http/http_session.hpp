#pragma once

#include "daemon/http/auth.hpp"
#include "daemon/live/live_config.hpp"
#include "daemon/live/live_session.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/address_counts.hpp"
#include "daemon/net/connection_set.hpp"
#include "daemon/net/flex_stream.hpp"
#include "protocol/route.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace minuted::daemon {

class relay_hub;
class session_registry;

/// The path of a request target, for the log: as sent, up to the query, which may hold a token.
inline std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

/// One HTTP connection, keep-alive: reads requests and answers them, or hands the connection
/// to a WebSocket (a viewer, a caption source, a relay subscriber) when a request upgrades.
///
/// The connection (reading, framing, who sent a request, writing answers) is in
/// http_session.cpp; routing a request or an upgrade to what serves it in http_routes.cpp; the
/// handlers of /api, /ingest and /pub in http_handlers.cpp.
class http_session : public connection_set::member,
                     public std::enable_shared_from_this<http_session> {
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;

    /// `already_read`: what was read from the connection to see whether it speaks TLS.
    /// `place`: the connection's, held by its client while it lives.
    http_session(flex_stream&& stream, boost::beast::flat_buffer&& already_read,
                 live_config const& config, metrics& counters, session_registry& sessions,
                 relay_hub& relay, std::shared_ptr<connection_set> connections,
                 address_counts::place place);

    void run();

    /// The daemon is stopping: a connection waiting for a request is closed; one receiving or
    /// answering a request finishes it first (within [server] shutdown_grace).
    void stop() override;

private:
    // The connection (http_session.cpp).
    void do_handshake();
    void on_handshake(boost::beast::error_code ec, std::size_t used);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t);
    void find_client(request const& req);
    std::optional<std::string> badly_framed(request const& req) const;
    void write(response res);
    /// Whether the connection takes another request after an answer.
    enum class after_answer { keep_alive, close };
    /// The version of an answer to a request that could not be read.
    static constexpr unsigned http_1_1 = 11;
    static response text_response(boost::beast::http::status status, std::string body,
                                  unsigned version, after_answer then,
                                  std::string_view type = "text/plain; charset=utf-8");
    /// The answer to `req`: in its version, and keeping the connection if it asks to.
    static response text_response(boost::beast::http::status status, std::string body,
                                  request const& req,
                                  std::string_view type = "text/plain; charset=utf-8");
    void respond(request const& req, boost::beast::http::status status, std::string body,
                 std::string_view type = "text/plain; charset=utf-8");
    void respond_json(request const& req, boost::beast::http::status status,
                      boost::json::value const& v);
    /// An error answer (PROTOCOL.md, "Errors"): to a request for `target` under /api, the JSON
    /// object {"error": why} with `fields` after it; to others, the reason as text.
    static response error_response(boost::beast::http::status status, std::string_view why,
                                   std::string_view target, unsigned version, after_answer then,
                                   boost::json::object fields = {});
    /// Answers `req` with error_response, keeping the connection if it asks to.
    void respond_error(request const& req, boost::beast::http::status status, std::string_view why,
                       boost::json::object fields = {});
    credentials credentials_of(request const& req, protocol::route const& route) const;
    std::optional<refusal> refused(request const& req, protocol::route const& route);
    bool allowed(request const& req, protocol::route const& route);
    void refuse(request const& req, protocol::route const& route);
    void refuse_sessions(request const& req, std::string const& id);
    std::shared_ptr<live_session> live_or_refuse(request const& req, std::string const& id,
                                                 std::string_view instance);
    void close();

    // Routing (http_routes.cpp).
    void route(request req);
    void upgrade(request req);
    /// A limit reached, and why, as a viewer is told it.
    using viewer_refusal = std::pair<limit, std::string>;
    std::variant<address_counts::place, viewer_refusal> admit_viewer(live_session const* session);
    void refuse_viewer(request req, std::string const& who, viewer_refusal const& no);
    void close_upgraded(request req, std::uint16_t code, std::string why);

    // The handlers (http_handlers.cpp).
    void respond_asset(request const& req, protocol::route const& route, std::string_view name);
    void respond_sessions(request const& req);
    void respond_session(request req, protocol::route const& route);
    void handle_end(request req, std::string const& id);
    void handle_agenda(request req, std::string const& id);
    void handle_roster(request req, std::string const& id);
    void handle_minutes_edit(request req, protocol::route const& route);
    void respond_minutes_editor(request const& req, protocol::route const& route);
    void handle_archive_minutes_edit(request req, protocol::route const& route);
    /// Where the outcome of an edit of archived minutes goes: the answer to `req`.
    std::function<void(summariser::edit_result const&, std::string const&)>
    edit_answer(request req);
    void respond_archive_file(request const& req, std::string const& archive,
                              std::string const& file);
    void handle_archive(request req, protocol::route const& route);
    // The report as a document to download (document_handlers.cpp).
    void respond_download(request const& req, std::string body, std::string_view type,
                          std::string_view title, std::string_view extension);
    void respond_document(std::shared_ptr<live_session> session, request req, bool is_odt);
    void respond_archived_document(request const& req, std::string const& archive, std::string body,
                                   std::string_view type, std::string_view extension);
    void handle_ingest_seq(request req, std::string const& id);
    void handle_ingest(request req, protocol::route const& route);
    void answer_ingest(request const& req, ingest_answer const& a);
    void handle_publish(request const& req, std::string const& channel);
    // CORS and the API's description (cors.cpp).
    void respond_preflight(request const& req);
    void respond_contract(request const& req, std::string const& name);
    template <class Produce>
    void respond_from(std::shared_ptr<live_session> session, request req, std::string_view type,
                      Produce produce);
    template <class Body>
    void respond_when_journaled(std::shared_ptr<live_session> const& session, request req,
                                std::string what, Body body);
    template <class Given, class Refusal, class Give>
    void handle_given(request req, std::string const& id, std::variant<Given, Refusal> parsed,
                      char const* what, char const* a_what, char const* count, Give give);

    flex_stream stream_; // moved to a WebSocket by an upgrade: then ex_ still posts here
    boost::asio::any_io_executor ex_;
    live_config const& config_;
    live_config::settings_ptr settings_;
    metrics& metrics_;
    session_registry& sessions_;
    relay_hub& relay_;
    tracked tracked_;
    address_counts::place place_; // the connection's, held by its client; an upgrade takes it
    std::uint64_t requests_ = 0;  // read on this connection
    std::string connection_peer_; // the TCP peer's address and port
    client_address client_;       // of the request being handled
    bool waiting_ = false;        // for a request
    std::string peer_;
    bool api_request_ = false; // the request being answered is under /api
    std::string cors_origin_;  // its Origin, if one of [auth] origins (see cors.hpp)
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

// Answers `req` once all the session has journaled is on disk, like an ack: with what
// `body` gives then (on the session's strand), or 503 saying that `what` waits for the disk.
template <class Body>
void http_session::respond_when_journaled(std::shared_ptr<live_session> const& session, request req,
                                          std::string what, Body body) {
    session->when_journaled([self = shared_from_this(), session, req = std::move(req),
                             what = std::move(what), body = std::move(body)](bool durable) {
        auto const failure = session->journal().failure();
        auto answer = durable ? body() : boost::json::object{};
        boost::asio::post(
            self->ex_, [self, req, durable, failure, what, answer = std::move(answer)] {
                if (!durable)
                    return self->respond_error(req, boost::beast::http::status::service_unavailable,
                                               "the " + what + " cannot be journaled: " + failure +
                                                   "; it is retried");
                self->respond_json(req, boost::beast::http::status::ok, answer);
            });
    });
}

} // namespace minuted::daemon
