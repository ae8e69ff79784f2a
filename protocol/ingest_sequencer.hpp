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
};

/// The seq rules of one meeting's ingest (protocol/PROTOCOL.md): seqs start at 1 and rise by
/// one; a seq held already is a resend, acknowledged and not applied twice, unless it goes
/// back within one connection; a seq beyond the next is a gap, answered with a nack; once
/// the meeting has ended, resends are acknowledged and anything new refused. Pure: the
/// session journals and applies what `check` lets through, then calls `held`.
class ingest_sequencer {
public:
    /// `session`: the session's id, for the reasons given to a source.
    explicit ingest_sequencer(std::string session) : session_(std::move(session)) {}

    /// What to do with `m`, from `connection`; notes in `connection` what it sent.
    ingest_verdict check(ingest_message const& m, ingest_connection& connection) const;
    /// `seq` is held: applied live, or read back from the journal after a restart.
    void held(seq_number seq) noexcept { last_ = seq; }
    /// The meeting has ended: from now on only resends are acknowledged.
    void end() noexcept { ended_ = true; }

    seq_number last() const noexcept { return last_; }
    bool ended() const noexcept { return ended_; }

private:
    ingest_verdict check_after_end(ingest_message const& m) const;

    std::string session_;
    seq_number last_ = 0;
    bool ended_ = false;
};

} // namespace minuted::protocol
