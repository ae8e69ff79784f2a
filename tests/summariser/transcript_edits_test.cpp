// People's edits of the transcript (summariser/transcript_edits.hpp): a speaker renamed or
// merged with another, a final turn corrected, on a small meeting fed in steps.

#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"
#include "summariser/transcript_edits.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace minuted::summariser {
namespace {

constexpr std::string_view opening =
    ">> MARKUS KUMMER: Welcome everyone. Jon Smith will present the budget.\n"
    ">> JON SMITH: Thank you. The budget needs a careful review by the finance team.\n"
    ">> JOHN SMITH: I agree that the budget review is important for the community.\n"
    ">> MARKUS KUMMER: Thank you both.\n";

struct fed_meeting {
    pipeline p;
    std::int64_t at_ms = 1'700'000'000'000;

    explicit fed_meeting(std::string_view text = opening) { feed(text); }
    void feed(std::string_view text) {
        change_set changes;
        p.put(text, time_point(std::chrono::milliseconds(at_ms)), changes);
    }
    meeting const& m() const { return p.state(); }
    participant const& named(std::string_view label) const {
        return m().participants().at(*m().participants().named(label));
    }
    edit_result apply(minute_edit e) {
        change_set changes;
        e.at_ms = at_ms;
        return apply_transcript_edit(e, p.edited_state(), changes);
    }
};

// The speaker of the turn that starts with `text`.
std::optional<participant_id> speaker_of(meeting const& m, std::string_view text) {
    for (auto const& u : m.utterances())
        if (u.text.starts_with(text))
            return u.speaker;
    ADD_FAILURE() << "no turn starts with " << text;
    return std::nullopt;
}

minute_edit rename(std::size_t speaker, std::string to, std::uint64_t revision = 0) {
    minute_edit e;
    e.op = edit_op::speaker_rename;
    e.speaker = speaker;
    e.text = std::move(to);
    e.revision = revision;
    e.by = "Ana";
    return e;
}

minute_edit correct(std::size_t utterance, std::string text, std::uint64_t revision = 0) {
    minute_edit e;
    e.op = edit_op::caption_correct;
    e.utterance = utterance;
    e.text = std::move(text);
    e.revision = revision;
    e.by = "Ana";
    return e;
}

TEST(TranscriptEdits, RenameNamesEveryTurnPastAndLater) {
    fed_meeting f;
    auto const jon = f.named("JON SMITH").id;
    auto const r = f.apply(rename(jon, "Jonathan Smyth"));
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);
    EXPECT_EQ(f.m().participants().at(jon).name, "Jonathan Smyth");
    EXPECT_EQ(f.m().participants().at(jon).renamed_by, "Ana");
    // The captioner goes on typing the old label, or starts typing the new name: one speaker.
    f.feed(">> JON SMITH: One more thing about the budget.\n"
           ">> JONATHAN SMYTH: And the last one.\n>> MARKUS KUMMER: Thanks.\n");
    EXPECT_EQ(speaker_of(f.m(), "One more thing"), jon);
    EXPECT_EQ(speaker_of(f.m(), "And the last one."), jon);
    auto const transcript = render_transcript(f.m());
    EXPECT_NE(transcript.find("Jonathan Smyth: Thank you. The budget"), std::string::npos);
    EXPECT_NE(transcript.find("Jonathan Smyth: And the last one."), std::string::npos);
    EXPECT_EQ(transcript.find("Jon Smith:"), std::string::npos);
    EXPECT_NE(render_vtt(f.m()).find("<v Jonathan Smyth>"), std::string::npos);
}

TEST(TranscriptEdits, RenameToAnotherParticipantMergesTheTwo) {
    fed_meeting f;
    auto const jon = f.named("JON SMITH").id;
    auto const john = f.named("JOHN SMITH").id;
    ASSERT_NE(jon, john);
    auto const words = f.m().participants().at(jon).words + f.m().participants().at(john).words;
    auto const r = f.apply(rename(jon, "John Smith"));
    ASSERT_FALSE(r.refused) << r.why;
    auto const& people = f.m().participants();
    EXPECT_EQ(people.at(jon).same_as, john);
    EXPECT_EQ(people.at(john).turns, 2u);
    EXPECT_EQ(people.at(john).words, words);
    EXPECT_EQ(people.at(john).revision, 1u);
    for (auto const& u : f.m().utterances())
        EXPECT_NE(u.speaker, jon) << "turn " << u.id;
    f.feed(">> JON SMITH: Later words.\n>> MARKUS KUMMER: Thanks.\n");
    EXPECT_EQ(speaker_of(f.m(), "Later words."), john);
    // The report lists one John Smith, and the merged one can no longer be renamed.
    auto const report = render_markdown(f.m());
    EXPECT_EQ(report.find("Jon Smith"), std::string::npos) << report;
    EXPECT_EQ(f.apply(rename(jon, "X")).refused, edit_refusal::no_such_target);
}

