#pragma once

// What several integration tests share: the real meeting they replay, the tokens their
// configs give out, and the few steps they all take against a running daemon. One definition
// here, not one per file: the tests are also compiled in unity batches, where two files'
// helpers of the same name would collide.

#include "daemon/client/replay.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace minuted::testing {

/// A real CART transcript: a DCCG meeting of 90 minutes.
inline std::string const dccg_file = std::string(MINUTED_TEST_DATA) + "/dccg-90-2024-11-08.raw.txt";

/// Tokens the tests' configs give to publishers, viewers and editors.
inline std::string const publish_token = "publish-0123456789";
inline std::string const viewer_token = "viewer-0123456789";
inline std::string const ana_token = "ana-editor-0123456789";
inline std::string const bo_token = "bo-editor-of-m-0123456789";

/// The DCCG meeting as `minuted replay` sends it: the header's title in the open, then the text.
inline std::vector<daemon::replay_frame> dccg_frames(bool corrections = false) {
    daemon::replay_options options;
    options.corrections = corrections;
    return daemon::make_transcript_replay(read_test_file("dccg-90-2024-11-08.raw.txt"), options)
        .frames;
}

/// The open frame of the DCCG meeting, with its title.
inline std::string dccg_open() {
    auto const title = daemon::as_live_captions(read_test_file("dccg-90-2024-11-08.raw.txt")).title;
    return boost::json::serialize(boost::json::object{{"type", "open"}, {"title", title}});
}

/// `minuted summarise FILE`'s Markdown report.
inline std::string summarise_md(std::string const& file) {
    auto const r = run_minuted({"summarise", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

/// A file's bytes; empty if it does not exist (yet).
inline std::string read_text(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// Whether `check` holds within `timeout`, asked every 20 ms.
inline bool eventually(std::function<bool()> const& check,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto const until = std::chrono::steady_clock::now() + timeout;
    while (!check()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

/// A GET with `token` as its bearer (none if empty).
inline http_result get(unsigned short port, std::string const& target, std::string const& token) {
    http::fields f;
    if (!token.empty())
        f.set(http::field::authorization, "Bearer " + token);
    return http_request(port, http::verb::get, target, "", f);
}

/// A POST with `token` as its bearer (none if empty).
inline http_result post(unsigned short port, std::string const& target, std::string const& body,
                        std::string const& token = {}) {
    http::fields f;
    if (!token.empty())
        f.set(http::field::authorization, "Bearer " + token);
    return http_request(port, http::verb::post, target, body, f);
}

/// An edit of session `session`'s minutes by the editor holding `token` (none if empty).
inline http_result post_edit(unsigned short port, std::string const& session,
                             std::string const& body, std::string const& token = {}) {
    return post(port, "/api/sessions/" + session + "/minutes/edits", body, token);
}

/// GET /api/sessions/SESSION: the session's state.
inline boost::json::object state_of(unsigned short port, std::string const& session = "m") {
    return boost::json::parse(http_get(port, "/api/sessions/" + session).body).as_object();
}

/// A meeting of one turn in session `id`, ended by an administrator on loopback; the name of
/// its archive folder.
inline std::string hold_meeting(unsigned short port, std::string const& id,
                                std::string const& title = "Budget committee") {
    ws_client source(port, "/ingest/" + id);
    source.send(boost::json::serialize(boost::json::object{{"type", "open"}, {"title", title}}));
    EXPECT_EQ(source.receive_json().at("type"), "welcome");
    source.send(
        R"({"type":"text","seq":1,"text":">> CHAIR: Good morning. We agree to adopt the budget.\r\n>> ALICE: Thank you, Chair.\r\n"})");
    EXPECT_EQ(source.receive_json().at("type"), "ack");
    EXPECT_EQ(http_request(port, http::verb::post, "/api/sessions/" + id + "/end").status, 200u);
    return wait_archived(port, id);
}

} // namespace minuted::testing
