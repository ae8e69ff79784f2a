// minuted_fanout_bench: the daemon's fan-out of live updates to WebSocket subscribers.
//
// Starts the real minuted binary (`minuted serve --listen 127.0.0.1:0`), as the integration
// tests do, and drives it over loopback only:
//
//   A. one session watched by 1,000 subscribers;
//   B. 100 sessions, each watched by 10 subscribers and fed by its own ingest stream, the
//      streams' starts spread over one second.
//
// Each ingest stream plays the DCCG transcript open-loop at 10x real time: frame N is sent at
// its scheduled time whatever the acks (which are read as they come), so a slow daemon cannot
// slow the offered load. A subscriber that receives an update reflecting seq N records
// receive time - scheduled send time of frame N (not its actual send time: no coordinated
// omission). The kernel's receive timestamp of the same bytes (SO_TIMESTAMPNS) is recorded
// too: the difference is time the update spent waiting for this client, not for the daemon.
//
//   M. the daemon's RSS per idle subscriber: one session, then N subscribers that have
//      received their snapshot and wait.
//
// Prints Markdown tables, the CPU time of the daemon and of this client, and the machine's
// load. It measures and never fails on the numbers; it exits 1 if the daemon cannot be
// started or driven.
//
// --seconds is wall time of the replay (45 s at 10x: 1,350 frames, 7.5 minutes of the meeting).
//
// usage: minuted_fanout_bench [--seconds S] [--speed X] [--subscribers N] [--sessions N]
//                             [--per-session N] [--idle N[,N...]] [--only a|b|memory]...
//                             [--queue N] [--threads N] [--daemon PATH]

#include "daemon/client/replay.hpp"
#include "tests/bench/corpus.hpp"
#include "tests/bench/fanout_clients.hpp"
#include "tests/bench/socket_timestamps.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/measure.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using minuted::bench::fanout_client;
using minuted::bench::ingest_result;
using minuted::bench::ingest_stream;
using minuted::bench::payload_list;
using minuted::bench::realtime_minus_steady_ns;
using minuted::bench::timestamped_socket;
using minuted::testing::daemon_process;
using minuted::testing::distribution;
using minuted::testing::distribution_of;
using minuted::testing::find_metric;
using minuted::testing::http_get;
using minuted::testing::io_thread;
using minuted::testing::load_average;
using minuted::testing::machine_cpu_now;
using minuted::testing::nanos;
using minuted::testing::number_after;
using minuted::testing::process_cpu_seconds;
using minuted::testing::rss_kib;
using minuted::testing::seconds_since;
using minuted::testing::self_cpu_seconds;
using minuted::testing::steady;
using minuted::testing::thread_cpu_seconds;
using minuted::testing::wait_until;
using minuted::testing::with_commas;

// What a viewer must not notice: an update within 5 ms at p99, and an idle subscriber cheap
// enough that thousands fit in a small machine.
constexpr double target_p99_ms = 5;
constexpr double target_idle_kb = 32;

struct options {
    double seconds = 45; ///< of replay (frames due by then), at `speed` times real time
    double speed = 10;
    std::size_t subscribers = 1000; ///< scenario A
    std::size_t sessions = 100;     ///< scenario B
    std::size_t per_session = 10;   ///< scenario B
    std::vector<std::size_t> idle = {1000, 10000};
    bool run_a = true;
    bool run_b = true;
    bool run_memory = true;
    std::optional<std::size_t> queue; ///< [limits] subscriber_queue; the daemon's default if unset
    std::optional<std::size_t> threads; ///< [server] threads; the daemon's default if unset
    std::string daemon = MINUTED_BINARY;
};

void note(char const* format, auto... args) {
    std::fprintf(stderr, "minuted_fanout_bench: ");
    std::fprintf(stderr, format, args...);
    std::fputc('\n', stderr);
}

