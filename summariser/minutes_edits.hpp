#pragma once

#include "summariser/meeting.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace minuted::summariser {

/// The three lists of an agenda item's minutes.
enum class bullet_kind { key_point, decision, next_step };

/// Names a bullet however the machine's minutes change: one the machine wrote by its kind and
/// the sentence it came from ("kp:12:340": utterance 12, line 340; "kp:12:340.1" for the
/// second sentence starting on that line; "ns:12:340/1" for the second next step read from one
/// sentence), one a person added by the number of the edit that added it ("add:7").
struct bullet_key {
    bullet_kind kind = bullet_kind::key_point;
    std::size_t utterance = 0;
    std::uint32_t line = 0;
    std::uint64_t added = 0; ///< > 0 for a bullet a person added
    std::uint32_t part = 0;  ///< sentence_ref::part
    std::uint32_t nth = 0;   ///< sentence_ref::nth

    std::string str() const;
    /// Reads what `str` writes; nullopt for anything else. "add:N" does not say its kind.
    static std::optional<bullet_key> parse(std::string_view text);
    /// A person's bullet is its edit's number, whatever kind a key read from "add:N" says.
    friend bool operator==(bullet_key const& a, bullet_key const& b) {
        return a.order() == b.order();
    }
    friend auto operator<=>(bullet_key const& a, bullet_key const& b) {
        return a.order() <=> b.order();
    }

private:
    std::tuple<std::uint64_t, int, std::size_t, std::uint32_t> order() const {
        return {added, added != 0 ? 0 : static_cast<int>(kind), added != 0 ? 0 : utterance,
                added != 0 ? 0 : line};
    }
};

/// Names an agenda item however the machine's segmentation moves it: the known agenda entry it
/// is, or else the utterance it started at when the person edited it (the item that holds that
/// utterance later is the one meant).
struct item_anchor {
    std::optional<std::size_t> known; ///< known agenda index
    std::size_t utterance = 0;
    std::uint64_t added = 0; ///< > 0: an item a person added or split off, by its edit's number
    friend bool operator==(item_anchor const&, item_anchor const&) = default;
};

/// The key of the machine's bullet of `kind` read from sentence `from`.
inline bullet_key key_of(bullet_kind kind, sentence_ref const& from) {
    return {kind, from.utterance, from.line, 0, from.part, from.nth};
}

/// The anchor of `item` as it stands now.
item_anchor anchor_of(agenda_item const& item);

/// What a person does to the minutes (one journaled edit).
enum class edit_op {
    bullet_edit,    ///< new text and, for decisions and next steps, owner and deadline
    bullet_add,     ///< a new bullet of `kind` in `item`
    bullet_remove,  ///< gone, and a machine bullet does not come back
    bullet_pin,     ///< kept as it is, whatever the machine later thinks
    bullet_approve, ///< read and approved
    item_rename,
    item_approve,
    report_approve,
    speaker_rename,  ///< a participant's name; into another participant it names (transcript_edits)
    caption_correct, ///< a final turn's text (transcript_edits)
    item_add,        ///< a person's item, from an utterance (or the next one) on
    item_remove,     ///< out of the minutes with its bullets; what it held is not minuted
    item_merge,      ///< `item` and the item after it (`other`) become one, under `item`'s title
    item_split,      ///< `item` goes on in a new item from `utterance` on
    bullet_move,     ///< to `position` in its list, or `before` another bullet of it
    bullet_unpin,    ///< the pin taken back
    bullet_unapprove, ///< the approval taken back
    item_unapprove,
};

/// One edit, as journaled. `revision` is the revision of its target the editor saw: an edit on
/// a stale one is refused (409) so two people do not overwrite each other unknowingly.
struct minute_edit {
    edit_op op = edit_op::bullet_edit;
    std::optional<bullet_key> bullet;          ///< bullet_* but add
    std::optional<item_anchor> item;           ///< bullet_add, item_*
    bullet_kind kind = bullet_kind::key_point; ///< bullet_add
    std::optional<std::string> text;           ///< bullet_edit, bullet_add, item_rename
    std::optional<std::string> who, when;      ///< bullet_edit, bullet_add: owner, deadline
    std::uint64_t revision = 0;
    std::string by; ///< who made it (the editor token's name)
    std::int64_t at_ms = 0;
    std::optional<std::size_t> speaker; ///< speaker_rename: the participant's id
    /// caption_correct: the turn's utterance id; item_add, item_split: where the new item starts
    std::optional<std::size_t> utterance;
    std::optional<std::uint32_t> line;   ///< caption_correct: its line, if the editor gave it
    std::optional<std::string> original; ///< caption_correct: the text it replaced (journal only)
    /// caption_correct: the part of the turn's text that `text` replaces, in UTF-16 code units
    /// as updates count (`from`); none: all of it.
    std::optional<std::size_t> offset, length;
    std::optional<item_anchor> other;    ///< item_merge: the item after `item`
    std::uint64_t other_revision = 0;    ///< item_merge: `other`'s revision
    std::optional<bullet_key> before;    ///< bullet_move: the bullet it goes before
    std::optional<std::size_t> position; ///< bullet_move: its 0-based place in its list
    friend bool operator==(minute_edit const&, minute_edit const&) = default;
};

