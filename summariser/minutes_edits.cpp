#include "summariser/minutes_edits.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>

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

edit_result refuse(edit_refusal why, std::string text, std::uint64_t revision = 0) {
    return {why, std::move(text), revision, {}};
}

// The machine's list of `kind` in `item`, as the key points' and actions' shared fields.
template <class F>
void for_each_machine_bullet(agenda_item const& item, F&& f) {
    for (auto const& k : item.key_points)
        f(bullet_key{bullet_kind::key_point, k.from.utterance, k.from.line, 0}, &k, nullptr);
    for (auto const& d : item.decisions)
        f(bullet_key{bullet_kind::decision, d.from.utterance, d.from.line, 0}, nullptr, &d);
    for (auto const& n : item.next_steps)
        f(bullet_key{bullet_kind::next_step, n.from.utterance, n.from.line, 0}, nullptr, &n);
}

// Where the machine lists the bullet `key` now: its item, and the bullet.
struct machine_bullet {
    agenda_item const* item = nullptr;
    key_point const* point = nullptr;
    action_item const* action = nullptr;
};

machine_bullet find_machine_bullet(meeting const& m, bullet_key const& key) {
    machine_bullet found;
    if (key.added != 0)
        return found;
    for (auto const& item : m.agenda())
        for_each_machine_bullet(item,
                                [&](bullet_key const& k, key_point const* p, action_item const* a) {
                                    if (!found.item && k == key)
                                        found = {&item, p, a};
                                });
    return found;
}

bool fits(std::optional<std::string> const& text) {
    return !text || text->size() <= max_edit_text_bytes;
}

} // namespace

std::string bullet_key::str() const {
    if (added != 0)
        return "add:" + std::to_string(added);
    return std::string(name_of(kind)) + ":" + std::to_string(utterance) + ":" +
           std::to_string(line);
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
        !read_number(text.substr(first + 1, second - first - 1), k.utterance) ||
        !read_number(text.substr(second + 1), k.line))
        return std::nullopt;
    k.kind = static_cast<bullet_kind>(it - std::begin(kind_names));
    return k;
}

item_anchor anchor_of(agenda_item const& item) {
    return {item.known_index, item.first_utterance};
}