/// The daemon's config file for `opt`. Every viewer comes from this machine's one address, so
/// the caps per address are lifted.
std::string daemon_config(options const& opt) {
    std::ostringstream toml;
    if (opt.threads)
        toml << "[server]\nthreads = " << *opt.threads << "\n";
    toml << "[limits]\nmax_address_connections = 0\nmax_address_viewers = 0\n";
    if (opt.queue)
        toml << "subscriber_queue = " << *opt.queue << "\n";
    return toml.str();
}

// ---------------------------------------------------------------------------------------
// Network counters and clocks (the /proc readings shared with minuted_ingest_bench are in
// tests/support/measure.hpp).

/// Counter `name` of the `prefix` lines of /proc/net/snmp or /proc/net/netstat, which come in
/// pairs: names, then values.
unsigned long long proc_net_counter(char const* path, std::string const& prefix,
                                    std::string const& name) {
    std::ifstream in(path);
    for (std::string names, values; std::getline(in, names) && std::getline(in, values);) {
        if (!names.starts_with(prefix + ":"))
            continue;
        std::istringstream n(names), v(values);
        std::string key, value;
        while (n >> key && v >> value)
            if (key == name)
                return std::stoull(value);
    }
    return 0;
}

/// Machine-wide network counters: on this machine, the loopback traffic of the run.
struct net_counters {
    unsigned long long backlog_drops = 0; ///< packets dropped, a CPU's input backlog full
    unsigned long long retransmits = 0;   ///< TCP segments sent again
    unsigned long long timeouts = 0;      ///< TCP retransmission timeouts
};

net_counters net_counters_now() {
    net_counters c;
    std::ifstream in("/proc/net/softnet_stat");
    for (std::string processed, dropped, rest;
         in >> processed >> dropped && std::getline(in, rest);)
        c.backlog_drops += std::stoull(dropped, nullptr, 16);
    c.retransmits = proc_net_counter("/proc/net/snmp", "Tcp", "RetransSegs");
    c.timeouts = proc_net_counter("/proc/net/netstat", "TcpExt", "TCPTimeouts");
    return c;
}

/// rev of every session in GET /api/sessions, by id.
std::vector<std::pair<std::string, std::uint64_t>> session_revs(unsigned short port) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    auto const v = boost::json::parse(http_get(port, "/api/sessions").body);
    for (auto const& s : v.at("sessions").as_array())
        out.emplace_back(std::string(s.at("id").as_string()),
                         s.at("rev").to_number<std::uint64_t>());
    return out;
}

// ---------------------------------------------------------------------------------------
// Results.

struct fanout_result {
    std::string name;
    std::size_t sessions = 0;
    std::size_t per_session = 0;
    std::size_t frames = 0; ///< per session
    bool ok = true;
    std::string problem;
    distribution latency, kernel_latency, client_lag, send_lag, ack_latency;
    std::uint64_t expected = 0, delivered = 0, skipped = 0, resyncs = 0, unordered = 0;
    std::size_t closed = 0;
    std::size_t sent = 0, acked = 0, nacks = 0, ingest_errors = 0;
    double wall = 0, daemon_cpu = 0, subscriber_cpu = 0, ingest_cpu = 0, bench_cpu = 0;
    double machine_busy = 0; ///< share of all cores busy, any process
    double updates_published = 0, updates_sent = 0, daemon_resyncs = 0, daemon_slow_closes = 0;
    long daemon_rss_kib = 0;
    net_counters net; ///< during the run
    std::string load_before, load_after;
    std::vector<std::string> complaints;
    std::string sample_update;
};

