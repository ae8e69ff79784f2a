#include "daemon/archive/archive_index.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace minuted::daemon {
namespace {

class archive_index_test : public ::testing::Test {
protected:
    void SetUp() override {
        index_.emplace(dir_ / "index.sqlite");
        index_->add({"plenary-20261123-090000", "plenary", "Plenary, day 1",
                     day(2026, 11, 23) + 9 * hour, day(2026, 11, 23) + 12 * hour, 40, 2, 1,
                     "closed by the caption source"},
                    {{0, "Jürgen Müller", day(2026, 11, 23) + 9 * hour, "Opening",
                      "Welcome to the plenary on network neutrality."},
                     {1, "Ana Gómez", day(2026, 11, 23) + 10 * hour, "Opening",
                      "The working group will report back by Friday."},
                     {2, "", day(2026, 11, 23) + 11 * hour, "Opening", "(Applause)"}});
        index_->add({"plenary-20261124-090000", "plenary", "Plenary, day 2",
                     day(2026, 11, 24) + 9 * hour, day(2026, 11, 24) + 12 * hour, 20, 1, 1,
                     "no captions for 1800 s"},
                    {{0, "Ana Gómez", day(2026, 11, 24) + 9 * hour, "Reports",
                      "The working group reported on neutrality of networks."}});
    }
    static std::int64_t day(int y, unsigned m, unsigned d) {
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", y, m, d);
        return *parse_day(text, false);
    }
    static constexpr std::int64_t hour = 3'600'000;

    std::vector<std::string> found(archive_query q) {
        std::vector<std::string> out;
        for (auto const& h : index_->search(q))
            out.push_back(h.session.archive.substr(12) + "#" + std::to_string(h.utterance.n));
        std::sort(out.begin(), out.end());
        return out;
    }
    std::vector<std::string> found(std::string text) {
        archive_query q;
        q.text = std::move(text);
        return found(q);
    }

    testing::temp_dir const dir_{"minuted-index"};
    std::optional<archive_index> index_;
};

using strings = std::vector<std::string>;

TEST_F(archive_index_test, words_phrases_and_prefixes) {
    EXPECT_EQ(found("working group"), (strings{"1123-090000#1", "1124-090000#0"}));
    EXPECT_EQ(found("\"network neutrality\""), (strings{"1123-090000#0"}));
    EXPECT_EQ(found("neutral*"), (strings{"1123-090000#0", "1124-090000#0"}));
    EXPECT_EQ(found("friday OR applause"), (strings{"1123-090000#1", "1123-090000#2"}));
    EXPECT_TRUE(found("quorum").empty());
}

TEST_F(archive_index_test, names_match_without_case_or_accents) {
    EXPECT_EQ(found("muller"), (strings{"1123-090000#0"})); // the speaker column is searched
    EXPECT_EQ(found("GÓMEZ"), (strings{"1123-090000#1", "1124-090000#0"}));
    archive_query q;
    q.text = "group";
    q.speaker = "gómez";
    EXPECT_EQ(found(q), (strings{"1123-090000#1", "1124-090000#0"}));
    q.speaker = "müller";
    EXPECT_TRUE(found(q).empty());
    q.speaker = "GOM"; // a prefix of a word of the name, without its accent
    EXPECT_EQ(found(q), (strings{"1123-090000#1", "1124-090000#0"}));
    q.speaker = "ana\" OR \"x"; // filter text is never query syntax
    EXPECT_TRUE(found(q).empty());
}

TEST_F(archive_index_test, dates_bound_the_turns) {
    archive_query q;
    q.text = "group";
    q.from_ms = parse_day("2026-11-24", false);
    EXPECT_EQ(found(q), (strings{"1124-090000#0"}));
    q.from_ms.reset();
    q.to_ms = parse_day("2026-11-23", true); // the whole of that day
    EXPECT_EQ(found(q), (strings{"1123-090000#1"}));
    EXPECT_FALSE(parse_day("2026-02-30", false));
    EXPECT_FALSE(parse_day("23.11.2026", false));
}

TEST_F(archive_index_test, snippets_mark_the_matches) {
    archive_query q;
    q.text = "neutrality";
    q.from_ms = parse_day("2026-11-24", false);
    auto const hits = index_->search(q);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].snippet,
              (strings{"The working group reported on ", "neutrality", " of networks."}));
    EXPECT_EQ(hits[0].session.title, "Plenary, day 2");
    EXPECT_EQ(hits[0].utterance.speaker, "Ana Gómez");
}

