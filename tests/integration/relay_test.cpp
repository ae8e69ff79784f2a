// The relay (POST /pub/{channel}, WebSocket /sub/{channel}) and the WebSocket protocol of the
// sockets the daemon pushes to (viewers and relay subscribers alike), against the real daemon.

#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace minuted::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

http_result publish(unsigned short port, std::string const& channel, std::string body) {
    return http_request(port, http::verb::post, "/pub/" + channel, std::move(body));
}

// A subscriber of `channel`: in it once the handshake is answered.
std::unique_ptr<ws_client> subscribe(daemon_process& d, std::string const& channel) {
    return std::make_unique<ws_client>(d.port(), "/sub/" + channel);
}

// A client speaking WebSocket byte by byte, to send what a browser never would.
class raw_client {
public:
    raw_client(unsigned short port, std::string const& target) : socket_(ioc_) {
        socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        std::string const upgrade = "GET " + target +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                    "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                    "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        net::write(socket_, net::buffer(upgrade));
        auto const n = net::read_until(socket_, net::dynamic_buffer(in_), "\r\n\r\n");
        response_ = in_.substr(0, n);
        in_.erase(0, n);
    }
    std::string const& response() const { return response_; }
    void send(std::string const& bytes) { net::write(socket_, net::buffer(bytes)); }

    /// A frame from the server: opcode and payload; nullopt at the end of the connection.
    std::optional<std::pair<int, std::string>> next_frame() {
        if (!fill(2))
            return std::nullopt;
        int const op = in_[0] & 0x0F;
        std::size_t length = static_cast<unsigned char>(in_[1]) & 0x7F;
        std::size_t header = 2;
        EXPECT_EQ(static_cast<unsigned char>(in_[1]) & 0x80, 0) << "a server's frame is masked";
        if (length == 126) {
            if (!fill(4))
                return std::nullopt;
            length = (static_cast<std::size_t>(static_cast<unsigned char>(in_[2])) << 8) |
                     static_cast<unsigned char>(in_[3]);
            header = 4;
        }
        if (!fill(header + length))
            return std::nullopt;
        auto frame = std::make_pair(op, in_.substr(header, length));
        in_.erase(0, header + length);
        return frame;
    }

    /// Reads frames until the server closes the connection; the close frame's payload.
    std::optional<std::string> until_close() {
        while (auto f = next_frame())
            if (f->first == 0x8)
                return f->second;
        return std::nullopt;
    }

    /// The frames already received, without waiting for more.
    std::vector<std::pair<int, std::string>> available_frames() {
        std::vector<std::pair<int, std::string>> out;
        while (socket_.available() > 0 || complete_frame_held())
            if (auto f = next_frame())
                out.push_back(std::move(*f));
        return out;
    }

    /// True once the server has closed the TCP connection (EOF or reset).
    bool closed_by_server() {
        boost::system::error_code ec;
        char c;
        socket_.read_some(net::buffer(&c, 1), ec);
        return ec == net::error::eof || ec == net::error::connection_reset;
    }

private:
    bool complete_frame_held() const {
        if (in_.size() < 2)
            return false;
        std::size_t length = static_cast<unsigned char>(in_[1]) & 0x7F;
        if (length == 126)
            return in_.size() >= 4 &&
                   in_.size() >=
                       4 + ((static_cast<std::size_t>(static_cast<unsigned char>(in_[2])) << 8) |
                            static_cast<unsigned char>(in_[3]));
        return in_.size() >= 2 + length;
    }

    bool fill(std::size_t n) {
        while (in_.size() < n) {
            char buf[4096];
            boost::system::error_code ec;
            auto const got = socket_.read_some(net::buffer(buf), ec);
            if (ec)
                return false;
            in_.append(buf, got);
        }
        return true;
    }

    net::io_context ioc_;
    tcp::socket socket_;
    std::string in_;
    std::string response_;
};

