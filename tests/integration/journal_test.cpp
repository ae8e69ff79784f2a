// Nothing acknowledged is ever lost. The real daemon is killed, restarted, starved of
// disk and denied its state directory while a source sends a real meeting.

#include "daemon/client/replay.hpp"
#include "protocol/journal.hpp"
#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <pwd.h>
#include <random>
#include <regex>
#include <sys/resource.h>
#include <thread>

namespace minuted::testing {
namespace {

using daemon::as_live_captions;
using daemon::frame_json;
using daemon::make_transcript_replay;
using daemon::replay_frame;
using daemon::replay_options;

// What one connection of a caption source saw.
struct source_run {
    // What the daemon said it holds; none if it did not answer the open before the
    // connection ended.
    std::optional<std::size_t> welcome_ack;
    std::size_t acked = 0; // the highest seq acknowledged
    bool finished = false; // every frame acknowledged
    std::vector<std::string> errors;
    std::optional<websocket::close_reason> closed; // by the daemon, with this reason
};

// A caption source: opens the session, resumes after the welcome's ack and sends the rest with
// up to 256 frames in flight, until every frame is acknowledged or the connection ends.
// `acked` is raised as acks arrive, for a test that kills the daemon mid-way.
source_run send_frames(unsigned short port, std::string const& id,
                       std::vector<replay_frame> const& frames,
                       std::atomic<std::size_t>* acked = nullptr) {
    source_run run;
    try {
        ws_client c(port, "/ingest/" + id);
        c.send(dccg_open());
        auto const welcome = c.receive_json();
        run.welcome_ack = welcome.at("ack").to_number<std::size_t>();
        run.acked = *run.welcome_ack;
        auto next = run.acked;
        while (run.acked < frames.size()) {
            for (; next < frames.size() && next - run.acked < 256; ++next)
                c.send(frame_json(frames[next], next + 1));
            auto const m = c.receive();
            if (!m) {
                run.closed = c.close_reason();
                return run;
            }
            auto const reply = boost::json::parse(*m).as_object();
            if (reply.at("type") == "ack") {
                run.acked = reply.at("seq").to_number<std::size_t>();
                if (acked)
                    *acked = run.acked;
            } else if (reply.at("type") == "error") {
                run.errors.emplace_back(reply.at("message").as_string());
            }
        }
        run.finished = true;
        c.close();
    } catch (std::exception const&) {
        // The daemon went away mid-frame: what was acknowledged is in `run`.
    }
    return run;
}

// Waits until GET /api/sessions says the session ended (and was archived).
// The seqs of the caption events in an archived journal, in order.
std::vector<protocol::seq_number> journaled_seqs(std::filesystem::path const& journal) {
    auto const contents = protocol::read_journal(read_file(journal));
    EXPECT_EQ(contents.damage, "") << journal;
    std::vector<protocol::seq_number> seqs;
    for (auto const& r : contents.records)
        if (r.seq != 0)
            seqs.push_back(r.seq);
    return seqs;
}

std::filesystem::path live_journal(std::filesystem::path const& state_dir) {
    for (auto const& e : std::filesystem::directory_iterator(state_dir / "live"))
        if (e.path().extension() == ".journal")
            return e.path();
    throw std::runtime_error("no journal in " + (state_dir / "live").string());
}

TEST(crash, sigkill_at_random_points_loses_no_acknowledged_caption_and_duplicates_none) {
    auto const frames = dccg_frames();
    daemon_process d;
    auto const seed = static_cast<unsigned>(std::random_device{}());
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::size_t acked_before_crash = 0;
    for (int round = 0; round < 5; ++round) {
        std::atomic<std::size_t> acked{0};
        auto source = std::async(std::launch::async,
                                 [&] { return send_frames(d.port(), "m", frames, &acked); });
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
        d.kill();
        auto const run = source.get();
        // Everything acknowledged before the earlier crash was still held after the restart. A
        // daemon killed before it answered (a slow machine, a sanitizer) said nothing: the
        // next answer, at the latest the last run's, must hold all of it.
        if (run.welcome_ack) {
            EXPECT_GE(*run.welcome_ack, acked_before_crash) << "round " << round;
        }
        ASSERT_FALSE(run.finished) << "the meeting was over before the crash in round " << round;
        acked_before_crash = std::max(acked_before_crash, run.acked);
        d.restart();
    }
    auto const last = send_frames(d.port(), "m", frames);
    ASSERT_TRUE(last.welcome_ack);
    EXPECT_GE(*last.welcome_ack, acked_before_crash);
    EXPECT_TRUE(last.finished);
    EXPECT_TRUE(last.errors.empty()) << last.errors.front();

    auto const archive = wait_archived(d.port(), "m");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/m/report.md").body, summarise_md(dccg_file));
    // Every seq exactly once, in order: nothing lost, nothing applied twice.
    auto const seqs = journaled_seqs(d.state_dir() / "archive" / archive / "journal");
    ASSERT_EQ(seqs.size(), frames.size());
    for (std::size_t i = 0; i < seqs.size(); ++i)
        ASSERT_EQ(seqs[i], i + 1);
    EXPECT_EQ(read_file(d.state_dir() / "archive" / archive / "report.md"),
              summarise_md(dccg_file));
}

TEST(crash, a_torn_last_record_is_dropped_with_a_log_line_and_the_rest_rebuilt) {
    auto const frames = dccg_frames();
    daemon_process d;
    std::vector<replay_frame> const first(frames.begin(), frames.begin() + 400);
    ASSERT_TRUE(send_frames(d.port(), "m", first).finished);
    auto const before = boost::json::parse(http_get(d.port(), "/api/sessions/m").body).as_object();
    EXPECT_EQ(d.stop(), 0);
    // A crash in the middle of an append: a header promising more than was written.
    auto const journal = live_journal(d.state_dir());
    {
        std::ofstream out(journal, std::ios::binary | std::ios::app);
        out << std::string("\x64\0\0\0\x12\x34\x56\x78{\"k\":\"text\",\"se", 22);
    }
    d.restart();
    d.process().wait_for(R"(dropped the last 22 bytes, a record cut short)");
    auto const after = boost::json::parse(http_get(d.port(), "/api/sessions/m").body).as_object();
    EXPECT_EQ(after.at("rev"), before.at("rev"));
    EXPECT_EQ(after.at("utterances"), before.at("utterances"));
    auto const rest = send_frames(d.port(), "m", frames);
    EXPECT_EQ(rest.welcome_ack, 400u);
    EXPECT_TRUE(rest.finished);
    wait_archived(d.port(), "m");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/m/report.md").body, summarise_md(dccg_file));
}

TEST(journal_failure, a_full_disk_refuses_captions_with_1013_keeps_what_was_acked_and_recovers) {
    // A file size limit makes the journal's writes fail as a full disk does, part-way through a
    // record included; raising it is the disk getting space back.
    auto const frames = dccg_frames();
    daemon_process d;
    std::vector<replay_frame> const first(frames.begin(), frames.begin() + 300);
    ASSERT_TRUE(send_frames(d.port(), "m", first).finished);
    auto const journal = live_journal(d.state_dir());
    rlimit full{std::filesystem::file_size(journal) + 30, RLIM_INFINITY};
    ASSERT_EQ(::prlimit(d.process().pid(), RLIMIT_FSIZE, &full, nullptr), 0);

    auto const refused = send_frames(d.port(), "m", frames);
    EXPECT_EQ(refused.welcome_ack, 300u);
    EXPECT_FALSE(refused.finished);
    ASSERT_TRUE(refused.closed);
    EXPECT_EQ(refused.closed->code, 1013);
    EXPECT_NE(std::string(refused.closed->reason.data(), refused.closed->reason.size())
                  .find("journal not writable: File too large"),
              std::string::npos)
        << refused.closed->reason.data();
    ASSERT_FALSE(refused.errors.empty());
    EXPECT_NE(refused.errors.back().find("nothing after seq 300 is held"), std::string::npos)
        << refused.errors.back();
    d.process().wait_for("cannot write: File too large; new captions are refused");
    auto const metrics = http_get(d.port(), "/metrics").body;
    EXPECT_TRUE(std::regex_search(metrics, std::regex("\nminuted_ingest_refused_total [1-9]")));
    EXPECT_TRUE(std::regex_search(metrics, std::regex("\nminuted_journal_failures_total [1-9]")));

    rlimit room{RLIM_INFINITY, RLIM_INFINITY};
    ASSERT_EQ(::prlimit(d.process().pid(), RLIMIT_FSIZE, &room, nullptr), 0);
    d.process().wait_for("writable again after: File too large");
    auto const rest = send_frames(d.port(), "m", frames);
    EXPECT_GE(rest.welcome_ack, 300u);
    EXPECT_TRUE(rest.finished);
    auto const archive = wait_archived(d.port(), "m");
    // The record cut by the limit was finished, not left torn in the middle of the journal.
    auto const seqs = journaled_seqs(d.state_dir() / "archive" / archive / "journal");
    ASSERT_EQ(seqs.size(), frames.size());
    EXPECT_EQ(http_get(d.port(), "/api/sessions/m/report.md").body, summarise_md(dccg_file));
}

TEST(journal_failure, a_read_only_state_directory_refuses_captions_until_it_is_writable) {
    // Root may write anywhere, so as root the daemon runs as nobody.
    std::optional<run_as> user;
    if (::geteuid() == 0) {
        auto const* nobody = ::getpwnam("nobody");
        ASSERT_NE(nobody, nullptr);
        user = run_as{nobody->pw_uid, nobody->pw_gid};
    }
    temp_dir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    auto const state = dir.path() / "state";
    std::filesystem::create_directory(state);
    std::filesystem::permissions(state, std::filesystem::perms(0555));
    daemon_process d({.args = {"--state-dir", state.string()}, .as_user = user});

    auto const frames = dccg_frames();
    auto const refused = send_frames(d.port(), "m", frames);
    EXPECT_FALSE(refused.finished);
    EXPECT_EQ(refused.acked, 0u);
    ASSERT_TRUE(refused.closed);
    EXPECT_EQ(refused.closed->code, 1013);
    EXPECT_NE(std::string(refused.closed->reason.data(), refused.closed->reason.size())
                  .find("journal not writable: Permission denied"),
              std::string::npos)
        << refused.closed->reason.data();
    d.process().wait_for("cannot write: Permission denied; new captions are refused");

    std::filesystem::permissions(state, std::filesystem::perms(0777));
    d.process().wait_for("writable again after: Permission denied");
    auto const rest = send_frames(d.port(), "m", frames);
    EXPECT_TRUE(rest.finished);
    wait_archived(d.port(), "m");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/m/report.md").body, summarise_md(dccg_file));
}

TEST(admin_end, ending_a_session_needs_the_admin_token_and_archives_it) {
    std::string const token = "an-admin-token-of-32-characters!";
    daemon_process d({.config = "[auth]\nadmin_token = \"" + token + "\"\n"});
    auto frames = dccg_frames();
    frames.resize(600); // no close frame: the source never ends the meeting
    ASSERT_TRUE(send_frames(d.port(), "m", frames).finished);
    auto const end = [&](std::string const& authorization) {
        http::fields headers;
        if (!authorization.empty())
            headers.set(http::field::authorization, authorization);
        return http_request(d.port(), http::verb::post, "/api/sessions/m/end", {}, headers);
    };
    auto const none = end("");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.headers[http::field::www_authenticate], "Bearer realm=\"minuted\"");
    EXPECT_EQ(end("Bearer not-the-token-at-all-but-as-long").status, 403u);
    d.process().wait_for(
        R"(http 127\.0\.0\.1:\d+: POST /api/sessions/m/end refused: wrong admin token)");
    EXPECT_EQ(d.process().output().find(token), std::string::npos); // never logged
    http::fields admin;
    admin.set(http::field::authorization, "Bearer " + token);
    EXPECT_EQ(http_request(d.port(), http::verb::get, "/api/sessions/m/end", {}, admin).status,
              405u);

