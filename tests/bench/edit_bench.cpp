// minuted_edit_bench: what people's edits of the live minutes cost those who watch the meeting
// and the caption source that feeds it.
//
// Starts the real minuted binary (`minuted serve --listen 127.0.0.1:0`) and drives it over
// loopback only. One session, "edits", is fed by a source replaying the DCCG meeting
// (tests/data): its first --prefill minutes sent at once (so the minutes have bullets), then
// --viewers WebSocket viewers of /live get their snapshot, and the rest of the meeting is
// played open-loop at --speed for --seconds while, in an edit run, an editor POSTs --rate
// edits a second to /api/sessions/edits/minutes/edits on one keep-alive connection. Each edit
// is a `bullet.edit` of a real bullet, its key and revision from the snapshot (GET
// /api/sessions/edits), its text the bullet's own with "(bench edit N)" added.
//
// Measured:
//   - edit to viewer: from the POST being written to each viewer receiving the first message
//     that shows edit N (the receive time, and the kernel's receive timestamp of those bytes);
//   - the source's ack latency (ack received - scheduled send) over the played part, in runs
//     with edits and in runs without, the same length, alternating;
//   - the editor's answer time (the edit journaled and fsynced), the daemon's CPU, the bytes
//     it sent to viewers.
//
// Prints Markdown tables and the machine's load. It measures and never fails on the numbers;
// it exits 1 if the daemon cannot be started or driven.
//
// usage: minuted_edit_bench [--seconds S] [--speed X] [--viewers N] [--rate R] [--runs N]
//                           [--prefill MIN] [--meeting dccg|long] [--daemon PATH]

#include "daemon/client/replay.hpp"
#include "tests/bench/corpus.hpp"
#include "tests/bench/fanout_clients.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/measure.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using minuted::bench::fanout_client;
using minuted::bench::ingest_stream;
using minuted::bench::payload_list;
using minuted::bench::realtime_minus_steady_ns;
using minuted::testing::daemon_process;
using minuted::testing::distribution;
using minuted::testing::distribution_of;
using minuted::testing::find_metric;
using minuted::testing::http_get;
using minuted::testing::io_thread;
using minuted::testing::load_average;
using minuted::testing::nanos;
using minuted::testing::process_cpu_seconds;
using minuted::testing::seconds_since;
using minuted::testing::steady;
using minuted::testing::wait_until;
using minuted::testing::with_commas;

// The issue's numbers: an edit on every viewer's screen within 50 ms at p99.
constexpr double target_edit_p99_ms = 50;
constexpr char session_id[] = "edits";
constexpr std::string_view marker = "(bench edit ";

struct options {
    double seconds = 60; ///< played after the prefill, at `speed`
    double speed = 10;
    std::size_t viewers = 1000;
    double rate = 10; ///< edits per second in an edit run
    std::size_t runs = 3;
    double prefill_minutes = 10; ///< of the meeting, sent at once before the viewers connect
    bool long_meeting = false;   ///< the corpus as one 3-hour meeting, not DCCG meeting 90
    std::string daemon = MINUTED_BINARY;
};

void note(char const* format, auto... args) {
    std::fprintf(stderr, "minuted_edit_bench: ");
    std::fprintf(stderr, format, args...);
    std::fputc('\n', stderr);
}

/// Every viewer comes from this machine's one address: the caps per address are lifted. With
/// no editor configured, edits are taken from loopback as "this machine".
std::string daemon_config() {
    return "[limits]\nmax_address_connections = 0\nmax_address_viewers = 0\n";
}

/// A bullet the editor changes: its key, revision and the machine's text.
struct bullet {
    std::string key;
    std::uint64_t revision = 0;
    std::string text;
};

