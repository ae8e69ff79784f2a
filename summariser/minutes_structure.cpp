// The agenda as people shape it (summariser/minutes_edits.hpp): items added, split off, merged
// and removed, and lists put in a person's order, over the items the machine keeps opening.
//
// The agenda is laid out afresh each time from boundaries on the transcript: where each of the
// machine's items starts, and where each item a person added starts. A merged item's boundary
// joins the item before it, a removed item's span is published nowhere. A machine's bullet is
// shown in the item that holds the utterance it came from, so what the machine adds later
// follows the shape people gave the agenda.

#include "summariser/minutes_edits.hpp"
#include "summariser/minutes_edits_detail.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace minuted::summariser {

namespace {

using detail::find_machine_bullet;
using detail::for_each_machine_bullet;
using detail::refuse;

// Exactly the machine's item `a` was taken from: a merge or a removal must never pass to the
// item before it, as a rename's anchor may, should the machine take that item back.
bool same_item(item_anchor const& a, agenda_item const& item) {
    return a.added == 0 && a.known == item.known_index &&
           (a.known.has_value() || a.utterance == item.first_utterance);
}

// A bullet on its way into a published list, kept with its key so the list can be ordered.
template <class T>
struct entry {
    bullet_key key;
    T value;
    bullet_marks marks;
};

// The list in the order people gave it: bullets they placed by their place, then the others
// (what the machine added since) in the machine's order.
template <class T>
void put_in_order(std::vector<entry<T>>& list, std::map<bullet_key, std::uint64_t> const& rank,
                  std::vector<T>& values, std::vector<bullet_marks>& marks) {
    auto const place = [&](entry<T> const& e) {
        auto const it = rank.find(e.key);
        return it == rank.end() ? UINT64_MAX : it->second;
    };
    if (!rank.empty())
        std::stable_sort(list.begin(), list.end(),
                         [&](auto const& a, auto const& b) { return place(a) < place(b); });
    for (auto& e : list) {
        values.push_back(std::move(e.value));
        marks.push_back(std::move(e.marks));
    }
}

} // namespace

minutes_edits::layout minutes_edits::lay_out(meeting const& m) const {
    layout l;
    auto const& agenda = m.agenda();
    l.boundaries.reserve(agenda.size() + added_.size());
    for (std::size_t j = 0; j < agenda.size(); ++j)
        l.boundaries.push_back({agenda[j].first_utterance, j, 0, 0});
    for (auto const& a : added_)
        l.boundaries.push_back({a.start, std::nullopt, a.id, 0});
    // On a tie the machine's item comes first, so a person's item starting there holds what
    // is said from there on.
    std::stable_sort(l.boundaries.begin(), l.boundaries.end(),
                     [](boundary const& a, boundary const& b) {
                         return a.start != b.start ? a.start < b.start
                                                   : a.machine.has_value() > b.machine.has_value();
                     });
    l.machine_bounds.assign(agenda.size(), 0);
    for (std::size_t k = 0; k < l.boundaries.size(); ++k) {
        auto& b = l.boundaries[k];
        if (b.machine)
            l.machine_bounds[*b.machine] = k;
        auto const named = [&](item_anchor const& a) {
            return b.machine ? same_item(a, agenda[*b.machine]) : a.added == b.added;
        };
        bool joins = false;
        if (b.machine)
            joins = std::any_of(merged_.begin(), merged_.end(), named);
        else
            joins =
                std::lower_bound(added_.begin(), added_.end(), b.added,
                                 [](added_item const& a, std::uint64_t id) { return a.id < id; })
                    ->merged;
        if (!joins || l.segments.empty())
            l.segments.push_back(
                {k, b.start, std::any_of(removed_.begin(), removed_.end(), named), 0});
        b.segment = l.segments.size() - 1;
    }
    for (auto& s : l.segments)
        if (!s.removed)
            s.n = ++l.count;
    return l;
}

