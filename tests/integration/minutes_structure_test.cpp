// People shaping the agenda of a live meeting through POST /api/sessions/{id}/minutes/edits,
// against the real daemon: a meeting fed in two halves around the edits, so what the machine
// writes later follows them, and rebuilt the same from its journal after a kill -9.

#include "tests/integration/fixtures.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace minuted::testing {
namespace {

boost::json::array agenda_of(unsigned short port) {
    auto const state = boost::json::parse(http_get(port, "/api/sessions/m").body).as_object();
    return state.at("agenda").as_array();
}

std::vector<std::size_t> utterances_of(boost::json::object const& item) {
    std::vector<std::size_t> out;
    for (auto const* list : {"key_points", "decisions", "next_steps"})
        for (auto const& b : item.at(list).as_array())
            out.push_back(static_cast<std::size_t>(b.at("utterance").as_int64()));
    return out;
}

TEST(minutes_structure, merges_splits_and_moves_apply_to_what_the_machine_adds_later) {
    daemon_process d;
    auto const text = read_test_file("dccg-90-2024-11-08.raw.txt");
    // Cut where three items are open, the third under way.
    auto const half = text.find('\n', text.size() * 65 / 100) + 1;
    ASSERT_EQ(post(d.port(), "/ingest/m?seq=1", text.substr(0, half)).status, 200u);
    auto const first = agenda_of(d.port());
    ASSERT_GE(first.size(), 3u);
    auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/m").body);
    auto const said = state.at("utterances").as_array().size();
    auto const last = first.back().as_object();
    auto const from = static_cast<std::size_t>(last.at("first_utterance").as_int64());
    ASSERT_GE(said - from, 2u);
    auto const at = from + (said - from) / 2;
    std::string const title(first.at(0).at("title").as_string());

    // What does not fit is refused and changes nothing.
    auto const n = std::to_string(first.size());
    auto const refused = [&](std::string const& body, unsigned status) {
        auto const r = post_edit(d.port(), "m", body);
        EXPECT_EQ(r.status, status) << body << ": " << r.body;
        return r.body;
    };
    refused(R"({"op":"item.merge","item":1,"with":3})", 400);
    refused(R"({"op":"item.merge","item":99})", 404);
    refused(R"({"op":"item.split","item":1,"utterance":)" + std::to_string(at) + R"(,"text":"x"})",
            400);
    refused(R"({"op":"item.add","after":1,"text":"x"})", 400);
    refused(R"({"op":"bullet.unpin","bullet":"kp:999999:1"})", 404);

    // The split first (numbers as the viewer shows them), then the merge, then a move.
    auto r = post_edit(d.port(), "m",
                       R"({"op":"item.split","item":)" + n + R"(,"utterance":)" +
                           std::to_string(at) + R"(,"text":"Questions from the floor"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    r = post_edit(d.port(), "m", R"({"op":"item.merge","item":1,"with":2})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_NE(refused(R"({"op":"item.rename","item":1,"text":"x","revision":0})", 409)
                  .find("\"revision\":1"),
              std::string::npos);
    auto const merged = agenda_of(d.port());
    ASSERT_EQ(merged.size(), first.size()); // one less, one more
    std::string moved;
    for (auto const& item : merged)
        if (item.at("key_points").as_array().size() >= 2)
            moved = item.at("key_points").as_array().back().at("key").as_string();
    ASSERT_FALSE(moved.empty());
    r = post_edit(d.port(), "m",
                  R"({"op":"bullet.move","bullet":")" + moved + R"(","position":0})");
    ASSERT_EQ(r.status, 200u) << r.body;

    ASSERT_EQ(post(d.port(), "/ingest/m?seq=2", text.substr(half)).status, 200u);
    auto const after = agenda_of(d.port());
    EXPECT_EQ(after.at(0).at("title"), title.c_str());
    EXPECT_EQ(after.at(0).at("revision"), 1);
    auto const split = std::find_if(after.begin(), after.end(), [](auto const& item) {
        return item.at("title") == "Questions from the floor";
    });
    ASSERT_NE(split, after.end());
    EXPECT_EQ(split->at("added"), true);
    EXPECT_EQ(split->at("first_utterance"), at);
    auto const later = utterances_of(split->as_object());
    EXPECT_TRUE(std::all_of(later.begin(), later.end(), [&](auto u) { return u >= at; }));
    EXPECT_TRUE(std::any_of(later.begin(), later.end(), [&](auto u) { return u >= said; }))
        << "what the machine wrote after the split went to the second part";
    bool first_in_its_list = false;
    for (auto const& item : after)
        for (auto const& k : item.at("key_points").as_array())
            if (k.at("key") == moved.c_str())
                first_in_its_list = item.at("key_points").as_array().front() == k;
    EXPECT_TRUE(first_in_its_list);

    d.kill(); // acknowledged means on disk: rebuilt from the journal, the same minutes
    d.restart();
    EXPECT_EQ(boost::json::serialize(agenda_of(d.port())), boost::json::serialize(after));

    ASSERT_EQ(post(d.port(), "/api/sessions/m/end", "").status, 200u);
    auto const folder = d.state_dir() / "archive" / wait_archived(d.port(), "m");
    std::ifstream in(folder / "report.md");
    std::ostringstream report;
    report << in.rdbuf();
    EXPECT_NE(report.str().find(". Questions from the floor\n"), std::string::npos) << report.str();
    // Search hits name the item as people left it: the split part's turns its new title, the
    // turns before the split the title of the item they stayed in, a merged item's its title.
    auto const item_of_hit = [&](std::size_t utterance) {
        std::string word, longest;
        std::istringstream words(
            std::string(state.at("utterances").at(utterance).at("text").as_string()));
        while (words >> word) {
            std::erase_if(word,
                          [](char c) { return !std::isalpha(static_cast<unsigned char>(c)); });
            if (word.size() > longest.size())
                longest = word;
        }
        auto const hits = boost::json::parse(http_get(d.port(), "/api/archive?q=" + longest).body);
        for (auto const& hit : hits.at("hits").as_array())
            if (hit.at("utterance") == utterance)
                return std::string(hit.at("item").as_string());
        return "no hit for " + longest;
    };
    EXPECT_EQ(item_of_hit(at), "Questions from the floor");
    EXPECT_EQ(item_of_hit(from), after.at(1).at("title").as_string());
    auto const second = static_cast<std::size_t>(first.at(1).at("first_utterance").as_int64());
    EXPECT_EQ(item_of_hit(second + 1), title) << "a turn of the second item is the merged one's";
}

} // namespace
} // namespace minuted::testing
