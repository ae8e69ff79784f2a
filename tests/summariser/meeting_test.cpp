#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"
#include "summariser/text.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace minuted::summariser {
namespace {

using minuted::testing::read_test_file;

time_point const t0{};

pipeline run_whole(std::string const& text, std::vector<std::string> agenda = {}) {
    pipeline p(std::move(agenda));
    change_set changes;
    p.put(text, t0, changes);
    p.finish(t0, changes);
    return p;
}

std::string report_json(pipeline const& p) {
    return boost::json::serialize(render_json(p.state()));
}

// Speaker turns (lines starting with ">>") strictly between two lines.
std::size_t turns_between(std::string const& text, std::size_t a, std::size_t b) {
    if (a > b)
        std::swap(a, b);
    std::size_t line = 1, turns = 0, pos = 0;
    while (pos < text.size()) {
        auto const end = std::min(text.find('\n', pos), text.size());
        if (line > a && line < b && text.compare(pos, 2, ">>") == 0)
            ++turns;
        pos = end + 1;
        ++line;
    }
    return turns;
}

std::vector<std::string> labelled_titles(std::string const& labels_file) {
    std::vector<std::string> titles;
    auto const labels = boost::json::parse(read_test_file(labels_file));
    for (auto const& l : labels.at("agenda").as_array())
        titles.emplace_back(l.at("title").as_string());
    return titles;
}

class dccg_golden : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        text_ = new std::string(read_test_file("dccg-90-2024-11-08.raw.txt"));
        labels_ = new boost::json::value(
            boost::json::parse(read_test_file("dccg-90-2024-11-08.labels.json")));
        result_ = new pipeline(run_whole(*text_));
    }
    static void TearDownTestSuite() {
        delete result_;
        delete labels_;
        delete text_;
    }
    static std::string* text_;
    static boost::json::value* labels_;
    static pipeline* result_;
};
std::string* dccg_golden::text_ = nullptr;
boost::json::value* dccg_golden::labels_ = nullptr;
pipeline* dccg_golden::result_ = nullptr;

TEST_F(dccg_golden, finds_every_labelled_agenda_item_within_three_turns_with_its_keywords) {
    auto const& labelled = labels_->at("agenda").as_array();
    auto const& agenda = result_->state().agenda();
    ASSERT_EQ(agenda.size(), labelled.size()) << render_markdown(result_->state());
    for (std::size_t i = 0; i < labelled.size(); ++i) {
        auto const& l = labelled[i].as_object();
        auto const start = static_cast<std::size_t>(l.at("start_line").as_int64());
        EXPECT_LE(turns_between(*text_, start, agenda[i].start_line), 3u)
            << "item " << i + 1 << " starts at " << agenda[i].start_line << ", labelled " << start;
        auto const title = to_lower(agenda[i].title);
        bool const carries =
            std::any_of(l.at("keywords").as_array().begin(), l.at("keywords").as_array().end(),
                        [&](auto const& k) {
                            return title.find(to_lower(k.as_string())) != std::string::npos;
                        });
        EXPECT_TRUE(carries) << "item " << i + 1 << " title '" << agenda[i].title << "' lacks "
                             << boost::json::serialize(l.at("keywords"));
    }
}

TEST_F(dccg_golden, proposal_not_taken_up_does_not_open_an_item) {
    // Line 643 proposes Any Other Business but the booth discussion goes on (labels' notes).
    for (auto const& item : result_->state().agenda())
        EXPECT_NE(item.start_line, 643u);
}

