#pragma once

#include "summariser/participants.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

/// A sentence judged as material for the minutes, with where it came from.
struct sentence_ref {
    std::size_t utterance = 0; ///< index of the utterance in the transcript
    std::uint32_t line = 0;    ///< input line where the sentence starts
    std::optional<std::size_t> speaker;
};

/// A key point: one cleaned sentence of the discussion, attributed.
struct key_point {
    std::string text;
    sentence_ref from;
    friend bool operator==(key_point const&, key_point const&) = default;
};

/// A next step or a decision: what was agreed or promised, by whom, by when.
struct action_item {
    std::string text; ///< the cleaned sentence
    std::string who;  ///< readable name of who will act; empty when nobody is named
    std::string when; ///< the deadline as said ("by tomorrow noon"); may be empty
    sentence_ref from;
    friend bool operator==(action_item const&, action_item const&) = default;
};

/// A key-point candidate: a sentence with the features that do not change as the item grows.
struct candidate {
    std::string text;               ///< cleaned for the minutes
    std::vector<std::string> words; ///< its content words (sorted, unique)
    double base = 0;                ///< score from the sentence alone
    sentence_ref from;
};

/// Scores one sentence as a key-point candidate; nullopt if it cannot be one (too short,
/// a question, a greeting, procedure).
std::optional<candidate> make_candidate(std::string_view sentence, sentence_ref from);

/// Picks at most `limit` key points from `candidates`: the most central sentences of the
/// item (sharing words with many others and with `title`), no two saying the same thing, no
/// more than two from one speaker; in transcript order. Deterministic.
std::vector<std::size_t> select_key_points(std::vector<candidate> const& candidates,
                                           std::vector<std::string> const& title_words,
                                           std::size_t limit);

/// The number of key points an item of `sentences` sentences deserves: a handful at most.
std::size_t key_point_limit(std::size_t sentences);

/// Reads a commitment from a sentence ("Roman will ask Celine and report back to the list",
/// "I will share the document"). Precision first: a plain future of an action verb with a
/// subject, no condition or hedge. `speaker` is the readable name of who said it; names in
/// the sentence are resolved through `people`.
std::optional<action_item> extract_next_step(std::string_view sentence, std::string_view speaker,
                                             participant_registry const& people, sentence_ref from);

/// Reads a decision from a sentence ("we agree and adopt the draft agenda", "you have
/// consensus for Stage 2.7", "we have a title").
std::optional<action_item> extract_decision(std::string_view sentence, sentence_ref from);

} // namespace minuted::summariser