std::optional<std::size_t> minutes_edits::boundary_of(layout const& l, meeting const& m,
                                                      item_anchor const& a) const {
    if (a.added != 0) {
        for (std::size_t k = 0; k < l.boundaries.size(); ++k)
            if (l.boundaries[k].added == a.added)
                return k;
        return std::nullopt;
    }
    auto const& agenda = m.agenda();
    for (std::size_t j = 0; j < agenda.size(); ++j)
        if (same_item(a, agenda[j]))
            return l.machine_bounds[j];
    auto const* item = find_item(m, a);
    if (!item)
        return std::nullopt;
    return l.machine_bounds[static_cast<std::size_t>(item - agenda.data())];
}

std::size_t minutes_edits::owner(layout const& l, std::size_t machine, std::size_t utterance) {
    auto best = l.machine_bounds[machine];
    // The people's items that start inside the machine's item, up to its next one.
    for (auto k = best + 1; k < l.boundaries.size() && !l.boundaries[k].machine; ++k) {
        if (l.boundaries[k].start > utterance)
            break;
        best = k;
    }
    return l.boundaries[best].segment;
}

item_anchor minutes_edits::head_anchor(layout const& l, meeting const& m, span const& s) const {
    auto const& b = l.boundaries[s.head];
    if (b.machine)
        return anchor_of(m.agenda()[*b.machine]);
    return {std::nullopt, b.start, b.added};
}

minutes_edits::item_state const* minutes_edits::state_of(layout const& l, meeting const& m,
                                                         std::size_t segment) const {
    item_state const* found = nullptr;
    for (auto const& s : items_)
        if (boundary_of(l, m, s.anchor) == l.segments[segment].head)
            found = &s;
    return found;
}

minutes_edits::item_state* minutes_edits::state_of(layout const& l, meeting const& m,
                                                   std::size_t segment) {
    return const_cast<item_state*>(std::as_const(*this).state_of(l, m, segment));
}

// Builds one published item's lists: the machine's bullets it shows, as people left them,
// then people's own and those they kept, in the order people gave each list.
struct minutes_edits::publisher {
    minutes_edits const& edits;
    meeting const& m;
    layout const& l;
    std::size_t segment;
    std::vector<entry<key_point>> points;
    std::vector<entry<action_item>> decisions, steps;
    std::set<bullet_key> shown;

    static bullet_marks mark(bullet_key const& key, bullet_state const* s) {
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
    }
    void put_point(bullet_key const& key, key_point k, bullet_state const* s) {
        if (s && s->text)
            k.text = *s->text;
        points.push_back({key, std::move(k), mark(key, s)});
    }
    void put_action(bullet_key const& key, action_item a, bullet_state const* s) {
        if (s) {
            a.text = s->text.value_or(a.text);
            a.who = s->who.value_or(a.who);
            a.when = s->when.value_or(a.when);
        }
        (key.kind == bullet_kind::decision ? decisions : steps)
            .push_back({key, std::move(a), mark(key, s)});
    }
    void put_machine(bullet_key const& key, key_point const* k, action_item const* a) {
        auto const it = edits.bullets_.find(key);
        auto const* s = it == edits.bullets_.end() ? nullptr : &it->second;
        if (s && s->removed)
            return;
        shown.insert(key);
        // Once a person has touched it, it stays as they saw it, with their changes.
        if (k)
            put_point(key, s && s->kept_point ? *s->kept_point : *k, s);
        else
            put_action(key, s && s->kept_action ? *s->kept_action : *a, s);
    }

    // The machine's items whose bullets can show here: those whose start is part of this
    // item, and the one a person's item at its head was cut from.
    void from_machine() {
        auto const& seg = l.segments[segment];
        auto const next_head =
            segment + 1 < l.segments.size() ? l.segments[segment + 1].head : l.boundaries.size();
        std::vector<std::size_t> sources;
        for (auto k = seg.head; k-- > 0;)
            if (l.boundaries[k].machine) {
                if (!l.boundaries[seg.head].machine)
                    sources.push_back(*l.boundaries[k].machine);
                break;
            }
        for (auto k = seg.head; k < next_head; ++k)
            if (l.boundaries[k].machine)
                sources.push_back(*l.boundaries[k].machine);
        for (auto const j : sources)
            for_each_machine_bullet(m.agenda()[j], [&](bullet_key const& key, key_point const* k,
                                                       action_item const* a) {
                if (owner(l, j, key.utterance) == segment)
                    put_machine(key, k, a);
            });
    }

