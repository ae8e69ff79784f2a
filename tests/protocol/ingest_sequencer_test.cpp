// The seq rules of protocol/PROTOCOL.md, without a daemon: what a session applies, acknowledges
// as a resend, answers with a nack, or refuses, before and after its meeting ends.

#include "protocol/ingest_sequencer.hpp"

#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

ingest_message message(ingest_kind kind, std::optional<seq_number> seq = std::nullopt) {
    ingest_message m;
    m.kind = kind;
    m.seq = seq;
    m.text = "word ";
    m.count = kind == ingest_kind::erase ? 2 : 0;
    return m;
}

ingest_message text(seq_number seq) {
    return message(ingest_kind::text, seq);
}

// Checks `m` and, if it is to be applied, applies it as a session does.
ingest_verdict send(ingest_sequencer& s, ingest_connection& c, ingest_message const& m) {
    auto v = s.check(m, c);
    if (v.action == ingest_action::apply && v.held != 0) {
        if (v.starts_from_zero)
            s.count_from_zero(); // as the journal's record of it says on a rebuild
        s.held(v.held);
    }
    return v;
}

TEST(ingest_sequencer, applies_seqs_that_rise_by_one_from_one) {
    ingest_sequencer s("m");
    ingest_connection c;
    for (seq_number n = 1; n <= 3; ++n) {
        auto const v = send(s, c, text(n));
        EXPECT_EQ(v.action, ingest_action::apply) << n;
        EXPECT_TRUE(v.replies.empty()); // the ack comes once the session has applied it
    }
    EXPECT_EQ(s.last(), 3u);
    EXPECT_EQ(c.highest_sent, 3u);
}

TEST(ingest_sequencer, a_source_that_counts_from_zero_is_answered_in_its_own_numbers) {
    ingest_sequencer s("m");
    ingest_connection c;
    auto const first = send(s, c, text(0));
    EXPECT_EQ(first.action, ingest_action::apply);
    EXPECT_TRUE(first.starts_from_zero);
    EXPECT_EQ(first.held, 1u); // 0 still means "nothing held"
    EXPECT_FALSE(send(s, c, text(1)).starts_from_zero);
    EXPECT_EQ(s.last(), 2u);
    EXPECT_EQ(s.to_source(s.last()), 1u);

    ingest_connection again; // a resend of 0 after a reconnect
    auto const resend = send(s, again, text(0));
    EXPECT_EQ(resend.action, ingest_action::duplicate);
    EXPECT_EQ(resend.replies.at(0), ingest_reply(ack{0}));
    auto const gap = send(s, again, text(5));
    EXPECT_EQ(gap.replies.at(0), ingest_reply(nack{2}));
    auto const back = send(s, c, text(0));
    EXPECT_EQ(back.close, "seq went backwards: 0 after 1");
}

TEST(ingest_sequencer, a_seq_past_the_count_of_a_source_from_zero_is_refused_not_wrapped) {
    ingest_sequencer s("m");
    ingest_connection c;
    send(s, c, text(0));
    auto const v = send(s, c, text(std::numeric_limits<seq_number>::max()));
    EXPECT_EQ(v.action, ingest_action::refuse);
    EXPECT_EQ(v.replies.at(0), ingest_reply(error_reply{"seq 18446744073709551615 is beyond what a "
                                                        "meeting counts to"}));
    EXPECT_TRUE(v.close.empty());
}

TEST(ingest_sequencer, refuses_seq_zero_once_seqs_started_at_one) {
    ingest_sequencer s("m");
    ingest_connection c;
    send(s, c, text(1));
    auto const v = send(s, c, text(0));
    EXPECT_EQ(v.action, ingest_action::refuse);
    ASSERT_EQ(v.replies.size(), 1u);
    EXPECT_EQ(v.replies[0],
              ingest_reply(error_reply{"seq 0 comes only first, from a source that counts "
                                       "from 0; this meeting's seqs started at 1"}));
    EXPECT_TRUE(v.close.empty());
    EXPECT_EQ(s.last(), 1u);
}

TEST(ingest_sequencer, answers_a_gap_with_the_seq_it_expects) {
    ingest_sequencer s("m");
    ingest_connection c;
    send(s, c, text(1));
    auto const v = send(s, c, text(5));
    EXPECT_EQ(v.action, ingest_action::refuse);
    ASSERT_EQ(v.replies.size(), 1u);
    EXPECT_EQ(v.replies[0], ingest_reply(nack{2}));
    EXPECT_TRUE(v.close.empty());
    EXPECT_EQ(s.last(), 1u);
}

