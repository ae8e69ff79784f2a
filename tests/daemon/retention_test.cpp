#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/retention.hpp"
#include "protocol/time_text.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace minuted::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::days;
using strings = std::vector<std::string>;

// Every test runs at this instant: 2026-12-01 00:00 UTC.
std::chrono::system_clock::time_point const now =
    std::chrono::sys_days(std::chrono::year(2026) / 12 / 1);

std::int64_t ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A state.json as live_session writes it, reduced to what index_entry() reads.
std::string state_json(std::string const& word, std::chrono::system_clock::time_point ended) {
    boost::json::object state{
        {"session", "plenary"},
        {"title", "Plenary on " + word},
        {"words", 3},
        {"agenda", boost::json::array{boost::json::object{{"title", "Opening"}}}},
        {"participants",
         boost::json::array{boost::json::object{{"id", 0}, {"name", "Ana Gómez"}, {"turns", 1}}}},
        {"utterances", boost::json::array{boost::json::object{{"id", 0},
                                                              {"speaker", 0},
                                                              {"at", ms(ended - 1h)},
                                                              {"item", 0},
                                                              {"text", "We discuss " + word}}}},
        {"archived", boost::json::object{{"started", ms(ended - 2h)},
                                         {"ended", ms(ended)},
                                         {"end_reason", "closed by the caption source"}}}};
    return boost::json::serialize(state) + "\n";
}

void write_file(fs::path const& file, std::string const& content) {
    std::ofstream(file, std::ios::binary) << content;
}

class retention_test : public ::testing::Test {
protected:
    void SetUp() override {
        archive_ = state_dir_ / "archive";
        fs::create_directories(archive_);
        index_.emplace(archive_ / "index.sqlite");
    }
    void TearDown() override {
        // A test takes the archive's write permission away; the directory goes all the same.
        fs::permissions(archive_, fs::perms::owner_all, fs::perm_options::add);
    }

    // An archived meeting that ended `age` before `now`, with a transcript of `bytes` bytes,
    // indexed under its folder name; its one turn says `name` so search can find it.
    void add_meeting(std::string const& name, std::chrono::system_clock::duration age,
                     std::uintmax_t bytes = 1000, bool is_indexed = true) {
        auto const folder = archive_ / name;
        fs::create_directories(folder);
        write_file(folder / "transcript.txt", std::string(bytes, 'x'));
        auto const state = state_json(name, now - age);
        write_file(folder / "state.json", state);
        if (is_indexed) {
            auto const [session, turns] = index_entry(name, state);
            index_->add(session, turns);
        }
    }
    std::uintmax_t meeting_bytes(std::string const& name) const {
        return fs::file_size(archive_ / name / "transcript.txt") +
               fs::file_size(archive_ / name / "state.json");
    }

    strings folders() const {
        strings out;
        for (auto const& e : fs::directory_iterator(archive_))
            if (e.is_directory())
                out.push_back(e.path().filename().string());
        std::ranges::sort(out);
        return out;
    }
    strings indexed() const {
        strings out;
        for (auto const& s : index_->sessions())
            out.push_back(s.archive);
        std::ranges::sort(out);
        return out;
    }
    strings found(std::string text) const {
        archive_query q;
        q.text = std::move(text);
        strings out;
        for (auto const& h : index_->search(q))
            out.push_back(h.session.archive);
        return out;
    }
    static strings removed(retention_report const& r) {
        strings out;
        for (auto const& x : r.removed)
            out.push_back(x.meeting.archive);
        return out;
    }

    retention_report enforce(retention_policy const& policy, prune_mode mode = prune_mode::remove) {
        return enforce_retention(archive_, &*index_, policy, now, mode);
    }

    testing::temp_dir const state_dir_{"minuted-retention"};
    fs::path archive_;
    std::optional<archive_index> index_;
};

TEST_F(retention_test, meetings_older_than_max_age_go_from_folders_and_index) {
    add_meeting("a-40-days", days(40));
    add_meeting("b-31-days", days(31));
    add_meeting("c-29-days", days(29));
    add_meeting("d-1-day", days(1));
    auto const freed = meeting_bytes("a-40-days") + meeting_bytes("b-31-days");
    auto const kept = meeting_bytes("c-29-days") + meeting_bytes("d-1-day");

    auto const r = enforce({days(30), 0});

    EXPECT_EQ(removed(r), (strings{"a-40-days", "b-31-days"})); // oldest first
    for (auto const& x : r.removed)
        EXPECT_EQ(x.reason, retention_reason::too_old);
    EXPECT_EQ(r.bytes_freed, freed);
    EXPECT_EQ(r.meetings_kept, 2u);
    EXPECT_EQ(r.bytes_kept, kept);
    EXPECT_EQ(r.failures, 0u);
    EXPECT_EQ(folders(), (strings{"c-29-days", "d-1-day"}));
    EXPECT_EQ(indexed(), (strings{"c-29-days", "d-1-day"}));
    EXPECT_TRUE(found("\"b-31-days\"").empty());
    EXPECT_EQ(found("\"c-29-days\""), (strings{"c-29-days"}));
    EXPECT_EQ(reason_text(retention_reason::too_old, {days(30), 0}), "older than 30 days");
}

