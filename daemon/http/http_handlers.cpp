#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/fanout/relay.hpp"
#include "daemon/http/http_session.hpp"
#include "daemon/http/web_assets.hpp"
#include "daemon/ingest/ingest_driver.hpp"
#include "daemon/live/session_registry.hpp"
#include "daemon/net/websocket_close.hpp"
#include "protocol/agenda.hpp"
#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"
#include "protocol/roster.hpp"
#include "protocol/time_text.hpp"
#include "protocol/utf8.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <tuple>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
    return protocol::rfc3339(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

// The pull feed attached to a session: see PROTOCOL.md, "Pull feeds".
boost::json::object feed_json(feed_state const& f) {
    boost::json::object o{
        {"kind", f.kind}, {"state", f.state}, {"status", f.status}, {"url", f.url}};
    if (!f.event.empty())
        o["event"] = f.event;
    if (f.position)
        o["position"] = *f.position;
    if (f.last_answered)
        o["lag_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - *f.last_answered)
                          .count();
    if (!f.last_error.empty())
        o["last_error"] = f.last_error;
    if (f.state == "retrying")
        o["retry_in_ms"] = f.retry_in.count();
    return o;
}

boost::json::object info_json(session_info const& i) {
    boost::json::object o{{"id", i.id},
                          {"title", i.title},
                          {"started", iso_time(i.started)},
                          {"last_activity", iso_time(i.last_activity)},
                          {"current_item", i.current_item},
                          {"items", i.items},
                          {"speakers", i.speakers},
                          {"viewers", i.viewers},
                          {"words", i.words},
                          {"rev", i.rev},
                          {"last_seq", i.last_seq},
                          {"live", !i.ended}};
    if (i.ended)
        o["end_reason"] = i.end_reason;
    if (!i.archive.empty())
        o["archive"] = i.archive;
    if (!i.feed.kind.empty())
        o["feed"] = feed_json(i.feed);
    return o;
}

// ---------------------------------------------------------------------------------------
// /live/{id}: a viewer. Its session hands each update to it on the session's strand, and it
// goes straight to the socket (push_socket); one that cannot keep up skips ahead to a
// snapshot, and is closed if it keeps falling behind.

// What a viewer's client holds while the viewer's socket lives: see [limits]

// HTTP: one connection, keep-alive, requests routed by target.

boost::json::object archived_json(archived_session const& s) {
    return {{"archive", s.archive},
            {"session", s.session},
            {"title", s.title},
            {"started", protocol::rfc3339(s.started_ms)},
            {"ended", protocol::rfc3339(s.ended_ms)},
            {"words", s.words},
            {"speakers", s.speakers},
            {"items", s.items},
            {"end_reason", s.end_reason}};
}

// The answer to an archive listing (no text) or search, run on the search pool: a JSON
// object, or a string saying why there is none.
std::pair<http::status, boost::json::value>
search_archive(archive_index& index, archive_query const& query, metrics& counters) {
    try {
        if (query.text.empty()) {
            boost::json::array list;
            for (auto const& s : index.sessions())
                list.push_back(archived_json(s));
            return {http::status::ok, boost::json::object{{"sessions", std::move(list)}}};
        }
        boost::json::array hits;
        for (auto const& h : index.search(query)) {
            boost::json::array snippet;
            for (std::size_t i = 0; i < h.snippet.size(); ++i)
                if (!h.snippet[i].empty())
                    snippet.push_back(
                        boost::json::object{{i % 2 ? "match" : "text", h.snippet[i]}});
            auto o = archived_json(h.session);
            o["utterance"] = h.utterance.n;
            o["speaker"] = h.utterance.speaker;
            o["at"] = protocol::rfc3339(h.utterance.at_ms);
            o["item"] = h.utterance.item;
            o["snippet"] = std::move(snippet);
            hits.push_back(std::move(o));
        }
        return {http::status::ok,
                boost::json::object{{"query", query.text}, {"hits", std::move(hits)}}};
    } catch (archive_query_error const& e) {
        counters.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        return {http::status::bad_request,
                boost::json::string(std::string("cannot search for that: ") + e.what())};
    } catch (std::exception const& e) {
        counters.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("archive search: {}", e.what());
        return {http::status::internal_server_error,
                boost::json::string("archive search failed; see the daemon's log")};
    }
}

} // namespace

// One of the viewer's files. Revalidated on every load (ETag), so an upgraded daemon
// never serves a stale script. The policy forbids inline and foreign scripts: caption
// text can never run as code, even if it reached the page unescaped.
void http_session::respond_asset(request const& req, protocol::route const& route,
                                 std::string_view name) {
    auto const* asset = find_web_asset(name);
    if (!asset)
        return respond(req, http::status::not_found, "not found\n");
    auto const match = req[http::field::if_none_match] == asset->etag;
    auto res = text_response(match ? http::status::not_modified : http::status::ok,
                             match ? std::string() : std::string(asset->body), req,
                             web_content_type(name));
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::etag, asset->etag);
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    // A page opened with ?token= (a link given to viewers) keeps it in a cookie that its
    // scripts' requests and WebSockets then carry. Only a token-shaped value is kept.
    if (auto const token = route.param("token")) {
        if (token->size() >= 16 && token->size() <= 256 &&
            std::all_of(token->begin(), token->end(), [](char c) {
                return c > ' ' && c < 127 && c != ';' && c != ',' && c != '"' && c != '\\';
            }))
            res.set(http::field::set_cookie, "minuted_token=" + std::string(*token) +
                                                 "; Path=/; HttpOnly; SameSite=Strict" +
                                                 (client_.https ? "; Secure" : ""));
    }
    write(std::move(res));
}

