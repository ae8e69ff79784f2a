// `minuted archive prune` as a user runs it: the real binary in a child process, on an archive
// built here with real folders and a real index.

#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace minuted::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::child_result;
using testing::run_minuted;

std::int64_t ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class archive_prune_cli : public ::testing::Test {
protected:
    void SetUp() override {
        archive_ = dir_ / "state" / "archive";
        fs::create_directories(archive_);
        // Real time: `minuted archive prune` asks the clock.
        auto const now = std::chrono::system_clock::now();
        add_meeting("old-20240101-090000", now - std::chrono::days(400));
        add_meeting("new-20261120-090000", now - std::chrono::days(2));
        std::ofstream(dir_ / "minuted.toml")
            << "[server]\nstate_dir = \"" << (dir_ / "state").string()
            << "\"\n[archive]\nmax_age_days = 30\n";
    }

    void add_meeting(std::string const& name, std::chrono::system_clock::time_point ended) {
        boost::json::object state{
            {"session", "plenary"},
            {"title", name},
            {"words", 2},
            {"agenda", boost::json::array{}},
            {"participants", boost::json::array{}},
            {"utterances", boost::json::array{boost::json::object{{"id", 0},
                                                                  {"speaker", nullptr},
                                                                  {"at", ms(ended)},
                                                                  {"item", 0},
                                                                  {"text", "Quorum reached"}}}},
            {"archived", boost::json::object{{"started", ms(ended - 1h)},
                                             {"ended", ms(ended)},
                                             {"end_reason", "closed by the caption source"}}}};
        ASSERT_FALSE(
            write_archive(archive_ / name, {{"report.md", "# " + name + "\n"},
                                            {"state.json", boost::json::serialize(state)}}));
        archive_index index(archive_ / "index.sqlite");
        EXPECT_EQ(index_missing(index, archive_), 1u);
    }

    child_result prune(std::vector<std::string> extra = {}) {
        extra.insert(extra.begin(), {"archive", "prune", "--config", config()});
        return run_minuted(extra);
    }
    std::string config() const { return (dir_ / "minuted.toml").string(); }
    std::string list() { return run_minuted({"archive", "list", "--config", config()}).out; }

    testing::temp_dir const dir_{"minuted-prune"};
    fs::path archive_;
};

bool contains(std::string const& text, std::string const& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(archive_prune_cli, dry_run_lists_what_would_go_and_removes_nothing) {
    auto const r = prune({"--dry-run"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "would remove old-20240101-090000  ended ")) << r.out;
    EXPECT_TRUE(contains(r.out, "older than 30 days")) << r.out;
    EXPECT_FALSE(contains(r.out, "new-20261120-090000")) << r.out;
    EXPECT_TRUE(contains(r.out, "would remove 1 meeting, ")) << r.out;
    EXPECT_TRUE(contains(r.out, "would keep 1 meeting, ")) << r.out;
    EXPECT_TRUE(fs::exists(archive_ / "old-20240101-090000"));
    EXPECT_TRUE(contains(list(), "old-20240101-090000"));
}

TEST_F(archive_prune_cli, prune_removes_old_meetings_from_folders_and_index) {
    auto const r = prune();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "removed old-20240101-090000  ended ")) << r.out;
    EXPECT_TRUE(contains(r.out, "removed 1 meeting, ")) << r.out;
    EXPECT_EQ(r.err, "");
    EXPECT_FALSE(fs::exists(archive_ / "old-20240101-090000"));
    EXPECT_TRUE(fs::exists(archive_ / "new-20261120-090000"));
    auto const listed = list();
    EXPECT_FALSE(contains(listed, "old-20240101-090000")) << listed;
    EXPECT_TRUE(contains(listed, "new-20261120-090000")) << listed;
    auto const found = run_minuted({"archive", "search", "quorum", "--config", config()}).out;
    EXPECT_FALSE(contains(found, "old-20240101-090000")) << found;
    EXPECT_TRUE(contains(found, "new-20261120-090000")) << found;
    // Nothing more to do the second time.
    EXPECT_TRUE(contains(prune().out, "removed 0 meetings"));
}

TEST_F(archive_prune_cli, without_limits_nothing_is_removed_and_it_says_why) {
    auto const r = run_minuted({"archive", "prune", "--state-dir", (dir_ / "state").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "no retention limits set")) << r.err;
    EXPECT_TRUE(contains(r.out, "removed 0 meetings")) << r.out;
    EXPECT_TRUE(fs::exists(archive_ / "old-20240101-090000"));
}

TEST_F(archive_prune_cli, bad_arguments_exit_64_and_a_missing_archive_66) {
    EXPECT_EQ(run_minuted({"archive", "prune", "extra", "--config", config()}).exit_code, 64);
    EXPECT_EQ(run_minuted({"archive", "list", "--dry-run", "--config", config()}).exit_code, 64);
    auto const r = run_minuted({"archive", "prune", "--state-dir", (dir_ / "nowhere").string()});
    EXPECT_EQ(r.exit_code, 66);
    EXPECT_TRUE(contains(r.err, "no archive in")) << r.err;
    EXPECT_TRUE(fs::exists(archive_ / "old-20240101-090000"));
}

} // namespace
} // namespace minuted::daemon