    // What people added here, and what they kept that the machine no longer lists anywhere.
    void from_people(sentence_ref const& here) {
        for (auto const& [key, s] : edits.bullets_) {
            if (s.removed || shown.contains(key))
                continue;
            if (key.added == 0 && !s.kept_point && !s.kept_action)
                continue; // the machine's again: shown where it lists it, if it does
            auto const b = edits.boundary_of(l, m, s.item);
            if (!b)
                continue;
            auto const& at = l.boundaries[*b];
            auto const where =
                key.added == 0 && at.machine ? owner(l, *at.machine, key.utterance) : at.segment;
            if (where != segment)
                continue;
            if (key.added == 0 && find_machine_bullet(m, key).item)
                continue; // the machine moved it to another item: shown there
            if (key.kind == bullet_kind::key_point)
                put_point(key, s.kept_point.value_or(key_point{{}, here}), &s);
            else
                put_action(key, s.kept_action.value_or(action_item{{}, {}, {}, here, false}), &s);
        }
    }

    void finish(published_item& p) {
        put_in_order(points, edits.rank_, p.item.key_points, p.key_points);
        put_in_order(decisions, edits.rank_, p.item.decisions, p.decisions);
        put_in_order(steps, edits.rank_, p.item.next_steps, p.next_steps);
    }
};

published_item minutes_edits::publish_segment(meeting const& m, layout const& l,
                                              std::size_t segment) const {
    auto const& seg = l.segments[segment];
    auto const& head = l.boundaries[seg.head];
    auto const& said = m.utterances();
    published_item p;
    p.anchor = head_anchor(l, m, seg);
    p.machine = head.machine;
    p.added = !head.machine;
    if (head.machine) {
        p.item = m.agenda()[*head.machine];
        p.item.key_points.clear();
        p.item.decisions.clear();
        p.item.next_steps.clear();
    } else {
        p.item.first_utterance = head.start;
        if (head.start < said.size()) {
            p.item.start_line = said[head.start].line;
            p.item.started = said[head.start].at;
        } else {
            // Nothing said there yet: it starts with what is said next.
            p.item.start_line = said.empty() ? 0 : said.back().last_line + 1;
            auto const made = std::find_if(added_.begin(), added_.end(),
                                           [&](added_item const& a) { return a.id == head.added; });
            p.item.started = time_point{std::chrono::milliseconds{made->at_ms}};
        }
    }
    p.item.n = seg.n;
    publisher lists{*this, m, l, segment, {}, {}, {}, {}};
    lists.from_machine();
    lists.from_people({p.item.first_utterance, p.item.start_line, std::nullopt});
    lists.finish(p);
    if (auto const* s = state_of(l, m, segment)) {
        if (s->title)
            p.item.title = *s->title;
        p.renamed = s->title.has_value() && head.machine;
        p.approved = s->approved;
        p.revision = s->revision;
    }
    return p;
}

published_minutes minutes_edits::publish(meeting const& m,
                                         std::vector<std::size_t> const* machine) const {
    auto const l = lay_out(m);
    published_minutes out;
    out.count = l.count;
    std::vector<bool> wanted(l.segments.size(), machine == nullptr);
    if (machine)
        for (auto const j : *machine) {
            if (j >= m.agenda().size())
                continue; // taken back by the machine
            // Its own item, and the people's items cut from it.
            auto k = l.machine_bounds[j];
            wanted[l.boundaries[k].segment] = true;
            while (++k < l.boundaries.size() && !l.boundaries[k].machine)
                wanted[l.boundaries[k].segment] = true;
        }
    for (std::size_t s = 0; s < l.segments.size(); ++s)
        if (wanted[s] && !l.segments[s].removed)
            out.items.push_back(publish_segment(m, l, s));
    return out;
}