/// Every bullet of the session's snapshot.
std::vector<bullet> bullets_of(unsigned short port) {
    std::vector<bullet> out;
    auto const v =
        boost::json::parse(http_get(port, std::string("/api/sessions/") + session_id).body);
    for (auto const& item : v.at("agenda").as_array())
        for (char const* list : {"key_points", "decisions", "next_steps"})
            for (auto const& b : item.at(list).as_array()) {
                auto const& o = b.as_object();
                auto const key = o.at("key").as_string();
                // Two sentences of one line share a key: the editor takes the first.
                if (std::any_of(out.begin(), out.end(),
                                [&](bullet const& x) { return x.key == key; }))
                    continue;
                out.push_back(
                    {std::string(o.at("key").as_string()),
                     o.contains("revision") ? o.at("revision").to_number<std::uint64_t>() : 0,
                     std::string(o.at("text").as_string())});
            }
    return out;
}

/// The N of every "(bench edit N)" in `m`.
template <class F>
void for_each_edit_marker(std::string_view m, F&& f) {
    for (auto at = m.find(marker); at != std::string_view::npos; at = m.find(marker, at + 1)) {
        auto const from = m.data() + at + marker.size();
        std::size_t n = 0;
        auto const [end, ec] = std::from_chars(from, m.data() + m.size(), n);
        if (ec == std::errc{} && end < m.data() + m.size() && *end == ')')
            f(n);
    }
}

/// What the editor did.
struct editor_result {
    std::size_t sent = 0, accepted = 0, refused = 0;
    std::vector<std::int64_t> answer_ns;   ///< POST written to its answer read
    std::vector<std::int64_t> send_lag_ns; ///< written - scheduled
    std::string first_refusal;
};

/// One person editing: `bullet.edit` POSTs on one keep-alive connection at `rate` per second
/// from `start` until `end`, the bullets taken in turn. `sent_ns[n]` is when edit n was written
/// (steady ns), for the viewers' thread to read.
class editor {
public:
    editor(unsigned short port, std::vector<bullet> bullets,
           std::vector<std::atomic<std::int64_t>>& sent_ns)
        : port_(port), bullets_(std::move(bullets)), sent_ns_(sent_ns) {}

    editor_result run(steady::time_point start, double rate, steady::time_point end) {
        editor_result r;
        tcp::socket socket(ioc_);
        socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port_));
        socket.set_option(tcp::no_delay(true));
        beast::flat_buffer buffer;
        auto const target = std::string("/api/sessions/") + session_id + "/minutes/edits";
        for (std::size_t n = 0; n < sent_ns_.size(); ++n) {
            auto const due =
                start + std::chrono::duration_cast<steady::duration>(
                            std::chrono::duration<double>(static_cast<double>(n) / rate));
            if (due >= end)
                break;
            std::this_thread::sleep_until(due);
            auto& b = bullets_[n % bullets_.size()];
            http::request<http::string_body> req{http::verb::post, target, 11};
            req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
            req.set(http::field::content_type, "application/json");
            req.body() = boost::json::serialize(boost::json::object{
                {"op", "bullet.edit"},
                {"bullet", b.key},
                {"revision", b.revision},
                {"text", b.text + " " + std::string(marker) + std::to_string(n) + ")"}});
            req.prepare_payload();
            auto const written = steady::now();
            sent_ns_[n].store(nanos(written.time_since_epoch()), std::memory_order_release);
            r.send_lag_ns.push_back(nanos(written - due));
            http::write(socket, req);
            ++r.sent;
            http::response<http::string_body> res;
            http::read(socket, buffer, res);
            r.answer_ns.push_back(nanos(steady::now() - written));
            boost::system::error_code ec;
            auto const v = boost::json::parse(res.body(), ec);
            auto const* revision =
                ec || !v.is_object() ? nullptr : v.as_object().if_contains("revision");
            if (revision && res.result() == http::status::ok) {
                ++r.accepted;
                b.revision = revision->to_number<std::uint64_t>();
            } else {
                ++r.refused;
                if (r.first_refusal.empty())
                    r.first_refusal = std::to_string(res.result_int()) + " " + res.body() +
                                      " (bullet " + b.key + " at revision " +
                                      std::to_string(b.revision) + ")";
                if (revision) // stale: go on from the bullet's revision now
                    b.revision = revision->to_number<std::uint64_t>();
            }
        }
        return r;
    }

