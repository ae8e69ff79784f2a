// What an operator's tools see of the real daemon: its log as systemd's journal reads it,
// GET /readyz while the journal or the archive index fails, and GET /metrics as Prometheus
// (promtool) reads it, with the alert rules and the dashboard in contrib/.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;

std::string const contrib = std::string(MINUTED_TEST_DATA) + "/../../contrib";

std::vector<std::string> lines_of(std::string const& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// systemd sets $JOURNAL_STREAM to the device and inode of the stream it connects to the
// service's standard error; this wrapper does the same for the pipe the test reads.
std::string journal_wrapper(temp_dir const& dir) {
    auto const path = dir / "minuted-under-journald";
    std::ofstream(path) << "#!/bin/sh\nJOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "
                        << MINUTED_BINARY << " \"$@\"\n";
    std::filesystem::permissions(path, std::filesystem::perms(0755));
    return path.string();
}

// A GET that may view sessions: with the viewer token of the daemon below.
http_result viewer_get(unsigned short port, std::string const& target) {
    return get(port, target, "viewer-token-of-this-test");
}

// GET /readyz, as a viewer, until its status is `status`; the last answer. Throws after 10 s.
http_result readyz_reaching(unsigned short port, unsigned status) {
    auto const deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        auto r = viewer_get(port, "/readyz");
        if (r.status == status || std::chrono::steady_clock::now() > deadline)
            return r;
        std::this_thread::sleep_for(100ms);
    }
}

std::string reasons(http_result const& r) {
    auto const body = boost::json::parse(r.body).as_object();
    EXPECT_FALSE(body.at("ready").as_bool());
    std::string out;
    for (auto const& why : body.at("reasons").as_array())
        out += std::string(why.as_string()) + "\n";
    return out;
}