TEST_F(retention_test, above_max_megabytes_the_oldest_go_until_the_rest_fits) {
    // Five of 300 KiB and a little: 1 MiB holds three of them.
    add_meeting("m1", days(5), 300 * 1024);
    add_meeting("m2", days(4), 300 * 1024);
    add_meeting("m3", days(3), 300 * 1024);
    add_meeting("m4", days(2), 300 * 1024);
    add_meeting("m5", days(1), 300 * 1024);

    auto const r = enforce({days(0), 1});

    EXPECT_EQ(removed(r), (strings{"m1", "m2"}));
    for (auto const& x : r.removed)
        EXPECT_EQ(x.reason, retention_reason::over_size);
    EXPECT_EQ(r.meetings_kept, 3u);
    EXPECT_LE(r.bytes_kept, 1u << 20);
    EXPECT_EQ(folders(), (strings{"m3", "m4", "m5"}));
    EXPECT_EQ(indexed(), (strings{"m3", "m4", "m5"}));
    EXPECT_EQ(reason_text(retention_reason::over_size, {days(0), 1}), "archive above 1 MB");
    // Under the limit now: a second pass removes nothing.
    EXPECT_TRUE(enforce({days(0), 1}).removed.empty());
}

TEST_F(retention_test, the_order_is_by_end_time_not_by_name) {
    add_meeting("a-newest", days(1), 600 * 1024);
    add_meeting("z-oldest", days(9), 600 * 1024);
    EXPECT_EQ(removed(enforce({days(0), 1})), (strings{"z-oldest"}));
    EXPECT_EQ(folders(), (strings{"a-newest"}));
}

TEST_F(retention_test, the_newest_meeting_is_kept_even_alone_above_the_limit) {
    add_meeting("old-small", days(3), 10 * 1024);
    add_meeting("new-huge", days(1), 2 << 20);

    auto const r = enforce({days(0), 1});

    EXPECT_EQ(removed(r), (strings{"old-small"}));
    EXPECT_EQ(folders(), (strings{"new-huge"}));
    EXPECT_EQ(indexed(), (strings{"new-huge"}));
    EXPECT_GT(r.bytes_kept, 1u << 20);
    // And it stays at every later pass.
    EXPECT_TRUE(enforce({days(0), 1}).removed.empty());
    EXPECT_EQ(folders(), (strings{"new-huge"}));
}

TEST_F(retention_test, age_goes_first_then_size_among_the_rest) {
    add_meeting("too-old", days(100), 10);
    add_meeting("big-older", days(10), 700 * 1024);
    add_meeting("big-newer", days(5), 700 * 1024);

    auto const r = enforce({days(30), 1});

    ASSERT_EQ(removed(r), (strings{"too-old", "big-older"}));
    EXPECT_EQ(r.removed[0].reason, retention_reason::too_old);
    EXPECT_EQ(r.removed[1].reason, retention_reason::over_size);
    EXPECT_EQ(folders(), (strings{"big-newer"}));
}

TEST_F(retention_test, what_is_not_a_meeting_is_left_alone_and_not_counted) {
    add_meeting("meeting", days(2), 100 * 1024);
    add_meeting("meeting-new", days(1), 100 * 1024);
    // Being written (state.json comes last), a dot folder, a stray file: 3 MiB together, none
    // of it a meeting. index.sqlite is not one either.
    fs::create_directories(archive_ / "being-written");
    write_file(archive_ / "being-written" / "transcript.txt", std::string(1 << 20, 'x'));
    fs::create_directories(archive_ / ".hidden");
    write_file(archive_ / ".hidden" / "state.json", state_json("hidden", now - days(900)));
    write_file(archive_ / ".hidden" / "transcript.txt", std::string(1 << 20, 'x'));
    write_file(archive_ / "notes.txt", std::string(1 << 20, 'x'));

    auto const r = enforce({days(30), 1});

    EXPECT_TRUE(r.removed.empty());
    EXPECT_EQ(r.meetings_kept, 2u);
    EXPECT_EQ(r.bytes_kept, meeting_bytes("meeting") + meeting_bytes("meeting-new"));
    EXPECT_EQ(folders(), (strings{".hidden", "being-written", "meeting", "meeting-new"}));
    EXPECT_TRUE(fs::exists(archive_ / "notes.txt"));
    EXPECT_TRUE(fs::exists(archive_ / "index.sqlite"));
}