TEST(TranscriptEdits, RenameRespellsTheMinutes) {
    EXPECT_EQ(respell("Jon Smith said Jon Smithers and Jon Smith.", "Jon Smith", "John Smith"),
              "John Smith said Jon Smithers and John Smith.");
    EXPECT_EQ(respell("Élodie Jon Smith", "Jon Smith", "Zoë"), "Élodie Zoë");
    EXPECT_EQ(respell("nothing", "", "x"), "nothing");
}

TEST(TranscriptEdits, RenameRefusals) {
    fed_meeting f;
    auto const jon = f.named("JON SMITH").id;
    EXPECT_EQ(f.apply(rename(99, "X")).refused, edit_refusal::no_such_target);
    EXPECT_EQ(f.apply(rename(jon, "")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(rename(jon, "  ")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(rename(jon, std::string(4097, 'a'))).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(rename(jon, "Bad \xff name")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(rename(jon, "Two\nlines")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(rename(jon, "Jon Smith")).refused, edit_refusal::invalid);
    ASSERT_FALSE(f.apply(rename(jon, "Jonathan")).refused);
    auto const stale = f.apply(rename(jon, "Jonny", 0));
    EXPECT_EQ(stale.refused, edit_refusal::stale);
    EXPECT_EQ(stale.revision, 1u);
    EXPECT_FALSE(f.apply(rename(jon, "Jonny", 1)).refused);
    EXPECT_EQ(f.m().participants().at(jon).name, "Jonny");
}

TEST(TranscriptEdits, CorrectionReplacesAFinalTurnAndIsMarked) {
    fed_meeting f;
    auto const id = f.m().utterances()[1].id;
    auto const words = f.m().total_words();
    auto const r = f.apply(correct(id, "Thank you. The budget needs a careful review."));
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);
    auto const& u = f.m().utterances()[1];
    EXPECT_EQ(u.text, "Thank you. The budget needs a careful review.");
    EXPECT_EQ(u.corrected_by, "Ana");
    EXPECT_EQ(f.m().total_words(), words - 4);
    EXPECT_NE(render_transcript(f.m()).find("careful review. [corrected by Ana at 22:13 UTC]"),
              std::string::npos)
        << render_transcript(f.m());
    EXPECT_NE(render_vtt(f.m()).find("careful review."), std::string::npos);
    auto const stale = f.apply(correct(id, "Again."));
    EXPECT_EQ(stale.refused, edit_refusal::stale);
    EXPECT_EQ(stale.revision, 1u);
}

TEST(TranscriptEdits, TextOfTheTurnAfterTheCorrectionIsKept) {
    // The first line is final; the turn goes on.
    fed_meeting f(">> JON SMITH: The budgit is late.\nAnd then\n");
    ASSERT_EQ(f.m().utterances().size(), 1u);
    ASSERT_FALSE(f.apply(correct(0, "The budget is late.")).refused);
    f.feed("more words.\n>> MARKUS KUMMER: Thanks.\n");
    EXPECT_EQ(f.m().utterances()[0].text, "The budget is late. And then more words.");
}

TEST(TranscriptEdits, CorrectionRefusals) {
    fed_meeting f;
    auto const& u = f.m().utterances()[1];
    EXPECT_EQ(f.apply(correct(99, "x")).refused, edit_refusal::no_such_target);
    auto wrong_line = correct(u.id, "x");
    wrong_line.line = u.line + 1;
    EXPECT_EQ(f.apply(wrong_line).refused, edit_refusal::no_such_target);
    EXPECT_EQ(f.apply(correct(u.id, "")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(correct(u.id, std::string(4097, 'a'))).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(correct(u.id, "\xc3(")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(correct(u.id, "a\x01")).refused, edit_refusal::invalid);
    EXPECT_EQ(f.apply(correct(u.id, u.text)).refused, edit_refusal::invalid);
    auto right_line = correct(u.id, "Fine.\n\nTwo paragraphs.");
    right_line.line = u.line;
    EXPECT_FALSE(f.apply(right_line).refused);
}

TEST(TranscriptEdits, APartOfALongTurnIsCorrectedByItsOffsetInUtf16Units) {
    // A turn longer than an edit's text may be, with a character outside the BMP before the
    // word to correct: offsets count it as two units, as a browser does.
    std::string long_turn = "Caf\xC3\xA9 \xF0\x9F\x98\x80 the budgit is late.";
    for (int i = 0; i < 300; ++i)
        long_turn += " And the review goes on.";
    fed_meeting f(">> JON SMITH: " + long_turn + "\n>> MARKUS KUMMER: Thanks.\n");
    auto const& u = f.m().utterances()[0];
    ASSERT_GT(u.text.size(), max_edit_text_bytes);
    auto e = correct(0, "budget");
    e.offset = 12; // "Café 😀 the " is 12 UTF-16 code units
    e.length = 6;
    auto const r = f.apply(e);
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_TRUE(f.m().utterances()[0].text.starts_with(
        "Caf\xC3\xA9 \xF0\x9F\x98\x80 the budget is late. And the review"));
    EXPECT_EQ(f.m().utterances()[0].text.size(), long_turn.size());
    // An offset inside the emoji or past the end names no part of it; nothing changed is no
    // correction; taking words out is one.
    auto inside = correct(0, "x", 1);
    inside.offset = 6;
    inside.length = 0;
    EXPECT_EQ(f.apply(inside).refused, edit_refusal::invalid);
    auto past = correct(0, "x", 1);
    past.offset = 1'000'000;
    EXPECT_EQ(f.apply(past).refused, edit_refusal::invalid);
    auto nothing = correct(0, "", 1);
    nothing.offset = 3;
    nothing.length = 0;
    EXPECT_EQ(f.apply(nothing).refused, edit_refusal::invalid) << "the text is as it was";
    auto out = correct(0, "", 1);
    out.offset = 5;
    out.length = 3; // the emoji and the space after it
    EXPECT_FALSE(f.apply(out).refused);
    EXPECT_TRUE(f.m().utterances()[0].text.starts_with("Caf\xC3\xA9 the budget is late."));
}

TEST(TranscriptEdits, JournalRecordRoundTripsWithTheOriginal) {
    fed_meeting f;
    auto e = correct(1, "Corrected.");
    e.line = f.m().utterances()[1].line;
    e.at_ms = f.at_ms;
    change_set changes;
    ASSERT_FALSE(apply_transcript_edit(e, f.p.edited_state(), changes).refused);
    ASSERT_TRUE(e.original);
    EXPECT_EQ(e.original->substr(0, 10), "Thank you.");
    auto const json = minute_edit_json(e);
    auto const back = parse_minute_edit(json);
    ASSERT_TRUE(back) << json;
    EXPECT_EQ(*back, e);
    auto const r = rename(3, "Name");
    EXPECT_EQ(parse_minute_edit(minute_edit_json(r)), r);
    EXPECT_FALSE(parse_minute_edit(R"({"op":"speaker.rename","revision":0,"at":1,"speaker":-1})"));
    EXPECT_FALSE(parse_minute_edit(R"({"op":"caption.correct","revision":0,"at":1,"original":2})"));
}

TEST(TranscriptEdits, TheSameEditsGiveTheSameMeetingWhenRebuilt) {
    auto const run = [] {
        fed_meeting f;
        EXPECT_FALSE(f.apply(rename(f.named("JON SMITH").id, "John Smith")).refused);
        EXPECT_FALSE(f.apply(correct(0, "Welcome, everyone.")).refused);
        f.feed(">> JON SMITH: We will send the budget to the community by Friday.\n"
               ">> MARKUS KUMMER: Thanks.\n");
        return render_transcript(f.m()) + render_markdown(f.m());
    };
    EXPECT_EQ(run(), run());
}

// Every machine bullet read from utterance `id`, as "text / owner".
std::vector<std::string> bullets_of(meeting const& m, std::size_t id) {
    std::vector<std::string> out;
    for (auto const& item : m.agenda()) {
        for (auto const& k : item.key_points)
            if (k.from.utterance == id)
                out.push_back(k.text);
        for (auto const* list : {&item.decisions, &item.next_steps})
            for (auto const& a : *list)
                if (a.from.utterance == id)
                    out.push_back(a.text + " / " + a.who);
    }
    return out;
}

TEST(TranscriptEdits, TheWordsACorrectionChangedAreChangedInTheBulletsOfItsTurn) {
    auto const& text = minuted::testing::read_test_file("dccg-90-2024-11-08.raw.txt");
    pipeline p;
    change_set changes;
    auto const half = text.find('\n', text.size() / 2) + 1;
    p.put(std::string_view(text).substr(0, half), time_point{}, changes);
    // A key point of the item under way, and a word of it its turn says.
    auto const& item = p.state().agenda().back();
    ASSERT_FALSE(item.key_points.empty());
    auto const id = item.key_points.front().from.utterance;
    auto const turn = p.state().utterances()[id].text;
    std::string const point = item.key_points.front().text;
    std::string chosen;
    std::regex const long_word("[a-z]{6,}");
    for (auto it = std::sregex_iterator(point.begin(), point.end(), long_word);
         it != std::sregex_iterator() && chosen.empty(); ++it)
        if (std::regex_search(turn, std::regex("\\b" + it->str() + "\\b")))
            chosen = it->str();
    ASSERT_FALSE(chosen.empty()) << point;
    auto const corrected =
        std::regex_replace(turn, std::regex("\\b" + chosen + "\\b"), "zyzzogeton");
    minute_edit e = correct(id, corrected);
    ASSERT_FALSE(apply_transcript_edit(e, p.edited_state(), changes).refused);
    auto const has = [](std::vector<std::string> const& all, std::string const& w) {
        return std::any_of(all.begin(), all.end(), [&](std::string const& b) {
            return std::regex_search(b, std::regex("\\b" + w + "\\b"));
        });
    };
    EXPECT_TRUE(has(bullets_of(p.state(), id), "zyzzogeton")) << point;
    // The item goes on and its key points are chosen again: the correction stays.
    p.put(std::string_view(text).substr(half), time_point{}, changes);
    p.finish(time_point{}, changes);
    EXPECT_FALSE(has(bullets_of(p.state(), id), chosen));
}

} // namespace
} // namespace minuted::summariser