    auto const ok = end("Bearer " + token);
    EXPECT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("last_seq"), 600);
    auto const archive = wait_archived(d.port(), "m");
    auto const state =
        boost::json::parse(read_file(d.state_dir() / "archive" / archive / "state.json"));
    EXPECT_EQ(state.at("archived").at("end_reason"), "ended by an administrator");
    EXPECT_EQ(state.at("ended"), true);
    EXPECT_EQ(end("Bearer " + token).status, 409u); // ended already, as PROTOCOL.md says

    // A restart forgets nothing of it: it is listed and viewable as before, and ended.
    d.restart();
    auto const after = http_request(d.port(), http::verb::get, "/api/sessions/m", {}, admin);
    ASSERT_EQ(after.status, 200u) << after.body;
    EXPECT_EQ(boost::json::parse(after.body).at("ended"), true);
    auto const listed = boost::json::parse(http_get(d.port(), "/api/sessions").body);
    EXPECT_EQ(listed.at("sessions").as_array().size(), 1u) << listed;
    EXPECT_EQ(listed.at("sessions").at(0).at("archive").as_string(), archive);
    EXPECT_EQ(end("Bearer " + token).status, 409u);
    EXPECT_EQ(end("Bearer " + token).body, "{\"error\":\"m has ended\"}\n");
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/other/end", {}, admin).status,
              404u);
}

