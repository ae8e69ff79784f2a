// People shaping the agenda while the machine writes it (summariser/minutes_edits.hpp): items
// merged, split, added and removed, bullets reordered, marks taken back; each on a real meeting
// fed in two halves around the edits, so what the machine adds later is seen to follow them.

#include "summariser/minutes_edits.hpp"
#include "tests/summariser/meeting_so_far.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace minuted::summariser {
namespace {

using testing::edit;
using testing::meeting_so_far;

// Every bullet's key of one machine item, or one published item, in order.
std::vector<std::string> machine_keys(agenda_item const& item) {
    std::vector<std::string> out;
    for (auto const& k : item.key_points)
        out.push_back(key_of(bullet_kind::key_point, k.from).str());
    for (auto const& d : item.decisions)
        out.push_back(key_of(bullet_kind::decision, d.from).str());
    for (auto const& n : item.next_steps)
        out.push_back(key_of(bullet_kind::next_step, n.from).str());
    return out;
}

std::vector<std::string> published_keys(published_item const& p) {
    std::vector<std::string> out;
    for (auto const* list : {&p.key_points, &p.decisions, &p.next_steps})
        for (auto const& b : *list)
            out.push_back(b.key);
    return out;
}

// The utterance a key names (0 for a person's bullet).
std::size_t utterance_of(std::string const& key) {
    return bullet_key::parse(key)->utterance;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST(minutes_structure, merged_items_stay_one_and_take_what_the_machine_adds_to_either) {
    meeting_so_far s;
    s.feed_until(0.5);
    auto const k = s.m().agenda().size();
    ASSERT_GE(k, 2u);
    auto const first = anchor_of(s.m().agenda()[k - 2]);
    auto const second = anchor_of(s.m().agenda()[k - 1]);
    auto const title = s.m().agenda()[k - 2].title;
    auto const said = s.m().utterances().size();
    minutes_edits edits;
    auto merge = edit(edit_op::item_merge);
    merge.item = first;
    merge.other = second;
    auto const r = edits.apply(merge, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);
    EXPECT_EQ(edits.publish(s.m()).count, k - 1);

    s.feed_until(1.0);
    auto const& agenda = s.m().agenda();
    auto const published = edits.publish(s.m());
    ASSERT_EQ(published.count, agenda.size() - 1);
    auto const& merged = published.items.at(k - 2);
    EXPECT_EQ(merged.item.title, title);
    EXPECT_EQ(merged.item.n, k - 1);
    auto const* a = find_item(s.m(), first);
    auto const* b = find_item(s.m(), second);
    ASSERT_TRUE(a && b && a != b);
    auto both = machine_keys(*a);
    for (auto const& key : machine_keys(*b))
        both.push_back(key);
    EXPECT_EQ(sorted(published_keys(merged)), sorted(both));
    auto const keys = published_keys(merged);
    EXPECT_TRUE(std::any_of(keys.begin(), keys.end(), [&](auto const& key) {
        return utterance_of(key) >= said;
    })) << "the machine went on adding to the second part, and that shows in the merged item";
    // The machine's later items follow, numbered one less.
    for (std::size_t i = k; i < agenda.size(); ++i) {
        EXPECT_EQ(published.items.at(i - 1).item.title, agenda[i].title);
        EXPECT_EQ(published_keys(published.items.at(i - 1)), machine_keys(agenda[i]));
    }
    // The second item is no longer there to edit on its own.
    auto rename = edit(edit_op::item_rename);
    rename.item = second;
    rename.text = "Gone";
    EXPECT_NE(edits.apply(rename, s.m()).refused, std::nullopt);
}

TEST(minutes_structure, a_split_item_gives_later_bullets_to_the_part_that_holds_them) {
    meeting_so_far s;
    s.feed_until(0.5);
    auto const k = s.m().agenda().size();
    auto const& last = s.m().agenda().back();
    auto const said = s.m().utterances().size();
    ASSERT_GE(said - last.first_utterance, 2u);
    auto const at = last.first_utterance + (said - last.first_utterance) / 2;
    auto const anchor = anchor_of(last);
    minutes_edits edits;
    auto split = edit(edit_op::item_split);
    split.item = anchor;
    split.utterance = at;
    split.text = "Questions from the floor";
    auto const r = edits.apply(split, s.m());
    ASSERT_FALSE(r.refused) << r.why;

    s.feed_until(1.0);
    auto const published = edits.publish(s.m());
    ASSERT_EQ(published.count, s.m().agenda().size() + 1);
    auto const& before = published.items.at(k - 1);
    auto const& after = published.items.at(k);
    EXPECT_EQ(before.revision, 1u);
    EXPECT_TRUE(after.added);
    EXPECT_EQ(after.item.title, "Questions from the floor");
    EXPECT_EQ(after.item.first_utterance, at);
    EXPECT_EQ(after.item.n, k + 1);
    auto const* machine = find_item(s.m(), anchor);
    ASSERT_TRUE(machine);
    std::vector<std::string> early, late;
    for (auto const& key : machine_keys(*machine))
        (utterance_of(key) < at ? early : late).push_back(key);
    EXPECT_EQ(sorted(published_keys(before)), sorted(early));
    EXPECT_EQ(sorted(published_keys(after)), sorted(late));
    EXPECT_TRUE(std::any_of(late.begin(), late.end(), [&](auto const& key) {
        return utterance_of(key) >= said;
    })) << "bullets the machine wrote after the split went to the second part";
}

TEST(minutes_structure, an_added_item_holds_what_is_said_from_then_and_a_removed_one_stays_out) {
    meeting_so_far s;
    s.feed_until(0.65); // three items, the third under way
    auto const k = s.m().agenda().size();
    ASSERT_GE(k, 3u);
    auto const said = s.m().utterances().size();
    auto const removed = anchor_of(s.m().agenda()[1]);
    minutes_edits edits;
    auto remove = edit(edit_op::item_remove);
    remove.item = removed;
    ASSERT_FALSE(edits.apply(remove, s.m()).refused);
    auto add = edit(edit_op::item_add);
    add.item = anchor_of(s.m().agenda().back()); // after the last item: from now on
    add.text = "Any other business";
    auto const r = edits.apply(add, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);

    s.feed_until(1.0);
    auto const& agenda = s.m().agenda();
    auto const published = edits.publish(s.m());
    // The machine's items but the removed one, and the person's, where it started.
    ASSERT_EQ(published.count, agenda.size());
    std::vector<std::string> everywhere;
    for (auto const& p : published.items) {
        EXPECT_FALSE(p.anchor == removed);
        for (auto const& key : published_keys(p))
            everywhere.push_back(key);
    }
    for (auto const& key : machine_keys(agenda[1]))
        EXPECT_EQ(std::count(everywhere.begin(), everywhere.end(), key), 0)
            << key << ": its bullets went with the removed item";
    auto const added = std::find_if(published.items.begin(), published.items.end(),
                                    [](published_item const& p) { return p.added; });
    ASSERT_NE(added, published.items.end());
    EXPECT_EQ(added->item.title, "Any other business");
    EXPECT_EQ(added->item.first_utterance, said);
    EXPECT_EQ(added->item.n, k); // after the k - 1 items left before it
    // It holds the machine's bullets said from then on, until the machine's next item.
    auto const keys = published_keys(*added);
    std::size_t later = 0;
    for (auto const& key : machine_keys(agenda[k - 1]))
        if (utterance_of(key) >= said) {
            ++later;
            EXPECT_EQ(std::count(keys.begin(), keys.end(), key), 1) << key;
        }
    EXPECT_GT(later, 0u);
    // Removed means removed: it cannot be edited or removed again.
    EXPECT_EQ(edits.apply(remove, s.m()).refused, edit_refusal::no_such_target);
}

TEST(minutes_structure, a_moved_bullet_keeps_its_place_as_the_machine_adds_more) {
    meeting_so_far s;
    s.feed_until(0.65); // the third item under way, with three of its six key points
    auto const& last = s.m().agenda().back();
    ASSERT_GE(last.key_points.size(), 2u);
    auto const anchor = anchor_of(last);
    auto const point_key = [](key_point const& k) {
        return key_of(bullet_kind::key_point, k.from);
    };
    auto const moved = point_key(last.key_points.back());
    auto const second = point_key(last.key_points[1]);
    auto const first = point_key(last.key_points.front());
    minutes_edits edits;
    auto move = edit(edit_op::bullet_move);
    move.bullet = moved;
    move.position = 0;
    auto const r = edits.apply(move, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 1u);
    // Then the first one goes before the second, by key: the list is theirs to arrange.
    auto again = edit(edit_op::bullet_move, "Bo");
    again.bullet = first;
    again.before = second;
    ASSERT_FALSE(edits.apply(again, s.m()).refused);
    auto const before = edits.publish(s.m(), *find_item(s.m(), anchor)).key_points;

    s.feed_until(1.0);
    auto const* machine = find_item(s.m(), anchor);
    ASSERT_TRUE(machine);
    auto const p = edits.publish(s.m(), *machine);
    // The machine keeps an item's best key points, so some of those arranged may be gone; those
    // left keep the person's order, ahead of what the machine added since, in its order.
    std::vector<std::string> arranged, shown;
    for (auto const& b : before)
        arranged.push_back(b.key);
    for (auto const& b : p.key_points)
        shown.push_back(b.key);
    auto const kept =
        static_cast<std::size_t>(std::count_if(shown.begin(), shown.end(), [&](auto const& key) {
            return std::find(arranged.begin(), arranged.end(), key) != arranged.end();
        }));
    ASSERT_GE(kept, 2u);
    ASSERT_GT(shown.size(), kept) << "the machine went on adding key points";
    std::vector<std::string> still;
    for (auto const& key : arranged)
        if (std::find(shown.begin(), shown.end(), key) != shown.end())
            still.push_back(key);
    EXPECT_EQ(
        std::vector<std::string>(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(kept)),
        still);
    std::vector<std::string> machine_order;
    for (auto const& k : machine->key_points)
        if (std::find(arranged.begin(), arranged.end(), point_key(k).str()) == arranged.end())
            machine_order.push_back(point_key(k).str());
    EXPECT_EQ(
        std::vector<std::string>(shown.begin() + static_cast<std::ptrdiff_t>(kept), shown.end()),
        machine_order);
    EXPECT_EQ(shown.front(), moved.str());
    EXPECT_EQ(p.key_points.front().revision, 1u);
}

TEST(minutes_structure, marks_are_taken_back_and_the_machine_has_its_bullet_again) {
    meeting_so_far s;
    s.feed_until(1.0);
    auto const& item = s.m().agenda().front();
    ASSERT_FALSE(item.key_points.empty());
    bullet_key const key{bullet_kind::key_point, item.key_points[0].from.utterance,
                         item.key_points[0].from.line, 0};
    minutes_edits edits;
    auto unpin = edit(edit_op::bullet_unpin);
    unpin.bullet = key;
    EXPECT_EQ(edits.apply(unpin, s.m()).refused, edit_refusal::invalid) << "not pinned";
    auto pin = edit(edit_op::bullet_pin);
    pin.bullet = key;
    ASSERT_FALSE(edits.apply(pin, s.m()).refused);
    auto approve = edit(edit_op::bullet_approve);
    approve.bullet = key;
    approve.revision = 1;
    ASSERT_FALSE(edits.apply(approve, s.m()).refused);
    EXPECT_EQ(edits.apply(unpin, s.m()).refused, edit_refusal::stale);
    unpin.revision = 2;
    ASSERT_FALSE(edits.apply(unpin, s.m()).refused);
    auto unapprove = edit(edit_op::bullet_unapprove);
    unapprove.bullet = key;
    unapprove.revision = 3;
    auto const r = edits.apply(unapprove, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    EXPECT_EQ(r.revision, 4u);
    auto const p = edits.publish(s.m(), item);
    EXPECT_FALSE(p.key_points.at(0).pinned);
    EXPECT_FALSE(p.key_points.at(0).approved);
    EXPECT_EQ(p.key_points.at(0).revision, 4u);

    auto item_unapprove = edit(edit_op::item_unapprove);
    item_unapprove.item = anchor_of(item);
    EXPECT_EQ(edits.apply(item_unapprove, s.m()).refused, edit_refusal::invalid);
    auto item_approve = edit(edit_op::item_approve);
    item_approve.item = anchor_of(item);
    ASSERT_FALSE(edits.apply(item_approve, s.m()).refused);
    item_unapprove.revision = 1;
    ASSERT_FALSE(edits.apply(item_unapprove, s.m()).refused);
    EXPECT_FALSE(edits.publish(s.m(), item).approved);
    EXPECT_EQ(edits.publish(s.m(), item).revision, 2u);
}

TEST(minutes_structure, a_persons_next_step_is_edited_and_moved_by_its_key_as_written) {
    meeting_so_far s;
    s.feed_until(1.0);
    auto const& item = s.m().agenda().front();
    minutes_edits edits;
    for (auto const* text : {"Circulate the draft", "Book the room"}) {
        auto add = edit(edit_op::bullet_add);
        add.item = anchor_of(item);
        add.kind = bullet_kind::next_step;
        add.text = text;
        ASSERT_FALSE(edits.apply(add, s.m()).refused);
    }
    // As a client names it: "add:2", which does not say it is a next step.
    auto owner = edit(edit_op::bullet_edit);
    owner.bullet = bullet_key::parse("add:2");
    owner.revision = 1;
    owner.who = "Secretariat";
    auto const r = edits.apply(owner, s.m());
    ASSERT_FALSE(r.refused) << r.why;
    auto move = edit(edit_op::bullet_move);
    move.bullet = bullet_key::parse("add:2");
    move.revision = 2;
    move.before = bullet_key::parse("add:1");
    ASSERT_FALSE(edits.apply(move, s.m()).refused);
    auto const p = edits.publish(s.m(), item);
    auto const keys = published_keys(p);
    auto const second = std::find(keys.begin(), keys.end(), "add:2");
    ASSERT_NE(second, keys.end());
    EXPECT_EQ(*(second + 1), "add:1");
    EXPECT_EQ(p.item.next_steps.at(p.next_steps.size() - 2).who, "Secretariat");
}

TEST(minutes_structure, what_does_not_fit_is_refused_and_changes_nothing) {
    meeting_so_far s;
    s.feed_until(1.0);
    auto const& agenda = s.m().agenda();
    ASSERT_GE(agenda.size(), 3u);
    minutes_edits edits;
    auto const before = edits.publish(s.m()).items.size();
    auto split = edit(edit_op::item_split);
    split.item = anchor_of(agenda[0]);
    split.text = "Elsewhere";
    split.utterance = agenda[1].first_utterance + 1; // in item 2, not 1
    EXPECT_EQ(edits.apply(split, s.m()).refused, edit_refusal::invalid);
    split.utterance = agenda[0].first_utterance; // it starts there: nothing to split off
    EXPECT_EQ(edits.apply(split, s.m()).refused, edit_refusal::invalid);
    split.utterance.reset();
    EXPECT_EQ(edits.apply(split, s.m()).refused, edit_refusal::invalid);
    auto merge = edit(edit_op::item_merge);
    merge.item = anchor_of(agenda[0]);
    merge.other = anchor_of(agenda[2]);
    EXPECT_EQ(edits.apply(merge, s.m()).refused, edit_refusal::invalid) << "not adjacent";
    merge.item = anchor_of(agenda.back());
    merge.other.reset();
    EXPECT_EQ(edits.apply(merge, s.m()).refused, edit_refusal::invalid) << "nothing after it";
    merge.item = item_anchor{std::nullopt, 0, 99};
    EXPECT_EQ(edits.apply(merge, s.m()).refused, edit_refusal::no_such_target);
    auto add = edit(edit_op::item_add);
    add.text = "Here";
    add.utterance = agenda[1].first_utterance;
    EXPECT_EQ(edits.apply(add, s.m()).refused, edit_refusal::invalid) << "item 2 starts there";
    add.utterance = s.m().utterances().size() + 1;
    EXPECT_EQ(edits.apply(add, s.m()).refused, edit_refusal::invalid);
    add.utterance.reset();
    add.item = anchor_of(agenda[0]);
    EXPECT_EQ(edits.apply(add, s.m()).refused, edit_refusal::invalid) << "not the last item";
    auto move = edit(edit_op::bullet_move);
    move.bullet = key_of(bullet_kind::key_point, agenda[0].key_points.at(0).from);
    move.position = agenda[0].key_points.size();
    EXPECT_EQ(edits.apply(move, s.m()).refused, edit_refusal::invalid) << "past its list's end";
    move.position.reset();
    move.before = bullet_key{bullet_kind::key_point, 999999, 1, 0};
    EXPECT_EQ(edits.apply(move, s.m()).refused, edit_refusal::invalid);
    // A stale revision: the item was renamed since.
    auto rename = edit(edit_op::item_rename);
    rename.item = anchor_of(agenda[0]);
    rename.text = "Opening";
    ASSERT_FALSE(edits.apply(rename, s.m()).refused);
    merge.item = anchor_of(agenda[0]);
    merge.other = anchor_of(agenda[1]);
    auto const stale = edits.apply(merge, s.m());
    EXPECT_EQ(stale.refused, edit_refusal::stale);
    EXPECT_EQ(stale.revision, 1u);
    EXPECT_EQ(edits.publish(s.m()).items.size(), before);
    EXPECT_EQ(edits.size(), 1u);
}

TEST(minutes_structure, the_same_edits_publish_the_same_minutes_and_journal_as_they_were) {
    auto run = [](std::vector<std::string>& journal) {
        meeting_so_far s;
        s.feed_until(0.5);
        minutes_edits edits;
        auto const& agenda = s.m().agenda();
        auto split = edit(edit_op::item_split);
        split.item = anchor_of(agenda.back());
        split.utterance = s.m().utterances().size() - 1;
        split.text = "Split off";
        auto merge = edit(edit_op::item_merge);
        merge.item = anchor_of(agenda[0]);
        merge.other = anchor_of(agenda[1]);
        merge.text = "Opening and agenda";
        merge.other_revision = 1; // the split changed it
        for (auto const& e : {split, merge}) {
            auto const r = edits.apply(e, s.m());
            EXPECT_FALSE(r.refused) << r.why;
            journal.push_back(minute_edit_json(e));
        }
        s.feed_until(1.0);
        std::vector<std::string> out;
        for (auto const& p : edits.publish(s.m()).items) {
            out.push_back(std::to_string(p.item.n) + ". " + p.item.title);
            for (auto const& key : published_keys(p))
                out.push_back(key);
        }
        return out;
    };
    std::vector<std::string> journal, again;
    auto const first = run(journal);
    EXPECT_EQ(first, run(again));
    EXPECT_EQ(journal, again);
    for (auto const& line : journal) {
        auto const e = parse_minute_edit(line);
        ASSERT_TRUE(e) << line;
        EXPECT_EQ(minute_edit_json(*e), line);
    }
}

TEST(minute_edit_json, reads_back_the_agenda_edits) {
    minute_edit merge;
    merge.op = edit_op::item_merge;
    merge.item = item_anchor{2, 40, 0};
    merge.other = item_anchor{std::nullopt, 90, 7};
    merge.other_revision = 3;
    merge.text.emplace("One item");
    minute_edit move;
    move.op = edit_op::bullet_move;
    move.bullet = bullet_key{bullet_kind::decision, 4, 50, 0};
    move.before = bullet_key{bullet_kind::decision, 5, 60, 0};
    minute_edit place = move;
    place.before.reset();
    place.position = 0;
    minute_edit split;
    split.op = edit_op::item_split;
    split.item = item_anchor{std::nullopt, 12, 0};
    split.utterance = 30;
    split.text.emplace("Part two");
    for (auto const* e : {&merge, &move, &place, &split})
        EXPECT_EQ(parse_minute_edit(minute_edit_json(*e)), *e) << minute_edit_json(*e);
    for (auto const* bad :
         {R"({"op":"item.merge","revision":0,"at":0,"item":{"utterance":1},"other":{"added":1}})",
          R"({"op":"bullet.move","revision":0,"at":0,"bullet":"kp:1:2","before":"kp:x"})",
          R"({"op":"item.add","revision":0,"at":0,"item":{"utterance":1,"added":-2}})"})
        EXPECT_FALSE(parse_minute_edit(bad)) << bad;
    for (auto const op : {"item.add", "item.remove", "item.merge", "item.split", "bullet.move",
                          "bullet.unpin", "bullet.unapprove", "item.unapprove"})
        EXPECT_EQ(op_name(*op_named(op)), op);
}

} // namespace
} // namespace minuted::summariser