TEST_F(dccg_golden, participants_equal_the_labelled_list_with_aliases_and_roles) {
    std::set<std::string> expected, produced;
    for (auto const& l : labels_->at("participants").as_array()) {
        auto entry = std::string(l.at("name").as_string());
        for (auto const& a : l.at("aliases").as_array())
            entry += "|" + std::string(a.as_string());
        if (auto const* kind = l.as_object().if_contains("kind"))
            entry += "#" + std::string(kind->as_string());
        expected.insert(entry);
    }
    // The labels list the IGF Secretariat apart, but the meeting says who it is (line 43:
    // "Roman, you may want to change your name to say Roman instead of IGF Secretariat,
    // which you are"): one person, the role label an alias.
    ASSERT_EQ(expected.erase("IGF SECRETARIAT#role"), 1u);
    ASSERT_EQ(expected.erase("ROMAN CHUKOV"), 1u);
    expected.insert("ROMAN CHUKOV|IGF SECRETARIAT");
    for (auto const& p : result_->state().participants().all()) {
        if (p.same_as)
            continue;
        auto entry = p.label;
        for (auto const& a : p.aliases)
            entry += "|" + a;
        if (p.kind == participant_kind::role)
            entry += "#role";
        produced.insert(entry);
    }
    EXPECT_EQ(produced, expected);
}

TEST_F(dccg_golden, the_secretariat_is_the_person_the_meeting_says_it_is) {
    auto const& all = result_->state().participants().all();
    auto const role = std::find_if(all.begin(), all.end(),
                                   [](auto const& p) { return p.label == "IGF SECRETARIAT"; });
    ASSERT_NE(role, all.end());
    ASSERT_TRUE(role->same_as);
    auto const& roman = all.at(*role->same_as);
    EXPECT_EQ(roman.name, "Roman Chukov");
    EXPECT_EQ(role->name, "Roman Chukov"); // its turns are shown as his
    EXPECT_EQ(role->turns, 0u);
    EXPECT_EQ(roman.turns, 25u); // 22 as himself and 3 as the secretariat
    auto const json = report_json(*result_);
    EXPECT_EQ(json.find("\"IGF Secretariat\""), std::string::npos);
}

TEST_F(dccg_golden, finds_the_chair) {
    auto const chair = result_->state().chair();
    ASSERT_TRUE(chair);
    EXPECT_EQ(result_->state().participants().at(*chair).label,
              labels_->at("meeting").at("chair").as_string());
}

TEST_F(dccg_golden, unnamed_turns_are_unattributed_and_header_is_not_speech) {
    std::vector<std::uint32_t> unattributed;
    for (auto const& u : result_->state().utterances())
        if (!u.speaker)
            unattributed.push_back(u.line);
    std::vector<std::uint32_t> expected;
    for (auto const& l : labels_->at("unattributed_turn_lines").as_array())
        expected.push_back(static_cast<std::uint32_t>(l.as_int64()));
    EXPECT_EQ(unattributed, expected);
    EXPECT_EQ(result_->state().title(), "Dynamic Coalitions Coordination Group Meeting 90");
    for (auto const& u : result_->state().utterances()) {
        EXPECT_EQ(u.text.find("Caption First"), std::string::npos);
        EXPECT_EQ(u.text.find("rough draft format"), std::string::npos);
    }
}

TEST_F(dccg_golden, adoption_of_the_agenda_is_a_decision_of_item_one) {
    auto const& first = result_->state().agenda().front();
    ASSERT_FALSE(first.decisions.empty());
    EXPECT_NE(first.decisions.front().text.find("adopt the draft agenda"), std::string::npos);
}

TEST_F(dccg_golden, next_step_names_who_will_act) {
    // The labelled next steps with an owner, as minutes phrase them: "OWNER to ...".
    std::vector<std::string> steps;
    for (auto const& item : result_->state().agenda())
        for (auto const& a : item.next_steps) {
            EXPECT_TRUE(a.text.starts_with(a.who + " to ")) << a.text;
            steps.push_back(a.text);
        }
    auto const has = [&](std::string_view start) {
        return std::any_of(steps.begin(), steps.end(),
                           [&](std::string const& s) { return s.starts_with(start); });
    };
    // "Marko will give me -- did you say by tomorrow evening, Marko?"
    EXPECT_TRUE(has("Marko Paloski to give Jutta Croll")) << ::testing::PrintToString(steps);
    // "we will ask Louis, or probably Roman, you can ask Louis to set up these smaller lists"
    EXPECT_TRUE(has("Roman Chukov to ask Louis to set up these smaller mailing lists"));
    EXPECT_TRUE(has("Roman Chukov to share the document"));
    // "I think Celine is very much in the schedule, and Roman will ask her"
    auto const& aob = result_->state().agenda().back();
    ASSERT_FALSE(aob.next_steps.empty());
    EXPECT_EQ(aob.next_steps.back().who, "Roman Chukov");
    EXPECT_TRUE(aob.next_steps.back().text.starts_with("Roman Chukov to ask her"));
}

