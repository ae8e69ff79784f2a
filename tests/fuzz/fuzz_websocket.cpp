// libFuzzer target for protocol::ws_client_reader, which reads what a viewer's browser sends.
// The first byte of an input chooses the reader's message limit and where the rest is cut into
// the pieces it is given. Beyond "no crash" it checks:
// - the events and the error do not depend on how the bytes were cut;
// - a message never exceeds the limit, a control frame's payload never exceeds 125 bytes;
// - what the reader holds of a partial frame is less than the largest frame it takes;
// - a close's code is one a peer may send (or 1005 for none).

#include "protocol/websocket_frames.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

using minuted::protocol::ws_client_reader;
using minuted::protocol::ws_event;

bool same(std::vector<ws_event> const& a, std::vector<ws_event> const& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].what != b[i].what || a[i].payload != b[i].payload || a[i].code != b[i].code ||
            a[i].size != b[i].size)
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size == 0)
        return 0;
    std::size_t const max_message = 16 + (data[0] & 0x0F) * 64; // 16..976 bytes
    std::size_t const piece = 1 + (data[0] >> 4);               // 1..16 bytes
    std::string_view const input(reinterpret_cast<char const*>(data) + 1, size - 1);

    ws_client_reader whole(max_message);
    std::vector<ws_event> whole_events;
    auto const whole_error = whole.put(input, whole_events);

    ws_client_reader pieces(max_message);
    std::vector<ws_event> piece_events;
    boost::system::error_code piece_error;
    for (std::size_t at = 0; at < input.size() && !piece_error; at += piece) {
        piece_error = pieces.put(input.substr(at, piece), piece_events);
        // Less than one frame: a header (14 bytes at most) and a payload within the limit,
        // or a control frame's 125 bytes.
        MINUTED_CHECK(pieces.buffered() < std::max<std::size_t>(max_message, 125) + 14);
    }
    MINUTED_CHECK(piece_error == whole_error);
    MINUTED_CHECK(same(piece_events, whole_events));

    for (auto const& e : whole_events) {
        switch (e.what) {
        case ws_event::kind::message:
            MINUTED_CHECK(e.size <= max_message && e.payload.empty());
            break;
        case ws_event::kind::close:
            MINUTED_CHECK(e.code == 1005 || (e.code >= 1000 && e.code <= 4999));
            MINUTED_CHECK(e.payload.size() <= 123);
            break;
        default:
            MINUTED_CHECK(e.payload.size() <= 125);
        }
    }
    return 0;
}