// Runs `produce` on the session's strand and answers with what it returns.
template <class Produce>
void http_session::respond_from(std::shared_ptr<live_session> session, request req,
                                std::string_view type, Produce produce) {
    net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req), type,
                                  produce]() mutable {
        auto body = produce(*session);
        net::post(self->ex_, [self, req = std::move(req), type, body = std::move(body)]() mutable {
            self->respond(req, http::status::ok, std::move(body), type);
        });
    });
}

// GET /api/sessions: the live and recently ended sessions.
void http_session::respond_sessions(request const& req) {
    boost::json::array list;
    for (auto const& s : sessions_.all())
        list.push_back(info_json(s->info()));
    respond_json(req, http::status::ok, boost::json::object{{"sessions", std::move(list)}});
}

// GET /api/sessions/{id}[/report.md|report.json|transcript.txt], live or recently ended.
void http_session::respond_session(request req, protocol::route const& route) {
    auto session = sessions_.find(route.session);
    if (!session)
        return respond_error(req, http::status::not_found, "unknown session " + route.session);
    switch (route.to) {
    case protocol::endpoint::session_report_md:
        return respond_from(session, std::move(req), "text/markdown; charset=utf-8",
                            [](live_session& s) { return s.report_markdown(); });
    case protocol::endpoint::session_report_json:
        return respond_from(session, std::move(req), "application/json",
                            [](live_session& s) { return s.report_json() + "\n"; });
    case protocol::endpoint::session_transcript:
        return respond_from(session, std::move(req), "text/plain; charset=utf-8",
                            [](live_session& s) { return s.transcript(); });
    case protocol::endpoint::session_report_html:
    case protocol::endpoint::session_report_odt:
        return respond_document(std::move(session), std::move(req),
                                route.to == protocol::endpoint::session_report_odt);
    default:
        return respond_from(session, std::move(req), "application/json", [](live_session& s) {
            std::string state(s.snapshot()->payload());
            // The snapshot is one JSON object: the pull feed's state joins it at its end.
            if (auto const feed = s.info().feed; !feed.kind.empty() && state.ends_with('}'))
                state.insert(state.size() - 1,
                             ",\"feed\":" + boost::json::serialize(feed_json(feed)));
            return state + "\n";
        });
    }
}

