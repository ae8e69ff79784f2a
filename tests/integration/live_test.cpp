// The live daemon as its users meet it, started as a real process and driven over loopback:
// sources push or are pulled, viewers see the same meeting as `minuted summarise` would
// report, the archive keeps it, and bad input is refused without harm to the rest.

#include "daemon/client/replay.hpp"
#include "protocol/journal.hpp"
#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/live_view.hpp"
#include "tests/support/sanitized_build.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>
#include <tuple>

namespace minuted::testing {
namespace {

using daemon::as_live_captions;
using daemon::frame_json;
using daemon::make_replay_frames;
using daemon::make_transcript_replay;
using daemon::replay_frame;
using daemon::replay_options;
using daemon::replay_window;

std::string summarise_md_with_agenda(std::string const& file, std::string const& agenda) {
    auto const r = run_minuted({"summarise", file, "--agenda", agenda});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

// Sends frames [from, to) over one ingest connection, up to 256 ahead of the acks (which
// wait for the journal's fsync), checking that each is acknowledged in order.
void push(unsigned short port, std::string const& id, std::vector<replay_frame> const& frames,
          std::size_t from, std::size_t to) {
    ws_client c(port, "/ingest/" + id);
    c.send(dccg_open());
    auto const welcome = c.receive_json();
    ASSERT_EQ(welcome.at("type"), "welcome");
    auto next = from;
    for (auto acked = from; acked < to;) {
        for (; next < to && next - acked < 256; ++next)
            c.send(frame_json(frames[next], next + 1));
        auto const reply = c.receive_json();
        if (reply.at("type") == "error")
            continue;
        ASSERT_EQ(reply.at("type"), "ack") << boost::json::serialize(reply);
        ASSERT_EQ(reply.at("seq").to_number<std::size_t>(), ++acked);
    }
    c.close();
}

// Reads /live until the session has ended; the merged view.
merged_view watch(unsigned short port, std::string const& target,
                  std::atomic<bool>* joined = nullptr) {
    ws_client c(port, target);
    if (joined)
        *joined = true;
    merged_view v;
    while (!v.ended()) {
        auto const m = c.receive_json();
        if (!v.apply(m))
            throw std::runtime_error("rev sequence broken at " + std::to_string(v.rev()));
    }
    return v;
}

boost::json::object final_snapshot(unsigned short port, std::string const& id) {
    auto const r = http_get(port, "/api/sessions/" + id);
    EXPECT_EQ(r.status, 200u);
    return boost::json::parse(r.body).as_object();
}

TEST(push_ingest, replayed_meeting_gives_the_same_minutes_as_summarise) {
    daemon_process d;
    auto const r = run_minuted(
        {"replay", dccg_file, "--to", d.url("/ingest/dccg"), "--speed", "max", "--corrections"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    wait_archived(d.port(), "dccg");
    auto const report = http_get(d.port(), "/api/sessions/dccg/report.md");
    EXPECT_EQ(report.status, 200u);
    EXPECT_EQ(report.body, summarise_md(dccg_file));
    EXPECT_GT(metric(d.port(), "minuted_ingest_events_total"), 14000u);

    // The finished session is archived: the same report, the transcript and timed captions.
    auto const list =
        boost::json::parse(http_get(d.port(), "/api/sessions").body).at("sessions").as_array();
    auto const folder =
        d.state_dir() / "archive" / std::string(list.at(0).at("archive").as_string());
    EXPECT_EQ(read_file(folder / "report.md"), report.body);
    EXPECT_EQ(read_file(folder / "transcript.txt"),
              http_get(d.port(), "/api/sessions/dccg/transcript.txt").body);
    EXPECT_EQ(boost::json::parse(read_file(folder / "report.json")),
              boost::json::parse(http_get(d.port(), "/api/sessions/dccg/report.json").body));
    auto const vtt = read_file(folder / "captions.vtt");
    EXPECT_EQ(vtt.substr(0, 8), "WEBVTT\n\n");
    EXPECT_NE(vtt.find("<v Markus Kummer>"), std::string::npos);

    // And indexed: searchable over HTTP and from the command line.
    auto const archive = std::string(list.at(0).at("archive").as_string());
    auto const found = boost::json::parse(
        http_get(d.port(), "/api/archive?q=%22next%20agenda%20item%22&speaker=kummer").body);
    auto const& hits = found.at("hits").as_array();
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].at("archive"), archive.c_str());
    EXPECT_EQ(hits[0].at("speaker"), "Markus Kummer");
    EXPECT_NE(boost::json::serialize(hits[0].at("snippet")).find(R"({"match":"next agenda item"})"),
              std::string::npos);
    EXPECT_EQ(http_get(d.port(), "/api/archive?q=%22unbalanced").status, 400u);
    EXPECT_EQ(http_get(d.port(), "/api/archive?q=x&from=yesterday").status, 400u);
    auto const listed = boost::json::parse(http_get(d.port(), "/api/archive").body);
    EXPECT_EQ(listed.at("sessions").at(0).at("archive"), archive.c_str());

    auto const state = d.state_dir().string();
    auto const search = run_minuted(
        {"archive", "search", "\"next agenda item\"", "--state-dir", state, "--limit", "1"});
    EXPECT_EQ(search.exit_code, 0);
    EXPECT_NE(search.out.find(archive + " #"), std::string::npos) << search.output();
    EXPECT_NE(search.out.find("[next agenda item]"), std::string::npos) << search.output();
    EXPECT_EQ(
        run_minuted({"archive", "export", archive, "--format", "vtt", "--state-dir", state}).out,
        vtt);
    EXPECT_EQ(run_minuted({"archive", "show", "../" + archive, "--state-dir", state}).exit_code,
              66);

    // The viewer reads archived sessions over HTTP; nothing outside the archive is served.
    auto const archived_state = http_get(d.port(), "/api/archive/" + archive + "/state.json");
    EXPECT_EQ(archived_state.status, 200u);
    EXPECT_EQ(boost::json::parse(archived_state.body).at("agenda").as_array().size(), 5u);
    EXPECT_EQ(http_get(d.port(), "/api/archive/" + archive + "/captions.vtt").body, vtt);
    EXPECT_EQ(http_get(d.port(), "/api/archive/..%2F..%2Fstate/state.json").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/api/archive/../index.sqlite").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/api/archive/" + archive + "/index.sqlite").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/archive/" + archive).status, 200u);
    EXPECT_EQ(http_get(d.port(), "/archive").status, 200u);
}

TEST(archive, sessions_archived_without_the_index_are_indexed_at_the_next_start) {
    temp_dir state;
    {
        daemon_process d({.args = {"--state-dir", state.path().string()}});
        push(d.port(), "later", dccg_frames(), 0, 600);
        ws_client c(d.port(), "/ingest/later");
        c.send(R"({"type":"close","seq":601})");
        wait_archived(d.port(), "later");
    }
    // The index is lost (deleted, or could not be opened when the session ended).
    for (auto const* name : {"index.sqlite", "index.sqlite-wal", "index.sqlite-shm"})
        std::filesystem::remove(state.path() / "archive" / name);
    daemon_process d({.args = {"--state-dir", state.path().string()}});
    auto const list = boost::json::parse(http_get(d.port(), "/api/archive").body);
    ASSERT_EQ(list.at("sessions").as_array().size(), 1u) << list;
    EXPECT_EQ(list.at("sessions").at(0).at("session"), "later");
    EXPECT_EQ(list.at("sessions").at(0).at("end_reason"), "closed by the caption source");
    auto const found =
        boost::json::parse(http_get(d.port(), "/api/archive?q=kummer&speaker=markus&limit=1").body);
    ASSERT_EQ(found.at("hits").as_array().size(), 1u) << found;
    EXPECT_EQ(found.at("hits").at(0).at("speaker"), "Markus Kummer");
}

TEST(archive, a_session_that_cannot_be_archived_is_logged_and_stays_readable) {
    daemon_process d;
    // A file where the archive folder should be: as a full or read-only disk would, writing
    // fails (a permission test would not work as root).
    std::filesystem::remove_all(d.state_dir() / "archive");
    std::FILE* f = std::fopen((d.state_dir() / "archive").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
    push(d.port(), "a", dccg_frames(), 0, 300);
    ws_client c(d.port(), "/ingest/a");
    c.send(R"({"type":"close","seq":301})");
    wait_archived(d.port(), "a");
    d.process().wait_for("cannot archive"); // written once the session has ended
    EXPECT_EQ(http_get(d.port(), "/api/sessions/a/report.md").status, 200u);
    EXPECT_GE(metric(d.port(), "minuted_errors_io_total"), 1u);
}

TEST(pull_ingest, attach_to_a_served_replay_gives_the_same_minutes) {
    child_process feed(
        {MINUTED_BINARY, "replay", dccg_file, "--serve", "127.0.0.1:0", "--speed", "max"});
    auto const port = feed.wait_for(R"(as a feed on ws://127\.0\.0\.1:(\d+)/)");
    daemon_process d(
        {.config = "[[feed]]\nsession = \"pulled\"\nurl = \"ws://127.0.0.1:" + port + "/feed\"\n"});
    wait_archived(d.port(), "pulled");
    EXPECT_EQ(feed.wait(), 0) << feed.output();
    EXPECT_EQ(http_get(d.port(), "/api/sessions/pulled/report.md").body, summarise_md(dccg_file));
}

// The DCCG 90 agenda as its secretariat might publish it, in a file of its own.
std::vector<std::string> const dccg_agenda{
    "Opening and adoption of the agenda", "DC main session at IGF 2024",
    "Preparing the meeting with the MAG in Riyadh", "DC booth",
    "Any Other Business: WSIS+20 letter and IGF vision paper"};

// In a directory that lives as long as the test program, removed at its exit.
std::filesystem::path write_agenda(std::string const& name, std::string const& text) {
    static temp_dir const dir("minuted-agenda");
    auto const path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::string dccg_agenda_markdown() {
    std::string text = "# DCCG 90: draft agenda\n\n";
    for (auto const& t : dccg_agenda)
        text += "- " + t + "\n";
    return text;
}

TEST(pull_ingest, a_feeds_agenda_file_is_the_sessions_known_agenda) {
    // JSON with presenters: the feed's open carries them to the alignment and the journal.
    std::string json = "[";
    for (auto const& t : dccg_agenda)
        json += std::string(json.size() > 1 ? "," : "") + R"({"title":")" + t +
                (t == dccg_agenda[3] ? R"(","presenter":"Roman Chukov"})" : R"("})");
    auto const agenda = write_agenda("feed-agenda.json", json + "]");
    child_process feed(
        {MINUTED_BINARY, "replay", dccg_file, "--serve", "127.0.0.1:0", "--speed", "max"});
    auto const port = feed.wait_for(R"(as a feed on ws://127\.0\.0\.1:(\d+)/)");
    daemon_process d({.config = "[[feed]]\nsession = \"pulled\"\nurl = \"ws://127.0.0.1:" + port +
                                "/feed\"\nagenda = \"" + agenda.string() + "\"\n"});
    wait_archived(d.port(), "pulled");
    auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/pulled").body);
    std::vector<std::string> titles;
    for (auto const& item : state.at("agenda").as_array())
        titles.emplace_back(item.at("title").as_string());
    EXPECT_EQ(titles, dccg_agenda);
    EXPECT_EQ(http_get(d.port(), "/api/sessions/pulled/report.md").body,
              summarise_md_with_agenda(dccg_file, agenda.string()));
    auto const archive = wait_archived(d.port(), "pulled");
    EXPECT_NE(read_file(d.state_dir() / "archive" / archive / "journal")
                  .find(R"("presenters":["","","","Roman Chukov",""])"),
              std::string::npos);
    std::filesystem::remove(agenda);
}

TEST(subscribers, late_joiner_sees_the_same_state_as_one_watching_from_the_start) {
    daemon_process d;
    auto const frames = dccg_frames(true);
    push(d.port(), "m", frames, 0, 10);
    std::atomic<bool> early_joined = false;
    auto early =
        std::async(std::launch::async, [&] { return watch(d.port(), "/live/m", &early_joined); });
    while (!early_joined)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    push(d.port(), "m", frames, 10, frames.size() / 2);
    auto late = std::async(std::launch::async, [&] { return watch(d.port(), "/live/m"); });
    push(d.port(), "m", frames, frames.size() / 2, frames.size());
    auto const a = early.get();
    auto const b = late.get();
    auto const snapshot = comparable(final_snapshot(d.port(), "m"));
    EXPECT_EQ(first_difference(comparable(a.state()), snapshot), "");
    EXPECT_EQ(first_difference(comparable(b.state()), snapshot), "");
    EXPECT_EQ(a.rev(), b.rev());
    EXPECT_EQ(snapshot.at("agenda").as_array().size(), 5u);
}

TEST(subscribers, resume_with_since_gets_updates_not_a_snapshot) {
    daemon_process d;
    auto const frames = dccg_frames();
    push(d.port(), "r", frames, 0, 2000);
    std::uint64_t rev = 0;
    std::string epoch;
    {
        ws_client c(d.port(), "/live/r");
        auto const snapshot = c.receive_json();
        rev = snapshot.at("rev").to_number<std::uint64_t>();
        epoch = snapshot.at("epoch").as_string().c_str();
        c.close();
    }
    push(d.port(), "r", frames, 2000, 2100); // fewer updates than the subscriber queue holds
    auto const since = "/live/r?since=" + std::to_string(rev);
    ws_client c(d.port(), since + "&epoch=" + epoch);
    auto const resumed = c.receive_json();
    EXPECT_EQ(resumed.at("type"), "resumed");
    EXPECT_EQ(resumed.at("rev").to_number<std::uint64_t>(), rev);
    auto const first = c.receive_json();
    EXPECT_EQ(first.at("type"), "update");
    EXPECT_EQ(first.at("rev").to_number<std::uint64_t>(), rev + 1);
    // Too old a rev, more missed updates than the queue holds, or a rev of another instance of
    // the session (before a restart) gets a snapshot.
    push(d.port(), "r", frames, 2100, 2500);
    ws_client behind(d.port(), since + "&epoch=" + epoch);
    EXPECT_EQ(behind.receive_json().at("type"), "snapshot");
    ws_client stale(d.port(), "/live/r?since=999999999");
    EXPECT_EQ(stale.receive_json().at("type"), "snapshot");
    ws_client other(d.port(), since + "&epoch=0123456789abcdef");
    EXPECT_EQ(other.receive_json().at("type"), "snapshot");
}

// One speaker's turn of `lines` lines of prose, about 90 bytes each, with a word that is not
// ASCII now and then (so offsets in UTF-16 and in bytes differ).
std::string monologue(std::size_t lines) {
    static constexpr char const* words[] = {"the",     "committee", "will",    "consider", "draft",
                                            "résumé",  "of",        "policy",  "and",      "we",
                                            "propose", "naïve",     "network", "access",   "𝄞"};
    std::string text = ">> SPEAKER NAME: ";
    std::size_t k = 0;
    for (std::size_t i = 0; i < lines; ++i) {
        text += '\n';
        for (std::size_t n = 0; n < 90;) {
            std::string w = words[k++ % std::size(words)];
            if (k % 11 == 0)
                w += '.';
            text += (n ? " " : "") + w;
            n += w.size() + 1;
        }
    }
    return text + "\n";
}

// The utterance text an update carries: whole, or only the tail that changed.
std::size_t utterance_text_bytes(boost::json::object const& update) {
    std::size_t n = 0;
    if (auto const* list = update.if_contains("utterances"))
        for (auto const& u : list->as_array())
            n += u.as_object().contains("tail") ? u.at("tail").as_string().size()
                                                : u.at("text").as_string().size();
    return n;
}

TEST(subscribers, a_long_turn_is_sent_as_the_text_it_gains_not_whole_each_time) {
    // A 55 KB turn typed a word at a time: every update carried the whole turn so far, 30 MB
    // in all for each viewer (a 293 KB one sent 430 MB, and the resume history held it).
    daemon_process d;
    auto const text = monologue(600);
    auto const frames = make_replay_frames(text, {});
    {
        ws_client source(d.port(), "/ingest/long");
        source.send(R"({"type":"open","title":"test"})");
        ASSERT_EQ(source.receive_json().at("type"), "welcome");
    }
    std::atomic<bool> joined = false;
    auto watcher = std::async(std::launch::async, [&] {
        ws_client c(d.port(), "/live/long");
        joined = true;
        merged_view v;
        std::size_t largest = 0, total = 0;
        while (!v.ended()) {
            auto const m = c.receive_json();
            if (m.at("type") == "update") {
                largest = std::max(largest, utterance_text_bytes(m));
                total += utterance_text_bytes(m);
            }
            if (!v.apply(m))
                throw std::runtime_error("rev sequence broken at " + std::to_string(v.rev()));
        }
        return std::tuple(v, largest, total);
    });
    while (!joined)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto const resume_at = frames.size() - 150; // fewer updates after it than a queue holds
    push(d.port(), "long", frames, 0, resume_at);
    // A viewer that leaves mid-turn and resumes applies the tails to the text it had.
    merged_view resuming;
    std::string epoch;
    {
        ws_client c(d.port(), "/live/long");
        auto const snapshot = c.receive_json();
        ASSERT_EQ(snapshot.at("type"), "snapshot");
        ASSERT_TRUE(resuming.apply(snapshot));
        epoch = snapshot.at("epoch").as_string().c_str();
        c.close();
    }
    ws_client again(d.port(),
                    "/live/long?since=" + std::to_string(resuming.rev()) + "&epoch=" + epoch);
    ASSERT_EQ(again.receive_json().at("type"), "resumed");
    push(d.port(), "long", frames, resume_at, frames.size());
    while (!resuming.ended())
        ASSERT_TRUE(resuming.apply(again.receive_json()));

    auto const [view, largest, total] = watcher.get();
    auto const snapshot = comparable(final_snapshot(d.port(), "long"));
    ASSERT_EQ(snapshot.at("utterances").as_array().size(), 1u);
    EXPECT_EQ(first_difference(comparable(view.state()), snapshot), "");
    EXPECT_EQ(view.snapshots, 1);
    EXPECT_EQ(first_difference(comparable(resuming.state()), snapshot), "");
    EXPECT_EQ(resuming.snapshots, 1);
    // A line of the turn at a time, and about the turn's size in all.
    EXPECT_LT(largest, 1024u);
    EXPECT_LT(total, 2 * text.size());
}

TEST(subscribers, the_resume_history_is_bounded_in_bytes_too) {
    // 200 updates are fewer than update_history and subscriber_queue, but more bytes than
    // update_history_bytes: such a viewer gets a snapshot. One that missed a few still resumes.
    daemon_process d({.config = "[limits]\nupdate_history_bytes = 16384\n"});
    auto const frames = dccg_frames();
    push(d.port(), "h", frames, 0, 500);
    auto const snapshot_at = [&] {
        ws_client c(d.port(), "/live/h");
        auto const s = c.receive_json();
        c.close();
        return "/live/h?since=" + std::to_string(s.at("rev").to_number<std::uint64_t>()) +
               "&epoch=" + std::string(s.at("epoch").as_string());
    };
    auto const old = snapshot_at();
    push(d.port(), "h", frames, 500, 700);
    auto const recent = snapshot_at();
    push(d.port(), "h", frames, 700, 705);
    ws_client behind(d.port(), old);
    EXPECT_EQ(behind.receive_json().at("type"), "snapshot");
    ws_client near(d.port(), recent);
    EXPECT_EQ(near.receive_json().at("type"), "resumed");
}

TEST(subscribers, updates_keep_the_title_the_source_opened_with) {
    // Captions without a CART header name no title; the source's open message does. A viewer
    // merging updates into its snapshot kept it only until the first update (found by the
    // soak test).
    daemon_process d;
    ws_client source(d.port(), "/ingest/titled");
    source.send(R"({"type":"open","title":"Budget committee"})");
    ASSERT_EQ(source.receive_json().at("type"), "welcome");
    ws_client c(d.port(), "/live/titled");
    merged_view view;
    ASSERT_TRUE(view.apply(c.receive_json()));
    EXPECT_EQ(view.state().at("title"), "Budget committee");
    source.send(R"({"type":"text","seq":1,"text":">> CHAIR: Good morning.\r\n"})");
    ASSERT_EQ(source.receive_json().at("type"), "ack");
    auto const update = c.receive_json();
    ASSERT_EQ(update.at("type"), "update");
    ASSERT_TRUE(view.apply(update));
    EXPECT_EQ(update.at("title"), "Budget committee");
    EXPECT_EQ(
        first_difference(comparable(view.state()), comparable(final_snapshot(d.port(), "titled"))),
        "");
}

TEST(subscribers, an_agenda_items_context_comes_again_whenever_its_turns_change_it) {
    // An item's context ("Led by X, with Y (3 turns).") changes with every turn in it while
    // the item is neither opened, retitled nor given new minutes; updates carried the item
    // only then, so a viewer kept a context the snapshot no longer had (found by the soak
    // test).
    daemon_process d;
    ws_client source(d.port(), "/ingest/ctx");
    source.send(R"({"type":"open","title":"Budget committee"})");
    ASSERT_EQ(source.receive_json().at("type"), "welcome");
    ws_client c(d.port(), "/live/ctx");
    merged_view view;
    ASSERT_TRUE(view.apply(c.receive_json()));
    std::vector<std::string> const lines = {
        ">> JANE DOE: Good morning.",
        ">> ANNA SMITH: Thank you. I have a long point on the travel budget of the working "
        "group, which has grown every year since the group began its work.",
        ">> BOB JONES: I agree with that.", ">> ANNA SMITH: Then let us write it down.",
        ">> CARL BERG: One more thing."};
    std::size_t seq = 0;
    for (auto const& line : lines) {
        boost::json::object frame{{"type", "text"}, {"seq", ++seq}, {"text", line + "\r\n"}};
        source.send(boost::json::serialize(frame));
        ASSERT_EQ(source.receive_json().at("type"), "ack");
    }
    auto const snapshot = comparable(final_snapshot(d.port(), "ctx"));
    auto const rev = snapshot.at("rev").to_number<std::uint64_t>();
    while (view.rev() < rev)
        ASSERT_TRUE(view.apply(c.receive_json()));
    ASSERT_EQ(snapshot.at("agenda").as_array().size(), 1u);
    EXPECT_NE(snapshot.at("agenda").as_array()[0].at("context"), "");
    EXPECT_EQ(first_difference(comparable(view.state()), snapshot), "");
}

TEST(push_ingest, an_over_long_title_or_agenda_title_is_cut_with_an_error_to_the_source) {
    // A 900 KB title was taken whole, and went into every listing, snapshot and update.
    daemon_process d;
    auto const title = std::string(255, 'a') + "é" + std::string(900'000, 'b');
    boost::json::object open{{"type", "open"},
                             {"title", title},
                             {"agenda", boost::json::array{std::string(1000, 'c'), "Budget"}}};
    ws_client source(d.port(), "/ingest/titled");
    source.send(boost::json::serialize(open));
    auto const error = source.receive_json();
    ASSERT_EQ(error.at("type"), "error") << boost::json::serialize(error);
    std::string const message(error.at("message").as_string());
    EXPECT_NE(message.find("title of 900257 bytes cut to 255"), std::string::npos) << message;
    EXPECT_NE(message.find("agenda title of 1000 bytes cut to 256"), std::string::npos) << message;
    EXPECT_EQ(source.receive_json().at("type"), "welcome");
    source.send(R"({"type":"text","seq":1,"text":">> CHAIR: Good morning.\r\n\r\n"})");
    EXPECT_EQ(source.receive_json().at("type"), "ack");

    auto const state = final_snapshot(d.port(), "titled");
    EXPECT_EQ(state.at("title").as_string(), std::string(255, 'a')); // not half of the é
    EXPECT_EQ(state.at("agenda").as_array().at(0).at("title").as_string(), std::string(256, 'c'));
    // The daemon's log is read as it comes: wait for the line rather than look once.
    d.process().wait_for("title of 900257 bytes cut to 255");
    // The session goes on, and a title within the bound is taken as it is.
    source.send(R"({"type":"open","title":"Budget committee"})");
    EXPECT_EQ(source.receive_json().at("type"), "welcome");
    source.send(R"({"type":"text","seq":2,"text":">> CHAIR: Let us begin.\r\n\r\n"})");
    EXPECT_EQ(source.receive_json().at("type"), "ack");
    EXPECT_EQ(final_snapshot(d.port(), "titled").at("title"), "Budget committee");
}

TEST(push_ingest, reconnecting_source_with_duplicate_seqs_loses_and_duplicates_nothing) {
    daemon_process d;
    auto const frames = dccg_frames();
    push(d.port(), "dup", frames, 0, 5000);
    {
        // The source reconnects unsure of what arrived and resends the last 100.
        ws_client c(d.port(), "/ingest/dup");
        c.send(R"({"type":"open"})");
        auto const welcome = c.receive_json();
        EXPECT_EQ(welcome.at("ack").to_number<std::size_t>(), 5000u);
        for (std::size_t i = 4900; i < 5000; ++i) {
            c.send(frame_json(frames[i], i + 1));
            EXPECT_EQ(c.receive_json().at("type"), "ack");
        }
        // A gap is refused with the seq expected.
        c.send(frame_json(frames[5005], 5006));
        auto const nack = c.receive_json();
        EXPECT_EQ(nack.at("type"), "nack");
        EXPECT_EQ(nack.at("expected").to_number<std::size_t>(), 5001u);
    }
    push(d.port(), "dup", frames, 5000, frames.size());
    wait_archived(d.port(), "dup");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/dup/report.md").body, summarise_md(dccg_file));
    EXPECT_EQ(metric(d.port(), "minuted_ingest_duplicates_total"), 100u);
}

TEST(push_ingest, plain_text_post_without_speaker_tags_shows_as_unattributed_captions) {
    // Outside testing: caption services (StreamText, Zoom's caption API) POST text with no
    // '>>' turns. Read as a transcript file's header, it became the title and the rest was
    // dropped, though acknowledged. A live source's text is captions from its first line.
    daemon_process d;
    auto r = http_request(d.port(), http::verb::post, "/ingest/p?seq=1",
                          "Good morning everyone.\nWelcome to the meeting.\n");
    EXPECT_EQ(r.status, 200u) << r.body;
    r = http_request(d.port(), http::verb::post, "/ingest/p?seq=2",
                     "Let us start with the budget.\nThe accounts are in order.\n");
    EXPECT_EQ(r.status, 200u) << r.body;
    // Final once the line after it is complete: all but the last line.
    std::vector<std::string> const lines{"Good morning everyone.", "Welcome to the meeting.",
                                         "Let us start with the budget."};
    auto const transcript = http_get(d.port(), "/api/sessions/p/transcript.txt");
    EXPECT_EQ(transcript.status, 200u);
    auto const state = final_snapshot(d.port(), "p");
    std::string said;
    for (auto const& u : state.at("utterances").as_array()) {
        EXPECT_TRUE(u.at("speaker").is_null()) << u; // unattributed
        said += std::string(u.at("text").as_string()) + "\n";
    }
    for (auto const& line : lines) {
        EXPECT_NE(transcript.body.find(line), std::string::npos) << line << "\n" << transcript.body;
        EXPECT_NE(said.find(line), std::string::npos) << line << "\n" << said;
    }
    EXPECT_EQ(state.at("title"), "") << "no title taken from the captions";
    auto const list =
        boost::json::parse(http_get(d.port(), "/api/sessions").body).at("sessions").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("title"), "");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/p/report.md").body.substr(0, 10), "# Meeting\n");
}

TEST(push_ingest, http_post_with_seq_and_resume_point) {
    daemon_process d;
    // As a caption service sends it: the title from elsewhere (here an open), then the text.
    auto const text = as_live_captions(read_test_file("dccg-90-2024-11-08.raw.txt")).text;
    {
        ws_client c(d.port(), "/ingest/post");
        c.send(dccg_open());
        EXPECT_EQ(c.receive_json().at("type"), "welcome");
    }
    auto const half = text.size() / 2;
    auto r = http_request(d.port(), http::verb::post, "/ingest/post?seq=1", text.substr(0, half));
    EXPECT_EQ(r.status, 200u) << r.body;
    // A retry of the same seq is acknowledged, not applied twice.
    r = http_request(d.port(), http::verb::post, "/ingest/post?seq=1", text.substr(0, half));
    EXPECT_EQ(r.status, 200u);
    r = http_request(d.port(), http::verb::post, "/ingest/post?seq=3", "gap");
    EXPECT_EQ(r.status, 409u);
    EXPECT_EQ(boost::json::parse(r.body).at("expected"), 2);
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/ingest/post/seq").body).at("seq"), 1);
    r = http_request(d.port(), http::verb::post, "/ingest/post?seq=2", text.substr(half));
    EXPECT_EQ(r.status, 200u);
    ws_client c(d.port(), "/ingest/post");
    c.send(R"({"type":"close","seq":3})");
    EXPECT_EQ(c.receive_json().at("type"), "ack");
    wait_archived(d.port(), "post");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/post/report.md").body, summarise_md(dccg_file));
}

TEST(subscribers, a_subscriber_that_never_reads_does_not_hold_back_the_others) {
    // A queue deep enough for a reading subscriber to keep up with a full-speed flood on a
    // loaded machine; the stuck one fills it all the same.
    daemon_process d({.config = "[limits]\nsubscriber_queue = 256\n"});
    auto const frames = dccg_frames();
    push(d.port(), "slow", frames, 0, 10);
    // A client that completes the handshake and then never reads a byte.
    net::io_context ioc;
    tcp::socket stuck(ioc);
    stuck.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), d.port()));
    stuck.set_option(net::socket_base::receive_buffer_size(4096));
    std::string const upgrade =
        "GET /live/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    net::write(stuck, net::buffer(upgrade));
    std::atomic<bool> joined = false;
    auto watcher =
        std::async(std::launch::async, [&] { return watch(d.port(), "/live/slow", &joined); });
    while (!joined)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto const start = std::chrono::steady_clock::now();
    push(d.port(), "slow", frames, 10, frames.size());
    auto const v = watcher.get();
    auto const took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(first_difference(comparable(v.state()), comparable(final_snapshot(d.port(), "slow"))),
              "");
    // Skipped for a full queue, or (on a slow machine) for answering no ping first.
    EXPECT_GT(metric(d.port(), "minuted_subscriber_resyncs_total") +
                  metric(d.port(), "minuted_subscriber_slow_closes_total") +
                  metric(d.port(), "minuted_subscriber_stalls_total"),
              0u);
    EXPECT_LT(took, std::chrono::seconds(60));
}