private:
    net::io_context ioc_;
    unsigned short port_;
    std::vector<bullet> bullets_;
    std::vector<std::atomic<std::int64_t>>& sent_ns_;
};

struct run_result {
    bool edits = false;
    bool ok = true;
    std::string problem;
    std::size_t bullets = 0;
    std::size_t frames = 0;
    distribution ack;                    ///< the source's, over the played frames
    distribution edit_seen, edit_kernel; ///< POST written -> viewer received / kernel
    distribution answer, editor_send_lag;
    editor_result editor;
    std::uint64_t edits_seen = 0, edits_expected = 0;
    double wall = 0, daemon_cpu = 0;
    double bytes_sent = 0; ///< to the viewers, as they received it
    double updates_published = 0;
    std::string load_before, load_after;
    std::size_t largest_edit_update = 0;
};

/// The viewers' side of the edit measurement: which edits each has seen, and when.
struct edit_watch {
    edit_watch(std::size_t viewers, std::size_t edits, std::vector<std::atomic<std::int64_t>>& sent)
        : seen(viewers, std::vector<bool>(edits, false)), sent_ns(sent) {}

    void on_message(std::size_t viewer, std::string_view m, steady::time_point received,
                    std::int64_t kernel_ns) {
        bool any = false;
        for_each_edit_marker(m, [&](std::size_t n) {
            if (n >= sent_ns.size() || seen[viewer][n])
                return;
            auto const sent = sent_ns[n].load(std::memory_order_acquire);
            if (sent == 0)
                return;
            seen[viewer][n] = true;
            any = true;
            latency_ns.push_back(nanos(received.time_since_epoch()) - sent);
            if (kernel_ns != 0)
                kernel_latency_ns.push_back(kernel_ns - sent);
        });
        if (any)
            largest = std::max(largest, m.size());
        bytes += m.size();
    }

    std::vector<std::vector<bool>> seen;
    std::vector<std::atomic<std::int64_t>>& sent_ns;
    std::vector<std::int64_t> latency_ns, kernel_latency_ns;
    std::size_t largest = 0;
    std::uint64_t bytes = 0; ///< of every update and resync the viewers received
};

/// The last seq the daemon holds of the session (GET /ingest/{session}/seq); 0 if none yet.
std::uint64_t held_seq(unsigned short port) {
    auto const r = http_get(port, std::string("/ingest/") + session_id + "/seq");
    return r.status == 200 ? minuted::testing::number_after(r.body, R"("seq":)").value_or(0) : 0;
}