TEST_F(retention_test, a_deleting_leftover_is_never_indexed_and_is_removed_at_the_next_pass) {
    add_meeting("kept", days(1));
    // What a crash between the rename and the removal leaves.
    add_meeting(".deleting-crashed", days(50), 1000, false);
    EXPECT_EQ(index_missing(*index_, archive_), 0u);
    EXPECT_EQ(indexed(), (strings{"kept"}));

    // Without limits too: the daemon's first pass always cleans up.
    auto const r = enforce({});

    EXPECT_EQ(r.leftovers, (strings{".deleting-crashed"}));
    EXPECT_TRUE(r.removed.empty());
    EXPECT_EQ(r.meetings_kept, 1u);
    EXPECT_EQ(folders(), (strings{"kept"}));
}

TEST_F(retention_test, a_dry_run_reports_and_changes_nothing) {
    add_meeting("old", days(40));
    add_meeting("new", days(1));
    fs::create_directories(archive_ / ".deleting-crashed");

    auto const r = enforce({days(30), 0}, prune_mode::dry_run);

    EXPECT_EQ(removed(r), (strings{"old"}));
    EXPECT_EQ(r.bytes_freed, meeting_bytes("old"));
    EXPECT_EQ(r.leftovers, (strings{".deleting-crashed"}));
    EXPECT_EQ(folders(), (strings{".deleting-crashed", "new", "old"}));
    EXPECT_EQ(indexed(), (strings{"new", "old"}));
}

TEST_F(retention_test, an_unreadable_state_dates_the_meeting_by_its_folder) {
    add_meeting("broken-old", days(1), 10, false);
    add_meeting("broken-new", days(1), 10, false);
    write_file(archive_ / "broken-old" / "state.json", "{\"archived\": tru");
    write_file(archive_ / "broken-new" / "state.json", "{}");
    fs::last_write_time(archive_ / "broken-old", std::chrono::file_clock::from_sys(now - days(45)));
    fs::last_write_time(archive_ / "broken-new", std::chrono::file_clock::from_sys(now - days(2)));

    auto const r = enforce({days(30), 0});

    EXPECT_EQ(removed(r), (strings{"broken-old"}));
    EXPECT_EQ(folders(), (strings{"broken-new"}));
}

TEST_F(retention_test, without_an_index_the_folders_still_go) {
    add_meeting("old", days(40));
    add_meeting("new", days(1));
    auto const r = enforce_retention(archive_, nullptr, {days(30), 0}, now);
    EXPECT_EQ(removed(r), (strings{"old"}));
    EXPECT_EQ(folders(), (strings{"new"}));
}