TEST(sessions, twenty_at_once_each_with_its_own_minutes) {
    // The first quarter of the meeting (an eighth under the sanitizers, which run the daemon
    // and the twenty replays many times slower), with the start of agenda item 2 in both.
    temp_dir dir;
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const part = (dir.path() / "part.txt").string();
    {
        std::FILE* f = std::fopen(part.c_str(), "w");
        auto const cut =
            text.substr(0, text.find('\n', text.size() / (sanitized_build ? 8 : 4)) + 1);
        std::fwrite(cut.data(), 1, cut.size(), f);
        std::fclose(f);
    }
    daemon_process d;
    std::vector<std::future<child_result>> replays;
    for (int i = 0; i < 20; ++i)
        replays.push_back(std::async(std::launch::async, [&, i] {
            return run_minuted(
                {"replay", part, "--to", d.url("/ingest/s" + std::to_string(i)), "--speed", "max"});
        }));
    for (auto& replay : replays) {
        auto const r = replay.get();
        EXPECT_EQ(r.exit_code, 0) << r.output();
    }
    auto const expected = summarise_md(part);
    EXPECT_NE(expected.find("## 2. DC main session"), std::string::npos);
    for (int i = 0; i < 20; ++i) {
        wait_archived(d.port(), "s" + std::to_string(i));
        EXPECT_EQ(http_get(d.port(), "/api/sessions/s" + std::to_string(i) + "/report.md").body,
                  expected)
            << i;
    }
}