// POST /api/sessions/{id}/end: an admin ends a meeting whose source cannot (it vanished,
// or never sends a close). The session is journaled, finalised and archived like any end.
void http_session::handle_end(request req, std::string const& id) {
    auto session = sessions_.find(id);
    if (!session)
        return respond_error(req, http::status::not_found, "no live session " + id);
    spdlog::info("http {}: session {} ended by an admin request", peer_, id);
    net::post(
        session->strand(), [self = shared_from_this(), session, req = std::move(req)]() mutable {
            if (session->ended())
                return net::post(self->ex_, [self, req = std::move(req), id = session->id()] {
                    self->respond_error(req, http::status::conflict, id + " has ended");
                });
            session->end("ended by an administrator");
            self->respond_when_journaled(session, std::move(req), "end", [session] {
                return boost::json::object{{"session", session->id()},
                                           {"ended", true},
                                           {"last_seq", session->acknowledged_seq().value_or(0)}};
            });
        });
}

// PUT /api/sessions/{id}/agenda (the meeting's known agenda, in any form an agenda file
// takes) and PUT /api/sessions/{id}/roster (who is expected): what the meeting is given,
// before or during it. Journaled like captions, so it survives a restart and is archived;
// the minutes take it at once and viewers see the change; final once the meeting has
// ended. `what` names it ("agenda", "an agenda"), `count` the figure the answer gives;
// `give` hands it to the session on its strand, false once the meeting has ended.
void http_session::handle_agenda(request req, std::string const& id) {
    auto parsed = protocol::parse_agenda(req.body());
    handle_given(std::move(req), id, std::move(parsed), "agenda", "an agenda", "items",
                 [](live_session& s, std::vector<protocol::agenda_item> agenda) {
                     return s.set_agenda(std::move(agenda));
                 });
}

void http_session::handle_roster(request req, std::string const& id) {
    auto parsed = protocol::parse_roster(req.body());
    handle_given(std::move(req), id, std::move(parsed), "roster", "a roster", "people",
                 [](live_session& s, std::vector<protocol::roster_person> const& roster) {
                     return s.set_roster(roster);
                 });
}

template <class Given, class Refusal, class Give>
void http_session::handle_given(request req, std::string const& id,
                                std::variant<Given, Refusal> parsed, char const* what,
                                char const* a_what, char const* count, Give give) {
    if (auto const* no = std::get_if<Refusal>(&parsed)) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("http {}: {} for {} refused: {}", peer_, what, id, no->why);
        return respond_error(req, http::status::bad_request,
                             std::string("not ") + a_what + ": " + no->why);
    }
    auto const ended = [what](std::string const& session) {
        return session + " has ended: its " + what + " is final";
    };
    auto given = std::get<Given>(std::move(parsed));
    auto session = sessions_.find(id);
    if (session && session->ended())
        return respond_error(req, http::status::conflict, ended(id));
    if (!session && !(session = sessions_.live(id, session_lookup::find_or_create)))
        return refuse_sessions(req, id);
    net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                  given = std::move(given), what, count, ended,
                                  give = std::move(give)]() mutable {
        auto const n = given.size();
        if (!give(*session, std::move(given)))
            return net::post(self->ex_, [self, req = std::move(req), id = session->id(), ended] {
                self->respond_error(req, http::status::conflict, ended(id));
            });
        self->respond_when_journaled(session, std::move(req), what, [session, count, n] {
            return boost::json::object{{"session", session->id()}, {count, n}};
        });
    });
}

// GET /api/archive/{archive}/{file}: a file of an archived session, from its folder.
void http_session::respond_archive_file(request const& req, std::string const& archive,
                                        std::string const& file) {
    auto const type = std::find_if(std::begin(archived_files), std::end(archived_files),
                                   [&](auto const& f) { return f.name == file; });
    // The router takes only folder names made like a session id, never "." or ".." or a
    // path; checked again here, where the name becomes a path on disk.
    if (type == std::end(archived_files) || !protocol::is_valid_archive_id(archive))
        return respond_error(req, http::status::not_found, "no archived file " + file);
    std::ifstream in(settings_->state_dir / "archive" / archive / file, std::ios::binary);
    if (!in)
        return respond_error(req, http::status::not_found, "no archived session " + archive);
    std::ostringstream body;
    body << in.rdbuf();
    if (type->format == "html" || type->format == "odt")
        return respond_archived_document(req, archive, body.str(), type->content_type,
                                         type->format);
    respond(req, http::status::ok, file == "edits.jsonl" ? edits_for_api(body.str()) : body.str(),
            type->content_type);
}