TEST_F(dccg_golden, key_points_are_a_handful_attributed_and_free_of_fillers) {
    for (auto const& item : result_->state().agenda()) {
        EXPECT_LE(item.key_points.size(), 6u);
        for (auto const& k : item.key_points) {
            EXPECT_TRUE(k.from.speaker) << k.text;
            EXPECT_EQ(to_lower(k.text).find("you know"), std::string::npos) << k.text;
            EXPECT_EQ(to_lower(k.text).find("next agenda item"), std::string::npos) << k.text;
        }
    }
    EXPECT_GE(result_->state().agenda()[1].key_points.size(), 3u);
}

TEST(known_agenda, items_take_the_known_titles_where_the_labels_put_them) {
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const labels = boost::json::parse(read_test_file("dccg-90-2024-11-08.labels.json"));
    auto const titles = labelled_titles("dccg-90-2024-11-08.labels.json");
    auto const p = run_whole(text, titles);
    std::vector<std::string> produced;
    for (auto const& item : p.state().agenda())
        produced.push_back(item.title);
    ASSERT_EQ(produced, titles);
    // Any Other Business is proposed at 643 but not taken up: the booth goes on until 667.
    auto const& labelled = labels.at("agenda").as_array();
    for (std::size_t i = 0; i < titles.size(); ++i) {
        auto const start = static_cast<std::size_t>(labelled[i].at("start_line").as_int64());
        EXPECT_LE(turns_between(text, start, p.state().agenda()[i].start_line), 3u)
            << titles[i] << " starts at " << p.state().agenda()[i].start_line << ", labelled "
            << start;
    }
}

// "AOB" on the agenda is the chair's "Any Other Business": one item, where it is taken up.
TEST(known_agenda, an_abbreviated_item_is_found_by_its_long_form) {
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto titles = labelled_titles("dccg-90-2024-11-08.labels.json");
    titles.back() = "AOB";
    auto const p = run_whole(text, titles);
    auto const& agenda = p.state().agenda();
    ASSERT_EQ(agenda.size(), titles.size()) << render_markdown(p.state());
    EXPECT_EQ(agenda.back().title, "AOB");
    EXPECT_LE(turns_between(text, 667, agenda.back().start_line), 3u) << agenda.back().start_line;
}

// An agenda given mid-meeting re-aligns what was heard: the same as knowing it from the start.
TEST(known_agenda, an_agenda_given_late_equals_one_known_from_the_start) {
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const titles = labelled_titles("dccg-90-2024-11-08.labels.json");
    std::vector<protocol::agenda_item> agenda;
    for (auto const& t : titles)
        agenda.push_back({t, {}, std::nullopt});
    meeting late;
    pipeline early(agenda);
    protocol::cart_reader reader;
    std::vector<protocol::caption_event> events;
    change_set changes;
    reader.put(text, events);
    reader.finish(events);
    for (std::size_t i = 0; i < events.size(); ++i) {
        late.apply(events[i], t0, changes);
        if (i == events.size() / 2) {
            change_set moved;
            late.set_known_agenda(agenda, moved);
            EXPECT_TRUE(moved.meta);
            EXPECT_EQ(late.agenda().front().title, titles.front());
        }
    }
    late.finish(t0, changes);
    early.put(text, t0, changes);
    early.finish(t0, changes);
    EXPECT_EQ(boost::json::serialize(render_json(late)), report_json(early));
}