// --- Bad input: a clear reason to the peer, a log line, and nothing accepted is lost. ---

class bad_input : public ::testing::Test {
protected:
    void SetUp() override {
        daemon_.emplace(daemon_options{.config = "[limits]\nmax_frame_bytes = 4096\n"});
        ws_client c(daemon_->port(), "/ingest/keep");
        c.send(R"({"type":"open"})");
        c.receive_json();
        c.send(
            R"({"type":"text","seq":1,"text":">> MARKUS KUMMER: Good morning, everyone, and welcome.\n\n"})");
        EXPECT_EQ(c.receive_json().at("type"), "ack");
    }
    // The earlier caption is still there.
    void expect_intact() {
        auto const t = http_get(daemon_->port(), "/api/sessions/keep/transcript.txt");
        EXPECT_EQ(t.status, 200u);
        EXPECT_NE(t.body.find("Good morning, everyone, and welcome."), std::string::npos) << t.body;
    }
    // Sends `frame` on a new connection; the close code and reason it gets.
    std::pair<std::uint16_t, std::string> rejected(std::string const& frame, bool binary = false) {
        ws_client c(daemon_->port(), "/ingest/keep");
        if (binary)
            c.send_binary(frame);
        else
            c.send(frame);
        while (c.receive()) {
        }
        auto const& r = c.close_reason();
        return {r.code, std::string(r.reason.data(), r.reason.size())};
    }
    std::optional<daemon_process> daemon_;
};

