#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minuted::protocol {

/// What a request may need to show before it is answered (see [auth] in PROTOCOL.md).
enum class access {
    anyone,  ///< the pages, their scripts, /healthz, /readyz, and refusals of targets that name
             ///< nothing
    view,    ///< data: /metrics, /api/... except ending a session, /live/{id}
    publish, ///< captions: /ingest/{id}...
    admin,   ///< changes: /api/sessions/{id}/end
    /// a meeting's agenda, which its source or an admin may give: a publish token or the
    /// admin token
    publish_or_admin,
    /// the minutes: an editor token ([auth.editors]), which also names who edits
    edit,
};

/// Where a request goes.
enum class endpoint {
    not_found,              ///< nothing at this path (or no WebSocket there): see `reason`
    method_not_allowed,     ///< the path names something the method cannot do: see `allow`
    bad_request,            ///< the target cannot name anything: see `reason`
    healthz,                ///< GET /healthz
    metrics,                ///< GET /metrics
    index_page,             ///< GET /
    archive_page,           ///< GET /archive: the archive search page
    archived_page,          ///< GET /archive/{archive}: the viewer, reading an archived session
    session_page,           ///< GET /sessions/{id}
    static_asset,           ///< GET /static/{name}
    sessions_list,          ///< GET /api/sessions
    session_state,          ///< GET /api/sessions/{id}
    session_report_md,      ///< GET /api/sessions/{id}/report.md
    session_report_json,    ///< GET /api/sessions/{id}/report.json
    session_transcript,     ///< GET /api/sessions/{id}/transcript.txt
    end_session,            ///< POST /api/sessions/{id}/end
    session_agenda,         ///< PUT /api/sessions/{id}/agenda
    session_roster,         ///< PUT /api/sessions/{id}/roster
    minutes_edit,           ///< POST /api/sessions/{id}/minutes/edits: a person's edit
    minutes_editor,         ///< GET /api/sessions/{id}/minutes/editor: who may edit, if anyone
    archive_search,         ///< GET /api/archive[?q=...]
    archive_file,           ///< GET /api/archive/{archive}/{name}
    ingest_post,            ///< POST /ingest/{id}[?seq=N]
    ingest_seq,             ///< GET /ingest/{id}/seq
    live_socket,            ///< WebSocket /live/{id}
    ingest_socket,          ///< WebSocket /ingest/{id}
    relay_publish,          ///< POST /pub/{channel}: relayed verbatim to the channel's subscribers
    relay_socket,           ///< WebSocket /sub/{channel}
    archive_minutes_edit,   ///< POST /api/archive/{archive}/minutes/edits: an edit after the end
    archive_minutes_editor, ///< GET /api/archive/{archive}/minutes/editor
    session_report_html,    ///< GET /api/sessions/{id}/report.html
    session_report_odt,     ///< GET /api/sessions/{id}/report.odt
    readyz,                 ///< GET /readyz
    /// OPTIONS /api/...: a browser's CORS preflight, answered for any path under /api/ without
    /// a token (a preflight never carries one)
    api_preflight,
    /// GET /api/openapi.json, /api/report.schema.json, /api/schemas/{name}: the API's
    /// description (`name`: "openapi.json", "report.schema.json", "schemas/{name}")
    api_contract,
};

/// Why a target names nothing, when the target itself says so.
enum class target_error {
    none,
    malformed,      ///< bad_request: not origin-form ("/path?query"), e.g. "*" or "http://host/"
    bad_session_id, ///< bad_request: a session id that is_valid_session_id refuses
    dot_segment,    ///< not_found: a path segment that is "." or ".." (also spelt "%2E")
};

/// A routed request. Every name is percent-decoded from one path segment: "%2F" stays inside
/// it, so a session id holding one is refused, and an asset or archive name holding one
/// names nothing.
struct route {
    endpoint to = endpoint::not_found;
    /// Checked before the request is answered, refusals included: a 404 or 405 under /api/
    /// needs what the data there needs.
    access needs = access::anyone;
    /// Set for every bad_request, and for a not_found path with a dot segment.
    target_error error = target_error::none;
    /// The text to answer a refusal with (not_found, method_not_allowed, bad_request), no
    /// newline; empty otherwise.
    std::string_view reason;
    /// method_not_allowed: the methods the path takes, as an Allow header ("GET, HEAD").
    std::string_view allow;
    /// A valid session id, wherever the path names one: session_page, session_*, end_session,
    /// ingest_*, *_socket, and a 404 or 405 under /api/sessions/{id} or /ingest/{id}, whose
    /// publish token may be the session's own; relay_* name their channel here (a channel
    /// named as a session takes that session's tokens).
    std::string session;
    /// archived_page (any name), archive_file and archive_minutes_* (is_valid_archive_id); for
    /// archive_minutes_*, `session` is the one the archive's name says (session_of_archive).
    std::string archive;
    std::string name; ///< static_asset, archive_file: the file asked for, unchecked
    /// The query's parameters in order, decoded ('+' is a space); a key without '=' has an
    /// empty value.
    std::vector<std::pair<std::string, std::string>> params;

    /// The value of the first parameter named `key`; nullopt if there is none.
    std::optional<std::string_view> param(std::string_view key) const noexcept;
};

/// Routes a request by its method ("GET", as sent: methods are case-sensitive), its target
/// as sent, and whether it asks for a WebSocket upgrade (honoured for GET only, as RFC 6455
/// needs). The target is parsed once; which endpoint it reaches and what access that needs
/// both come from that one reading, so no spelling of a path can pass a check meant for
/// another. Segments that are "." or ".." are not resolved: a path with one names nothing
/// (not_found, needing no token). No client needs them (browsers and curl remove them before
/// sending), and resolving them would let two paths name one resource. Pure; never throws
/// (but std::bad_alloc).
route route_request(std::string_view method, std::string_view target, bool is_websocket_upgrade);

/// Whether a target (as sent) is under /api: its path's first segment, decoded as
/// route_request decodes it, is "api". Such a request is answered with JSON errors and CORS
/// headers, also when it routes nowhere. Pure.
bool is_api_target(std::string_view target);

/// True for a usable archive id (a folder directly under STATE_DIR/archive): 1-128 of
/// [A-Za-z0-9._-], not starting with '.'.
bool is_valid_archive_id(std::string_view id) noexcept;

/// The session id an archive's name says, as minuted names archives:
/// {session}-{YYYYMMDD}-{HHMMSS}, with "-N" after it for another meeting of the session that
/// started in the same second. Empty if the name is not such a name. Whoever uses it for
/// authorisation checks it against the archive's own record.
std::string session_of_archive(std::string_view archive);

} // namespace minuted::protocol
