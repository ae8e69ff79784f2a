// libFuzzer target for protocol::route_request. An input is a request line: "METHOD TARGET",
// or "~METHOD TARGET" for a WebSocket upgrade; with no space the whole input is a GET's
// target. Beyond "no crash" it checks what route.hpp promises the daemon's authorisation
// relies on:
// - the same request always routes the same way;
// - a session id in a result is one is_valid_session_id takes, an archive id in an archive
//   file's result one is_valid_archive_id takes;
// - each endpoint needs the access it always needs: data needs the viewer token, whatever the
//   spelling of its path;
// - a method or upgrade reaches only the endpoints that take it;
// - a request is answered as one under /api (is_api_target) iff it routes under /api;
// - the query never changes the route, and no path with a "." or ".." segment (however
//   spelt) routes anywhere: "/." or "/%2E" put before a path makes it name nothing;
// - the target rebuilt from a result (each name percent-encoded) routes to the same result.

#include "protocol/ingest.hpp"
#include "protocol/route.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// Declared one by one: a using-directive would make `access` clash with POSIX access().
using minuted::protocol::access;
using minuted::protocol::endpoint;
using minuted::protocol::is_api_target;
using minuted::protocol::is_valid_archive_id;
using minuted::protocol::is_valid_session_id;
using minuted::protocol::route;
using minuted::protocol::route_request;
using minuted::protocol::session_of_archive;
using minuted::protocol::target_error;

bool same(route const& a, route const& b) {
    return a.to == b.to && a.needs == b.needs && a.error == b.error && a.reason == b.reason &&
           a.allow == b.allow && a.session == b.session && a.archive == b.archive &&
           a.name == b.name && a.params == b.params;
}

// The access each endpoint needs, written out apart from the router.
access needs_of(endpoint to) {
    switch (to) {
    case endpoint::metrics:
    case endpoint::sessions_list:
    case endpoint::session_state:
    case endpoint::session_report_md:
    case endpoint::session_report_json:
    case endpoint::session_transcript:
    case endpoint::session_report_html:
    case endpoint::session_report_odt:
    case endpoint::archive_search:
    case endpoint::archive_file:
    case endpoint::live_socket:
    case endpoint::relay_socket:
    case endpoint::minutes_editor:
    case endpoint::archive_minutes_editor:
        return access::view;
    case endpoint::end_session:
        return access::admin;
    case endpoint::session_agenda:
    case endpoint::session_roster:
        return access::publish_or_admin;
    case endpoint::minutes_edit:
    case endpoint::archive_minutes_edit:
        return access::edit;
    case endpoint::ingest_post:
    case endpoint::ingest_seq:
    case endpoint::ingest_socket:
    case endpoint::relay_publish:
        return access::publish;
    default:
        return access::anyone;
    }
}

bool is_socket(endpoint to) {
    return to == endpoint::live_socket || to == endpoint::ingest_socket ||
           to == endpoint::relay_socket;
}

bool is_refusal(endpoint to) {
    return to == endpoint::not_found || to == endpoint::method_not_allowed ||
           to == endpoint::bad_request;
}

// Whether `to` is an endpoint under /api/, written out apart from the router.
bool under_api(endpoint to) {
    switch (to) {
    case endpoint::sessions_list:
    case endpoint::session_state:
    case endpoint::session_report_md:
    case endpoint::session_report_json:
    case endpoint::session_transcript:
    case endpoint::session_report_html:
    case endpoint::session_report_odt:
    case endpoint::end_session:
    case endpoint::session_agenda:
    case endpoint::session_roster:
    case endpoint::minutes_edit:
    case endpoint::minutes_editor:
    case endpoint::archive_search:
    case endpoint::archive_file:
    case endpoint::archive_minutes_edit:
    case endpoint::archive_minutes_editor:
    case endpoint::api_preflight:
    case endpoint::api_contract:
        return true;
    default:
        return false;
    }
}

bool names_a_session(endpoint to) {
    switch (to) {
    case endpoint::session_page:
    case endpoint::session_state:
    case endpoint::session_report_md:
    case endpoint::session_report_json:
    case endpoint::session_transcript:
    case endpoint::session_report_html:
    case endpoint::session_report_odt:
    case endpoint::end_session:
    case endpoint::ingest_post:
    case endpoint::ingest_seq:
    case endpoint::live_socket:
    case endpoint::ingest_socket:
    case endpoint::relay_publish:
    case endpoint::relay_socket:
    case endpoint::session_agenda:
    case endpoint::session_roster:
    case endpoint::minutes_edit:
    case endpoint::minutes_editor:
    case endpoint::archive_minutes_edit: // the session the archive's name says
    case endpoint::archive_minutes_editor:
        return true;
    default:
        return false;
    }
}