TEST_F(bad_input, oversized_frame_is_closed_with_1009) {
    // Beast closes with 1009 ("message too big") itself; the log says the limit.
    auto const [code, why] = rejected(std::string(10000, 'x'));
    EXPECT_EQ(code, 1009);
    daemon_->process().wait_for("message larger than 4096 bytes");
    expect_intact();
}

TEST(bad_input_at_default_limits, a_10_mb_frame_is_closed_with_1009_and_its_reason) {
    // The source is still sending when the limit is reached: the daemon reads on past it, so
    // the source gets the close frame and its reason, not a reset (1006).
    daemon_process d;
    for (int round = 0; round < 5; ++round) {
        ws_client c(d.port(), "/ingest/big");
        try {
            c.send(std::string(10u << 20, 'x'));
        } catch (boost::system::system_error const& e) {
            ADD_FAILURE() << "round " << round << ": the send failed: " << e.what();
            continue;
        }
        while (c.receive()) {
        }
        auto const& r = c.close_reason();
        EXPECT_EQ(r.code, 1009) << "round " << round;
        EXPECT_EQ(std::string(r.reason.data(), r.reason.size()),
                  "message larger than 1048576 bytes ([limits] max_frame_bytes)")
            << "round " << round;
    }
}

TEST_F(bad_input, binary_frame_is_closed_with_1003) {
    auto const [code, why] = rejected("\x01\x02\x03", true);
    EXPECT_EQ(code, 1003);
    EXPECT_NE(why.find("binary"), std::string::npos);
    expect_intact();
}

