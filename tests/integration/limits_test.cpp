// Every [limits] setting, against the real daemon: a client past a limit is refused, closed or
// slowed down with a reason it can read and a metric an operator can watch, and nobody else is.

#include "daemon/client/replay.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <thread>

namespace minuted::testing {
namespace {

using daemon::frame_json;
using daemon::make_replay_frames;
using daemon::replay_options;

// How often `limit` was hit, once that is at least `awaited` (a connection closed for a limit is
// counted just after the client sees it end).
std::uint64_t hits(unsigned short port, std::string const& limit, std::uint64_t awaited = 0) {
    return metric_reaching(port, "minuted_limit_hits_total{limit=\"" + limit + "\"}", awaited);
}

// The status and body of a refused WebSocket upgrade, or 101.
std::pair<unsigned, std::string> upgrade(unsigned short port, std::string const& target) {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1", target, ec);
    return {res.result_int(), res.body()};
}

std::string reason(ws_client const& c) {
    return std::string(c.close_reason().reason.data(), c.close_reason().reason.size());
}

TEST(limits, oversized_request_heads_get_431_and_bodies_413_naming_the_setting) {
    daemon_process d({.config = "[limits]\nmax_header_bytes = 1024\nmax_body_bytes = 1000\n"});
    http::fields big;
    big.set("X-Padding", std::string(2000, 'x'));
    auto const head = http_request(d.port(), http::verb::get, "/healthz", {}, big);
    EXPECT_EQ(head.status, 431u);
    EXPECT_NE(head.body.find("[limits] max_header_bytes"), std::string::npos) << head.body;
    auto const body = http_request(d.port(), http::verb::post, "/ingest/m", std::string(1001, 'a'));
    EXPECT_EQ(body.status, 413u);
    EXPECT_NE(body.body.find("larger than 1000 bytes ([limits] max_body_bytes)"), std::string::npos)
        << body.body;
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/m", std::string(999, 'a')).status,
              200u);
    EXPECT_EQ(hits(d.port(), "header"), 1u);
    EXPECT_EQ(hits(d.port(), "body"), 1u);
    d.process().wait_for(R"(http 127\.0\.0\.1:\d+: bad request: body larger than 1000 bytes)");
}

TEST(limits, a_session_beyond_max_sessions_gets_503_with_retry_after_and_the_others_go_on) {
    daemon_process d({.config = "[limits]\nmax_sessions = 2\n"});
    for (auto const* id : {"a", "b"})
        ASSERT_EQ(
            http_request(d.port(), http::verb::post, std::string("/ingest/") + id, "hi\n").status,
            200u);
    auto const refused = http_request(d.port(), http::verb::post, "/ingest/c", "hi\n");
    EXPECT_EQ(refused.status, 503u);
    EXPECT_EQ(refused.headers[http::field::retry_after], "60");
    EXPECT_EQ(refused.body, "too many live sessions: the daemon takes 2 ([limits] max_sessions)\n");
    EXPECT_EQ(upgrade(d.port(), "/ingest/c").first, 503u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions/c").status, 404u);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/a", "more\n").status, 200u);
    EXPECT_EQ(hits(d.port(), "sessions"), 2u);
    d.process().wait_for(R"(ingest c: source 127\.0\.0\.1:\d+ refused: too many live sessions)");
}

TEST(limits, sources_that_connect_and_say_nothing_hold_no_session_slot) {
    daemon_process d({.config = "[limits]\nmax_sessions = 2\n"});
    std::vector<std::unique_ptr<ws_client>> silent;
    for (int i = 0; i < 5; ++i)
        silent.push_back(std::make_unique<ws_client>(d.port(), "/ingest/s" + std::to_string(i)));
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/api/sessions").body)
                  .at("sessions")
                  .as_array()
                  .size(),
              0u);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/real", "hi\n").status, 200u);
    // A silent one that speaks gets a session while there is room, and is told when there is
    // none, in its close.
    silent[0]->send(R"({"type":"open","title":"t"})");
    EXPECT_EQ(silent[0]->receive_json().at("type"), "welcome");
    silent[1]->send(R"({"type":"open","title":"t"})");
    EXPECT_EQ(silent[1]->receive_json().at("type"), "error");
    EXPECT_FALSE(silent[1]->receive());
    EXPECT_EQ(silent[1]->close_reason().code, 1013);
    auto const& reason = silent[1]->close_reason().reason;
    EXPECT_EQ(std::string(reason.data(), reason.size()),
              "too many live sessions: the daemon takes 2 ([limits] max_sessions)");
}

