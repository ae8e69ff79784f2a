// What people's edits do to the minutes while the machine keeps writing them: the rules of
// summariser/minutes_edits.hpp, on a real meeting fed in two halves.

#include "summariser/minutes_edits.hpp"
#include "summariser/minutes_edits_detail.hpp"
#include "tests/summariser/meeting_so_far.hpp"

#include <gtest/gtest.h>

#include <set>

namespace minuted::summariser {
namespace {

using testing::edit;
using testing::meeting_so_far;

// The first item with a bullet of `kind` (with at least `at_least` key points), and that
// bullet's key. The item is valid until the meeting is fed more.
std::pair<agenda_item const*, bullet_key> first_bullet(meeting const& m, bullet_kind kind,
                                                       std::size_t at_least = 1) {
    for (auto const& item : m.agenda()) {
        if (kind == bullet_kind::key_point && item.key_points.size() >= at_least)
            return {&item, key_of(kind, item.key_points[0].from)};
        auto const& list = kind == bullet_kind::decision ? item.decisions : item.next_steps;
        if (kind != bullet_kind::key_point && !list.empty())
            return {&item, key_of(kind, list[0].from)};
    }
    return {nullptr, {}};
}

std::vector<std::string> keys(std::vector<bullet_marks> const& marks) {
    std::vector<std::string> out;
    for (auto const& b : marks)
        out.push_back(b.key);
    return out;
}

TEST(bullet_key, reads_back_what_it_writes_and_nothing_else) {
    for (auto const& k : {bullet_key{bullet_kind::key_point, 12, 340, 0},
                          bullet_key{bullet_kind::decision, 0, 1, 0},
                          bullet_key{bullet_kind::next_step, 99, 4000000000u, 0},
                          bullet_key{bullet_kind::key_point, 0, 0, 7},
                          bullet_key{bullet_kind::decision, 34, 63, 0, 1},
                          bullet_key{bullet_kind::next_step, 172, 433, 0, 2, 1},
                          bullet_key{bullet_kind::next_step, 172, 433, 0, 0, 3}})
        EXPECT_EQ(bullet_key::parse(k.str()), k) << k.str();
    EXPECT_EQ(bullet_key{}.str(), "kp:0:0");
    EXPECT_EQ((bullet_key{bullet_kind::key_point, 34, 63, 0, 2}.str()), "kp:34:63.2");
    for (auto const* bad : {"", "kp", "kp:1", "kp:1:", "kp::2", "xx:1:2", "kp:1:2:3", "add:0",
                            "add:", "add:x", "kp:-1:2", "kp:1:99999999999", "kp:1:2.0", "kp:1:2.",
                            "kp:1:.1", "kp:1:2.x", "ns:1:2/0", "ns:1:2/", "ns:1:2/1.1"})
        EXPECT_FALSE(bullet_key::parse(bad)) << bad;
}

// Two sentences starting on one line are two bullets with two keys: an edit of one is not an
// edit of the other.
TEST(minutes_edits, every_machine_bullet_has_a_key_of_its_own) {
    meeting_so_far s;
    s.feed_until(1.0);
    std::set<std::string> keys;
    std::size_t bullets = 0, second_parts = 0;
    for (auto const& item : s.m().agenda())
        detail::for_each_machine_bullet(
            item, [&](bullet_key const& k, key_point const*, action_item const*) {
                ++bullets;
                second_parts += k.part > 0 ? 1u : 0u;
                EXPECT_TRUE(keys.insert(k.str()).second) << k.str() << " in " << item.title;
            });
    EXPECT_EQ(keys.size(), bullets);
    EXPECT_GT(second_parts, 0u) << "no line of this meeting starts two bullets' sentences";
}

TEST(minutes_edits, an_edited_bullet_keeps_its_text_as_the_machine_goes_on) {
    meeting_so_far s;
    s.feed_until(0.5);
    auto const [item, key] = first_bullet(s.m(), bullet_kind::key_point);
    ASSERT_TRUE(item);
    minutes_edits edits;
    auto e = edit(edit_op::bullet_edit);
    e.bullet = key;
    e.text = "DE noted the charter needs a second reading.";
    auto const r = edits.apply(e, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);

    s.feed_until(1.0);
    // Wherever the machine lists it now (or not at all), it is shown once, as edited.
    std::size_t shown = 0;
    for (auto const& it : s.m().agenda()) {
        auto const p = edits.publish(s.m(), it);
        for (std::size_t i = 0; i < p.key_points.size(); ++i)
            if (p.key_points[i].key == key.str()) {
                ++shown;
                EXPECT_EQ(p.item.key_points[i].text, *e.text);
                EXPECT_TRUE(p.key_points[i].edited);
                EXPECT_EQ(p.key_points[i].by, "Ana");
                EXPECT_EQ(p.key_points[i].revision, 1u);
            }
    }
    EXPECT_EQ(shown, 1u);
}

TEST(minutes_edits, a_stale_revision_is_refused_with_the_current_one) {
    meeting_so_far s;
    s.feed_until(1.0);
    auto const [item, key] = first_bullet(s.m(), bullet_kind::key_point);
    ASSERT_TRUE(item);
    minutes_edits edits;
    auto first = edit(edit_op::bullet_edit, "Ana");
    first.bullet = key;
    first.text = "First wording.";
    ASSERT_FALSE(edits.apply(first, s.m()).refused);
    auto second = edit(edit_op::bullet_edit, "Bo");
    second.bullet = key;
    second.text = "Second wording, on what Bo saw before Ana's edit.";
    auto const r = edits.apply(second, s.m());
    EXPECT_EQ(r.refused, edit_refusal::stale);
    EXPECT_EQ(r.revision, 1u);
    second.revision = r.revision; // Bo reads Ana's edit and tries again
    EXPECT_FALSE(edits.apply(second, s.m()).refused);
    auto const p = edits.publish(s.m(), *item);
    EXPECT_EQ(p.item.key_points.at(0).text, "Second wording, on what Bo saw before Ana's edit.");
    EXPECT_EQ(p.key_points.at(0).by, "Bo");
    EXPECT_EQ(p.key_points.at(0).revision, 2u);
}

TEST(minutes_edits, a_removed_bullet_does_not_come_back_and_a_pinned_one_stays) {
    meeting_so_far s;
    s.feed_until(0.4);
    auto const [item, key] = first_bullet(s.m(), bullet_kind::key_point, 2);
    ASSERT_TRUE(item);
    bullet_key const second{bullet_kind::key_point, item->key_points[1].from.utterance,
                            item->key_points[1].from.line, 0};
    auto const second_text = item->key_points[1].text;
    auto const anchor = anchor_of(*item);
    minutes_edits edits;
    auto remove = edit(edit_op::bullet_remove);
    remove.bullet = key;
    ASSERT_FALSE(edits.apply(remove, s.m()).refused);
    auto pin = edit(edit_op::bullet_pin);
    pin.bullet = second;
    ASSERT_FALSE(edits.apply(pin, s.m()).refused);

    s.feed_until(1.0);
    std::size_t pinned = 0;
    for (auto const& it : s.m().agenda()) {
        auto const p = edits.publish(s.m(), it);
        auto const k = keys(p.key_points);
        EXPECT_EQ(std::count(k.begin(), k.end(), key.str()), 0) << "removed, and it stays so";
        for (std::size_t i = 0; i < p.key_points.size(); ++i)
            if (p.key_points[i].key == second.str()) {
                ++pinned;
                EXPECT_TRUE(p.key_points[i].pinned);
                EXPECT_EQ(p.item.key_points[i].text, second_text);
            }
    }
    EXPECT_EQ(pinned, 1u);
    EXPECT_TRUE(find_item(s.m(), anchor));
    // A removed bullet is no longer there to edit.
    auto again = edit(edit_op::bullet_edit);
    again.bullet = key;
    again.revision = 1;
    again.text = "x";
    EXPECT_EQ(edits.apply(again, s.m()).refused, edit_refusal::no_such_target);
}

TEST(minutes_edits, a_person_adds_bullets_and_renames_and_approves_items) {
    meeting_so_far s;
    s.feed_until(0.5);
    auto const& first = s.m().agenda().at(0);
    minutes_edits edits;
    auto add = edit(edit_op::bullet_add);
    add.item = anchor_of(first);
    add.kind = bullet_kind::next_step;
    add.text = "Secretariat to circulate the revised charter.";
    add.who = "Secretariat";
    add.when = "by Friday";
    auto const added = edits.apply(add, s.m());
    ASSERT_FALSE(added.refused) << added.why;
    EXPECT_EQ(added.key, "add:1");
    auto rename = edit(edit_op::item_rename);
    rename.item = anchor_of(first);
    rename.text = "Opening and adoption of the agenda";
    ASSERT_FALSE(edits.apply(rename, s.m()).refused);
    auto approve = edit(edit_op::item_approve, "Chair");
    approve.item = anchor_of(first);
    approve.revision = 1;
    ASSERT_FALSE(edits.apply(approve, s.m()).refused);

    s.feed_until(1.0);
    auto const* now = find_item(s.m(), add.item.value());
    ASSERT_TRUE(now);
    auto const p = edits.publish(s.m(), *now);
    EXPECT_EQ(p.item.title, "Opening and adoption of the agenda");
    EXPECT_TRUE(p.renamed);
    EXPECT_TRUE(p.approved);
    EXPECT_EQ(p.revision, 2u);
    ASSERT_FALSE(p.next_steps.empty());
    EXPECT_EQ(p.next_steps.back().key, "add:1");
    EXPECT_TRUE(p.next_steps.back().added);
    EXPECT_EQ(p.item.next_steps.back().text, "Secretariat to circulate the revised charter.");
    EXPECT_EQ(p.item.next_steps.back().who, "Secretariat");
    EXPECT_EQ(p.item.next_steps.back().when, "by Friday");
    EXPECT_EQ(edits.size(), 3u);
}

TEST(minutes_edits, what_does_not_fit_is_refused_and_changes_nothing) {
    meeting_so_far s;
    s.feed_until(1.0);
    auto const [item, key] = first_bullet(s.m(), bullet_kind::key_point);
    ASSERT_TRUE(item);
    minutes_edits edits;
    auto e = edit(edit_op::bullet_edit);
    e.bullet = bullet_key{bullet_kind::key_point, 999999, 1, 0};
    e.text = "x";
    EXPECT_EQ(edits.apply(e, s.m()).refused, edit_refusal::no_such_target);
    e.bullet = bullet_key{bullet_kind::key_point, 0, 0, 5};
    EXPECT_EQ(edits.apply(e, s.m()).refused, edit_refusal::no_such_target);
    e.bullet = key;
    e.text = std::string(max_edit_text_bytes + 1, 'x');
    EXPECT_EQ(edits.apply(e, s.m()).refused, edit_refusal::invalid);
    e.text = "";
    EXPECT_EQ(edits.apply(e, s.m()).refused, edit_refusal::invalid);
    e.text.reset();
    e.who = "Someone";
    EXPECT_EQ(edits.apply(e, s.m()).refused, edit_refusal::invalid) << "a key point has no owner";
    auto rename = edit(edit_op::item_rename);
    rename.item = item_anchor{12345, 0};
    rename.text = "Nowhere";
    EXPECT_EQ(edits.apply(rename, s.m()).refused, edit_refusal::no_such_target);
    EXPECT_TRUE(edits.empty());
    auto const p = edits.publish(s.m(), *item);
    EXPECT_EQ(p.item.key_points, item->key_points);
    EXPECT_EQ(p.item.title, item->title);
}

TEST(minutes_edits, the_same_edits_over_the_same_meeting_publish_the_same_minutes) {
    auto run = [] {
        meeting_so_far s;
        s.feed_until(0.5);
        minutes_edits edits;
        auto const [item, key] = first_bullet(s.m(), bullet_kind::key_point);
        auto e = edit(edit_op::bullet_edit);
        e.bullet = key;
        e.text = "Edited.";
        edits.apply(e, s.m());
        auto add = edit(edit_op::bullet_add);
        add.item = anchor_of(*item);
        add.text = "Added.";
        edits.apply(add, s.m());
        s.feed_until(1.0);
        std::vector<std::string> out;
        for (auto const& it : s.m().agenda()) {
            auto const p = edits.publish(s.m(), it);
            out.push_back(p.item.title);
            for (auto const& k : p.item.key_points)
                out.push_back(k.text);
            for (auto const& k : p.key_points)
                out.push_back(k.key);
        }
        return out;
    };
    EXPECT_EQ(run(), run());
}

// Everything a viewer is shown of an item: its title, bullets and marks.
std::string shown(published_item const& p) {
    std::string out = p.item.title + "|" + std::to_string(p.revision) + (p.renamed ? "R" : "") +
                      (p.approved ? "A" : "") + "\n";
    auto const put = [&](std::string const& text, bullet_marks const& b) {
        out += b.key + " " + std::to_string(b.revision) + (b.edited ? "E" : "") +
               (b.added ? "+" : "") + (b.pinned ? "P" : "") + (b.approved ? "A" : "") + " " + b.by +
               " " + text + "\n";
    };
    for (std::size_t i = 0; i < p.key_points.size(); ++i)
        put(p.item.key_points[i].text, p.key_points[i]);
    for (std::size_t i = 0; i < p.decisions.size(); ++i)
        put(p.item.decisions[i].text + "/" + p.item.decisions[i].who, p.decisions[i]);
    for (std::size_t i = 0; i < p.next_steps.size(); ++i)
        put(p.item.next_steps[i].text + "/" + p.item.next_steps[i].who, p.next_steps[i]);
    return out;
}

std::vector<std::string> shown_items(minutes_edits const& edits, meeting const& m) {
    std::vector<std::string> out;
    for (auto const& item : m.agenda())
        out.push_back(shown(edits.publish(m, item)));
    return out;
}

TEST(minutes_edits, an_edit_changes_only_the_items_it_says_it_touched) {
    meeting_so_far s;
    s.feed_until(1.0);
    ASSERT_GE(s.m().agenda().size(), 3u);
    std::vector<minute_edit> made;
    for (auto const& item : s.m().agenda()) {
        auto add = edit(edit_op::bullet_add);
        add.item = anchor_of(item);
        add.text.emplace("Added to " + item.title);
        made.push_back(add);
        for (auto const& k : item.key_points) {
            auto e = edit(edit_op::bullet_edit);
            e.bullet = key_of(bullet_kind::key_point, k.from);
            e.text = "Reworded.";
            made.push_back(e);
        }
        for (auto const& d : item.decisions) {
            auto e = edit(edit_op::bullet_remove);
            e.bullet = key_of(bullet_kind::decision, d.from);
            made.push_back(e);
        }
        auto rename = edit(edit_op::item_rename);
        rename.item = anchor_of(item);
        rename.text = "Renamed " + item.title;
        made.push_back(rename);
    }
    auto report = edit(edit_op::report_approve);
    made.push_back(report);

    minutes_edits edits;
    std::size_t applied = 0;
    for (auto e : made) {
        auto before = shown_items(edits, s.m());
        // Revisions as a viewer would have seen them (a bullet may be named twice).
        auto r = edits.apply(e, s.m());
        if (r.refused == edit_refusal::stale) {
            e.revision = r.revision;
            r = edits.apply(e, s.m());
        }
        ASSERT_FALSE(r.refused) << r.why;
        ++applied;
        auto const after = shown_items(edits, s.m());
        auto const touched = edits.touched_items(e, s.m());
        std::size_t changed = 0;
        for (std::size_t i = 0; i < after.size(); ++i) {
            if (after[i] == before[i])
                continue;
            ++changed;
            EXPECT_NE(std::find(touched.begin(), touched.end(), i), touched.end())
                << op_name(e.op) << " changed item " << i + 1 << " but did not say so";
        }
        if (e.op == edit_op::report_approve)
            EXPECT_TRUE(touched.empty());
        else
            EXPECT_EQ(changed, 1u) << op_name(e.op) << " changed " << changed << " items";
    }
    EXPECT_EQ(applied, made.size());
}

// Edits anchored in every item still show where they belong, once each, after the machine has
// gone on and found more items: with the items found by how the meeting moves on, and with
// a known agenda.
TEST(minutes_edits, every_edit_is_shown_once_in_its_item_as_the_meeting_goes_on) {
    for (bool const known : {false, true}) {
        meeting_so_far s;
        if (known)
            s.p = pipeline(std::vector<std::string>{
                "Opening and adoption of the agenda", "DC main session at IGF 2024",
                "Preparing the meeting with the MAG in Riyadh", "DC booth",
                "Any Other Business: WSIS+20 letter and IGF vision paper"});
        s.feed_until(0.4);
        minutes_edits edits;
        std::vector<minute_edit> adds;
        std::size_t edited = 0;
        for (auto const& item : s.m().agenda()) {
            auto add = edit(edit_op::bullet_add);
            add.item = anchor_of(item);
            add.text.emplace("Added " + std::to_string(adds.size()));
            ASSERT_FALSE(edits.apply(add, s.m()).refused);
            adds.push_back(add);
            for (auto const& k : item.key_points) {
                auto e = edit(edit_op::bullet_pin);
                e.bullet = key_of(bullet_kind::key_point, k.from);
                if (!edits.apply(e, s.m()).refused)
                    ++edited;
            }
        }
        ASSERT_GT(edited, 0u);
        auto const items_before = s.m().agenda().size();
        s.feed_until(1.0);
        EXPECT_GT(s.m().agenda().size(), items_before) << "the machine found no more items";

        std::size_t pinned = 0;
        std::vector<std::size_t> added_in(adds.size(), 0);
        for (auto const& item : s.m().agenda()) {
            auto const p = edits.publish(s.m(), item);
            for (std::size_t i = 0; i < p.key_points.size(); ++i) {
                pinned += p.key_points[i].pinned ? 1u : 0u;
                if (p.key_points[i].added) {
                    auto const n = std::stoul(p.item.key_points[i].text.substr(6));
                    ASSERT_LT(n, adds.size());
                    ++added_in[n];
                    EXPECT_EQ(find_item(s.m(), *adds[n].item), &item) << "known " << known;
                }
            }
        }
        EXPECT_EQ(pinned, edited) << "known " << known;
        EXPECT_EQ(added_in, std::vector<std::size_t>(adds.size(), 1)) << "known " << known;
        // A copy of an item is no item of the meeting: nothing people added shows in it.
        auto const copy = s.m().agenda().front();
        auto const p = edits.publish(s.m(), copy);
        for (auto const& b : p.key_points)
            EXPECT_FALSE(b.added) << b.key;
    }
}

} // namespace
} // namespace minuted::summariser

