// Who may publish, view and administer, against the real daemon: the tokens of [auth], the
// loopback-only default, and the Host and Origin checks that keep a browser page out.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <thread>

namespace minuted::testing {
namespace {

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
    daemon_process d({.config = tokens_config});
    EXPECT_EQ(upgrade_status(d.port(), "/ingest/m"), 401u);
    EXPECT_EQ(upgrade_status(d.port(), "/ingest/m", "Bearer wrong-token-0123456789"), 403u);
    d.process().wait_for(R"(http 127\.0\.0\.1:\d+: GET /ingest/m refused: wrong publish token)");
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1", "hello").status, 401u);
    http::fields bearer;
    bearer.set(http::field::authorization, "Bearer " + publish_token);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/p?seq=1", "hello\n", bearer).status,
              200u);

    auto const r = run_minuted({"replay", dccg_file, "--to", d.url("/ingest/m"), "--speed", "max",
                                "--token", publish_token});
    EXPECT_EQ(r.exit_code, 0) << r.output();
    http::fields view;
    view.set(http::field::authorization, "Bearer " + viewer_token);
    auto const state = http_request(d.port(), http::verb::get, "/api/sessions/m", {}, view);
    EXPECT_EQ(state.status, 200u);
    EXPECT_EQ(boost::json::parse(state.body).at("agenda").as_array().size(), 5u);
    EXPECT_EQ(d.process().output().find(publish_token), std::string::npos); // never logged
}

TEST(auth, viewing_needs_the_viewer_token_which_a_page_link_keeps_in_a_cookie) {
    daemon_process d({.config = tokens_config});
    http::fields bearer;
    bearer.set(http::field::authorization, "Bearer " + publish_token);
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1",
                           ">> MARKUS KUMMER: Good morning.\n", bearer)
                  .status,
              200u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions").status, 401u);
    EXPECT_EQ(http_get(d.port(), "/metrics").status, 401u);
    EXPECT_EQ(http_get(d.port(), "/").status, 200u); // pages hold no data
    EXPECT_EQ(http_get(d.port(), "/healthz").status, 200u);

    auto const page = http_get(d.port(), "/sessions/m?token=" + viewer_token);
    EXPECT_EQ(page.status, 200u);
    auto const cookie = std::string(page.headers[http::field::set_cookie]);
    EXPECT_EQ(cookie, "minuted_token=" + viewer_token + "; Path=/; HttpOnly; SameSite=Strict");
    http::fields with_cookie;
    with_cookie.set(http::field::cookie, "minuted_token=" + viewer_token);
    EXPECT_EQ(http_request(d.port(), http::verb::get, "/api/sessions", {}, with_cookie).status,
              200u);

    ws_client anonymous(d.port(), "/live/m");
    EXPECT_FALSE(anonymous.receive());
    EXPECT_EQ(anonymous.close_reason().code, 4401);
    ws_client wrong(d.port(), "/live/m?token=wrong-token-0123456789");
    EXPECT_FALSE(wrong.receive());
    EXPECT_EQ(wrong.close_reason().code, 4403);
    ws_client allowed(d.port(), "/live/m?token=" + viewer_token);
    EXPECT_EQ(allowed.receive_json().at("type"), "snapshot");
}

// The viewer token guards what the request is routed to, however its path is spelled: a "/."
// prefix (which Boost.URL hides from a path's segments), dot segments, empty segments, "%2E"
// and "%2F" once let a request reach a session's data while the token check saw another path.
TEST(auth, no_spelling_of_a_data_path_is_served_without_the_viewer_token) {
    daemon_process d({.config = tokens_config});
    http::fields publisher;
    publisher.set(http::field::authorization, "Bearer " + publish_token);
    for (std::string const id : {"m", "end", "gone"})
        ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/" + id + "?seq=1",
                               ">> MARKUS KUMMER: Good morning.\n", publisher)
                      .status,
                  200u);
    // Ended from loopback (no admin token is configured), so it is archived.
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/gone/end").status, 200u);
    http::fields viewing;
    viewing.set(http::field::authorization, "Bearer " + viewer_token);
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
    EXPECT_EQ(http_get(d.port(), "/api/sessions/a%2Fb?token=" + viewer_token).status, 400u);
    d.process().wait_for(R"(GET /api/sessions/a%2Fb: session id must be)");
    EXPECT_EQ(d.process().output().find(viewer_token), std::string::npos);

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
    daemon_process d({.config = tokens_config});
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(http::field::origin, "https://evil.example");
    }));
    ws.handshake("127.0.0.1", "/live/m?token=" + viewer_token);
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    EXPECT_EQ(ws.reason().code, 4403);
    EXPECT_EQ(std::string(ws.reason().reason.data(), ws.reason().reason.size()),
              "origin https://evil.example is not allowed ([auth] origins)");
}

