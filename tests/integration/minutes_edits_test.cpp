// People editing the minutes of a live meeting through POST /api/sessions/{id}/minutes/edits,
// against the real daemon: who may, what viewers see at once, conflicts, a crash, the archive.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace minuted::testing {
namespace {

std::string const edits_editors_config = "[auth.editors]\n\"Ana L\xC3\xB3pez\" = \"" + ana_token +
                                         "\"\n[auth.editors.m]\n\"Bo Lin\" = \"" + bo_token +
                                         "\"\n";

TEST(minutes_edits, editors_edit_viewers_see_it_at_once_and_it_survives_a_crash_and_the_end) {
    daemon_process d({.config = edits_editors_config});
    auto const r = run_minuted(
        {"replay", dccg_file, "--to", d.url("/ingest/m"), "--speed", "max", "--keep-open"});
    ASSERT_EQ(r.exit_code, 0) << r.output();
    auto const before = state_of(d.port(), "m");
    auto const& point = before.at("agenda").at(0).at("key_points").at(0).as_object();
    std::string const key(point.at("key").as_string());
    std::string const machine_text(point.at("text").as_string());

    ws_client viewer(d.port(), "/live/m");
    EXPECT_EQ(viewer.receive_json().at("type"), "snapshot");

    // Who may: an editor of any session, or of this one; nobody else.
    std::string const edit = R"({"op":"bullet.edit","bullet":")" + key +
                             R"(","text":"The draft agenda was adopted.","revision":0})";
    EXPECT_EQ(post_edit(d.port(), "m", edit, "").status, 401u);
    EXPECT_EQ(post_edit(d.port(), "m", edit, "wrong-0123456789").status, 403u);
    EXPECT_EQ(post_edit(d.port(), "other", edit, bo_token).status, 403u) << "Bo edits m only";
    auto ok = post_edit(d.port(), "m", edit, ana_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("revision"), 1);

    // The viewer gets it in the next update, marked as Ana's.
    boost::json::object shown;
    while (shown.empty()) {
        auto const u = viewer.receive_json();
        if (auto const* agenda = u.if_contains("agenda"))
            for (auto const& item : agenda->as_array())
                for (auto const& k : item.at("key_points").as_array())
                    if (k.at("key") == key.c_str())
                        shown = k.as_object();
    }
    EXPECT_EQ(shown.at("text"), "The draft agenda was adopted.");
    EXPECT_EQ(shown.at("edited"), true);
    EXPECT_EQ(shown.at("by"), "Ana L\xC3\xB3pez");

    // Bo, on what he saw before Ana's edit: refused, told the revision now.
    auto const stale = post_edit(d.port(), "m",
                                 R"({"op":"bullet.edit","bullet":")" + key +
                                     R"(","text":"Bo's wording.","revision":0})",
                                 bo_token);
    EXPECT_EQ(stale.status, 409u) << stale.body;
    EXPECT_EQ(boost::json::parse(stale.body).at("revision"), 1);
    auto const added = post_edit(
        d.port(), "m",
        R"({"op":"bullet.add","item":1,"kind":"next_step","text":"Secretariat to circulate the agenda.","who":"Secretariat"})",
        bo_token);
    ASSERT_EQ(added.status, 200u) << added.body;
    EXPECT_EQ(post_edit(d.port(), "m", R"({"op":"bullet.remove","bullet":"kp:999999:1"})", bo_token)
                  .status,
              404u);
    EXPECT_EQ(post_edit(d.port(), "m",
                        R"({"op":"bullet.edit","bullet":")" + key + R"(","text":")" +
                            std::string(5000, 'x') + R"(","revision":1})",
                        ana_token)
                  .status,
              400u);
    EXPECT_EQ(
        post_edit(d.port(), "m", "{\"op\":\"bullet.add\",\"text\":\"\xff\"}", ana_token).status,
        400u);

    d.kill(); // acknowledged means on disk
    d.restart();
    auto const after = state_of(d.port(), "m");
    auto const& item = after.at("agenda").at(0).as_object();
    EXPECT_EQ(item.at("key_points").at(0).at("text"), "The draft agenda was adopted.");
    EXPECT_EQ(item.at("next_steps").as_array().back().at("text"),
              "Secretariat to circulate the agenda.");
    EXPECT_EQ(item.at("next_steps").as_array().back().at("by"), "Bo Lin");

    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end").status, 200u);
    auto const folder = d.state_dir() / "archive" / wait_archived(d.port(), "m");
    auto const report = read_text(folder / "report.md");
    EXPECT_NE(report.find("The draft agenda was adopted."), std::string::npos);
    EXPECT_EQ(report.find(machine_text), std::string::npos);
    EXPECT_NE(read_text(folder / "report.machine.md").find(machine_text), std::string::npos);
    auto const history = read_text(folder / "edits.jsonl");
    EXPECT_NE(history.find("\"by\":\"Ana L\xC3\xB3pez\""), std::string::npos) << history;
    EXPECT_NE(history.find("\"by\":\"Bo Lin\""), std::string::npos) << history;
    EXPECT_EQ(post_edit(d.port(), "m", edit, ana_token).status, 409u)
        << "stale: after the end the edit goes to the archive, where the bullet moved on";
}

TEST(minutes_edits, the_editor_endpoint_names_who_may_edit_and_answers_null_to_others) {
    daemon_process d({.config = edits_editors_config});
    auto const editor_of = [&](std::string const& session, std::string const& token) {
        http::fields f;
        if (!token.empty())
            f.set(http::field::authorization, "Bearer " + token);
        auto const r = http_request(d.port(), http::verb::get,
                                    "/api/sessions/" + session + "/minutes/editor", "", f);
        EXPECT_EQ(r.status, 200u) << r.body;
        return boost::json::parse(r.body).at("editor");
    };
    EXPECT_EQ(editor_of("m", ana_token), "Ana L\xC3\xB3pez");
    EXPECT_EQ(editor_of("m", bo_token), "Bo Lin");
    EXPECT_TRUE(editor_of("other", bo_token).is_null()) << "Bo edits m only";
    EXPECT_TRUE(editor_of("m", "").is_null());
    EXPECT_TRUE(editor_of("m", "wrong-0123456789").is_null());
}

TEST(minutes_edits, with_no_editor_configured_this_machine_may_edit) {
    daemon_process d;
    auto const r = http_get(d.port(), "/api/sessions/m/minutes/editor");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(boost::json::parse(r.body).at("editor"), "this machine");
}

} // namespace
} // namespace minuted::testing