// A client's frame, masked (RFC 6455 §5.3) unless `masked` is false; payload under 126 bytes.
std::string client_frame(std::uint8_t first_byte, std::string const& payload, bool masked = true) {
    std::string f{static_cast<char>(first_byte),
                  static_cast<char>((masked ? 0x80 : 0) | payload.size())};
    if (!masked)
        return f + payload;
    std::string const key = "\x0A\x0B\x0C\x0D";
    f += key;
    for (std::size_t i = 0; i < payload.size(); ++i)
        f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    return f;
}

std::uint16_t close_code(std::string const& payload) {
    return payload.size() < 2
               ? 1005
               : static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]));
}

TEST(relay, a_message_reaches_every_subscriber_of_its_channel_verbatim) {
    daemon_process d;
    std::vector<std::unique_ptr<ws_client>> c1;
    for (int i = 0; i < 3; ++i)
        c1.push_back(subscribe(d, "c1"));
    auto c2 = subscribe(d, "c2");

    std::string const text = "{\"notice\":\"Pause café: 15 min\"}";
    auto const r = publish(d.port(), "c1", text);
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"subscribers":3})"));
    for (auto& c : c1)
        EXPECT_EQ(c->receive(), text);
    EXPECT_EQ(publish(d.port(), "c2", "second channel").status, 200u);
    EXPECT_EQ(c2->receive(), "second channel"); // and not c1's message before it

    // One who joins later gets the latest message first, then what follows.
    auto late = subscribe(d, "c1");
    EXPECT_EQ(late->receive(), text);
    EXPECT_EQ(publish(d.port(), "c1", "next").status, 200u);
    EXPECT_EQ(late->receive(), "next");

    EXPECT_EQ(boost::json::parse(publish(d.port(), "nobody", "x").body),
              boost::json::parse(R"({"subscribers":0})"));
    EXPECT_EQ(metric(d.port(), "minuted_relay_messages_total"), 4u);
    EXPECT_EQ(metric(d.port(), "minuted_relay_deliveries_total"), 3u + 1u + 1u + 4u);
}

TEST(relay, bad_publishes_are_refused_and_deliver_nothing) {
    daemon_process d({.config = "[limits]\nmax_body_bytes = 1000\n"});
    auto sub = subscribe(d, "c1");
    auto const bad_utf8 = publish(d.port(), "c1", "caf\xC3");
    EXPECT_EQ(bad_utf8.status, 400u);
    EXPECT_NE(bad_utf8.body.find("not valid UTF-8"), std::string::npos) << bad_utf8.body;
    auto const get = http_get(d.port(), "/pub/c1");
    EXPECT_EQ(get.status, 405u);
    EXPECT_EQ(get.headers[http::field::allow], "POST");
    EXPECT_EQ(publish(d.port(), "bad%2Fname", "x").status, 400u);
    EXPECT_EQ(publish(d.port(), "c1", std::string(1001, 'x')).status, 413u);
    // The subscriber got none of them: the next message it reads is the good one.
    EXPECT_EQ(publish(d.port(), "c1", "good").status, 200u);
    EXPECT_EQ(sub->receive(), "good");
}

