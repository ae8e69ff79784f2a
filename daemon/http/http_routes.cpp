#include "daemon/fanout/live_subscriber.hpp"
#include "daemon/fanout/relay.hpp"
#include "daemon/http/http_session.hpp"
#include "daemon/ingest/ingest_socket.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/net/websocket_close.hpp"
#include "daemon/readiness.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// For /metrics: the age of the oldest last answered poll of the live sessions' polled feeds.
std::chrono::milliseconds largest_feed_lag(session_registry const& sessions) {
    auto const now = std::chrono::steady_clock::now();
    std::chrono::milliseconds largest{};
    for (auto const& s : sessions.all())
        if (auto const answered = s->info().feed.last_answered)
            largest = std::max(
                largest, std::chrono::duration_cast<std::chrono::milliseconds>(now - *answered));
    return largest;
}

} // namespace

// Routed once: what the request may see and what it gets both come from that one reading
// of its target (protocol/route.hpp).
void http_session::route(request req) {
    using protocol::endpoint;
    auto const route =
        protocol::route_request(req.method_string(), req.target(), websocket::is_upgrade(req));
    // A refusal under /api/ is not answered before the token either: a 404 there would say
    // which sessions and archives exist.
    if (!allowed(req, route))
        return;
    switch (route.to) {
    case endpoint::not_found:
    case endpoint::method_not_allowed:
    case endpoint::bad_request:
    case endpoint::live_socket: // routed only for an upgrade
    case endpoint::ingest_socket:
    case endpoint::relay_socket:
        return refuse(req, route);
    case endpoint::healthz:
        return respond(req, http::status::ok, "ok\n");
    case endpoint::metrics:
        return respond(req, http::status::ok,
                       metrics_.render(sessions_.live_count(), sessions_.ended_count(),
                                       largest_feed_lag(sessions_)) +
                           render_readiness(check_readiness(sessions_)),
                       "text/plain; version=0.0.4");
    case endpoint::readyz: {
        auto const r = check_readiness(sessions_);
        bool const detailed =
            !authorize(*settings_, protocol::access::view, {}, credentials_of(req, route));
        return respond_json(req, r.ready() ? http::status::ok : http::status::service_unavailable,
                            readiness_json(r, detailed));
    }
    case endpoint::index_page:
        return respond_asset(req, route, "index.html");
    case endpoint::archive_page:
        return respond_asset(req, route, "archive.html");
    case endpoint::archived_page: // the viewer, reading the archive
    case endpoint::session_page:  // for sessions not started yet too: the page waits
        return respond_asset(req, route, "session.html");
    case endpoint::static_asset:
        return respond_asset(req, route, route.name);
    case endpoint::sessions_list:
        return respond_sessions(req);
    case endpoint::archive_search:
        return handle_archive(req, route);
    case endpoint::archive_file:
        return respond_archive_file(req, route.archive, route.name);
    case endpoint::end_session:
        return handle_end(std::move(req), route.session);
    case endpoint::session_agenda:
        return handle_agenda(std::move(req), route.session);
    case endpoint::session_roster:
        return handle_roster(std::move(req), route.session);
    case endpoint::minutes_edit:
        return handle_minutes_edit(std::move(req), route);
    case endpoint::minutes_editor:
    case endpoint::archive_minutes_editor:
        return respond_minutes_editor(req, route);
    case endpoint::archive_minutes_edit:
        return handle_archive_minutes_edit(std::move(req), route);
    case endpoint::ingest_post:
        return handle_ingest(std::move(req), route);
    case endpoint::ingest_seq:
        return handle_ingest_seq(std::move(req), route.session);
    case endpoint::relay_publish:
        return handle_publish(req, route.session);
    case endpoint::session_state:
    case endpoint::session_report_md:
    case endpoint::session_report_json:
    case endpoint::session_transcript:
    case endpoint::session_report_html:
    case endpoint::session_report_odt:
        return respond_session(std::move(req), route);
    case endpoint::api_preflight:
        return respond_preflight(req);
    case endpoint::api_contract:
        return respond_contract(req, route.name);
    }
    respond_error(req, http::status::not_found, "not found");
}

