// People correcting the transcript of a live meeting (speaker.rename, caption.correct) through
// POST /api/sessions/{id}/minutes/edits, against the real daemon: refusals, what viewers see
// at once, a crash, and the archive's transcript, captions and report.

#include "tests/integration/fixtures.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace minuted::testing {
namespace {

// An edit by Ana, who edits every session, unless another editor's token is given.
http_result transcript_edit(unsigned short port, std::string const& session,
                            std::string const& body, std::string const& token = ana_token) {
    return post_edit(port, session, body, token);
}

std::string const transcript_editors_config = "[auth.editors]\n\"Ana\" = \"" + ana_token +
                                              "\"\n[auth.editors.m]\n\"Bo\" = \"" + bo_token +
                                              "\"\n";

std::string const captions =
    ">> MARKUS KUMMER: Welcome everyone. Jon Smith will present the budget.\n"
    ">> JON SMITH: Thank you. The budgit for the community fund needs a careful review by the "
    "finance team.\n"
    ">> JOHN SMITH: I agree with that.\n"
    ">> MARKUS KUMMER: Thank you both.\n";

boost::json::object const& turn_starting(boost::json::object const& state, std::string_view text) {
    for (auto const& u : state.at("utterances").as_array())
        if (std::string_view(u.at("text").as_string()).starts_with(text))
            return u.as_object();
    throw std::runtime_error("no turn starts with " + std::string(text));
}

std::int64_t participant_id(boost::json::object const& state, std::string_view name) {
    for (auto const& p : state.at("participants").as_array())
        if (p.at("name").as_string() == name && p.at("same_as").is_null())
            return p.at("id").to_number<std::int64_t>();
    return -1;
}

TEST(transcript_edits, a_speaker_renamed_and_a_line_corrected_reach_viewers_survive_a_crash) {
    daemon_process d({.config = transcript_editors_config});
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1", captions).status, 200u);
    auto const before = state_of(d.port());
    auto const& line = turn_starting(before, "Thank you. The budgit");
    auto const utterance = line.at("id").to_number<std::int64_t>();
    auto const at_line = line.at("line").to_number<std::int64_t>();
    ws_client viewer(d.port(), "/live/m");
    EXPECT_EQ(viewer.receive_json().at("type"), "snapshot");

    std::string const correction =
        R"({"op":"caption.correct","utterance":)" + std::to_string(utterance) + R"(,"line":)" +
        std::to_string(at_line) +
        R"(,"text":"Thank you. The budget for the community fund needs a careful review by the finance team.")";
    // Refusals, as the minutes' edits have them; nothing changes.
    EXPECT_EQ(transcript_edit(d.port(), "other", correction + "}", bo_token).status, 403u)
        << "Bo edits m";
    EXPECT_EQ(
        transcript_edit(d.port(), "m", R"({"op":"caption.correct","utterance":999,"text":"x"})")
            .status,
        404u);
    EXPECT_EQ(transcript_edit(d.port(), "m",
                              R"({"op":"caption.correct","utterance":)" +
                                  std::to_string(utterance) + R"(,"line":99999,"text":"x"})")
                  .status,
              404u);
    EXPECT_EQ(transcript_edit(d.port(), "m",
                              R"({"op":"caption.correct","utterance":)" +
                                  std::to_string(utterance) + R"(,"text":""})")
                  .status,
              400u);
    EXPECT_EQ(transcript_edit(d.port(), "m",
                              R"({"op":"caption.correct","utterance":)" +
                                  std::to_string(utterance) + R"(,"text":")" +
                                  std::string(4097, 'x') + "\"}")
                  .status,
              400u);
    EXPECT_EQ(transcript_edit(d.port(), "m", R"({"op":"speaker.rename","from":"NOBODY","to":"X"})")
                  .status,
              404u);
    EXPECT_EQ(
        transcript_edit(d.port(), "m", "{\"op\":\"speaker.rename\",\"from\":0,\"to\":\"\xc3(\"}")
            .status,
        400u);

