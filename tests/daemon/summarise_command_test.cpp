// `minuted summarise` as a user runs it: the real binary in a child process, its exit code,
// standard output and standard error.

#include "tests/support/child_process.hpp"
#include "tests/support/sanitized_build.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {
namespace {

using minuted::testing::environment_changes;
using minuted::testing::read_test_file;
using minuted::testing::run_minuted;
using minuted::testing::sanitized_build;
namespace json = boost::json;

/// ASAN_OPTIONS for a child: this process's, with `options` added after them (later options
/// win there). A binary built without AddressSanitizer ignores them.
environment_changes with_asan_options(std::string_view options) {
    std::string value(options);
    if (auto const* inherited = std::getenv("ASAN_OPTIONS"); inherited && *inherited)
        value = std::string(inherited) + ":" + value;
    return {{"ASAN_OPTIONS", value}};
}

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

class summarise_cli : public ::testing::Test {
protected:
    /// Writes `contents` to a file of the test's temporary directory; returns its path.
    std::string write_file(std::string const& name, std::string_view contents) const {
        auto const path = dir_ / name;
        std::ofstream f(path, std::ios::binary);
        f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
        EXPECT_TRUE(f.good()) << path;
        return path.string();
    }

    minuted::testing::temp_dir const dir_{"minuted-cli-test"};
};

std::string const dccg_file = "dccg-90-2024-11-08.raw.txt";
std::string const igf_file = "igf2021-dc-main-session.raw.txt";

std::string data_path(std::string const& name) {
    return std::string(MINUTED_TEST_DATA) + "/" + name;
}

// Lines of `text` that start a speaker turn.
std::size_t count_turn_lines(std::string_view text) {
    std::size_t n = text.starts_with(">>") ? 1 : 0;
    for (auto pos = text.find("\n>>"); pos != std::string_view::npos;
         pos = text.find("\n>>", pos + 1))
        ++n;
    return n;
}

// ---------------------------------------------------------------------------------------
// A roster: names, organisations and roles for the labels people speak under

TEST_F(summarise_cli, a_roster_names_people_gives_their_organisation_and_who_chairs) {
    auto const transcript = write_file(
        "meeting.txt",
        ">> AC: Welcome. Let us start with the first item, the budget for next year.\n"
        ">> KG: The budget grows by four percent because the venue costs more than before.\n"
        ">> BOB LEE: I support the budget as presented and I think the venue is worth it.\n"
        ">> AC: Any objections to the budget? I see none, so the budget is approved.\n");
    auto const roster = write_file("roster.json",
                                   R"([{"name": "Alex Carter", "aliases": ["AC"], "role": "chair"},
            {"name": "Kim Grey", "organisation": "Example Foundation", "aliases": ["KG"]},
            {"name": "Bob Lee", "organisation": "Sample Institute"}])");
    auto const r = run_minuted({"summarise", transcript, "--format", "json", "--roster", roster});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto const report = json::parse(r.out).as_object();
    std::map<std::string, json::object> people;
    for (auto const& p : report.at("participants").as_array())
        people[std::string(p.at("name").as_string())] = p.as_object();
    ASSERT_TRUE(people.count("Kim Grey")) << r.out;
    EXPECT_EQ(people["Kim Grey"].at("label"), "KG");
    EXPECT_EQ(people["Kim Grey"].at("organisation"), "Example Foundation");
    EXPECT_EQ(people["Bob Lee"].at("organisation"), "Sample Institute");
    EXPECT_EQ(people["Alex Carter"].at("role"), "chair");
    EXPECT_EQ(people["Alex Carter"].at("organisation"), "");
    EXPECT_EQ(report.at("chair"), "Alex Carter");
    auto const md = run_minuted({"summarise", transcript, "--roster", roster});
    EXPECT_TRUE(contains(md.out, "| Name | Organisation | Role |")) << md.out;
    EXPECT_TRUE(contains(md.out, "| Kim Grey | Example Foundation | participant |")) << md.out;
    // Without the roster, neither the column nor the names.
    auto const plain = run_minuted({"summarise", transcript});
    EXPECT_FALSE(contains(plain.out, "Organisation")) << plain.out;
    EXPECT_FALSE(contains(plain.out, "Kim Grey")) << plain.out;
}

