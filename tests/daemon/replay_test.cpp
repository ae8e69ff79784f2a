#include "daemon/replay.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minuted {
namespace {

using protocol::ingest_kind;
using protocol::journal_kind;
using protocol::journal_record;

journal_record record(journal_kind kind, std::int64_t at_ms) {
    journal_record r;
    r.kind = kind;
    r.at_ms = at_ms;
    return r;
}

journal_record text(std::int64_t at_ms, protocol::seq_number seq, std::string t) {
    auto r = record(journal_kind::text, at_ms);
    r.seq = seq;
    r.text = std::move(t);
    return r;
}

journal_record erase(std::int64_t at_ms, protocol::seq_number seq, std::size_t count) {
    auto r = record(journal_kind::erase, at_ms);
    r.seq = seq;
    r.count = count;
    return r;
}

journal_record open(std::int64_t at_ms, std::string title, std::vector<std::string> agenda) {
    auto r = record(journal_kind::open, at_ms);
    r.title = std::move(title);
    r.agenda = std::move(agenda);
    return r;
}

journal_record end(std::int64_t at_ms, protocol::seq_number seq) {
    auto r = record(journal_kind::end, at_ms);
    r.seq = seq;
    r.text = "closed by the caption source";
    return r;
}

// A session as the daemon journals it: started, opened twice, restarted once (a new epoch),
// raw text with no seq among seq'd captions, an erase, an open after the captions, the end.
std::vector<journal_record> meeting() {
    auto session = record(journal_kind::session, 1'000'000);
    session.text = "dccg";
    session.epoch = "9f2c4e01d3a87b65";
    auto epoch = record(journal_kind::epoch, 1'010'000);
    epoch.epoch = "0123456789abcdef";
    return {session,
            open(1'000'500, "Draft title", {}),
            open(1'001'000, "DCCG 90", {"Opening", "AOB"}),
            text(1'002'000, 1, ">> MARKUS KUMMER: Good morning. "),
            text(1'003'500, 0, "Raw words. "),
            erase(1'004'000, 2, 3),
            epoch,
            open(1'011'000, "A later title", {"Too late"}),
            text(1'012'000, 3, "And now. "),
            end(1'022'000, 4)};
}

TEST(journal_replay, captions_become_frames_with_new_consecutive_seqs) {
    auto const records = meeting();
    auto const r = make_journal_replay(records, {});
    ASSERT_EQ(r.frames.size(), 5u);
    EXPECT_EQ(r.frames[0].kind, ingest_kind::text);
    EXPECT_EQ(r.frames[0].text, ">> MARKUS KUMMER: Good morning. ");
    EXPECT_EQ(r.frames[1].kind, ingest_kind::text); // raw text, seq 0 in the journal
    EXPECT_EQ(r.frames[1].text, "Raw words. ");
    EXPECT_EQ(r.frames[2].kind, ingest_kind::erase);
    EXPECT_EQ(r.frames[2].count, 3u);
    EXPECT_EQ(r.frames[3].kind, ingest_kind::text);
    EXPECT_EQ(r.frames[4].kind, ingest_kind::close);
    // A frame's seq is its index + 1: the raw text gets one too, so the seqs are 1..5.
    EXPECT_EQ(frame_json(r.frames[1], 2), R"({"type":"text","seq":2,"text":"Raw words. "})");
    EXPECT_EQ(frame_json(r.frames[2], 3), R"({"type":"erase","seq":3,"count":3})");
    EXPECT_EQ(frame_json(r.frames[4], 5), R"({"type":"close","seq":5})");
}

TEST(journal_replay, plays_at_the_recorded_pace_from_the_first_caption) {
    auto const records = meeting();
    auto const r = make_journal_replay(records, {});
    std::vector<double> at;
    for (auto const& f : r.frames)
        at.push_back(f.at_seconds);
    EXPECT_EQ(at, (std::vector<double>{0, 1.5, 2, 10, 20}));
}

TEST(journal_replay, speed_scales_the_pace) {
    auto const records = meeting();
    replay_options options;
    options.speed = 4;
    auto const r = make_journal_replay(records, options);
    std::vector<double> at;
    for (auto const& f : r.frames)
        at.push_back(f.at_seconds);
    EXPECT_EQ(at, (std::vector<double>{0, 0.375, 0.5, 2.5, 5}));
}

TEST(journal_replay, a_clock_stepped_back_does_not_make_a_frame_due_earlier) {
    std::vector<journal_record> const records{text(5000, 1, "a "), text(7000, 2, "b "),
                                              text(6000, 3, "c ")};
    auto const r = make_journal_replay(records, {});
    ASSERT_EQ(r.frames.size(), 3u);
    EXPECT_EQ(r.frames[2].at_seconds, 2);
}

TEST(journal_replay, title_and_agenda_are_the_last_open_before_the_first_caption) {
    auto const records = meeting();
    auto const r = make_journal_replay(records, {});
    EXPECT_EQ(r.title, "DCCG 90");
    EXPECT_EQ(r.agenda, (std::vector<std::string>{"Opening", "AOB"}));
}

TEST(journal_replay, keep_open_leaves_out_the_close_frame) {
    auto const records = meeting();
    replay_options options;
    options.keep_open = true;
    auto const r = make_journal_replay(records, options);
    ASSERT_EQ(r.frames.size(), 4u);
    EXPECT_NE(r.frames.back().kind, ingest_kind::close);
}

TEST(journal_replay, nothing_after_the_end_is_played) {
    auto records = meeting();
    records.push_back(text(1'030'000, 5, "After the end. "));
    auto const r = make_journal_replay(records, {});
    ASSERT_EQ(r.frames.size(), 5u);
    EXPECT_EQ(r.frames.back().kind, ingest_kind::close);
}

TEST(journal_replay, a_journal_without_captions_has_no_frames) {
    std::vector<journal_record> const records{record(journal_kind::session, 1000),
                                              open(2000, "Empty", {})};
    auto const r = make_journal_replay(records, {});
    EXPECT_TRUE(r.frames.empty());
    EXPECT_EQ(r.title, "Empty");
}

} // namespace
} // namespace minuted