TEST(ingest_sequencer, acknowledges_a_resend_after_a_reconnect_without_applying_it) {
    ingest_sequencer s("m");
    ingest_connection first;
    for (seq_number n = 1; n <= 4; ++n)
        send(s, first, text(n));
    ingest_connection second; // the source reconnected and resends from 2
    for (seq_number n = 2; n <= 4; ++n) {
        auto const v = send(s, second, text(n));
        EXPECT_EQ(v.action, ingest_action::duplicate) << n;
        ASSERT_EQ(v.replies.size(), 1u);
        EXPECT_EQ(v.replies[0], ingest_reply(ack{n}));
    }
    EXPECT_EQ(send(s, second, text(5)).action, ingest_action::apply);
    EXPECT_EQ(s.last(), 5u);
}

TEST(ingest_sequencer, closes_a_connection_whose_seq_goes_backwards) {
    ingest_sequencer s("m");
    ingest_connection c;
    for (seq_number n = 1; n <= 4; ++n)
        send(s, c, text(n));
    auto const v = send(s, c, text(2));
    EXPECT_EQ(v.action, ingest_action::refuse);
    EXPECT_EQ(v.close, "seq went backwards: 2 after 4");
    ASSERT_EQ(v.replies.size(), 1u);
    EXPECT_EQ(v.replies[0], ingest_reply(error_reply{"seq went backwards: 2 after 4"}));
    // A resend of the highest seq sent is still a resend.
    EXPECT_EQ(send(s, c, text(4)).action, ingest_action::duplicate);
}

TEST(ingest_sequencer, erase_and_close_follow_the_same_rules) {
    ingest_sequencer s("m");
    ingest_connection c;
    EXPECT_EQ(send(s, c, message(ingest_kind::erase, 1)).action, ingest_action::apply);
    EXPECT_EQ(send(s, c, message(ingest_kind::close, 3)).action, ingest_action::refuse);
    EXPECT_EQ(send(s, c, message(ingest_kind::close, 2)).action, ingest_action::apply);
}

TEST(ingest_sequencer, open_and_raw_text_carry_no_seq) {
    ingest_sequencer s("m");
    ingest_connection c;
    EXPECT_EQ(send(s, c, message(ingest_kind::open)).action, ingest_action::open);
    EXPECT_EQ(send(s, c, message(ingest_kind::raw)).action, ingest_action::apply);
    EXPECT_EQ(s.last(), 0u);
    auto const resume = send(s, c, message(ingest_kind::resume));
    EXPECT_EQ(resume.action, ingest_action::refuse);
    EXPECT_TRUE(resume.close.empty());
}

TEST(ingest_sequencer, after_the_end_acknowledges_resends_and_refuses_the_rest) {
    ingest_sequencer s("m");
    ingest_connection c;
    for (seq_number n = 1; n <= 3; ++n)
        send(s, c, text(n));
    s.end();
    ingest_connection again;
    auto const open = send(s, again, message(ingest_kind::open));
    EXPECT_EQ(open.action, ingest_action::answer);
    ASSERT_EQ(open.replies.size(), 1u);
    EXPECT_EQ(open.replies[0], ingest_reply(welcome{3, true}));

    auto const resend = send(s, again, message(ingest_kind::close, 3));
    EXPECT_EQ(resend.action, ingest_action::duplicate);
    EXPECT_EQ(resend.replies.at(0), ingest_reply(ack{3}));

    for (auto const& m : {text(4), text(0), message(ingest_kind::raw)}) {
        auto const v = send(s, again, m);
        EXPECT_EQ(v.action, ingest_action::refuse);
        EXPECT_TRUE(v.ended);
        EXPECT_EQ(v.close, "session has ended");
        ASSERT_EQ(v.replies.size(), 1u);
        auto const* why = std::get_if<error_reply>(&v.replies[0]);
        ASSERT_TRUE(why);
        EXPECT_EQ(why->message.find("session m has ended (last seq 3)"), 0u) << why->message;
    }
    EXPECT_EQ(s.last(), 3u);
}

TEST(ingest_sequencer, rebuilt_from_a_journal_knows_its_last_seq) {
    ingest_sequencer s("m");
    s.held(41); // read back from the journal after a restart
    ingest_connection c;
    EXPECT_EQ(send(s, c, text(41)).action, ingest_action::duplicate);
    EXPECT_EQ(send(s, c, text(42)).action, ingest_action::apply);
    EXPECT_EQ(send(s, c, text(44)).replies.at(0), ingest_reply(nack{43}));
}

} // namespace
} // namespace minuted::protocol