// What a page of another site can make a browser send: its Origin on every write.
http::fields from_origin(std::string const& origin) {
    http::fields f;
    f.set(http::field::origin, origin);
    return f;
}

TEST(auth, a_page_of_another_site_cannot_publish_end_or_open_sockets_by_default) {
    daemon_process d;
    auto const evil = from_origin("https://evil.example");
    auto const post = [&](std::string const& target, http::fields const& f) {
        return http_request(d.port(), http::verb::post, target, ">> EVIL: x\r\n", f);
    };
    auto const refused = post("/ingest/s?seq=1", evil);
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.body, "origin https://evil.example is not allowed ([auth] origins)\n");
    EXPECT_EQ(post("/ingest/s", evil).status, 403u);
    EXPECT_EQ(post("/pub/s", evil).status, 403u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions/s").status, 404u); // nothing was created

    // The daemon's own pages may; so may a tool that sends no Origin.
    auto own = from_origin("http://127.0.0.1:" + std::to_string(d.port()));
    own.set(http::field::host, "127.0.0.1:" + std::to_string(d.port()));
    EXPECT_EQ(post("/ingest/s?seq=1", own).status, 200u);
    EXPECT_EQ(post("/ingest/s?seq=2", {}).status, 200u);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/s/end", {}, evil).status,
              403u);
    EXPECT_FALSE(
        boost::json::parse(http_get(d.port(), "/api/sessions/s").body).at("ended").as_bool());
    d.process().wait_for(
        R"(http 127\.0\.0\.1:\d+: POST /api/sessions/s/end refused: origin https://evil\.example)");

    auto const upgrade = [&](std::string const& origin) {
        net::io_context ioc;
        websocket::stream<beast::tcp_stream> ws(ioc);
        ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
        ws.set_option(websocket::stream_base::decorator(
            [&](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        websocket::response_type res;
        beast::error_code ec;
        ws.handshake(res, "127.0.0.1:" + std::to_string(d.port()), "/ingest/t", ec);
        return res.result_int();
    };
    EXPECT_EQ(upgrade("https://evil.example"), 403u);
    EXPECT_EQ(upgrade("null"), 403u); // a sandboxed page or a file
    EXPECT_EQ(upgrade("http://127.0.0.1:" + std::to_string(d.port())), 101u);
}

TEST(auth, configured_origins_may_write_and_others_may_not_on_the_ingest_socket_either) {
    daemon_process d({.config = tokens_config});
    auto const upgrade = [&](std::string const& origin) {
        net::io_context ioc;
        websocket::stream<beast::tcp_stream> ws(ioc);
        ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
        ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
            req.set(http::field::origin, origin);
            req.set(http::field::authorization, "Bearer " + publish_token);
        }));
        websocket::response_type res;
        beast::error_code ec;
        ws.handshake(res, "127.0.0.1", "/ingest/m", ec);
        return res.result_int();
    };
    EXPECT_EQ(upgrade("https://evil.example"), 403u);
    EXPECT_EQ(upgrade("https://captions.example.org"), 101u);
}

