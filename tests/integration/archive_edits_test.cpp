// A secretariat reads, corrects and approves the minutes after the meeting, against the real
// daemon: edits of an archived meeting (POST /api/archive/{archive}/minutes/edits, and the
// session's own route once it has ended), who may, conflicts, a crash right after an
// acknowledged edit, an archive rebuilt to be edited, and the "approved" webhook.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/webhook_receiver.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;

std::string const cy = "cy-editor-of-n-0123456789";

std::string config_for(webhook_receiver const& receiver) {
    return "[sessions]\nrecent = 1\n"
           "[auth.editors]\n\"Ana\" = \"" +
           ana_token + "\"\n[auth.editors.m]\n\"Bo\" = \"" + bo_token +
           "\"\n[auth.editors.n]\n\"Cy\" = \"" + cy +
           "\"\n[webhooks]\nretry_initial = \"100ms\"\n[[webhook]]\nurl = \"" + receiver.url() +
           "\"\nsecret = \"a-shared-secret-for-the-tests\"\n";
}

// The notifications of `event` the receiver got among its first `n`.
std::vector<boost::json::object> notified(webhook_receiver const& r, std::size_t n,
                                          std::string const& event) {
    std::vector<boost::json::object> out;
    for (auto const& got : r.wait_for(n, 10s))
        if (got.headers["X-Minuted-Event"] == event)
            out.push_back(boost::json::parse(got.body).as_object());
    return out;
}

