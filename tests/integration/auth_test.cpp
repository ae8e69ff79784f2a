// Issue 6: who may publish, view and administer, against the real daemon.

#include "tests/integration/harness.hpp"
#include "tests/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace minuted::testing {
namespace {

std::string const dccg_file = std::string(MINUTED_TEST_DATA) + "/dccg-90-2024-11-08.raw.txt";
std::string const publish = "publish-0123456789";
std::string const viewer = "viewer-0123456789";

std::string const tokens_config = R"([auth]
publish_token = "publish-0123456789"
viewer_token = "viewer-0123456789"
origins = ["https://captions.example.org"]
)";

// The HTTP status of a refused WebSocket upgrade, or 101.
unsigned upgrade_status(unsigned short port, std::string const& target,
                        std::string const& authorization = {}) {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    if (!authorization.empty())
        ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
            req.set(http::field::authorization, authorization);
        }));
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1", target, ec);
    return res.result_int();
}

TEST(auth, publishing_needs_the_token_and_replay_sends_it) {
    daemon_process d({}, tokens_config);
    EXPECT_EQ(upgrade_status(d.port(), "/ingest/m"), 401u);
    EXPECT_EQ(upgrade_status(d.port(), "/ingest/m", "Bearer wrong-token-0123456789"), 403u);
    d.process().wait_for(R"(http 127\.0\.0\.1:\d+: GET /ingest/m refused: wrong publish token)");
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1", "hello").status, 401u);
    http::fields bearer;
    bearer.set(http::field::authorization, "Bearer " + publish);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/p?seq=1", "hello\n", bearer).status,
              200u);

    auto const [code, out] = run_minuted(
        {"replay", dccg_file, "--to", d.url("/ingest/m"), "--speed", "max", "--token", publish});
    EXPECT_EQ(code, 0) << out;
    http::fields view;
    view.set(http::field::authorization, "Bearer " + viewer);
    auto const state = http_request(d.port(), http::verb::get, "/api/sessions/m", {}, view);
    EXPECT_EQ(state.status, 200u);
    EXPECT_EQ(boost::json::parse(state.body).at("agenda").as_array().size(), 5u);
    EXPECT_EQ(d.process().output().find(publish), std::string::npos); // never logged
}

TEST(auth, viewing_needs_the_viewer_token_which_a_page_link_keeps_in_a_cookie) {
    daemon_process d({}, tokens_config);
    http::fields bearer;
    bearer.set(http::field::authorization, "Bearer " + publish);
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1",
                           ">> MARKUS KUMMER: Good morning.\n", bearer)
                  .status,
              200u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions").status, 401u);
    EXPECT_EQ(http_get(d.port(), "/metrics").status, 401u);
    EXPECT_EQ(http_get(d.port(), "/").status, 200u); // pages hold no data
    EXPECT_EQ(http_get(d.port(), "/healthz").status, 200u);

    auto const page = http_get(d.port(), "/sessions/m?token=" + viewer);
    EXPECT_EQ(page.status, 200u);
    auto const cookie = std::string(page.headers[http::field::set_cookie]);
    EXPECT_EQ(cookie, "minuted_token=" + viewer + "; Path=/; HttpOnly; SameSite=Strict");
    http::fields with_cookie;
    with_cookie.set(http::field::cookie, "minuted_token=" + viewer);
    EXPECT_EQ(http_request(d.port(), http::verb::get, "/api/sessions", {}, with_cookie).status,
              200u);

    ws_client anonymous(d.port(), "/live/m");
    EXPECT_FALSE(anonymous.receive());
    EXPECT_EQ(anonymous.close_reason().code, 4401);
    ws_client wrong(d.port(), "/live/m?token=wrong-token-0123456789");
    EXPECT_FALSE(wrong.receive());
    EXPECT_EQ(wrong.close_reason().code, 4403);
    ws_client allowed(d.port(), "/live/m?token=" + viewer);
    EXPECT_EQ(allowed.receive_json().at("type"), "snapshot");
}