// "Let's take item 3 first": that item starts where the chair says so, the meeting goes back to
// item 2 after it, and the item knows it came ahead of its place, in any chunking.
TEST(known_agenda, an_item_the_chair_takes_first_is_placed_out_of_order) {
    // Said, or asked and taken up.
    for (std::string const move :
         {"Our guest Jesse has to leave early, so let's take item 3 first.",
          "Jesse has to leave early. Can we take item 3 first?"}) {
        std::string const text =
            ">> CHAIR: Good morning everyone, welcome to the meeting of the working group.\n"
            ">> ANNA: Good morning, thank you.\n"
            ">> CHAIR: " +
            move +
            "\n"
            ">> JESSE: Thank you. The decimal proposal adds exact decimal arithmetic to the "
            "language, and I am asking for Stage 2 for decimal today.\n"
            ">> WALDEMAR: Decimal rounding modes need to be specified before Stage 2.\n"
            ">> JESSE: Agreed, the decimal spec text will specify rounding.\n"
            ">> CHAIR: Thank you Jesse. Now back to agenda item number 2, the budget.\n"
            ">> SAMINA: The budget of the working group for next year is unchanged from this "
            "year.\n"
            ">> ANNA: Is the budget approved by the general assembly already?\n"
            ">> SAMINA: Yes, the general assembly approved the budget in December.\n"
            ">> CHAIR: Thank you. Item 4, any other business?\n"
            ">> ANNA: None from me.\n";
        std::vector<std::string> const titles{"Opening", "Budget of the working group",
                                              "Decimal for Stage 2", "Any other business"};
        auto const p = run_whole(text, titles);
        auto const& agenda = p.state().agenda();
        ASSERT_EQ(agenda.size(), 4u) << render_markdown(p.state());
        std::vector<std::optional<std::size_t>> known;
        for (auto const& item : agenda)
            known.push_back(item.known_index);
        EXPECT_EQ(known, (std::vector<std::optional<std::size_t>>{0, 2, 1, 3}))
            << move << "\n"
            << render_markdown(p.state());
        EXPECT_TRUE(agenda[1].ahead);
        EXPECT_FALSE(agenda[2].ahead);
        EXPECT_EQ(agenda[1].start_line, 3u);
        for (std::size_t size : {1u, 7u, 40u}) {
            pipeline chunked(titles);
            change_set changes;
            for (std::size_t at = 0; at < text.size(); at += size)
                chunked.put(std::string_view(text).substr(at, size), t0, changes);
            chunked.finish(t0, changes);
            EXPECT_EQ(report_json(chunked), report_json(p)) << size;
        }
    }
}

TEST(igf2021, participants_are_every_speaker_once_with_the_typo_merged) {
    auto const p = run_whole(read_test_file("igf2021-dc-main-session.raw.txt"));
    auto const& all = p.state().participants().all();
    EXPECT_EQ(all.size(), 21u);
    auto const olivier = std::find_if(
        all.begin(), all.end(), [](auto const& x) { return x.name == "Olivier Crepin-Leblond"; });
    ASSERT_NE(olivier, all.end());
    EXPECT_EQ(olivier->aliases, std::vector<std::string>{"OLIVIER REPIN-LEBLOND"});
    EXPECT_EQ(olivier->turns, 2u);
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [](auto const& x) { return x.name == "Courtney Rausch"; }));
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [](auto const& x) { return x.name == "Yasmin Curzi de Mendonca"; }));
}