// GET /api/archive: the archived sessions, newest first; with ?q= a full-text search
// (&speaker=, &from=YYYY-MM-DD, &to=YYYY-MM-DD, &limit=N).
// GET /api/archive[?q=...]: on the search pool, never on this network thread: a slow
// full-text search must not hold up a caption source's acks. A full queue is 503.
void http_session::handle_archive(request req, protocol::route const& route) {
    auto* index = sessions_.index();
    if (!index)
        return respond_error(req, http::status::service_unavailable,
                             "the archive index could not be opened; see the daemon's log");
    auto param = [&](char const* name) {
        return std::string(route.param(name).value_or(std::string_view()));
    };
    archive_query query;
    query.text = param("q");
    query.speaker = param("speaker");
    for (auto const& [name, end, field] :
         {std::tuple{"from", false, &query.from_ms}, std::tuple{"to", true, &query.to_ms}})
        if (auto const v = param(name); !v.empty() && !(*field = parse_day(v, end)))
            return respond_error(req, http::status::bad_request,
                                 std::string(name) + " must be a date, YYYY-MM-DD");
    if (auto const v = param("limit"); !v.empty()) {
        auto const [p, e] = std::from_chars(v.data(), v.data() + v.size(), query.limit);
        if (e != std::errc{} || p != v.data() + v.size() || query.limit == 0 || query.limit > 500)
            return respond_error(req, http::status::bad_request, "limit must be from 1 to 500");
    }
    auto self = shared_from_this();
    auto job = [self, index, query, req]() mutable {
        auto [status, body] = search_archive(*index, query, self->metrics_);
        net::post(self->ex_,
                  [self, req = std::move(req), status = status, body = std::move(body)]() mutable {
                      if (auto const* why = body.if_string())
                          return self->respond_error(req, status, *why);
                      self->respond_json(req, status, body);
                  });
    };
    if (sessions_.try_search(std::move(job)))
        return;
    metrics_.hit(limit::search_queue);
    spdlog::warn("http {}: archive search refused: {} searches wait already ([limits] "
                 "search_queue)",
                 peer_, settings_->search_queue);
    auto res = error_response(http::status::service_unavailable,
                              "too many archive searches at once ([limits] search_queue); try "
                              "again in a moment",
                              req.target(), req.version(),
                              req.keep_alive() ? after_answer::keep_alive : after_answer::close);
    res.set(http::field::retry_after, "1");
    write(std::move(res));
}

namespace {

// {"seq":LAST}, or {"seq":0,"empty":true} while nothing is held: a source that counts from 0
// then starts at 0, where {"seq":0} alone would say its 0 is held.
boost::json::object held_json(std::optional<protocol::seq_number> held) {
    boost::json::object o{{"seq", held.value_or(0)}};
    if (!held)
        o["empty"] = true;
    return o;
}

} // namespace

// GET /ingest/{id}/seq: the last seq on disk, where a source resumes.
void http_session::handle_ingest_seq(request req, std::string const& id) {
    auto session = sessions_.for_ingest(id, {}, session_lookup::find);
    if (!session)
        return respond_json(req, http::status::ok, held_json(std::nullopt));
    respond_from(session, std::move(req), "application/json", [](live_session& s) {
        return boost::json::serialize(held_json(s.acknowledged_seq())) + "\n";
    });
}

namespace {

// The charset a request's Content-Type names, lowered ("" if none): caption services send
// `text/plain; charset=utf-8`, a few older ones ISO-8859-1.
std::string charset_of(std::string_view content_type) {
    std::string lowered(content_type);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto at = lowered.find("charset=");
    if (at == std::string::npos)
        return {};
    auto value = std::string_view(lowered).substr(at + 8);
    value = value.substr(0, value.find(';'));
    while (!value.empty() && (value.back() == ' ' || value.back() == '"'))
        value.remove_suffix(1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '"'))
        value.remove_prefix(1);
    return std::string(value);
}

// Each byte of an ISO-8859-1 text is the code point of the same number.
std::string latin1_to_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char const c : text)
        protocol::append_utf8(out, static_cast<unsigned char>(c));
    return out;
}

} // namespace