TEST_F(bad_input, invalid_json_and_unknown_types_are_closed_with_a_reason) {
    auto [code, why] = rejected("{\"type\": \"text\", \"seq\": ");
    EXPECT_EQ(code, 1008);
    EXPECT_NE(why.find("not valid JSON"), std::string::npos);
    std::tie(code, why) = rejected(R"({"type":"shout","seq":2})");
    EXPECT_EQ(code, 1008);
    EXPECT_NE(why.find("unknown"), std::string::npos);
    std::tie(code, why) = rejected("{\"type\":\"text\",\"seq\":2,\"text\":\"\xff\"}");
    EXPECT_EQ(code, 1007);
    expect_intact();
    EXPECT_NE(daemon_->process().output().find("not valid JSON"), std::string::npos);
}

TEST_F(bad_input, a_text_frame_that_is_not_utf8_is_counted_as_a_protocol_error) {
    // The WebSocket layer refuses it before minuted reads it; it was counted as a network
    // error (found by the soak test).
    auto const [code, why] = rejected("{\"type\":\"text\",\"seq\":2,\"text\":\"caf\xe9\"}");
    EXPECT_EQ(code, 1007);
    daemon_->process().wait_for(R"(ingest keep: source 127\.0\.0\.1:\d+: .*utf8; closed)");
    EXPECT_EQ(metric(daemon_->port(), "minuted_errors_protocol_total"), 1u);
    EXPECT_EQ(metric(daemon_->port(), "minuted_errors_io_total"), 0u);
    expect_intact();
}

TEST_F(bad_input, seq_going_backwards_within_a_connection_is_closed) {
    ws_client c(daemon_->port(), "/ingest/keep");
    c.send(R"({"type":"text","seq":2,"text":"More words. "})");
    EXPECT_EQ(c.receive_json().at("type"), "ack");
    c.send(R"({"type":"text","seq":1,"text":"Again. "})");
    EXPECT_EQ(c.receive_json().at("type"), "error");
    while (c.receive()) {
    }
    EXPECT_EQ(c.close_reason().code, 1008);
    auto const& reason = c.close_reason().reason;
    EXPECT_NE(std::string(reason.data(), reason.size()).find("backwards"), std::string::npos);
    expect_intact();
}

TEST_F(bad_input, session_ids_with_path_characters_are_refused) {
    EXPECT_EQ(http_get(daemon_->port(), "/api/sessions/..%2F..%2Fetc").status, 400u);
    EXPECT_EQ(http_request(daemon_->port(), http::verb::post, "/ingest/a%2Fb?seq=1", "x").status,
              400u);
    EXPECT_THROW(ws_client(daemon_->port(), "/ingest/..%2Fkeep"), boost::system::system_error);
    expect_intact();
}

TEST_F(bad_input, unknown_session_is_closed_with_4404) {
    ws_client c(daemon_->port(), "/live/nobody");
    EXPECT_FALSE(c.receive());
    EXPECT_EQ(c.close_reason().code, 4404);
}

TEST(feeds, unreachable_and_failing_feeds_are_retried_and_reported) {
    // A server that answers every request with HTTP 500.
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    auto const port500 = acceptor.local_endpoint().port();
    std::atomic<bool> stop = false;
    std::thread server([&] {
        while (!stop) {
            tcp::socket s(ioc);
            beast::error_code ec;
            acceptor.accept(s, ec);
            if (ec || stop)
                break;
            char buf[2048];
            s.read_some(net::buffer(buf), ec);
            net::write(s,
                       net::buffer(std::string(
                           "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")),
                       ec);
        }
    });
    daemon_process d(
        {.config = "[feeds]\nreconnect_initial = \"50ms\"\nreconnect_max = \"200ms\"\n"
                   "[[feed]]\nsession = \"down\"\nurl = \"ws://nonexistent.invalid:9/feed\"\n"
                   "[[feed]]\nsession = \"broken\"\nurl = \"ws://127.0.0.1:" +
                   std::to_string(port500) + "/feed\"\n"});
    d.process().wait_for("feed broken: .*HTTP 500");
    d.process().wait_for("feed down: ws://nonexistent.invalid:9/feed: ");
    auto const list =
        boost::json::serialize(boost::json::parse(http_get(d.port(), "/api/sessions").body));
    EXPECT_NE(list.find("retrying in"), std::string::npos) << list;
    EXPECT_NE(list.find("HTTP 500"), std::string::npos) << list;
    EXPECT_GE(metric(d.port(), "minuted_feed_failures_total"), 2u);
    stop = true;
    beast::error_code ec;
    tcp::socket poke(ioc);
    poke.connect(acceptor.local_endpoint(), ec);
    server.join();
}