TEST(close, a_source_that_lost_the_ack_of_its_close_resends_without_duplicating_the_meeting) {
    daemon_process d;
    auto const frame = [](std::uint64_t seq, std::string const& text) {
        return boost::json::serialize(
            boost::json::object{{"type", "text"}, {"seq", seq}, {"text", text}});
    };
    std::vector<std::string> const meeting = {
        R"({"type":"open","title":"Board","instance":"board-1"})",
        frame(1, ">> CHAIR: Welcome to the board meeting.\r\n"),
        frame(2, ">> TREASURER: The accounts are in order.\r\n"), R"({"type":"close","seq":3})"};
    std::string archive;
    {
        ws_client source(d.port(), "/ingest/cr1");
        for (auto const& m : meeting)
            source.send(m);
        // The daemon has the close, then the connection drops before its ack is read. (Dropped
        // sooner, the reset could discard frames the daemon had not read yet.)
        archive = wait_archived(d.port(), "cr1");
    }
    auto const resend = [&](std::vector<std::string> const& frames) {
        ws_client source(d.port(), "/ingest/cr1");
        std::vector<boost::json::object> got;
        for (auto const& m : frames) {
            source.send(m);
            got.push_back(source.receive_json());
        }
        return got;
    };
    for (int round = 0; round < 2; ++round) { // before a restart and after it
        auto const got = resend(meeting);
        EXPECT_EQ(boost::json::serialize(got[0]), R"({"type":"welcome","ack":3,"ended":true})");
        for (std::uint64_t seq = 1; seq <= 3; ++seq)
            EXPECT_EQ(boost::json::serialize(got[seq]),
                      R"({"type":"ack","seq":)" + std::to_string(seq) + "}");
        // Nothing new reaches an ended meeting, and the source is told how to start another.
        ws_client late(d.port(), "/ingest/cr1");
        late.send(frame(4, ">> CHAIR: One more thing.\r\n"));
        auto const refused = late.receive_json();
        EXPECT_EQ(refused.at("type"), "error");
        EXPECT_NE(std::string(refused.at("message").as_string()).find("send an open with a new"),
                  std::string::npos);
        EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/cr1?seq=2", "x").status, 200u);
        EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/cr1?seq=4", "x").status, 409u);
        auto const sessions =
            boost::json::parse(http_get(d.port(), "/api/sessions").body).at("sessions").as_array();
        ASSERT_EQ(sessions.size(), 1u) << sessions;
        EXPECT_EQ(sessions[0].at("archive").as_string(), archive);
        std::vector<std::string> folders;
        for (auto const& e : std::filesystem::directory_iterator(d.state_dir() / "archive"))
            if (e.is_directory())
                folders.push_back(e.path().filename().string());
        EXPECT_EQ(folders, std::vector<std::string>{archive});
        d.restart();
    }
    // A new meeting under the same id is explicit: an open that names another instance.
    auto const next = resend({R"({"type":"open","title":"Board","instance":"board-2"})",
                              frame(1, ">> CHAIR: Welcome back.\r\n")});
    EXPECT_EQ(boost::json::serialize(next[0]), R"({"type":"welcome","ack":0})");
    EXPECT_EQ(boost::json::serialize(next[1]), R"({"type":"ack","seq":1})");
    auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/cr1").body);
    EXPECT_EQ(state.at("ended"), false);
}