/// Scenarios A and B: `sessions` sessions with `per_session` subscribers each, every session
/// fed at `speed` for `seconds` of the meeting, their starts spread over one second.
fanout_result run_fanout(options const& opt, std::string name, std::size_t sessions,
                         std::size_t per_session,
                         std::vector<minuted::daemon::replay_frame> const& frames) {
    fanout_result res;
    res.name = std::move(name);
    res.sessions = sessions;
    res.per_session = per_session;

    // The frames due within `seconds` of the meeting; the close frame is never sent.
    auto payloads = std::make_shared<payload_list>();
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (frames[i].kind == minuted::protocol::ingest_kind::close ||
            frames[i].at_seconds >= opt.seconds)
            break;
        payloads->push_back(minuted::daemon::frame_json(frames[i], i + 1));
    }
    res.frames = payloads->size();

    daemon_process daemon({.config = daemon_config(opt),
                           .binary = opt.daemon,
                           .output_limit = 4'000'000,
                           .stop_timeout = std::chrono::seconds(5)});
    note("%s: minuted pid %d on 127.0.0.1:%u; %zu sessions x %zu subscribers, %zu frames each",
         res.name.c_str(), static_cast<int>(daemon.pid()), daemon.port(), sessions, per_session,
         res.frames);

    std::vector<std::string> ids;
    for (std::size_t s = 0; s < sessions; ++s)
        ids.push_back("bench-" + std::to_string(s));

    // The io_contexts outlive the sockets that use them.
    std::atomic<std::size_t> opened{0}, finished{0};
    io_thread ingest;
    io_thread client_thread;
    std::vector<std::shared_ptr<ingest_stream>> streams;
    fanout_client client(client_thread.context(), daemon.port());
    std::vector<std::uint64_t> final_revs(sessions, 0);

    auto fail = [&](std::string why) {
        res.ok = false;
        res.problem = std::move(why);
        note("%s: %s", res.name.c_str(), res.problem.c_str());
    };

    // Sessions exist once opened; only then can subscribers join them.
    ingest.call([&] {
        for (auto const& id : ids) {
            streams.push_back(std::make_shared<ingest_stream>(ingest.context(), daemon.port(), id,
                                                              payloads, opened, finished));
            streams.back()->open();
        }
    });
    if (!wait_until([&] { return opened.load() == sessions; }, std::chrono::seconds(30)))
        fail("sessions not opened");
    auto const total = sessions * per_session;
    auto const connect_start = steady::now();
    if (res.ok) {
        client_thread.call([&] { client.connect(ids, per_session); });
        if (!wait_until([&] { return client.ready.load() + client.failed.load() >= total; },
                        std::chrono::seconds(120)) ||
            client.failed.load() > 0)
            fail("subscribers not connected: " + std::to_string(client.ready.load()) + " of " +
                 std::to_string(total));
        note("%s: %zu subscribers have their snapshot after %.1f s", res.name.c_str(),
             client.ready.load(), seconds_since(connect_start));
    }

    res.load_before = load_average();
    auto const cpu_daemon_0 = process_cpu_seconds(daemon.pid());
    auto const cpu_client_0 = thread_cpu_seconds(client_thread.thread());
    auto const cpu_ingest_0 = thread_cpu_seconds(ingest.thread());
    auto const cpu_self_0 = self_cpu_seconds();
    auto const machine_0 = machine_cpu_now();
    auto const net_0 = net_counters_now();
    auto const metrics_0 = http_get(daemon.port(), "/metrics").body;
    auto const wall_0 = steady::now();

    if (res.ok) {
        // Schedules start half a second from now; session s starts s/sessions of a second
        // later than session 0.
        auto const t0 = steady::now() + std::chrono::milliseconds(500);
        std::vector<std::vector<steady::time_point>> schedules(sessions);
        std::vector<std::vector<std::int64_t>> schedules_ns(sessions);
        for (std::size_t s = 0; s < sessions; ++s) {
            auto const start =
                t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                         static_cast<double>(s) / static_cast<double>(sessions)));
            for (std::size_t i = 0; i < payloads->size(); ++i) {
                auto const at = start + std::chrono::duration_cast<steady::duration>(
                                            std::chrono::duration<double>(frames[i].at_seconds));
                schedules[s].push_back(at);
                schedules_ns[s].push_back(nanos(at.time_since_epoch()));
            }
        }
        auto const offset = realtime_minus_steady_ns();
        client_thread.call([&] { client.install(std::move(schedules_ns), offset); });
        ingest.call([&] {
            for (std::size_t s = 0; s < sessions; ++s)
                streams[s]->start(std::move(schedules[s]));
        });
        auto const play = std::chrono::milliseconds(static_cast<long>((opt.seconds + 1) * 1000));
        note("%s: playing %g s at %gx (%.1f min of the meeting)", res.name.c_str(), opt.seconds,
             opt.speed, opt.seconds * opt.speed / 60);
        if (!wait_until([&] { return finished.load() == sessions; },
                        play + std::chrono::seconds(60)))
            fail("ingest did not finish: " + std::to_string(finished.load()) + " of " +
                 std::to_string(sessions) + " streams acknowledged");
        // Every update is published before its frame is acked: wait for them to arrive.
        for (auto const& [id, rev] : session_revs(daemon.port()))
            for (std::size_t s = 0; s < sessions; ++s)
                if (ids[s] == id)
                    final_revs[s] = rev;
        client_thread.call([&] { client.expect(final_revs); });
        if (!wait_until([&] { return client.caught_up.load() + client.failed.load() >= total; },
                        std::chrono::seconds(30)))
            fail("subscribers did not catch up: " + std::to_string(client.caught_up.load()) +
                 " of " + std::to_string(total));
    }

    res.wall = seconds_since(wall_0);
    res.daemon_cpu = process_cpu_seconds(daemon.pid()) - cpu_daemon_0;
    res.subscriber_cpu = thread_cpu_seconds(client_thread.thread()) - cpu_client_0;
    res.ingest_cpu = thread_cpu_seconds(ingest.thread()) - cpu_ingest_0;
    res.bench_cpu = self_cpu_seconds() - cpu_self_0;
    auto const machine_1 = machine_cpu_now();
    auto const net_1 = net_counters_now();
    res.net = {net_1.backlog_drops - net_0.backlog_drops, net_1.retransmits - net_0.retransmits,
               net_1.timeouts - net_0.timeouts};
    res.machine_busy = static_cast<double>(machine_1.busy - machine_0.busy) /
                       static_cast<double>(std::max(1ULL, machine_1.total - machine_0.total));
    auto const metrics_1 = http_get(daemon.port(), "/metrics").body;
    auto const delta = [&](char const* m) {
        return find_metric(metrics_1, m).value_or(0) - find_metric(metrics_0, m).value_or(0);
    };
    res.updates_published = delta("minuted_updates_published_total");
    res.updates_sent = delta("minuted_updates_sent_total");
    res.daemon_resyncs = delta("minuted_subscriber_resyncs_total");
    res.daemon_slow_closes = delta("minuted_subscriber_slow_closes_total");
    res.daemon_rss_kib = rss_kib(daemon.pid());
    res.load_after = load_average();

    client_thread.call([&] { client.stop(); });
    daemon.stop();
    client_thread.stop();
    ingest.stop();
    res.complaints = daemon.complaints();

    // The client and ingest threads have stopped: their results can be read.
    for (auto const& s : streams) {
        auto const& r = s->result();
        res.sent += r.sent;
        res.acked += r.acked;
        res.nacks += r.nacks;
        res.ingest_errors += r.errors;
        if (!r.failure.empty() && res.problem.empty())
            res.problem = r.failure;
    }
    std::vector<std::int64_t> send_lag, ack_latency;
    for (auto const& s : streams) {
        auto const& r = s->result();
        send_lag.insert(send_lag.end(), r.send_lag_ns.begin(), r.send_lag_ns.end());
        ack_latency.insert(ack_latency.end(), r.ack_latency_ns.begin(), r.ack_latency_ns.end());
    }
    res.send_lag = distribution_of(send_lag);
    res.ack_latency = distribution_of(ack_latency);
    for (auto const& r : client.records()) {
        if (r.has_snapshot && final_revs[r.session] > r.first_rev)
            res.expected += final_revs[r.session] - r.first_rev;
        res.delivered += r.updates;
        res.skipped += r.skipped;
        res.resyncs += r.resyncs;
        res.unordered += r.unordered;
        res.closed += r.dropped ? 1u : 0u;
    }
    res.latency = distribution_of(client.latency_ns());
    res.kernel_latency = distribution_of(client.kernel_latency_ns());
    res.client_lag = distribution_of(client.client_lag_ns());
    if (res.problem.empty() && !client.first_failure.empty())
        res.problem = client.first_failure;
    res.sample_update = client.sample_update;
    return res;
}

