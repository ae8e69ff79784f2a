#include "protocol/route.hpp"

#include "protocol/ingest.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <initializer_list>

namespace minuted::protocol {

namespace {

// The methods a resource takes, and what a request with another one is told.
struct methods {
    bool get = false;
    bool head = false;
    bool post = false;
    std::string_view allow;
    std::string_view refusal;
    bool put = false;

    bool take(std::string_view method) const noexcept {
        return (get && method == "GET") || (head && method == "HEAD") ||
               (post && method == "POST") || (put && method == "PUT");
    }
};

constexpr methods readable{true, true, false, "GET, HEAD", "GET only"};
constexpr methods ends_a_session{false, false, true, "POST", "POST to end a session"};
constexpr methods sets_an_agenda{false, false, false, "PUT", "PUT the meeting's agenda", true};
constexpr methods sets_a_roster{false, false, false, "PUT", "PUT the meeting's roster", true};
constexpr methods edits_minutes{false, false, true, "POST",
                                "POST an edit to /api/sessions/{session}/minutes/edits"};
constexpr methods edits_archived_minutes{false, false, true, "POST",
                                         "POST an edit to /api/archive/{archive}/minutes/edits"};
constexpr methods takes_captions{false, false, true, "POST",
                                 "POST caption text to /ingest/{session}?seq=N"};
// The seq a source resumes from is read with GET alone, and a wrong method is told about
// the POST it may have meant.
constexpr methods tells_the_seq{true, false, false, "GET",
                                "POST caption text to /ingest/{session}?seq=N"};

constexpr methods relays_text{false, false, true, "POST",
                              "POST text to /pub/{channel} for its subscribers"};

constexpr std::string_view bad_id_text = "session id must be 1-64 letters, digits, '.', '_' or '-'";
constexpr std::string_view no_websocket = "no WebSocket at this path";

route serve(route r, std::string_view method, endpoint to, access needs, methods const& m) {
    r.needs = needs;
    if (m.take(method)) {
        r.to = to;
    } else {
        r.to = endpoint::method_not_allowed;
        r.allow = m.allow;
        r.reason = m.refusal;
    }
    return r;
}

// Under /api/ and /ingest/ this is answered only to those who may see what is there.
route not_found(route r, access needs, std::string_view why = "not found") {
    r.to = endpoint::not_found;
    r.needs = needs;
    r.reason = why;
    r.archive.clear();
    r.name.clear();
    return r;
}

// A target that names nothing is refused before any token is asked for: there is nothing
// to authorise, and the refusal tells nothing a token would protect.
route bad_request(route r, target_error why, std::string_view text) {
    r.to = endpoint::bad_request;
    r.needs = access::anyone;
    r.error = why;
    r.reason = text;
    return r;
}

// The segments of an origin-form path, each decoded on its own: split first, so "%2F" stays
// inside its segment. Boost.URL's segments() is not used, because it hides a leading "/."
// (which it takes as a prefix protecting a path such as "/.//x"): "/./api" would look like
// "/api" to one check and not to another.
std::vector<std::string> decoded_segments(std::string_view path) {
    std::vector<std::string> out;
    path.remove_prefix(1); // origin-form paths start with '/'
    for (;;) {
        auto const slash = path.find('/');
        auto const encoded = boost::urls::make_pct_string_view(path.substr(0, slash));
        // The parser has checked every escape already.
        out.push_back(encoded ? encoded->decode() : std::string(path.substr(0, slash)));
        if (slash == std::string_view::npos)
            return out;
        path.remove_prefix(slash + 1);
    }
}

route route_api(route r, std::string_view method, std::vector<std::string> const& seg) {
    auto const n = seg.size();
    if (method == "OPTIONS") {
        r.to = endpoint::api_preflight;
        return r;
    }
    // The description of the API is no secret: a client reads it before it has a token.
    if ((n == 2 && (seg[1] == "openapi.json" || seg[1] == "report.schema.json")) ||
        (n == 3 && seg[1] == "schemas")) {
        r.name = n == 2 ? seg[1] : "schemas/" + seg[2];
        return serve(std::move(r), method, endpoint::api_contract, access::anyone, readable);
    }
    if (n == 2 && seg[1] == "sessions")
        return serve(std::move(r), method, endpoint::sessions_list, access::view, readable);
    if (n == 2 && seg[1] == "archive")
        return serve(std::move(r), method, endpoint::archive_search, access::view, readable);
    if (n == 4 && seg[1] == "archive") {
        if (!is_valid_archive_id(seg[2]))
            return not_found(std::move(r), access::view);
        r.archive = seg[2];
        r.name = seg[3];
        return serve(std::move(r), method, endpoint::archive_file, access::view, readable);
    }
    // The minutes of a meeting that has ended: edited as a live one's, by its session's editors.
    if (n == 5 && seg[1] == "archive" && seg[3] == "minutes" &&
        (seg[4] == "edits" || seg[4] == "editor")) {
        if (!is_valid_archive_id(seg[2]) || session_of_archive(seg[2]).empty())
            return not_found(std::move(r), access::view);
        r.archive = seg[2];
        r.session = session_of_archive(seg[2]);
        if (seg[4] == "editor")
            return serve(std::move(r), method, endpoint::archive_minutes_editor, access::view,
                         readable);
        return serve(std::move(r), method, endpoint::archive_minutes_edit, access::edit,
                     edits_archived_minutes);
    }
    if (n == 5 && seg[1] == "sessions" && seg[3] == "minutes" && seg[4] == "edits") {
        if (!is_valid_session_id(seg[2]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[2];
        return serve(std::move(r), method, endpoint::minutes_edit, access::edit, edits_minutes);
    }
    // Whether the reader may edit, so the viewer shows editing controls to editors alone: read
    // with the viewer's access, since a reader who may not edit is told so, not refused.
    if (n == 5 && seg[1] == "sessions" && seg[3] == "minutes" && seg[4] == "editor") {
        if (!is_valid_session_id(seg[2]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[2];
        return serve(std::move(r), method, endpoint::minutes_editor, access::view, readable);
    }
    if ((n == 3 || n == 4) && seg[1] == "sessions") {
        if (!is_valid_session_id(seg[2]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[2];
        if (n == 3)
            return serve(std::move(r), method, endpoint::session_state, access::view, readable);
        if (seg[3] == "end")
            return serve(std::move(r), method, endpoint::end_session, access::admin,
                         ends_a_session);
        if (seg[3] == "agenda")
            return serve(std::move(r), method, endpoint::session_agenda, access::publish_or_admin,
                         sets_an_agenda);
        if (seg[3] == "roster")
            return serve(std::move(r), method, endpoint::session_roster, access::publish_or_admin,
                         sets_a_roster);
        for (auto const& [file, to] : {std::pair{"report.md", endpoint::session_report_md},
                                       std::pair{"report.json", endpoint::session_report_json},
                                       std::pair{"transcript.txt", endpoint::session_transcript},
                                       std::pair{"report.html", endpoint::session_report_html},
                                       std::pair{"report.odt", endpoint::session_report_odt}})
            if (seg[3] == file)
                return serve(std::move(r), method, to, access::view, readable);
    }
    return not_found(std::move(r), access::view);
}

} // namespace

std::optional<std::string_view> route::param(std::string_view key) const noexcept {
    for (auto const& [k, v] : params)
        if (k == key)
            return std::string_view(v);
    return std::nullopt;
}

bool is_valid_archive_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128 || id.front() == '.')
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

std::string session_of_archive(std::string_view archive) {
    auto const digits = [](std::string_view s, std::size_t n) {
        return (n == 0 ? !s.empty() : s.size() == n) &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    // "-YYYYMMDD-HHMMSS" at the end, or before a last "-N": a stamp is never a "-N" (its
    // last part has six digits after eight), so the first reading that fits is the one.
    auto const before_stamp = [&](std::string_view name) -> std::optional<std::string_view> {
        if (name.size() < 17 || name[name.size() - 7] != '-' || name[name.size() - 16] != '-' ||
            !digits(name.substr(name.size() - 6), 6) ||
            !digits(name.substr(name.size() - 15, 8), 8))
            return std::nullopt;
        return name.substr(0, name.size() - 16);
    };
    auto id = before_stamp(archive);
    if (!id) {
        auto const dash = archive.rfind('-');
        if (dash != std::string_view::npos && digits(archive.substr(dash + 1), 0))
            id = before_stamp(archive.substr(0, dash));
    }
    if (!id || !is_valid_session_id(*id))
        return {};
    return std::string(*id);
}

bool is_api_target(std::string_view target) {
    auto const url = boost::urls::parse_origin_form(target);
    if (!url || !url->encoded_path().starts_with('/'))
        return false;
    // The first segment alone, decoded as decoded_segments decodes each: this runs for every
    // request, before it is routed.
    auto const path = url->encoded_path().substr(1);
    auto const first = boost::urls::make_pct_string_view(path.substr(0, path.find('/')));
    return first && first->decode() == "api";
}

route route_request(std::string_view method, std::string_view target, bool is_websocket_upgrade) {
    route r;
    auto const url = boost::urls::parse_origin_form(target);
    if (!url || !url->encoded_path().starts_with('/'))
        return bad_request(std::move(r), target_error::malformed, "malformed request target");
    for (auto const& p : url->params())
        r.params.emplace_back(p.key, p.value);
    auto const seg = decoded_segments(url->encoded_path());
    if (std::any_of(seg.begin(), seg.end(), [](auto const& s) { return s == "." || s == ".."; })) {
        r.error = target_error::dot_segment;
        return not_found(std::move(r), access::anyone,
                         is_websocket_upgrade && method == "GET" ? no_websocket : "not found");
    }
    auto const n = seg.size();
    auto const is = [&](std::initializer_list<std::string_view> path) {
        return std::equal(seg.begin(), seg.end(), path.begin(), path.end());
    };

    if (is_websocket_upgrade && method == "GET") {
        if (n != 2 || (seg[0] != "live" && seg[0] != "ingest" && seg[0] != "sub"))
            return not_found(std::move(r), access::anyone, no_websocket);
        if (!is_valid_session_id(seg[1]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        bool const ingest = seg[0] == "ingest";
        r.to = ingest             ? endpoint::ingest_socket
               : seg[0] == "live" ? endpoint::live_socket
                                  : endpoint::relay_socket;
        r.needs = ingest ? access::publish : access::view;
        r.session = seg[1];
        return r;
    }

    if (is({""}))
        return serve(std::move(r), method, endpoint::index_page, access::anyone, readable);
    if (is({"healthz"}))
        return serve(std::move(r), method, endpoint::healthz, access::anyone, readable);
    if (is({"readyz"}))
        return serve(std::move(r), method, endpoint::readyz, access::anyone, readable);
    if (is({"metrics"}))
        return serve(std::move(r), method, endpoint::metrics, access::view, readable);
    if (is({"archive"}))
        return serve(std::move(r), method, endpoint::archive_page, access::anyone, readable);
    if (n == 2 && seg[0] == "archive") {
        r.archive = seg[1]; // the page reads the archive through /api/archive/{archive}/...
        return serve(std::move(r), method, endpoint::archived_page, access::anyone, readable);
    }
    if (n == 2 && seg[0] == "static") {
        r.name = seg[1];
        return serve(std::move(r), method, endpoint::static_asset, access::anyone, readable);
    }
    if (n == 2 && seg[0] == "sessions") {
        if (!is_valid_session_id(seg[1]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[1]; // served before the session exists too: the page waits for it
        return serve(std::move(r), method, endpoint::session_page, access::anyone, readable);
    }
    if (n >= 2 && seg[0] == "api")
        return route_api(std::move(r), method, seg);
    if ((n == 2 || n == 3) && seg[0] == "ingest") {
        if (!is_valid_session_id(seg[1]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[1];
        if (n == 2)
            return serve(std::move(r), method, endpoint::ingest_post, access::publish,
                         takes_captions);
        if (seg[2] == "seq")
            return serve(std::move(r), method, endpoint::ingest_seq, access::publish,
                         tells_the_seq);
        return not_found(std::move(r), access::publish);
    }
    if (n == 2 && seg[0] == "pub") {
        if (!is_valid_session_id(seg[1]))
            return bad_request(std::move(r), target_error::bad_session_id, bad_id_text);
        r.session = seg[1];
        return serve(std::move(r), method, endpoint::relay_publish, access::publish, relays_text);
    }
    return not_found(std::move(r), access::anyone);
}

} // namespace minuted::protocol
