// The ingest side of a live session: what a caption source's message does (the seq rules,
// the journal, the answer once it is durable) and the pace of [limits] ingest_rate.

#include "daemon/live/live_session.hpp"
#include "daemon/live/live_session_detail.hpp"

#include <spdlog/spdlog.h>

namespace minuted::daemon {

using detail::to_ms;
using detail::wall_now;

std::optional<protocol::seq_number> live_session::acknowledged_seq() {
    auto const held = durable_seq();
    if (held == 0)
        return std::nullopt;
    return sequencer_.to_source(held);
}

protocol::seq_number live_session::durable_seq() {
    while (!unsynced_seqs_.empty() && unsynced_seqs_.front().first <= journal_->durable()) {
        durable_seq_ = unsynced_seqs_.front().second;
        unsynced_seqs_.pop_front();
    }
    return durable_seq_;
}

void live_session::answer_when_durable(ingest_answer answer,
                                       std::function<void(ingest_answer)> send) {
    auto const at = answer.durable_at;
    if (at == 0) {
        answer.held = acknowledged_seq();
        return send(std::move(answer));
    }
    journal_->when_durable(at, [self = shared_from_this(), answer = std::move(answer),
                                send = std::move(send)](bool durable) mutable {
        auto a = durable ? std::move(answer) : self->refusal();
        a.held = self->acknowledged_seq();
        send(std::move(a));
    });
}

ingest_answer live_session::refusal() {
    metrics_.ingest_refused.fetch_add(1, std::memory_order_relaxed);
    ingest_answer answer;
    auto const why =
        journal_->failure().empty() ? std::string("the disk is too slow") : journal_->failure();
    answer.replies.emplace_back(std::in_place_type<protocol::error_reply>,
                                "captions cannot be kept safe: the journal cannot be written (" +
                                    why + "); nothing after seq " +
                                    std::to_string(acknowledged_seq().value_or(0)) +
                                    " is held; reconnect and resend later");
    answer.close = "journal not writable: " + why;
    answer.close_code = close_try_again_later;
    return answer;
}

bool live_session::refuse_unjournaled(ingest_answer& answer) {
    // A disk too slow for the captions is refused like a failed one before memory runs out.
    constexpr journal_position max_backlog = 64u << 20;
    if (journal_->failure().empty() && journal_->appended() - journal_->durable() < max_backlog)
        return false;
    answer = refusal();
    return true;
}

ingest_answer live_session::ingest(protocol::ingest_message const& m,
                                   protocol::ingest_connection& connection,
                                   std::chrono::steady_clock::time_point arrived) {
    using protocol::ingest_action;
    if (!ended_)
        arm_idle_timer(); // any word from the source says the meeting goes on
    auto verdict = sequencer_.check(m, connection);
    ingest_answer answer;
    answer.replies = std::move(verdict.replies);
    switch (verdict.action) {
    case ingest_action::open:
        return open(m, arrived);
    case ingest_action::apply:
        return apply_new(m, verdict, arrived);
    case ingest_action::duplicate:
        metrics_.ingest_duplicates.fetch_add(1, std::memory_order_relaxed);
        if (!archived_) // acknowledged once on disk (after an end, the end may not be yet)
            answer.durable_at = journal_->appended();
        return answer;
    case ingest_action::answer:
        return answer;
    case ingest_action::refuse:
        break;
    }
    metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
    if (!verdict.close.empty())
        answer.close = std::move(verdict.close);
    answer.ended = verdict.ended;
    return answer;
}

ingest_answer live_session::open(protocol::ingest_message const& m,
                                 std::chrono::steady_clock::time_point arrived) {
    using protocol::journal_kind;
    ingest_answer answer;
    auto bounded = m;
    if (auto const cut = protocol::bound_open(bounded); !cut.empty()) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("session {}: open: {}", id_, cut);
        answer.replies.emplace_back(std::in_place_type<protocol::error_reply>, "open: " + cut);
    }
    auto const at_ms = to_ms(wall_now());
    if (pipeline_ && !bounded.agenda.empty() &&
        protocol::titles_of(bounded.agenda) != pipeline_->state().known_agenda()) {
        if (pipeline_->state().known_agenda().empty()) {
            // The first agenda the meeting gets, after captions: what was heard is aligned.
            if (refuse_unjournaled(answer))
                return answer;
            protocol::journal_record a;
            a.kind = journal_kind::agenda;
            a.at_ms = at_ms;
            protocol::put_agenda(a, bounded.agenda);
            record(std::move(a), arrived);
        } else {
            spdlog::warn("session {}: agenda in a later open ignored: the meeting has one", id_);
            answer.replies.emplace_back(
                std::in_place_type<protocol::error_reply>,
                "open: agenda ignored: the meeting has one; PUT /api/sessions/" + id_ +
                    "/agenda changes it");
        }
    }
    if (!pipeline_ || (!bounded.title.empty() && title_ != bounded.title) ||
        (source_instance_.empty() && !bounded.instance.empty())) {
        if (refuse_unjournaled(answer))
            return answer;
        protocol::journal_record r;
        r.kind = journal_kind::open;
        r.at_ms = at_ms;
        r.title = std::move(bounded.title);
        if (!pipeline_)
            protocol::put_agenda(r, std::move(bounded.agenda));
        r.instance = source_instance_.empty() ? bounded.instance : std::string();
        record(std::move(r), arrived);
    }
    answer.replies.emplace_back(std::in_place_type<protocol::welcome>,
                                acknowledged_seq().value_or(0));
    return answer;
}