TEST_F(archive_index_test, a_malformed_query_is_an_error_not_a_crash) {
    EXPECT_THROW(found("\"unbalanced"), archive_query_error);
    EXPECT_THROW(found("AND"), archive_query_error);
    // A query cannot close the parentheses it is put in to escape the speaker filter.
    archive_query q;
    q.text = "welcome) OR (group";
    q.speaker = "gómez";
    EXPECT_THROW(found(q), archive_query_error);
    q.text = "(welcome OR group)";
    q.speaker = "ana & gómez"; // "&" is no word of a name
    EXPECT_EQ(found(q), (strings{"1123-090000#1", "1124-090000#0"}));
}

TEST_F(archive_index_test, adding_a_session_again_replaces_it_and_survives_reopening) {
    index_->add(
        {"plenary-20261124-090000", "plenary", "Plenary, day 2 (corrected)", 0, 0, 1, 1, 1, ""},
        {{0, "Ana Gómez", day(2026, 11, 24), "Reports", "Corrected text."}});
    EXPECT_TRUE(found("networks").empty());
    index_.reset();
    index_.emplace(dir_ / "index.sqlite");
    EXPECT_EQ(found("corrected"), (strings{"1124-090000#0"}));
    auto const sessions = index_->sessions();
    ASSERT_EQ(sessions.size(), 2u);
    EXPECT_EQ(sessions[0].archive, "plenary-20261123-090000"); // newest first; this one is at 0
}

// Rows of the full-text index itself that match `query`, read past the sessions and turns
// tables, on a connection of its own: a turn deleted without its FTS row still counts here.
std::int64_t fts_rows(std::filesystem::path const& file, char const* query) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT count(*) FROM utterances_fts WHERE utterances_fts "
                                 "MATCH ?1",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    auto const n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

TEST_F(archive_index_test, removing_a_session_takes_its_turns_out_of_search_and_leaves_others) {
    ASSERT_EQ(fts_rows(dir_ / "index.sqlite", "networks"), 1);
    EXPECT_TRUE(index_->remove("plenary-20261124-090000"));
    EXPECT_TRUE(found("networks").empty());
    EXPECT_EQ(fts_rows(dir_ / "index.sqlite", "networks"), 0);
    EXPECT_EQ(found("working group"), (strings{"1123-090000#1"}));
    EXPECT_EQ(found("neutral*"), (strings{"1123-090000#0"}));
    auto const sessions = index_->sessions();
    ASSERT_EQ(sessions.size(), 1u);
    EXPECT_EQ(sessions[0].archive, "plenary-20261123-090000");
    EXPECT_FALSE(index_->remove("plenary-20261124-090000")); // no longer held
    EXPECT_FALSE(index_->remove("no-such-archive"));
    // Removed for good, and the archive can be indexed again.
    index_.reset();
    index_.emplace(dir_ / "index.sqlite");
    EXPECT_TRUE(found("networks").empty());
    index_->add({"plenary-20261124-090000", "plenary", "Plenary, day 2", 0, 0, 1, 1, 1, ""},
                {{0, "Ana Gómez", day(2026, 11, 24), "Reports", "Networks again."}});
    EXPECT_EQ(found("networks"), (strings{"1124-090000#0"}));
}

TEST(archive_index, an_unopenable_file_is_an_error_naming_it) {
    try {
        archive_index index("/nonexistent-dir/index.sqlite");
        FAIL();
    } catch (std::runtime_error const& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/index.sqlite"), std::string::npos);
    }
}

} // namespace
} // namespace minuted::daemon