namespace minuted::summariser {
namespace {

TEST(minute_edit_json, reads_back_what_it_writes_and_refuses_the_rest) {
    minute_edit add;
    add.op = edit_op::bullet_add;
    add.item = item_anchor{3, 120};
    add.kind = bullet_kind::next_step;
    add.text.emplace("Secretariat to circulate \"the\" charter.");
    add.who.emplace("Secretariat");
    add.when.emplace("by Friday");
    add.by = "Ana López";
    add.at_ms = 1732350000000;
    minute_edit edit;
    edit.op = edit_op::bullet_edit;
    edit.bullet = bullet_key{bullet_kind::key_point, 12, 340, 0};
    edit.text = "";
    edit.revision = 4;
    minute_edit approve;
    approve.op = edit_op::report_approve;
    approve.revision = 2;
    for (auto const& e : {add, edit, approve})
        EXPECT_EQ(parse_minute_edit(minute_edit_json(e)), e) << minute_edit_json(e);
    for (auto const* bad :
         {"", "[]", R"({"op":"bullet.edit"})", R"({"op":"shout","revision":0,"at":0})",
          R"({"op":"bullet.edit","revision":-1,"at":0})",
          R"({"op":"bullet.edit","revision":0,"at":0,"bullet":"kp:x"})",
          R"({"op":"bullet.add","revision":0,"at":0,"item":{"utterance":1}})",
          R"({"op":"item.rename","revision":0,"at":0,"item":{"known":1}})"})
        EXPECT_FALSE(parse_minute_edit(bad)) << bad;
}

} // namespace
} // namespace minuted::summariser