// Whether `method` may reach `to` (an endpoint that is not a refusal).
bool takes(endpoint to, std::string_view method, bool upgrade) {
    if (is_socket(to))
        return upgrade && method == "GET";
    if (to == endpoint::api_preflight) // a CORS preflight: OPTIONS on any path under /api/
        return method == "OPTIONS";
    if (upgrade && method == "GET")
        return false;
    switch (to) {
    case endpoint::end_session:
    case endpoint::ingest_post:
    case endpoint::relay_publish:
    case endpoint::minutes_edit:
    case endpoint::archive_minutes_edit:
        return method == "POST";
    case endpoint::session_agenda:
    case endpoint::session_roster:
        return method == "PUT";
    case endpoint::ingest_seq:
        return method == "GET";
    default:
        return method == "GET" || method == "HEAD";
    }
}

std::string encoded(std::string_view s) {
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

// The target of a routed request, built from the result alone.
std::string target_of(route const& r) {
    auto const id = encoded(r.session);
    std::string path;
    switch (r.to) {
    case endpoint::healthz:
        path = "/healthz";
        break;
    case endpoint::readyz:
        path = "/readyz";
        break;
    case endpoint::metrics:
        path = "/metrics";
        break;
    case endpoint::index_page:
        path = "/";
        break;
    case endpoint::archive_page:
        path = "/archive";
        break;
    case endpoint::archived_page:
        path = "/archive/" + encoded(r.archive);
        break;
    case endpoint::session_page:
        path = "/sessions/" + id;
        break;
    case endpoint::static_asset:
        path = "/static/" + encoded(r.name);
        break;
    case endpoint::sessions_list:
        path = "/api/sessions";
        break;
    case endpoint::session_state:
        path = "/api/sessions/" + id;
        break;
    case endpoint::session_report_md:
        path = "/api/sessions/" + id + "/report.md";
        break;
    case endpoint::session_report_json:
        path = "/api/sessions/" + id + "/report.json";
        break;
    case endpoint::session_transcript:
        path = "/api/sessions/" + id + "/transcript.txt";
        break;
    case endpoint::session_report_html:
        path = "/api/sessions/" + id + "/report.html";
        break;
    case endpoint::session_report_odt:
        path = "/api/sessions/" + id + "/report.odt";
        break;
    case endpoint::end_session:
        path = "/api/sessions/" + id + "/end";
        break;
    case endpoint::session_agenda:
        path = "/api/sessions/" + id + "/agenda";
        break;
    case endpoint::session_roster:
        path = "/api/sessions/" + id + "/roster";
        break;
    case endpoint::minutes_edit:
        path = "/api/sessions/" + id + "/minutes/edits";
        break;
    case endpoint::minutes_editor:
        path = "/api/sessions/" + id + "/minutes/editor";
        break;
    case endpoint::archive_minutes_edit:
        path = "/api/archive/" + encoded(r.archive) + "/minutes/edits";
        break;
    case endpoint::archive_minutes_editor:
        path = "/api/archive/" + encoded(r.archive) + "/minutes/editor";
        break;
    case endpoint::archive_search:
        path = "/api/archive";
        break;
    case endpoint::archive_file:
        path = "/api/archive/" + encoded(r.archive) + "/" + encoded(r.name);
        break;
    case endpoint::ingest_post:
    case endpoint::ingest_socket:
        path = "/ingest/" + id;
        break;
    case endpoint::ingest_seq:
        path = "/ingest/" + id + "/seq";
        break;
    case endpoint::live_socket:
        path = "/live/" + id;
        break;
    case endpoint::relay_publish:
        path = "/pub/" + id;
        break;
    case endpoint::relay_socket:
        path = "/sub/" + id;
        break;
    case endpoint::api_contract: {
        auto const schema = std::string_view(r.name).starts_with("schemas/");
        path = "/api/" + (schema ? "schemas/" + encoded(r.name.substr(8)) : encoded(r.name));
        break;
    }
    case endpoint::api_preflight: // OPTIONS on any path under /api/
        path = "/api/sessions";
        break;
    default:
        break;
    }
    for (std::size_t i = 0; i < r.params.size(); ++i)
        path +=
            (i == 0 ? "?" : "&") + encoded(r.params[i].first) + "=" + encoded(r.params[i].second);
    return path;
}

// Whether the path of `target` (up to '?') has a segment that is "." or "..", with the dots
// written as they are or as %2E: an implementation of its own, apart from the router's.
bool has_dot_segment(std::string_view target) {
    auto path = target.substr(0, target.find('?'));
    while (!path.empty()) {
        path.remove_prefix(1); // the '/'
        auto const segment = path.substr(0, path.find('/'));
        std::size_t dots = 0;
        bool only_dots = true;
        for (std::size_t i = 0; i < segment.size() && only_dots;) {
            if (segment[i] == '.') {
                ++dots;
                ++i;
            } else if (segment.size() - i >= 3 && segment.substr(i, 2) == "%2" &&
                       (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
                ++dots;
                i += 3;
            } else {
                only_dots = false;
            }
        }
        if (only_dots && (dots == 1 || dots == 2))
            return true;
        path.remove_prefix(segment.size());
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view input(reinterpret_cast<char const*>(data), size);
    bool const upgrade = input.starts_with('~');
    if (upgrade)
        input.remove_prefix(1);
    std::string_view method = "GET";
    std::string_view target = input;
    if (auto const space = input.find(' '); space != std::string_view::npos) {
        method = input.substr(0, space);
        target = input.substr(space + 1);
    }

    auto const r = route_request(method, target, upgrade);
    MINUTED_CHECK(same(r, route_request(method, target, upgrade)));

    MINUTED_CHECK(r.needs == needs_of(r.to) || (r.to != endpoint::bad_request && is_refusal(r.to)));
    MINUTED_CHECK(r.to != endpoint::bad_request || r.needs == access::anyone);
    MINUTED_CHECK((r.to == endpoint::bad_request) ==
                  (r.error == target_error::malformed || r.error == target_error::bad_session_id));
    MINUTED_CHECK(r.error != target_error::dot_segment ||
                  (r.to == endpoint::not_found && r.needs == access::anyone));
    MINUTED_CHECK(r.allow.empty() == (r.to != endpoint::method_not_allowed));
    MINUTED_CHECK(r.reason.empty() == !is_refusal(r.to));
    MINUTED_CHECK(r.session.empty() || is_valid_session_id(r.session));
    MINUTED_CHECK(!names_a_session(r.to) || !r.session.empty());
    MINUTED_CHECK(r.to != endpoint::archive_file || is_valid_archive_id(r.archive));
    // An archive's minutes are its session's: the editors of that session edit them.
    MINUTED_CHECK(
        (r.to != endpoint::archive_minutes_edit && r.to != endpoint::archive_minutes_editor) ||
        (is_valid_archive_id(r.archive) && r.session == session_of_archive(r.archive)));
    MINUTED_CHECK(is_refusal(r.to) || takes(r.to, method, upgrade));
    // What the daemon answers as /api (JSON errors, CORS) is what the router routes there.
    MINUTED_CHECK(is_refusal(r.to) || under_api(r.to) == is_api_target(target));
    if (r.error != target_error::none) {
        MINUTED_CHECK(r.session.empty() && r.archive.empty() && r.name.empty());
        if (r.to == endpoint::bad_request)
            return 0;
    }

    // The router takes this target as origin-form, so it starts with '/'.
    MINUTED_CHECK(target.starts_with('/'));
    MINUTED_CHECK(has_dot_segment(target) == (r.error == target_error::dot_segment));
    for (auto const prefix : {"/.", "/%2E", "/%2e", "/./", "/.."}) {
        auto const dotted = route_request(method, prefix + std::string(target), upgrade);
        MINUTED_CHECK(dotted.to == endpoint::not_found && dotted.needs == access::anyone &&
                      dotted.error == target_error::dot_segment);
    }

    auto const path = target.substr(0, target.find('?'));
    auto const without_query = route_request(method, path, upgrade);
    MINUTED_CHECK(without_query.to == r.to && without_query.needs == r.needs &&
                  without_query.session == r.session && without_query.archive == r.archive &&
                  without_query.name == r.name && without_query.params.empty());

    if (!is_refusal(r.to)) {
        auto const again = route_request(method, target_of(r), upgrade);
        MINUTED_CHECK(same(again, r));
    }
    return 0;
}