TEST(limits, a_viewer_beyond_the_session_or_daemon_limit_is_closed_with_1013) {
    daemon_process d({.config = "[limits]\nmax_subscribers = 4\nmax_session_subscribers = 2\n"});
    for (auto const* id : {"a", "b"})
        ASSERT_EQ(
            http_request(d.port(), http::verb::post, std::string("/ingest/") + id, "hi\n").status,
            200u);
    std::vector<std::unique_ptr<ws_client>> viewers;
    for (auto const* target : {"/live/a", "/live/a", "/live/b"}) {
        viewers.push_back(std::make_unique<ws_client>(d.port(), target));
        ASSERT_EQ(viewers.back()->receive_json().at("type"), "snapshot");
    }
    ws_client third_of_a(d.port(), "/live/a");
    EXPECT_FALSE(third_of_a.receive());
    EXPECT_EQ(third_of_a.close_reason().code, websocket::close_code::try_again_later);
    EXPECT_EQ(reason(third_of_a),
              "too many viewers: this session takes 2 ([limits] max_session_subscribers)");
    viewers.push_back(std::make_unique<ws_client>(d.port(), "/live/b"));
    ASSERT_EQ(viewers.back()->receive_json().at("type"), "snapshot");
    ws_client fifth(d.port(), "/live/b");
    EXPECT_FALSE(fifth.receive());
    EXPECT_EQ(fifth.close_reason().code, websocket::close_code::try_again_later);
    EXPECT_EQ(reason(fifth), "too many viewers: the daemon takes 4 ([limits] max_subscribers)");
    EXPECT_EQ(hits(d.port(), "session_subscribers"), 1u);
    EXPECT_EQ(hits(d.port(), "subscribers"), 1u);

    // A place freed is a place taken: once a viewer has gone, the next one is let in.
    viewers.front()->close();
    viewers.erase(viewers.begin());
    for (int attempt = 0;; ++attempt) {
        ws_client again(d.port(), "/live/a");
        if (auto const m = again.receive()) {
            EXPECT_EQ(boost::json::parse(*m).at("type"), "snapshot");
            break;
        }
        ASSERT_LT(attempt, 100) << "the closed viewer's place was never freed";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// A viewer of `target` whose upgrade, from 127.0.0.1 (a trusted proxy in these tests), names
// `client` in X-Forwarded-For: its first message, or nullopt and the close reason.
std::pair<std::optional<std::string>, websocket::close_reason>
forwarded_viewer(unsigned short port, std::string const& target, std::string const& client,
                 std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>>& kept,
                 net::io_context& ioc) {
    auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc);
    ws->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws->set_option(websocket::stream_base::decorator([client](websocket::request_type& req) {
        if (!client.empty())
            req.set("X-Forwarded-For", client);
    }));
    ws->handshake("127.0.0.1", target);
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws->read(buffer, ec);
    if (ec)
        return {std::nullopt, ws->reason()};
    kept.push_back(std::move(ws));
    return {beast::buffers_to_string(buffer.data()), {}};
}

TEST(limits, a_client_beyond_max_address_viewers_is_closed_with_1013_and_others_go_on) {
    // Behind a trusted proxy the clients it names are counted, not the proxy: its own
    // connections are never refused for max_address_connections.
    daemon_process d({.config = "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n[limits]\n"
                                "max_address_viewers = 2\nmax_address_connections = 2\n"});
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/a", "hi\n").status, 200u);
    net::io_context ioc;
    std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> kept;
    for (int i = 0; i < 2; ++i)
        EXPECT_TRUE(forwarded_viewer(d.port(), "/live/a", "192.0.2.1", kept, ioc).first);
    // The third viewer of 192.0.2.1 is one too many, on /live as on /sub.
    auto const [none, why] = forwarded_viewer(d.port(), "/live/a", "192.0.2.1", kept, ioc);
    EXPECT_FALSE(none);
    EXPECT_EQ(why.code, websocket::close_code::try_again_later);
    EXPECT_EQ(std::string(why.reason.data(), why.reason.size()),
              "too many viewers from your address: it may have 2 ([limits] max_address_viewers)");
    auto const [no_sub, sub_why] = forwarded_viewer(d.port(), "/sub/news", "192.0.2.1", kept, ioc);
    EXPECT_FALSE(no_sub);
    EXPECT_EQ(sub_why.code, websocket::close_code::try_again_later);
    for (auto const* other : {"192.0.2.2", "192.0.2.2", ""})
        EXPECT_TRUE(forwarded_viewer(d.port(), "/live/a", other, kept, ioc).first) << other;
    EXPECT_GE(hits(d.port(), "address_viewers", 1), 1u);
    d.process().wait_for(R"(live a: viewer 192\.0\.2\.1 via 127\.0\.0\.1:\d+ refused: too many )"
                         R"(viewers from your address)");
    // A place freed is a place taken.
    kept.front()->close(websocket::close_code::normal);
    kept.erase(kept.begin());
    for (int attempt = 0;; ++attempt) {
        if (forwarded_viewer(d.port(), "/live/a", "192.0.2.1", kept, ioc).first)
            break;
        ASSERT_LT(attempt, 100) << "the closed viewer's place was never freed";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

TEST(limits, a_connection_beyond_max_address_connections_gets_503_and_is_closed) {
    daemon_process d({.config = "[limits]\nmax_address_connections = 3\n"});
    net::io_context ioc;
    std::vector<std::unique_ptr<tcp::socket>> idle;
    for (int i = 0; i < 3; ++i) {
        idle.push_back(std::make_unique<tcp::socket>(ioc));
        idle.back()->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
    }
    // The listener takes connections in turn: the three are counted before the next.
    auto const refused = http_get(d.port(), "/healthz");
    EXPECT_EQ(refused.status, 503u);
    EXPECT_EQ(refused.headers[http::field::retry_after], "10");
    EXPECT_EQ(refused.body, "too many connections from your address: it may have 3 open "
                            "([limits] max_address_connections)\n");
    d.process().wait_for(R"(http 127\.0\.0\.1: connection refused: its address has 3 open)");
    idle.pop_back();
    // Until the daemon has seen the close, a new connection is refused, and counted, too.
    std::uint64_t refused_again = 0;
    for (int attempt = 0;; ++attempt) {
        auto const status = http_get(d.port(), "/healthz").status;
        if (status == 200)
            break;
        EXPECT_EQ(status, 503u);
        ++refused_again;
        ASSERT_LT(attempt, 100) << "the closed connection's place was never freed";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    idle.clear(); // room for the requests reading the metric
    EXPECT_EQ(hits(d.port(), "address_connections", 1), 1u + refused_again);
}

TEST(limits, a_source_faster_than_ingest_rate_is_slowed_down_and_loses_nothing) {
    daemon_process d({.config = "[limits]\ningest_rate = 100\n"});
    auto const frames =
        make_replay_frames(read_test_file("dccg-90-2024-11-08.raw.txt"), replay_options{});
    ASSERT_GT(frames.size(), 400u);
    // 400 frames at once: the first second's 100 go through, the rest at 100 a second.
    ws_client c(d.port(), "/ingest/m");
    c.send(R"({"type":"open"})");
    ASSERT_EQ(c.receive_json().at("type"), "welcome");
    auto const start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < 400; ++i)
        c.send(frame_json(frames[i], i + 1));
    std::uint64_t acked = 0;
    while (acked < 400) {
        auto const reply = c.receive_json();
        ASSERT_EQ(reply.at("type"), "ack") << boost::json::serialize(reply);
        acked = reply.at("seq").to_number<std::uint64_t>();
    }
    auto const took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, std::chrono::milliseconds(2500)); // 300 frames over the burst at 100/s
    EXPECT_GE(hits(d.port(), "ingest_rate"), 100u);   // frames that had to wait
    d.process().wait_for(R"(session m: captions come faster than \[limits\] ingest_rate)");
    c.close();
}

TEST(limits, a_post_over_ingest_rate_gets_429_with_retry_after_and_is_not_applied) {
    daemon_process d({.config = "[limits]\ningest_rate = 1\n"});
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/p", ">> ANA: One.\n").status, 200u);
    auto const r = http_request(d.port(), http::verb::post, "/ingest/p", ">> BEN: Two.\n");
    EXPECT_EQ(r.status, 429u);
    EXPECT_EQ(r.headers[http::field::retry_after], "1");
    EXPECT_EQ(r.body, "captions come faster than this session takes ([limits] ingest_rate 1 a "
                      "second)\n");
    EXPECT_EQ(hits(d.port(), "ingest_rate"), 1u);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/p", ">> CARA: Three.\n").status,
              200u);
    auto const state = http_get(d.port(), "/api/sessions/p").body;
    EXPECT_EQ(state.find("Two."), std::string::npos) << state;
    EXPECT_NE(state.find("Three."), std::string::npos) << state;
}

TEST(limits, silent_connections_are_closed_after_the_handshake_and_idle_timeouts) {
    daemon_process d({.config = "[limits]\nhandshake_timeout = \"500ms\"\n"
                                "connection_idle_timeout = \"2s\"\n"});
    auto closed_after = [&](std::string const& first_bytes) {
        net::io_context ioc;
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
        net::write(s, net::buffer(first_bytes));
        auto const start = std::chrono::steady_clock::now();
        std::string got;
        char buf[4096];
        beast::error_code ec;
        while (!ec)
            got.append(buf, s.read_some(net::buffer(buf), ec));
        EXPECT_EQ(ec, net::error::eof);
        return std::pair(std::chrono::steady_clock::now() - start, got);
    };
    // Half a request line, never finished.
    auto const [handshake, nothing] = closed_after("GET /healthz HT");
    EXPECT_GE(handshake, std::chrono::milliseconds(400));
    EXPECT_LT(handshake, std::chrono::milliseconds(1900));
    EXPECT_EQ(nothing, "");
    // A keep-alive connection that asks once, then says nothing more.
    auto const [idle, answer] = closed_after("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_GE(idle, std::chrono::milliseconds(1900));
    EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;
    EXPECT_EQ(hits(d.port(), "handshake_timeout", 1), 1u);
    EXPECT_EQ(hits(d.port(), "idle_timeout", 1), 1u);

    // A viewer that stops reading (and so answering pings) is closed; one that reads stays.
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m", ">> ANA: Hello.\n").status,
              200u);
    ws_client silent(d.port(), "/live/m");
    ws_client reading(d.port(), "/live/m");
    ASSERT_EQ(silent.receive_json().at("type"), "snapshot");
    ASSERT_EQ(reading.receive_json().at("type"), "snapshot");
    auto next = std::async(std::launch::async, [&] { return reading.receive(); });
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/m", ">> BEN: Again.\n").status,
              200u);
    ASSERT_EQ(next.wait_for(std::chrono::seconds(10)), std::future_status::ready)
        << d.process().output();
    EXPECT_TRUE(next.get());
    EXPECT_FALSE(silent.receive());
    EXPECT_EQ(hits(d.port(), "idle_timeout", 2), 2u);
}

} // namespace
} // namespace minuted::testing
