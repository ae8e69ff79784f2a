#include "summariser/agenda.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

// Sentences from the DCCG meeting 90 transcript (tests/data), where the labels say what
// each one does to the agenda.

TEST(detect_agenda_cue, numbered_item_is_a_transition) {
    auto const c = detect_agenda_cue("And with that, we go to agenda item number 2.");
    EXPECT_EQ(c.kind, cue_kind::transition);
    EXPECT_EQ(c.number, 2);
    EXPECT_TRUE(c.title.empty()); // "That is the DC main session" comes in the next sentence
}

TEST(detect_agenda_cue, next_agenda_item_is_x_names_the_item) {
    auto const c = detect_agenda_cue("Then, the next agenda item is the booth.");
    EXPECT_EQ(c.kind, cue_kind::transition);
    EXPECT_EQ(c.title, "Booth");
}

TEST(detect_agenda_cue, a_question_to_move_on_is_a_proposal) {
    EXPECT_EQ(detect_agenda_cue("With that, can we go to the next agenda item?").kind,
              cue_kind::proposal);
    auto const aob =
        detect_agenda_cue("Thank you. With that, can we go to the Any Other Business?");
    EXPECT_EQ(aob.kind, cue_kind::proposal);
    EXPECT_EQ(aob.title, "Any Other Business");
    EXPECT_EQ(
        detect_agenda_cue(
            "We have no minutes left, but nevertheless, we have still one, Any Other Business?")
            .kind,
        cue_kind::proposal);
}

TEST(detect_agenda_cue, a_mention_of_items_still_to_come_is_not_a_cue) {
    EXPECT_EQ(detect_agenda_cue(
                  "We have still two agenda -- well, one agenda item, a substantive one, which is "
                  "the booth, and then the Any Other Business, the question for WSIS+20 letter "
                  "and the vision paper.")
                  .kind,
              cue_kind::none);
    EXPECT_EQ(detect_agenda_cue("As we discussed on agenda item 2, the title matters.").kind,
              cue_kind::none);
}

TEST(detect_agenda_cue, adopting_the_agenda_is_an_adoption_even_when_aob_is_named) {
    EXPECT_EQ(detect_agenda_cue(
                  "With that amendment or adjustment or specification for AOB, can we agree with "
                  "the draft agenda as proposed?")
                  .kind,
              cue_kind::adoption);
}

TEST(detect_agenda_cue, issue_areas_of_a_themed_session) {
    auto const c = detect_agenda_cue("So now, without further ado, we're moving to issue area 2, "
                                     "environmental sustainability and climate change.");
    EXPECT_EQ(c.kind, cue_kind::transition);
    EXPECT_EQ(c.title, "Environmental sustainability and climate change");
    EXPECT_EQ(detect_agenda_cue("We are moving to the next issue, to Network Neutrality.").title,
              "Network Neutrality");
}

TEST(detect_agenda_cue, next_up_hands_over_to_a_presenter) {
    auto const c = detect_agenda_cue("Next up we have Array.zip for stage 1.");
    EXPECT_EQ(c.kind, cue_kind::transition);
    EXPECT_EQ(c.title, "Array.zip for stage 1");
}

TEST(detect_agenda_cue, an_item_taken_out_of_order) {
    auto const c = detect_agenda_cue("Jesse has to leave early, so let's take item 4 first.");
    EXPECT_EQ(c.kind, cue_kind::transition);
    EXPECT_EQ(c.number, 4);
    EXPECT_TRUE(c.ahead);
    EXPECT_TRUE(detect_agenda_cue("We will do agenda item 5 before item 3.").ahead);
    EXPECT_FALSE(detect_agenda_cue("We will do item 5 before lunch.").ahead);
    auto const asked = detect_agenda_cue("Can we take item 4 first?");
    EXPECT_EQ(asked.kind, cue_kind::proposal);
    EXPECT_EQ(asked.number, 4);
    EXPECT_TRUE(asked.ahead);
    EXPECT_FALSE(detect_agenda_cue("We go first to agenda item number 1.").ahead);
    EXPECT_FALSE(detect_agenda_cue("We go to agenda item number 2.").ahead);
}

TEST(detect_agenda_cue, the_floor_in_a_discussion_is_no_new_item) {
    for (auto const* s :
         {"Next up is SYG on the queue.", "Next is a reply by LCA.",
          "Next we have support from DE and DLM.", "Next is a clarifying question."})
        EXPECT_EQ(detect_agenda_cue(s).kind, cue_kind::none) << s;
    // The meeting's own machinery is not an item either.
    for (auto const* s : {"So let's go to the queue.", "We can go to the next slide.",
                          "Let's move on to the next point."})
        EXPECT_TRUE(detect_agenda_cue(s).title.empty()) << s;
}

TEST(title_from_phrase, strips_lead_words_and_stops_at_the_clause_end) {
    EXPECT_EQ(title_from_phrase("That is the DC main session, and over to you, Jutta."),
              "DC main session");
    EXPECT_EQ(
        title_from_phrase(
            "We have a scheduled meeting with the MAG in Riyadh, and this agenda item is how"),
        "Scheduled meeting with the MAG in Riyadh");
    EXPECT_EQ(title_from_phrase("Over to you."), "");
}

TEST(presentation_title, reads_what_a_presenter_asks_for) {
    EXPECT_EQ(
        presentation_title(
            "Okay. Iterator chunking. I will be looking for Stage 2. The problem we're trying "
            "to solve with iterator chunking."),
        "Iterator chunking for Stage 2");
    EXPECT_EQ(presentation_title(
                  "This is a presentation for structs and shared structs for Stage 2. This "
                  "proposal includes a bunch of different features."),
              "Structs and shared structs for Stage 2");
    EXPECT_FALSE(
        presentation_title("I think we should really talk to the MAG first, and then decide."));
    EXPECT_EQ(presentation_title("So I am now going to discuss `Error.isError`. As a refresher, "
                                 "error instances are the only built-ins without a brand check."),
              "Error.isError");
}

// A title names a thing: pieces of sentences are not titles, whatever the cue or opening.
TEST(presentation_title, gives_no_sentence_fragment) {
    for (auto const* opening :
         {"Thank you. This is about kind of our job as a committee. We review a lot.",
          "I presented Intl.MessageFormat in September and now I'm back to ask for an update.",
          "This is a short update. Touching on a number of different topics to go through.",
          "So, this is a proposal. Unrelated to the previous one. It adds a method.",
          "I have an update. Essentially before ES6, I raised an issue with `toString` there."})
        if (auto const t = presentation_title(opening))
            ADD_FAILURE() << opening << " -> " << *t;
}

TEST(match_known_title, aligns_by_shared_words) {
    std::vector<std::string> const known = {"Opening and adoption of the agenda",
                                            "DC main session at IGF 2024", "DC booth"};
    EXPECT_EQ(match_known_title("DC main session", known), 1u);
    EXPECT_EQ(match_known_title("Booth", known), 2u);
    EXPECT_FALSE(match_known_title("Budget", known));
}

TEST(match_known_title, abbreviations_match_their_long_forms) {
    std::vector<std::string> const known = {"Budget", "AOB", "Q&A with the panel"};
    EXPECT_EQ(match_known_title("Any Other Business", known), 1u);
    EXPECT_EQ(match_known_title("questions and answers", known), 2u);
    EXPECT_EQ(with_long_forms("5. AOB"), "5. AOB (any other business)");
    EXPECT_EQ(with_long_forms("Baobab trees"), "Baobab trees");
    EXPECT_TRUE(same_title("AOB", "Any other business"));
}

} // namespace
} // namespace minuted::summariser