TEST(relay, a_subscriber_that_stops_reading_skips_to_the_latest_and_holds_back_no_one) {
    // The stuck one is not closed for its silence while the test runs, however slow the machine.
    daemon_process d(
        {.config = "[limits]\nsubscriber_queue = 16\nconnection_idle_timeout = \"10m\"\n"});
    // Completes the handshake, then reads nothing until the end.
    raw_client stuck(d.port(), "/sub/c");
    ASSERT_NE(stuck.response().find("101"), std::string::npos) << stuck.response();
    // One who joins gets the channel's latest message first: the reader has joined once it has it.
    ASSERT_EQ(publish(d.port(), "c", "ready").status, 200u);
    auto reader = subscribe(d, "c");
    ASSERT_EQ(reader->receive(), "ready");
    std::string const filler(60000, 'x');
    int const messages = 400; // 24 MB: more than the kernel buffers the stuck one
    std::atomic<int> next{0}; // the message after the last the reader got
    // Reads until the last message, which comes whatever was skipped before it (latest wins).
    auto reading = std::async(std::launch::async, [&] {
        std::vector<int> got;
        while (got.empty() || got.back() != messages - 1) {
            auto const m = reader->receive();
            if (!m)
                break;
            got.push_back(std::stoi(m->substr(0, m->find(' '))));
            next = got.back() + 1;
        }
        return got;
    });
    // However this test ends, the daemon stops before `reading` is waited for: that ends its wait.
    struct stop_first {
        daemon_process& d;
        ~stop_first() { d.stop(); }
    } const stopper{d};
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    for (int i = 0; i < messages; ++i) {
        // The publisher keeps within 8 messages of the reader, however busy the machine: the
        // reader must get every one, while the stuck one overflows its queue of 16.
        while (i - next > 8 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the reader is at " << next;
        ASSERT_EQ(publish(d.port(), "c", std::to_string(i) + " " + filler).status, 200u);
    }
    std::vector<int> every(messages);
    std::iota(every.begin(), every.end(), 0);
    EXPECT_EQ(reading.get(), every);
    // The stuck one was skipped: for a full queue, or on a slow machine first for a ping it did
    // not answer.
    EXPECT_GT(metric(d.port(), "minuted_subscriber_resyncs_total") +
                  metric(d.port(), "minuted_subscriber_stalls_total"),
              0u);
    // The stuck one reads at last, and answers pings as a browser would: it ends with the latest
    // message.
    auto const latest = std::to_string(messages - 1) + " ";
    for (;;) {
        auto const f = stuck.next_frame();
        ASSERT_TRUE(f) << "the connection ended before the latest message";
        if (f->first == 0x9)
            stuck.send(client_frame(0x8A, f->second));
        else if (f->second.starts_with(latest))
            break;
    }
}

TEST(push_sockets, pings_are_answered_and_a_close_is_echoed_then_the_server_closes) {
    daemon_process d;
    raw_client c(d.port(), "/sub/c");
    ASSERT_NE(c.response().find("101 Switching Protocols"), std::string::npos) << c.response();
    c.send(client_frame(0x89, "are you there"));
    auto const pong = c.next_frame();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->first, 0xA);
    EXPECT_EQ(pong->second, "are you there");
    c.send(client_frame(0x88, std::string("\x03\xE8", 2) + "done"));
    auto const closing = c.next_frame();
    ASSERT_TRUE(closing);
    EXPECT_EQ(closing->first, 0x8);
    EXPECT_EQ(close_code(closing->second), 1000);
    EXPECT_TRUE(c.closed_by_server());
}

TEST(push_sockets, protocol_errors_are_closed_with_their_code_and_reason) {
    daemon_process d;
    struct bad_case {
        std::string bytes;
        std::uint16_t code;
        std::string reason;
    };
    std::string big(5000, 'b');
    std::string const big_frame = std::string("\x82\xFE\x13\x88", 4) + "kkkk" + big;
    for (auto const& [bytes, code, reason] :
         std::vector<bad_case>{{client_frame(0x81, "hi", false), 1002, "not masked"},
                               {big_frame, 1009, "larger than"},
                               {client_frame(0x81, "\xC3("), 1007, "UTF-8"},
                               {client_frame(0x83, ""), 1002, "opcode"}}) {
        raw_client c(d.port(), "/sub/c");
        c.send(bytes);
        auto const payload = c.until_close();
        ASSERT_TRUE(payload) << reason;
        EXPECT_EQ(close_code(*payload), code) << reason;
        EXPECT_NE(payload->find(reason), std::string::npos) << *payload;
        EXPECT_TRUE(c.closed_by_server()) << reason;
    }
    // The daemon serves on: a good subscriber still gets messages.
    auto sub = subscribe(d, "c");
    EXPECT_EQ(publish(d.port(), "c", "still here").status, 200u);
    EXPECT_EQ(sub->receive(), "still here");
}

