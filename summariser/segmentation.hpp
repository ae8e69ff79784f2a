#pragma once

#include "summariser/alignment.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace minuted::summariser {

/// A turn of this many words or more is long: a presentation, not a remark.
inline constexpr std::size_t long_turn_words = 40;

/// How much turn `k` looks like the start of an agenda item by how the meeting moves on,
/// whatever the item is: a new voice after a closing remark ("Thank you, CDA."), who holds
/// the floor from there, a long opening turn that says what it presents. Reads turns up to
/// `k + agenda_aligner::lookahead` where there are any. Pure.
double boundary_prior(std::span<turn_evidence const> turns, std::size_t k);

/// True if the speaker of turn `k` speaks again in the turns after it that the lookahead sees.
bool holds_floor(std::span<turn_evidence const> turns, std::size_t k);

/// Finds where a meeting without a known agenda moves to a new item, as turns arrive: a turn
/// whose boundary prior, its chair's hand-over ("next up", "let's move on") and the new words
/// it and the next two bring (TextTiling's lexical cohesion, over turns) add up to
/// `threshold`, at least `min_gap` turns after the item before it started. A chair giving the
/// floor in a discussion ("a reply from Dan", "next on the queue") counts against it.
///
/// A turn is weighed once the `lookahead` turns after it are known, and never again, so a
/// meeting fed in any chunking finds the same starts. Keeps only a window of recent turns:
/// `add` costs the window, not the meeting. Deterministic; pure; not thread-safe.
class item_start_detector {
public:
    static constexpr std::size_t lookahead = agenda_aligner::lookahead;
    static constexpr double threshold = 2.6;
    static constexpr std::size_t min_gap = 4;

    /// Adds the next turn. Returns the turn (by its index in the order added) that this turn
    /// shows to start an item, if one does.
    std::optional<std::size_t> add(turn_evidence turn);
    /// An item started at `turn` for another reason (a chair's cue naming it): no item
    /// starts fewer than min_gap turns after it.
    void started(std::size_t turn);
    /// No more turns come: the last ones are weighed with what there is. Returns the turns
    /// among them that start items.
    std::vector<std::size_t> finish();

private:
    std::optional<std::size_t> weigh(std::size_t k);
    /// How strongly turn `k` starts an item; `behind_` holds the words of the turns before.
    double score(std::size_t k) const;
    void count_words(std::size_t turn, int by);

    std::vector<turn_evidence> window_; // the last turns; window_[0] is turn base_
    // The words of the turns lexical novelty compares a weighed turn with, counted.
    std::map<std::string, int, std::less<>> behind_;
    std::size_t base_ = 0;
    std::size_t added_ = 0;
    std::size_t weighed_ = 0;
    std::size_t last_start_ = 0; // the meeting's first turn starts its first item
};

} // namespace minuted::summariser
