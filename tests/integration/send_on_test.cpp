// A meeting is sent on when it ends: to webhook receivers on loopback that check each
// notification's signature as protocol/PROTOCOL.md tells them to, through failures, retries,
// the dead-letter log and a restart; and by mail, to a real SMTP server (Debian's
// python3-aiosmtpd) and to a sendmail that keeps what it is given.

#include "tests/integration/fixtures.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/webhook_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <regex>
#include <sstream>
#include <thread>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;

constexpr char const* secret = "a-shared-secret-for-the-tests";

std::string hook_config(std::string const& url, std::string const& retry,
                        std::string const& events = "") {
    return "[webhooks]\n" + retry + "\n[[webhook]]\nurl = \"" + url + "\"\nsecret = \"" + secret +
           "\"\n" + events;
}

// A receiver's own check: HMAC-SHA256 of "TIMESTAMP.BODY" with the shared secret, as hex.
std::string expected_signature(std::string const& timestamp, std::string const& body) {
    auto const message = timestamp + "." + body;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret, static_cast<int>(std::strlen(secret)),
         reinterpret_cast<unsigned char const*>(message.data()), message.size(), digest, &n);
    std::ostringstream hex;
    for (unsigned i = 0; i < n; ++i)
        hex << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(digest[i]);
    return "sha256=" + hex.str();
}

// Checks `r` as a receiver would: the signature over the timestamp and body, and a timestamp
// within five minutes of its arrival.
void expect_signed(received_request const& r) {
    auto const timestamp = std::string(r.headers["X-Minuted-Timestamp"]);
    ASSERT_FALSE(timestamp.empty());
    EXPECT_EQ(r.headers["X-Minuted-Signature"], expected_signature(timestamp, r.body));
    auto const sent =
        std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(timestamp)));
    EXPECT_LT(std::chrono::abs(r.at - sent), 5min);
    EXPECT_EQ(r.headers["Content-Type"], "application/json");
}

bool empty_dir(std::filesystem::path const& dir) {
    std::error_code ec;
    return std::filesystem::directory_iterator(dir, ec) == std::filesystem::directory_iterator();
}

TEST(webhooks,
     a_refused_notification_is_sent_again_with_the_same_delivery_id_and_a_valid_signature) {
    webhook_receiver receiver({500, 200});
    webhook_receiver approvals_only;
    daemon_process d(
        {.config = hook_config(receiver.url(), "attempts = 3\nretry_initial = \"100ms\"\n"
                                               "retry_max = \"200ms\"\npublic_url = "
                                               "\"https://minutes.example.org\"") +
                   "[[webhook]]\nurl = \"" + approvals_only.url() + "\"\nsecret = \"" + secret +
                   "\"\nevents = [\"approved\"]\n"});
    auto const archive = hold_meeting(d.port(), "budget");
    auto const got = receiver.wait_for(2, 10s);
    ASSERT_EQ(got.size(), 2u);
    for (auto const& r : got) {
        SCOPED_TRACE(r.body);
        expect_signed(r);
        EXPECT_EQ(r.target, "/hook");
        EXPECT_EQ(r.headers["X-Minuted-Event"], "ended");
    }
    EXPECT_EQ(got[0].headers["X-Minuted-Delivery"], got[1].headers["X-Minuted-Delivery"]);
    EXPECT_EQ(got[0].headers["X-Minuted-Delivery"].size(), 32u);
    EXPECT_EQ(got[0].body, got[1].body);
    auto const n = boost::json::parse(got[1].body).as_object();
    EXPECT_EQ(n.at("event"), "ended");
    EXPECT_EQ(n.at("session"), "budget");
    EXPECT_EQ(n.at("title"), "Budget committee");
    EXPECT_EQ(n.at("archive").as_string(), archive);
    EXPECT_EQ(n.at("report_url").as_string(), "https://minutes.example.org/archive/" + archive);
    std::regex const rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    EXPECT_TRUE(std::regex_match(std::string(n.at("started").as_string()), rfc3339));
    EXPECT_TRUE(std::regex_match(std::string(n.at("ended").as_string()), rfc3339));
    EXPECT_EQ(
        n.at("report"),
        boost::json::parse(http_get(d.port(), "/api/archive/" + archive + "/report.json").body));
    EXPECT_EQ(metric_reaching(d.port(), "minuted_webhook_deliveries_total", 1), 1u);
    EXPECT_EQ(metric(d.port(), "minuted_webhook_failures_total"), 1u);
    EXPECT_TRUE(eventually([&] { return empty_dir(d.state_dir() / "webhooks" / "pending"); }));
    // Only "approved" was asked for there.
    EXPECT_TRUE(approvals_only.wait_for(1, 300ms).empty());
}

