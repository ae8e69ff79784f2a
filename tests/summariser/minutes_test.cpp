#include "summariser/minutes.hpp"
#include "summariser/reported.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

std::string reported(std::string_view text, std::string_view speaker = "DE") {
    participant_registry people;
    people.resolve("ROMAN CHUKOV");
    return reported_speech(text, speaker, people).value_or("(refused)");
}

TEST(reported_speech, puts_the_speaker_in_place_of_i_with_the_verb_agreeing) {
    EXPECT_EQ(reported("I agree that the data model matters."),
              "DE agrees that the data model matters.");
    EXPECT_EQ(reported("I do think that it helps."), "DE thinks that it helps.");
    EXPECT_EQ(reported("I also support Stage 1."), "DE also supports Stage 1.");
    EXPECT_EQ(reported("I'm happy with the prototype method."),
              "DE is happy with the prototype method.");
    EXPECT_EQ(reported("I would object to any new escapes."),
              "DE would object to any new escapes.");
}

TEST(reported_speech, frames_the_rest_and_keeps_every_verb_as_said) {
    // A verb whose third person adds letters ("does", "wishes") is left as said.
    EXPECT_EQ(reported("I don't see a downside of hex escapes."),
              "DE noted that they don't see a downside of hex escapes.");
    EXPECT_EQ(reported("We have an initial list of API names, and I am glad."),
              "DE noted that they have an initial list of API names, and they are glad.");
    EXPECT_EQ(reported("Shared state is a big part of our design."),
              "DE noted that shared state is a big part of their design.");
    EXPECT_EQ(reported("We should pick speakers per objective."),
              "DE suggested that they should pick speakers per objective.");
    EXPECT_EQ(reported("Let us wait for the tests."), "DE suggested that they wait for the tests.");
    EXPECT_EQ(reported("The booth is shared, i.e. one table."),
              "DE noted that the booth is shared, that is one table.");
}

TEST(reported_speech, keeps_names_and_terms_capitalised_and_refuses_the_second_person) {
    EXPECT_EQ(reported("Roman will ask Luis."), "DE noted that Roman will ask Luis.");
    EXPECT_EQ(reported("JavaScript has no threads."), "DE noted that JavaScript has no threads.");
    EXPECT_EQ(reported("Roman, you may want to change your name."), "(refused)");
    EXPECT_EQ(reported("That was my own idea, not mine."), "(refused)");
    EXPECT_EQ(reported("The US delegation agreed."), "(refused)"); // the country, or "us"?
    EXPECT_EQ(reported("I agree with the chair.", ""),
              "It was noted that they agree with the chair.");
}

std::optional<action_item> decision(std::string_view s, std::string_view title = {}) {
    participant_registry people;
    return extract_decision(s, tokenize(s), "RPR", people, title, {});
}

TEST(extract_decision, says_what_was_settled) {
    EXPECT_EQ(decision("Congratulations, you have Stage 4.")->text, "Consensus for Stage 4.");
    EXPECT_EQ(decision("Congratulations, JHX.", "Raw String Literals for Stage 1")->text,
              "Consensus for Stage 1.");
    EXPECT_FALSE(decision("Congratulations on the new job."));
    EXPECT_EQ(decision("Sounds like you have ample support for Stage 1.")->text,
              "Consensus for Stage 1.");
    EXPECT_EQ(
        decision("I will take it that we agree and adopt the draft agenda as proposed.")->text,
        "It was agreed to adopt the draft agenda as proposed.");
    EXPECT_EQ(decision("No objections on the queue.")->text, "Consensus was reached.");
    EXPECT_EQ(decision("So it appears that this is achieved consensus.")->text,
              "Consensus was reached.");
    EXPECT_EQ(decision("I am not going to ask for Stage 2.")->text,
              "RPR is not going to ask for Stage 2.");
    EXPECT_EQ(decision("There is no consensus for Stage 3.")->text, "No consensus for Stage 3.");
    // Never in the first person: what cannot be reported is said plainly, or left out.
    EXPECT_EQ(decision("I take it that there is no consensus on basing ourselves on the last "
                       "paper we had.")
                  ->text,
              "No consensus was reached.");
    // Not rulings: asked, conditional, one person's view.
    EXPECT_FALSE(decision("Do we have consensus for Stage 2?"));
    EXPECT_FALSE(decision("If we have consensus for Stage 2, we move on."));
    EXPECT_FALSE(decision("I have no objection to the name."));
    EXPECT_FALSE(decision("I would like to ask for consensus for Stage 2.")); // a request
    EXPECT_FALSE(decision("We can ask for consensus on stage 3 tomorrow."));
}