ingest_answer live_session::apply_new(protocol::ingest_message const& m,
                                      protocol::ingest_verdict const& verdict,
                                      std::chrono::steady_clock::time_point arrived) {
    using protocol::ingest_kind;
    using protocol::journal_kind;
    ingest_answer answer;
    if (refuse_unjournaled(answer))
        return answer;
    metrics_.ingest_events.fetch_add(1, std::memory_order_relaxed);
    metrics_.ingest_bytes.fetch_add(m.text.size(), std::memory_order_relaxed);
    protocol::journal_record r;
    r.at_ms = to_ms(wall_now());
    r.seq = verdict.held; // raw text has none: 0
    r.counts_from_zero = verdict.starts_from_zero;
    switch (m.kind) {
    case ingest_kind::erase:
        r.kind = journal_kind::erase;
        r.count = m.count;
        if (auto const done = record(std::move(r), arrived); done < m.count)
            answer.replies.emplace_back(std::in_place_type<protocol::error_reply>,
                                        "erase reached final text: " + std::to_string(done) +
                                            " of " + std::to_string(m.count) +
                                            " characters erased");
        break;
    case ingest_kind::close:
        r.kind = journal_kind::end;
        r.text = "closed by the caption source";
        record(std::move(r), arrived);
        archive();
        break;
    default:
        r.kind = journal_kind::text;
        r.text = m.text;
        r.lang = m.lang;
        r.position = m.position;
        record(std::move(r), arrived);
    }
    if (m.seq)
        answer.replies.emplace_back(std::in_place_type<protocol::ack>, *m.seq);
    // Raw text gets no reply, but an HTTP 200 waits for the disk too.
    answer.durable_at = journal_->appended();
    return answer;
}

std::chrono::steady_clock::duration live_session::pace(std::chrono::steady_clock::time_point now,
                                                       over_rate mode) {
    using seconds = std::chrono::duration<double>;
    auto const rate = static_cast<double>(config_.get()->ingest_rate);
    ingest_tokens_ =
        ingest_paced_ == std::chrono::steady_clock::time_point{}
            ? rate
            : std::min(rate, ingest_tokens_ + rate * seconds(now - ingest_paced_).count());
    ingest_paced_ = now;
    if (ingest_tokens_ >= 1) {
        ingest_tokens_ -= 1;
        return {};
    }
    metrics_.hit(limit::ingest_rate);
    if (now - ingest_rate_logged_ > std::chrono::minutes(1)) {
        ingest_rate_logged_ = now;
        spdlog::warn("session {}: captions come faster than [limits] ingest_rate ({} frames a "
                     "second): its sources are slowed down",
                     id_, rate);
    }
    if (mode == over_rate::wait)
        ingest_tokens_ -= 1; // owed: the source waits until it is paid back
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        seconds((1 - ingest_tokens_) / rate)); // until the next frame is within it
}

} // namespace minuted::daemon