/// One run: a fresh daemon, the prefill, the viewers, then `opt.seconds` played, with an
/// editor at `opt.rate` if `with_edits`.
run_result run_once(options const& opt, bool with_edits,
                    std::vector<minuted::daemon::replay_frame> const& frames) {
    run_result res;
    res.edits = with_edits;
    auto payloads = std::make_shared<payload_list>();
    std::size_t prefill = 0;
    double const prefill_at = opt.prefill_minutes * 60 / opt.speed; // in the frames' time
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (frames[i].kind == minuted::protocol::ingest_kind::close ||
            frames[i].at_seconds >= prefill_at + opt.seconds)
            break;
        if (frames[i].at_seconds < prefill_at)
            prefill = i + 1;
        payloads->push_back(minuted::daemon::frame_json(frames[i], i + 1));
    }
    res.frames = payloads->size() - prefill;

    daemon_process daemon({.config = daemon_config(),
                           .binary = opt.daemon,
                           .output_limit = 4'000'000,
                           .stop_timeout = std::chrono::seconds(5)});
    auto const fail = [&](std::string why) {
        if (res.ok)
            note("%s", why.c_str());
        res.ok = false;
        res.problem = std::move(why);
    };

    // The io_contexts outlive the sockets that use them.
    std::atomic<std::size_t> opened{0}, finished{0};
    io_thread ingest;
    io_thread client_thread;
    std::shared_ptr<ingest_stream> stream;
    fanout_client client(client_thread.context(), daemon.port());
    auto const max_edits =
        with_edits ? static_cast<std::size_t>(std::ceil(opt.seconds * opt.rate)) : 0;
    std::vector<std::atomic<std::int64_t>> sent_ns(max_edits);
    edit_watch watch(opt.viewers, max_edits, sent_ns);

    ingest.call([&] {
        stream = std::make_shared<ingest_stream>(ingest.context(), daemon.port(), session_id,
                                                 payloads, opened, finished);
        stream->open();
    });
    if (!wait_until([&] { return opened.load() == 1; }, std::chrono::seconds(30)))
        fail("session not opened");
    // One schedule for the source: the prefill at once, the played part from `play_start`,
    // which leaves the viewers time to connect in between.
    auto const now = steady::now();
    auto const play_start = now + std::chrono::seconds(30);
    auto const play_end = play_start + std::chrono::duration_cast<steady::duration>(
                                           std::chrono::duration<double>(opt.seconds));
    std::vector<steady::time_point> schedule(payloads->size(), now);
    for (std::size_t i = prefill; i < payloads->size(); ++i)
        schedule[i] =
            play_start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                             frames[i].at_seconds - frames[prefill].at_seconds));
    std::vector<bullet> bullets;
    if (res.ok) {
        ingest.call([&] { stream->start(schedule); });
        if (!wait_until([&] { return held_seq(daemon.port()) >= prefill; },
                        std::chrono::seconds(20)))
            fail("prefill not taken within 20 s");
    }
    if (res.ok) {
        bullets = bullets_of(daemon.port());
        res.bullets = bullets.size();
        if (bullets.empty())
            fail("the prefilled minutes have no bullets");
    }
    if (res.ok) {
        client_thread.call([&] {
            client.observer = [&watch](std::size_t v, std::string_view m, steady::time_point at,
                                       std::int64_t kernel_ns) {
                watch.on_message(v, m, at, kernel_ns);
            };
            client.connect({session_id}, opt.viewers);
        });
        if (!wait_until([&] { return client.ready.load() + client.failed.load() >= opt.viewers; },
                        std::chrono::seconds(25)) ||
            client.failed.load() > 0 || steady::now() >= play_start)
            fail("viewers not connected before the played part: " +
                 std::to_string(client.ready.load()) + " of " + std::to_string(opt.viewers));
        note("%s run: %zu frames prefilled, %zu bullets, %zu viewers",
             with_edits ? "edit" : "quiet", prefill, bullets.size(), client.ready.load());
    }
    std::vector<std::vector<std::int64_t>> schedules_ns(1);
    for (auto const& at : schedule)
        schedules_ns[0].push_back(nanos(at.time_since_epoch()));
    auto const offset = realtime_minus_steady_ns();
    client_thread.call([&] { client.install(std::move(schedules_ns), offset); });

    std::this_thread::sleep_until(play_start);
    res.load_before = load_average();
    auto const cpu_0 = process_cpu_seconds(daemon.pid());
    auto const metrics_0 = http_get(daemon.port(), "/metrics").body;
    auto const wall_0 = steady::now();
    if (res.ok && with_edits) {
        try {
            editor e(daemon.port(), bullets, sent_ns);
            res.editor = e.run(play_start + std::chrono::milliseconds(100), opt.rate, play_end);
        } catch (std::exception const& ex) {
            fail(std::string("editor: ") + ex.what());
        }
    }
    if (res.ok && !wait_until([&] { return finished.load() == 1; },
                              std::chrono::duration_cast<std::chrono::milliseconds>(play_end -
                                                                                    steady::now()) +
                                  std::chrono::seconds(30)))
        fail("the source's frames were not all acknowledged");
    // The last edits reach the viewers within moments.
    auto const expected = res.editor.accepted * opt.viewers;
    wait_until(
        [&] {
            std::size_t seen = 0;
            client_thread.call([&] { seen = watch.latency_ns.size(); });
            return seen >= expected;
        },
        std::chrono::seconds(10));
    res.wall = seconds_since(wall_0);
    res.daemon_cpu = process_cpu_seconds(daemon.pid()) - cpu_0;
    auto const metrics_1 = http_get(daemon.port(), "/metrics").body;
    auto const delta = [&](char const* m) {
        return find_metric(metrics_1, m).value_or(0) - find_metric(metrics_0, m).value_or(0);
    };
    res.updates_published = delta("minuted_updates_published_total");
    res.load_after = load_average();

    client_thread.call([&] { client.stop(); });
    daemon.stop();
    client_thread.stop();
    ingest.stop();

    auto const& r = stream->result();
    if (!r.failure.empty())
        fail(r.failure);
    std::vector<std::int64_t> ack;
    for (std::size_t k = 0; k < r.ack_frame.size(); ++k)
        if (r.ack_frame[k] >= prefill)
            ack.push_back(r.ack_latency_ns[k]);
    res.ack = distribution_of(ack);
    res.edit_seen = distribution_of(watch.latency_ns);
    res.edit_kernel = distribution_of(watch.kernel_latency_ns);
    res.edits_seen = res.edit_seen.count;
    res.edits_expected = expected;
    res.answer = distribution_of(res.editor.answer_ns);
    res.editor_send_lag = distribution_of(res.editor.send_lag_ns);
    res.largest_edit_update = watch.largest;
    res.bytes_sent = static_cast<double>(watch.bytes);
    if (!client.first_failure.empty())
        fail(client.first_failure);
    return res;
}

