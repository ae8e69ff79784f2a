#include "protocol/route.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {
namespace {

using e = endpoint;

struct route_case {
    std::string_view method;
    std::string target;
    bool upgrade = false;
    endpoint to;
    access needs;
    std::string session = {};
    std::string archive = {};
    std::string name = {};
};

// Each case names a request and where it must go.
void expect_routes(std::vector<route_case> const& cases) {
    for (auto const& c : cases) {
        SCOPED_TRACE(std::string(c.method) + " " + c.target.substr(0, 200) +
                     (c.upgrade ? " (upgrade)" : ""));
        auto const r = route_request(c.method, c.target, c.upgrade);
        EXPECT_EQ(r.to, c.to);
        EXPECT_EQ(r.needs, c.needs);
        EXPECT_EQ(r.session, c.session);
        EXPECT_EQ(r.archive, c.archive);
        EXPECT_EQ(r.name, c.name);
        if (r.to == e::bad_request) {
            EXPECT_NE(r.error, target_error::none);
        } else if (r.to != e::not_found) {
            EXPECT_EQ(r.error, target_error::none);
        }
        EXPECT_EQ(r.allow.empty(), r.to != e::method_not_allowed);
    }
}

TEST(route_request, every_endpoint_by_its_path_method_and_upgrade) {
    auto const anyone = access::anyone;
    auto const view = access::view;
    auto const publish = access::publish;
    expect_routes({
        {"GET", "/", false, e::index_page, anyone},
        {"HEAD", "/", false, e::index_page, anyone},
        {"GET", "/healthz", false, e::healthz, anyone},
        {"GET", "/readyz", false, e::readyz, anyone},
        {"GET", "/metrics", false, e::metrics, view},
        {"GET", "/archive", false, e::archive_page, anyone},
        {"GET", "/archive/m-20261108-093000", false, e::archived_page, anyone, "",
         "m-20261108-093000"},
        {"GET", "/static/session.js", false, e::static_asset, anyone, "", "", "session.js"},
        {"GET", "/sessions/m", false, e::session_page, anyone, "m"},
        {"GET", "/api/sessions", false, e::sessions_list, view},
        {"GET", "/api/sessions/m", false, e::session_state, view, "m"},
        {"HEAD", "/api/sessions/m", false, e::session_state, view, "m"},
        {"GET", "/api/sessions/m/report.md", false, e::session_report_md, view, "m"},
        {"GET", "/api/sessions/m/report.json", false, e::session_report_json, view, "m"},
        {"GET", "/api/sessions/m/transcript.txt", false, e::session_transcript, view, "m"},
        {"GET", "/api/sessions/m/report.html", false, e::session_report_html, view, "m"},
        {"GET", "/api/sessions/m/report.odt", false, e::session_report_odt, view, "m"},
        {"POST", "/api/sessions/m/end", false, e::end_session, access::admin, "m"},
        {"PUT", "/api/sessions/m/agenda", false, e::session_agenda, access::publish_or_admin, "m"},
        {"PUT", "/api/sessions/m/roster", false, e::session_roster, access::publish_or_admin, "m"},
        {"POST", "/api/sessions/m/minutes/edits", false, e::minutes_edit, access::edit, "m"},
        {"GET", "/api/sessions/m/minutes/editor", false, e::minutes_editor, view, "m"},
        {"GET", "/api/archive", false, e::archive_search, view},
        {"GET", "/api/archive/m-20261108-093000/state.json", false, e::archive_file, view, "",
         "m-20261108-093000", "state.json"},
        {"POST", "/api/archive/m-20261108-093000/minutes/edits", false, e::archive_minutes_edit,
         access::edit, "m", "m-20261108-093000"},
        {"GET", "/api/archive/a-b-20261108-093000-2/minutes/editor", false,
         e::archive_minutes_editor, view, "a-b", "a-b-20261108-093000-2"},
        {"POST", "/ingest/m", false, e::ingest_post, publish, "m"},
        {"GET", "/ingest/m/seq", false, e::ingest_seq, publish, "m"},
        {"GET", "/live/m", true, e::live_socket, view, "m"},
        {"GET", "/ingest/m", true, e::ingest_socket, publish, "m"},
        {"GET", "/ingest/Plenary_2026-11.08", true, e::ingest_socket, publish,
         "Plenary_2026-11.08"},
    });
}

TEST(route_request, a_session_named_end_is_a_session_not_the_admin_end) {
    // Once "/api/sessions/end" escaped the viewer token, because the check skipped every path
    // ending in "/end".
    expect_routes({
        {"GET", "/api/sessions/end", false, e::session_state, access::view, "end"},
        {"GET", "/api/sessions/end/report.md", false, e::session_report_md, access::view, "end"},
        {"POST", "/api/sessions/end/end", false, e::end_session, access::admin, "end"},
        {"GET", "/sessions/end", false, e::session_page, access::anyone, "end"},
    });
}

TEST(route_request, a_method_a_path_does_not_take_is_405_with_the_allow_list) {
    auto const anyone = access::anyone;
    auto const view = access::view;
    auto const publish = access::publish;
    expect_routes({
        {"POST", "/", false, e::method_not_allowed, anyone},
        {"DELETE", "/healthz", false, e::method_not_allowed, anyone},
        {"POST", "/readyz", false, e::method_not_allowed, anyone},
        {"PUT", "/metrics", false, e::method_not_allowed, view},
        {"POST", "/api/sessions/m/agenda", false, e::method_not_allowed, access::publish_or_admin,
         "m"},
        {"POST", "/api/sessions/m/minutes/editor", false, e::method_not_allowed, view, "m"},
        {"GET", "/api/sessions/m/roster", false, e::method_not_allowed, access::publish_or_admin,
         "m"},
        {"POST", "/archive", false, e::method_not_allowed, anyone},
        {"POST", "/archive/a", false, e::method_not_allowed, anyone, "", "a"},
        {"POST", "/static/viewer.css", false, e::method_not_allowed, anyone, "", "", "viewer.css"},
        {"POST", "/sessions/m", false, e::method_not_allowed, anyone, "m"},
        {"PATCH", "/api/sessions", false, e::method_not_allowed, view},
        {"DELETE", "/api/sessions/m", false, e::method_not_allowed, view, "m"},
        {"POST", "/api/sessions/m/report.md", false, e::method_not_allowed, view, "m"},
        {"POST", "/api/archive", false, e::method_not_allowed, view},
        {"PUT", "/api/archive/a/report.md", false, e::method_not_allowed, view, "", "a",
         "report.md"},
        {"GET", "/api/sessions/m/end", false, e::method_not_allowed, access::admin, "m"},
        {"HEAD", "/api/sessions/m/end", false, e::method_not_allowed, access::admin, "m"},
        {"GET", "/ingest/m", false, e::method_not_allowed, publish, "m"},
        {"PUT", "/ingest/m", false, e::method_not_allowed, publish, "m"},
        {"HEAD", "/ingest/m/seq", false, e::method_not_allowed, publish, "m"},
        {"POST", "/ingest/m/seq", false, e::method_not_allowed, publish, "m"},
        // Methods are case-sensitive (RFC 9110 9.1).
        {"get", "/healthz", false, e::method_not_allowed, anyone},
        {"Post", "/ingest/m", false, e::method_not_allowed, publish, "m"},
    });

    auto const get = route_request("POST", "/api/sessions/m", false);
    EXPECT_EQ(get.allow, "GET, HEAD");
    EXPECT_EQ(get.reason, "GET only");
    auto const end = route_request("GET", "/api/sessions/m/end", false);
    EXPECT_EQ(end.allow, "POST");
    EXPECT_EQ(end.reason, "POST to end a session");
    auto const ingest = route_request("GET", "/ingest/m", false);
    EXPECT_EQ(ingest.allow, "POST");
    EXPECT_EQ(ingest.reason, "POST caption text to /ingest/{session}?seq=N");
    auto const seq = route_request("POST", "/ingest/m/seq", false);
    EXPECT_EQ(seq.allow, "GET");
    EXPECT_EQ(seq.reason, "POST caption text to /ingest/{session}?seq=N");
}

TEST(route_request, websockets_are_live_and_ingest_alone_and_only_for_get) {
    auto const anyone = access::anyone;
    expect_routes({
        {"GET", "/live/m", false, e::not_found, anyone}, // no upgrade: no HTTP resource
        {"GET", "/live/m/x", true, e::not_found, anyone},
        {"GET", "/live", true, e::not_found, anyone},
        {"GET", "/ingest/m/seq", true, e::not_found, anyone},
        {"GET", "/api/sessions", true, e::not_found, anyone},
        {"GET", "/", true, e::not_found, anyone},
        // An upgrade is a GET (RFC 6455 4.1); anything else is routed as plain HTTP.
        {"POST", "/ingest/m", true, e::ingest_post, access::publish, "m"},
        {"POST", "/live/m", true, e::not_found, anyone},
    });
    EXPECT_EQ(route_request("GET", "/api/sessions", true).reason, "no WebSocket at this path");
    EXPECT_EQ(route_request("GET", "/nowhere", false).reason, "not found");
}

TEST(route_request, session_ids_are_checked_after_decoding_and_refused_with_400) {
    auto const bad = [](std::string_view method, std::string target, bool upgrade = false) {
        return route_case{method, std::move(target), upgrade, e::bad_request, access::anyone};
    };
    std::string const longest(64, 'a');
    expect_routes({
        bad("GET", "/api/sessions/a%2Fb"),
        bad("GET", "/api/sessions/..%2F..%2Fetc"),
        bad("GET", "/api/sessions/.hidden"),
        bad("GET", "/api/sessions/"), // an empty id
        bad("GET", "/api/sessions/" + longest + "a"),
        bad("GET", "/api/sessions/a%20b/report.md"),
        bad("POST", "/api/sessions/a%2Fb/end"),
        bad("GET", "/sessions/a%2Fb"),
        bad("POST", "/sessions/a%2Fb"), // the target is refused before the method
        bad("POST", "/ingest/a%2Fb"),
        bad("GET", "/ingest/a:b/seq"),
        bad("GET", "/ingest/%00", true),
        bad("GET", "/live/a%2Fb", true),
        bad("GET", "/live/caf%C3%A9", true),
        {"GET", "/api/sessions/" + longest, false, e::session_state, access::view, longest},
        {"GET", "/api/sessions/%6D", false, e::session_state, access::view, "m"},
        {"GET", "/live/%6d", true, e::live_socket, access::view, "m"},
    });
    auto const r = route_request("GET", "/api/sessions/a%2Fb", false);
    EXPECT_EQ(r.error, target_error::bad_session_id);
    EXPECT_EQ(r.reason, "session id must be 1-64 letters, digits, '.', '_' or '-'");
}

TEST(route_request, an_encoded_slash_stays_inside_its_segment) {
    auto const anyone = access::anyone;
    expect_routes({
        {"GET", "/api%2Fsessions", false, e::not_found, anyone},
        {"GET", "/api%2fsessions%2Fm", false, e::not_found, anyone},
        {"GET", "/metrics%2F", false, e::not_found, anyone},
        {"GET", "/static/..%2Fserver.cpp", false, e::static_asset, anyone, "", "", "../server.cpp"},
        {"GET", "/archive/a%2Fb", false, e::archived_page, anyone, "", "a/b"},
        {"GET", "/api/archive/a%2Fb/state.json", false, e::not_found, access::view},
        {"GET", "/api/archive/a/x%2Fy", false, e::archive_file, access::view, "", "a", "x/y"},
        {"GET", "/api/archive/a/state%2Ejson", false, e::archive_file, access::view, "", "a",
         "state.json"},
        {"GET", "/ingest%2Fm", true, e::not_found, anyone},
    });
}

TEST(route_request, a_path_with_a_dot_segment_names_nothing_however_it_is_spelt) {
    // "/./api/..." once reached the API past the viewer token: Boost.URL's segments() hides a
    // leading "/.", so routing saw "/api/..." while the token check saw "/./api/...". Such a
    // path is not resolved; it is a 404, as most of them were before.
    for (std::string const target : {"/./api/sessions/m",
                                     "/.//api/sessions/m",
                                     "/././api/sessions/m",
                                     "/%2E/api/sessions/m",
                                     "/%2e/api/sessions/m",
                                     "/.%2E/api/sessions/m",
                                     "/%2e%2E/api/sessions/m",
                                     "/../api/sessions/m",
                                     "/x/../api/sessions/m",
                                     "/api/./sessions/m",
                                     "/api/sessions/./m",
                                     "/api/sessions/m/.",
                                     "/api/sessions/m/..",
                                     "/api/sessions/m/./end",
                                     "/./metrics",
                                     "/metrics/.",
                                     "/./api/archive/a/state.json",
                                     "/.",
                                     "/..",
                                     "/./",
                                     "/../",
                                     "/static/.",
                                     "/static/..",
                                     "/sessions/..",
                                     "/./ingest/m",
                                     "/ingest/m/./seq",
                                     "/./api/sessions/m?token=x"}) {
        for (auto const method : {"GET", "HEAD", "POST"}) {
            auto const r = route_request(method, target, false);
            EXPECT_EQ(r.to, e::not_found) << method << " " << target;
            EXPECT_EQ(r.error, target_error::dot_segment) << method << " " << target;
            EXPECT_EQ(r.needs, access::anyone) << target;
            EXPECT_EQ(r.reason, "not found") << target;
            EXPECT_TRUE(r.session.empty()) << target;
        }
    }
    for (auto const target : {"/./live/m", "/%2E/live/m", "/live/./m", "/x/../live/m"}) {
        auto const r = route_request("GET", target, true);
        EXPECT_EQ(r.to, e::not_found) << target;
        EXPECT_EQ(r.error, target_error::dot_segment) << target;
        EXPECT_EQ(r.reason, "no WebSocket at this path") << target;
    }
    EXPECT_EQ(route_request("GET", "/static/ok", false).error, target_error::none);

    // Names that merely start with dots are names.
    expect_routes({
        {"GET", "/static/.x", false, e::static_asset, access::anyone, "", "", ".x"},
        {"GET", "/static/...", false, e::static_asset, access::anyone, "", "", "..."},
        {"GET", "/...", false, e::not_found, access::anyone},
        {"GET", "/api/sessions/m.", false, e::session_state, access::view, "m."},
    });
}

TEST(route_request, empty_segments_name_nothing) {
    expect_routes({
        {"GET", "//", false, e::not_found, access::anyone},
        {"GET", "//api/sessions/m", false, e::not_found, access::anyone},
        {"GET", "//metrics", false, e::not_found, access::anyone},
        {"GET", "/api//sessions/m", false, e::not_found, access::view},
        {"GET", "/api/sessions//report.md", false, e::bad_request, access::anyone},
        {"GET", "/metrics/", false, e::not_found, access::anyone},
        {"GET", "/api/", false, e::not_found, access::view},
        {"GET", "/api", false, e::not_found, access::anyone},
        {"GET", "/static/", false, e::static_asset, access::anyone},
    });
}

TEST(route_request, the_query_is_decoded_into_parameters_and_never_changes_the_route) {
    auto const r = route_request("GET", "/api/archive?q=a+b%26c&speaker=%4Bummer&limit", false);
    EXPECT_EQ(r.to, e::archive_search);
    ASSERT_EQ(r.params.size(), 3u);
    EXPECT_EQ(r.param("q"), "a b&c");
    EXPECT_EQ(r.param("speaker"), "Kummer");
    EXPECT_EQ(r.param("limit"), ""); // present, empty
    EXPECT_EQ(r.param("from"), std::nullopt);

    auto const twice = route_request("GET", "/api/sessions/m?token=first&token=second", false);
    EXPECT_EQ(twice.param("token"), "first");

    auto const live = route_request("GET", "/live/m?since=12&epoch=e1", true);
    EXPECT_EQ(live.to, e::live_socket);
    EXPECT_EQ(live.param("since"), "12");
    EXPECT_EQ(live.param("epoch"), "e1");

    expect_routes({
        {"GET", "/api/sessions?x=/./../", false, e::sessions_list, access::view},
        {"GET", "/?", false, e::index_page, access::anyone},
        {"GET", "/metrics?/metrics", false, e::metrics, access::view},
        {"POST", "/ingest/m?seq=7", false, e::ingest_post, access::publish, "m"},
        {"GET", "/sessions/m?token=0123456789abcdef", false, e::session_page, access::anyone, "m"},
    });
}

TEST(route_request, a_target_that_is_not_origin_form_is_malformed) {
    for (std::string const& target : std::vector<std::string>{
             "http://127.0.0.1:8080/api/sessions", "https://h/metrics", "*", "", "api/sessions",
             "127.0.0.1:8080", "/a b", "/a%zz", "/a%2", "/a#fragment", "/api/sessions\n",
             std::string("/a\0b", 4), "/caf\xc3\xa9"}) {
        auto const r = route_request("GET", target, false);
        EXPECT_EQ(r.to, e::bad_request) << target;
        EXPECT_EQ(r.error, target_error::malformed) << target;
        EXPECT_EQ(r.needs, access::anyone) << target;
        EXPECT_EQ(r.reason, "malformed request target");
        EXPECT_EQ(route_request("GET", target, true).error, target_error::malformed) << target;
    }
}

TEST(route_request, very_long_targets_are_routed_like_short_ones) {
    std::string const big(100'000, 'a');
    std::string many_segments;
    for (int i = 0; i < 20'000; ++i)
        many_segments += "/a";
    std::string many_dots = "/api";
    for (int i = 0; i < 20'000; ++i)
        many_dots += "/.";
    std::string many_params = "/api/sessions?";
    for (int i = 0; i < 10'000; ++i)
        many_params += "k" + std::to_string(i) + "=v&";
    expect_routes({
        {"GET", "/static/" + big, false, e::static_asset, access::anyone, "", "", big},
        {"GET", "/archive/" + big, false, e::archived_page, access::anyone, "", big},
        {"GET", "/api/sessions/" + big, false, e::bad_request, access::anyone},
        {"GET", "/api/archive/" + big + "/state.json", false, e::not_found, access::view},
        {"GET", "/" + big, false, e::not_found, access::anyone},
        {"GET", many_segments, false, e::not_found, access::anyone},
        {"GET", many_dots, false, e::not_found, access::anyone},
        {"GET", many_params, false, e::sessions_list, access::view},
    });
    EXPECT_EQ(route_request("GET", many_params, false).params.size(), 10'001u);
}

TEST(route_request, archive_ids_are_folder_names_never_paths) {
    EXPECT_TRUE(is_valid_archive_id("m-20261108-093000"));
    EXPECT_TRUE(is_valid_archive_id("a.b_c-2"));
    EXPECT_TRUE(is_valid_archive_id(std::string(128, 'x')));
    EXPECT_FALSE(is_valid_archive_id(std::string(129, 'x')));
    for (auto const id : {"", ".", "..", ".hidden", "a/b", "a\\b", "a b", "caf\xc3\xa9", "a%2Fb"})
        EXPECT_FALSE(is_valid_archive_id(id)) << id;
    expect_routes({
        {"GET", "/api/archive/.hidden/state.json", false, e::not_found, access::view},
        {"GET", "/api/archive/a%5Cb/state.json", false, e::not_found, access::view},
        {"GET", "/api/archive//state.json", false, e::not_found, access::view},
    });
}

} // namespace
} // namespace minuted::protocol

namespace minuted::protocol {
namespace {

TEST(route, an_archive_name_says_its_session_as_minuted_names_archives) {
    EXPECT_EQ(session_of_archive("m-20261108-093000"), "m");
    EXPECT_EQ(session_of_archive("m-20261108-093000-3"), "m");
    EXPECT_EQ(session_of_archive("a-1-20261108-093000"), "a-1");
    // A session named like an archive keeps its name whole.
    EXPECT_EQ(session_of_archive("x-20261108-093000-20261109-101500"), "x-20261108-093000");
    EXPECT_EQ(session_of_archive("x-20261108-093000-20261109-101500-2"), "x-20261108-093000");
    for (auto const* no :
         {"m", "20261108-093000", "-20261108-093000", "m-2026110-093000", "m-20261108-09300",
          "m-20261108-093000-", "m-20261108-093000-x", ".m-20261108-093000"})
        EXPECT_EQ(session_of_archive(no), "") << no;
    // Such a name is not an archive of anything: nothing to edit there.
    EXPECT_EQ(route_request("POST", "/api/archive/notes/minutes/edits", false).to,
              endpoint::not_found);
}

// PROTOCOL.md, "The API's description" and "CORS": the description needs no token; a
// preflight is answered anywhere under /api/, before the path is read, since it carries none.
TEST(route_request, the_api_description_and_preflights_need_no_token) {
    auto const anyone = access::anyone;
    expect_routes({
        {"GET", "/api/openapi.json", false, e::api_contract, anyone, "", "", "openapi.json"},
        {"HEAD", "/api/report.schema.json", false, e::api_contract, anyone, "", "",
         "report.schema.json"},
        {"GET", "/api/schemas/live.schema.json", false, e::api_contract, anyone, "", "",
         "schemas/live.schema.json"},
        {"GET", "/api/schemas/nothing.json", false, e::api_contract, anyone, "", "",
         "schemas/nothing.json"},
        {"POST", "/api/openapi.json", false, e::method_not_allowed, anyone, "", "", "openapi.json"},
        {"GET", "/api/other.json", false, e::not_found, access::view},
        {"GET", "/api/schemas/a/b", false, e::not_found, access::view},
        {"OPTIONS", "/api/sessions/m/minutes/edits", false, e::api_preflight, anyone},
        {"OPTIONS", "/api/anything/at/all", false, e::api_preflight, anyone},
        {"OPTIONS", "/api/sessions/bad%20id", false, e::api_preflight, anyone},
        {"OPTIONS", "/metrics", false, e::method_not_allowed, access::view},
    });
}

// JSON errors and CORS headers go with whatever the router takes as /api, however spelt.
TEST(is_api_target, the_first_segment_decoded_as_the_router_decodes_it) {
    for (auto const* target : {"/api", "/api/", "/api/sessions", "/%61pi/sessions", "/%61%70%69",
                               "/api/no/such/thing?x=1", "/api/../metrics", "/api?x"})
        EXPECT_TRUE(is_api_target(target)) << target;
    for (auto const* target :
         {"/", "/apis", "/API/sessions", "/metrics", "/static/api", "/./api/sessions", "/%2Fapi",
          "api/sessions", "http://h/api/x", "/api%2Fsessions", "/%zzpi"})
        EXPECT_FALSE(is_api_target(target)) << target;
    EXPECT_EQ(route_request("GET", "/%61pi/sessions", false).to, endpoint::sessions_list);
}

} // namespace
} // namespace minuted::protocol
