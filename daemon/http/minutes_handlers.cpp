// What people do to the minutes over HTTP: POST /api/sessions/{id}/minutes/edits, read and
// handed to the session (summariser/minutes_edits.hpp has the rules).

#include "daemon/http/http_session.hpp"
#include "daemon/live/session_registry.hpp"
#include "protocol/ingest_json.hpp"
#include "protocol/utf8.hpp"
#include "summariser/minutes_edits.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <variant>

namespace minuted::daemon {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// An edit as a client sends it: {"op", "bullet"?, "item"? (the item's number), "kind"?,
// "text"?, "who"?, "when"?, "revision"?, "after"?, "with"?, "with_revision"?, "utterance"?,
// "before"?, "position"?}; items' numbers are resolved on the session's strand. Why not, if
// it is not one.
struct edit_request {
    summariser::minute_edit edit;
    edit_refs refs;
};

// speaker.rename's {"from": id or name, "to"} and caption.correct's {"utterance", "line"?,
// "offset"?, "length"?} ("text" is read with the others). Why not, if they are not so.
std::optional<std::string> read_transcript_request(boost::json::object const& o, edit_request& r) {
    bool bad = false;
    if (auto const n = protocol::detail::unsigned_field(o, "utterance", bad))
        r.edit.utterance = static_cast<std::size_t>(*n);
    if (auto const n = protocol::detail::unsigned_field(o, "line", bad); n && *n <= UINT32_MAX)
        r.edit.line = static_cast<std::uint32_t>(*n);
    else if (n)
        bad = true;
    if (auto const n = protocol::detail::unsigned_field(o, "offset", bad))
        r.edit.offset = static_cast<std::size_t>(*n);
    if (auto const n = protocol::detail::unsigned_field(o, "length", bad))
        r.edit.length = static_cast<std::size_t>(*n);
    if (bad)
        return "utterance, line, offset and length must be numbers of 0 or more";
    if (r.edit.op != summariser::edit_op::speaker_rename)
        return std::nullopt;
    auto const* from = o.if_contains("from");
    auto const* to = o.if_contains("to");
    if (!from || !to || !to->is_string())
        return "speaker.rename needs from (the speaker's id or name) and to (a name)";
    if (from->is_string())
        r.refs.speaker_name = std::string(from->get_string());
    else if (auto const id = protocol::detail::unsigned_field(o, "from", bad); id && !bad)
        r.edit.speaker = static_cast<std::size_t>(*id);
    else
        return "from must be a speaker's id or name";
    r.edit.text = std::string(to->get_string());
    return std::nullopt;
}

std::variant<edit_request, std::string> read_edit_request(std::string const& body) {
    if (!protocol::is_valid_utf8(body))
        return std::string("the body is not valid UTF-8");
    boost::system::error_code ec;
    auto const v = boost::json::parse(body, ec);
    auto const* o = ec ? nullptr : v.if_object();
    if (!o)
        return std::string("the body is not a JSON object");
    edit_request r;
    auto const string = [&](char const* key) -> std::variant<std::optional<std::string>, bool> {
        auto const* f = o->if_contains(key);
        if (!f)
            return std::optional<std::string>();
        if (!f->is_string())
            return false;
        return std::optional<std::string>(std::string(f->get_string()));
    };
    auto const op = string("op");
    auto const* op_text = std::get_if<std::optional<std::string>>(&op);
    auto const named = op_text && *op_text ? summariser::op_named(**op_text) : std::nullopt;
    if (!named)
        return std::string("op must be one of bullet.edit, bullet.add, bullet.remove, "
                           "bullet.pin, bullet.approve, item.rename, item.approve, "
                           "report.approve, item.add, item.remove, item.merge, item.split, "
                           "bullet.move, bullet.unpin, bullet.unapprove, item.unapprove, "
                           "speaker.rename, caption.correct");
    r.edit.op = *named;
    for (auto const& [key, out] : {std::pair{"text", &r.edit.text}, std::pair{"who", &r.edit.who},
                                   std::pair{"when", &r.edit.when}}) {
        auto const value = string(key);
        if (std::holds_alternative<bool>(value))
            return std::string(key) + " must be a string";
        *out = std::get<std::optional<std::string>>(value);
    }
    // A bullet's key, as the minutes give it.
    auto const read_key = [&](char const* name, std::optional<summariser::bullet_key>& out) {
        auto const value = string(name);
        auto const* text = std::get_if<std::optional<std::string>>(&value);
        if (text && *text)
            out = summariser::bullet_key::parse(**text);
        return text && (!*text || out);
    };
    for (auto const& [name, out] :
         {std::pair{"bullet", &r.edit.bullet}, std::pair{"before", &r.edit.before}})
        if (!read_key(name, *out))
            return std::string(name) + " must be a bullet's key, as the minutes give it";
    if (auto const kind = string("kind"); !std::holds_alternative<bool>(kind)) {
        auto const& k = std::get<std::optional<std::string>>(kind);
        auto const read = k ? summariser::kind_named(*k) : std::nullopt;
        if (k && !read)
            return std::string("kind must be key_point, decision or next_step");
        r.edit.kind = read.value_or(summariser::bullet_kind::key_point);
    } else {
        return std::string("kind must be a string");
    }
    bool bad = false;
    auto const number = [&](char const* key) -> std::optional<std::size_t> {
        if (auto const n = protocol::detail::unsigned_field(*o, key, bad))
            return static_cast<std::size_t>(*n);
        return std::nullopt;
    };
    r.refs.item_n = number("item");
    // A new item goes after the last one: `after` names it.
    if (auto const after = number("after"); after && r.edit.op == summariser::edit_op::item_add)
        r.refs.item_n = after;
    r.refs.other_n = number("with");
    r.edit.utterance = number("utterance");
    r.edit.position = number("position");
    r.edit.revision = number("revision").value_or(0);
    r.edit.other_revision = number("with_revision").value_or(0);
    if (bad)
        return std::string("item, after, with, utterance, position, revision and with_revision "
                           "must be numbers of 0 or more");
    if (auto why = read_transcript_request(*o, r))
        return *std::move(why);
    return r;
}

// A stale edit is told the revision it should have named.
boost::json::object stale_fields(summariser::edit_result const& done) {
    if (done.refused && *done.refused == summariser::edit_refusal::stale)
        return {{"revision", done.revision}};
    return {};
}

http::status status_of(summariser::edit_refusal why) {
    switch (why) {
    case summariser::edit_refusal::no_such_target:
        return http::status::not_found;
    case summariser::edit_refusal::stale:
    case summariser::edit_refusal::ended:
        return http::status::conflict;
    case summariser::edit_refusal::invalid:
        break;
    }
    return http::status::bad_request;
}

} // namespace

