#include "protocol/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {
namespace {

/// A client's frame (RFC 6455 §5.2), masked with `key` unless `masked` is false.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         std::string_view key = "\x11\x22\x33\x44") {
    std::string f;
    f.push_back(static_cast<char>(first_byte));
    std::size_t const mask_bit = masked ? 0x80 : 0x00;
    auto const n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(mask_bit | n));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(mask_bit | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
    }
    if (!masked)
        return f.append(payload);
    f.append(key);
    for (std::size_t i = 0; i < n; ++i)
        f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    return f;
}

constexpr std::uint8_t fin = 0x80;
constexpr std::uint8_t text = 0x1;
constexpr std::uint8_t binary = 0x2;
constexpr std::uint8_t close = 0x8;
constexpr std::uint8_t ping = 0x9;
constexpr std::uint8_t pong = 0xA;

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
    std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    return p.append(reason);
}

struct read_result {
    std::vector<ws_event> events;
    boost::system::error_code ec;
};

read_result read_all(std::string_view bytes, std::size_t max_message = 4096) {
    ws_client_reader reader(max_message);
    read_result r;
    r.ec = reader.put(bytes, r.events);
    return r;
}

TEST(ws_frame, text_frames_are_final_unmasked_and_use_the_shortest_length) {
    auto const small = ws_frame::text("hello");
    EXPECT_EQ(small.bytes(), std::string_view("\x81\x05hello", 7));
    EXPECT_EQ(small.payload(), "hello");
    EXPECT_EQ(small.opcode(), ws_opcode::text);

    std::string const mid(126, 'x');
    auto const m = ws_frame::text(mid);
    EXPECT_EQ(m.bytes().substr(0, 4), std::string_view("\x81\x7E\x00\x7E", 4));
    EXPECT_EQ(m.payload(), mid);

    std::string const big(70000, 'y');
    auto const b = ws_frame::text(big);
    EXPECT_EQ(b.bytes().substr(0, 10),
              std::string_view("\x81\x7F\x00\x00\x00\x00\x00\x01\x11\x70", 10));
    EXPECT_EQ(b.payload().size(), big.size());
}

TEST(ws_frame, a_close_reason_is_cut_to_123_bytes_without_splitting_a_character) {
    std::string reason(122, 'a');
    reason += "\xC3\xA9"; // 'é' would end at byte 124
    auto const f = ws_frame::close(1008, reason);
    EXPECT_EQ(f.opcode(), ws_opcode::close);
    ASSERT_EQ(f.payload().size(), 2 + 122u);
    EXPECT_EQ(f.payload().substr(0, 2), std::string_view("\x03\xF0", 2));
}

TEST(ws_client_reader, reads_pings_pongs_and_closes_whole) {
    auto const r = read_all(client_frame(fin | ping, "p1") + client_frame(fin | pong, "") +
                            client_frame(fin | close, close_payload(1000, "bye")));
    ASSERT_FALSE(r.ec) << r.ec.message();
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(r.events[0].what, ws_event::kind::ping);
    EXPECT_EQ(r.events[0].payload, "p1");
    EXPECT_EQ(r.events[1].what, ws_event::kind::pong);
    EXPECT_EQ(r.events[2].what, ws_event::kind::close);
    EXPECT_EQ(r.events[2].code, 1000);
    EXPECT_EQ(r.events[2].payload, "bye");
}

TEST(ws_client_reader, a_close_without_a_code_reads_as_1005) {
    auto const r = read_all(client_frame(fin | close, ""));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].code, 1005);
}

TEST(ws_client_reader, takes_a_frame_split_at_every_byte) {
    auto const bytes = client_frame(fin | ping, "split me") + client_frame(fin | text, "hi");
    ws_client_reader reader(4096);
    std::vector<ws_event> events;
    for (char c : bytes)
        ASSERT_FALSE(reader.put(std::string_view(&c, 1), events));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].payload, "split me");
    EXPECT_EQ(events[1].what, ws_event::kind::message);
    EXPECT_EQ(events[1].size, 2u);
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(ws_client_reader, a_fragmented_message_is_one_event_and_controls_may_come_between) {
    auto const r = read_all(client_frame(text, "ab") + client_frame(fin | ping, "") +
                            client_frame(0x0, "cd") + client_frame(fin | 0x0, "e"));
    ASSERT_FALSE(r.ec) << r.ec.message();
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].what, ws_event::kind::ping);
    EXPECT_EQ(r.events[1].what, ws_event::kind::message);
    EXPECT_EQ(r.events[1].size, 5u);
}

