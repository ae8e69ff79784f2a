// SIGHUP reloads tokens, limits and feeds without dropping a session; SIGTERM
// answers what is in flight, closes every connection with 1001 and exits 0.

#include "daemon/client/replay.hpp"
#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/live_view.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <regex>
#include <thread>

namespace minuted::testing {
namespace {

using daemon::frame_json;
using daemon::make_replay_frames;
using daemon::replay_options;

std::string with_token(std::string const& token) {
    return "[auth]\npublish_token = \"" + token + "\"\n";
}

unsigned post_as(unsigned short port, std::string const& token, std::string const& text) {
    http::fields bearer;
    bearer.set(http::field::authorization, "Bearer " + token);
    return http_request(port, http::verb::post, "/ingest/m", text, bearer).status;
}

// Waits until the daemon has logged `pattern` `count` times in all.
void wait_logged(daemon_process& d, std::string const& pattern, std::size_t count) {
    std::regex const re(pattern);
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        auto const out = d.process().output();
        auto const n = static_cast<std::size_t>(
            std::distance(std::sregex_iterator(out.begin(), out.end(), re), {}));
        if (n >= count)
            return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("timed out waiting for /" + pattern + "/ in:\n" + out);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

TEST(reload, sighup_swaps_the_publish_token_while_sessions_and_viewers_stay) {
    std::string const old_token = "old-token-0123456789";
    std::string const new_token = "new-token-0123456789";
    daemon_process d({.config = with_token(old_token)});
    ASSERT_EQ(post_as(d.port(), old_token, ">> ANA: Good morning.\n"), 200u);
    ws_client viewer(d.port(), "/live/m");
    merged_view view;
    auto const first = viewer.receive_json();
    ASSERT_TRUE(view.apply(first));

    d.reload(with_token(new_token) + "[limits]\nmax_body_bytes = 100\n");
    wait_logged(d, "config reloaded from ", 1);
    EXPECT_EQ(post_as(d.port(), old_token, "refused\n"), 403u);
    EXPECT_EQ(post_as(d.port(), new_token, "Welcome back.\n"), 200u);
    EXPECT_EQ(post_as(d.port(), new_token, std::string(101, 'a')), 413u); // the new limit
    while (view.state().at("words") == first.at("words"))
        ASSERT_TRUE(view.apply(viewer.receive_json())); // the same viewer, in sequence
    EXPECT_EQ(view.snapshots, 1);
    EXPECT_EQ(metric(d.port(), "minuted_config_reloads_total"), 1u);
    EXPECT_EQ(d.process().output().find(new_token), std::string::npos); // never logged
}

TEST(reload, a_config_that_cannot_be_used_changes_nothing_and_is_counted) {
    std::string const token = "the-token-0123456789";
    daemon_process d({.config = with_token(token)});
    d.reload("[limits]\nmax_sessions = -1\n");
    wait_logged(d, R"(config reload failed: .*limits\.max_sessions.*; keeping the running config)",
                1);
    EXPECT_EQ(post_as(d.port(), token, "still accepted\n"), 200u);

    // Settings bound at start are kept, with a warning; the rest is taken.
    d.reload(with_token(token) + "[archive]\nmax_age_days = 30\n");
    wait_logged(d, "config reloaded from ", 1);
    d.process().wait_for(R"(config reload: archive\.max_age_days changes only with a restart)");
    EXPECT_EQ(post_as(d.port(), token, "on the same port\n"), 200u);
    EXPECT_EQ(metric(d.port(), "minuted_config_reload_failures_total"), 1u);
    EXPECT_EQ(metric(d.port(), "minuted_config_reloads_total"), 1u);
}

TEST(reload, feeds_added_to_the_config_start_and_removed_ones_stop) {
    child_process source({MINUTED_BINARY, "replay", dccg_file, "--serve", "127.0.0.1:0", "--speed",
                          "10", "--keep-open"});
    auto const port = source.wait_for(R"(as a feed on ws://127\.0\.0\.1:(\d+)/)");
    auto const feed =
        "[[feed]]\nsession = \"pulled\"\nurl = \"ws://127.0.0.1:" + port + "/feed\"\n";
    daemon_process d({.config = "[server]\nlog_level = \"info\"\n"});
    EXPECT_EQ(http_get(d.port(), "/api/sessions/pulled").status, 404u);

    d.reload(feed);
    wait_logged(d, "config reloaded from ", 1);
    d.process().wait_for("feed pulled: connected");
    ws_client viewer(d.port(), "/live/pulled");
    merged_view view;
    ASSERT_TRUE(view.apply(viewer.receive_json()));
    while (view.state().at("words").to_number<int>() == 0)
        ASSERT_TRUE(view.apply(viewer.receive_json()));

    d.reload("[server]\nlog_level = \"info\"\n");
    d.process().wait_for(R"(feed pulled: .*stopped \(the reloaded config no longer has it\))");
    // The session it fed stays, with what it took, until its idle timeout ends it.
    EXPECT_EQ(http_get(d.port(), "/api/sessions/pulled").status, 200u);
}

TEST(shutdown, sigterm_acknowledges_what_is_in_flight_then_closes_the_source_with_1001) {
    // A long group commit keeps acks in flight when the signal comes.
    daemon_process d({.config = "[journal]\ncommit_interval = \"300ms\"\n"});
    auto const frames =
        make_replay_frames(read_test_file("dccg-90-2024-11-08.raw.txt"), replay_options{});
    ws_client source(d.port(), "/ingest/m");
    source.send(R"({"type":"open"})");
    ASSERT_EQ(source.receive_json().at("type"), "welcome");
    ws_client viewer(d.port(), "/live/m");
    ASSERT_TRUE(viewer.receive());
    for (std::size_t i = 0; i < 200; ++i)
        source.send(frame_json(frames[i], i + 1));
    // Every frame read and applied (most acks still waiting for the commit) before the signal.
    ASSERT_GE(
        metric_reaching(d.port(), "minuted_ingest_events_total", 200, std::chrono::seconds(10)),
        200u)
        << "the daemon did not read the 200 frames";
    auto exited = std::async(std::launch::async, [&] { return d.stop(); });

    std::uint64_t acked = 0;
    while (auto const m = source.receive()) {
        auto const reply = boost::json::parse(*m).as_object();
        ASSERT_EQ(reply.at("type"), "ack") << *m;
        acked = reply.at("seq").to_number<std::uint64_t>();
    }
    EXPECT_EQ(acked, 200u);
    EXPECT_EQ(source.close_reason().code, websocket::close_code::going_away);
    EXPECT_EQ(std::string(source.close_reason().reason.data(), source.close_reason().reason.size()),
              "daemon stopping");
    while (viewer.receive()) {
    }
    EXPECT_EQ(viewer.close_reason().code, websocket::close_code::going_away);
    EXPECT_EQ(exited.get(), 0);

    // Everything acknowledged is there after the restart.
    d.restart();
    auto const durable = boost::json::parse(http_get(d.port(), "/ingest/m/seq").body);
    EXPECT_EQ(durable.at("seq").to_number<std::uint64_t>(), 200u);
}

TEST(shutdown, a_connection_that_will_not_finish_is_cut_after_shutdown_grace) {
    daemon_process d({.config = "[server]\nshutdown_grace = \"1s\"\n"});
    // A keep-alive connection half-way through sending a request: it cannot be answered.
    net::io_context ioc;
    tcp::socket stuck(ioc);
    stuck.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
    net::write(stuck, net::buffer(std::string("POST /ingest/m HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Content-Length: 100\r\n\r\nonly some")));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto const start = std::chrono::steady_clock::now();
    EXPECT_EQ(d.stop(), 0);
    auto const took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_NE(d.process().output().find("connections still open after [server] shutdown_grace"),
              std::string::npos)
        << d.process().output();
}

TEST(startup, a_port_already_in_use_exits_69_saying_so) {
    temp_dir dir;
    net::io_context ioc;
    tcp::acceptor taken(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    auto const listen = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
    // By the time it binds, the daemon has queued work on its disk pools (the archive, the
    // webhook spool); stopping must wait for it, not free what it uses. That race was lost
    // in about two starts of three: a few starts catch it.
    for (int i = 0; i < 4; ++i) {
        auto const r =
            run_minuted({"serve", "--listen", listen, "--state-dir", (dir.path() / "s").string()});
        EXPECT_EQ(r.exit_code, 69) << r.output();
        EXPECT_NE(r.output().find("cannot listen on " + listen + ": "), std::string::npos)
            << r.output();
    }
}

} // namespace
} // namespace minuted::testing