struct memory_step {
    std::size_t subscribers = 0;
    long rss_before = 0;
    long rss_after = 0;
    double per_subscriber_kib = 0;
    std::size_t snapshot_bytes = 0;
};

struct memory_result {
    bool ok = true;
    std::string problem;
    std::size_t prefill_frames = 0;
    std::vector<memory_step> steps;
    std::string daemon_fd_limit;
    std::vector<std::string> skipped;
};

/// Scenario M: the daemon's RSS with one session (holding the first minutes of the meeting) and
/// no subscribers, then with each count in `opt.idle` of idle subscribers.
memory_result run_memory(options const& opt,
                         std::vector<minuted::daemon::replay_frame> const& frames) {
    memory_result res;
    rlimit fds{};
    ::getrlimit(RLIMIT_NOFILE, &fds);

    daemon_process daemon({.config = daemon_config(opt),
                           .binary = opt.daemon,
                           .output_limit = 4'000'000,
                           .stop_timeout = std::chrono::seconds(5)});
    {
        std::ifstream in("/proc/" + std::to_string(daemon.pid()) + "/limits");
        for (std::string line; std::getline(in, line);)
            if (line.starts_with("Max open files"))
                res.daemon_fd_limit = line;
    }
    note("memory: minuted pid %d on 127.0.0.1:%u", static_cast<int>(daemon.pid()), daemon.port());

    // The first 3 minutes of the meeting (at 1x), sent as fast as the daemon acks them, so a
    // snapshot holds a meeting under way.
    auto payloads = std::make_shared<payload_list>();
    for (std::size_t i = 0; i < frames.size() && payloads->size() < 540; ++i) {
        if (frames[i].kind == minuted::protocol::ingest_kind::close)
            break;
        payloads->push_back(minuted::daemon::frame_json(frames[i], i + 1));
    }
    res.prefill_frames = payloads->size();
    std::atomic<std::size_t> opened{0}, finished{0};
    io_thread ingest;
    std::shared_ptr<ingest_stream> stream;
    ingest.call([&] {
        stream = std::make_shared<ingest_stream>(ingest.context(), daemon.port(), "idle", payloads,
                                                 opened, finished);
        stream->open();
    });
    if (!wait_until([&] { return opened.load() == 1; }, std::chrono::seconds(30))) {
        res.ok = false;
        res.problem = "session not opened";
        return res;
    }
    ingest.call(
        [&] { stream->start(std::vector<steady::time_point>(payloads->size(), steady::now())); });
    if (!wait_until([&] { return finished.load() == 1; }, std::chrono::seconds(60))) {
        res.ok = false;
        res.problem = "prefill not acknowledged";
        return res;
    }
    std::size_t snapshot_bytes = 0;
    try {
        snapshot_bytes = http_get(daemon.port(), "/api/sessions/idle").body.size();
    } catch (std::exception const&) {
    }

    // Let the heap settle, then the baseline.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto const rss_base = rss_kib(daemon.pid());

    io_thread client_thread;
    fanout_client client(client_thread.context(), daemon.port());
    std::size_t connected = 0;
    for (auto const n : opt.idle) {
        // Each subscriber is one descriptor here and one in the daemon; keep a margin.
        if (n + 64 > fds.rlim_cur) {
            res.skipped.push_back(std::to_string(n) + " subscribers: this process may open " +
                                  std::to_string(fds.rlim_cur) + " files");
            continue;
        }
        if (n <= connected)
            continue;
        auto const start = steady::now();
        client_thread.call([&] {
            if (connected == 0)
                client.connect({"idle"}, n);
            else
                client.connect_more(n - connected);
        });
        if (!wait_until([&] { return client.ready.load() + client.failed.load() >= n; },
                        std::chrono::seconds(180)) ||
            client.failed.load() > 0) {
            res.ok = false;
            res.problem = std::to_string(client.ready.load()) + " of " + std::to_string(n) +
                          " subscribers got their snapshot";
            break;
        }
        connected = n;
        note("memory: %zu idle subscribers have their snapshot after %.1f s", n,
             seconds_since(start));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        memory_step step;
        step.subscribers = n;
        step.rss_before = rss_base;
        step.rss_after = rss_kib(daemon.pid());
        step.per_subscriber_kib =
            static_cast<double>(step.rss_after - step.rss_before) / static_cast<double>(n);
        step.snapshot_bytes = snapshot_bytes;
        res.steps.push_back(step);
    }
    client_thread.call([&] { client.stop(); });
    daemon.stop();
    client_thread.stop();
    ingest.stop();
    if (res.problem.empty() && !client.first_failure.empty())
        res.problem = client.first_failure;
    return res;
}

