#include "daemon/client/replay.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minuted::daemon {
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

journal_record open(std::int64_t at_ms, std::string title,
                    std::vector<protocol::agenda_item> agenda) {
    auto r = record(journal_kind::open, at_ms);
    r.title = std::move(title);
    protocol::put_agenda(r, std::move(agenda));
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
            open(1'001'000, "DCCG 90", {{"Opening", "", {}}, {"AOB", "Roman Chukov", {}}}),
            text(1'002'000, 1, ">> MARKUS KUMMER: Good morning. "),
            text(1'003'500, 0, "Raw words. "),
            erase(1'004'000, 2, 3),
            epoch,
            open(1'011'000, "A later title", {{"Too late", "", {}}}),
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
    EXPECT_EQ(r.agenda, (std::vector<protocol::agenda_item>{{"Opening", "", {}},
                                                            {"AOB", "Roman Chukov", {}}}));
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

std::string joined_text(std::vector<replay_frame> const& frames) {
    std::string out;
    for (auto const& f : frames)
        out += f.text;
    return out;
}

TEST(transcript_replay, the_header_titles_the_open_and_is_sent_as_blank_lines) {
    // A live session reads every line as captions: the header's title goes in the open, and
    // its lines are blank, so line numbers in the minutes are the file's.
    std::string const file = "BOARD OF TRUSTEES MEETING\nMAY 1, 2025\n\n"
                             ">> CHAIR: Welcome, everyone.\nLet us begin.\n";
    auto const live = as_live_captions(file);
    EXPECT_EQ(live.title, "Board Of Trustees Meeting");
    EXPECT_EQ(live.text, "\n\n\n>> CHAIR: Welcome, everyone.\nLet us begin.\n");
    auto const r = make_transcript_replay(file, {});
    EXPECT_EQ(r.title, live.title);
    EXPECT_EQ(joined_text(r.frames), live.text);
    EXPECT_EQ(r.frames.back().kind, ingest_kind::close);
}

TEST(transcript_replay, text_with_no_header_is_sent_as_it_is) {
    std::string const file = ">> CHAIR: Welcome.\nLet us begin.\n";
    auto const live = as_live_captions(file);
    EXPECT_EQ(live.title, "");
    EXPECT_EQ(live.text, file);
}

TEST(journal_replay, a_journal_read_as_a_file_plays_its_header_as_a_live_source_sends_it) {
    // Written before live sessions read live captions (no "source" in its session record):
    // its session took the title from the header and showed none of its lines.
    auto session = record(journal_kind::session, 1'000'000);
    session.text = "old";
    std::vector<journal_record> records{session,
                                        open(1'000'100, "board.txt", {}),
                                        text(1'001'000, 1, "BOARD OF TRUSTEES "),
                                        text(1'002'000, 2, "MEETING\nMAY "),
                                        text(1'003'000, 3, "1, 2025\n\n>> CHAIR: "),
                                        text(1'004'000, 4, "Welcome.\n"),
                                        end(1'005'000, 5)};
    auto const r = make_journal_replay(records, {});
    EXPECT_EQ(r.title, "Board Of Trustees Meeting");
    EXPECT_EQ(joined_text(r.frames), "\n\n\n>> CHAIR: Welcome.\n");
    EXPECT_EQ(r.frames.back().kind, ingest_kind::close);
    // One whose session read live captions plays as recorded.
    records[0].source = protocol::text_source::live;
    auto const live = make_journal_replay(records, {});
    EXPECT_EQ(live.title, "board.txt");
    EXPECT_EQ(joined_text(live.frames), "BOARD OF TRUSTEES MEETING\nMAY 1, 2025\n\n>> CHAIR: "
                                        "Welcome.\n");
}

TEST(caption_replay, a_cue_per_frame_at_its_start_with_a_turn_where_the_speaker_changes) {
    auto const file = protocol::read_caption_file(
        "WEBVTT\n\n00:00:10.000 --> 00:00:12.000\n<v Ana Silva>Good morning.\n\n"
        "00:00:12.000 --> 00:00:14.000\n<v Ana Silva>Shall we start?\n\n"
        "00:00:15.500 --> 00:00:18.000\n<v Bo Li>Yes\nplease.\n");
    ASSERT_FALSE(file.error);
    replay_options options;
    options.speed = 2;
    auto const r = make_caption_replay(file, options);
    ASSERT_EQ(r.frames.size(), 4u);
    EXPECT_EQ(r.frames[0].text, ">> Ana Silva: Good morning.\n");
    EXPECT_EQ(r.frames[0].at_seconds, 0);
    EXPECT_EQ(r.frames[1].text, "Shall we start?\n");
    EXPECT_EQ(r.frames[1].at_seconds, 1);
    EXPECT_EQ(r.frames[2].text, ">> Bo Li: Yes please.\n");
    EXPECT_EQ(r.frames[2].at_seconds, 2.75);
    EXPECT_EQ(r.frames[3].kind, ingest_kind::close);
    EXPECT_EQ(r.frames[3].at_seconds, 4); // when the last cue ends

    options.keep_open = true;
    EXPECT_EQ(make_caption_replay(file, options).frames.size(), 3u);
}

} // namespace
} // namespace minuted::daemon