std::string ms(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : "%.1f", v);
    return buf;
}

void print(options const& opt, std::vector<run_result> const& results) {
    std::printf("\n### Edit to viewer: POST written to the viewer receiving the update that shows "
                "it\n\n");
    std::printf("| run | edits sent / accepted | bullets | viewer samples / expected | p50 ms | "
                "p99 ms | max ms | kernel timestamp p50 / p99 / max ms | p99 < %g ms? | editor's "
                "answer p50 / p99 ms | largest update with an edit |\n",
                target_edit_p99_ms);
    std::printf("|---|--:|--:|--:|--:|--:|--:|---|---|---|--:|\n");
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto const& r = results[i];
        if (!r.edits)
            continue;
        std::printf(
            "| %zu | %zu / %zu | %zu | %s / %s | %s | %s | %s | %s / %s / %s | %s | %s / %s "
            "| %s B |\n",
            i + 1, r.editor.sent, r.editor.accepted, r.bullets, with_commas(r.edits_seen).c_str(),
            with_commas(r.edits_expected).c_str(), ms(r.edit_seen.p50).c_str(),
            ms(r.edit_seen.p99).c_str(), ms(r.edit_seen.max).c_str(), ms(r.edit_kernel.p50).c_str(),
            ms(r.edit_kernel.p99).c_str(), ms(r.edit_kernel.max).c_str(),
            !r.ok                                  ? "no result"
            : r.edit_seen.p99 < target_edit_p99_ms ? "yes"
                                                   : "no",
            ms(r.answer.p50).c_str(), ms(r.answer.p99).c_str(),
            with_commas(r.largest_edit_update).c_str());
    }
    std::printf("\n### The source's ack latency (scheduled send to ack) over the %g s played\n\n",
                opt.seconds);
    std::printf("| run | editor | frames acked | ack p50 ms | ack p99 ms | ack max ms | daemon CPU "
                "| updates published | MB to the viewers | load before / after |\n");
    std::printf("|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto const& r = results[i];
        std::printf("| %zu | %s | %s / %zu | %s | %s | %s | %.0f %% | %s | %.1f | %s / %s |\n",
                    i + 1, r.edits ? (ms(opt.rate) + " edits/s").c_str() : "none",
                    with_commas(r.ack.count).c_str(), r.frames, ms(r.ack.p50).c_str(),
                    ms(r.ack.p99).c_str(), ms(r.ack.max).c_str(),
                    100 * r.daemon_cpu / std::max(r.wall, 1e-9),
                    with_commas(static_cast<std::uint64_t>(r.updates_published)).c_str(),
                    r.bytes_sent / 1e6, r.load_before.c_str(), r.load_after.c_str());
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto const& r = results[i];
        if (!r.problem.empty())
            std::printf("\nrun %zu: PROBLEM: %s\n", i + 1, r.problem.c_str());
        if (!r.editor.first_refusal.empty())
            std::printf("\nrun %zu: %zu edits refused, the first: %s\n", i + 1, r.editor.refused,
                        r.editor.first_refusal.c_str());
        if (r.edits && r.editor_send_lag.max > 20)
            std::printf("\nrun %zu: the editor sent late (waiting for answers): p99 %s ms, max %s "
                        "ms\n",
                        i + 1, ms(r.editor_send_lag.p99).c_str(),
                        ms(r.editor_send_lag.max).c_str());
    }
}

