#pragma once
// What summariser/minutes_edits.cpp and minutes_structure.cpp share; not for other users.

#include "summariser/meeting.hpp"
#include "summariser/minutes_edits.hpp"

#include <string>
#include <utility>

namespace minuted::summariser::detail {

inline edit_result refuse(edit_refusal why, std::string text, std::uint64_t revision = 0) {
    return {why, std::move(text), revision, {}};
}

/// Calls `f(key, point, action)` for each bullet the machine lists in `item`: key points,
/// then decisions, then next steps, each in the machine's order.
template <class F>
void for_each_machine_bullet(agenda_item const& item, F&& f) {
    for (auto const& k : item.key_points)
        f(key_of(bullet_kind::key_point, k.from), &k, nullptr);
    for (auto const& d : item.decisions)
        f(key_of(bullet_kind::decision, d.from), nullptr, &d);
    for (auto const& n : item.next_steps)
        f(key_of(bullet_kind::next_step, n.from), nullptr, &n);
}

/// Where the machine lists a bullet now: its item, and the bullet.
struct machine_bullet {
    agenda_item const* item = nullptr;
    key_point const* point = nullptr;
    action_item const* action = nullptr;
};

/// Where the machine lists `key` now, if anywhere: O(the meeting's bullets).
inline machine_bullet find_machine_bullet(meeting const& m, bullet_key const& key) {
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

} // namespace minuted::summariser::detail
