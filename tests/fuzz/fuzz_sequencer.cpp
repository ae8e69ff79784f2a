// libFuzzer target for protocol::ingest_sequencer: the input is a run of messages from up to
// four connections of one source (each message three bytes: connection and kind, then where
// its seq falls relative to the last seq held), with the meeting ending part-way if the input
// says so. Beyond "no crash" it checks the seq rules of protocol/PROTOCOL.md on every verdict:
// only the next seq is ever applied, so the last seq rises by one at a time and never goes
// back; a resend is acknowledged with its own seq and never applied; a gap is answered with
// the seq expected; a connection is closed only when its seq goes back below what it sent;
// after the end nothing new is applied and a refusal says the meeting has ended. A meeting
// whose first seq is 0 counts from 0: its seqs are held one higher and answered in its own.

#include "protocol/ingest_sequencer.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>

namespace {

using namespace minuted::protocol;

ingest_kind kind_of(std::uint8_t b) {
    switch (b % 8) {
    case 0:
        return ingest_kind::open;
    case 1:
        return ingest_kind::raw;
    case 2:
        return ingest_kind::erase;
    case 3:
        return ingest_kind::close;
    case 4:
        return ingest_kind::resume;
    default:
        return ingest_kind::text;
    }
}

bool sequenced(ingest_kind k) {
    return k == ingest_kind::text || k == ingest_kind::erase || k == ingest_kind::close;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    ingest_sequencer s("fuzz");
    std::array<ingest_connection, 4> connections{};
    for (std::size_t i = 0; i + 3 <= size; i += 3) {
        auto const head = data[i];
        if (head == 0xff) { // the meeting ends here
            s.end();
            continue;
        }
        auto& c = connections[head >> 6];
        ingest_message m;
        m.kind = kind_of(static_cast<std::uint8_t>(head >> 3));
        m.text = "x";
        if (m.kind == ingest_kind::erase)
            m.count = 1;
        // Around the last seq held, mostly: resends, the next one, small gaps, and 0.
        auto const offset = static_cast<std::int64_t>(data[i + 1]) - 200;
        if (sequenced(m.kind) || (data[i + 2] & 1)) {
            auto const seq = static_cast<std::int64_t>(s.to_source(s.last())) + offset;
            m.seq = seq < 0 ? 0 : static_cast<seq_number>(seq);
        }

        auto const last = s.last();
        auto const sent = c.highest_sent;
        auto const v = s.check(m, c);
        auto const seq = m.seq.value_or(0);
        switch (v.action) {
        case ingest_action::apply:
            MINUTED_CHECK(!s.ended());
            MINUTED_CHECK(v.replies.empty() && v.close.empty());
            MINUTED_CHECK(m.kind == ingest_kind::raw || (sequenced(m.kind) && v.held == last + 1));
            MINUTED_CHECK(!v.starts_from_zero || (last == 0 && seq == 0));
            if (sequenced(m.kind)) {
                MINUTED_CHECK(c.highest_sent == v.held);
                if (v.starts_from_zero)
                    s.count_from_zero();
                s.held(v.held);
                MINUTED_CHECK(s.to_source(v.held) == seq);
            }
            break;
        case ingest_action::open:
            MINUTED_CHECK(!s.ended() && m.kind == ingest_kind::open && v.replies.empty());
            break;
        case ingest_action::duplicate:
            MINUTED_CHECK(sequenced(m.kind) && v.held != 0 && v.held <= last);
            MINUTED_CHECK(s.to_source(v.held) == seq);
            MINUTED_CHECK(v.replies.size() == 1 && v.replies[0] == ingest_reply(ack{seq}));
            MINUTED_CHECK(s.ended() || v.held >= sent);
            break;
        case ingest_action::answer:
            MINUTED_CHECK(s.ended() && m.kind == ingest_kind::open);
            MINUTED_CHECK(v.replies.size() == 1 &&
                          v.replies[0] == ingest_reply(welcome{s.to_source(last), true}));
            break;
        case ingest_action::refuse:
            MINUTED_CHECK(v.replies.size() == 1);
            if (auto const* gap = std::get_if<nack>(&v.replies[0])) {
                MINUTED_CHECK(!s.ended() && gap->expected == s.to_source(last + 1) &&
                              seq > gap->expected);
            } else {
                MINUTED_CHECK(std::holds_alternative<error_reply>(v.replies[0]));
                MINUTED_CHECK(!std::get<error_reply>(v.replies[0]).message.empty());
            }
            MINUTED_CHECK(v.ended == s.ended());
            MINUTED_CHECK(v.close.empty() || s.ended() || seq < s.to_source(sent));
            break;
        }
        MINUTED_CHECK(s.last() == last || s.last() == last + 1);
        MINUTED_CHECK(c.highest_sent >= sent || s.ended());
    }
    return 0;
}