bool parse_count(std::string_view s, std::size_t& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && out > 0;
}

bool parse_number(std::string_view s, double& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && out > 0;
}

std::optional<options> parse_options(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return std::nullopt;
        std::string_view const a = argv[i];
        std::string_view const v = argv[i + 1];
        if (a == "--seconds" && parse_number(v, opt.seconds)) {
        } else if (a == "--speed" && parse_number(v, opt.speed)) {
        } else if (a == "--viewers" && parse_count(v, opt.viewers)) {
        } else if (a == "--rate" && parse_number(v, opt.rate)) {
        } else if (a == "--runs" && parse_count(v, opt.runs)) {
        } else if (a == "--prefill" && parse_number(v, opt.prefill_minutes)) {
        } else if (a == "--meeting" && (v == "dccg" || v == "long")) {
            opt.long_meeting = v == "long";
        } else if (a == "--daemon") {
            opt.daemon = std::string(v);
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
        std::fprintf(
            stderr,
            "usage: minuted_edit_bench [--seconds S] [--speed X] [--viewers N] "
            "[--rate R] [--runs N]\n"
            "                          [--prefill MIN] [--meeting dccg|long] [--daemon PATH]\n");
        return 64;
    }
    auto const& opt = *parsed;
    std::signal(SIGPIPE, SIG_IGN);
    // One descriptor per viewer: allow as many as the hard limit does.
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }

    std::vector<minuted::daemon::replay_frame> frames;
    try {
        minuted::daemon::replay_options replay;
        replay.speed = opt.speed;
        frames = minuted::daemon::make_replay_frames(
            opt.long_meeting ? minuted::bench::long_meeting()
                             : minuted::bench::read_file(minuted::bench::dccg_transcript()),
            replay);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_edit_bench: %s\n", e.what());
        return 1;
    }
    std::printf("minuted_edit_bench: daemon %s\n", opt.daemon.c_str());
    std::printf("%s at %gx: %g min prefilled, then %g s played open-loop (%.1f min "
                "of the meeting); %zu viewers; %g edits/s in edit runs; %u cores; load average "
                "%s\n",
                opt.long_meeting ? "The corpus as one 3-hour meeting" : "DCCG meeting 90",
                opt.speed, opt.prefill_minutes, opt.seconds, opt.seconds * opt.speed / 60,
                opt.viewers, opt.rate, std::thread::hardware_concurrency(), load_average().c_str());

    int status = 0;
    try {
        // Without and with edits in turn, so a change in the machine's load touches both.
        std::vector<run_result> results;
        for (std::size_t i = 0; i < opt.runs; ++i)
            for (bool const edits : {false, true}) {
                results.push_back(run_once(opt, edits, frames));
                if (!results.back().ok)
                    status = 1;
            }
        print(opt, results);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_edit_bench: %s\n", e.what());
        return 1;
    }
    std::printf("\nload average at the end: %s\n", load_average().c_str());
    return status;
}
