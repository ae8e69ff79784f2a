// libFuzzer target for protocol::read_caption_file (WebVTT, SRT, TTML/EBU-TT) and what is made
// of its cues. Beyond "no crash" it checks what caption_file.hpp promises: an error names a
// line within the input and leaves no cues; cues have clean UTF-8 text, a line within the input
// and an end not before their start; the events and CART lines made of them come in order,
// their times never going back; and reading the same bytes twice gives the same result. The
// input is tried as it comes and behind each format's opening, so every reader gets it.

#include "protocol/caption_file.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace minuted::protocol;

bool has_control(std::string_view s, bool newline_allowed) {
    return std::any_of(s.begin(), s.end(), [&](char c) {
        auto const u = static_cast<unsigned char>(c);
        return (u < 0x20 && !(newline_allowed && c == '\n')) || u == 0x7F;
    });
}

void check(std::string_view input) {
    auto const lines = static_cast<line_number>(std::count(input.begin(), input.end(), '\n') + 1);
    auto const f = read_caption_file(input);
    MINUTED_CHECK(f.format == detect_caption_format(input));
    if (f.error) {
        MINUTED_CHECK(f.cues.empty());
        MINUTED_CHECK(f.error->line >= 1 && f.error->line <= lines);
        MINUTED_CHECK(!f.error->why.empty());
        MINUTED_CHECK(is_valid_utf8(f.error->why));
        return;
    }
    MINUTED_CHECK(f.format != caption_format::cart);
    MINUTED_CHECK(f.repaired <= input.size());
    for (auto const& c : f.cues) {
        MINUTED_CHECK(c.line >= 1 && c.line <= lines);
        MINUTED_CHECK(c.end >= c.start);
        MINUTED_CHECK(!c.text.empty() && c.text.size() <= input.size() * 4);
        MINUTED_CHECK(is_valid_utf8(c.text) && is_valid_utf8(c.speaker));
        MINUTED_CHECK(!has_control(c.text, true) && !has_control(c.speaker, false));
    }
    auto const events = caption_events(f);
    std::chrono::milliseconds at{0};
    for (auto const& e : events) {
        MINUTED_CHECK(e.at >= at);
        at = e.at;
        MINUTED_CHECK(line_of(e.event) >= 1 && line_of(e.event) <= lines);
    }
    auto const cart = caption_lines(f);
    MINUTED_CHECK(cart.size() == f.cues.size());
    at = std::chrono::milliseconds(0);
    for (auto const& l : cart) {
        MINUTED_CHECK(l.at >= at);
        at = l.at;
        MINUTED_CHECK(!l.text.empty() && l.text.back() == '\n');
        MINUTED_CHECK(std::count(l.text.begin(), l.text.end(), '\n') == 1);
    }
    auto const again = read_caption_file(input);
    MINUTED_CHECK(again.cues == f.cues && again.repaired == f.repaired);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check(input);
    static constexpr std::array<std::string_view, 3> openings{
        "WEBVTT\n\n",
        "1\n00:00:01,000 --> 00:00:02,000\n",
        "<tt xmlns=\"http://www.w3.org/ns/ttml\">",
    };
    for (auto const opening : openings)
        check(std::string(opening) + std::string(input));
    return 0;
}