TEST(push_sockets, a_reader_that_answers_no_ping_is_skipped_until_it_does_then_gets_the_latest) {
    daemon_process d;
    // Reads everything, as a frozen browser's kernel would, but never answers a ping.
    raw_client frozen(d.port(), "/sub/c");
    int const messages = 160; // 8 s at 20 a second
    for (int i = 0; i < messages; ++i) {
        ASSERT_EQ(publish(d.port(), "c", std::to_string(i)).status, 200u);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    int pings = 0;
    int last = -1;
    for (auto const& [op, payload] : frozen.available_frames()) {
        if (op == 0x9)
            ++pings;
        else if (op == 0x1)
            last = std::stoi(payload);
    }
    // Pinged 3 s after it was last heard, skipped 2 s later: messages after about the 100th
    // were not sent to it.
    EXPECT_EQ(pings, 1);
    EXPECT_GE(last, 40);
    EXPECT_LT(last, messages - 20);
    EXPECT_EQ(metric(d.port(), "minuted_subscriber_stalls_total"), 1u);
    // It answers at last: the latest message comes next, then it is live again.
    frozen.send(client_frame(0x8A, ""));
    auto const latest = frozen.next_frame();
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->second, std::to_string(messages - 1));
    ASSERT_EQ(publish(d.port(), "c", "after").status, 200u);
    auto const after = frozen.next_frame();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->second, "after");
}

TEST(relay, stalled_subscribers_that_answer_while_messages_flow_get_them_in_order_once) {
    // Two io threads: a subscriber's answer is read on one while a publish is sent on the other.
    daemon_process d({.args = {"--threads", "2"}});
    // Read everything, as a frozen browser's kernel would, but answer no ping: all are skipped.
    std::vector<std::unique_ptr<raw_client>> frozen;
    for (int i = 0; i < 64; ++i)
        frozen.push_back(std::make_unique<raw_client>(d.port(), "/sub/c"));
    int seq = 0;
    auto const skipping_all = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (metric(d.port(), "minuted_subscriber_stalls_total") < frozen.size()) {
        ASSERT_LT(std::chrono::steady_clock::now(), skipping_all) << "not all were skipped";
        ASSERT_EQ(publish(d.port(), "c", std::to_string(seq++)).status, 200u);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // They answer together while the publisher sends as fast as it can.
    std::atomic<bool> answered{false};
    auto publishing = std::async(std::launch::async, [&] {
        int n = seq;
        int after = 0; // published since they answered
        while (after < 200) {
            if (publish(d.port(), "c", std::to_string(n++)).status != 200)
                return -1;
            if (answered)
                ++after;
        }
        return n - 1;
    });
    for (auto& c : frozen)
        c->send(client_frame(0x8A, ""));
    answered = true;
    int const last = publishing.get();
    ASSERT_GT(last, 0) << "a publish failed";
    // Each gets what it missed as the latest message, then the rest as they came: every
    // number after the one before it, none twice, ending with the last.
    for (std::size_t i = 0; i < frozen.size(); ++i) {
        std::vector<int> got;
        while (got.empty() || got.back() < last) {
            auto const f = frozen[i]->next_frame();
            ASSERT_TRUE(f) << "subscriber " << i << " ended after " << got.size() << " messages";
            if (f->first == 0x1)
                got.push_back(std::stoi(f->second));
        }
        EXPECT_EQ(std::adjacent_find(got.begin(), got.end(), [](int a, int b) { return b <= a; }),
                  got.end())
            << "subscriber " << i << " got them out of order or twice";
    }
}

TEST(push_sockets, a_client_that_answers_no_ping_is_closed_after_the_idle_timeout) {
    daemon_process d({.config = "[limits]\nconnection_idle_timeout = \"2s\"\n"});
    raw_client silent(d.port(), "/sub/c");
    auto answering = subscribe(d, "c");
    // Beast answers pings by itself while it reads.
    auto alive = std::async(std::launch::async, [&] { return answering->receive(); });
    auto const start = std::chrono::steady_clock::now();
    std::optional<std::pair<int, std::string>> f;
    int pings = 0;
    while ((f = silent.next_frame()))
        pings += f->first == 0x9;
    auto const took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(pings, 1);
    EXPECT_GE(took, std::chrono::milliseconds(1500));
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_GE(metric_reaching(d.port(), "minuted_limit_hits_total{limit=\"idle_timeout\"}", 1), 1u);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(publish(d.port(), "c", "alive").status, 200u);
    EXPECT_EQ(alive.get(), "alive");
}

} // namespace
} // namespace minuted::testing
