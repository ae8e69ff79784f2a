#include "summariser/minutes_edits.hpp"

#include "summariser/minutes_edits_detail.hpp"
#include "summariser/transcript_edits.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <numeric>

namespace minuted::summariser {

namespace {

constexpr std::string_view kind_names[] = {"kp", "dec", "ns"};

std::string_view name_of(bullet_kind k) {
    return kind_names[static_cast<std::size_t>(k)];
}

template <class N>
bool read_number(std::string_view text, N& out) {
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

using detail::find_machine_bullet;
using detail::refuse;

bool fits(std::optional<std::string> const& text) {
    return !text || text->size() <= max_edit_text_bytes;
}

} // namespace

std::string bullet_key::str() const {
    if (added != 0)
        return "add:" + std::to_string(added);
    auto s =
        std::string(name_of(kind)) + ":" + std::to_string(utterance) + ":" + std::to_string(line);
    if (part != 0)
        s += "." + std::to_string(part);
    if (nth != 0)
        s += "/" + std::to_string(nth);
    return s;
}

std::optional<bullet_key> bullet_key::parse(std::string_view text) {
    bullet_key k;
    if (text.starts_with("add:")) {
        if (!read_number(text.substr(4), k.added) || k.added == 0)
            return std::nullopt;
        return k;
    }
    auto const first = text.find(':');
    auto const second = text.find(':', first == std::string_view::npos ? first : first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    auto const kind = text.substr(0, first);
    auto const it = std::find(std::begin(kind_names), std::end(kind_names), kind);
    if (it == std::end(kind_names) ||
        !read_number(text.substr(first + 1, second - first - 1), k.utterance))
        return std::nullopt;
    auto line = text.substr(second + 1);
    if (auto const slash = line.find('/'); slash != std::string_view::npos) {
        if (!read_number(line.substr(slash + 1), k.nth) || k.nth == 0)
            return std::nullopt;
        line = line.substr(0, slash);
    }
    if (auto const dot = line.find('.'); dot != std::string_view::npos) {
        if (!read_number(line.substr(dot + 1), k.part) || k.part == 0)
            return std::nullopt; // "kp:1:2.0" is written "kp:1:2": one key, one spelling
        line = line.substr(0, dot);
    }
    if (!read_number(line, k.line))
        return std::nullopt;
    k.kind = static_cast<bullet_kind>(it - std::begin(kind_names));
    return k;
}

item_anchor anchor_of(agenda_item const& item) {
    return {item.known_index, item.first_utterance};
}

agenda_item const* find_item(meeting const& m, item_anchor const& a) {
    auto const& agenda = m.agenda();
    if (a.added != 0)
        return nullptr;
    if (a.known) {
        for (auto const& item : agenda)
            if (item.known_index == a.known)
                return &item;
        return nullptr;
    }
    // The item that holds the utterance: the last one starting at or before it.
    agenda_item const* found = nullptr;
    for (auto const& item : agenda)
        if (item.first_utterance <= a.utterance)
            found = &item;
    return found;
}

edit_result minutes_edits::apply(minute_edit const& e, meeting const& m) {
    if (!fits(e.text) || !fits(e.who) || !fits(e.when))
        return refuse(edit_refusal::invalid, "text, owner and deadline are at most " +
                                                 std::to_string(max_edit_text_bytes) + " bytes");
    edit_result r;
    switch (e.op) {
    case edit_op::item_rename:
    case edit_op::item_approve:
    case edit_op::item_unapprove:
        r = apply_to_item(e, m);
        break;
    case edit_op::item_add:
    case edit_op::item_remove:
    case edit_op::item_merge:
    case edit_op::item_split:
        r = apply_structure(e, m);
        break;
    case edit_op::report_approve:
        if (e.revision != report_revision_)
            return refuse(edit_refusal::stale,
                          "the report changed since revision " + std::to_string(e.revision),
                          report_revision_);
        report_approved_ = true;
        r.revision = ++report_revision_;
        break;
    default:
        r = apply_to_bullet(e, m);
    }
    if (!r.refused)
        ++count_;
    return r;
}

edit_result minutes_edits::apply_to_item(minute_edit const& e, meeting const& m) {
    auto const l = lay_out(m);
    auto const b = e.item ? boundary_of(l, m, *e.item) : std::nullopt;
    if (!b || l.segments[l.boundaries[*b].segment].removed)
        return refuse(edit_refusal::no_such_target, "no such agenda item");
    if (e.op == edit_op::item_rename && (!e.text || e.text->empty()))
        return refuse(edit_refusal::invalid, "a new title is needed");
    auto const segment = l.boundaries[*b].segment;
    auto* s = state_of(l, m, segment);
    std::uint64_t const now = s ? s->revision : 0;
    if (e.revision != now)
        return refuse(edit_refusal::stale,
                      "the item changed since revision " + std::to_string(e.revision), now);
    if (e.op == edit_op::item_unapprove && !(s && s->approved))
        return refuse(edit_refusal::invalid, "the item is not approved");
    if (!s)
        s = &items_.emplace_back(
            item_state{head_anchor(l, m, l.segments[segment]), {}, false, 0, {}});
    if (e.op == edit_op::item_rename)
        s->title = e.text;
    else
        s->approved = e.op == edit_op::item_approve;
    s->by = e.by;
    return {std::nullopt, {}, ++s->revision, {}};
}

edit_result minutes_edits::add_bullet(minute_edit const& e, meeting const& m) {
    auto const l = lay_out(m);
    auto const b = e.item ? boundary_of(l, m, *e.item) : std::nullopt;
    if (!b || l.segments[l.boundaries[*b].segment].removed)
        return refuse(edit_refusal::no_such_target, "no such agenda item");
    if (!e.text || e.text->empty())
        return refuse(edit_refusal::invalid, "a new bullet needs its text");
    if (e.kind == bullet_kind::key_point && (e.who || e.when))
        return refuse(edit_refusal::invalid, "a key point has no owner or deadline");
    bullet_state s;
    s.key = bullet_key{e.kind, 0, 0, count_ + 1};
    s.item = head_anchor(l, m, l.segments[l.boundaries[*b].segment]);
    s.text = e.text;
    s.who = e.who;
    s.when = e.when;
    s.revision = 1;
    s.by = e.by;
    auto const key = s.key;
    bullets_.emplace(key, std::move(s));
    return {std::nullopt, {}, 1, key.str()};
}

edit_result minutes_edits::apply_to_bullet(minute_edit const& e, meeting const& m) {
    if (e.op == edit_op::bullet_add)
        return add_bullet(e, m);
    if (!e.bullet)
        return refuse(edit_refusal::invalid, "which bullet?");
    auto it = bullets_.find(*e.bullet);
    auto const machine = find_machine_bullet(m, *e.bullet);
    // A machine bullet nobody holds any more is the machine's again: there while it lists it.
    auto const held = it != bullets_.end() &&
                      (e.bullet->added != 0 || it->second.kept_point || it->second.kept_action);
    if ((!held && !machine.item) || (it != bullets_.end() && it->second.removed))
        return refuse(edit_refusal::no_such_target, "no such bullet: " + e.bullet->str());
    std::uint64_t const now = it == bullets_.end() ? 0 : it->second.revision;
    if (e.revision != now)
        return refuse(edit_refusal::stale,
                      "the bullet changed since revision " + std::to_string(e.revision), now);
    if (e.op == edit_op::bullet_edit) {
        if ((!e.text && !e.who && !e.when) || (e.text && e.text->empty()))
            return refuse(edit_refusal::invalid, "an edit needs a text, an owner or a deadline");
        // Of the bullet as kept: a person's key ("add:N") does not say its kind.
        auto const kind = it != bullets_.end() ? it->second.key.kind : e.bullet->kind;
        if (kind == bullet_kind::key_point && (e.who || e.when))
            return refuse(edit_refusal::invalid, "a key point has no owner or deadline");
    }
    if (e.op == edit_op::bullet_unpin && !(it != bullets_.end() && it->second.pinned))
        return refuse(edit_refusal::invalid, "the bullet is not pinned");
    if (e.op == edit_op::bullet_unapprove && !(it != bullets_.end() && it->second.approved))
        return refuse(edit_refusal::invalid, "the bullet is not approved");
    if (e.op == edit_op::bullet_move) {
        if (auto const r = arrange(e, m); r.refused)
            return r;
    }
    if (it == bullets_.end()) {
        bullet_state s;
        s.key = *e.bullet;
        s.item = anchor_of(*machine.item);
        it = bullets_.emplace(s.key, std::move(s)).first;
    }
    auto& s = it->second;
    bool const keeps = e.op == edit_op::bullet_edit || e.op == edit_op::bullet_pin ||
                       e.op == edit_op::bullet_approve;
    if (keeps && machine.item && !s.kept_point && !s.kept_action) {
        // The machine's bullet as it stands, kept: it stays shown if the machine drops it.
        if (machine.point)
            s.kept_point = *machine.point;
        if (machine.action)
            s.kept_action = *machine.action;
    }
    if (e.op == edit_op::bullet_edit) {
        for (auto const& [field, value] :
             {std::pair{&s.text, &e.text}, std::pair{&s.who, &e.who}, std::pair{&s.when, &e.when}})
            if (*value)
                *field = *value;
    }
    s.removed = s.removed || e.op == edit_op::bullet_remove;
    // bullet_move was arranged above; the marks are set or taken back.
    if (e.op == edit_op::bullet_pin || e.op == edit_op::bullet_unpin)
        s.pinned = e.op == edit_op::bullet_pin;
    if (e.op == edit_op::bullet_approve || e.op == edit_op::bullet_unapprove)
        s.approved = e.op == edit_op::bullet_approve;
    // Unpinned and unapproved, a machine bullet nobody reworded is the machine's again: it
    // may reword or drop it.
    if (!s.pinned && !s.approved && !s.text && !s.who && !s.when) {
        s.kept_point.reset();
        s.kept_action.reset();
    }
    s.by = e.by;
    return {std::nullopt, {}, ++s.revision, {}};
}

} // namespace minuted::summariser

namespace minuted::summariser {

namespace {

constexpr std::pair<edit_op, std::string_view> op_names[] = {
    {edit_op::bullet_edit, "bullet.edit"},
    {edit_op::bullet_add, "bullet.add"},
    {edit_op::bullet_remove, "bullet.remove"},
    {edit_op::bullet_pin, "bullet.pin"},
    {edit_op::bullet_approve, "bullet.approve"},
    {edit_op::item_rename, "item.rename"},
    {edit_op::item_approve, "item.approve"},
    {edit_op::report_approve, "report.approve"},
    {edit_op::item_add, "item.add"},
    {edit_op::item_remove, "item.remove"},
    {edit_op::item_merge, "item.merge"},
    {edit_op::item_split, "item.split"},
    {edit_op::bullet_move, "bullet.move"},
    {edit_op::bullet_unpin, "bullet.unpin"},
    {edit_op::bullet_unapprove, "bullet.unapprove"},
    {edit_op::item_unapprove, "item.unapprove"},
    {edit_op::speaker_rename, "speaker.rename"},
    {edit_op::caption_correct, "caption.correct"},
};

constexpr std::string_view kind_long_names[] = {"key_point", "decision", "next_step"};

} // namespace

std::string_view op_name(edit_op op) {
    for (auto const& [o, name] : op_names)
        if (o == op)
            return name;
    return {};
}

std::optional<edit_op> op_named(std::string_view name) {
    for (auto const& [o, n] : op_names)
        if (n == name)
            return o;
    return std::nullopt;
}

std::string_view kind_name(bullet_kind k) {
    return kind_long_names[static_cast<std::size_t>(k)];
}

std::optional<bullet_kind> kind_named(std::string_view name) {
    auto const it = std::find(std::begin(kind_long_names), std::end(kind_long_names), name);
    if (it == std::end(kind_long_names))
        return std::nullopt;
    return static_cast<bullet_kind>(it - std::begin(kind_long_names));
}

std::vector<std::size_t> minutes_edits::touched_items(minute_edit const& e,
                                                      meeting const& m) const {
    auto const& agenda = m.agenda();
    switch (e.op) {
    case edit_op::report_approve:
        return {};
    case edit_op::bullet_edit:
    case edit_op::bullet_remove:
    case edit_op::bullet_pin:
    case edit_op::bullet_approve:
    case edit_op::bullet_move:
    case edit_op::bullet_unpin:
    case edit_op::bullet_unapprove:
        if (auto const found =
                e.bullet ? find_machine_bullet(m, *e.bullet) : detail::machine_bullet{};
            found.item)
            return {static_cast<std::size_t>(found.item - agenda.data())};
        break;
    default:
        break;
    }
    std::vector<std::size_t> all(agenda.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    return all;
}

std::string minute_edit_json(minute_edit const& e) {
    boost::json::object o{
        {"op", op_name(e.op)}, {"revision", e.revision}, {"by", e.by}, {"at", e.at_ms}};
    if (e.bullet)
        o["bullet"] = e.bullet->str();
    auto const anchor = [](item_anchor const& a) {
        boost::json::object item{{"utterance", a.utterance}};
        if (a.known)
            item["known"] = *a.known;
        if (a.added != 0)
            item["added"] = a.added;
        return item;
    };
    if (e.item)
        o["item"] = anchor(*e.item);
    if (e.other) {
        o["other"] = anchor(*e.other);
        o["other_revision"] = e.other_revision;
    }
    if (e.utterance)
        o["utterance"] = *e.utterance;
    if (e.before)
        o["before"] = e.before->str();
    if (e.position)
        o["position"] = *e.position;
    if (e.op == edit_op::bullet_add)
        o["kind"] = kind_name(e.kind);
    for (auto const& [key, value] :
         {std::pair{"text", &e.text}, std::pair{"who", &e.who}, std::pair{"when", &e.when}})
        if (*value)
            o[key] = **value;
    put_transcript_fields(o, e);
    return boost::json::serialize(o);
}

std::optional<minute_edit> parse_minute_edit(std::string_view json) {
    boost::system::error_code ec;
    auto const v = boost::json::parse(json, ec);
    auto const* o = ec ? nullptr : v.if_object();
    if (!o)
        return std::nullopt;
    minute_edit e;
    auto const string = [&](char const* key) -> std::optional<std::string> {
        auto const* f = o->if_contains(key);
        if (!f || !f->is_string())
            return std::nullopt;
        return std::string(f->get_string());
    };
    auto const number = [&](boost::json::object const& in,
                            char const* key) -> std::optional<std::uint64_t> {
        auto const* f = in.if_contains(key);
        if (!f || !(f->is_uint64() || (f->is_int64() && f->get_int64() >= 0)))
            return std::nullopt;
        return f->is_uint64() ? f->get_uint64() : static_cast<std::uint64_t>(f->get_int64());
    };
    auto const op = op_named(string("op").value_or(""));
    auto const revision = number(*o, "revision");
    auto const at = number(*o, "at");
    if (!op || !revision || !at)
        return std::nullopt;
    e.op = *op;
    e.revision = *revision;
    e.at_ms = static_cast<std::int64_t>(*at);
    e.by = string("by").value_or("");
    if (auto const bullet = string("bullet")) {
        e.bullet = bullet_key::parse(*bullet);
        if (!e.bullet)
            return std::nullopt;
    }
    auto const anchor = [&](char const* key, std::optional<item_anchor>& out) {
        auto const* item = o->if_contains(key);
        if (!item)
            return true;
        auto const* i = item->if_object();
        auto const utterance = i ? number(*i, "utterance") : std::nullopt;
        if (!utterance)
            return false;
        out = item_anchor{std::nullopt, static_cast<std::size_t>(*utterance), 0};
        for (auto const& [field, known] : {std::pair{"known", true}, std::pair{"added", false}}) {
            if (!i->contains(field))
                continue;
            auto const value = number(*i, field);
            if (!value)
                return false;
            if (known)
                out->known = static_cast<std::size_t>(*value);
            else
                out->added = *value;
        }
        return true;
    };
    if (!anchor("item", e.item) || !anchor("other", e.other))
        return std::nullopt;
    e.other_revision = number(*o, "other_revision").value_or(0);
    if (auto const utterance = number(*o, "utterance"))
        e.utterance = static_cast<std::size_t>(*utterance);
    if (auto const position = number(*o, "position"))
        e.position = static_cast<std::size_t>(*position);
    if (auto const before = string("before")) {
        e.before = bullet_key::parse(*before);
        if (!e.before)
            return std::nullopt;
    }
    if (e.op == edit_op::bullet_add) {
        auto const kind = kind_named(string("kind").value_or(""));
        if (!kind)
            return std::nullopt;
        e.kind = *kind;
    }
    e.text = string("text");
    e.who = string("who");
    e.when = string("when");
    if (!read_transcript_fields(*o, e))
        return std::nullopt;
    return e;
}

} // namespace minuted::summariser
