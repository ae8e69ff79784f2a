#pragma once

#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"

#include <string>
#include <vector>

namespace minuted::protocol {

/// What one connection of a source has sent, so a seq that goes backwards within a
/// connection (a bug in the source) is told apart from a safe resend after a reconnect.
struct ingest_connection {
    seq_number highest_sent = 0;
};

/// What a session does with a message, by the seq rules.
enum class ingest_action {
    apply,     ///< new: journal and apply it, then acknowledge it (text, erase, close, raw text)
    open,      ///< an open of a meeting that goes on: the session takes its title and agenda
    duplicate, ///< held already: acknowledged (once on disk) and not applied again
    answer,    ///< nothing to apply: send the replies (a welcome to a meeting that has ended)
    refuse,    ///< a protocol error: send the replies (and close if `close` says why)
};

struct ingest_verdict {
    ingest_action action = ingest_action::refuse;
    std::vector<ingest_reply> replies; ///< what to answer now (an apply's ack comes after it)
    std::string close;                 ///< if not empty: close the connection, for this reason
    bool ended = false;                ///< refused because the meeting has ended
    /// apply: the seq the session holds the message under (the source's seq, one higher for a
    /// source that counts from 0).
    seq_number held = 0;
    /// apply: this message starts the meeting's seqs at 0; the session journals that, so the
    /// count survives a restart (`count_from_zero`).
    bool starts_from_zero = false;
};

/// The seq rules of one meeting's ingest (protocol/PROTOCOL.md): seqs start at 1, or at 0 for
/// a source that counts from 0 (Zoom's caption API, some StreamText setups), and rise by one; a seq
/// held already is a resend, acknowledged and not applied twice, unless it goes back within one
/// connection; a seq beyond the next is a gap, answered with a nack; once the meeting has ended,
/// resends are acknowledged and anything new refused. Pure: the session journals and applies what
/// `check` lets through, then calls `held`.
class ingest_sequencer {
public:
    /// `session`: the session's id, for the reasons given to a source.
    explicit ingest_sequencer(std::string session) : session_(std::move(session)) {}

    /// What to do with `m`, from `connection`; notes in `connection` what it sent.
    ingest_verdict check(ingest_message const& m, ingest_connection& connection) const;
    /// `seq` is held: applied live, or read back from the journal after a restart.
    void held(seq_number seq) noexcept { last_ = seq; }
    /// The meeting's source counts from 0: its seq N is held as N + 1. Called before the first
    /// `held`, from the journal's record of the first message.
    void count_from_zero() noexcept { from_zero_ = true; }
    /// A held seq as the source numbers it (0 when nothing is held).
    seq_number to_source(seq_number held) const noexcept {
        return held >= offset() ? held - offset() : 0;
    }
    /// The meeting has ended: from now on only resends are acknowledged.
    void end() noexcept { ended_ = true; }

    seq_number last() const noexcept { return last_; }
    bool ended() const noexcept { return ended_; }

private:
    ingest_verdict check_after_end(ingest_message const& m) const;
    seq_number offset() const noexcept { return from_zero_ ? 1 : 0; }

    std::string session_;
    seq_number last_ = 0;
    bool ended_ = false;
    bool from_zero_ = false;
};

} // namespace minuted::protocol
