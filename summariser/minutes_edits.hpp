#pragma once

#include "summariser/meeting.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

/// The three lists of an agenda item's minutes.
enum class bullet_kind { key_point, decision, next_step };

/// Names a bullet however the machine's minutes change: one the machine wrote by its kind and
/// the sentence it came from ("kp:12:340": utterance 12, line 340), one a person added by the
/// number of the edit that added it ("add:7").
struct bullet_key {
    bullet_kind kind = bullet_kind::key_point;
    std::size_t utterance = 0;
    std::uint32_t line = 0;
    std::uint64_t added = 0; ///< > 0 for a bullet a person added

    std::string str() const;
    /// Reads what `str` writes; nullopt for anything else.
    static std::optional<bullet_key> parse(std::string_view text);
    friend bool operator==(bullet_key const&, bullet_key const&) = default;
    friend auto operator<=>(bullet_key const&, bullet_key const&) = default;
};

/// Names an agenda item however the machine's segmentation moves it: the known agenda entry it
/// is, or else the utterance it started at when the person edited it (the item that holds that
/// utterance later is the one meant).
struct item_anchor {
    std::optional<std::size_t> known; ///< known agenda index
    std::size_t utterance = 0;
    friend bool operator==(item_anchor const&, item_anchor const&) = default;
};

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
    agenda_item item;                     ///< its title and bullets as published
    std::vector<bullet_marks> key_points; ///< one per item.key_points
    std::vector<bullet_marks> decisions;  ///< one per item.decisions
    std::vector<bullet_marks> next_steps; ///< one per item.next_steps
    std::uint64_t revision = 0;
    bool renamed = false;
    bool approved = false;
};

/// The edits people made to a meeting's minutes, applied over what the machine writes. The
/// machine keeps writing; a bullet a person edited or pinned is never changed or dropped by it,
/// one a person removed does not come back, and a renamed item keeps its title as the machine
/// moves it. Pure and deterministic: the same edits over the same meeting publish the same
/// minutes, live or rebuilt from a journal. Costs O(edits) memory; publishing an item costs
/// O(its bullets + the edits to it).
class minutes_edits {
public:
    /// Checks `e` against the meeting as it is now and, if it fits, keeps it. A new bullet's
    /// key is numbered by how many edits came before.
    edit_result apply(minute_edit const& e, meeting const& m);

    /// `machine` (an item of `m`) as published, with the edits that belong to it.
    published_item publish(meeting const& m, agenda_item const& machine) const;

    /// The agenda items of `m` (indexes into m.agenda()) whose published minutes `e` changed,
    /// `e` having just been applied: the item that shows its bullet, or the item it names;
    /// none for the report's approval. Viewers are sent only these again.
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

    /// What is anchored to items, by the anchor's known agenda index or utterance, so an item
    /// finds what belongs to it without looking at everything else.
    template <class V>
    struct anchor_index {
        std::multimap<std::size_t, V> known, utterance;
        void add(item_anchor const& a, V v);
        /// The values whose anchor names `machine` in `m` now, in no particular order.
        std::vector<V> of(meeting const& m, agenda_item const& machine) const;
    };

    edit_result apply_to_bullet(minute_edit const& e, meeting const& m);
    edit_result apply_to_item(minute_edit const& e, meeting const& m);
    bool belongs(item_anchor const& a, meeting const& m, agenda_item const& item) const;

    std::map<bullet_key, bullet_state> bullets_;
    std::vector<item_state> items_;
    anchor_index<bullet_key> bullets_by_item_; ///< every key of bullets_, by its state's item
    anchor_index<std::size_t> items_by_item_;  ///< every index of items_, by its anchor
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

/// The item of `m` that `a` names now, if any.
agenda_item const* find_item(meeting const& m, item_anchor const& a);

} // namespace minuted::summariser
