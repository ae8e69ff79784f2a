#include "summariser/segmentation.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace minuted::summariser {
namespace {

turn_evidence turn(std::string speaker, std::string_view text, std::size_t words = 60) {
    turn_evidence t;
    t.speaker = std::move(speaker);
    t.words = evidence_words(text);
    t.word_count = words;
    return t;
}

turn_evidence chair(std::string_view text, bool closes, bool moves_on = false, bool queue = false) {
    auto t = turn("CHAIR", text, 8);
    t.closes = closes;
    t.moves_on = moves_on;
    t.queue = queue;
    return t;
}

// A discussion of one topic, and its words, for a few turns.
void discuss(std::vector<turn_evidence>& turns, std::string_view topic, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        turns.push_back(turn("ANN", topic));
        turns.push_back(turn("BOB", topic));
    }
}

// The turns the detector finds to start items; `cue_start`: a turn where a cue started one.
std::vector<std::size_t> starts(std::vector<turn_evidence> const& turns,
                                std::optional<std::size_t> cue_start = std::nullopt) {
    item_start_detector d;
    if (cue_start)
        d.started(*cue_start);
    std::vector<std::size_t> out;
    for (auto const& t : turns)
        if (auto const k = d.add(t))
            out.push_back(*k);
    for (auto k : d.finish())
        out.push_back(k);
    return out;
}

// The chair closes, a new voice takes the floor with new words: a new item. The chair giving
// the floor to someone on the queue, in the same words, is not.
TEST(item_start_detector, finds_a_new_presenter_after_the_chair_closes_not_the_queue) {
    std::vector<turn_evidence> turns;
    discuss(turns, "iterator sequencing concat variadic spec text", 6);
    turns.push_back(chair("Thank you, next on the queue is Dan.", true, false, true));
    turns.push_back(turn("DAN", "iterator concat variadic question"));
    discuss(turns, "iterator sequencing concat variadic spec text", 3);
    turns.push_back(chair("Thank you, MF. Next up we have Kevin.", true, true));
    auto const presenter = turns.size();
    turns.push_back(turn("KEVIN", "base64 uint8array encoding padding alphabet"));
    turns.push_back(turn("KEVIN", "base64 uint8array streaming hex"));
    discuss(turns, "base64 uint8array encoding padding alphabet", 4);
    EXPECT_EQ(starts(turns), std::vector<std::size_t>{presenter});
}

// What was found does not depend on how far the meeting had got when a turn was weighed: a
// turn is weighed once, `lookahead` turns later, and the last ones at the end.
TEST(item_start_detector, weighs_each_turn_once_with_its_lookahead) {
    std::vector<turn_evidence> turns;
    discuss(turns, "budget audit accounts", 8);
    turns.push_back(chair("Thank you. Let's move on.", true, true));
    turns.push_back(turn("CARL", "booth schedule volunteers riyadh", 200));
    item_start_detector d;
    for (auto const& t : turns)
        EXPECT_EQ(d.add(t), std::nullopt); // the new presenter's turn needs its lookahead
    EXPECT_EQ(d.finish(), std::vector<std::size_t>{turns.size() - 1});
}

// No item starts right after one a chair's cue started, nor at the meeting's first turn.
TEST(item_start_detector, keeps_clear_of_items_started_by_cues) {
    std::vector<turn_evidence> turns;
    turns.push_back(turn("CARL", "booth schedule volunteers riyadh", 200));
    discuss(turns, "budget audit accounts", 8);
    turns.push_back(chair("Thank you. Let's move on.", true, true));
    auto const carl = turns.size();
    turns.push_back(turn("CARL", "booth schedule volunteers riyadh", 200));
    discuss(turns, "booth schedule volunteers riyadh", 4);
    EXPECT_TRUE(starts(turns, carl - 1).empty()); // a cue named the item in the chair's turn
    EXPECT_EQ(starts(turns), std::vector<std::size_t>{carl});
}

// The prior the aligner shares: a new voice after a closing remark, holding the floor.
TEST(boundary_prior, rewards_a_new_voice_after_a_close) {
    std::vector<turn_evidence> turns;
    discuss(turns, "budget audit", 5);
    turns.push_back(chair("Thank you.", true));
    turns.push_back(turn("CARL", "booth", 200));
    turns.push_back(turn("ANN", "booth"));
    turns.push_back(turn("CARL", "booth"));
    EXPECT_GT(boundary_prior(turns, 11), boundary_prior(turns, 12) + 1.0);
    EXPECT_TRUE(holds_floor(turns, 11));
    EXPECT_FALSE(holds_floor(turns, 12));
}

} // namespace
} // namespace minuted::summariser