TEST(operations, readyz_fails_while_a_journal_or_the_index_cannot_be_used_and_logs_go_to_journald) {
    temp_dir scripts;
    daemon_process d({.config = "[auth]\nviewer_token = \"viewer-token-of-this-test\"\n",
                      .binary = journal_wrapper(scripts)});
    auto const ready = http_get(d.port(), "/readyz");
    EXPECT_EQ(ready.status, 200u);
    EXPECT_EQ(ready.headers[http::field::content_type], "application/json");
    EXPECT_EQ(boost::json::parse(ready.body), boost::json::parse(R"({"ready":true})"));

    // A file size limit fails the journal's writes as a full disk does; root is not exempt.
    ASSERT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=1", "Good morning.\n").status,
              200u);
    std::filesystem::path journal;
    for (auto const& e : std::filesystem::directory_iterator(d.state_dir() / "live"))
        if (e.path().extension() == ".journal")
            journal = e.path();
    ASSERT_FALSE(journal.empty());
    rlimit full{std::filesystem::file_size(journal) + 10, RLIM_INFINITY};
    ASSERT_EQ(::prlimit(d.pid(), RLIMIT_FSIZE, &full, nullptr), 0);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/m?seq=2",
                           "The first item on the agenda is the budget.\n")
                  .status,
              503u);
    auto const failing = readyz_reaching(d.port(), 503);
    ASSERT_EQ(failing.status, 503u);
    EXPECT_EQ(failing.headers[http::field::content_type], "application/json");
    EXPECT_EQ(reasons(failing), "the journal of session m cannot be written: File too large\n");
    // To whom may not view sessions, /readyz does not say which.
    auto const anyone = http_get(d.port(), "/readyz");
    EXPECT_EQ(anyone.status, 503u);
    EXPECT_EQ(reasons(anyone), "a live session's journal cannot be written\n");
    EXPECT_EQ(http_get(d.port(), "/healthz").status, 200u);
    auto const metrics = viewer_get(d.port(), "/metrics").body;
    EXPECT_EQ(find_metric(metrics, "minuted_ready"), 0.0);
    EXPECT_EQ(find_metric(metrics, "minuted_journals_failing"), 1.0);
    EXPECT_GE(find_metric(metrics, "minuted_http_responses_total{code=\"503\"}").value_or(0), 2.0);

    rlimit room{RLIM_INFINITY, RLIM_INFINITY};
    ASSERT_EQ(::prlimit(d.pid(), RLIMIT_FSIZE, &room, nullptr), 0);
    d.process().wait_for("writable again after: File too large");
    EXPECT_EQ(readyz_reaching(d.port(), 200).status, 200u);

    // The index file removed (an operator cleaning up, say), then put back.
    auto const index = d.state_dir() / "archive" / "index.sqlite";
    std::filesystem::rename(index, d.state_dir() / "index.moved");
    auto const removed = readyz_reaching(d.port(), 503);
    ASSERT_EQ(removed.status, 503u);
    EXPECT_EQ(reasons(removed), "the archive index is unavailable: " + index.string() +
                                    ": unable to open database file\n");
    EXPECT_EQ(reasons(http_get(d.port(), "/readyz")), "the archive index is unavailable\n");
    EXPECT_EQ(find_metric(viewer_get(d.port(), "/metrics").body, "minuted_archive_index_up"), 0.0);
    std::filesystem::rename(d.state_dir() / "index.moved", index);
    EXPECT_EQ(readyz_reaching(d.port(), 200).status, 200u);

    // The index and its write-ahead log overwritten, as a damaged disk would leave them.
    std::string const garbage(64 * 1024, '\x5a');
    for (auto const& file : {index, std::filesystem::path(index.string() + "-wal")}) {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    auto const damaged = readyz_reaching(d.port(), 503);
    ASSERT_EQ(damaged.status, 503u);
    EXPECT_EQ(reasons(damaged),
              "the archive index is unavailable: " + index.string() + ": file is not a database\n");

    // Every line carries its syslog priority and no timestamp of its own.
    d.stop();
    auto const log = d.process().output();
    for (auto const& line : lines_of(log))
        EXPECT_TRUE(std::regex_match(line, std::regex("<[2-7]>(debug|info|warning|error|critical) "
                                                      "[^0-9].*")))
            << line;
    EXPECT_NE(log.find("<6>info listening on http://127.0.0.1:"), std::string::npos) << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("\n<3>error journal \\S+: cannot "
                                                  "write: File too large")))
        << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("\n<4>warning archive index unavailable: \\S+: "
                                                  "unable to open database file\n")))
        << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("\n<6>info archive index available again")))
        << log;
}

// The names of the series in an exposition.
std::set<std::string> series_names(std::string const& exposition) {
    std::set<std::string> names;
    for (auto const& line : lines_of(exposition))
        if (!line.empty() && line[0] != '#')
            names.insert(line.substr(0, line.find_first_of("{ ")));
    return names;
}

// The minuted_ and process_ metric names a text (PromQL in YAML or JSON) uses.
std::set<std::string> metric_names_in(std::string const& text) {
    std::set<std::string> names;
    std::regex const name("\\b(minuted|process)_[a-z0-9_]+");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
         it != std::sregex_iterator(); ++it)
        names.insert(it->str());
    return names;
}

std::uint64_t count_fds(pid_t pid) {
    auto const dir = std::filesystem::path("/proc") / std::to_string(pid) / "fd";
    return static_cast<std::uint64_t>(std::distance(std::filesystem::directory_iterator(dir),
                                                    std::filesystem::directory_iterator()));
}

// Why the service did not start is an error in the journal too, though logging is not set up
// yet: a bad command line and a bad config.
TEST(operations, a_bad_command_line_or_config_reaches_journald_as_an_error) {
    temp_dir scripts;
    auto const wrapper = journal_wrapper(scripts);
    auto const usage = run_child({wrapper, "serve", "--threads=lots"});
    EXPECT_EQ(usage.exit_code, 64) << usage.err;
    EXPECT_TRUE(usage.err.starts_with("<3>minuted serve: --threads")) << usage.err;
    auto const config = scripts / "bad.toml";
    std::ofstream(config) << "[server]\nlisten = 8080\n";
    auto const bad = run_child({wrapper, "serve", "--config", config.string()});
    EXPECT_EQ(bad.exit_code, 78) << bad.err;
    EXPECT_TRUE(bad.err.starts_with("<3>minuted: ")) << bad.err;
    for (auto const& line : lines_of(usage.err + bad.err))
        EXPECT_TRUE(line.starts_with("<3>")) << line;
}

