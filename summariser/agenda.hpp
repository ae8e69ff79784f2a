#pragma once

#include "summariser/text.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

enum class cue_kind {
    none,
    transition,      ///< the chair moves the meeting on: "we go to agenda item number 2"
    proposal,        ///< a question that may or may not be taken up: "can we go to AOB?"
    adoption,        ///< the agenda is adopted: "we agree and adopt the draft agenda"
    minutes_approval ///< the minutes of the last meeting are approved
};

/// What one sentence says about the agenda.
struct agenda_cue {
    cue_kind kind = cue_kind::none;
    std::string title;         ///< the item named in the sentence; empty if it names none
    std::optional<int> number; ///< "agenda item number 2"
    bool next_call = false;    ///< "next up we have X": X may be a presenter, not an item
    bool ahead = false;        ///< taken out of the agenda's order: "let's take item 5 first"
};

/// Reads an agenda cue from one sentence of speech. A mention ("we still have the booth
/// and Any Other Business") is not a cue: a transition needs a verb of moving on, or a
/// chair's "the next agenda item is X" / "next up we have X".
agenda_cue detect_agenda_cue(std::string_view sentence, std::vector<token> const& tokens);
inline agenda_cue detect_agenda_cue(std::string_view sentence) {
    return detect_agenda_cue(sentence, tokenize(sentence));
}

/// Makes an item title from the words that name it:
/// "That is the DC main session, and over to you, Jutta." -> "DC main session".
/// Empty when the words name nothing.
std::string title_from_phrase(std::string_view phrase);

/// If `opening` (the first sentences of a long turn) introduces a presentation of its own
/// ("I'm asking for Stage 4 consensus for ...", "This is a presentation for structs ..."),
/// the title it gives; otherwise nullopt. Used where a chair moves on without naming items.
/// `strong_only`: accept only a request or proposal, not a mere "I will talk about X".
std::optional<std::string> presentation_title(std::string_view opening, bool strong_only = false);

/// `title` with the long forms of the abbreviations agendas use after them, for matching:
/// "AOB" -> "AOB (any other business)", "Q&A" -> "Q&A (questions and answers)".
std::string with_long_forms(std::string_view title);

/// Index of the known agenda title that `title` matches best by shared content words, if
/// they share at least half of the words of the shorter one.
std::optional<std::size_t> match_known_title(std::string_view title,
                                             std::vector<std::string> const& known);

/// True if two titles name the same item (most content words shared).
bool same_title(std::string_view a, std::string_view b);

} // namespace minuted::summariser