/// Longest text, owner or deadline an edit may give, in bytes.
inline constexpr std::size_t max_edit_text_bytes = 4096;

/// Why an edit is refused.
enum class edit_refusal {
    no_such_target, ///< 404: the bullet or item does not exist
    stale,          ///< 409: its revision moved on
    invalid,        ///< 400: missing or oversized text, an edit that does not fit its target
    ended,          ///< 409: the meeting has ended (said by the session, not here)
};

struct edit_result {
    std::optional<edit_refusal> refused;
    std::string why;            ///< when refused
    std::uint64_t revision = 0; ///< the target's revision after it, or now (refused as stale)
    std::string key;            ///< bullet_add: the new bullet's key
};

/// How a bullet stands in the published minutes: what a viewer shows and a person edits.
struct bullet_marks {
    std::string key; ///< bullet_key::str
    std::uint64_t revision = 0;
    bool edited = false; ///< its text, owner or deadline are a person's
    bool added = false;  ///< a person wrote it
    bool pinned = false;
    bool approved = false;
    std::string by; ///< who edited it last
};

/// An agenda item of the published minutes: the machine's, with what people did to it.
struct published_item {
    agenda_item item;                     ///< its title and bullets as published; `n` as shown
    std::vector<bullet_marks> key_points; ///< one per item.key_points
    std::vector<bullet_marks> decisions;  ///< one per item.decisions
    std::vector<bullet_marks> next_steps; ///< one per item.next_steps
    std::uint64_t revision = 0;
    bool renamed = false;
    bool approved = false;
    item_anchor anchor; ///< names it in edits
    /// The machine's item it starts with (an index of meeting::agenda), whose context (who
    /// carried it) it shows; nullopt for an item a person added or split off.
    std::optional<std::size_t> machine;
    bool added = false; ///< a person added it or split it off
};

/// The published agenda: its items (all, or those asked for) and how many it has in all.
struct published_minutes {
    std::vector<published_item> items;
    std::size_t count = 0;
};

/// The edits people made to a meeting's minutes, applied over what the machine writes. The
/// machine keeps writing; a bullet a person edited or pinned is never changed or dropped by it,
/// one a person removed does not come back, and a renamed item keeps its title as the machine
/// moves it. People also shape the agenda: an item added or split off holds what is said from
/// its utterance on until the next item; merged items stay one, a removed one stays out, and a
/// list a person reordered keeps their order, while the machine goes on adding. Pure and
/// deterministic: the same edits over the same meeting publish the same minutes, live or
/// rebuilt from a journal. Costs O(edits) memory; laying out the agenda costs O(items x
/// structure edits), publishing an item O(the bullets of the machine's items it shows + edits).
class minutes_edits {
public:
    /// Checks `e` against the meeting as it is now and, if it fits, keeps it. A new bullet's
    /// key, and a new item's anchor, are numbered by how many edits came before.
    edit_result apply(minute_edit const& e, meeting const& m);

    /// The published agenda, numbered from 1. `machine`: only the published items that show
    /// something of these items of `m` (indices of meeting::agenda; others are ignored), as an
    /// update needs; all of them if null.
    published_minutes publish(meeting const& m,
                              std::vector<std::size_t> const* machine = nullptr) const;
    /// The published item that shows `machine` (an item of `m`) from its start.
    published_item publish(meeting const& m, agenda_item const& machine) const;
    /// The anchor of the published item numbered `n`, if there is one.
    std::optional<item_anchor> published_anchor(meeting const& m, std::size_t n) const;
    /// The items of `m` (indices of meeting::agenda) whose published items `e`, just applied,
    /// changed: what an update sends again. The machine's item that lists the bullet an edit
    /// of a machine bullet names; none for the report's approval; every item for the rest
    /// (an item renamed, approved, added to, merged, split, added or removed, or a bullet the
    /// machine no longer lists), which are rare beside bullet edits.
    std::vector<std::size_t> touched_items(minute_edit const& e, meeting const& m) const;