// POST /api/sessions/{id}/minutes/edits: a person's edit of the minutes, by an editor. Applied
// on the session's strand, answered once journaled: 200 {"revision", "key"?}; 404, 409 (a
// stale revision: with the current one; or the meeting has ended), 400 with why.
void http_session::handle_minutes_edit(request req, protocol::route const& route) {
    auto read = read_edit_request(req.body());
    if (auto const* why = std::get_if<std::string>(&read)) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        return respond_error(req, http::status::bad_request, *why);
    }
    auto edit = std::get<edit_request>(std::move(read));
    edit.edit.by = editor_name(*settings_, route.session, credentials_of(req, route));
    auto session = sessions_.find(route.session);
    if (!session)
        return respond_error(req, http::status::not_found, "no such live session");
    net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                  edit = std::move(edit)]() mutable {
        if (session->ended()) // its minutes are in its archive now, and edited there
            return self->sessions_.edit_archived(session, {std::move(edit.edit),
                                                           std::move(edit.refs),
                                                           self->edit_answer(std::move(req)),
                                                           {}});
        auto const done = session->edit(std::move(edit.edit), edit.refs);
        if (done.refused)
            return net::post(self->ex_, [self, req = std::move(req), done] {
                self->respond_error(req, status_of(*done.refused), done.why, stale_fields(done));
            });
        self->respond_when_journaled(session, std::move(req), "edit", [done] {
            boost::json::object o{{"revision", done.revision}};
            if (!done.key.empty())
                o["key"] = done.key;
            return o;
        });
    });
}

// POST /api/archive/{archive}/minutes/edits: an edit of the minutes of a meeting that has
// ended, by an editor of its session (the one the archive's name says, checked against the
// archive's journal). Answered as a live edit is, once on disk in the archive's edits.jsonl.
void http_session::handle_archive_minutes_edit(request req, protocol::route const& route) {
    auto read = read_edit_request(req.body());
    if (auto const* why = std::get_if<std::string>(&read)) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        return respond_error(req, http::status::bad_request, *why);
    }
    auto edit = std::get<edit_request>(std::move(read));
    edit.edit.by = editor_name(*settings_, route.session, credentials_of(req, route));
    sessions_.find_archived(route.archive, [self = shared_from_this(), req = std::move(req),
                                            edit = std::move(edit), session = route.session,
                                            archive = route.archive](
                                               std::shared_ptr<live_session> s) mutable {
        if (!s || s->id() != session) {
            auto const status = s ? http::status::forbidden : http::status::not_found;
            auto why = s ? "archive " + archive + " does not hold the minutes of session " + session
                         : "no archived meeting " + archive;
            return net::post(self->ex_, [self, req = std::move(req), status, why] {
                self->respond_error(req, status, why);
            });
        }
        self->sessions_.edit_archived(
            s, {std::move(edit.edit), std::move(edit.refs), self->edit_answer(std::move(req)), {}});
    });
}

std::function<void(summariser::edit_result const&, std::string const&)>
http_session::edit_answer(request req) {
    return [self = shared_from_this(), req = std::move(req)](summariser::edit_result const& done,
                                                             std::string const& failure) {
        net::post(self->ex_, [self, req, done, failure] {
            if (!failure.empty())
                return self->respond_error(req, http::status::service_unavailable,
                                           "the edit cannot be written: " + failure);
            if (done.refused)
                return self->respond_error(req, status_of(*done.refused), done.why,
                                           stale_fields(done));
            boost::json::object o{{"revision", done.revision}};
            if (!done.key.empty())
                o["key"] = done.key;
            self->respond_json(req, http::status::ok, o);
        });
    };
}

// GET /api/sessions/{id}/minutes/editor: {"editor": NAME} for a reader who may edit this
// session's minutes, {"editor": null} for one who may not, so the viewer offers its editing
// controls to editors alone (an edit is still authorised on its own when it comes).
void http_session::respond_minutes_editor(request const& req, protocol::route const& route) {
    auto const name = editor_name(*settings_, route.session, credentials_of(req, route));
    boost::json::value editor = nullptr;
    if (!name.empty())
        editor = boost::json::string(name);
    respond_json(req, http::status::ok, boost::json::object{{"editor", editor}});
}

} // namespace minuted::daemon