TEST(feeds, a_feed_reset_while_its_frames_are_applied_is_resumed_and_loses_nothing) {
    // Found by the soak test: a feed connection that failed while the daemon was applying one
    // of its frames cancelled that work on the session's strand, and Asio then used a freed
    // cancellation signal: the daemon died of SIGSEGV. Here frames flood in and the connection
    // is reset under them, again and again; then the rest of the meeting comes in one go.
    auto const frames = dccg_frames();
    constexpr int drops = 45;
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    acceptor.non_blocking(true);
    std::string failure;
    std::atomic<bool> watched = false;
    std::atomic<bool> feed_done = false;
    std::thread feed([&] {
        int round = 0;
        try {
            for (; round <= drops; ++round) {
                // It reconnects within 20 ms, unless it died; it connects first once started.
                auto const deadline =
                    std::chrono::steady_clock::now() + std::chrono::seconds(round == 0 ? 60 : 5);
                websocket::stream<tcp::socket> ws(ioc);
                for (beast::error_code ec;;) {
                    acceptor.accept(ws.next_layer(), ec);
                    if (!ec)
                        break;
                    if (ec != net::error::would_block ||
                        std::chrono::steady_clock::now() > deadline)
                        throw std::runtime_error("the daemon did not connect");
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                }
                ws.next_layer().non_blocking(false);
                ws.accept();
                beast::flat_buffer buffer;
                ws.read(buffer);
                auto const after = boost::json::parse(beast::buffers_to_string(buffer.data()))
                                       .at("after")
                                       .to_number<std::size_t>();
                // The daemon connects at once; the flood waits for its viewers, which may take
                // longer than its handshake timeout under the sanitizers.
                while (!watched)
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                ws.text(true);
                ws.write(net::buffer(dccg_open()));
                if (round < drops) {
                    for (auto k = after; k < std::min(after + 300, frames.size() - 1); ++k)
                        ws.write(net::buffer(frame_json(frames[k], k + 1)));
                    ws.next_layer().set_option(net::socket_base::linger(true, 0));
                    ws.next_layer().close();
                    continue;
                }
                for (auto k = after; k < frames.size(); ++k)
                    ws.write(net::buffer(frame_json(frames[k], k + 1)));
                // The daemon ends the session at the close frame and then closes the feed.
                beast::error_code ec;
                while (!ec) {
                    buffer.clear();
                    ws.read(buffer, ec);
                }
            }
        } catch (std::exception const& e) {
            failure = "round " + std::to_string(round) + ": " + e.what();
        }
    });
    daemon_process d({.config = "[server]\nthreads = 4\n[journal]\ncommit_interval = \"1ms\"\n"
                                "[feeds]\nreconnect_initial = \"10ms\"\nreconnect_max = \"20ms\"\n"
                                "[[feed]]\nsession = \"reset\"\nurl = \"ws://127.0.0.1:" +
                                std::to_string(acceptor.local_endpoint().port()) + "/feed\"\n"});
    // Viewers that read nothing keep the session's strand busy with their snapshots: the
    // crash needed its work to end while the cancellation was on its way there. A quarter of
    // them under the sanitizers, whose daemon is slow enough to be preempted mid-step anyway.
    std::vector<std::unique_ptr<ws_client>> viewers;
    for (int i = 0; i < (sanitized_build ? 25 : 100); ++i)
        viewers.push_back(std::make_unique<ws_client>(d.port(), "/live/reset"));
    // And a busy machine, as the soak test's was: the daemon's threads are preempted between
    // the steps of the race.
    std::vector<std::thread> busy;
    for (int i = 0; i < 3; ++i)
        busy.emplace_back([&] {
            while (!feed_done)
                std::this_thread::yield();
        });
    watched = true;
    feed.join();
    feed_done = true;
    for (auto& b : busy)
        b.join();
    EXPECT_EQ(failure, "") << "the daemon's log:\n" << d.process().output();
    ASSERT_TRUE(d.process().running()) << "exit code " << d.process().wait() << ":\n"
                                       << d.process().output();
    wait_archived(d.port(), "reset");
    EXPECT_EQ(metric(d.port(), "minuted_feed_failures_total"), static_cast<unsigned>(drops));
    EXPECT_EQ(http_get(d.port(), "/api/sessions/reset/report.md").body, summarise_md(dccg_file));
}

TEST(http_api, health_metrics_listing_and_reports) {
    daemon_process d;
    EXPECT_EQ(http_get(d.port(), "/healthz").body, "ok\n");
    auto const frames = dccg_frames();
    push(d.port(), "api", frames, 0, 3000);
    auto const list =
        boost::json::parse(http_get(d.port(), "/api/sessions").body).at("sessions").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("id"), "api");
    EXPECT_EQ(list[0].at("live"), true);
    EXPECT_EQ(list[0].at("title"), "Dynamic Coalitions Coordination Group Meeting 90");
    auto const state = final_snapshot(d.port(), "api");
    EXPECT_EQ(state.at("type"), "snapshot");
    EXPECT_FALSE(state.at("utterances").as_array().empty());
    EXPECT_EQ(http_get(d.port(), "/api/sessions/api/report.md").body.substr(0, 2), "# ");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/nope/report.md").status, 404u);
    auto const metrics = http_get(d.port(), "/metrics").body;
    for (auto const* name :
         {"minuted_sessions_live 1", "minuted_ingest_bytes_total",
          "minuted_updates_published_total", "minuted_update_latency_seconds_bucket{le=\"0.005\"}",
          "minuted_errors_protocol_total"})
        EXPECT_NE(metrics.find(name), std::string::npos) << name;
}

TEST(http_api, a_method_a_path_does_not_take_is_405_with_the_methods_it_does) {
    daemon_process d;
    for (auto const& [verb, target, allow] :
         {std::tuple{http::verb::post, "/", "GET, HEAD"},
          std::tuple{http::verb::put, "/metrics", "GET, HEAD"},
          std::tuple{http::verb::delete_, "/api/sessions/m", "GET, HEAD"},
          std::tuple{http::verb::get, "/api/sessions/m/end", "POST"},
          std::tuple{http::verb::get, "/ingest/m", "POST"},
          std::tuple{http::verb::post, "/ingest/m/seq", "GET"}}) {
        auto const r = http_request(d.port(), verb, target);
        EXPECT_EQ(r.status, 405u) << target;
        EXPECT_EQ(r.headers[http::field::allow], allow) << target;
    }
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/nowhere").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/ingest/m/other").status, 404u);
}

TEST(push_ingest, keep_open_replay_leaves_the_session_live) {
    daemon_process d;
    auto const r = run_minuted(
        {"replay", dccg_file, "--to", d.url("/ingest/k"), "--speed", "max", "--keep-open"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    auto const state = final_snapshot(d.port(), "k");
    EXPECT_EQ(state.at("ended"), false);
    EXPECT_EQ(state.at("agenda").as_array().size(), 5u);
}

// --- minuted replay's window: frames go out ahead of acks, as far as replay_window. ---

// An ingest receiver that acks only when told, driven step by step from the test. Reads can
// time out (read_within) and stay pending, so a write can go out while one waits.
class lazy_receiver {
public:
    lazy_receiver() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
    std::string url() const {
        return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ingest/w";
    }
    void accept() {
        tcp::socket s(ioc_);
        acceptor_.accept(s);
        ws_.emplace(std::move(s));
        ws_->accept();
        ws_->text(true);
    }
    /// The next message, or nullopt if none came within `timeout` (the read stays pending).
    std::optional<boost::json::object> read_within(std::chrono::milliseconds timeout) {
        start_read();
        ioc_.restart();
        ioc_.run_for(timeout);
        return take();
    }
    /// The next message; throws when the connection closes.
    boost::json::object read() {
        start_read();
        while (!done_) {
            ioc_.restart();
            ioc_.run_one();
        }
        auto m = take();
        if (!m)
            throw boost::system::system_error(read_error_);
        return *m;
    }
    /// Reads until the connection ends; the close frame's code, if one came.
    std::uint16_t read_to_end() {
        for (;;) {
            start_read();
            while (!done_) {
                ioc_.restart();
                ioc_.run_one();
            }
            if (!take())
                return ws_->reason().code;
        }
    }
    void send(std::string const& text) {
        bool sent = false;
        auto const message = std::make_shared<std::string>(text);
        ws_->async_write(net::buffer(*message),
                         [&sent, message](beast::error_code, std::size_t) { sent = true; });
        while (!sent) {
            ioc_.restart();
            ioc_.run_one();
        }
    }

private:
    void start_read() {
        if (pending_)
            return;
        pending_ = true;
        done_ = false;
        buffer_.clear();
        ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            read_error_ = ec;
            done_ = true;
        });
    }
    std::optional<boost::json::object> take() {
        if (!done_)
            return std::nullopt;
        pending_ = false;
        if (read_error_)
            return std::nullopt;
        return boost::json::parse(beast::buffers_to_string(buffer_.data())).as_object();
    }

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::optional<websocket::stream<tcp::socket>> ws_;
    beast::flat_buffer buffer_;
    bool pending_ = false;
    bool done_ = false;
    beast::error_code read_error_;
};

std::size_t seq_of(boost::json::object const& m) {
    return m.at("seq").to_number<std::size_t>();
}

TEST(replay_window, a_replayed_file_opens_with_its_header_title_and_sends_only_its_speech) {
    lazy_receiver r;
    child_process replay(
        {MINUTED_BINARY, "replay", dccg_file, "--to", r.url(), "--speed", "max", "--keep-open"});
    r.accept();
    auto const open = r.read();
    EXPECT_EQ(open.at("type"), "open");
    EXPECT_EQ(open.at("title"), "Dynamic Coalitions Coordination Group Meeting 90");
    r.send(R"({"type":"welcome","ack":0})");
    auto const first = r.read();
    EXPECT_EQ(first.at("seq"), 1);
    // The header's 16 lines as blank lines, so line numbers stay the file's; then the speech.
    EXPECT_EQ(std::string(first.at("text").as_string()), std::string(16, '\n') + ">> ");
}

