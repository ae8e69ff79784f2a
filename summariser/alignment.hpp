#pragma once

#include "protocol/agenda.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

/// A chair's cue that names an item: "we go to agenda item number 2", "the next agenda item
/// is the booth", or a proposal ("can we go to Any Other Business?") that was taken up.
struct item_cue {
    std::string title;
    std::optional<int> number;
    /// A proposal the meeting did not take up: the next turns went on with the item before.
    /// Its item does not start there, nor in the two turns after it.
    bool declined = false;
    /// Taken out of the agenda's order ("let's take item 5 first"): the item starts here even
    /// though items before it are still to come, and the meeting goes back to them after.
    bool ahead = false;
    friend bool operator==(item_cue const&, item_cue const&) = default;
};

/// One speaker turn, as the alignment weighs it.
struct turn_evidence {
    std::string speaker;            ///< the speaker's name or label; empty for a bare `>>`
    std::vector<std::string> words; ///< `evidence_words` of the turn's speech
    std::size_t word_count = 0;
    bool opens = false;    ///< opens a presentation: "this is about", "(Slide 1)", "good morning"
    bool closes = false;   ///< a short turn that closes something: "thank you", "next up"
    bool moves_on = false; ///< hands over to what comes next: "next up", "let's move on"
    bool queue = false;    ///< speaks of a discussion's queue: "on the queue", "a reply from"
    bool titled = false;   ///< a long turn whose opening names what it presents ("asking for
                           ///< Stage 2 for Map.emplace"): presentation_title finds a title
    std::vector<item_cue> cues; ///< chairs' cues in it that name an item
};

/// Words that can tell agenda items apart: lower-case letters and digits, two or more, no
/// stopwords and none of the words every agenda uses ("update", "proposal", "item"), a plural
/// 's' stripped; "Math.sqrt" gives "math" and "sqrt". Sorted and deduplicated.
std::vector<std::string> evidence_words(std::string_view text);

/// True if a speaker label or name is one of the presenters of an agenda entry (a comma,
/// ";", "&" or " and " separated list): the same name, one of its words, or its initials as
/// chairs write them ("KG" or "KEVIN GIBBONS" for Kevin Gibbons, "SYG" for Shu-yu Guo, "JHD"
/// for Jordan Harband).
bool is_presenter(std::string_view speaker, std::string_view presenters);

/// Places the items of a known agenda on a meeting's speaker turns, in order, by evidence:
/// the item's rarer title words in the turns where it would start, its presenter taking the
/// floor, a chair's cue naming it, and how a new item starts (a new voice after a closing
/// remark, a long opening turn that says what it presents). An item nothing points to is left
/// unplaced, and so is one the meeting never reached.
///
/// The best placement of all items is a path through a table of (item, turn) cells, kept by
/// dynamic programming as turns arrive: a turn's cells are scored once the few turns after it
/// are known and never change, so `add` costs the agenda's length (log factor aside), not the
/// meeting's, and `path` the number of items placed. For a new agenda, a new aligner is fed
/// the turns again: O(items x turns). Deterministic; pure; not thread-safe.
class agenda_aligner {
public:
    /// A placed item: `item` indexes the agenda, `turn` the turns in the order added.
    struct placement {
        std::size_t item = 0;
        std::size_t turn = 0;
        bool ahead = false; ///< taken out of the agenda's order, as a chair's cue said
        friend bool operator==(placement const&, placement const&) = default;
    };

    explicit agenda_aligner(std::vector<protocol::agenda_item> agenda = {});

    /// Turns after the one scored that its score needs.
    static constexpr std::size_t lookahead = 4;

    void add(turn_evidence turn);
    /// A cue in turn `turn` that names an item after all (a proposal that was taken up), or
    /// a proposal there that was declined. Too late, and ignored, once the turn has been
    /// weighed.
    void add_cue(std::size_t turn, item_cue cue);
    /// No more turns come: the last ones are scored with what follows them.
    void finish();

    /// The best placement for what has been heard, in turn order: in agenda order but for
    /// items a chair took out of it.
    std::vector<placement> path() const;

    std::vector<protocol::agenda_item> const& agenda() const noexcept { return agenda_; }
    std::size_t turns() const noexcept { return turns_.size(); }
    /// Turns whose cells are final.
    std::size_t scored() const noexcept { return scored_; }

private:
    struct cell {
        std::uint32_t item = 0;
        std::uint32_t turn = 0;
        double value = 0;       // best path ending here, with skipped items paid for
        std::int64_t back = -1; // the cell before on that path
    };
    using best_cell = std::pair<double, std::int64_t>; // value with skips undone, cell index

    std::optional<std::size_t> named_item(item_cue const& cue) const;
    void note_cue(std::size_t turn, item_cue const& cue);
    void score(std::size_t k);
    best_cell best_before(std::size_t item) const;
    void record(std::size_t item, best_cell c);

    std::vector<protocol::agenda_item> agenda_;
    // The titles' evidence words (the vocabulary), each title's words as indices into it,
    // and per turn the vocabulary it uses: all a turn's score needs of its words.
    std::vector<std::string> vocabulary_;
    std::vector<std::vector<std::uint32_t>> titles_;
    std::vector<std::string> titles_of_;
    std::vector<std::vector<std::vector<std::string>>> presenters_; // each item's, as name words
    std::vector<std::vector<std::uint32_t>> uses_;
    std::vector<std::uint32_t> df_; // per vocabulary word: turns so far using it
    std::vector<turn_evidence> turns_;
    std::vector<std::vector<std::size_t>> named_;    // per turn: the items its cues name
    std::vector<std::vector<std::size_t>> declined_; // ... and those proposed but declined
    std::vector<placement> taken_ahead_;             // items a chair took out of order, where
    std::vector<char> is_ahead_;                     // per item: it was taken out of order
    std::size_t scored_ = 0;
    std::vector<cell> cells_;
    std::vector<best_cell> tree_; // Fenwick tree over items: best path ending before each
    std::int64_t best_ = -1;
};

} // namespace minuted::summariser