TEST_F(retention_test, a_meeting_that_cannot_be_removed_is_logged_and_kept_without_throwing) {
    add_meeting("old", days(40));
    add_meeting("new", days(1));
    fs::permissions(state_dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                           fs::perms::group_exec | fs::perms::others_read |
                                           fs::perms::others_exec);
    // Only the archive directory's write permission lets a folder in it be renamed or removed.
    fs::permissions(archive_,
                    fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                    fs::perm_options::remove);
    auto const check = [&] {
        auto const r = enforce_retention(archive_, nullptr, {days(30), 0}, now);
        return r.removed.empty() && r.failures == 1 && r.meetings_kept == 2;
    };
    if (::geteuid() != 0) {
        EXPECT_TRUE(check());
    } else {
        // Root ignores permissions: the same as the unprivileged user "nobody".
        pid_t const pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
            ::_exit(::setgid(65534) == 0 && ::setuid(65534) == 0 && check() ? 0 : 1);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    fs::permissions(archive_, fs::perms::owner_write, fs::perm_options::add);
    EXPECT_EQ(folders(), (strings{"new", "old"}));
    // Retried at the next pass, which can now remove it.
    EXPECT_EQ(removed(enforce({days(30), 0})), (strings{"old"}));
}

TEST_F(retention_test, the_daemon_runs_a_pass_at_start_then_every_interval_until_stopped) {
    config::settings settings;
    settings.state_dir = state_dir_.path();
    settings.archive_max_age_days = 30;
    // Against the real clock: 2026-12-01 minus a thousand days is long gone by any now.
    add_meeting("first", days(1000));
    boost::asio::io_context ioc;
    auto retention = start_retention(ioc.get_executor(), settings, &*index_, 20ms);
    auto const run_until = [&](auto is_done) {
        for (auto const deadline = std::chrono::steady_clock::now() + 10s;
             !is_done() && std::chrono::steady_clock::now() < deadline;)
            ioc.run_for(10ms);
        return is_done();
    };
    EXPECT_TRUE(run_until([&] { return !fs::exists(archive_ / "first"); }));
    add_meeting("second", days(1000));
    EXPECT_TRUE(run_until([&] { return !fs::exists(archive_ / "second"); }));
    EXPECT_TRUE(indexed().empty());

    retention.stop();
    // With the timer cancelled the io_context runs out of work at once.
    auto const start = std::chrono::steady_clock::now();
    ioc.run_for(5s);
    EXPECT_TRUE(ioc.stopped());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    add_meeting("third", days(1000));
    EXPECT_TRUE(fs::exists(archive_ / "third"));
}

TEST_F(retention_test, without_limits_the_daemon_cleans_up_once_and_keeps_no_timer) {
    config::settings settings;
    settings.state_dir = state_dir_.path();
    add_meeting("ancient", days(10000));
    fs::create_directories(archive_ / ".deleting-crashed");
    boost::asio::io_context ioc;
    auto const retention = start_retention(ioc.get_executor(), settings, &*index_);
    ioc.run_for(5s);
    EXPECT_TRUE(ioc.stopped()); // no hourly timer left waiting
    EXPECT_EQ(folders(), (strings{"ancient"}));
}

TEST(plan_retention, is_pure_and_handles_the_largest_limits) {
    using ms_time = std::chrono::sys_time<std::chrono::milliseconds>;
    auto const at = [](std::chrono::system_clock::duration age) {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(now - age);
    };
    std::vector<archived_meeting> const meetings{
        {"b", at(days(400)), 10}, {"a", at(days(400)), 10}, {"c", ms_time{}, 10}};
    // A million days does not overflow: nothing is that old.
    EXPECT_TRUE(plan_retention(meetings, {days(1'000'000), 0}, now).removals.empty());
    // Equal end times go in name order.
    auto const plan = plan_retention(meetings, {days(365), 0}, now);
    ASSERT_EQ(plan.removals.size(), 3u);
    EXPECT_EQ(plan.removals[0].meeting.archive, "c");
    EXPECT_EQ(plan.removals[1].meeting.archive, "a");
    EXPECT_EQ(plan.removals[2].meeting.archive, "b");
    EXPECT_FALSE(plan.newest_over_limit);
    auto const over = plan_retention({{"x", at(days(1)), 3u << 20}}, {days(0), 1}, now);
    EXPECT_TRUE(over.removals.empty());
    ASSERT_TRUE(over.newest_over_limit);
    EXPECT_EQ(over.newest_over_limit->archive, "x");
}

// PROTOCOL.md, "Times": state.json holds RFC 3339 times since they are the API's; older
// archives hold milliseconds. The index reads both alike.
TEST(archived_times, the_index_reads_rfc3339_and_milliseconds_alike) {
    auto const ended =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1732350000123));
    auto state = boost::json::parse(state_json("budgets", ended)).as_object();
    auto const [old_session, old_turns] = index_entry("old", boost::json::serialize(state));
    state["archived"].as_object()["started"] = protocol::rfc3339(ms(ended - 2h));
    state["archived"].as_object()["ended"] = "2024-11-23T08:20:00.123Z";
    state["utterances"].as_array()[0].as_object()["at"] = protocol::rfc3339(ms(ended - 1h));
    auto const [session, turns] = index_entry("new", boost::json::serialize(state));
    EXPECT_EQ(session.started_ms, old_session.started_ms);
    EXPECT_EQ(session.ended_ms, 1732350000123);
    EXPECT_EQ(turns.at(0).at_ms, old_turns.at(0).at_ms);
    state["archived"].as_object()["ended"] = "yesterday";
    EXPECT_THROW(index_entry("bad", boost::json::serialize(state)), std::runtime_error);
}

// Served under /api, the edit history's times are RFC 3339; other lines pass as they are.
TEST(archived_times, edits_are_served_with_rfc3339_times) {
    EXPECT_EQ(edits_for_api("{\"op\":\"report.approve\",\"revision\":1,\"by\":\"Ana\","
                            "\"at\":1732350000123}\n"
                            "not json\n"
                            "{\"op\":\"item.rename\",\"at\":\"2024-11-23T08:20:00.123Z\"}\n"),
              "{\"op\":\"report.approve\",\"revision\":1,\"by\":\"Ana\","
              "\"at\":\"2024-11-23T08:20:00.123Z\"}\n"
              "not json\n"
              "{\"op\":\"item.rename\",\"at\":\"2024-11-23T08:20:00.123Z\"}\n");
    EXPECT_EQ(edits_for_api(""), "");
}

} // namespace
} // namespace minuted::daemon