    /// Whether the whole report has been approved, by whom, at what revision.
    bool report_approved() const noexcept { return report_approved_; }
    std::uint64_t report_revision() const noexcept { return report_revision_; }
    std::size_t size() const noexcept { return count_; }
    /// Edits were made: reports are published twice (the machine's and the edited one).
    bool empty() const noexcept { return count_ == 0; }

private:
    struct bullet_state {
        bullet_key key;
        item_anchor item; ///< where it is shown if the machine no longer lists it
        std::optional<key_point> kept_point; ///< the machine's, as it stood when first edited
        std::optional<action_item> kept_action;
        std::optional<std::string> text, who, when;
        bool removed = false, pinned = false, approved = false;
        std::uint64_t revision = 0;
        std::string by;
    };
    struct item_state {
        item_anchor anchor;
        std::optional<std::string> title;
        bool approved = false;
        std::uint64_t revision = 0;
        std::string by;
    };
    /// An item a person added or split off: it starts at `start`.
    struct added_item {
        std::uint64_t id = 0; ///< the number of the edit that made it
        std::size_t start = 0;
        bool merged = false;    ///< merged into the item before it
        std::int64_t at_ms = 0; ///< when it was made: its start, if nothing was said there yet
    };
    /// Where an item starts on the transcript: a machine's item or a person's.
    struct boundary {
        std::size_t start = 0;
        std::optional<std::size_t> machine; ///< index of meeting::agenda
        std::uint64_t added = 0;            ///< added_item::id
        std::size_t segment = 0;            ///< the published (or removed) item it is part of
    };
    /// An item of the agenda as laid out: from its head boundary to the next item's.
    struct span {
        std::size_t head = 0; ///< index of layout::boundaries
        std::size_t first = 0;
        bool removed = false;
        std::size_t n = 0; ///< its number as published; 0 if removed
    };
    struct layout {
        std::vector<boundary> boundaries;        ///< by start; the machine's first on a tie
        std::vector<span> segments;              ///< in order
        std::vector<std::size_t> machine_bounds; ///< per item of meeting::agenda: its boundary
        std::size_t count = 0;                   ///< items published
    };

    struct publisher;

    edit_result apply_to_bullet(minute_edit const& e, meeting const& m);
    edit_result add_bullet(minute_edit const& e, meeting const& m);
    edit_result apply_to_item(minute_edit const& e, meeting const& m);
    edit_result apply_structure(minute_edit const& e, meeting const& m);
    /// item_add, item_split: where the new item starts, or why it cannot.
    edit_result place_new_item(minute_edit const& e, meeting const& m, layout const& l,
                               std::optional<std::size_t> target, std::size_t& start) const;
    /// item_merge: the item merged into `target`, or why there is none.
    edit_result merge_partner(minute_edit const& e, meeting const& m, layout const& l,
                              std::size_t target, std::size_t& other) const;
    /// bullet_move: the bullet's list in the order the edit gives it, its places kept.
    edit_result arrange(minute_edit const& e, meeting const& m);

    layout lay_out(meeting const& m) const;
    /// The boundary `a` names now, if any.
    std::optional<std::size_t> boundary_of(layout const& l, meeting const& m,
                                           item_anchor const& a) const;
    /// The segment that shows a bullet of the machine's item `machine` said at `utterance`.
    static std::size_t owner(layout const& l, std::size_t machine, std::size_t utterance);
    item_anchor head_anchor(layout const& l, meeting const& m, span const& s) const;
    item_state* state_of(layout const& l, meeting const& m, std::size_t segment);
    item_state const* state_of(layout const& l, meeting const& m, std::size_t segment) const;
    published_item publish_segment(meeting const& m, layout const& l, std::size_t segment) const;

    std::map<bullet_key, bullet_state> bullets_;
    std::vector<item_state> items_;
    std::vector<added_item> added_;
    std::vector<item_anchor> merged_;          ///< machine's items merged into the item before them
    std::vector<item_anchor> removed_;         ///< items taken out of the minutes
    std::map<bullet_key, std::uint64_t> rank_; ///< in a list a person reordered: its place
    std::uint64_t ranks_ = 0;
    bool report_approved_ = false;
    std::uint64_t report_revision_ = 0;
    std::uint64_t count_ = 0;
};

/// `e` as the JSON object its journal record holds: {"op","bullet"?,"item"?,"kind"?,"text"?,
/// "who"?,"when"?,"revision","by","at"}, the item as {"known"?,"utterance"}. Pure.
std::string minute_edit_json(minute_edit const& e);
/// Reads what `minute_edit_json` writes; nullopt for anything else (a journal edited by hand).
std::optional<minute_edit> parse_minute_edit(std::string_view json);
/// The name of an edit's operation in that JSON ("bullet.edit", "item.rename", ...), and back.
std::string_view op_name(edit_op op);
std::optional<edit_op> op_named(std::string_view name);
/// "key_point", "decision", "next_step", and back.
std::string_view kind_name(bullet_kind k);
std::optional<bullet_kind> kind_named(std::string_view name);

/// The machine's item of `m` that `a` names now, if any (none for a person's item).
agenda_item const* find_item(meeting const& m, item_anchor const& a);

} // namespace minuted::summariser
