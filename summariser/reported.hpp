#pragma once

#include "summariser/participants.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace minuted::summariser {

/// A sentence of the discussion as minutes report it: in the third person and attributed to
/// `speaker`, with no word the speaker did not say but the name, "noted/suggested that" and
/// the pronouns that stand for the speaker.
///   "I agree that the data model matters."  -> "DE agrees that the data model matters."
///   "We have an initial list of API names."  -> "Leo Balter noted that they have an initial
///                                               list of API names."
///   "Shared state is a big part of threading." -> "KG noted that shared state is a big part
///                                               of threading."
/// nullopt when that cannot be done without putting words in the speaker's mouth: the
/// sentence speaks to someone ("you", "your"), or says "myself", "ours" or "mine".
/// `text` is a sentence already cleaned for the minutes (`clean_for_minutes`); `speaker`
/// is the readable name, or empty when nobody is known to have said it (then the sentence
/// is framed as "It was noted that ..."). A sentence-opening capital is lowered after "noted
/// that" unless the word is a term ("JavaScript", "WSIS") or a name in `people`.
std::optional<std::string> reported_speech(std::string_view text, std::string_view speaker,
                                           participant_registry const& people);

/// True for the words `reported_speech` cannot report ("you", "your", "mine", "myself").
bool addresses_listener(std::string_view lower_word);

/// `text` with its first-person words in the third person ("I am" -> "they are", "our" ->
/// "their"); "me" and "us" become `speaker` when one is given ("will send me" -> "will send
/// Jutta Croll"). nullopt for what `reported_speech` refuses.
std::optional<std::string> in_third_person(std::string_view text, std::string_view speaker = {});

} // namespace minuted::summariser