TEST(replay_window, an_agenda_file_goes_in_the_open_and_one_that_is_not_an_agenda_exits_65) {
    auto const agenda = write_agenda("replay-agenda.md", dccg_agenda_markdown());
    {
        lazy_receiver r;
        child_process replay({MINUTED_BINARY, "replay", dccg_file, "--to", r.url(), "--speed",
                              "max", "--keep-open", "--agenda", agenda.string()});
        r.accept();
        auto const open = r.read();
        EXPECT_EQ(open.at("type"), "open");
        std::vector<std::string> titles;
        for (auto const& t : open.at("agenda").as_array())
            titles.emplace_back(t.as_string());
        EXPECT_EQ(titles, dccg_agenda);
    }
    auto const binary = write_agenda("replay-agenda.pdf", std::string("%PDF\0\1", 6));
    child_process refused({MINUTED_BINARY, "replay", dccg_file, "--to", "ws://127.0.0.1:1/ingest/x",
                           "--agenda", binary.string()});
    EXPECT_EQ(refused.wait(), 65);
    EXPECT_NE(refused.output().find(binary.string() + ": not an agenda: binary data"),
              std::string::npos)
        << refused.output();
    std::filesystem::remove(agenda);
    std::filesystem::remove(binary);
}

TEST(replay_window, max_speed_sends_a_window_ahead_of_batched_acks_and_resumes_from_welcome) {
    auto const frames = dccg_frames();
    ASSERT_GT(frames.size(), 3 * replay_window);
    lazy_receiver r;
    child_process replay({MINUTED_BINARY, "replay", dccg_file, "--to", r.url(), "--speed", "max"});
    r.accept();
    EXPECT_EQ(r.read().at("type"), "open");
    r.send(R"({"type":"welcome","ack":0})");
    // A whole window arrives with no ack, and then nothing more.
    for (std::size_t seq = 1; seq <= replay_window; ++seq)
        ASSERT_EQ(seq_of(r.read()), seq);
    EXPECT_FALSE(r.read_within(std::chrono::milliseconds(300)));
    // One late ack acknowledges everything up to its seq, and opens the window that far.
    r.send(R"({"type":"ack","seq":1000})");
    for (std::size_t seq = replay_window + 1; seq <= 1000 + replay_window; ++seq)
        ASSERT_EQ(seq_of(r.read()), seq);
    EXPECT_FALSE(r.read_within(std::chrono::milliseconds(300)));
    // A gap: the replay drops the connection instead of rewinding inside it...
    r.send(R"({"type":"nack","expected":1001})");
    r.read_to_end();
    replay.wait_for("expects seq 1001");
    // ...and resumes after exactly what the new welcome says is held, below what was acked.
    r.accept();
    EXPECT_EQ(r.read().at("type"), "open");
    r.send(R"({"type":"welcome","ack":900})");
    for (std::size_t seq = 901; seq <= frames.size(); ++seq) {
        auto const m = r.read();
        ASSERT_EQ(seq_of(m), seq);
        r.send(R"({"type":"ack","seq":)" + std::to_string(seq) + "}");
    }
    // Every frame acknowledged, the close frame last: the replay closes normally and succeeds.
    EXPECT_EQ(r.read_to_end(), websocket::close_code::normal);
    EXPECT_EQ(replay.wait(), 0) << replay.output();
}

TEST(replay_window, acks_batched_every_50_ms_do_not_pace_a_max_speed_replay) {
    // A receiver with group commit: every 50 ms it acknowledges all that arrived. One frame
    // per ack would take 50 ms a frame, over 12 minutes for the meeting's 15,000 frames.
    auto const frames = dccg_frames(true);
    lazy_receiver r;
    auto const start = std::chrono::steady_clock::now();
    child_process replay(
        {MINUTED_BINARY, "replay", dccg_file, "--to", r.url(), "--speed", "max", "--corrections"});
    r.accept();
    EXPECT_EQ(r.read().at("type"), "open");
    r.send(R"({"type":"welcome","ack":0})");
    std::size_t held = 0;
    auto commit = std::chrono::steady_clock::now();
    while (held < frames.size()) {
        if (auto const m = r.read_within(std::chrono::milliseconds(5))) {
            ASSERT_EQ(seq_of(*m), ++held);
        }
        if (std::chrono::steady_clock::now() - commit >= std::chrono::milliseconds(50)) {
            r.send(R"({"type":"ack","seq":)" + std::to_string(held) + "}");
            commit = std::chrono::steady_clock::now();
        }
    }
    r.send(R"({"type":"ack","seq":)" + std::to_string(held) + "}");
    EXPECT_EQ(r.read_to_end(), websocket::close_code::normal);
    EXPECT_EQ(replay.wait(), 0) << replay.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(replay_window, timed_frames_go_out_when_due_without_waiting_for_acks) {
    // 180 words/min x 20 = a frame every 1/60 s: frame 121 is due 2 s after frame 1.
    lazy_receiver r;
    child_process replay({MINUTED_BINARY, "replay", dccg_file, "--to", r.url(), "--speed", "20"});
    r.accept();
    EXPECT_EQ(r.read().at("type"), "open");
    r.send(R"({"type":"welcome","ack":0})");
    EXPECT_EQ(seq_of(r.read()), 1u);
    auto const first = std::chrono::steady_clock::now();
    for (std::size_t seq = 2; seq <= 121; ++seq)
        ASSERT_EQ(seq_of(r.read()), seq);
    auto const took = std::chrono::steady_clock::now() - first;
    // Not before it is due: at most the connection set-up's delay early (frames are timed from
    // the replay's start, so ones that fell due while it connected go at once).
    EXPECT_GT(took, std::chrono::milliseconds(1500));
    EXPECT_LT(took, std::chrono::seconds(20));
}

// --- minuted replay --from-archive: a meeting played again from its journal. ---

// The journal the daemon keeps for a session that received `frames` 10 ms apart, as
// protocol/journal.hpp encodes it; frame 2 arrives as raw text with no seq.
std::string journal_of(std::vector<replay_frame> const& frames, std::string const& title,
                       std::vector<std::string> const& agenda) {
    using protocol::journal_kind;
    std::int64_t const start = 1'763'900'000'000;
    auto record = [&](journal_kind kind, std::size_t i) {
        protocol::journal_record r;
        r.kind = kind;
        r.at_ms = start + static_cast<std::int64_t>(i) * 10;
        return r;
    };
    auto session = record(journal_kind::session, 0);
    session.text = "dccg";
    session.epoch = "9f2c4e01d3a87b65";
    auto open = record(journal_kind::open, 0);
    open.title = title;
    open.agenda = agenda;
    std::string out =
        protocol::encode_journal_record(session) + protocol::encode_journal_record(open);
    protocol::seq_number seq = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto const& f = frames[i];
        auto r = record(journal_kind::text, i + 1);
        if (f.kind == protocol::ingest_kind::erase) {
            r.kind = journal_kind::erase;
            r.count = f.count;
            r.seq = ++seq;
        } else if (f.kind == protocol::ingest_kind::close) {
            r.kind = journal_kind::end;
            r.text = "closed by the caption source";
            r.seq = ++seq;
        } else {
            r.text = f.text;
            r.seq = i == 1 ? 0 : ++seq;
        }
        out += protocol::encode_journal_record(r);
    }
    return out;
}

