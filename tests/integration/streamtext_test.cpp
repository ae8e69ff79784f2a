// A StreamText pull feed against a loopback server that follows StreamText's documented
// caption API: captions flow into the session with their deletions, outages, 429s and bad
// answers are ridden out and shown, and a daemon killed mid-meeting resumes at the journaled
// position with every character exactly once.

#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/streamtext_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;
using behaviour = streamtext_server::behaviour;

std::string feed_config(streamtext_server const& server, std::string const& extra = {}) {
    return "[feeds]\nreconnect_initial = \"50ms\"\nreconnect_max = \"300ms\"\n"
           "[[feed]]\nkind = \"streamtext\"\nsession = \"st\"\nevent = \"TEST\"\n"
           "poll_interval = \"100ms\"\nurl = \"" +
           server.url() + "\"\n" + extra;
}

// Waits until `check` holds of GET /api/sessions/st (its JSON), failing after `timeout`.
boost::json::object wait_state(unsigned short port,
                               std::function<bool(boost::json::object const&)> const& check,
                               std::chrono::milliseconds timeout = 10s) {
    auto const until = std::chrono::steady_clock::now() + timeout;
    boost::json::object last;
    for (;;) {
        auto const res = http_get(port, "/api/sessions/st");
        if (res.status == 200) {
            last = boost::json::parse(res.body).as_object();
            if (check(last))
                return last;
        }
        if (std::chrono::steady_clock::now() > until) {
            ADD_FAILURE() << "timed out; last state: " << boost::json::serialize(last);
            return last;
        }
        std::this_thread::sleep_for(20ms);
    }
}

// The session's text: its finished turns, then what is still pending, a line each.
std::string transcript(unsigned short port) {
    auto const res = http_get(port, "/api/sessions/st");
    if (res.status != 200)
        return {};
    auto const state = boost::json::parse(res.body).as_object();
    std::string text;
    for (auto const* list : {"utterances", "pending"})
        for (auto const& u : state.at(list).as_array())
            text += std::string(u.as_object().at("text").as_string()) + "\n";
    return text;
}