TEST(webhooks, a_notification_refused_at_every_attempt_goes_to_the_dead_letter_log) {
    webhook_receiver receiver({503});
    receiver.set_retry_after("0");
    daemon_process d({.config = hook_config(receiver.url(), "attempts = 2\nretry_initial = "
                                                            "\"50ms\"\nretry_max = \"50ms\"")});
    hold_meeting(d.port(), "doomed");
    auto const log = d.state_dir() / "webhooks" / "dead-letter.jsonl";
    ASSERT_TRUE(eventually([&] { return !read_text(log).empty(); }));
    EXPECT_EQ(receiver.wait_for(2, 1s).size(), 2u);
    auto const text = read_text(log);
    ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
    auto const line = boost::json::parse(text).as_object();
    EXPECT_EQ(line.at("url").as_string(), receiver.url());
    EXPECT_EQ(line.at("event"), "ended");
    EXPECT_EQ(line.at("reason"), "after 2 attempts: HTTP 503");
    EXPECT_EQ(line.at("notification").at("session"), "doomed");
    EXPECT_EQ(metric_reaching(d.port(), "minuted_webhook_dead_letters_total", 1), 1u);
    EXPECT_TRUE(eventually([&] { return empty_dir(d.state_dir() / "webhooks" / "pending"); }));
    EXPECT_FALSE(d.complaints().empty());
}

TEST(webhooks, a_delivery_pending_at_a_restart_is_delivered_after_it) {
    webhook_receiver receiver({500, 200});
    daemon_process d({.config = hook_config(receiver.url(), "retry_initial = \"1h\"\n"
                                                            "retry_max = \"1h\"")});
    hold_meeting(d.port(), "restarted");
    ASSERT_EQ(receiver.wait_for(1, 10s).size(), 1u);
    auto const pending = d.state_dir() / "webhooks" / "pending";
    EXPECT_FALSE(empty_dir(pending)); // waiting an hour for its next attempt
    EXPECT_EQ(d.stop(), 0);
    d.restart();
    auto const got = receiver.wait_for(2, 10s);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].headers["X-Minuted-Delivery"], got[1].headers["X-Minuted-Delivery"]);
    expect_signed(got[1]);
    EXPECT_EQ(boost::json::parse(got[1].body).at("session"), "restarted");
    EXPECT_TRUE(eventually([&] { return empty_dir(pending); }));
}

TEST(webhooks, a_reload_adds_a_webhook_for_the_meetings_that_end_after_it) {
    webhook_receiver receiver;
    daemon_process d({.config = "[webhooks]\n"});
    hold_meeting(d.port(), "before");
    d.reload(hook_config(receiver.url(), ""));
    ASSERT_EQ(metric_reaching(d.port(), "minuted_config_reloads_total", 1), 1u);
    hold_meeting(d.port(), "after");
    auto const got = receiver.wait_for(1, 10s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(boost::json::parse(got[0].body).at("session"), "after");
    EXPECT_EQ(receiver.wait_for(2, 300ms).size(), 1u);
}

} // namespace
} // namespace minuted::testing