void write_text(std::filesystem::path const& path, std::string const& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

TEST(replay_from_archive, an_archived_journal_replays_into_the_same_minutes) {
    // The first quarter of the meeting, typed with corrections (so with erases), journaled.
    temp_dir dir;
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const part = dir.path() / "part.txt";
    write_text(part, text.substr(0, text.find('\n', text.size() / 4) + 1));
    auto const agenda_file = dir.path() / "agenda.txt";
    std::vector<std::string> const agenda{"Welcome and introductions", "The DC main session"};
    write_text(agenda_file, agenda[0] + "\n" + agenda[1] + "\n");
    replay_options options;
    options.corrections = true;
    auto const frames = make_replay_frames(read_file(part), options);
    auto const state = dir.path() / "state";
    auto const id = std::string("dccg-20261123-101500");
    auto journal = journal_of(frames, "DCCG 90, replayed", agenda);
    // A crash mid-append left half a record at the end.
    auto const torn = protocol::encode_journal_record({}).substr(0, 10);
    write_text(state / "archive" / id / "journal", journal + torn);

    daemon_process d;
    auto const start = std::chrono::steady_clock::now();
    auto r = run_minuted({"replay", "--from-archive", id, "--state-dir", state.string(), "--to",
                          d.url("/ingest/again"), "--speed", "max"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    EXPECT_NE(r.output().find("10 bytes dropped"), std::string::npos) << r.output();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
    wait_archived(d.port(), "again");
    auto const transcript = http_get(d.port(), "/api/sessions/again/transcript.txt");
    EXPECT_EQ(transcript.status, 200u);
    EXPECT_NE(transcript.body.find("Markus Kummer: "), std::string::npos) << transcript.body;
    // The open carried the agenda: the minutes are those of the transcript with that agenda.
    EXPECT_EQ(http_get(d.port(), "/api/sessions/again/report.md").body,
              summarise_md_with_agenda(part.string(), agenda_file.string()));

    // And the title, where the captions do not name the meeting; timed, and left open.
    std::vector<replay_frame> const few{{protocol::ingest_kind::text, "Good morning. ", 0, 0},
                                        {protocol::ingest_kind::text, "Shall we start?\n", 0, 0}};
    write_text(state / "archive" / "short-20261124-090000" / "journal",
               journal_of(few, "A short meeting", {}));
    r = run_minuted({"replay", "--from-archive", "short-20261124-090000", "--state-dir",
                     state.string(), "--to", d.url("/ingest/short"), "--speed", "10",
                     "--keep-open"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    auto const snapshot = final_snapshot(d.port(), "short");
    EXPECT_EQ(snapshot.at("title"), "A short meeting");
    EXPECT_EQ(snapshot.at("ended"), false);
    // Both frames were sent with a seq, the one journaled as raw text too.
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/ingest/short/seq").body).at("seq"), 2);
}

TEST(replay_from_archive, unknown_archives_and_archives_without_a_journal_are_refused) {
    temp_dir dir;
    auto const state = dir.path() / "state";
    std::filesystem::create_directories(state / "archive" / "old-20240101-090000");
    auto r = run_minuted({"replay", "--from-archive", "nope-20261123-101500", "--state-dir",
                          state.string(), "--to", "ws://127.0.0.1:9/x"});
    EXPECT_EQ(r.exit_code, 66);
    EXPECT_NE(r.output().find("no archived session nope-20261123-101500 in " +
                              (state / "archive").string()),
              std::string::npos)
        << r.output();
    r = run_minuted({"replay", "--from-archive", "../state", "--state-dir", state.string(), "--to",
                     "ws://127.0.0.1:9/x"});
    EXPECT_EQ(r.exit_code, 66) << r.output();
    r = run_minuted({"replay", "--from-archive", "old-20240101-090000", "--state-dir",
                     state.string(), "--to", "ws://127.0.0.1:9/x"});
    EXPECT_EQ(r.exit_code, 66);
    EXPECT_NE(r.output().find("archived before journals were kept"), std::string::npos)
        << r.output();
    // The state directory comes from --config when not given.
    auto const config = dir.path() / "minuted.toml";
    write_text(config, "[server]\nstate_dir = \"" + state.string() + "\"\n");
    r = run_minuted({"replay", "--from-archive", "nope", "--config", config.string(), "--to",
                     "ws://127.0.0.1:9/x"});
    EXPECT_EQ(r.exit_code, 66);
    EXPECT_NE(r.output().find((state / "archive").string()), std::string::npos) << r.output();
    r = run_minuted({"replay", "--from-archive", "old-20240101-090000", "--corrections", "--to",
                     "ws://127.0.0.1:9/x"});
    EXPECT_EQ(r.exit_code, 64);
    r = run_minuted({"replay", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output().find("--from-archive ID"), std::string::npos) << r.output();
}

TEST(shutdown, viewers_are_told_the_daemon_is_going_away_and_the_restart_rebuilds_the_meeting) {
    daemon_process d;
    auto const frames = dccg_frames();
    push(d.port(), "m", frames, 0, 500);
    auto before = final_snapshot(d.port(), "m");
    ws_client viewer(d.port(), "/live/m");
    ASSERT_TRUE(viewer.receive()); // the snapshot
    EXPECT_EQ(d.stop(), 0);
    while (auto m = viewer.receive())
        EXPECT_EQ(boost::json::parse(*m).at("ended"), false) << *m; // no final "ended" update
    EXPECT_EQ(viewer.close_reason().code, websocket::close_code::going_away);
    // The meeting is not over, so nothing is archived: its journal keeps it.
    std::error_code ec;
    for (auto const& e : std::filesystem::directory_iterator(d.state_dir() / "archive", ec))
        EXPECT_FALSE(e.is_directory()) << e.path();

    d.restart();
    d.process().wait_for("session m rebuilt from its journal");
    auto after = final_snapshot(d.port(), "m");
    auto const old_epoch = std::string(before.at("epoch").as_string());
    EXPECT_NE(after.at("epoch"), before.at("epoch"));
    before.erase("epoch");
    after.erase("epoch");
    EXPECT_EQ(after, before) << first_difference(after, before);
    // A viewer of the instance before the restart resumes: nothing missed, no snapshot.
    ws_client resumed(d.port(), "/live/m?since=" + std::to_string(before.at("rev").as_int64()) +
                                    "&epoch=" + old_epoch);
    auto const hello = resumed.receive_json();
    EXPECT_EQ(hello.at("type"), "resumed") << boost::json::serialize(hello);
    // The source goes on where the journal ends, and the meeting ends as if never stopped.
    push(d.port(), "m", frames, 500, frames.size());
    wait_archived(d.port(), "m");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/m/report.md").body, summarise_md(dccg_file));
}

TEST(viewer, pages_and_static_files_are_served_from_the_binary_with_a_strict_policy) {
    daemon_process d;
    auto const index = http_get(d.port(), "/");
    EXPECT_EQ(index.status, 200u);
    EXPECT_NE(index.body.find("/static/list.js"), std::string::npos);
    EXPECT_EQ(index.headers[http::field::content_type], "text/html; charset=utf-8");
    auto const csp = std::string(index.headers["Content-Security-Policy"]);
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;

    // A session page is served before the session exists: the page waits for it.
    auto const page = http_get(d.port(), "/sessions/not-yet");
    EXPECT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("id=\"captions\""), std::string::npos);
    EXPECT_EQ(http_get(d.port(), "/sessions/a%2Fb").status, 400u);

    auto const js = http_get(d.port(), "/static/session.js");
    EXPECT_EQ(js.status, 200u);
    EXPECT_EQ(js.headers[http::field::content_type], "text/javascript; charset=utf-8");
    auto const etag = std::string(js.headers[http::field::etag]);
    ASSERT_FALSE(etag.empty());
    http::fields conditional;
    conditional.set(http::field::if_none_match, etag);
    auto const again =
        http_request(d.port(), http::verb::get, "/static/session.js", {}, conditional);
    EXPECT_EQ(again.status, 304u);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(http_get(d.port(), "/static/missing.js").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/static/..%2Fserver.cpp").status, 404u);
}

TEST(config_errors, wrong_type_unknown_key_and_bad_value_exit_78_with_file_line_col) {
    temp_dir dir;
    auto write = [&](std::string const& text) {
        auto const path = (dir.path() / "c.toml").string();
        std::FILE* f = std::fopen(path.c_str(), "w");
        std::fputs(text.c_str(), f);
        std::fclose(f);
        return path;
    };
    auto r = run_minuted({"serve", "--config", write("[server]\nlisten = 8080\n")});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.output().find("c.toml:2:10: server.listen must be a string"), std::string::npos)
        << r.output();
    r = run_minuted({"serve", "--config", write("[server]\nlisen = \"127.0.0.1:1\"\n")});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.output().find("c.toml:2:1: unknown key 'server.lisen'"), std::string::npos)
        << r.output();
    r = run_minuted({"serve", "--config", write("[sessions]\nidle_timeout = \"soon\"\n")});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.output().find("c.toml:2:16: sessions.idle_timeout must be a positive duration"),
              std::string::npos)
        << r.output();
    r = run_minuted({"serve", "--config", (dir.path() / "missing.toml").string()});
    EXPECT_EQ(r.exit_code, 78);
    r = run_minuted({"--print-default-config"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output().find("listen = \"127.0.0.1:8080\""), std::string::npos);
}

} // namespace
} // namespace minuted::testing
