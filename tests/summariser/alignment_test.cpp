#include "summariser/alignment.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

TEST(presenter, names_match_as_minutes_write_them) {
    EXPECT_TRUE(is_presenter("KEVIN GIBBONS", "Kevin Gibbons"));
    EXPECT_TRUE(is_presenter("KG", "Kevin Gibbons"));
    EXPECT_TRUE(is_presenter("SYG", "Shu-yu Guo"));
    EXPECT_TRUE(is_presenter("JHD", "Jordan Harband"));
    EXPECT_TRUE(is_presenter("CDA", "Chris de Almeida"));
    EXPECT_TRUE(is_presenter("WOUT", "Wout de Natris"));
    EXPECT_TRUE(is_presenter("NRO", "Philip Chimento, Nicolò Ribaudo"));
    EXPECT_TRUE(is_presenter("Ben Allen", "Ujjwal Sharma and Ben Allen"));
    EXPECT_FALSE(is_presenter("DE", "Wout de Natris"));
    EXPECT_FALSE(is_presenter("MF", "Kevin Gibbons"));
    EXPECT_FALSE(is_presenter("", "Kevin Gibbons"));
    EXPECT_FALSE(is_presenter("KEVIN", ""));
}

TEST(evidence_words, keep_what_tells_items_apart) {
    EXPECT_EQ(evidence_words("Set Methods update for Stage 4"),
              (std::vector<std::string>{"method", "set", "stage"}));
    EXPECT_EQ(evidence_words("Math.sqrt"), (std::vector<std::string>{"math", "sqrt"}));
}

turn_evidence turn(std::string speaker, std::string_view text, bool closes = false) {
    turn_evidence t;
    t.speaker = std::move(speaker);
    t.words = evidence_words(text);
    t.word_count = 60;
    t.closes = closes;
    return t;
}

// Items go on the turns where their presenters take the floor and their words are first
// heard; an item nothing points to stays unplaced and the items after it are not shifted.
TEST(aligner, places_items_by_evidence_and_leaves_the_unheard_unplaced) {
    agenda_aligner a({{"Iterator chunking", "Michael Ficarra", {}},
                      {"Budget of the working group", "Samina Husain", {}},
                      {"Decimal for Stage 2", "Jesse Alama", {}}});
    a.add(turn("MF", "So iterator chunking: splitting an iterator into chunks of a given size."));
    a.add(turn("SYG", "Why would chunking not be windows of the iterator?"));
    a.add(turn("MF", "Windows are a follow-on; chunks first."));
    a.add(turn("CHAIR", "Thank you, MF. Next up is Jesse.", true));
    a.add(turn("JESSE ALAMA",
               "Decimal: exact decimal arithmetic in the language, asking for stage 2."));
    a.add(turn("WH", "Decimal rounding modes need to be specified."));
    a.add(turn("JESSE ALAMA", "Agreed, the spec text will say so."));
    a.finish();
    auto const path = a.path();
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[0], (agenda_aligner::placement{0, 0}));
    EXPECT_EQ(path[1], (agenda_aligner::placement{2, 4}));
}

// A chair's cue naming an item by number places it even where nobody presents it.
TEST(aligner, a_numbered_cue_places_its_item) {
    agenda_aligner a({{"Opening", {}, {}}, {"The booth", {}, {}}, {"Any other business", {}, {}}});
    a.add(turn("CHAIR", "Welcome everyone, let us start."));
    for (int i = 0; i < 4; ++i)
        a.add(turn(i % 2 ? "A" : "B", "Some discussion of the schedule and volunteers."));
    auto cue = turn("CHAIR", "Thank you. We go to agenda item number 3.");
    cue.cues.push_back({{}, 3});
    a.add(std::move(cue));
    a.add(turn("C", "One more thing: the letter on the review."));
    a.finish();
    auto const path = a.path();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(path.back(), (agenda_aligner::placement{2, 5}));
}

// "Let's take item 4 first": the item starts there, and the meeting then goes back to the
// items before it, in order, and on to the one after it.
TEST(aligner, an_item_taken_out_of_order_starts_where_the_chair_takes_it) {
    agenda_aligner a({{"Opening", {}, {}},
                      {"Budget of the working group", "Samina Husain", {}},
                      {"Website translation", "Chris de Almeida", {}},
                      {"Decimal for Stage 2", "Jesse Alama", {}},
                      {"Any other business", {}, {}}});
    a.add(turn("CHAIR", "Welcome everyone, let us start."));
    a.add(turn("A", "Good morning."));
    auto cue = turn("CHAIR", "Jesse has to leave early, so let's take item 4 first.", true);
    cue.cues.push_back({{}, 4, false, true});
    a.add(std::move(cue));
    a.add(turn("JESSE ALAMA", "Decimal: exact decimal arithmetic, asking for stage 2."));
    a.add(turn("WH", "Decimal rounding modes need to be specified."));
    a.add(turn("JESSE ALAMA", "Agreed, the decimal spec text will say so."));
    a.add(turn("CHAIR", "Thank you. Back to the budget.", true));
    a.add(turn("SAMINA HUSAIN", "The budget of the working group for next year, in brief."));
    a.add(turn("B", "Is the budget approved by the general assembly?"));
    a.add(turn("SAMINA HUSAIN", "Yes, the budget is."));
    a.add(turn("CHAIR", "Thank you, Samina.", true));
    a.add(turn("CHRIS DE ALMEIDA", "Website translation: we need translators for the website."));
    a.add(turn("C", "I can translate the website into French."));
    a.add(turn("CHRIS DE ALMEIDA", "Thank you, website translation volunteers are welcome."));
    a.finish();
    EXPECT_EQ(a.path(),
              (std::vector<agenda_aligner::placement>{{0, 0}, {3, 2, true}, {1, 7}, {2, 11}}));
}

} // namespace
} // namespace minuted::summariser