TEST(upgrade, a_journal_written_before_live_captions_rebuilds_with_its_header_read) {
    // A daemon before live sessions read their text as live captions journaled a transcript
    // pushed as one text (header and all) with no "source" in its session record, and read
    // the header as a file's: title from it, its lines shown nowhere. After an upgrade such a
    // journal rebuilds as it was; a journal that says its text is live captions reads all.
    daemon_process d;
    ASSERT_EQ(d.stop(), 0);
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const journal = [&](std::string const& id, protocol::text_source source) {
        protocol::journal_record session;
        session.kind = protocol::journal_kind::session;
        session.at_ms = 1'763'900'000'000;
        session.text = id;
        session.epoch = "0123456789abcdef";
        session.source = source;
        protocol::journal_record captions;
        captions.at_ms = session.at_ms + 1000;
        captions.seq = 1;
        captions.text = text;
        protocol::journal_record end;
        end.kind = protocol::journal_kind::end;
        end.at_ms = session.at_ms + 2000;
        end.seq = 2;
        end.text = "closed by the caption source";
        auto const bytes = protocol::encode_journal_record(session) +
                           protocol::encode_journal_record(captions) +
                           protocol::encode_journal_record(end);
        EXPECT_EQ(source == protocol::text_source::file,
                  bytes.find(R"("source")") == std::string::npos);
        std::filesystem::create_directories(d.state_dir() / "live");
        std::ofstream(d.state_dir() / "live" / (id + ".0123456789abcdef.journal"), std::ios::binary)
            << bytes;
    };
    journal("old", protocol::text_source::file);
    journal("new", protocol::text_source::live);
    d.restart();
    wait_archived(d.port(), "old");
    wait_archived(d.port(), "new");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/old/report.md").body, summarise_md(dccg_file));
    auto const old_state = boost::json::parse(http_get(d.port(), "/api/sessions/old").body);
    EXPECT_EQ(old_state.at("title"), "Dynamic Coalitions Coordination Group Meeting 90");
    EXPECT_EQ(http_get(d.port(), "/api/sessions/old/transcript.txt").body.find("Caption First"),
              std::string::npos);
    // Read as live captions, the header's lines are the first captions and name nothing.
    EXPECT_NE(http_get(d.port(), "/api/sessions/new/transcript.txt").body.find("Caption First"),
              std::string::npos);
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/api/sessions/new").body).at("title"), "");
}