// ---------------------------------------------------------------------------------------

std::string ms(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : "%.1f", v);
    return buf;
}

void print_fanout(std::vector<fanout_result> const& results) {
    std::printf("\n### Update latency: scheduled send of a caption frame to its update at a "
                "subscriber\n\n");
    std::printf("| scenario | sessions x subscribers | frames per session | updates delivered / "
                "expected | missed | resyncs | closed | samples | p50 ms | p99 ms | p99.9 ms | "
                "max ms | p99 < %g ms? |\n",
                target_p99_ms);
    std::printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (auto const& r : results)
        std::printf("| %s | %zu x %zu | %zu | %s / %s | %s | %s | %zu | %s | %s | %s | %s | %s | "
                    "%s |\n",
                    r.name.c_str(), r.sessions, r.per_session, r.frames,
                    with_commas(r.delivered).c_str(), with_commas(r.expected).c_str(),
                    with_commas(r.skipped).c_str(), with_commas(r.resyncs).c_str(), r.closed,
                    with_commas(r.latency.count).c_str(), ms(r.latency.p50).c_str(),
                    ms(r.latency.p99).c_str(), ms(r.latency.p999).c_str(),
                    ms(r.latency.max).c_str(),
                    !r.ok ? "no result"
                    : r.latency.p99 < target_p99_ms
                        ? "yes"
                        : ("no, " + ms(r.latency.p99 - target_p99_ms) + " ms over").c_str());

    std::printf("\n### Where the time goes\n\n");
    std::printf("| scenario | to the kernel's receive timestamp: p50 / p99 / p99.9 / max ms | "
                "waiting for this client: p50 / p99 / max ms | ingest send lag p99 / max ms | "
                "ack p50 / p99 / max ms | frames sent / acked |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (auto const& r : results)
        std::printf("| %s | %s / %s / %s / %s | %s / %s / %s | %s / %s | %s / %s / %s | %s / %s "
                    "|\n",
                    r.name.c_str(), ms(r.kernel_latency.p50).c_str(),
                    ms(r.kernel_latency.p99).c_str(), ms(r.kernel_latency.p999).c_str(),
                    ms(r.kernel_latency.max).c_str(), ms(r.client_lag.p50).c_str(),
                    ms(r.client_lag.p99).c_str(), ms(r.client_lag.max).c_str(),
                    ms(r.send_lag.p99).c_str(), ms(r.send_lag.max).c_str(),
                    ms(r.ack_latency.p50).c_str(), ms(r.ack_latency.p99).c_str(),
                    ms(r.ack_latency.max).c_str(), with_commas(r.sent).c_str(),
                    with_commas(r.acked).c_str());

    std::printf("\n### CPU over the run (share of one core)\n\n");
    std::printf("| scenario | wall s | daemon | subscriber thread | ingest thread | whole machine "
                "(%u cores) | updates published | deliveries | daemon CPU per delivery | daemon "
                "RSS |\n",
                std::thread::hardware_concurrency());
    std::printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (auto const& r : results) {
        auto const share = [&](double cpu) { return 100 * cpu / std::max(r.wall, 1e-9); };
        std::printf("| %s | %.1f | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %s | %s | %.2f us | "
                    "%.1f MiB |\n",
                    r.name.c_str(), r.wall, share(r.daemon_cpu), share(r.subscriber_cpu),
                    share(r.ingest_cpu), 100 * r.machine_busy,
                    with_commas(static_cast<std::uint64_t>(r.updates_published)).c_str(),
                    with_commas(static_cast<std::uint64_t>(r.updates_sent)).c_str(),
                    r.updates_sent > 0 ? 1e6 * r.daemon_cpu / r.updates_sent : 0.0,
                    static_cast<double>(r.daemon_rss_kib) / 1024);
    }
    for (auto const& r : results) {
        std::printf("\n%s: load average %s before, %s after; daemon counted %.0f resyncs and %.0f "
                    "slow closes; %zu nacks, %zu other replies to ingest",
                    r.name.c_str(), r.load_before.c_str(), r.load_after.c_str(), r.daemon_resyncs,
                    r.daemon_slow_closes, r.nacks, r.ingest_errors);
        std::printf("; machine-wide during the run: %llu packets dropped for a full input backlog, "
                    "%llu TCP segments retransmitted, %llu retransmission timeouts",
                    r.net.backlog_drops, r.net.retransmits, r.net.timeouts);
        if (r.unordered > 0)
            std::printf("; %s updates out of order", with_commas(r.unordered).c_str());
        if (!r.problem.empty())
            std::printf("; PROBLEM: %s", r.problem.c_str());
        std::printf("\n");
        if (auto const& u = r.sample_update; !u.empty())
            std::printf("  a timed update (%zu bytes): %s%s\n", u.size(),
                        u.size() <= 200
                            ? u.c_str()
                            : (u.substr(0, 120) + " ... " + u.substr(u.size() - 60)).c_str(),
                        "");
        for (std::size_t i = 0; i < r.complaints.size() && i < 5; ++i)
            std::printf("  daemon log: %s\n", r.complaints[i].c_str());
        if (r.complaints.size() > 5)
            std::printf("  daemon log: ... %zu lines at warning or above in all\n",
                        r.complaints.size());
    }
}

void print_memory(memory_result const& r) {
    std::printf("\n### Daemon memory per idle subscriber\n\n");
    std::printf("One session holding the first %zu frames of the meeting (snapshot %zu bytes); "
                "RSS (VmRSS) before any subscriber and once all have their snapshot.\n\n",
                r.prefill_frames, r.steps.empty() ? 0 : r.steps.front().snapshot_bytes);
    std::printf("| idle subscribers | RSS before KiB | RSS after KiB | per subscriber KiB | "
                "under %g KiB? |\n",
                target_idle_kb);
    std::printf("|--:|--:|--:|--:|---|\n");
    for (auto const& s : r.steps)
        std::printf("| %s | %s | %s | %.1f | %s |\n", with_commas(s.subscribers).c_str(),
                    with_commas(static_cast<std::uint64_t>(s.rss_before)).c_str(),
                    with_commas(static_cast<std::uint64_t>(s.rss_after)).c_str(),
                    s.per_subscriber_kib, s.per_subscriber_kib < target_idle_kb ? "yes" : "no");
    for (auto const& s : r.skipped)
        std::printf("\nskipped: %s\n", s.c_str());
    std::printf("\nDaemon: %s\n", r.daemon_fd_limit.c_str());
    if (!r.problem.empty())
        std::printf("PROBLEM: %s\n", r.problem.c_str());
}

bool parse_count(std::string_view s, std::size_t& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

bool parse_number(std::string_view s, double& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && out > 0;
}

std::optional<options> parse_options(int argc, char** argv) {
    options opt;
    bool only = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view const a = argv[i];
        if (i + 1 >= argc)
            return std::nullopt;
        std::string_view const v = argv[++i];
        std::size_t n = 0;
        if (a == "--seconds" && parse_number(v, opt.seconds)) {
        } else if (a == "--speed" && parse_number(v, opt.speed)) {
        } else if (a == "--subscribers" && parse_count(v, opt.subscribers)) {
        } else if (a == "--sessions" && parse_count(v, opt.sessions) && opt.sessions > 0) {
        } else if (a == "--per-session" && parse_count(v, opt.per_session)) {
        } else if (a == "--queue" && parse_count(v, n) && n > 0) {
            opt.queue = n;
        } else if (a == "--threads" && parse_count(v, n)) {
            opt.threads = n;
        } else if (a == "--daemon") {
            opt.daemon = std::string(v);
        } else if (a == "--idle") {
            opt.idle.clear();
            for (std::size_t from = 0; from <= v.size();) {
                auto const comma = std::min(v.find(',', from), v.size());
                if (!parse_count(v.substr(from, comma - from), n) || n == 0)
                    return std::nullopt;
                opt.idle.push_back(n);
                from = comma + 1;
            }
            std::sort(opt.idle.begin(), opt.idle.end());
        } else if (a == "--only" && (v == "a" || v == "b" || v == "memory")) {
            if (!only)
                opt.run_a = opt.run_b = opt.run_memory = false;
            only = true;
            (v == "a" ? opt.run_a : v == "b" ? opt.run_b : opt.run_memory) = true;
        } else {
            return std::nullopt;
        }
    }
    return opt;
}

} // namespace