TEST(extract_decision, reads_the_ways_a_stage_is_granted_and_leaves_out_history) {
    EXPECT_EQ(decision("Any objections? Great. I have Stage 2.")->text, "Consensus for Stage 2.");
    EXPECT_EQ(decision("Thanks, everyone, for Stage 4.")->text, "Consensus for Stage 4.");
    EXPECT_EQ(decision("I think you have overwhelming support, Kevin.", "Foo for stage 4")->text,
              "Consensus for Stage 4.");
    EXPECT_EQ(decision("Array.isTemplateObject remains at Stage 2.")->text,
              "The proposal remains at Stage 2.");
    EXPECT_TRUE(decision("The champion withdrew that proposal because it is in the language."));
    // One voice announced is not the room's support; what happened before is not a ruling.
    EXPECT_FALSE(decision("You have support from DLM.", "Foo for stage 4"));
    EXPECT_FALSE(decision("So when we got Stage 2, we identified certain questions."));
    EXPECT_EQ(decision("Since we have no objections, we have consensus for Stage 3.")->text,
              "Consensus for Stage 3.");
    EXPECT_EQ(decision("We have support for Stage 3.")->text, "Consensus for Stage 3.");
    EXPECT_EQ(decision("I'm not going to ask for consensus today.")->text,
              "RPR is not going to ask for consensus today.");
    EXPECT_FALSE(
        decision("The spec text is approved as part of getting to Stage 3.", "Foo for stage 4"));
}

TEST(add_action, keeps_outcomes_that_differ_only_in_their_numbers) {
    std::vector<action_item> list;
    add_action(list, {"Consensus for Stage 3.", {}, {}, {}});
    add_action(list, {"Consensus for Stage 4.", {}, {}, {}});
    add_action(list, {"Consensus for Stage 4.", {}, {}, {}});
    EXPECT_EQ(list.size(), 2u);
}

std::optional<action_item> settle(std::vector<std::string> const& sentences,
                                  std::string_view title_stage = "4") {
    consensus_call call;
    std::uint32_t line = 0;
    for (auto const& s : sentences)
        if (auto const m = read_consensus_move(s, tokenize(s), {0, ++line, std::nullopt}))
            call.read(*m);
    return call.outcome(title_stage);
}

TEST(consensus_call, a_request_met_with_support_and_no_objection_is_the_outcome) {
    auto const carried = settle({"Anyone want to affirmatively support this?",
                                 "Lots of plus ones with NRO and OMT.", "KM with the plus one."});
    ASSERT_TRUE(carried);
    EXPECT_EQ(carried->text, "Consensus for Stage 4.");
    EXPECT_EQ(carried->from.line, 2u); // the first support carried it
    EXPECT_TRUE(carried->of_call);
    EXPECT_EQ(settle({"I would like to ask for Stage 2.7.", "+1 from DLM."})->text,
              "Consensus for Stage 2.7.");
    EXPECT_EQ(settle({"I would like to get consensus on the PR.", "+1 from DLM."}, {})->text,
              "Consensus was reached.");
    // Support before any request, a request nobody supported, an objection after support.
    EXPECT_FALSE(settle({"+1 from DLM.", "I support this."}));
    EXPECT_FALSE(settle({"I would like to ask for Stage 3."}));
    EXPECT_FALSE(settle({"I would like to ask for Stage 3.", "+1 from DLM.",
                         "I object to Stage 3 until the tests land."}));
}

TEST(consensus_call, support_is_voiced_not_the_verb_in_passing) {
    EXPECT_TRUE(settle({"I would like to ask for Stage 2.", "We have Shane with support."}));
    EXPECT_TRUE(settle({"I would like to ask for Stage 2.", "Explicit support from SYG."}));
    EXPECT_FALSE(settle({"I would like to ask for Stage 2.",
                         "If they find the motivation sufficient to support the people."}));
    EXPECT_FALSE(settle({"I would like to ask for Stage 2.", "Thank you for supporting us."}));
    EXPECT_FALSE(settle({"We need to discuss this before we ask for Stage 2.", "+1 from DLM."}));
    EXPECT_FALSE(settle({"I am pretty sure we have resolved any concerns.", "+1 from DLM."}));
    EXPECT_FALSE(settle({"I would like to ask for Stage 2.", "I don't see any support."}));
    EXPECT_TRUE(settle({"Okay, any objections.", "+1 from DLM."}));
}

TEST(consensus_call, a_request_the_meeting_moved_on_from_is_recorded_once_the_item_closes) {
    consensus_call call;
    auto const read = [&](std::string_view s, std::size_t utterance) {
        if (auto const m = read_consensus_move(s, tokenize(s), {utterance, 1, std::nullopt}))
            call.read(*m);
    };
    read("Anybody wishes to voice support for Stage 1, and are there any objections?", 10);
    EXPECT_FALSE(call.outcome({}));     // still open
    EXPECT_FALSE(call.outcome({}, 20)); // the meeting went on about it
    auto const moved_on = call.outcome({}, 12);
    ASSERT_TRUE(moved_on);
    EXPECT_EQ(moved_on->text, "Consensus for Stage 1 was asked, and no concerns were raised.");
    EXPECT_EQ(moved_on->from.utterance, 10u);
    read("I object.", 11);
    EXPECT_FALSE(call.outcome({}, 12));
    // Asked for, then the room asked: the meeting moved on from the question.
    consensus_call asked;
    for (auto [s, u] : {std::pair<std::string_view, std::size_t>{"I'd like to ask for Stage 2.", 3},
                        {"There is a lot to talk about first.", 4},
                        {"Any objections?", 9}})
        if (auto const m = read_consensus_move(s, tokenize(s), {u, 1, std::nullopt}))
            asked.read(*m);
    ASSERT_TRUE(asked.outcome({}, 11));
    EXPECT_EQ(asked.outcome({}, 11)->from.utterance, 9u);
    // A stage named in a question to one person asks no verdict of the room.
    consensus_call named;
    auto const s = std::string_view("Are you requesting that we delay our Stage 2.7 request?");
    named.read(*read_consensus_move(s, tokenize(s), {10, 1, std::nullopt}));
    EXPECT_FALSE(named.outcome({}, 11));
}

