#include "protocol/ingest_sequencer.hpp"

#include <limits>

namespace minuted::protocol {

namespace {

ingest_verdict refusal(std::string why, bool close = false) {
    ingest_verdict v{ingest_action::refuse, {error_reply{why}}, {}, false, 0, false};
    if (close)
        v.close = std::move(why);
    return v;
}

} // namespace

ingest_verdict ingest_sequencer::check(ingest_message const& m,
                                       ingest_connection& connection) const {
    if (ended_)
        return check_after_end(m);
    switch (m.kind) {
    case ingest_kind::open:
        return {ingest_action::open, {}, {}, false, 0, false};
    case ingest_kind::resume:
        return refusal("resume is sent by minuted to a feed, not to minuted");
    case ingest_kind::raw: // no seq: each frame is new
        return {ingest_action::apply, {}, {}, false, 0, false};
    case ingest_kind::text:
    case ingest_kind::erase:
    case ingest_kind::close:
        break;
    }
    auto const sent = m.seq.value_or(0);
    // The first seq of a meeting says how its source counts: 0 or 1.
    bool const starts_from_zero = last_ == 0 && sent == 0 && !from_zero_;
    auto const shift = starts_from_zero ? 1 : offset();
    if (sent > std::numeric_limits<seq_number>::max() - shift)
        return refusal("seq " + std::to_string(sent) + " is beyond what a meeting counts to");
    if (sent + shift == 0)
        return refusal("seq 0 comes only first, from a source that counts from 0; this meeting's "
                       "seqs started at 1");
    auto const seq = sent + shift;
    if (seq <= last_) {
        if (seq < connection.highest_sent)
            return refusal("seq went backwards: " + std::to_string(sent) + " after " +
                               std::to_string(to_source(connection.highest_sent)),
                           true);
        connection.highest_sent = seq;
        return {ingest_action::duplicate, {ack{sent}}, {}, false, seq, false};
    }
    if (seq > last_ + 1)
        return {ingest_action::refuse, {nack{to_source(last_ + 1)}}, {}, false, 0, false};
    connection.highest_sent = seq;
    return {ingest_action::apply, {}, {}, false, seq, starts_from_zero};
}

// The source may have lost the ack of its close (a crash, a dropped connection): what it
// resends up to the close is acknowledged as any resend is, so the meeting is not started
// twice. Anything new is refused: a new meeting under this id starts with an open that names
// another instance.
ingest_verdict ingest_sequencer::check_after_end(ingest_message const& m) const {
    if (m.kind == ingest_kind::open)
        return {ingest_action::answer, {welcome{to_source(last_), true}}, {}, false, 0, false};
    bool const sequenced =
        m.kind == ingest_kind::text || m.kind == ingest_kind::erase || m.kind == ingest_kind::close;
    if (sequenced && m.seq && *m.seq + offset() != 0 && *m.seq + offset() <= last_)
        return {ingest_action::duplicate, {ack{*m.seq}}, {}, false, *m.seq + offset(), false};
    auto v =
        refusal("session " + session_ + " has ended (last seq " + std::to_string(to_source(last_)) +
                "): to start another meeting under this id, send an open with a new "
                "instance");
    v.close = "session has ended";
    v.ended = true;
    return v;
}

} // namespace minuted::protocol