TEST(ws_client_reader, a_character_split_across_fragments_is_valid_utf8) {
    auto const r = read_all(client_frame(text, "\xC3") + client_frame(fin | 0x0, "\xA9"));
    EXPECT_FALSE(r.ec) << r.ec.message();
}

TEST(ws_client_reader, refuses_what_rfc_6455_forbids_with_its_close_code) {
    struct bad_case {
        char const* what;
        std::string bytes;
        ws_error error;
        std::uint16_t code;
    };
    std::vector<bad_case> const cases{
        {"unmasked", client_frame(fin | text, "x", false), ws_error::unmasked, 1002},
        {"RSV1 set", client_frame(fin | 0x40 | text, "x"), ws_error::reserved_bits, 1002},
        {"opcode 3", client_frame(fin | 0x3, "x"), ws_error::unknown_opcode, 1002},
        {"opcode 0xB", client_frame(fin | 0xB, ""), ws_error::unknown_opcode, 1002},
        {"fragmented ping", client_frame(ping, ""), ws_error::bad_control_frame, 1002},
        {"126-byte ping", client_frame(fin | ping, std::string(126, 'p')),
         ws_error::bad_control_frame, 1002},
        {"lone continuation", client_frame(fin | 0x0, "x"), ws_error::bad_continuation, 1002},
        {"text inside a message", client_frame(text, "a") + client_frame(fin | text, "b"),
         ws_error::bad_continuation, 1002},
        {"16-bit length under 126", std::string("\x81\xFE\x00\x05", 4) + "keyy" + "hello",
         ws_error::bad_length, 1002},
        {"64-bit length with the top bit", std::string("\x81\xFF\x80\0\0\0\0\0\0\0", 10),
         ws_error::bad_length, 1002},
        {"one-byte close", client_frame(fin | close, "x"), ws_error::bad_close, 1002},
        {"close code 1005", client_frame(fin | close, close_payload(1005)), ws_error::bad_close,
         1002},
        {"close code 2000", client_frame(fin | close, close_payload(2000)), ws_error::bad_close,
         1002},
        {"close reason not UTF-8", client_frame(fin | close, close_payload(1000, "\xFF")),
         ws_error::bad_close, 1002},
        {"message over the limit", client_frame(fin | binary, std::string(4097, 'b')),
         ws_error::too_big, 1009},
        {"fragments over the limit",
         client_frame(binary, std::string(4000, 'b')) +
             client_frame(fin | 0x0, std::string(97, 'b')),
         ws_error::too_big, 1009},
        {"text not UTF-8", client_frame(fin | text, "\xC3("), ws_error::invalid_utf8, 1007},
    };
    for (auto const& c : cases) {
        auto const r = read_all(c.bytes);
        EXPECT_EQ(r.ec, make_error_code(c.error)) << c.what << ": " << r.ec.message();
        EXPECT_EQ(close_code_for(c.error), c.code) << c.what;
    }
}

TEST(ws_client_reader, a_frame_over_the_limit_is_refused_from_its_header_alone) {
    // 1 GB announced, 14 bytes sent: refused at once, nothing buffered for the rest.
    std::string const header("\x82\xFF\x00\x00\x00\x00\x40\x00\x00\x00kkkk", 14);
    ws_client_reader reader(4096);
    std::vector<ws_event> events;
    EXPECT_EQ(reader.put(header, events), make_error_code(ws_error::too_big));
}

TEST(ws_client_reader, events_before_an_error_are_kept) {
    auto const r = read_all(client_frame(fin | ping, "a") + client_frame(fin | text, "x", false));
    EXPECT_EQ(r.ec, make_error_code(ws_error::unmasked));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].payload, "a");
}

} // namespace
} // namespace minuted::protocol
