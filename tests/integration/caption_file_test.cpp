// Caption files (WebVTT from Zoom, Teams and YouTube, SRT, TTML and EBU-TT) as users bring
// them: `minuted summarise FILE` on the real binary, and `minuted replay FILE` into a real
// daemon at the files' recorded pace.

#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace minuted::testing {
namespace {

std::string sample(std::string const& name) {
    return std::string(MINUTED_TEST_DATA) + "/captions/" + name;
}

// "Name:turns" of each participant of a JSON report, in its order.
std::vector<std::string> participants(boost::json::value const& report) {
    std::vector<std::string> out;
    for (auto const& p : report.at("participants").as_array())
        out.push_back(std::string(p.at("name").as_string()) + ":" +
                      std::to_string(p.at("turns").as_int64()));
    return out;
}

boost::json::value summarise_json(std::string const& file) {
    auto const r = run_minuted({"summarise", file, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.output();
    return boost::json::parse(r.out);
}

TEST(summarise_captions, each_format_names_its_speakers_and_counts_their_turns) {
    struct expected {
        std::string file;
        std::vector<std::string> people;
    };
    std::vector<expected> const cases{
        {"zoom.vtt", {"Amal Haddad:2", "Jonas Berg:1"}},
        {"teams.vtt", {"Priya Raman:2", "Tomás Ortega:1"}},
        {"meeting.srt", {"Chair:1", "Maria Lopez:1"}},
        {"agents.ttml", {"Kenji Watanabe:1", "Fatima Zahra Benali:1"}},
        {"ebu-tt.xml", {"Anna Schmidt:1", "Peter Novak:1"}},
    };
    for (auto const& c : cases) {
        auto people = participants(summarise_json(sample(c.file)));
        std::sort(people.begin(), people.end());
        auto want = c.people;
        std::sort(want.begin(), want.end());
        EXPECT_EQ(people, want) << c.file;
    }
    auto const youtube = summarise_json(sample("youtube.vtt"));
    EXPECT_EQ(youtube.at("stats").at("unattributed_turns"), 1);
    EXPECT_EQ(youtube.at("stats").at("words"), 10); // each rolling line once
}

TEST(summarise_captions, turns_keep_the_cue_times_of_the_file) {
    // The captions of the report start at the first turn: Jonas Berg's cue starts 8.2 s after
    // Amal Haddad's first, Amal Haddad's reply 16.5 s after it.
    auto const r = run_minuted({"summarise", sample("zoom.vtt"), "--format", "vtt"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    EXPECT_NE(r.out.find("00:00:00.000 --> "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n00:00:08.200 --> 00:00:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n00:00:16.500 --> "), std::string::npos) << r.out;

    // EBU-TT frames at 25 per second: PETER NOVAK at 00:00:09:00, 7 s after 00:00:02:00.
    auto const ebu = run_minuted({"summarise", sample("ebu-tt.xml"), "--format", "vtt"});
    EXPECT_NE(ebu.out.find("\n00:00:07.000 --> 00:00:08.600\n<v Peter Novak>"), std::string::npos)
        << ebu.out;
}

TEST(summarise_captions, the_same_file_gives_the_same_report) {
    EXPECT_EQ(run_minuted({"summarise", sample("teams.vtt")}).out,
              run_minuted({"summarise", sample("teams.vtt")}).out);
}

class bad_captions : public ::testing::Test {
protected:
    std::string write(std::string const& name, std::string const& text) const {
        auto const path = (dir_.path() / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }
    temp_dir const dir_{"minuted-captions-test"};
};

TEST_F(bad_captions, summarise_and_replay_exit_65_naming_the_line_and_why) {
    struct bad {
        std::string name, text, message;
    };
    std::vector<bad> const cases{
        {"timing.vtt",
         "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHi\n\n2\n00:00:03.000 -> 4\nx\n",
         ":7: a cue block without a timing line"},
        {"arrow.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\n00:00:03 --> 00:00:04.000\n",
         ":6: malformed cue timing '00:00:03 --> 00:00:04.000'"},
        {"markup.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana Silva Hi\n",
         ":4: a tag is not closed"},
        {"backwards.srt", "1\n00:00:05,000 --> 00:00:01,000\nHi\n",
         ":2: the cue ends before it starts"},
        {"unnumbered.srt",
         "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n00:00:03,000 --> 00:00:04,000\n",
         ":5: a subtitle without its number"},
        {"nesting.ttml",
         "<tt xmlns=\"http://www.w3.org/ns/ttml\">\n<body>\n<p begin=\"1s\">\n<span>Hi</p>\n</body>"
         "</tt>\n",
         ":4: </p> closes <span> opened at line 4"},
    };
    daemon_process d;
    for (auto const& c : cases) {
        auto const path = write(c.name, c.text);
        auto const s = run_minuted({"summarise", path});
        EXPECT_EQ(s.exit_code, 65) << c.name << ": " << s.output();
        EXPECT_NE(s.err.find("minuted: " + path + c.message), std::string::npos) << s.err;
        EXPECT_TRUE(s.out.empty());
        auto const r =
            run_minuted({"replay", path, "--to", d.url("/ingest/bad"), "--speed", "max"});
        EXPECT_EQ(r.exit_code, 65) << c.name << ": " << r.output();
        EXPECT_NE(r.err.find("minuted: " + path + c.message), std::string::npos) << r.err;
    }
}

TEST(replay_captions, speakers_of_a_caption_file_reach_the_daemon_as_summarise_reads_them) {
    temp_dir dir("minuted-captions-test");
    auto const one_word = (dir.path() / "one-word.vtt").string();
    std::ofstream(one_word) << "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Zoë>We should begin now.\n\n"
                               "00:03.000 --> 00:05.000\n<v Robert>Agreed, let us begin.\n";
    daemon_process d;
    int n = 0;
    for (auto const& file : {sample("zoom.vtt"), sample("teams.vtt"), sample("meeting.srt"),
                             sample("agents.ttml"), sample("ebu-tt.xml"), one_word}) {
        auto const id = "c" + std::to_string(++n);
        auto const r =
            run_minuted({"replay", file, "--to", d.url("/ingest/" + id), "--speed", "max"});
        ASSERT_EQ(r.exit_code, 0) << file << ": " << r.output();
        wait_archived(d.port(), id);
        auto const live =
            boost::json::parse(http_get(d.port(), "/api/sessions/" + id + "/report.json").body);
        EXPECT_EQ(participants(live), participants(summarise_json(file))) << file;
        // The file's language (a WebVTT Language header, xml:lang) reaches the session.
        auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/" + id).body);
        auto const* lang = state.as_object().if_contains("lang");
        auto const named = file.ends_with("teams.vtt")                         ? "en-GB"
                           : file.ends_with(".ttml") || file.ends_with(".xml") ? "en"
                                                                               : "";
        EXPECT_EQ(lang ? std::string(lang->as_string()) : std::string(), named) << file;
    }
}

TEST(replay_captions, a_caption_file_plays_at_its_recorded_pace) {
    // zoom.vtt's cues start from 1 s to 17.5 s and end at 21 s: 20 s, 2 s at ten times speed.
    daemon_process d;
    auto const start = std::chrono::steady_clock::now();
    auto const r = run_minuted(
        {"replay", sample("zoom.vtt"), "--to", d.url("/ingest/paced"), "--speed", "10"});
    auto const took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.exit_code, 0) << r.output();
    EXPECT_GE(took, std::chrono::milliseconds(1900));
    EXPECT_LT(took, std::chrono::seconds(15));
    wait_archived(d.port(), "paced");
}

} // namespace
} // namespace minuted::testing