    auto const ok = transcript_edit(d.port(), "m", correction + R"(,"revision":0})", bo_token);
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(boost::json::parse(ok.body).at("revision"), 1);
    auto const stale = transcript_edit(d.port(), "m", correction + R"(,"revision":0})");
    EXPECT_EQ(stale.status, 409u) << stale.body;
    EXPECT_EQ(boost::json::parse(stale.body).at("revision"), 1);
    // JON SMITH was John Smith, who also speaks as JOHN SMITH: one participant.
    auto const renamed = transcript_edit(
        d.port(), "m", R"({"op":"speaker.rename","from":"JON SMITH","to":"John Smith"})");
    ASSERT_EQ(renamed.status, 200u) << renamed.body;

    // The viewer gets both at once: the corrected text whole, marked, and the merge.
    bool corrected = false, merged = false;
    while (!corrected || !merged) {
        auto const u = viewer.receive_json();
        if (auto const* turns = u.if_contains("utterances"))
            for (auto const& t : turns->as_array())
                if (t.at("id") == utterance && t.as_object().contains("corrected") && !corrected) {
                    EXPECT_EQ(t.at("text"), "Thank you. The budget for the community fund needs a "
                                            "careful review by the finance team.");
                    EXPECT_EQ(t.at("corrected").at("by"), "Bo");
                    corrected = true;
                }
        if (auto const* people = u.if_contains("participants"))
            for (auto const& p : people->as_array())
                merged = merged || !p.at("same_as").is_null();
    }

    d.kill(); // acknowledged means on disk
    d.restart();
    auto const after = state_of(d.port());
    EXPECT_EQ(turn_starting(after, "Thank you. The budget for").at("corrected").at("by"), "Bo");
    auto const john = participant_id(after, "John Smith");
    ASSERT_GE(john, 0);
    EXPECT_EQ(turn_starting(after, "Thank you. The budget for").at("speaker"), john);
    EXPECT_EQ(turn_starting(after, "I agree").at("speaker"), john);
    // The captioner goes on typing the old label: it is John Smith's.
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=2",
                           ">> JON SMITH: One more thing.\n>> MARKUS KUMMER: Thanks.\n")
                  .status,
              200u);
    EXPECT_EQ(turn_starting(state_of(d.port()), "One more thing").at("speaker"), john);

    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end").status, 200u);
    auto const folder = d.state_dir() / "archive" / wait_archived(d.port(), "m");
    auto const transcript = read_text(folder / "transcript.txt");
    EXPECT_NE(transcript.find("John Smith: Thank you. The budget for the community fund needs a "
                              "careful review by the finance team. [corrected by Bo at "),
              std::string::npos)
        << transcript;
    EXPECT_EQ(transcript.find("Jon Smith:"), std::string::npos) << transcript;
    EXPECT_EQ(transcript.find("budgit"), std::string::npos) << transcript;
    auto const vtt = read_text(folder / "captions.vtt");
    EXPECT_EQ(vtt.find("<v Jon Smith>"), std::string::npos) << vtt;
    EXPECT_NE(vtt.find("<v John Smith>Thank you. The budget"), std::string::npos) << vtt;
    auto const report = read_text(folder / "report.md");
    EXPECT_EQ(report.find("Jon Smith"), std::string::npos) << report;
    EXPECT_NE(report.find("John Smith"), std::string::npos) << report;
    // The key point read from the corrected turn has its words and its speaker's new name.
    EXPECT_NE(report.find("John Smith noted that the budget for the community fund"),
              std::string::npos)
        << report;
    auto const history = read_text(folder / "edits.jsonl");
    EXPECT_NE(history.find(R"("original":"Thank you. The budgit)"), std::string::npos) << history;
    EXPECT_NE(history.find(R"("op":"speaker.rename")"), std::string::npos) << history;
}

} // namespace
} // namespace minuted::testing