// POST /ingest/{id}?seq=N&lang=L with a text/plain body: as StreamText's caption URL and
// Zoom's caption API send captions (seq from 0 or 1, DEL and backspace in the text).
void http_session::handle_ingest(request req, protocol::route const& route) {
    auto const& id = route.session;
    protocol::ingest_message m;
    m.kind = protocol::ingest_kind::raw;
    auto const refuse = [&](std::string why) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        return respond_error(req, http::status::bad_request, why);
    };
    if (auto const s = route.param("seq")) {
        protocol::seq_number seq = 0;
        auto const [p, e] = std::from_chars(s->data(), s->data() + s->size(), seq);
        if (e != std::errc{} || p != s->data() + s->size())
            return refuse("seq must be a non-negative integer");
        m.kind = protocol::ingest_kind::text;
        m.seq = seq;
    }
    if (auto const lang = route.param("lang")) {
        if (!protocol::is_valid_language_tag(*lang))
            return refuse("lang must be a language tag such as en or pt-BR (1-35 of "
                          "[A-Za-z0-9-], starting with a letter)");
        m.lang = *lang;
    }
    auto const charset = charset_of(req[http::field::content_type]);
    if (charset == "iso-8859-1" || charset == "latin1")
        m.text = latin1_to_utf8(req.body());
    else if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii")
        m.text = std::move(req.body());
    else
        return refuse("charset " + charset + " is not read: send UTF-8 (or ISO-8859-1)");
    auto const arrived = std::chrono::steady_clock::now();
    auto const instance = route.param("instance");
    if (instance && !protocol::is_valid_session_id(*instance))
        return refuse("instance must be 1-64 of [A-Za-z0-9._-]");
    auto session = live_or_refuse(req, id, instance.value_or(std::string_view()));
    if (!session)
        return;
    submit_ingest(session, std::move(m), nullptr, arrived, over_rate::refuse, ex_,
                  {.applied = {},
                   .answered = [self = shared_from_this(), req = std::move(req)](ingest_answer a) {
                       self->answer_ingest(req, a);
                   }});
}

// What a POST to /ingest/{id} is answered, from what the session answered its message.
void http_session::answer_ingest(request const& req, ingest_answer const& a) {
    if (a.retry_after > std::chrono::steady_clock::duration::zero()) {
        // Over [limits] ingest_rate: refused, with when to try again.
        auto res =
            error_response(http::status::too_many_requests,
                           "captions come faster than this session takes ([limits] ingest_rate " +
                               std::to_string(settings_->ingest_rate) + " a second)",
                           req.target(), req.version(),
                           req.keep_alive() ? after_answer::keep_alive : after_answer::close);
        res.set(http::field::retry_after,
                std::to_string(std::chrono::ceil<std::chrono::seconds>(a.retry_after).count()));
        return write(std::move(res));
    }
    auto o = held_json(a.held);
    auto status = http::status::ok;
    for (auto const& reply : a.replies) {
        if (auto const* gap = std::get_if<protocol::nack>(&reply)) {
            status = http::status::conflict;
            o["expected"] = gap->expected;
        } else if (auto const* error = std::get_if<protocol::error_reply>(&reply)) {
            status = http::status::bad_request;
            o["error"] = error->message;
        }
    }
    if (a.close && a.close_code == close_try_again_later)
        status = http::status::service_unavailable; // the journal failed
    if (a.close && a.close_code == close_internal_error)
        status = http::status::internal_server_error;
    if (a.ended) {
        status = http::status::conflict;
        o["ended"] = true;
    }
    respond_json(req, status, o);
}

// POST /pub/{channel}: the body, as one text message, to the channel's subscribers.
void http_session::handle_publish(request const& req, std::string const& channel) {
    if (!protocol::is_valid_utf8(req.body())) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("relay {}: publisher {} refused: body is not valid UTF-8", channel, peer_);
        return respond_error(req, http::status::bad_request,
                             "body is not valid UTF-8: it is relayed as WebSocket text");
    }
    metrics_.relay_messages.fetch_add(1, std::memory_order_relaxed);
    auto const n = relay_.publish(channel, shared_text_frame(req.body()));
    respond_json(req, http::status::ok, boost::json::object{{"subscribers", n}});
}
} // namespace minuted::daemon