TEST_F(summarise_cli, a_bad_roster_is_refused_with_the_reason_and_exit_65) {
    struct bad {
        std::string text;
        std::string reason;
    };
    std::string many = "[";
    for (int i = 0; i < 2001; ++i)
        many += (i ? "," : "") + std::string(R"({"name":"P)") + std::to_string(i) + "\"}";
    many += "]";
    std::string big = R"([{"name":"A","organisation":")" + std::string(300 * 1024, 'x') + "\"}]";
    for (auto const& [text, reason] : std::vector<bad>{
             {"[{\"name\": \"A\"", "not JSON"},
             {R"({"name": "A"})", "must be a JSON array"},
             {R"([{"name": "A", "email": "a@example.org"}])", "unknown field \"email\""},
             {R"([{"organisation": "X"}])", "\"name\" is missing"},
             {R"([{"name": "A", "aliases": "KG"}])", "\"aliases\" must be an array"},
             {R"([{"name": "A", "aliases": ["KG"]}, {"name": "B", "aliases": ["kg"]}])",
              "already another person's"},
             {many, "2001 people; a roster has at most 2000"},
             {big, "a roster has at most 262144"},
             {"[{\"name\": \"\xff\"}]", "not UTF-8"},
         }) {
        auto const roster = write_file("roster.json", text);
        auto const r = run_minuted({"summarise", data_path(dccg_file), "--roster", roster});
        EXPECT_EQ(r.exit_code, 65) << reason << ": " << r.err;
        EXPECT_TRUE(contains(r.err, reason)) << r.err;
        EXPECT_TRUE(contains(r.err, roster)) << r.err;
        EXPECT_TRUE(r.out.empty());
    }
    auto const missing = (dir_ / "no-roster.json").string();
    auto const r = run_minuted({"summarise", data_path(dccg_file), "--roster", missing});
    EXPECT_EQ(r.exit_code, 66) << r.err;
    EXPECT_TRUE(contains(r.err, missing)) << r.err;
}

// ---------------------------------------------------------------------------------------
// Exit codes of bad input and bad arguments

TEST_F(summarise_cli, missing_file_exits_66_and_names_the_file) {
    auto const path = (dir_ / "no-such-transcript.txt").string();
    auto const r = run_minuted({"summarise", path});
    EXPECT_EQ(r.exit_code, 66) << r.err;
    EXPECT_TRUE(contains(r.err, path)) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(summarise_cli, empty_file_exits_65) {
    auto const path = write_file("empty.txt", "");
    auto const r = run_minuted({"summarise", path});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "empty")) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(summarise_cli, empty_standard_input_exits_65) {
    auto const r = run_minuted({"summarise", "-"});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "standard input")) << r.err;
}