TEST(auth, a_host_name_that_is_not_the_daemons_is_refused_against_dns_rebinding) {
    daemon_process d({.config = "[server]\nallowed_hosts = [\"captions.example.org\"]\n"});
    auto const with_host = [&](std::string const& host, http::verb verb = http::verb::get,
                               std::string const& target = "/api/sessions") {
        http::fields f;
        f.set(http::field::host, host);
        return http_request(d.port(), verb, target, ">> EVIL: x\r\n", f);
    };
    auto const refused = with_host("rebound.evil.example:" + std::to_string(d.port()));
    EXPECT_EQ(refused.status, 403u);
    // Under /api, as every error there: {"error"}.
    EXPECT_EQ(refused.body, "{\"error\":\"host rebound.evil.example:" + std::to_string(d.port()) +
                                " is not a name of this daemon ([server] allowed_hosts)\"}\n");
    EXPECT_EQ(with_host("rebound.evil.example", http::verb::post, "/ingest/s?seq=1").status, 403u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions/s").status, 404u);
    for (auto const* ok : {"127.0.0.1", "localhost:8080", "[::1]:8080", "app.localhost",
                           "Captions.Example.org", "captions.example.org:443"})
        EXPECT_EQ(with_host(ok).status, 200u) << ok;
    d.process().wait_for(R"(GET /api/sessions refused: host rebound\.evil\.example)");
}

// How many responses a raw exchange holds.
std::size_t responses_in(std::string const& raw) {
    std::size_t n = 0;
    for (auto at = raw.find("HTTP/1."); at != std::string::npos; at = raw.find("HTTP/1.", at + 1))
        ++n;
    return n;
}

TEST(http, a_transfer_encoding_not_ending_in_chunked_is_refused_and_the_connection_closed) {
    daemon_process d;
    for (std::string const te : {"xchunked", "identity", "gzip", "chunked, identity"}) {
        auto const raw = exchange_raw(d.port(), "POST /pub/x HTTP/1.1\r\nHost: x\r\n"
                                                "Transfer-Encoding: " +
                                                    te +
                                                    "\r\n\r\nGET /healthz HTTP/1.1\r\n"
                                                    "Host: x\r\n\r\n");
        EXPECT_TRUE(raw.starts_with("HTTP/1.1 400 Bad Request")) << te << ": " << raw;
        EXPECT_EQ(responses_in(raw), 1u) << te << ": " << raw; // the body is no request
        EXPECT_NE(raw.find("Transfer-Encoding must end with chunked"), std::string::npos) << raw;
    }
    auto const old = exchange_raw(d.port(), "POST /pub/x HTTP/1.0\r\nTransfer-Encoding: "
                                            "chunked\r\n\r\n0\r\n\r\n");
    EXPECT_TRUE(old.starts_with("HTTP/1.1 400 Bad Request")) << old;
    auto const no_host = exchange_raw(d.port(), "GET /healthz HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(no_host.starts_with("HTTP/1.1 400 Bad Request")) << no_host;
    // Chunked framing itself is read as it should be, and keeps the connection.
    auto const chunked = exchange_raw(d.port(), "POST /pub/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "Transfer-Encoding: chunked\r\n\r\n"
                                                "2\r\nhi\r\n0\r\n\r\n"
                                                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "Connection: close\r\n\r\n");
    EXPECT_EQ(responses_in(chunked), 2u) << chunked;
}

TEST(auth, listening_on_localhost_binds_the_loopback_address) {
    temp_dir dir;
    child_process p({MINUTED_BINARY, "serve", "--listen", "localhost:0", "--state-dir",
                     (dir.path() / "state").string()});
    auto const port = std::stoi(p.wait_for(R"(listening on http://127\.0\.0\.1:(\d+))"));
    EXPECT_EQ(http_get(static_cast<unsigned short>(port), "/healthz").status, 200u);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0) << p.output();
}

TEST(auth, listening_beyond_loopback_without_a_publish_token_is_refused_at_start) {
    temp_dir dir;
    auto const r = run_minuted(
        {"serve", "--listen", "0.0.0.0:0", "--state-dir", (dir.path() / "state").string()});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.output().find("listening on 0.0.0.0 needs a publish token"), std::string::npos)
        << r.output();
}

} // namespace
} // namespace minuted::testing