TEST(igf2021, a_remote_hub_is_a_place_not_a_person_and_the_two_moderators_chair) {
    auto const p = run_whole(read_test_file("igf2021-dc-main-session.raw.txt"));
    auto const& m = p.state();
    auto const& all = m.participants().all();
    auto const hub = std::find_if(all.begin(), all.end(),
                                  [](auto const& x) { return x.name == "Dhaka Bangladesh"; });
    ASSERT_NE(hub, all.end());
    EXPECT_TRUE(m.is_hub(*hub));
    EXPECT_EQ(role_of(m, *hub, m.chairs()), "hub");
    EXPECT_EQ(std::count_if(all.begin(), all.end(), [&](auto const& x) { return m.is_hub(x); }), 1);
    auto const chairs = m.chairs();
    EXPECT_EQ(chairs.size(), 2u);
    EXPECT_EQ(std::find(chairs.begin(), chairs.end(), hub->id), chairs.end());
    EXPECT_NE(render_markdown(m).find("| Dhaka Bangladesh | hub | 2 |"), std::string::npos);
}

TEST(igf2021, segments_the_session_by_its_themes) {
    auto const p = run_whole(read_test_file("igf2021-dc-main-session.raw.txt"));
    std::string titles;
    for (auto const& item : p.state().agenda())
        titles += to_lower(item.title) + "\n";
    for (auto const* theme : {"network neutrality", "environmental sustainability",
                              "emerging regulation", "digital cooperation", "second part"})
        EXPECT_NE(titles.find(theme), std::string::npos) << theme << " missing from\n" << titles;
    EXPECT_LE(p.state().agenda().size(), 8u);
}

// Without a moderator's cues, the themes are still found from the vocabulary alone.
// The IGF 2021 main session with every sentence that moves its agenda taken out: only how the
// talk moves on is left to find its items by.
std::string igf2021_without_cues() {
    auto const text = read_test_file("igf2021-dc-main-session.raw.txt");
    std::string stripped;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto const end = std::min(text.find('\n', pos), text.size());
        std::string line;
        for (auto s : split_sentences(std::string_view(text).substr(pos, end - pos))) {
            auto const lower = to_lower(s);
            bool cue = false;
            for (auto const* p : {"issue area", "next issue", "second part", "move to", "moving to",
                                  "jump to", "last subject"})
                cue = cue || lower.find(p) != std::string::npos;
            if (!cue)
                line += (line.empty() ? "" : " ") + std::string(s);
        }
        stripped += line + "\n";
        pos = end + 1;
    }
    return stripped;
}

TEST(igf2021, without_cues_finds_items_near_the_real_theme_changes) {
    auto const stripped = igf2021_without_cues();
    auto const p = run_whole(stripped);
    auto const& agenda = p.state().agenda();
    ASSERT_GE(agenda.size(), 3u) << render_markdown(p.state());
    // Within three speaker turns, as for the labelled DCCG agenda.
    auto const near = [&](std::uint32_t line) {
        return std::any_of(agenda.begin() + 1, agenda.end(), [&](auto const& item) {
            return turns_between(stripped, item.start_line, line) <= 3;
        });
    };
    EXPECT_TRUE(near(157)) << "issue area 3, emerging regulation\n" << render_markdown(p.state());
    EXPECT_TRUE(near(257)) << "second part of the session";
    for (std::size_t i = 1; i < agenda.size(); ++i) {
        EXPECT_GT(agenda[i].start_line, agenda[i - 1].start_line);
        EXPECT_EQ(agenda[i].title.find("Item "), std::string::npos) << render_markdown(p.state());
        EXPECT_FALSE(agenda[i].title.empty());
    }
}