TEST(admin_end, without_a_configured_token_loopback_may_end_a_session) {
    daemon_process d;
    auto frames = dccg_frames();
    frames.resize(50);
    ASSERT_TRUE(send_frames(d.port(), "m", frames).finished);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end").status, 200u);
    wait_archived(d.port(), "m");
}

// A known agenda given through the API during the meeting is journaled like
// captions: the meeting is aligned to it at once, a restart rebuilds it, the archive keeps it,
// and once the meeting has ended it is final.
TEST(agenda_api, an_agenda_put_during_the_meeting_is_journaled_and_final_at_the_end) {
    std::string const token = "a-publish-token-of-32-characters";
    std::string const admin_token = "an-admin-token-of-32-characters!";
    daemon_process d({.config = "[auth]\npublish_token = \"" + token + "\"\nadmin_token = \"" +
                                admin_token + "\"\n"});
    http::fields publisher;
    publisher.set(http::field::authorization, "Bearer " + token);
    auto const put = [&](std::string body, http::fields const& headers) {
        return http_request(d.port(), http::verb::put, "/api/sessions/m/agenda", std::move(body),
                            headers);
    };
    std::vector<std::string> const titles{
        "Opening and adoption of the agenda", "DC main session at IGF 2024",
        "Preparing the meeting with the MAG in Riyadh", "DC booth", "Any Other Business"};
    std::string json = "[";
    for (auto const& t : titles)
        json += (json.size() > 1 ? ",{\"title\":\"" : "{\"title\":\"") + t + "\"}";
    json += "]";

    EXPECT_EQ(put(json, {}).status, 401u);
    auto const empty = put("\n\n", publisher);
    EXPECT_EQ(empty.status, 400u);
    EXPECT_NE(empty.body.find("not an agenda: "), std::string::npos) << empty.body;
    EXPECT_EQ(
        http_request(d.port(), http::verb::post, "/api/sessions/m/agenda", json, publisher).status,
        405u);

    auto frames = dccg_frames();
    frames.resize(frames.size() * 3 / 4); // into the third item: the rest is not reached yet
    // The source sends its token as a browser would, in the query.
    auto const sent = send_frames(d.port(), "m?token=" + token, frames);
    ASSERT_TRUE(sent.finished) << (sent.closed ? std::string(sent.closed->reason.data(),
                                                             sent.closed->reason.size())
                                               : std::string());
    auto const ok = put(json, publisher);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("items"), 5);
    auto const items = [&] {
        std::vector<std::string> out;
        auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/m").body);
        for (auto const& item : state.at("agenda").as_array())
            out.emplace_back(item.at("title").as_string());
        return out;
    };
    auto const aligned = items();
    EXPECT_EQ(aligned, std::vector<std::string>(titles.begin(), titles.begin() + 3));

    d.restart();
    EXPECT_EQ(items(), aligned);
    // The admin's token may give an agenda too, and end the meeting.
    http::fields admin;
    admin.set(http::field::authorization, "Bearer " + admin_token);
    EXPECT_EQ(put(json, admin).status, 200u);
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end", {}, admin).status,
              200u);
    auto const archive = wait_archived(d.port(), "m");
    EXPECT_NE(read_file(d.state_dir() / "archive" / archive / "journal").find("\"k\":\"agenda\""),
              std::string::npos);
    auto const late = put(json, publisher);
    EXPECT_EQ(late.status, 409u) << late.body;
    EXPECT_EQ(items(), aligned);
}