TEST(operations, metrics_pass_promtool_and_hold_every_metric_the_alerts_and_dashboard_use) {
    // A stream inherited from a parent that logged to the journal is not the daemon's stderr:
    // its lines keep their timestamps.
    struct stat null {};
    ASSERT_EQ(::stat("/dev/null", &null), 0);
    daemon_process d({.env = {{"JOURNAL_STREAM",
                               std::to_string(null.st_dev) + ":" + std::to_string(null.st_ino)}}});
    EXPECT_TRUE(std::regex_search(d.process().output(),
                                  std::regex("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} "
                                             "info listening on")))
        << d.process().output();
    EXPECT_EQ(http_get(d.port(), "/no-such-page").status, 404u);
    EXPECT_EQ(http_get(d.port(), "/readyz").status, 200u);
    auto const scrape = http_get(d.port(), "/metrics").body;

    auto const check = run_child({"/usr/bin/promtool", "check", "metrics"}, {.input = scrape});
    EXPECT_EQ(check.exit_code, 0) << check.output();
    EXPECT_EQ(check.output(), "");

    EXPECT_EQ(find_metric(scrape, "minuted_build_info{version=\"" MINUTED_VERSION "\"}"), 1.0)
        << scrape;
    EXPECT_EQ(find_metric(scrape, "minuted_http_responses_total{code=\"404\"}"), 1.0);
    EXPECT_EQ(find_metric(scrape, "minuted_http_responses_total{code=\"200\"}"), 1.0);
    auto const fds = find_metric(scrape, "process_open_fds").value_or(-1);
    auto const seen = static_cast<double>(count_fds(d.pid()));
    // The scrape's own connection and directory listing, and connections still closing.
    EXPECT_NEAR(fds, seen, 8);
    rlimit nofile{};
    ASSERT_EQ(::prlimit(d.pid(), RLIMIT_NOFILE, nullptr, &nofile), 0);
    EXPECT_EQ(find_metric(scrape, "process_max_fds"), static_cast<double>(nofile.rlim_cur));
    auto const rss = find_metric(scrape, "process_resident_memory_bytes").value_or(0);
    EXPECT_GT(rss, 1e6);
    EXPECT_LT(rss, 1e9);
    EXPECT_GT(find_metric(scrape, "process_virtual_memory_bytes").value_or(0), rss);
    EXPECT_GE(find_metric(scrape, "process_cpu_seconds_total").value_or(-1), 0.0);
    auto const now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto const started = find_metric(scrape, "process_start_time_seconds").value_or(0);
    EXPECT_GT(started, now - 120);
    EXPECT_LT(started, now + 1);

    auto const rules_file = contrib + "/prometheus/minuted-alerts.yml";
    auto const rules = run_child({"/usr/bin/promtool", "check", "rules", rules_file});
    EXPECT_EQ(rules.exit_code, 0) << rules.output();
    auto const dashboard = read_file(contrib + "/grafana/minuted-dashboard.json");
    EXPECT_NO_THROW(boost::json::parse(dashboard));
    auto const exposed = series_names(scrape);
    for (auto const& [file, text] : {std::pair{rules_file, read_file(rules_file)},
                                     std::pair{std::string("minuted-dashboard.json"), dashboard}}) {
        auto const used = metric_names_in(text);
        EXPECT_GE(used.size(), 10u) << file;
        for (auto const& name : used)
            EXPECT_TRUE(exposed.contains(name)) << file << " uses " << name << ", not in:\n"
                                                << scrape;
    }
}

} // namespace
} // namespace minuted::testing