// Feeding a transcript in arbitrary chunks gives exactly the same report as feeding it whole,
// with and without a known agenda (whose placements move as evidence comes in).
TEST(incremental, random_chunking_gives_the_same_report) {
    struct run {
        char const* file;
        std::vector<std::string> agenda;
    };
    for (auto const& [file, agenda] :
         {run{"dccg-90-2024-11-08.raw.txt", {}}, run{"igf2021-dc-main-session.raw.txt", {}},
          run{"dccg-90-2024-11-08.raw.txt", labelled_titles("dccg-90-2024-11-08.labels.json")},
          run{"igf2021-dc-main-session.raw.txt",
              {"Network neutrality", "Environmental sustainability", "Any Other Business"}},
          run{"", {}}}) {
        // "": the same meeting without its cues, whose items are found by how the talk moves on.
        auto const text = *file ? read_test_file(file) : igf2021_without_cues();
        auto const whole = report_json(run_whole(text, agenda));
        for (unsigned seed : {1u, 2u, 3u}) {
            std::mt19937 rng(seed);
            std::uniform_int_distribution<std::size_t> size(1, 300);
            pipeline p(agenda);
            change_set changes;
            for (std::size_t pos = 0; pos < text.size();) {
                auto const n = std::min(size(rng), text.size() - pos);
                p.put(std::string_view(text).substr(pos, n), t0, changes);
                pos += n;
            }
            p.finish(t0, changes);
            EXPECT_EQ(report_json(p), whole) << file << " seed " << seed;
        }
    }
}

// A stenographer's typos, erased with backspaces and retyped, leave no trace in the minutes.
TEST(incremental, corrections_typed_live_give_the_clean_report) {
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    std::string typed;
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> every(0, 60);
    for (char c : text) {
        typed.push_back(c);
        if (c == ' ' && every(rng) == 0)
            typed += "wrnog\b\b\b\b\b";
    }
    pipeline p;
    change_set changes;
    for (std::size_t pos = 0; pos < typed.size(); pos += 40)
        p.put(std::string_view(typed).substr(pos, 40), t0, changes);
    p.finish(t0, changes);
    EXPECT_GT(p.reader_stats().erased, 100u);
    EXPECT_EQ(p.reader_stats().erase_rejected, 0u);
    EXPECT_EQ(report_json(p), report_json(run_whole(text)));
}

// The state after every update is consistent and renders.
TEST(incremental, every_intermediate_state_is_consistent) {
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    pipeline p;
    std::size_t updates = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += 997) {
        change_set changes;
        p.put(std::string_view(text).substr(pos, 997), t0, changes);
        auto const& agenda = p.state().agenda();
        for (std::size_t i = 0; i < agenda.size(); ++i) {
            EXPECT_EQ(agenda[i].n, i + 1);
            if (i > 0) {
                EXPECT_GE(agenda[i].start_line, agenda[i - 1].start_line);
            }
            EXPECT_LT(agenda[i].first_utterance, p.state().utterances().size());
        }
        EXPECT_FALSE(p.state().catch_up().empty());
        EXPECT_FALSE(render_markdown(p.state()).empty());
        updates += changes.empty() ? 0u : 1u;
    }
    EXPECT_GT(updates, 50u);
}

TEST(pending, provisional_text_is_shown_but_not_in_the_minutes) {
    pipeline p;
    change_set changes;
    p.put(">> JUTTA CROLL: We will send the lin", t0, changes);
    EXPECT_TRUE(changes.pending);
    ASSERT_EQ(p.state().pending().size(), 1u);
    EXPECT_EQ(p.state().pending()[0].speaker_label, "JUTTA CROLL");
    EXPECT_EQ(p.state().pending()[0].text, "We will send the lin");
    EXPECT_TRUE(p.state().utterances().empty());
    changes = {};
    p.erase(3, changes);
    EXPECT_EQ(p.state().pending()[0].text, "We will send the");
}

TEST(live_pipeline, caption_text_with_no_turns_is_unattributed_speech_not_a_title) {
    // A caption service's text: no ">>" markers. Read live, it is what was said; read as a
    // transcript file, its short first lines would be the file's header.
    protocol::reader_options live;
    live.source = protocol::text_source::live;
    pipeline p(std::vector<protocol::agenda_item>{}, live);
    change_set changes;
    p.put("Good morning, everyone.\nWelcome to the budget committee.\n", t0, changes);
    p.finish(t0, changes);
    EXPECT_EQ(p.state().title(), "");
    ASSERT_EQ(p.state().utterances().size(), 1u);
    EXPECT_FALSE(p.state().utterances()[0].speaker);
    EXPECT_EQ(p.state().utterances()[0].text,
              "Good morning, everyone. Welcome to the budget committee.");

    auto const file = run_whole("Good morning, everyone.\nWelcome to the budget committee.\n");
    EXPECT_EQ(file.state().title(), "Good morning, everyone.");
    EXPECT_TRUE(file.state().utterances().empty());
}