// A roster put during the meeting gives the participants their names and
// organisations at once; it is journaled, so a restart and the archive keep it; a bad roster
// is refused with its reason and changes nothing; once the meeting has ended it is final.
TEST(roster_api, a_roster_put_during_the_meeting_names_participants_and_survives_a_restart) {
    std::string const token = "a-publish-token-of-32-characters";
    std::string const admin_token = "an-admin-token-of-32-characters!";
    // With an admin token set, loopback alone is no longer admin: the token is needed.
    daemon_process d({.config = "[auth]\npublish_token = \"" + token + "\"\nadmin_token = \"" +
                                admin_token + "\"\n"});
    http::fields publisher, admin;
    publisher.set(http::field::authorization, "Bearer " + token);
    admin.set(http::field::authorization, "Bearer " + admin_token);
    auto const put = [&](std::string body, http::fields const& headers) {
        return http_request(d.port(), http::verb::put, "/api/sessions/m/roster", std::move(body),
                            headers);
    };
    std::string const roster =
        R"([{"name": "Markus Kummer", "organisation": "IGF Support Association",)"
        R"( "role": "chair"}, {"name": "Jutta Croll", "organisation": "Stiftung Digitale)"
        R"( Chancen", "aliases": ["JUTTA"]}])";
    auto frames = dccg_frames();
    frames.resize(frames.size() / 4);
    auto const sent = send_frames(d.port(), "m?token=" + token, frames);
    ASSERT_TRUE(sent.finished);
    auto const organisation_of = [&](std::string_view name) {
        auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/m").body);
        for (auto const& p : state.at("participants").as_array())
            if (p.at("name").as_string() == name)
                return std::string(p.at("organisation").as_string());
        return std::string("(absent)");
    };

    EXPECT_EQ(put(roster, {}).status, 401u);
    auto const unknown = put(R"([{"name": "A", "email": "a@example.org"}])", publisher);
    EXPECT_EQ(unknown.status, 400u);
    EXPECT_NE(unknown.body.find("not a roster: "), std::string::npos) << unknown.body;
    EXPECT_NE(unknown.body.find("email"), std::string::npos) << unknown.body;
    EXPECT_EQ(put(std::string(300 * 1024, ' '), publisher).status, 400u);
    EXPECT_EQ(organisation_of("Jutta Croll"), ""); // nothing refused was taken

    auto const ok = put(roster, publisher);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("people"), 2);
    EXPECT_EQ(organisation_of("Jutta Croll"), "Stiftung Digitale Chancen");
    EXPECT_EQ(organisation_of("Markus Kummer"), "IGF Support Association");

    d.restart();
    EXPECT_EQ(organisation_of("Jutta Croll"), "Stiftung Digitale Chancen");
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end", {}, admin).status,
              200u);
    auto const archive = wait_archived(d.port(), "m");
    EXPECT_NE(read_file(d.state_dir() / "archive" / archive / "journal").find("\"k\":\"roster\""),
              std::string::npos);
    EXPECT_NE(read_file(d.state_dir() / "archive" / archive / "report.md")
                  .find("| Jutta Croll | Stiftung Digitale Chancen |"),
              std::string::npos);
    EXPECT_EQ(put(roster, publisher).status, 409u);
}

} // namespace
} // namespace minuted::testing