int main(int argc, char** argv) {
    auto const parsed = parse_options(argc, argv);
    if (!parsed) {
        std::fprintf(stderr,
                     "usage: minuted_fanout_bench [--seconds S] [--speed X] [--subscribers N] "
                     "[--sessions N]\n"
                     "                            [--per-session N] [--idle N[,N...]] "
                     "[--only a|b|memory]... [--queue N] [--threads N]\n"
                     "                            [--daemon PATH]\n");
        return 64;
    }
    auto const& opt = *parsed;
    std::signal(SIGPIPE, SIG_IGN);

    // One descriptor per subscriber: allow as many as the hard limit does. The daemon inherits
    // the raised limit (and raises its own anyway).
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }
    ::getrlimit(RLIMIT_NOFILE, &fds);

    std::vector<minuted::daemon::replay_frame> frames;
    try {
        minuted::daemon::replay_options replay;
        replay.speed = opt.speed;
        frames = minuted::daemon::make_replay_frames(
            minuted::bench::read_file(minuted::bench::dccg_transcript()), replay);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_fanout_bench: %s\n", e.what());
        return 1;
    }

    std::printf("minuted_fanout_bench: daemon %s\n", opt.daemon.c_str());
    std::printf("DCCG meeting 90 (%zu frames, a word each, %.0f words/min at %gx) open-loop for "
                "%g s (%.1f min of the meeting); subscriber_queue %s; this process may open %llu "
                "files; %u cores; load average %s\n",
                frames.size(), 180 * opt.speed, opt.speed, opt.seconds,
                opt.seconds * opt.speed / 60,
                opt.queue ? std::to_string(*opt.queue).c_str() : "default",
                static_cast<unsigned long long>(fds.rlim_cur), std::thread::hardware_concurrency(),
                load_average().c_str());

    int status = 0;
    try {
        std::vector<fanout_result> results;
        if (opt.run_a)
            results.push_back(run_fanout(opt, "A", 1, opt.subscribers, frames));
        if (opt.run_b)
            results.push_back(run_fanout(opt, "B", opt.sessions, opt.per_session, frames));
        if (!results.empty())
            print_fanout(results);
        for (auto const& r : results)
            if (!r.ok)
                status = 1;
        if (opt.run_memory) {
            auto const m = run_memory(opt, frames);
            print_memory(m);
            if (!m.ok)
                status = 1;
        }
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_fanout_bench: %s\n", e.what());
        return 1;
    }
    std::printf("\nload average at the end: %s\n", load_average().c_str());
    return status;
}