TEST(live_pipeline, a_turn_carries_the_language_its_text_was_put_in) {
    protocol::reader_options live;
    live.source = protocol::text_source::live;
    pipeline p(std::vector<protocol::agenda_item>{}, live);
    change_set changes;
    p.set_language("ar");
    // The turn's line becomes final only with the next one, put in another language.
    p.put(">> AMINA: \xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7\n", t0, changes);
    EXPECT_EQ(p.state().language(), "ar"); // the meeting's, at once
    p.set_language("en");
    p.put(">> MARKUS KUMMER: Thank you.\n", t0, changes);
    EXPECT_EQ(p.state().language(), "en");
    p.set_language("en");
    p.put("We go on.\n", t0, changes);
    p.finish(t0, changes);
    ASSERT_EQ(p.state().utterances().size(), 2u);
    EXPECT_EQ(p.state().utterances()[0].lang, "ar");
    EXPECT_EQ(p.state().utterances()[1].lang, "en");
}

TEST(live_pipeline, a_line_under_way_finishes_in_the_language_it_started_in) {
    // A caption service sends all text since its last request, often stopping mid-line.
    protocol::reader_options live;
    live.source = protocol::text_source::live;
    pipeline p(std::vector<protocol::agenda_item>{}, live);
    change_set changes;
    p.set_language("en");
    p.put(">> ALICE SMITH: Good morning, every", t0, changes);
    p.set_language("de"); // typed in nothing: replaced by the next one
    p.set_language("fr");
    p.put("one.\n>> BERNARD DUPONT: Bonjour.\n", t0, changes);
    p.finish(t0, changes);
    ASSERT_EQ(p.state().utterances().size(), 2u);
    EXPECT_EQ(p.state().utterances()[0].lang, "en");
    EXPECT_EQ(p.state().utterances()[1].lang, "fr");
}

TEST(long_turns, a_turn_over_max_utterance_bytes_goes_on_in_continued_utterances) {
    // One speaker for 150 KB: the turn is cut at a sentence's end once it holds
    // max_utterance_bytes, and goes on in utterances marked `continues`, still one turn.
    std::string text = ">> JANE DOE: ";
    std::string const line = "The committee will consider the draft proposal on network access.";
    for (int i = 0; i < 2000; ++i)
        text += "\n" + line;
    text += "\n>> JOHN ROE: Thank you, Jane.\n";
    auto const p = run_whole(text);
    auto const& us = p.state().utterances();
    ASSERT_EQ(us.size(), 4u); // 2,000 lines of 66 bytes in three parts, then John
    std::size_t words = 0;
    for (std::size_t i = 0; i + 1 < us.size(); ++i) {
        EXPECT_EQ(us[i].speaker, us[0].speaker);
        EXPECT_EQ(us[i].continues, i > 0);
        EXPECT_LE(us[i].text.size(), max_utterance_bytes);
        EXPECT_TRUE(ends_sentence(us[i].text)) << i;
        words += us[i].words;
    }
    EXPECT_GE(us[0].text.size(), max_utterance_bytes - line.size() - 1);
    EXPECT_EQ(words, 2000u * word_count(line));
    EXPECT_FALSE(us[3].continues);
    auto const& jane = p.state().participants().at(*us[0].speaker);
    EXPECT_EQ(jane.turns, 1u);
    EXPECT_EQ(jane.words, words);
    // The transcript names the speaker once for the whole turn.
    auto const transcript = render_transcript(p.state());
    EXPECT_EQ(transcript.find("Jane Doe: ", 1), std::string::npos);
}

} // namespace
} // namespace minuted::summariser
