#include "daemon/live/state_json.hpp"

#include "protocol/time_text.hpp"
#include "protocol/utf8.hpp"
#include "summariser/report.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace minuted::daemon {

namespace {

boost::json::value speaker_value(summariser::meeting const& m,
                                 std::optional<summariser::participant_id> id) {
    return id ? boost::json::value(m.participants().at(*id).name) : boost::json::value(nullptr);
}

// What people did to a bullet, beside it: its key (what an edit names) always, the rest when
// it is not the machine's default.
boost::json::object with_marks(boost::json::object o, summariser::bullet_marks const& b) {
    o["key"] = b.key;
    if (b.revision != 0)
        o["revision"] = b.revision;
    for (auto const& [name, on] :
         {std::pair{"edited", b.edited}, std::pair{"added", b.added}, std::pair{"pinned", b.pinned},
          std::pair{"approved", b.approved}})
        if (on)
            o[name] = true;
    if (!b.by.empty())
        o["by"] = b.by;
    return o;
}

boost::json::array actions(summariser::meeting const& m,
                           std::vector<summariser::action_item> const& list,
                           std::vector<summariser::bullet_marks> const& marks) {
    boost::json::array a;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto const& x = list[i];
        a.push_back(with_marks({{"text", x.text},
                                {"who", x.who},
                                {"when", x.when},
                                {"speaker", speaker_value(m, x.from.speaker)},
                                {"utterance", x.from.utterance},
                                {"line", x.from.line}},
                               marks.at(i)));
    }
    return a;
}

boost::json::array pending_json(summariser::meeting const& m) {
    boost::json::array a;
    for (auto const& p : m.pending())
        a.push_back(
            {{"speaker", p.speaker_label}, {"continues", p.continues_current}, {"text", p.text}});
    return a;
}

void add_meta(boost::json::object& o, summariser::meeting const& m) {
    o["title"] = m.title();
    o["chair"] = speaker_value(m, m.chair());
    boost::json::array chairs;
    for (auto const id : m.chairs())
        chairs.emplace_back(id);
    o["chairs"] = std::move(chairs);
    o["ended"] = m.ended();
    o["words"] = m.total_words();
    if (!m.language().empty())
        o["lang"] = m.language();
}

// An utterance's fields around its text, which the caller puts in between: all of it, or
// the tail an update carries.
boost::json::object utterance_head(summariser::utterance const& u) {
    return {{"id", u.id},
            // The speaker by id: a name can change when two labels turn out to be one person.
            {"speaker", u.speaker ? boost::json::value(*u.speaker) : boost::json::value(nullptr)}};
}

boost::json::object utterance_rest(boost::json::object o, summariser::utterance const& u) {
    o["line"] = u.line;
    o["at"] = protocol::rfc3339(u.at.time_since_epoch().count());
    o["item"] = u.agenda_item;
    if (u.continues)
        o["continues"] = true;
    if (!u.lang.empty())
        o["lang"] = u.lang;
    if (u.revision > 0) // a person corrected its text
        o["corrected"] = {{"revision", u.revision},
                          {"by", u.corrected_by},
                          {"at", protocol::rfc3339(u.corrected_at.time_since_epoch().count())}};
    return o;
}

} // namespace

boost::json::object utterance_json(summariser::utterance const& u) {
    auto o = utterance_head(u);
    o["text"] = u.text;
    return utterance_rest(std::move(o), u);
}

boost::json::object participant_json(summariser::meeting const& m, summariser::participant const& p,
                                     std::vector<summariser::participant_id> const& chairs) {
    boost::json::array aliases;
    for (auto const& a : p.aliases)
        aliases.emplace_back(a);
    boost::json::object o{
        {"id", p.id},
        {"name", p.name},
        {"label", p.label},
        {"aliases", std::move(aliases)},
        {"role", summariser::role_of(m, p, chairs)},
        {"organisation", p.organisation},
        {"turns", p.turns},
        {"words", p.words},
        // A role label that turned out to be this participant: shown as them.
        {"same_as", p.same_as ? boost::json::value(*p.same_as) : boost::json::value(nullptr)}};
    if (p.revision > 0) { // a person renamed it, or merged another into it
        o["revision"] = p.revision;
        o["renamed_by"] = p.renamed_by;
    }
    return o;
}