agenda_item const* find_item(meeting const& m, item_anchor const& a) {
    auto const& agenda = m.agenda();
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

bool minutes_edits::belongs(item_anchor const& a, meeting const& m, agenda_item const& item) const {
    return find_item(m, a) == &item;
}

template <class V>
void minutes_edits::anchor_index<V>::add(item_anchor const& a, V v) {
    if (a.known)
        known.emplace(*a.known, std::move(v));
    else
        utterance.emplace(a.utterance, std::move(v));
}

template <class V>
std::vector<V> minutes_edits::anchor_index<V>::of(meeting const& m,
                                                  agenda_item const& machine) const {
    std::vector<V> out;
    auto const& agenda = m.agenda();
    // A known anchor names the first item that is its agenda entry (find_item).
    if (machine.known_index) {
        auto const first = std::find_if(agenda.begin(), agenda.end(), [&](agenda_item const& i) {
            return i.known_index == machine.known_index;
        });
        if (first != agenda.end() && &*first == &machine) {
            auto const [from, to] = known.equal_range(*machine.known_index);
            for (auto it = from; it != to; ++it)
                out.push_back(it->second);
        }
    }
    // An item that is not one of m's (a copy) is named by no anchor: find_item never returns it.
    if (std::less<>{}(&machine, agenda.data()) ||
        !std::less<>{}(&machine, agenda.data() + agenda.size()))
        return out;
    // An utterance anchor names the last item starting at or before it: `machine` for the
    // utterances from its start up to the first later-listed item's start after it, and for
    // none if a later-listed item starts at or before it.
    auto const here = static_cast<std::size_t>(&machine - agenda.data());
    std::size_t end = SIZE_MAX;
    for (std::size_t i = here + 1; i < agenda.size(); ++i) {
        if (agenda[i].first_utterance <= machine.first_utterance)
            return out;
        end = std::min(end, agenda[i].first_utterance);
    }
    for (auto it = utterance.lower_bound(machine.first_utterance);
         it != utterance.end() && it->first < end; ++it)
        out.push_back(it->second);
    return out;
}

edit_result minutes_edits::apply(minute_edit const& e, meeting const& m) {
    if (!fits(e.text) || !fits(e.who) || !fits(e.when))
        return refuse(edit_refusal::invalid, "text, owner and deadline are at most " +
                                                 std::to_string(max_edit_text_bytes) + " bytes");
    edit_result r;
    switch (e.op) {
    case edit_op::item_rename:
    case edit_op::item_approve:
        r = apply_to_item(e, m);
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
    auto const* item = e.item ? find_item(m, *e.item) : nullptr;
    if (!item)
        return refuse(edit_refusal::no_such_target, "no such agenda item");
    if (e.op == edit_op::item_rename && (!e.text || e.text->empty()))
        return refuse(edit_refusal::invalid, "a new title is needed");
    auto it = std::find_if(items_.begin(), items_.end(),
                           [&](item_state const& s) { return belongs(s.anchor, m, *item); });
    std::uint64_t const now = it == items_.end() ? 0 : it->revision;
    if (e.revision != now)
        return refuse(edit_refusal::stale,
                      "the item changed since revision " + std::to_string(e.revision), now);
    if (it == items_.end()) {
        items_by_item_.add(anchor_of(*item), items_.size());
        it = items_.insert(items_.end(), item_state{anchor_of(*item), {}, false, 0, {}});
    }
    if (e.op == edit_op::item_rename)
        it->title = e.text;
    else
        it->approved = true;
    it->by = e.by;
    return {std::nullopt, {}, ++it->revision, {}};
}

edit_result minutes_edits::apply_to_bullet(minute_edit const& e, meeting const& m) {
    if (e.op == edit_op::bullet_add) {
        auto const* item = e.item ? find_item(m, *e.item) : nullptr;
        if (!item)
            return refuse(edit_refusal::no_such_target, "no such agenda item");
        if (!e.text || e.text->empty())
            return refuse(edit_refusal::invalid, "a new bullet needs its text");
        if (e.kind == bullet_kind::key_point && (e.who || e.when))
            return refuse(edit_refusal::invalid, "a key point has no owner or deadline");
        bullet_state s;
        s.key = bullet_key{e.kind, 0, 0, count_ + 1};
        s.item = anchor_of(*item);
        s.text = e.text;
        s.who = e.who;
        s.when = e.when;
        s.revision = 1;
        s.by = e.by;
        auto const key = s.key;
        bullets_by_item_.add(s.item, key);
        bullets_.emplace(key, std::move(s));
        return {std::nullopt, {}, 1, key.str()};
    }
    if (!e.bullet)
        return refuse(edit_refusal::invalid, "which bullet?");
    auto it = bullets_.find(*e.bullet);
    auto const machine = find_machine_bullet(m, *e.bullet);
    if ((it == bullets_.end() && !machine.item) || (it != bullets_.end() && it->second.removed))
        return refuse(edit_refusal::no_such_target, "no such bullet: " + e.bullet->str());
    std::uint64_t const now = it == bullets_.end() ? 0 : it->second.revision;
    if (e.revision != now)
        return refuse(edit_refusal::stale,
                      "the bullet changed since revision " + std::to_string(e.revision), now);
    if (e.op == edit_op::bullet_edit) {
        if ((!e.text && !e.who && !e.when) || (e.text && e.text->empty()))
            return refuse(edit_refusal::invalid, "an edit needs a text, an owner or a deadline");
        if (e.bullet->kind == bullet_kind::key_point && (e.who || e.when))
            return refuse(edit_refusal::invalid, "a key point has no owner or deadline");
    }
    if (it == bullets_.end()) {
        // The machine's bullet as it stands, kept: it stays shown if the machine drops it.
        bullet_state s;
        s.key = *e.bullet;
        s.item = anchor_of(*machine.item);
        if (machine.point)
            s.kept_point = *machine.point;
        if (machine.action)
            s.kept_action = *machine.action;
        bullets_by_item_.add(s.item, s.key);
        it = bullets_.emplace(s.key, std::move(s)).first;
    }
    auto& s = it->second;
    switch (e.op) {
    case edit_op::bullet_edit:
        if (e.text)
            s.text = e.text;
        if (e.who)
            s.who = e.who;
        if (e.when)
            s.when = e.when;
        break;
    case edit_op::bullet_remove:
        s.removed = true;
        break;
    case edit_op::bullet_pin:
        s.pinned = true;
        break;
    default:
        s.approved = true;
    }
    s.by = e.by;
    return {std::nullopt, {}, ++s.revision, {}};
}

published_item minutes_edits::publish(meeting const& m, agenda_item const& machine) const {
    published_item p;
    p.item = machine;
    p.item.key_points.clear();
    p.item.decisions.clear();
    p.item.next_steps.clear();
    auto const mark = [](bullet_key const& key, bullet_state const* s) {
        bullet_marks b;
        b.key = key.str();
        if (!s)
            return b;
        b.revision = s->revision;
        b.edited = s->text || s->who || s->when;
        b.added = key.added != 0;
        b.pinned = s->pinned;
        b.approved = s->approved;
        b.by = s->by;
        return b;
    };
    auto const put_point = [&](bullet_key const& key, key_point k, bullet_state const* s) {
        if (s && s->text)
            k.text = *s->text;
        p.item.key_points.push_back(std::move(k));
        p.key_points.push_back(mark(key, s));
    };
    auto const put_action = [&](bullet_key const& key, action_item a, bullet_state const* s) {
        if (s) {
            a.text = s->text.value_or(a.text);
            a.who = s->who.value_or(a.who);
            a.when = s->when.value_or(a.when);
        }
        auto& list = key.kind == bullet_kind::decision ? p.item.decisions : p.item.next_steps;
        auto& marks = key.kind == bullet_kind::decision ? p.decisions : p.next_steps;
        list.push_back(std::move(a));
        marks.push_back(mark(key, s));
    };
    std::set<bullet_key> shown;
    auto const put_machine = [&](bullet_key const& key, key_point const* k, action_item const* a) {
        auto const it = bullets_.find(key);
        auto const* s = it == bullets_.end() ? nullptr : &it->second;
        if (s && s->removed)
            return;
        shown.insert(key);
        // Once a person has touched it, it stays as they saw it, with their changes.
        if (k)
            put_point(key, s && s->kept_point ? *s->kept_point : *k, s);
        else
            put_action(key, s && s->kept_action ? *s->kept_action : *a, s);
    };
    for_each_machine_bullet(machine, put_machine);
    // What people added here, and what they kept that the machine no longer lists anywhere.
    sentence_ref const here{machine.first_utterance, machine.start_line, std::nullopt};
    // In key order, as the published list has always been.
    auto anchored = bullets_by_item_.of(m, machine);
    std::sort(anchored.begin(), anchored.end());
    for (auto const& key : anchored) {
        auto const& s = bullets_.at(key);
        if (s.removed || shown.contains(key))
            continue;
        // Only bullets people touched that the machine no longer lists here look further.
        if (key.added == 0 && find_machine_bullet(m, key).item)
            continue; // the machine moved it to another item: shown there
        if (key.kind == bullet_kind::key_point)
            put_point(key, s.kept_point.value_or(key_point{{}, here}), &s);
        else
            put_action(key, s.kept_action.value_or(action_item{{}, {}, {}, here, false}), &s);
    }
    // In the order they were made: the last one's marks stand.
    auto named = items_by_item_.of(m, machine);
    std::sort(named.begin(), named.end());
    for (auto const i : named) {
        auto const& s = items_[i];
        if (s.title)
            p.item.title = *s.title;
        p.renamed = s.title.has_value();
        p.approved = s.approved;
        p.revision = s.revision;
    }
    return p;
}

std::vector<std::size_t> minutes_edits::touched_items(minute_edit const& e,
                                                      meeting const& m) const {
    auto const& agenda = m.agenda();
    auto const index_of = [&](agenda_item const* item) {
        return item ? std::vector<std::size_t>{static_cast<std::size_t>(item - agenda.data())}
                    : std::vector<std::size_t>{};
    };
    switch (e.op) {
    case edit_op::report_approve:
        return {};
    case edit_op::item_rename:
    case edit_op::item_approve:
    case edit_op::bullet_add:
        return index_of(e.item ? find_item(m, *e.item) : nullptr);
    default:
        break;
    }
    if (!e.bullet)
        return {};
    // Where publish shows it: in the item the machine lists it in, else in its anchor's.
    if (auto const machine = find_machine_bullet(m, *e.bullet); machine.item)
        return index_of(machine.item);
    auto const it = bullets_.find(*e.bullet);
    return index_of(it == bullets_.end() ? nullptr : find_item(m, it->second.item));
}

} // namespace minuted::summariser

namespace minuted::summariser {

namespace {

constexpr std::pair<edit_op, std::string_view> op_names[] = {
    {edit_op::bullet_edit, "bullet.edit"},       {edit_op::bullet_add, "bullet.add"},
    {edit_op::bullet_remove, "bullet.remove"},   {edit_op::bullet_pin, "bullet.pin"},
    {edit_op::bullet_approve, "bullet.approve"}, {edit_op::item_rename, "item.rename"},
    {edit_op::item_approve, "item.approve"},     {edit_op::report_approve, "report.approve"},
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

std::string minute_edit_json(minute_edit const& e) {
    boost::json::object o{
        {"op", op_name(e.op)}, {"revision", e.revision}, {"by", e.by}, {"at", e.at_ms}};
    if (e.bullet)
        o["bullet"] = e.bullet->str();
    if (e.item) {
        boost::json::object item{{"utterance", e.item->utterance}};
        if (e.item->known)
            item["known"] = *e.item->known;
        o["item"] = std::move(item);
    }
    if (e.op == edit_op::bullet_add)
        o["kind"] = kind_name(e.kind);
    for (auto const& [key, value] :
         {std::pair{"text", &e.text}, std::pair{"who", &e.who}, std::pair{"when", &e.when}})
        if (*value)
            o[key] = **value;
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
    if (auto const* item = o->if_contains("item")) {
        auto const* i = item->if_object();
        auto const utterance = i ? number(*i, "utterance") : std::nullopt;
        if (!utterance)
            return std::nullopt;
        e.item = item_anchor{std::nullopt, static_cast<std::size_t>(*utterance)};
        if (i->contains("known")) {
            auto const known = number(*i, "known");
            if (!known)
                return std::nullopt;
            e.item->known = static_cast<std::size_t>(*known);
        }
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
    return e;
}

} // namespace minuted::summariser
