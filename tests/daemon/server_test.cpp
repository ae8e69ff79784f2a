// The daemon object in this process: start, reload and stop driven as `minuted serve` drives
// them from its signals, with real WebSocket and HTTP clients on loopback.

#include "daemon/server.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/webhook_receiver.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace minuted::daemon {
namespace {

using namespace std::chrono_literals;
using testing::temp_dir;
using testing::ws_client;

config::settings test_settings(std::filesystem::path const& state_dir) {
    auto s = config::parse_config(config::default_config_text(), "<default config>");
    s.listen_host = "127.0.0.1";
    s.listen_port = 0;
    s.state_dir = state_dir;
    s.threads = 1;
    s.log_level = "warn";
    return s;
}

// A daemon started here and run on a thread of its own until it stops.
class running_server {
public:
    explicit running_server(config::settings s) : server_(std::move(s), "the test's settings") {
        port_ = server_.start().port();
        done_ = std::async(std::launch::async, [this] { server_.run(); });
    }
    ~running_server() {
        server_.stop("the test's end");
        done_.wait();
    }
    running_server(running_server const&) = delete;
    running_server& operator=(running_server const&) = delete;

    server& get() { return server_; }
    unsigned short port() const { return port_; }
    /// True once run() has returned, within `timeout`.
    bool stopped_within(std::chrono::seconds timeout) {
        return done_.wait_for(timeout) == std::future_status::ready;
    }

private:
    server server_;
    unsigned short port_ = 0;
    std::future<void> done_;
};

TEST(server, stop_closes_subscribers_with_1001_and_returns_once_the_last_connection_closed) {
    temp_dir dir;
    auto s = test_settings(dir.path());
    // A stop that waited out its grace would take this long: returning well before it shows
    // that the connections closing is what ends run().
    s.shutdown_grace = std::chrono::milliseconds(120'000);
    running_server daemon(s);
    ws_client subscriber(daemon.port(), "/sub/notices");
    auto const start = std::chrono::steady_clock::now();
    daemon.get().stop("a test");
    EXPECT_FALSE(subscriber.receive());
    EXPECT_EQ(subscriber.close_reason().code, boost::beast::websocket::close_code::going_away);
    auto const& why = subscriber.close_reason().reason;
    EXPECT_EQ(std::string_view(why.data(), why.size()), "daemon stopping");
    ASSERT_TRUE(daemon.stopped_within(60s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);
}

TEST(server, stop_with_no_connection_open_returns_at_once) {
    temp_dir dir;
    auto s = test_settings(dir.path());
    s.shutdown_grace = std::chrono::milliseconds(120'000);
    running_server daemon(s);
    daemon.get().stop("a test");
    EXPECT_TRUE(daemon.stopped_within(60s));
}

TEST(server, reload_takes_new_limits_for_new_connections_and_a_bad_config_changes_nothing) {
    temp_dir dir;
    running_server daemon(test_settings(dir.path()));
    auto& srv = daemon.get();

    // A config whose certificate cannot be read is refused whole: its limit is not taken.
    auto broken = test_settings(dir.path());
    broken.max_subscribers = 1;
    broken.tls.certificate = dir.path() / "missing.pem";
    broken.tls.private_key = dir.path() / "missing.key";
    EXPECT_THROW(srv.reload(broken), std::exception);
    EXPECT_NE(srv.config().get()->max_subscribers, 1u);
    EXPECT_EQ(srv.counters().config_reloads.load(), 0u);

    // What only a restart changes keeps its running value; the rest applies at once.
    auto next = test_settings(dir.path());
    next.max_subscribers = 1;
    next.listen_port = 1; // a restart's business
    srv.reload(next);
    EXPECT_EQ(srv.config().get()->max_subscribers, 1u);
    EXPECT_EQ(srv.config().get()->listen_port, 0);
    EXPECT_EQ(srv.counters().config_reloads.load(), 1u);

    ws_client first(daemon.port(), "/sub/notices");
    ws_client second(daemon.port(), "/sub/notices");
    EXPECT_FALSE(second.receive());
    EXPECT_EQ(static_cast<int>(second.close_reason().code), 1013);
    auto const& why = second.close_reason().reason;
    EXPECT_NE(std::string_view(why.data(), why.size()).find("max_subscribers"),
              std::string_view::npos);
}

// The hook the approval of minutes announces through: webhooks that want "approved" get it,
// signed and with the archived meeting, and those that want only "ended" do not.
TEST(server, an_approval_is_announced_to_the_webhooks_that_want_it) {
    temp_dir dir;
    testing::webhook_receiver ended, approved;
    auto s = test_settings(dir.path());
    for (auto [receiver, event] : {std::pair{&ended, "ended"}, std::pair{&approved, "approved"}})
        s.webhooks.push_back({receiver->url(), "0123456789abcdef", {event}, ""});
    running_server srv(std::move(s));
    {
        ws_client source(srv.port(), "/ingest/approved");
        source.send(R"({"type":"open","title":"Plenary"})");
        source.receive_json();
        source.send(R"({"type":"text","seq":1,"text":">> CHAIR: Good morning.\r\n"})");
        source.receive_json();
        source.send(R"({"type":"close","seq":2})");
        source.receive_json();
    }
    auto const archive = testing::wait_archived(srv.port(), "approved");
    ASSERT_EQ(ended.wait_for(1, 10s).size(), 1u);
    EXPECT_TRUE(approved.wait_for(1, 200ms).empty());
    srv.get().sessions().announce("approved", dir.path() / "archive" / archive);
    auto const got = approved.wait_for(1, 10s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].headers["X-Minuted-Event"], "approved");
    auto const body = boost::json::parse(got[0].body).as_object();
    EXPECT_EQ(body.at("event"), "approved");
    EXPECT_EQ(body.at("archive").as_string(), archive);
    EXPECT_EQ(body.at("title"), "Plenary");
    EXPECT_EQ(ended.wait_for(2, 200ms).size(), 1u);
}

} // namespace
} // namespace minuted::daemon