TEST(set_outcome, replaces_the_calls_outcome_and_keeps_it_last) {
    std::vector<action_item> decisions;
    action_item const first{"Consensus for Stage 2.", {}, {}, {}, true};
    action_item const explicit_one{"It was agreed to adopt the agenda.", {}, {}, {}, false};
    EXPECT_TRUE(set_outcome(decisions, first));
    add_action(decisions, explicit_one);
    ASSERT_EQ(decisions.size(), 2u);
    EXPECT_EQ(decisions.back(), first);
    EXPECT_TRUE(set_outcome(decisions, std::nullopt));
    EXPECT_EQ(decisions, std::vector<action_item>{explicit_one});
    EXPECT_FALSE(set_outcome(decisions, std::nullopt));
}

std::vector<action_item> steps(std::string_view s, std::string_view speaker = "Jutta Croll") {
    participant_registry people;
    for (auto label : {"JUTTA CROLL", "ROMAN CHUKOV", "MARKO PALOSKI"})
        people.resolve(label);
    return extract_next_steps(s, tokenize(s), speaker, people, {});
}

TEST(extract_next_steps, phrases_the_commitment_with_its_owner) {
    auto const mine =
        steps("I will share the document and ask everyone to fill in your slots.", "Roman Chukov");
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].text, "Roman Chukov to share the document.");
    EXPECT_EQ(mine[0].who, "Roman Chukov");
    auto const two = steps("We will send out a link, and Roman will ask Luis to set up lists.");
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].text,
              "Jutta Croll to send out a link, and Roman will ask Luis to set up lists.");
    EXPECT_EQ(two[1].text, "Roman Chukov to ask Luis to set up lists.");
    auto const given = steps("Marko will give me -- did you say by tomorrow evening, Marko?");
    ASSERT_EQ(given.size(), 1u);
    EXPECT_EQ(given[0].text, "Marko Paloski to give Jutta Croll.");
    EXPECT_EQ(given[0].when, "tomorrow evening");
    auto const asked = steps("So, Roman, could you find out from Luis about sign language?");
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].text, "Roman Chukov to find out from Luis about sign language.");
    // No owner, a hedge, or a plain question: no next step.
    EXPECT_TRUE(steps("Things will get better.").empty());
    EXPECT_TRUE(steps("Maybe I will send it.").empty());
    EXPECT_TRUE(steps("Will you send it?").empty());
}

} // namespace
} // namespace minuted::summariser

namespace minuted::summariser {
namespace {

std::optional<candidate> candidate_of(std::string_view s) {
    participant_registry people;
    people.resolve("JUTTA CROLL");
    return make_candidate(s, tokenize(s), {0, 1, 0}, people);
}

TEST(make_candidate, is_a_sentence_that_stands_on_its_own_in_reported_speech) {
    auto const c =
        candidate_of("I think we need to explain in the session title what the coalitions are.");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->text,
              std::string(speaker_mark) +
                  " thinks they need to explain in the session title what the coalitions are.");
    // Hanging on the sentence before, cut off, or spoken to someone: not a key point.
    EXPECT_FALSE(candidate_of("Because otherwise, it seems very good to have that meeting after "
                              "the main session."));
    EXPECT_FALSE(candidate_of("In which case the coordinators would have to agree on the speakers "
                              "themselves."));
    EXPECT_FALSE(
        candidate_of("So they think they need to explain in the title of the session what"));
    EXPECT_FALSE(candidate_of("Roman, you may want to change your name to say Roman instead."));
    EXPECT_FALSE(candidate_of("She has another competing commitment till half past 4:00 Central "
                              "European Time, so."));
    EXPECT_TRUE(candidate_of("The coalitions agreed that the paper needs a shorter summary for "
                             "that."));
    // About what was said before, or about who is here: not a point of the discussion.
    EXPECT_FALSE(candidate_of("That is why we need to know what Dynamic Coalitions think in "
                              "2024, looking forward to 2025."));
    EXPECT_FALSE(candidate_of("That's the idea, that there will be a booth with a table where the "
                              "DCs are represented."));
    EXPECT_FALSE(candidate_of("So, I guess we will need to wait for a couple more people before "
                              "we begin."));
    EXPECT_FALSE(candidate_of("Still a few minutes to go, and I think Jutta will not be able to "
                              "join before."));
    EXPECT_TRUE(candidate_of("The coalitions will join their reports into one paper for the MAG "
                             "meeting in Riyadh."));
}

} // namespace
} // namespace minuted::summariser