namespace {

// The report's own state, once people edit the minutes: its revision and approval.
void add_report_state(boost::json::object& o, summariser::minutes_edits const& edits) {
    if (!edits.empty())
        o["minutes"] = {{"revision", edits.report_revision()},
                        {"approved", edits.report_approved()}};
}

} // namespace

summariser::minutes_edits const& no_edits() {
    static summariser::minutes_edits const none;
    return none;
}

boost::json::object agenda_item_json(summariser::meeting const& m,
                                     summariser::published_item const& published) {
    auto const& item = published.item;
    boost::json::array points;
    for (std::size_t i = 0; i < item.key_points.size(); ++i) {
        auto const& k = item.key_points[i];
        points.push_back(with_marks({{"text", k.text},
                                     {"speaker", speaker_value(m, k.from.speaker)},
                                     {"utterance", k.from.utterance},
                                     {"line", k.from.line}},
                                    published.key_points.at(i)));
    }
    boost::json::object o{
        {"n", item.n},
        {"title", item.title},
        // Who carried it, in a line: "Presented by X, with Y and Z (12 turns)."
        {"context", published.machine ? m.context_of(*published.machine) : ""},
        // The known agenda's entry it is, so a viewer can show what is still to come.
        {"known",
         item.known_index ? boost::json::value(*item.known_index) : boost::json::value(nullptr)},
        // Taken out of the agenda's order: the entries before it are still to come.
        {"ahead", item.ahead},
        {"start_line", item.start_line},
        {"first_utterance", item.first_utterance},
        {"started", protocol::rfc3339(item.started.time_since_epoch().count())},
        {"key_points", std::move(points)},
        {"next_steps", actions(m, item.next_steps, published.next_steps)},
        {"decisions", actions(m, item.decisions, published.decisions)}};
    // What people did to the item itself, when they did.
    if (published.revision != 0)
        o["revision"] = published.revision;
    if (published.renamed)
        o["renamed"] = true;
    if (published.approved)
        o["approved"] = true;
    if (published.added)
        o["added"] = true;
    return o;
}

boost::json::object make_snapshot(std::string_view session, summariser::meeting const& m,
                                  revision rev, summariser::minutes_edits const& edits) {
    boost::json::object o;
    o["type"] = "snapshot";
    o["session"] = session;
    o["rev"] = rev;
    add_meta(o, m);
    o["summary"] = m.catch_up();
    boost::json::array people, agenda, utterances;
    auto const chairs = m.chairs();
    for (auto const& p : m.participants().all())
        people.push_back(participant_json(m, p, chairs));
    for (auto const& item : edits.publish(m).items)
        agenda.push_back(agenda_item_json(m, item));
    for (auto const& u : m.utterances())
        utterances.push_back(utterance_json(u));
    o["participants"] = std::move(people);
    o["agenda"] = std::move(agenda);
    o["known_agenda"] = boost::json::value_from(m.known_agenda());
    o["utterances"] = std::move(utterances);
    o["pending"] = pending_json(m);
    add_report_state(o, edits);
    return o;
}