published_item minutes_edits::publish(meeting const& m, agenda_item const& machine) const {
    auto const& agenda = m.agenda();
    if (std::less<>{}(&machine, agenda.data()) ||
        !std::less<>{}(&machine, agenda.data() + agenda.size())) {
        // Not one of m's items (a copy): no edit names it, so it is published as it is.
        published_item p;
        p.item = machine;
        p.anchor = anchor_of(machine);
        detail::for_each_machine_bullet(
            machine, [&](bullet_key const& k, key_point const*, action_item const*) {
                auto& marks = k.kind == bullet_kind::key_point  ? p.key_points
                              : k.kind == bullet_kind::decision ? p.decisions
                                                                : p.next_steps;
                bullet_marks b;
                b.key = k.str();
                marks.push_back(std::move(b));
            });
        return p;
    }
    auto const l = lay_out(m);
    auto const j = static_cast<std::size_t>(&machine - agenda.data());
    return publish_segment(m, l, l.boundaries[l.machine_bounds.at(j)].segment);
}

std::optional<item_anchor> minutes_edits::published_anchor(meeting const& m, std::size_t n) const {
    auto const l = lay_out(m);
    for (auto const& s : l.segments)
        if (s.n == n && n != 0)
            return head_anchor(l, m, s);
    return std::nullopt;
}

edit_result minutes_edits::place_new_item(minute_edit const& e, meeting const& m, layout const& l,
                                          std::optional<std::size_t> target,
                                          std::size_t& start) const {
    auto const said = m.utterances().size();
    auto const number = [&](std::size_t s) { return "item " + std::to_string(l.segments[s].n); };
    if (e.op == edit_op::item_split) {
        if (!e.utterance)
            return refuse(edit_refusal::invalid, "split at which utterance?");
        start = *e.utterance;
        auto const first = l.segments[*target].first;
        auto const end = *target + 1 < l.segments.size() ? l.segments[*target + 1].first : said;
        if (start <= first || start >= end)
            return refuse(edit_refusal::invalid, "utterance " + std::to_string(start) +
                                                     " is not inside " + number(*target) +
                                                     " after its first (utterances " +
                                                     std::to_string(first) + " to " +
                                                     std::to_string(end) + ", the last excluded)");
        return {};
    }
    if (e.utterance) {
        if (*e.utterance > said)
            return refuse(edit_refusal::invalid, "no utterance " + std::to_string(*e.utterance) +
                                                     ": the meeting has " + std::to_string(said));
        start = *e.utterance;
    } else if (target) {
        if (l.segments[*target].n != l.count)
            return refuse(edit_refusal::invalid, number(*target) +
                                                     " is not the last item: say at which "
                                                     "utterance the new one starts");
        start = said; // what is said from now on
    } else {
        return refuse(edit_refusal::invalid,
                      "say where the new item starts: an utterance, or after the last item");
    }
    for (auto const& s : l.segments)
        if (!s.removed && s.first == start)
            return refuse(edit_refusal::invalid, "item " + std::to_string(s.n) +
                                                     " starts at utterance " +
                                                     std::to_string(start) + " already");
    return {};
}

edit_result minutes_edits::merge_partner(minute_edit const& e, meeting const& m, layout const& l,
                                         std::size_t target, std::size_t& other) const {
    auto const number = [&](std::size_t s) { return "item " + std::to_string(l.segments[s].n); };
    std::optional<std::size_t> found;
    if (e.other) {
        auto const b = boundary_of(l, m, *e.other);
        if (!b || l.segments[l.boundaries[*b].segment].removed)
            return refuse(edit_refusal::no_such_target, "no such agenda item to merge");
        found = l.boundaries[*b].segment;
    } else if (target + 1 < l.segments.size()) {
        found = target + 1;
    }
    if (!found || l.segments[*found].removed || *found != target + 1)
        return refuse(edit_refusal::invalid,
                      "only an item and the item right after it merge: " +
                          (found ? number(*found) + " is not right after " + number(target)
                                 : number(target) + " is the last"));
    auto const* second = state_of(l, m, *found);
    if (auto const rev = second ? second->revision : 0; e.other_revision != rev)
        return refuse(
            edit_refusal::stale,
            number(*found) + " changed since revision " + std::to_string(e.other_revision), rev);
    other = *found;
    return {};
}