// The viewer token guards what the request is routed to, however its path is spelled: a "/."
// prefix (which Boost.URL hides from a path's segments), dot segments, empty segments, "%2E"
// and "%2F" once let a request reach a session's data while the token check saw another path.
TEST(auth, no_spelling_of_a_data_path_is_served_without_the_viewer_token) {
    daemon_process d({}, tokens_config);
    http::fields publisher;
    publisher.set(http::field::authorization, "Bearer " + publish);
    for (std::string const id : {"m", "end", "gone"})
        ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/" + id + "?seq=1",
                               ">> MARKUS KUMMER: Good morning.\n", publisher)
                      .status,
                  200u);
    // Ended from loopback (no admin token is configured), so it is archived.
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/gone/end").status, 200u);
    http::fields viewing;
    viewing.set(http::field::authorization, "Bearer " + viewer);
    std::string archive;
    for (int i = 0; i < 1200 && archive.empty(); ++i) {
        auto const list = boost::json::parse(
            http_request(d.port(), http::verb::get, "/api/archive", {}, viewing).body);
        for (auto const& s : list.at("sessions").as_array())
            if (s.at("session") == "gone")
                archive = s.at("archive").as_string();
        if (archive.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(archive.empty());

    // With the token each is served, so the refusals below are not for want of data.
    for (std::string const& target : std::vector<std::string>{
             "/api/sessions/m", "/api/sessions/end", "/api/sessions/m/transcript.txt",
             "/api/archive/" + archive + "/state.json", "/metrics", "/api/sessions"})
        EXPECT_EQ(http_request(d.port(), http::verb::get, target, {}, viewing).status, 200u)
            << target;

    for (std::string const& target : std::vector<std::string>{
             "/./api/sessions/m",
             "/./api/sessions/m/report.md",
             "/./api/sessions/m/report.json",
             "/./api/sessions/m/transcript.txt",
             "/.//api/sessions/m",
             "/././api/sessions/m",
             "/%2E/api/sessions/m",
             "/%2e/api/sessions/m",
             "/.%2E/api/sessions/m",
             "/%2e%2e/api/sessions/m",
             "/../api/sessions/m",
             "/x/../api/sessions/m",
             "/api/./sessions/m",
             "/api/sessions/./m",
             "/api/sessions/m/.",
             "/api/sessions/m/./report.md",
             "/api/x/../sessions/m",
             "//api/sessions/m",
             "/api//sessions/m",
             "/api%2Fsessions/m",
             "/api%2fsessions%2Fm",
             "/%61pi/sessions/m",
             "/api/sessions/end",
             "/./api/sessions/end",
             "/./api/sessions",
             "/./api/archive",
             "/./api/archive/" + archive + "/state.json",
             "/./api/archive/" + archive + "/transcript.txt",
             "/%2E/api/archive/" + archive + "/report.md",
             "/./metrics",
             "/.//metrics",
             "/%2E/metrics",
             "/metrics/.",
             "/%6Detrics",
             "/./api/sessions/m?token=wrong",
         }) {
        auto const r = http_get(d.port(), target);
        EXPECT_TRUE(r.status == 400u || r.status == 401u || r.status == 404u)
            << target << ": " << r.status << "\n"
            << r.body;
        EXPECT_EQ(r.body.find("Good morning"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("minuted_"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("\"session"), std::string::npos) << target;
    }

    // A refused target is logged by its path alone: a token in its query stays out of the log.
    EXPECT_EQ(http_get(d.port(), "/api/sessions/a%2Fb?token=" + viewer).status, 400u);
    d.process().wait_for(R"(GET /api/sessions/a%2Fb: session id must be)");
    EXPECT_EQ(d.process().output().find(viewer), std::string::npos);

    // A WebSocket is routed by the same reading of its path.
    for (std::string const target : {"/./live/m", "/.//live/m", "/%2E/live/m", "/live/./m"}) {
        std::optional<ws_client> c;
        try {
            c.emplace(d.port(), target);
        } catch (boost::system::system_error const&) {
            continue; // refused before the upgrade
        }
        EXPECT_FALSE(c->receive()) << target;
        EXPECT_EQ(c->close_reason().code, 4401) << target;
    }
}

TEST(auth, a_websocket_from_a_page_of_another_origin_is_refused) {
    daemon_process d({}, tokens_config);
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(http::field::origin, "https://evil.example");
    }));
    ws.handshake("127.0.0.1", "/live/m?token=" + viewer);
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    EXPECT_EQ(ws.reason().code, 4403);
    EXPECT_EQ(std::string(ws.reason().reason.data(), ws.reason().reason.size()),
              "origin https://evil.example is not allowed");
}

TEST(auth, listening_beyond_loopback_without_a_publish_token_is_refused_at_start) {
    temp_dir dir;
    auto const [code, out] = run_minuted(
        {"serve", "--listen", "0.0.0.0:0", "--state-dir", (dir.path() / "state").string()});
    EXPECT_EQ(code, 78);
    EXPECT_NE(out.find("listening on 0.0.0.0 needs a publish token"), std::string::npos) << out;
}

} // namespace
} // namespace minuted::testing