TEST_F(summarise_cli, random_binary_data_exits_65_as_not_caption_text) {
    std::mt19937 rng(20241108);
    std::string bytes(100 * 1024, '\0');
    for (auto& b : bytes)
        b = static_cast<char>(rng() & 0xFF);
    auto const path = write_file("random.bin", bytes);
    auto const r = run_minuted({"summarise", path});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "not caption text")) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(summarise_cli, header_only_file_exits_65) {
    auto const path = write_file("header.txt", "RAW FILE\n\nMEETING 12\nMAY 1, 2024\n");
    auto const r = run_minuted({"summarise", path});
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(summarise_cli, xml_format_exits_64) {
    auto const r = run_minuted({"summarise", data_path(dccg_file), "--format", "xml"});
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_TRUE(contains(r.err, "xml")) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(summarise_cli, unknown_option_exits_64_and_names_it) {
    auto const r = run_minuted({"summarise", data_path(dccg_file), "--frobnicate"});
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_TRUE(contains(r.err, "--frobnicate")) << r.err;
    EXPECT_TRUE(contains(r.err, "usage")) << r.err;
}

TEST_F(summarise_cli, missing_input_argument_exits_64) {
    EXPECT_EQ(run_minuted({"summarise"}).exit_code, 64);
    EXPECT_EQ(run_minuted({"summarise", "--format"}).exit_code, 64);
    EXPECT_EQ(run_minuted({"summarise", "a.txt", "b.txt"}).exit_code, 64);
}

TEST_F(summarise_cli, missing_agenda_file_exits_66_and_names_it) {
    auto const agenda = (dir_ / "no-agenda.txt").string();
    auto const r = run_minuted({"summarise", data_path(dccg_file), "--agenda", agenda});
    EXPECT_EQ(r.exit_code, 66) << r.err;
    EXPECT_TRUE(contains(r.err, agenda)) << r.err;
}

// ---------------------------------------------------------------------------------------
// Damaged and huge input

TEST_F(summarise_cli, transcript_with_nuls_and_invalid_utf8_is_repaired_with_a_diagnostic) {
    auto const clean = read_test_file(dccg_file);
    auto damaged = clean;
    // Before spaces of speech only (not inside a speaker label), so each insertion is exactly
    // one repair and the speakers stay the same.
    std::mt19937 rng(735);
    std::size_t nuls = 0, invalid = 0;
    while (nuls + invalid < 50) {
        auto const at = rng() % damaged.size();
        if (damaged[at] != ' ' || damaged[at - 1] == '\0' || damaged[at - 1] == '\xFF')
            continue;
        auto const line_start = damaged.rfind('\n', at) + 1;
        if (damaged.compare(line_start, 2, ">>") == 0 && damaged.find(':', line_start) > at)
            continue;
        if (nuls < 25) {
            damaged.insert(at, 1, '\0');
            ++nuls;
        } else {
            damaged.insert(at, 1, '\xFF');
            ++invalid;
        }
    }
    auto const r =
        run_minuted({"summarise", write_file("damaged.txt", damaged), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "repaired")) << r.err;
    EXPECT_TRUE(contains(r.err, "25 invalid UTF-8")) << r.err;
    EXPECT_TRUE(contains(r.err, "25 control")) << r.err;

    // The repairs do not change who spoke how often.
    auto const reference = run_minuted({"summarise", data_path(dccg_file), "--format", "json"});
    ASSERT_EQ(reference.exit_code, 0) << reference.err;
    EXPECT_TRUE(reference.err.empty()) << reference.err;
    auto const got = json::parse(r.out).as_object();
    auto const want = json::parse(reference.out).as_object();
    auto turns_by_name = [](json::object const& report) {
        std::set<std::pair<std::string, std::int64_t>> s;
        for (auto const& p : report.at("participants").as_array())
            s.emplace(json::value_to<std::string>(p.at("name")), p.at("turns").as_int64());
        return s;
    };
    EXPECT_EQ(turns_by_name(got), turns_by_name(want));
    EXPECT_FALSE(turns_by_name(got).empty());
}

TEST_F(summarise_cli, ten_megabyte_single_line_is_summarised_in_bounded_memory) {
    constexpr std::array<std::string_view, 16> words{
        "we",    "will", "agree",  "the",     "coalition", "meeting", "next",  "week",
        "Roman", "said", "booth.", "decide.", "main",      "session", "paper", "letter."};
    std::mt19937 rng(10);
    std::string line = ">> ANRIETTE ESTERHUYSEN: ";
    // The sanitizers' build runs the engine some twenty times slower: 2 MB there still makes
    // one line far longer than any buffer, and the normal build checks the full 10 MB.
    std::size_t const target = (sanitized_build ? 2 : 10) * 1024 * 1024;
    line.reserve(target + 16);
    while (line.size() < target) {
        line += words[rng() % words.size()];
        line += ' ';
    }
    auto const path = write_file("one-line.txt", line);
    // An AddressSanitizer build keeps 256 MB of freed memory in quarantine by default; with a
    // small quarantine its peak RSS measures the program again.
    auto const r = run_minuted(
        {"summarise", path, "--format", "json"},
        {.timeout = std::chrono::seconds(600), .env = with_asan_options("quarantine_size_mb=8")});
    ASSERT_EQ(r.term_signal, 0) << "killed by signal " << r.term_signal << "; stderr: " << r.err;
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // What the input adds over a tiny transcript, and (without sanitizers) the whole process.
    auto const baseline = run_minuted(
        {"summarise", write_file("tiny.txt", ">> A B: Hello.\n")},
        {.timeout = std::chrono::seconds(60), .env = with_asan_options("quarantine_size_mb=8")});
    ASSERT_EQ(baseline.exit_code, 0) << baseline.err;
    EXPECT_LT(r.max_rss_kb - baseline.max_rss_kb, 200 * 1024)
        << "peak RSS " << r.max_rss_kb << " KB, " << baseline.max_rss_kb << " KB for a tiny input";
    if (!sanitized_build) {
        EXPECT_LT(r.max_rss_kb, 200 * 1024) << "peak RSS " << r.max_rss_kb << " KB";
    }

    auto const report = json::parse(r.out).as_object();
    auto const& participants = report.at("participants").as_array();
    ASSERT_EQ(participants.size(), 1u);
    EXPECT_EQ(participants[0].at("label").as_string(), "ANRIETTE ESTERHUYSEN");
    EXPECT_EQ(participants[0].at("turns").as_int64(), 1);
    EXPECT_GT(participants[0].at("words").as_int64(), static_cast<std::int64_t>(target / 10));
}

// ---------------------------------------------------------------------------------------
// Output formats and options

TEST_F(summarise_cli, markdown_is_the_default_format) {
    auto const r = run_minuted({"summarise", data_path(dccg_file)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("# Dynamic Coalitions Coordination Group Meeting 90\n"))
        << r.out.substr(0, 200);
    EXPECT_TRUE(contains(r.out, "\n## 1. ")) << r.out.substr(0, 400);
    EXPECT_TRUE(contains(r.out, "Markus Kummer"));
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(summarise_cli, json_report_has_the_documented_participant_and_agenda_fields) {
    auto const transcript = read_test_file(dccg_file);
    auto const r = run_minuted({"summarise", data_path(dccg_file), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json::error_code ec;
    auto const doc = json::parse(r.out, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(doc.is_object());
    auto const& report = doc.as_object();
    EXPECT_EQ(report.at("schema").as_string(), "minuted.report/1");
    EXPECT_EQ(report.at("title").as_string(), "Dynamic Coalitions Coordination Group Meeting 90");
    EXPECT_EQ(report.at("ended").as_bool(), true);

    auto const& participants = report.at("participants").as_array();
    ASSERT_GE(participants.size(), 10u);
    std::int64_t turns = 0;
    bool found_chair = false;
    for (auto const& v : participants) {
        auto const& p = v.as_object();
        auto const name = json::value_to<std::string>(p.at("name"));
        EXPECT_FALSE(name.empty());
        for (auto const& alias : p.at("aliases").as_array())
            EXPECT_TRUE(alias.is_string()) << name;
        auto const role = json::value_to<std::string>(p.at("role"));
        EXPECT_TRUE(role == "chair" || role == "participant" || role == "role") << role;
        EXPECT_GE(p.at("turns").as_int64(), 1) << name;
        EXPECT_GE(p.at("words").as_int64(), 0) << name;
        turns += p.at("turns").as_int64();
        if (name == "Markus Kummer") {
            found_chair = true;
            EXPECT_EQ(role, "chair");
            EXPECT_EQ(p.at("turns").as_int64(), 87); // lines starting ">> MARKUS KUMMER:"
        }
        if (name == "Amali de Silva Mitchell") {
            auto const& aliases = p.at("aliases").as_array();
            EXPECT_NE(std::find(aliases.begin(), aliases.end(), json::value("AMALI")),
                      aliases.end());
        }
    }
    EXPECT_TRUE(found_chair);
    auto const& stats = report.at("stats").as_object();
    // Every ">>" line is one turn: a participant's or an unattributed one.
    EXPECT_EQ(static_cast<std::size_t>(turns + stats.at("unattributed_turns").as_int64()),
              count_turn_lines(transcript));
    EXPECT_EQ(stats.at("unattributed_turns").as_int64(), 9);

    auto const& agenda = report.at("agenda").as_array();
    ASSERT_GE(agenda.size(), 2u);
    std::int64_t previous_start = 0;
    for (std::size_t i = 0; i < agenda.size(); ++i) {
        auto const& item = agenda[i].as_object();
        EXPECT_EQ(item.at("n").as_int64(), static_cast<std::int64_t>(i + 1));
        EXPECT_FALSE(item.at("title").as_string().empty());
        auto const start = item.at("start_line").as_int64();
        EXPECT_GT(start, previous_start) << "item " << i + 1;
        previous_start = start;
        for (auto const& kv : item.at("key_points").as_array()) {
            auto const& k = kv.as_object();
            EXPECT_FALSE(k.at("text").as_string().empty());
            EXPECT_TRUE(k.at("speaker").is_string() || k.at("speaker").is_null());
            EXPECT_GE(k.at("utterance").as_int64(), 0);
        }
        for (auto const& nv : item.at("next_steps").as_array()) {
            auto const& s = nv.as_object();
            EXPECT_FALSE(s.at("text").as_string().empty());
            EXPECT_TRUE(s.at("who").is_string());
            EXPECT_TRUE(s.at("when").is_string());
        }
        for (auto const& dv : item.at("decisions").as_array())
            EXPECT_FALSE(dv.as_object().at("text").as_string().empty());
    }
    EXPECT_EQ(agenda.front().at("start_line").as_int64(), 17); // the first turn
    EXPECT_FALSE(agenda.front().at("key_points").as_array().empty());
}

TEST_F(summarise_cli, dash_reads_the_transcript_from_standard_input) {
    auto const transcript = read_test_file(igf_file);
    auto const from_stdin =
        run_minuted({"summarise", "-", "--format", "json"}, {.input = transcript});
    ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
    auto const from_file = run_minuted({"summarise", data_path(igf_file), "--format", "json"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    EXPECT_EQ(from_stdin.out, from_file.out);
    auto const report = json::parse(from_stdin.out).as_object();
    EXPECT_GE(report.at("participants").as_array().size(), 10u);
}

TEST_F(summarise_cli, agenda_file_titles_are_used_for_the_report_items) {
    std::vector<std::string> const titles{
        "Opening and adoption of the agenda", "DC main session at IGF 2024",
        "Preparing the meeting with the MAG in Riyadh", "DC booth",
        "Any Other Business: WSIS+20 letter and IGF vision paper"};
    std::string agenda_text;
    for (std::size_t i = 0; i < titles.size(); ++i)
        agenda_text += std::to_string(i + 1) + ". " + titles[i] + "\n";
    auto const agenda = write_file("agenda.txt", agenda_text);

    auto const r =
        run_minuted({"summarise", data_path(dccg_file), "--agenda", agenda, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto const report = json::parse(r.out).as_object();
    auto const& items = report.at("agenda").as_array();
    ASSERT_EQ(items.size(), titles.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        EXPECT_EQ(items[i].at("title").as_string(), titles[i]) << "item " << i + 1;
        EXPECT_EQ(items[i].at("known_index").as_int64(), static_cast<std::int64_t>(i));
    }

    auto const md = run_minuted({"summarise", data_path(dccg_file), "--agenda", agenda});
    ASSERT_EQ(md.exit_code, 0) << md.err;
    for (std::size_t i = 0; i < titles.size(); ++i)
        EXPECT_TRUE(contains(md.out, "## " + std::to_string(i + 1) + ". " + titles[i]))
            << titles[i];
}

TEST_F(summarise_cli, a_json_or_markdown_agenda_gives_the_same_items_as_a_list_of_lines) {
    auto const json_agenda = write_file(
        "agenda.json", R"([{"title":"Opening and adoption of the agenda","presenter":"Chair"},
            "DC main session at IGF 2024", "Preparing the meeting with the MAG in Riyadh",
            {"title":"DC booth","minutes":10}, "Any Other Business"])");
    auto const md_agenda =
        write_file("agenda.md", "# DCCG 90: draft agenda\n\n- Opening and adoption of the agenda\n"
                                "- DC main session at IGF 2024\n  - speakers\n"
                                "- Preparing the meeting with the MAG in Riyadh\n- DC booth\n"
                                "- Any Other Business\n");
    std::vector<std::string> report_titles;
    for (auto const& agenda : {json_agenda, md_agenda}) {
        auto const r = run_minuted(
            {"summarise", data_path(dccg_file), "--agenda", agenda, "--format", "json"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::vector<std::string> got;
        auto const report = json::parse(r.out);
        for (auto const& item : report.at("agenda").as_array())
            got.emplace_back(item.at("title").as_string());
        EXPECT_EQ(got.size(), 5u) << agenda;
        if (report_titles.empty())
            report_titles = got;
        EXPECT_EQ(got, report_titles) << agenda;
    }
}

TEST_F(summarise_cli, an_agenda_that_is_not_one_exits_65_saying_why) {
    struct bad {
        char const* name;
        std::string text;
        char const* why;
    };
    for (auto const& b : std::vector<bad>{
             {"empty.txt", "\n\n", "no agenda items"},
             {"binary.pdf", std::string("%PDF-1.7\n\x00\x01", 11), "binary data, not text"},
             {"latin1.txt", "Caf\xe9\n", "not UTF-8 text"},
             {"huge.txt", std::string(70000, 'a'), "an agenda of 65537 bytes; at most 65536"},
             {"bad.json", "[{\"minutes\":3}]", "item 1: \"title\" must be a string"}}) {
        auto const path = write_file(b.name, b.text);
        auto const r = run_minuted({"summarise", data_path(dccg_file), "--agenda", path});
        EXPECT_EQ(r.exit_code, 65) << b.name << ": " << r.err;
        EXPECT_TRUE(contains(r.err, path + ": not an agenda: ")) << r.err;
        EXPECT_TRUE(contains(r.err, b.why)) << b.name << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << b.name;
    }
}

TEST_F(summarise_cli, version_prints_the_version) {
    auto const r = run_minuted({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.out.starts_with("minuted ")) << r.out;
}

} // namespace
} // namespace minuted::daemon