edit_result minutes_edits::apply_structure(minute_edit const& e, meeting const& m) {
    auto const l = lay_out(m);
    std::optional<std::size_t> target; // the item the edit names
    if (e.item) {
        auto const b = boundary_of(l, m, *e.item);
        if (!b || l.segments[l.boundaries[*b].segment].removed)
            return refuse(edit_refusal::no_such_target, "no such agenda item");
        target = l.boundaries[*b].segment;
    }
    if (e.op != edit_op::item_add && !target)
        return refuse(edit_refusal::no_such_target, "which agenda item?");
    auto* state = target ? state_of(l, m, *target) : nullptr;
    std::uint64_t const now = state ? state->revision : 0;
    if (target && e.op != edit_op::item_add && e.revision != now)
        return refuse(edit_refusal::stale,
                      "item " + std::to_string(l.segments[*target].n) + " changed since revision " +
                          std::to_string(e.revision),
                      now);
    bool const makes_item = e.op == edit_op::item_add || e.op == edit_op::item_split;
    if (makes_item && (!e.text || e.text->empty()))
        return refuse(edit_refusal::invalid, "a new item needs its title");
    std::size_t start = 0, other = 0;
    if (auto r = makes_item                    ? place_new_item(e, m, l, target, start)
                 : e.op == edit_op::item_merge ? merge_partner(e, m, l, *target, other)
                                               : edit_result{};
        r.refused)
        return r;

    // It fits: make it.
    if (makes_item) {
        auto const id = count_ + 1;
        added_.push_back({id, start, false, e.at_ms});
        items_.push_back({{std::nullopt, start, id}, e.text, false, 1, e.by});
        if (e.op == edit_op::item_add)
            return {std::nullopt, {}, 1, {}};
    } else if (e.op == edit_op::item_remove) {
        removed_.push_back(head_anchor(l, m, l.segments[*target]));
    } else {
        auto const& joined = l.boundaries[l.segments[other].head];
        if (joined.machine)
            merged_.push_back(anchor_of(m.agenda()[*joined.machine]));
        else
            std::find_if(added_.begin(), added_.end(), [&](added_item const& a) {
                return a.id == joined.added;
            })->merged = true;
    }
    if (!state)
        state = &items_.emplace_back(
            item_state{head_anchor(l, m, l.segments[*target]), {}, false, 0, {}});
    if (e.op == edit_op::item_merge && e.text && !e.text->empty())
        state->title = e.text;
    state->by = e.by;
    return {std::nullopt, {}, ++state->revision, {}};
}

edit_result minutes_edits::arrange(minute_edit const& e, meeting const& m) {
    auto const l = lay_out(m);
    std::vector<bullet_key> list;
    auto const find = [&](std::vector<bullet_marks> const& marks) {
        for (auto const& b : marks)
            if (b.key == e.bullet->str()) {
                for (auto const& c : marks)
                    list.push_back(*bullet_key::parse(c.key));
                return true;
            }
        return false;
    };
    for (std::size_t s = 0; s < l.segments.size() && list.empty(); ++s) {
        if (l.segments[s].removed)
            continue;
        auto const p = publish_segment(m, l, s);
        find(p.key_points) || find(p.decisions) || find(p.next_steps);
    }
    if (list.empty())
        return refuse(edit_refusal::no_such_target, "no such bullet in the minutes");
    list.erase(std::find(list.begin(), list.end(), *e.bullet));
    std::size_t place = 0;
    if (e.before) {
        auto const it = std::find(list.begin(), list.end(), *e.before);
        if (it == list.end())
            return refuse(edit_refusal::invalid,
                          e.before->str() + " is not another bullet of the same list");
        place = static_cast<std::size_t>(it - list.begin());
    } else if (e.position) {
        if (*e.position > list.size())
            return refuse(edit_refusal::invalid, "position " + std::to_string(*e.position) +
                                                     " is past the end of its list of " +
                                                     std::to_string(list.size() + 1));
        place = *e.position;
    } else {
        return refuse(edit_refusal::invalid, "move it where? give a position or a bullet "
                                             "to go before");
    }
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(place), *e.bullet);
    for (auto const& key : list)
        rank_[key] = ++ranks_;
    return {};
}

} // namespace minuted::summariser