std::string feed_value(boost::json::object const& state, char const* key) {
    auto const* feed = state.if_contains("feed");
    if (!feed || !feed->is_object() || !feed->as_object().contains(key))
        return {};
    auto const& v = feed->as_object().at(key);
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

bool transcript_has(unsigned short port, std::string const& text) {
    return transcript(port).find(text) != std::string::npos;
}

TEST(streamtext_feed, captions_flow_in_with_their_deletions_and_language) {
    streamtext_server server("TEST", "es");
    server.append(">> ALICE: Buenos dais\x7f\x7f\x7f"
                  "\xC3\xAD"
                  "as a todos.\n");
    daemon_process d({.config = feed_config(server)});
    auto const state = wait_state(d.port(), [&](auto const& s) {
        return feed_value(s, "position") == std::to_string(server.position());
    });
    EXPECT_EQ(feed_value(state, "kind"), "streamtext");
    EXPECT_EQ(feed_value(state, "state"), "connected");
    EXPECT_EQ(feed_value(state, "event"), "TEST");
    EXPECT_NE(transcript(d.port()).find("Buenos d\xC3\xAD"
                                        "as a todos."),
              std::string::npos)
        << transcript(d.port());
    EXPECT_NE(boost::json::serialize(state).find("\"es\""), std::string::npos);
    server.append(">> BOB: Second turn, typo\x08\x08\x08\x08tyop\x7f\x7fpo.\n");
    wait_state(d.port(),
               [&](auto const&) { return transcript_has(d.port(), "Second turn, typo."); });
    EXPECT_GE(metric(d.port(), "minuted_feed_polls_total"), 2u);
    auto const list =
        boost::json::serialize(boost::json::parse(http_get(d.port(), "/api/sessions").body));
    EXPECT_NE(list.find("\"kind\":\"streamtext\""), std::string::npos) << list;
}

TEST(streamtext_feed, an_outage_and_a_429_with_retry_after_are_ridden_out_and_shown) {
    streamtext_server server;
    server.append("First words. ");
    daemon_process d({.config = feed_config(server)});
    wait_state(d.port(), [&](auto const&) { return transcript_has(d.port(), "First words."); });

    server.set(behaviour::refusing);
    server.append("Said while it was down. ");
    auto const down =
        wait_state(d.port(), [](auto const& s) { return feed_value(s, "state") == "retrying"; });
    EXPECT_FALSE(feed_value(down, "last_error").empty());
    EXPECT_FALSE(feed_value(down, "retry_in_ms").empty());
    server.set(behaviour::normal);
    wait_state(d.port(), [&](auto const& s) {
        return feed_value(s, "state") == "connected" &&
               transcript_has(d.port(), "Said while it was down.");
    });

    server.set(behaviour::too_many, "2");
    server.append("After the 429. ");
    auto const limited = wait_state(d.port(), [](auto const& s) {
        return feed_value(s, "last_error").find("HTTP 429") != std::string::npos;
    });
    auto const asked = server.requests();
    EXPECT_GE(std::stoi(feed_value(limited, "retry_in_ms")), 1000)
        << feed_value(limited, "retry_in_ms");
    std::this_thread::sleep_for(1s); // within Retry-After: not asked again
    EXPECT_EQ(server.requests(), asked);
    server.set(behaviour::normal);
    wait_state(
        d.port(), [&](auto const&) { return transcript_has(d.port(), "After the 429."); }, 10s);
    EXPECT_GE(metric(d.port(), "minuted_feed_failures_total"), 2u);
}

TEST(streamtext_feed, bad_answers_are_shown_and_retried_and_lose_nothing) {
    streamtext_server server;
    server.append("Before. ");
    daemon_process d({.config = feed_config(server)});
    wait_state(d.port(), [&](auto const&) { return transcript_has(d.port(), "Before."); });
    for (auto const& bad :
         {std::pair{behaviour::garbage, "not JSON"}, std::pair{behaviour::backwards, "went back"},
          std::pair{behaviour::huge, "bytes"}}) {
        server.set(bad.first);
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        std::string const reason = bad.second;
        wait_state(d.port(), [&](auto const& s) {
            return feed_value(s, "last_error").find(reason) != std::string::npos;
        });
    }
    server.append("After. ");
    server.set(behaviour::normal);
    wait_state(d.port(), [&](auto const&) { return transcript_has(d.port(), "After."); });
    EXPECT_EQ(transcript(d.port()).find('h'), std::string::npos) << "took the huge answer";
    EXPECT_GE(metric(d.port(), "minuted_feed_bad_answers_total"), 3u);
    EXPECT_EQ(http_get(d.port(), "/healthz").status, 200u);
}

TEST(streamtext_feed, attach_polls_an_event_named_on_the_command_line) {
    streamtext_server server("IGF-Plenary", "fr");
    server.append(">> CHAIR: Bonjour.\n");
    temp_dir dir;
    child_process attach({MINUTED_BINARY, "attach", "streamtext:IGF-Plenary?language=fr",
                          "--session", "st", "--url", server.url(), "--listen", "127.0.0.1:0",
                          "--state-dir", (dir.path() / "state").string()});
    auto const port = static_cast<unsigned short>(
        std::stoi(attach.wait_for(R"(listening on http://127\.0\.0\.1:(\d+))")));
    auto const state = wait_state(port, [&](auto const& st) {
        return feed_value(st, "state") == "connected" && transcript_has(port, "Bonjour.");
    });
    EXPECT_EQ(feed_value(state, "event"), "IGF-Plenary");
    EXPECT_EQ(feed_value(state, "position"), std::to_string(server.position()));
    EXPECT_NE(boost::json::serialize(state).find("\"lang\":\"fr\""), std::string::npos);
}

TEST(streamtext_feed, a_reload_starts_changes_and_stops_it) {
    streamtext_server server;
    server.append("Reloaded. ");
    daemon_process d({.config = "# no feeds yet\n"});
    d.reload(feed_config(server));
    wait_state(d.port(), [&](auto const& s) {
        return feed_value(s, "state") == "connected" && transcript_has(d.port(), "Reloaded.");
    });
    d.reload(feed_config(server, "length = 3\n"));
    d.process().wait_for("feed st: stopped");
    server.append("Changed. ");
    wait_state(d.port(), [&](auto const&) { return transcript_has(d.port(), "Changed."); });
    d.reload("# no feeds\n");
    wait_state(d.port(), [](auto const& s) { return feed_value(s, "state") == "stopped"; });
    auto const asked = server.requests();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(server.requests(), asked);
}

TEST(streamtext_feed, a_daemon_killed_mid_meeting_resumes_with_every_word_exactly_once) {
    streamtext_server server;
    daemon_process d({.config = feed_config(server, "length = 40\n")});
    std::string expected;
    int next = 0;
    auto say = [&](int n) {
        std::string text;
        for (int i = 0; i < n; ++i)
            text += "w" + std::to_string(10000 + next++) + " ";
        server.append(text);
        expected += text;
    };
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 20; ++i) {
            say(3);
            std::this_thread::sleep_for(15ms);
        }
        d.kill();
        say(30);
        d.restart();
    }
    wait_state(
        d.port(),
        [&](auto const& s) {
            return feed_value(s, "position") == std::to_string(server.position());
        },
        20s);
    auto const got = transcript(d.port());
    for (int i = 0; i < next; ++i) {
        auto const word = "w" + std::to_string(10000 + i);
        auto const at = got.find(word);
        ASSERT_NE(at, std::string::npos) << word << " lost:\n" << got;
        EXPECT_EQ(got.find(word, at + 1), std::string::npos) << word << " repeated:\n" << got;
    }
}

} // namespace
} // namespace minuted::testing
