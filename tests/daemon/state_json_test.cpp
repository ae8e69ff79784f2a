// The live frames a viewer reads (protocol/PROTOCOL.md, "Subscribers"; daemon/web/session.js
// merges them): the fields of a snapshot and of an update, their types, when an optional field
// is present, how an utterance's growing text is sent, and that hostile text survives the trip.
// `epoch` and `seq` are added by live_session, not here.

#include "daemon/live/state_json.hpp"
#include "protocol/time_text.hpp"
#include "summariser/pipeline.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace minuted::daemon {
namespace {

namespace json = boost::json;
using summariser::change_set;
using summariser::pipeline;

summariser::time_point const t0{std::chrono::milliseconds(1732350000000)};

std::set<std::string> keys(json::object const& o) {
    std::set<std::string> k;
    for (auto const& kv : o)
        k.emplace(kv.key());
    return k;
}

// What a viewer gets: the object as it goes on the wire, parsed again.
json::object wire(json::object const& o) {
    return json::parse(json::serialize(o)).as_object();
}

bool is_uint(json::value const& v) {
    return v.is_uint64() || (v.is_int64() && v.as_int64() >= 0);
}

// PROTOCOL.md: every time is RFC 3339, UTC, with milliseconds.
bool is_rfc3339(json::value const& v) {
    return v.is_string() && v.as_string().size() == 24 &&
           protocol::rfc3339(*protocol::unix_ms_of(v)) == v.as_string();
}

std::uint64_t uint_of(json::value const& v) {
    return v.to_number<std::uint64_t>();
}

// JavaScript's `s.length`: UTF-16 code units, two for a code point outside the BMP.
std::size_t js_length(std::string_view utf8) {
    std::size_t n = 0;
    for (char const ch : utf8) {
        auto const c = static_cast<unsigned char>(ch);
        if ((c & 0xC0) != 0x80)
            ++n; // the first byte of a code point
        if (c >= 0xF0)
            ++n; // a four-byte sequence: a surrogate pair
    }
    return n;
}

std::vector<std::string> const titles{"Opening", "Budget of the working group",
                                      "Decimal for Stage 2", "Any other business"};

std::string const meeting_text =
    ">> CHAIR: Good morning everyone, welcome to the meeting of the working group.\n"
    ">> ANNA: Good morning, thank you.\n"
    ">> CHAIR: Jesse has to leave early. Can we take item 3 first?\n"
    ">> JESSE: Thank you. The decimal proposal adds exact decimal arithmetic to the "
    "language, and I am asking for Stage 2 for decimal today.\n"
    ">> WALDEMAR: Decimal rounding modes need to be specified before Stage 2.\n"
    ">> JESSE: Agreed, the decimal spec text will specify rounding.\n"
    ">> CHAIR: Thank you Jesse. Now back to agenda item number 2, the budget.\n"
    ">> SAMINA: The budget of the working group for next year is unchanged from this year.\n"
    ">> ANNA: Is the budget approved by the general assembly already?\n"
    ">> SAMINA: Yes, the general assembly approved the budget in December.\n"
    ">> CHAIR: Thank you. Item 4, any other business?\n"
    ">> ANNA: None from me, and the next wor";

pipeline a_meeting() {
    pipeline p(titles);
    change_set changes;
    p.put(meeting_text, t0, changes);
    return p;
}

void expect_action_list(json::value const& v) {
    ASSERT_TRUE(v.is_array());
    for (auto const& a : v.as_array()) {
        auto const& o = a.as_object();
        EXPECT_EQ(keys(o), (std::set<std::string>{"text", "who", "when", "speaker", "utterance",
                                                  "line", "key"}));
        EXPECT_TRUE(o.at("text").is_string());
        EXPECT_TRUE(o.at("speaker").is_string() || o.at("speaker").is_null());
    }
}

void expect_participant(json::object const& p) {
    EXPECT_EQ(keys(p), (std::set<std::string>{"id", "name", "label", "aliases", "role",
                                              "organisation", "turns", "words", "same_as"}));
    EXPECT_TRUE(is_uint(p.at("id")));
    EXPECT_TRUE(p.at("name").is_string());
    EXPECT_TRUE(p.at("label").is_string());
    EXPECT_TRUE(p.at("aliases").is_array());
    auto const role = p.at("role").as_string();
    EXPECT_TRUE(role == "chair" || role == "participant" || role == "role" || role == "hub")
        << role;
    EXPECT_TRUE(p.at("organisation").is_string());
    EXPECT_TRUE(is_uint(p.at("turns")));
    EXPECT_TRUE(is_uint(p.at("words")));
    EXPECT_TRUE(p.at("same_as").is_null() || is_uint(p.at("same_as")));
}

void expect_agenda_item(json::object const& a, std::size_t index) {
    EXPECT_EQ(keys(a), (std::set<std::string>{"n", "title", "context", "known", "ahead",
                                              "start_line", "first_utterance", "started",
                                              "key_points", "next_steps", "decisions"}));
    EXPECT_EQ(uint_of(a.at("n")), index + 1) << "agenda items are numbered from 1, in order";
    EXPECT_TRUE(a.at("title").is_string());
    EXPECT_TRUE(a.at("context").is_string());
    EXPECT_TRUE(a.at("known").is_null() || is_uint(a.at("known")));
    EXPECT_TRUE(a.at("ahead").is_bool());
    EXPECT_TRUE(is_uint(a.at("start_line")));
    EXPECT_TRUE(is_uint(a.at("first_utterance")));
    EXPECT_TRUE(is_rfc3339(a.at("started")));
    for (auto const& k : a.at("key_points").as_array())
        EXPECT_EQ(keys(k.as_object()),
                  (std::set<std::string>{"text", "speaker", "utterance", "line", "key"}));
    expect_action_list(a.at("next_steps"));
    expect_action_list(a.at("decisions"));
}

// A whole utterance, as a snapshot always sends it and an update sends a new one.
void expect_whole_utterance(json::object const& u) {
    auto k = keys(u);
    k.erase("continues"); // only when true
    EXPECT_EQ(k, (std::set<std::string>{"id", "speaker", "text", "line", "at", "item"}));
    if (u.contains("continues")) {
        EXPECT_EQ(u.at("continues"), json::value(true)) << "left out when false";
    }
    EXPECT_TRUE(is_uint(u.at("id")));
    EXPECT_TRUE(u.at("speaker").is_null() || is_uint(u.at("speaker")))
        << "an utterance names its speaker by participant id";
    EXPECT_TRUE(u.at("text").is_string());
    EXPECT_TRUE(is_uint(u.at("line")));
    EXPECT_TRUE(is_rfc3339(u.at("at")));
    EXPECT_TRUE(is_uint(u.at("item")));
}

TEST(state_json, a_snapshot_carries_the_documented_fields_with_their_types) {
    auto const p = a_meeting();
    auto const& m = p.state();
    ASSERT_GE(m.agenda().size(), 2u);
    ASSERT_FALSE(m.pending().empty());
    auto const s = wire(make_snapshot("dccg", m, 1532));

    EXPECT_EQ(keys(s), (std::set<std::string>{"type", "session", "rev", "title", "chair", "chairs",
                                              "ended", "words", "summary", "participants", "agenda",
                                              "known_agenda", "utterances", "pending"}));
    EXPECT_EQ(s.at("type"), "snapshot");
    EXPECT_EQ(s.at("session"), "dccg");
    EXPECT_EQ(uint_of(s.at("rev")), 1532u);
    EXPECT_TRUE(s.at("title").is_string());
    EXPECT_TRUE(s.at("chair").is_string());
    EXPECT_EQ(s.at("ended"), json::value(false));
    EXPECT_EQ(uint_of(s.at("words")), m.total_words());
    EXPECT_EQ(s.at("summary"), json::value(m.catch_up()));

    auto const& people = s.at("participants").as_array();
    ASSERT_EQ(people.size(), m.participants().all().size());
    for (auto const& person : people)
        expect_participant(person.as_object());
    // The chair is named in `chair` and first in `chairs`, by id.
    auto const& chairs = s.at("chairs").as_array();
    ASSERT_FALSE(chairs.empty());
    auto const chair_id = uint_of(chairs[0]);
    bool found = false;
    for (auto const& person : people)
        if (uint_of(person.at("id")) == chair_id) {
            found = true;
            EXPECT_EQ(person.at("name"), s.at("chair"));
        }
    EXPECT_TRUE(found) << "chairs[0] is a participant's id";

    auto const& agenda = s.at("agenda").as_array();
    ASSERT_EQ(agenda.size(), m.agenda().size());
    for (std::size_t i = 0; i < agenda.size(); ++i)
        expect_agenda_item(agenda[i].as_object(), i);
    EXPECT_EQ(s.at("known_agenda"), json::value_from(titles));

    // Every utterance whole (`text`, never `from`), in order of id.
    auto const& utterances = s.at("utterances").as_array();
    ASSERT_EQ(utterances.size(), m.utterances().size());
    for (std::size_t i = 0; i < utterances.size(); ++i) {
        expect_whole_utterance(utterances[i].as_object());
        EXPECT_EQ(uint_of(utterances[i].at("id")), i);
        EXPECT_EQ(utterances[i].at("text"), json::value(m.utterances()[i].text));
        EXPECT_EQ(utterances[i].at("at"), json::value("2024-11-23T08:20:00.000Z"));
    }

    auto const& pending = s.at("pending").as_array();
    ASSERT_EQ(pending.size(), m.pending().size());
    for (auto const& turn : pending) {
        EXPECT_EQ(keys(turn.as_object()), (std::set<std::string>{"speaker", "continues", "text"}));
        EXPECT_TRUE(turn.at("speaker").is_string());
        EXPECT_TRUE(turn.at("continues").is_bool());
        EXPECT_TRUE(turn.at("text").is_string());
    }
    EXPECT_EQ(pending.back().at("speaker"), "ANNA");
    EXPECT_EQ(pending.back().at("text"), "None from me, and the next wor");
}

TEST(state_json, an_update_always_carries_the_meta_fields_and_only_what_changed) {
    auto const p = a_meeting();
    auto const& m = p.state();
    std::vector<sent_text> sent;
    auto const bare = wire(make_update(m, {}, 7, "", sent));
    EXPECT_EQ(keys(bare),
              (std::set<std::string>{"type", "rev", "title", "chair", "chairs", "ended", "words"}));
    EXPECT_EQ(bare.at("type"), "update");
    EXPECT_EQ(uint_of(bare.at("rev")), 7u);
    EXPECT_TRUE(bare.at("chairs").is_array());
    EXPECT_TRUE(bare.at("ended").is_bool());
    EXPECT_TRUE(is_uint(bare.at("words")));

    EXPECT_EQ(wire(make_update(m, {}, 8, "Now: the budget.", sent)).at("summary"),
              "Now: the budget.");

    change_set one_person;
    one_person.participants = {1};
    auto const u = wire(make_update(m, one_person, 9, "", sent));
    ASSERT_EQ(u.at("participants").as_array().size(), 1u);
    expect_participant(u.at("participants").as_array()[0].as_object());
    EXPECT_EQ(uint_of(u.at("participants").as_array()[0].at("id")), 1u);

    // A merge renames, a new chair changes roles: every participant then.
    change_set meta;
    meta.meta = true;
    EXPECT_EQ(wire(make_update(m, meta, 10, "", sent)).at("participants").as_array().size(),
              m.participants().all().size());

    change_set item;
    item.agenda = {1};
    auto const a = wire(make_update(m, item, 11, "", sent));
    EXPECT_EQ(uint_of(a.at("items")), m.agenda().size()) << "`items` comes with `agenda`";
    ASSERT_EQ(a.at("agenda").as_array().size(), 1u);
    expect_agenda_item(a.at("agenda").as_array()[0].as_object(), 1);

    // An item opened and taken back again by an alignment within one change: only `items`
    // tells the viewer, which drops what is past it.
    change_set taken_back;
    taken_back.agenda = {1, m.agenda().size()};
    auto const tb = wire(make_update(m, taken_back, 11, "", sent));
    EXPECT_EQ(uint_of(tb.at("items")), m.agenda().size());
    ASSERT_EQ(tb.at("agenda").as_array().size(), 1u);
    expect_agenda_item(tb.at("agenda").as_array()[0].as_object(), 1);

    change_set known;
    known.known_agenda = true;
    EXPECT_EQ(wire(make_update(m, known, 12, "", sent)).at("known_agenda"),
              json::value_from(titles));

    change_set pending;
    pending.pending = true;
    auto const pu = wire(make_update(m, pending, 13, "", sent));
    EXPECT_EQ(keys(pu).count("pending"), 1u);
    EXPECT_EQ(keys(pu).count("utterances"), 0u);
    EXPECT_EQ(keys(pu).count("agenda"), 0u);
}

// The text of a long turn is sent as it grows: whole once, then `from` (UTF-16 units, as
// JavaScript counts) and `tail`, so that text.slice(0, from) + tail is the text now.
TEST(state_json, an_utterance_is_sent_whole_once_then_as_the_text_it_gained) {
    pipeline p;
    change_set changes;
    std::vector<sent_text> sent;
    // A line is final once the next one begins.
    p.put(">> ANNA: Caf\xC3\xA9 first \xF0\x9F\x98\x80 point.\n", t0, changes);
    changes = {};
    p.put("And the second point, \xE2\x80\x9Cquoted\xE2\x80\x9D.\n", t0, changes);
    changes.normalise();
    ASSERT_EQ(changes.utterances, std::vector<std::size_t>{0});
    auto const first = wire(make_update(p.state(), changes, 1, "", sent));
    auto const& whole = first.at("utterances").as_array()[0].as_object();
    expect_whole_utterance(whole);
    std::string const before = p.state().utterances()[0].text;
    EXPECT_EQ(whole.at("text"), json::value(before));

    changes = {};
    p.put("And a third \xF0\x9F\x98\x80.\n", t0, changes);
    changes.normalise();
    ASSERT_EQ(changes.utterances, std::vector<std::size_t>{0});
    std::string const after = p.state().utterances()[0].text;
    ASSERT_GT(after.size(), before.size());
    ASSERT_EQ(after.substr(0, before.size()), before);
    auto const second = wire(make_update(p.state(), changes, 2, "", sent));
    auto const& delta = second.at("utterances").as_array()[0].as_object();
    EXPECT_EQ(keys(delta),
              (std::set<std::string>{"id", "speaker", "from", "tail", "line", "at", "item"}));
    EXPECT_EQ(uint_of(delta.at("from")), js_length(before)) << "the emoji counts 2";
    EXPECT_EQ(delta.at("tail"), json::value(after.substr(before.size())));
    EXPECT_EQ(uint_of(delta.at("id")), 0u);

    // Nothing gained: from is the end, the tail empty.
    auto const third = wire(make_update(p.state(), changes, 3, "", sent));
    auto const& none = third.at("utterances").as_array()[0].as_object();
    EXPECT_EQ(uint_of(none.at("from")), js_length(after));
    EXPECT_EQ(none.at("tail"), "");
}

// A viewer replaces an agenda item when an update carries it; its `context` changes with
// turns the meeting does not report as a change of the item (a new turn in it, another
// leader, a rename). Fed line by line, as captions come, every update leaves the viewer with
// each item's context as it is now.
void expect_contexts_follow(pipeline p, std::string const& text) {
    sent_contexts sent;
    std::vector<std::string> viewer;
    auto const publish = [&](change_set& changes, std::size_t line) {
        auto const& m = p.state();
        sent.add_changed(m, changes);
        changes.normalise();
        viewer.resize(m.agenda().size());
        for (auto const i : changes.agenda)
            if (i < viewer.size())
                viewer[i] = m.context_of(i);
        for (std::size_t i = 0; i < viewer.size(); ++i)
            ASSERT_EQ(viewer[i], m.context_of(i)) << "item " << i + 1 << " after line " << line;
    };
    std::size_t line = 0;
    for (std::size_t at = 0; at < text.size(); ++line) {
        auto const end = std::min(text.find('\n', at), text.size() - 1) + 1;
        change_set changes;
        p.put(std::string_view(text).substr(at, end - at), t0, changes);
        ASSERT_NO_FATAL_FAILURE(publish(changes, line));
        at = end;
    }
    change_set changes;
    p.finish(t0, changes);
    ASSERT_NO_FATAL_FAILURE(publish(changes, line));
}

TEST(state_json, updates_carry_every_agenda_item_whose_context_changed) {
    expect_contexts_follow(pipeline(titles), meeting_text);
    for (auto const* file : {"dccg-90-2024-11-08.raw.txt", "igf2021-dc-main-session.raw.txt"}) {
        SCOPED_TRACE(file);
        expect_contexts_follow(pipeline(), testing::read_test_file(file));
    }
}

// What the viewer shows comes from captioners and from whoever sets the agenda: quotes,
// backslashes and markup must come back from JSON.parse exactly as they went in (the viewer
// puts them in the page as text, and frames are never inlined in HTML: the pages' CSP forbids
// inline scripts), and bytes that are not UTF-8 become U+FFFD before they reach a frame, so
// the text frame a browser gets is valid UTF-8.
TEST(state_json, hostile_text_comes_back_exactly_and_frames_are_valid_utf8) {
    std::string const hostile = R"(say "hi" </script><script>alert('x')</script> C:\path\ & <b>)";
    std::vector<std::string> const agenda{hostile,
                                          std::string("tab\tand\x01"
                                                      "control"),
                                          "line\xE2\x80\xA8separator"};
    pipeline p(agenda);
    change_set changes;
    p.put(">> EVE: " + hostile + " then bad bytes \xFF\xFE here.\n>> ADAM: Next.\n", t0, changes);
    auto const snapshot = make_snapshot(hostile, p.state(), 1);
    auto const text = json::serialize(snapshot);

    auto const back = json::parse(text).as_object();
    EXPECT_EQ(back.at("session"), json::value(hostile));
    EXPECT_EQ(back.at("known_agenda"), json::value_from(agenda));
    auto const said = std::string(back.at("utterances").as_array()[0].at("text").as_string());
    EXPECT_NE(said.find(hostile), std::string::npos) << said;
    EXPECT_NE(said.find("bad bytes \xEF\xBF\xBD"), std::string::npos)
        << "an invalid byte is U+FFFD: " << said;

    EXPECT_NE(text.find(R"(say \"hi\")"), std::string::npos) << "quotes escaped";
    EXPECT_NE(text.find(R"(C:\\path\\)"), std::string::npos) << "backslashes escaped";
    EXPECT_NE(text.find(R"(tab\tand\u0001control)"), std::string::npos)
        << "control characters escaped";
    for (char const c : text)
        EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "no raw control character in a frame";
    std::size_t i = 0;
    while (i < text.size()) {
        auto const c = static_cast<unsigned char>(text[i]);
        std::size_t const n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        ASSERT_NE(n, 0u) << "not UTF-8 at byte " << i;
        ASSERT_LE(i + n, text.size());
        for (std::size_t k = 1; k < n; ++k)
            ASSERT_EQ(static_cast<unsigned char>(text[i + k]) & 0xC0, 0x80)
                << "not UTF-8 at byte " << i + k;
        i += n;
    }
}

} // namespace
} // namespace minuted::daemon