// A WebSocket handshake, routed by the same reading of its target as its authorisation.
void http_session::upgrade(request req) {
    auto const r =
        protocol::route_request(req.method_string(), req.target(), websocket::is_upgrade(req));
    bool const ingest = r.to == protocol::endpoint::ingest_socket;
    bool const relay = r.to == protocol::endpoint::relay_socket;
    if (!ingest && !relay && r.to != protocol::endpoint::live_socket)
        return refuse(req, r);
    auto const& id = r.session;
    if (ingest && !allowed(req, r))
        return; // a caption source reads an HTTP status; a browser would not
    if (!ingest) {
        if (auto const no = refused(req, r))
            return close_upgraded(
                std::move(req), no->status == 401 ? close_unauthorized : close_forbidden, no->why);
    }
    stream_.next_layer().expires_never();
    if (ingest) {
        // The session is made by the first message (the socket's): a source that would
        // find no room for it is told now, as a status it can read.
        if (!sessions_.for_ingest(id, {}, session_lookup::find) &&
            sessions_.live_count() >= settings_->max_sessions)
            return refuse_sessions(req, id);
        return run_ingest_socket(std::move(stream_), id, sessions_, settings_, metrics_,
                                 tracked_.shared_set(), std::move(place_), std::move(req));
    }
    if (relay) {
        auto viewer = admit_viewer(nullptr);
        if (auto const* no = std::get_if<viewer_refusal>(&viewer))
            return refuse_viewer(std::move(req), "relay " + id + ": subscriber", *no);
        return run_relay_subscriber(
            std::move(stream_), id, relay_, *settings_, metrics_, tracked_.shared_set(),
            client_places{std::move(place_), std::get<address_counts::place>(std::move(viewer))},
            req);
    }
    std::optional<revision> since;
    if (auto const s = r.param("since")) {
        revision v = 0;
        if (auto const [p, e] = std::from_chars(s->data(), s->data() + s->size(), v);
            e == std::errc{} && p == s->data() + s->size())
            since = v;
    }
    auto session = sessions_.find(id);
    // A rev of another instance of the session (before a restart) means nothing here.
    if (auto const epoch = r.param("epoch");
        session && since && epoch && !session->can_resume(*epoch, *since))
        since.reset();
    if (!session)
        return close_upgraded(std::move(req), close_unknown_session, "unknown session " + id);
    auto viewer = admit_viewer(session.get());
    if (auto const* no = std::get_if<viewer_refusal>(&viewer))
        return refuse_viewer(std::move(req), "live " + id + ": viewer", *no);
    run_live_subscriber(
        std::move(stream_), std::move(session), since, settings_, metrics_, tracked_.shared_set(),
        client_places{std::move(place_), std::get<address_counts::place>(std::move(viewer))}, req);
}

// One more viewer (of `session`, if a live one) for the request's client: the place it
// holds, or the limit it would go beyond.
std::variant<address_counts::place, http_session::viewer_refusal>
http_session::admit_viewer(live_session const* session) {
    if (auto const n = metrics_.subscribers.load(std::memory_order_relaxed);
        n >= 0 && static_cast<std::size_t>(n) >= settings_->max_subscribers)
        return viewer_refusal(limit::subscribers, "too many viewers: the daemon takes " +
                                                      std::to_string(settings_->max_subscribers) +
                                                      " ([limits] max_subscribers)");
    if (session && session->viewers() >= settings_->max_session_subscribers)
        return viewer_refusal(limit::session_subscribers,
                              "too many viewers: this session takes " +
                                  std::to_string(settings_->max_session_subscribers) +
                                  " ([limits] max_session_subscribers)");
    if (auto place = tracked_.set().viewers_by_client->try_take(client_.address,
                                                                settings_->max_address_viewers))
        return std::move(*place);
    return viewer_refusal(limit::address_viewers,
                          "too many viewers from your address: it may have " +
                              std::to_string(settings_->max_address_viewers) +
                              " ([limits] max_address_viewers)");
}

// A viewer beyond a limit is told in the close reason, which a page can show; it may try
// again later (1013).
void http_session::refuse_viewer(request req, std::string const& who, viewer_refusal const& no) {
    metrics_.hit(no.first);
    spdlog::warn("{} {} refused: {}", who, peer_, no.second);
    close_upgraded(std::move(req), close_try_again_later, no.second);
}

// Accepts the WebSocket, then closes it with `code` and `why`: a browser can read a close
// reason, not the status of a refused upgrade.
// The client keeps the connection's place until the close ends, which a peer that never
// answers cannot put off beyond the WebSocket's timeouts.
void http_session::close_upgraded(request req, std::uint16_t code, std::string why) {
    struct closing {
        websocket::stream<flex_stream> ws;
        address_counts::place place;
    };
    stream_.next_layer().expires_never();
    auto c = std::make_shared<closing>(
        closing{websocket::stream<flex_stream>(std::move(stream_)), std::move(place_)});
    c->ws.set_option(ws_timeouts(*settings_));
    c->ws.async_accept(req, [c, code, why = std::move(why)](beast::error_code ec) {
        if (!ec)
            c->ws.async_close(close_reason(code, why), [c](beast::error_code) {});
    });
}
} // namespace minuted::daemon