TEST(archive_edits, a_secretariat_edits_and_approves_the_minutes_after_the_meeting) {
    webhook_receiver receiver;
    daemon_process d({.config = config_for(receiver)});
    ASSERT_EQ(run_minuted({"replay", dccg_file, "--to", d.url("/ingest/m"), "--speed", "max",
                           "--keep-open"})
                  .exit_code,
              0);
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end").status, 200u);
    auto const archive = wait_archived(d.port(), "m");
    auto const folder = d.state_dir() / "archive" / archive;
    auto const api = "/api/archive/" + archive;
    auto const edits = api + "/minutes/edits";
    auto const state = boost::json::parse(read_text(folder / "state.json"));
    auto const& point = state.at("agenda").at(0).at("key_points").at(0).as_object();
    std::string const key(point.at("key").as_string());
    std::string const machine_text(point.at("text").as_string());

    auto const edit = [&](int revision) {
        return R"({"op":"bullet.edit","bullet":")" + key +
               R"(","text":"The draft agenda was adopted.","revision":)" +
               std::to_string(revision) + "}";
    };
    auto ok = post(d.port(), edits, edit(0), ana_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("revision"), 1);
    // Bo edits m's minutes, Cy n's only: refused before anything is read.
    EXPECT_EQ(post(d.port(), edits, edit(1), cy).status, 403u);
    auto const stale = post(d.port(), edits, edit(0), bo_token);
    EXPECT_EQ(stale.status, 409u) << stale.body;
    EXPECT_EQ(boost::json::parse(stale.body).at("revision"), 1);
    EXPECT_EQ(
        post(d.port(), edits, R"({"op":"bullet.pin","bullet":"kp:999999:1"})", bo_token).status,
        404u);
    EXPECT_EQ(post(d.port(), edits, R"({"op":"bullet.edit"})", bo_token).status, 400u);
    EXPECT_EQ(
        post(d.port(), "/api/archive/m-20000101-000000/minutes/edits", edit(0), ana_token).status,
        404u);
    // The page that watched it live edits it on through the session's route.
    ok = post(d.port(), "/api/sessions/m/minutes/edits",
              R"({"op":"item.approve","item":1,"revision":0})", bo_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;

    // The archive: the person's report beside the machine's, and who did what, when.
    auto report = read_text(folder / "report.md");
    EXPECT_NE(report.find("The draft agenda was adopted."), std::string::npos);
    EXPECT_EQ(report.find(machine_text), std::string::npos);
    EXPECT_NE(read_text(folder / "report.machine.md").find(machine_text), std::string::npos);
    EXPECT_EQ(http_get(d.port(), api + "/report.md").body, report);
    // The documents a secretariat circulates say what the report says.
    EXPECT_NE(read_text(folder / "report.html").find("The draft agenda was adopted."),
              std::string::npos);
    EXPECT_EQ(read_text(folder / "report.html").find(machine_text), std::string::npos);
    auto const odt =
        run_child({"/usr/bin/odt2txt", "--width=-1", (folder / "report.odt").string()});
    EXPECT_NE(odt.out.find("The draft agenda was adopted."), std::string::npos) << odt.output();
    auto const history = http_get(d.port(), api + "/edits.jsonl").body;
    EXPECT_EQ(std::count(history.begin(), history.end(), '\n'), 2) << history;
    EXPECT_NE(history.find(R"("op":"bullet.edit")"), std::string::npos) << history;
    EXPECT_NE(history.find(R"("by":"Ana")"), std::string::npos) << history;
    EXPECT_NE(history.find(R"("op":"item.approve")"), std::string::npos) << history;
    EXPECT_NE(history.find(R"("by":"Bo")"), std::string::npos) << history;
    EXPECT_EQ(
        boost::json::parse(read_text(folder / "state.json")).at("agenda").at(0).at("approved"),
        true);

    // Approved: receivers get the approved report.
    ok = post(d.port(), edits, R"({"op":"report.approve","revision":0})", ana_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    auto const approved = notified(receiver, 2, "approved");
    ASSERT_EQ(approved.size(), 1u);
    EXPECT_EQ(approved[0].at("archive").as_string(), archive);
    EXPECT_EQ(approved[0].at("report"),
              boost::json::parse(http_get(d.port(), api + "/report.json").body));
    EXPECT_NE(
        boost::json::serialize(approved[0].at("report")).find("The draft agenda was adopted."),
        std::string::npos);

    // A crash right after an acknowledged edit loses nothing; nor does one after the next edit
    // was on disk but before the reports showed it (as such a crash leaves the folder: the
    // edit appended, report.stale, and a torn line of another edit after it).
    ok = post(
        d.port(), edits,
        R"({"op":"bullet.add","item":1,"kind":"next_step","text":"Circulate the minutes.","who":"Secretariat"})",
        bo_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    d.kill();
    auto lines = read_text(folder / "edits.jsonl");
    auto unshown = lines.substr(lines.rfind('\n', lines.size() - 2) + 1);
    unshown.replace(unshown.find("Circulate"), 9, "Publish");
    std::ofstream(folder / "edits.jsonl", std::ios::app) << unshown << R"({"op":"bullet.ad)";
    std::ofstream(folder / "report.stale").put('\n');
    d.restart();
    EXPECT_TRUE(eventually([&] {
        return read_text(folder / "report.md").find("Publish the minutes.") != std::string::npos &&
               !std::filesystem::exists(folder / "report.stale");
    }));
    EXPECT_NE(read_text(folder / "report.md").find("Circulate the minutes."), std::string::npos);
    auto const after = boost::json::parse(http_get(d.port(), "/api/sessions/m").body);
    EXPECT_EQ(after.at("agenda").at(0).at("next_steps").as_array().back().at("text"),
              "Publish the minutes.");

    // Approved while live: sent as approved right after it is sent as ended.
    ws_client source(d.port(), "/ingest/n");
    source.send(R"({"type":"open","title":"Budget committee"})");
    EXPECT_EQ(source.receive_json().at("type"), "welcome");
    source.send(
        R"({"type":"text","seq":1,"text":">> CHAIR: Good morning. We agree to adopt the budget.\r\n"})");
    EXPECT_EQ(source.receive_json().at("type"), "ack");
    ok = post(d.port(), "/api/sessions/n/minutes/edits", R"({"op":"report.approve","revision":0})",
              cy);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/n/end").status, 200u);
    auto const n_archive = wait_archived(d.port(), "n");
    auto const n_approved = notified(receiver, 4, "approved");
    ASSERT_EQ(n_approved.size(), 2u);
    EXPECT_EQ(n_approved[1].at("archive").as_string(), n_archive);
    EXPECT_EQ(notified(receiver, 4, "ended").size(), 2u);

    // m is no longer listed ([sessions] recent = 1): its archive is rebuilt to be edited.
    ok = post(d.port(), edits, edit(1), bo_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("revision"), 2);
    EXPECT_EQ(post(d.port(), edits, edit(1), bo_token).status, 409u);
    report = read_text(folder / "report.md");
    EXPECT_NE(report.find("Publish the minutes."), std::string::npos);
    EXPECT_NE(report.find("The draft agenda was adopted."), std::string::npos);
    // The torn line was cut before the edit was appended: every line is an edit.
    std::istringstream history_now(read_text(folder / "edits.jsonl"));
    std::size_t n = 0;
    for (std::string line; std::getline(history_now, line); ++n)
        EXPECT_TRUE(boost::json::parse(line).as_object().contains("op")) << line;
    EXPECT_EQ(n, 6u);
}

} // namespace
} // namespace minuted::testing