boost::json::object make_update(summariser::meeting const& m, summariser::change_set const& changes,
                                revision rev, std::string const& summary,
                                std::vector<sent_text>& sent,
                                summariser::minutes_edits const& edits) {
    boost::json::object o;
    o["type"] = "update";
    o["rev"] = rev;
    // Title, chair, word count and whether it ended are a few bytes: always sent.
    add_meta(o, m);
    if (!summary.empty())
        o["summary"] = summary;
    if (!changes.utterances.empty()) {
        boost::json::array a;
        for (auto i : changes.utterances) {
            auto const& u = m.utterances().at(i);
            if (i >= sent.size())
                sent.resize(i + 1);
            auto& before = sent[i];
            // A turn's final text only grows, so what changed is its end: the tail after what
            // was sent. Whole when new (nothing sent), and whole should it ever have shrunk.
            if (before.bytes > 0 && before.bytes <= u.text.size()) {
                auto const tail = std::string_view(u.text).substr(before.bytes);
                auto delta = utterance_head(u);
                delta["from"] = before.units;
                delta["tail"] = tail;
                a.push_back(utterance_rest(std::move(delta), u));
                before = {u.text.size(), before.units + protocol::utf16_length(tail)};
            } else {
                a.push_back(utterance_json(u));
                before = {u.text.size(), protocol::utf16_length(u.text)};
            }
        }
        o["utterances"] = std::move(a);
    }
    // A merge renames a participant and can change who the chair is: send all roles then.
    if (!changes.participants.empty() || changes.meta) {
        boost::json::array a;
        auto const chairs = m.chairs();
        if (changes.meta)
            for (auto const& p : m.participants().all())
                a.push_back(participant_json(m, p, chairs));
        else
            for (auto i : changes.participants)
                a.push_back(participant_json(m, m.participants().at(i), chairs));
        o["participants"] = std::move(a);
    }
    if (!changes.agenda.empty()) {
        // The published items that show the machine's changed ones (an item opened, then
        // taken back in the same change, shows in none).
        auto const published = edits.publish(m, &changes.agenda);
        // Items an alignment took back (a placement that moved), or people merged or removed,
        // are those past this count.
        o["items"] = published.count;
        boost::json::array a;
        for (auto const& item : published.items)
            a.push_back(agenda_item_json(m, item));
        o["agenda"] = std::move(a);
    }
    if (changes.known_agenda)
        o["known_agenda"] = boost::json::value_from(m.known_agenda());
    if (changes.pending)
        o["pending"] = pending_json(m);
    if (changes.meta)
        add_report_state(o, edits);
    return o;
}

void sent_contexts::add_changed(summariser::meeting const& m, summariser::change_set& changes) {
    auto const& agenda = m.agenda();
    bool all = changes.meta || changes.known_agenda || changes.ended;
    // A name shows in the context of every item its owner spoke in.
    for (auto const id : changes.participants) {
        auto const& name = m.participants().at(id).name;
        if (id >= names_.size())
            names_.resize(id + 1);
        else if (names_[id] != name)
            all = true;
        names_[id] = name;
    }
    auto& touched = touched_; // kept between calls: no allocation per caption
    touched.assign(agenda.size(), all);
    for (auto const i : changes.agenda)
        if (i < touched.size())
            touched[i] = true;
    // The item a turn counts in is the one whose span holds it, as `people_of` counts.
    for (auto const u : changes.utterances) {
        auto const after = std::upper_bound(
            agenda.begin(), agenda.end(), u,
            [](std::size_t x, summariser::agenda_item const& a) { return x < a.first_utterance; });
        if (after != agenda.begin())
            touched[static_cast<std::size_t>(after - agenda.begin()) - 1] = true;
    }
    items_.resize(agenda.size());
    for (std::size_t i = 0; i < agenda.size(); ++i) {
        auto& sent = items_[i];
        auto const end = i + 1 < agenda.size() ? agenda[i + 1].first_utterance : std::string::npos;
        if (!touched[i] && sent.first == agenda[i].first_utterance && sent.end == end)
            continue;
        sent.first = agenda[i].first_utterance;
        sent.end = end;
        if (auto context = m.context_of(i); context != sent.context) {
            sent.context = std::move(context);
            changes.agenda.push_back(i);
        }
    }
}

} // namespace minuted::daemon
