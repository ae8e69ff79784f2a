// minuted_ingest_bench: caption ingest with journaling: how many caption events per
// second the daemon acknowledges, each only once its journal's group commit has fsynced it.
//
// Starts the real minuted binary (`minuted serve --listen 127.0.0.1:0`, its own temporary
// state directory, `[server] threads` and `[journal] commit_interval` from the options) and
// drives it over loopback only. Each of C sessions gets one caption source: a Beast WebSocket
// client on /ingest/bench-{i}, all of them on one thread of this program, that sends the DCCG
// meeting word by word (`make_replay_frames`; the meeting starts again with new seqs when it
// runs out, and no close frame is ever sent) with up to W frames unacknowledged. Acks are
// cumulative and come in batches, one group commit at a time.
//
//   --speed max: closed loop, a frame goes out as soon as the window has room; latency is
//     ack received - frame written.
//   --speed K:   open loop at K times real time (180 words/min x K per session, the sessions'
//     schedules spread over one frame interval); a frame due while the window is full waits,
//     and latency is ack received - the frame's *scheduled* send time, so a slow daemon cannot
//     hide behind a slow sender. A source's timer wakes at most once a millisecond and then
//     sends every frame that is due.
//
// After a warm-up (3 s) it measures for --seconds: events acknowledged per second, per second
// of daemon CPU (utime + stime from /proc/PID/stat), the daemon's CPU and RSS, ack latency,
// fsyncs per second (`minuted_journal_commits_total` from /metrics) and bytes journaled per
// second (growth of STATE/live/*.journal). Then it stops sending, waits for every frame in
// flight to be acknowledged and checks that nothing was lost: GET /ingest/bench-{i}/seq must
// equal the last seq acknowledged to source i. Prints Markdown.
//
// It measures and never fails on the numbers; it exits 1 if the daemon cannot be started or
// driven, or if an acknowledged event was lost.
//
// usage: minuted_ingest_bench [--sessions C] [--seconds S] [--warmup S] [--window W]
//                             [--threads N] [--commit-interval MS] [--speed max|K]
//                             [--archive M] [--searchers N] [--daemon PATH]
//
// With --archive M the daemon starts with M archived meetings made from the corpus
// (tests/bench/archive_corpus.hpp), and with --searchers N that many clients search them
// (GET /api/archive?q=, each waiting for its answer before the next, queries from common words
// to prefixes that hit the 500 ms cap) while the sources are measured: the ack latency above
// is then the live captions' during concurrent searches. Whatever the options, a prober sends
// GET /healthz every 20 ms while measuring, and its latency is printed.

#include "daemon/client/replay.hpp"
#include "tests/bench/archive_corpus.hpp"
#include "tests/bench/corpus.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/measure.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace minuted::bench;
using namespace minuted::testing;

// Target: room for hundreds of live meetings per core, each a few caption events a second.
constexpr double target_events_per_core_second = 5000;

struct options {
    std::size_t sessions = 10;
    double seconds = 20;         ///< measured, after the warm-up
    double warmup = 3;           ///< seconds of sending before measuring
    std::size_t window = 512;    ///< frames in flight per source
    std::size_t threads = 1;     ///< the daemon's [server] threads
    std::size_t commit_ms = 50;  ///< the daemon's [journal] commit_interval
    std::optional<double> speed; ///< open loop at this multiple of real time; unset: max
    std::size_t archive = 0;     ///< archived meetings the daemon starts with
    std::size_t searchers = 0;   ///< clients searching the archive while measuring
    std::string daemon = MINUTED_BINARY;
};

void note(char const* format, auto... args) {
    std::fprintf(stderr, "minuted_ingest_bench: ");
    std::fprintf(stderr, format, args...);
    std::fputc('\n', stderr);
}

// ---------------------------------------------------------------------------------------
// The frames: the DCCG meeting word by word, over and over.

/// Frame `seq` (from 1) of an endless meeting: the DCCG meeting's text frames, lap after lap,
/// seq rising across laps. Its JSON is made from two pieces cut around the seq number once,
/// so a source spends no time serialising.
class caption_loop {
public:
    explicit caption_loop(std::vector<minuted::daemon::replay_frame> frames) {
        if (!frames.empty() && frames.back().kind == minuted::protocol::ingest_kind::close) {
            lap_seconds_ = frames.back().at_seconds;
            frames.pop_back();
        }
        if (frames.empty())
            throw std::runtime_error("the DCCG transcript gave no frames");
        for (auto const& f : frames) {
            auto const json = minuted::daemon::frame_json(f, 0);
            auto const at = json.find(R"("seq":0)");
            if (at == std::string::npos)
                throw std::runtime_error("frame_json has no \"seq\":0 in " + json);
            auto const cut = at + 6;
            prefix_.push_back(json.substr(0, cut));
            suffix_.push_back(json.substr(cut + 1));
            at_.push_back(f.at_seconds);
        }
        if (lap_seconds_ <= at_.back())
            lap_seconds_ = at_.back() + (at_.size() > 1 ? at_[1] - at_[0] : 0);
        // The pieces must give exactly what frame_json gives.
        for (std::uint64_t seq : {1ULL, 2ULL, 1000ULL, frames.size() + 7ULL})
            if (json(seq) != minuted::daemon::frame_json(frames[(seq - 1) % frames.size()], seq))
                throw std::runtime_error("caption_loop disagrees with frame_json at seq " +
                                         std::to_string(seq));
    }

    std::size_t lap_frames() const noexcept { return at_.size(); }
    double lap_seconds() const noexcept { return lap_seconds_; }

    std::string json(std::uint64_t seq) const {
        auto const i = (seq - 1) % at_.size();
        char digits[24];
        auto const end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
        std::string out;
        out.reserve(prefix_[i].size() + 20 + suffix_[i].size());
        out += prefix_[i];
        out.append(digits, end);
        out += suffix_[i];
        return out;
    }

    /// When frame `seq` is due after the start of the replay, in ns.
    std::int64_t due_ns(std::uint64_t seq) const {
        auto const lap = (seq - 1) / at_.size();
        auto const s = static_cast<double>(lap) * lap_seconds_ + at_[(seq - 1) % at_.size()];
        return std::llround(s * 1e9);
    }

private:
    std::vector<std::string> prefix_, suffix_;
    std::vector<double> at_;
    double lap_seconds_ = 0;
};

// ---------------------------------------------------------------------------------------
// Caption sources: all on the client thread.

/// What the main thread waits for.
struct client_counters {
    std::atomic<std::size_t> opened{0};  ///< sources welcomed, or failed
    std::atomic<std::size_t> drained{0}; ///< sources stopped with everything acked, or failed
    std::atomic<std::size_t> failed{0};
};

/// What one source did.
struct source_stats {
    std::uint64_t written = 0;      ///< frames written (seq of the last)
    std::uint64_t acked = 0;        ///< last seq acknowledged
    std::uint64_t ack_messages = 0; ///< ack messages read
    std::uint64_t nacks = 0;
    std::uint64_t errors = 0;              ///< other messages than acks
    std::vector<std::int64_t> latency_ns;  ///< while measuring: ack - written or - scheduled
    std::vector<std::int64_t> send_lag_ns; ///< while measuring, open loop: written - scheduled
    std::string failure;
};

/// One caption source on /ingest/{id}. `open` connects and opens the session; `start` sends
/// frames, at most `window` unacknowledged, as fast as acks allow or (open loop) each when
/// due; `stop_sending` sends no more and counts the source drained once all it wrote is
/// acknowledged. Every member function runs on the client thread.
class ingest_source : public std::enable_shared_from_this<ingest_source> {
public:
    ingest_source(net::io_context& ioc, unsigned short port, std::string id,
                  caption_loop const& captions, std::size_t window, bool open_loop,
                  client_counters& counters)
        : ws_(ioc), timer_(ioc), port_(port), id_(std::move(id)), captions_(captions),
          window_(window), open_loop_(open_loop), counters_(counters), sent_ns_(window) {}

    void open() {
        ws_.next_layer().async_connect(
            tcp::endpoint(net::ip::address_v4::loopback(), port_),
            beast::bind_front_handler(&ingest_source::on_connect, shared_from_this()));
    }

    /// Open loop: frame seq is due at `origin` + its time in the meeting.
    void start(steady::time_point origin) {
        if (failed_)
            return;
        origin_ns_ = nanos(origin.time_since_epoch());
        do_read();
        if (open_loop_)
            on_timer({});
        else
            release();
    }

    void set_measuring(bool on) noexcept { measuring_ = on; }

    void stop_sending() {
        stopping_ = true;
        timer_.cancel();
        check_drained();
    }

    void close() {
        timer_.cancel();
        if (failed_ || closing_)
            return;
        closing_ = true;
        ws_.async_close(websocket::close_code::normal,
                        [self = shared_from_this()](beast::error_code) {});
    }

    std::string const& id() const noexcept { return id_; }
    source_stats& stats() noexcept { return stats_; }

private:
    void on_connect(beast::error_code ec) {
        if (ec)
            return fail(ec, "connect");
        ws_.next_layer().set_option(tcp::no_delay(true));
        ws_.async_handshake(
            "127.0.0.1:" + std::to_string(port_), "/ingest/" + id_,
            beast::bind_front_handler(&ingest_source::on_handshake, shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (ec)
            return fail(ec, "handshake");
        ws_.text(true);
        out_ = boost::json::serialize(
            boost::json::object{{"type", "open"}, {"title", "ingest bench " + id_}});
        ws_.async_write(net::buffer(out_),
                        beast::bind_front_handler(&ingest_source::on_open, shared_from_this()));
    }

    void on_open(beast::error_code ec, std::size_t) {
        if (ec)
            return fail(ec, "open");
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&ingest_source::on_welcome, shared_from_this()));
    }

    void on_welcome(beast::error_code ec, std::size_t) {
        if (ec)
            return fail(ec, "welcome");
        auto const text = beast::buffers_to_string(buffer_.data());
        buffer_.clear();
        auto const held = number_after(text, R"("ack":)");
        if (!text.starts_with(R"({"type":"welcome")") || !held)
            return fail({}, ("no welcome: " + text).c_str());
        // A fresh state directory holds nothing; resume after whatever it holds anyway.
        stats_.acked = stats_.written = *held;
        opened_ = true;
        counters_.opened.fetch_add(1);
    }

    std::int64_t due_ns(std::uint64_t seq) const { return origin_ns_ + captions_.due_ns(seq); }

    // Every frame due by now may go; the next wake-up is at the next frame's time, but at most
    // one per millisecond, so a fast schedule costs this client one wake-up per millisecond.
    void on_timer(beast::error_code ec) {
        if (ec || failed_ || stopping_)
            return;
        auto const now = nanos(steady::now().time_since_epoch());
        while (due_ns(due_ + 1) <= now)
            ++due_;
        release();
        auto const next = std::max(due_ns(due_ + 1), now + 1'000'000);
        timer_.expires_at(steady::time_point(
            std::chrono::duration_cast<steady::duration>(std::chrono::nanoseconds(next))));
        timer_.async_wait(beast::bind_front_handler(&ingest_source::on_timer, shared_from_this()));
    }

    // Lets out what the window (and, open loop, the schedule) allows.
    void release() {
        if (stopping_ || failed_)
            return;
        auto limit = stats_.acked + window_;
        if (open_loop_)
            limit = std::min(limit, due_);
        if (!writing_ && stats_.written < limit)
            do_write();
    }

    void do_write() {
        writing_ = true;
        auto const seq = stats_.written + 1;
        out_ = captions_.json(seq);
        auto const now = nanos(steady::now().time_since_epoch());
        sent_ns_[seq % window_] = now;
        if (open_loop_ && measuring_)
            stats_.send_lag_ns.push_back(now - due_ns(seq));
        ws_.async_write(net::buffer(out_),
                        beast::bind_front_handler(&ingest_source::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        writing_ = false;
        if (ec)
            return fail(ec, "write");
        ++stats_.written;
        release();
        check_drained();
    }

    void do_read() {
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&ingest_source::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        auto const now = nanos(steady::now().time_since_epoch());
        if (ec) {
            if (closing_)
                return;
            return fail(ec, "read");
        }
        auto const data = buffer_.cdata();
        std::string_view const text(static_cast<char const*>(data.data()), data.size());
        if (text.starts_with(R"({"type":"ack")")) {
            ++stats_.ack_messages;
            auto const seq = number_after(text, R"("seq":)").value_or(0);
            // Cumulative: everything up to seq is held. Only frames written can be acked.
            if (seq > stats_.acked && seq <= stats_.written + (writing_ ? 1 : 0)) {
                if (measuring_)
                    for (auto s = stats_.acked + 1; s <= seq; ++s)
                        stats_.latency_ns.push_back(
                            now - (open_loop_ ? due_ns(s) : sent_ns_[s % window_]));
                stats_.acked = seq;
            } else if (seq > stats_.acked) {
                buffer_.clear();
                return fail({}, ("ack beyond what was sent: " + std::string(text)).c_str());
            }
        } else if (text.starts_with(R"({"type":"nack")")) {
            ++stats_.nacks;
            if (stats_.failure.empty())
                stats_.failure = "daemon said: " + std::string(text);
        } else {
            ++stats_.errors;
            if (stats_.failure.empty())
                stats_.failure = "daemon said: " + std::string(text);
        }
        buffer_.clear();
        release();
        check_drained();
        do_read();
    }

    void check_drained() {
        if (stopping_ && !drained_ && !writing_ && stats_.acked >= stats_.written) {
            drained_ = true;
            counters_.drained.fetch_add(1);
        }
    }

    void fail(beast::error_code ec, char const* what) {
        if (failed_)
            return;
        failed_ = true;
        stats_.failure = "source " + id_ + ": " + what + (ec ? ": " + ec.message() : "");
        timer_.cancel();
        counters_.failed.fetch_add(1);
        // Nobody waits for what will not come.
        if (!opened_) {
            opened_ = true;
            counters_.opened.fetch_add(1);
        }
        if (!drained_) {
            drained_ = true;
            counters_.drained.fetch_add(1);
        }
    }

    websocket::stream<tcp::socket> ws_;
    net::steady_timer timer_;
    unsigned short port_;
    std::string id_;
    caption_loop const& captions_;
    std::size_t window_;
    bool open_loop_;
    client_counters& counters_;
    std::vector<std::int64_t> sent_ns_; ///< by seq % window: when it was written
    std::int64_t origin_ns_ = 0;
    std::uint64_t due_ = 0; ///< open loop: frames due so far
    beast::flat_buffer buffer_;
    std::string out_; ///< the message being written
    bool writing_ = false;
    bool measuring_ = false;
    bool stopping_ = false;
    bool opened_ = false;
    bool drained_ = false;
    bool failed_ = false;
    bool closing_ = false;
    source_stats stats_;
};

// ---------------------------------------------------------------------------------------
// Readings of the daemon at the start and the end of the measured interval.

/// Sum of the sizes of STATE/live/*.journal.
std::uint64_t journal_bytes(std::filesystem::path const& state_dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto const& e : std::filesystem::directory_iterator(state_dir / "live", ec))
        if (e.path().extension() == ".journal") {
            auto const size = e.file_size(ec);
            if (!ec)
                total += size;
        }
    return total;
}

/// CPU seconds of each thread of process `pid`, by thread id.
std::map<pid_t, double> thread_cpu_by_tid(pid_t pid) {
    std::map<pid_t, double> out;
    std::error_code ec;
    auto const task = std::filesystem::path("/proc") / std::to_string(pid) / "task";
    for (auto const& e : std::filesystem::directory_iterator(task, ec)) {
        pid_t tid = 0;
        auto const name = e.path().filename().string();
        std::from_chars(name.data(), name.data() + name.size(), tid);
        if (tid > 0)
            out[tid] = stat_cpu_seconds(e.path() / "stat");
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Archive searches and /healthz probes beside the sources.

/// GET `target` on a connection of its own; the status, 0 if the request failed.
unsigned get_status(unsigned short port, std::string const& target) {
    namespace http = beast::http;
    try {
        net::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(30));
        stream.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "127.0.0.1");
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        return res.result_int();
    } catch (std::exception const&) {
        return 0;
    }
}

/// Searchers and a /healthz prober, each on a thread of its own, from `start` until `stop`.
class side_load {
public:
    side_load(unsigned short port, std::size_t searchers) : port_(port), searchers_(searchers) {}
    ~side_load() { stop(); }

    void start() {
        for (std::size_t i = 0; i < searchers_; ++i)
            threads_.emplace_back([this, i] { search(i); });
        threads_.emplace_back([this] { probe(); });
    }
    void stop() {
        stopping_ = true;
        for (auto& t : threads_)
            if (t.joinable())
                t.join();
        threads_.clear();
    }

    // Read once stopped.
    std::vector<std::int64_t> search_ns, health_ns;
    std::map<unsigned, std::uint64_t> search_status; ///< searches by answer (0: failed)

private:
    void search(std::size_t first) {
        // From what a reader types (a word, two, a phrase, a speaker) to prefixes that match
        // nearly every turn and run into the daemon's 500 ms cap (400).
        static constexpr char const* queries[] = {
            "agenda",       "working%20group",         "%22next%20agenda%20item%22", "neutral*",
            "a*%20OR%20e*", "proposal&speaker=kummer", "decorator%20OR%20iterator",  "t*"};
        std::vector<std::int64_t> times;
        std::map<unsigned, std::uint64_t> statuses;
        for (std::size_t n = first; !stopping_; ++n) {
            auto const t = steady::now();
            auto const status =
                get_status(port_, std::string("/api/archive?q=") + queries[n % std::size(queries)]);
            times.push_back(nanos(steady::now() - t));
            ++statuses[status];
        }
        std::lock_guard lock(mutex_);
        search_ns.insert(search_ns.end(), times.begin(), times.end());
        for (auto const& [status, count] : statuses)
            search_status[status] += count;
    }
    void probe() {
        std::vector<std::int64_t> times;
        while (!stopping_) {
            auto const t = steady::now();
            if (get_status(port_, "/healthz") == 200)
                times.push_back(nanos(steady::now() - t));
            std::this_thread::sleep_until(t + std::chrono::milliseconds(20));
        }
        std::lock_guard lock(mutex_);
        health_ns = std::move(times);
    }

    unsigned short port_;
    std::size_t searchers_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

struct reading {
    steady::time_point at;
    std::uint64_t acked = 0;   ///< events acked, all sources
    std::uint64_t written = 0; ///< frames written, all sources
    cpu_seconds daemon_cpu;
    std::map<pid_t, double> daemon_threads;
    double client_cpu = 0;
    machine_cpu machine;
    double commits = 0;
    double failures = 0;
    std::uint64_t journal = 0;
};

struct result {
    bool ok = true;
    std::string problem;
    double wall = 0;
    std::uint64_t acked = 0, written = 0;
    double daemon_cpu = 0, daemon_user = 0, daemon_system = 0;
    double client_cpu = 0, machine_busy = 0, commits = 0, commit_failures = 0;
    std::uint64_t journal = 0;
    std::vector<std::pair<pid_t, double>> daemon_threads; ///< CPU s over the interval
    distribution latency, send_lag;
    distribution search, health; ///< archive searches' and /healthz's latency while measuring
    std::map<unsigned, std::uint64_t> search_status;
    std::size_t archived_turns = 0;
    long rss_kib = 0, hwm_kib = 0;
    std::uint64_t ack_messages = 0, nacks = 0, errors = 0;
    std::string load_before, load_after;
    // The check after draining.
    std::size_t sessions_checked = 0, sessions_matching = 0;
    std::uint64_t total_acked = 0;
    std::vector<std::string> mismatches;
    std::vector<std::string> complaints;
};

result run(options const& opt, caption_loop const& captions) {
    result res;
    auto const fail = [&](std::string why) {
        note("%s", why.c_str());
        res.ok = false;
        if (res.problem.empty())
            res.problem = std::move(why);
    };

    std::ostringstream config;
    config << "[server]\nthreads = " << opt.threads << "\n[journal]\ncommit_interval = \""
           << opt.commit_ms << "ms\"\n";
    daemon_process daemon({.config = config.str(),
                           .binary = opt.daemon,
                           .prepare =
                               [&](std::filesystem::path const& state) {
                                   if (opt.archive == 0)
                                       return;
                                   std::filesystem::create_directories(state / "archive");
                                   res.archived_turns =
                                       build_archive(state / "archive" / "index.sqlite",
                                                     archive_corpus(), opt.archive);
                               },
                           .output_limit = 4'000'000,
                           .stop_timeout = std::chrono::seconds(5)});
    note("minuted pid %d on 127.0.0.1:%u, state in %s", static_cast<int>(daemon.pid()),
         daemon.port(), daemon.state_dir().c_str());

    client_counters counters;
    io_thread client; // outlives the sources' sockets
    std::vector<std::shared_ptr<ingest_source>> sources;
    client.call([&] {
        for (std::size_t i = 0; i < opt.sessions; ++i) {
            sources.push_back(std::make_shared<ingest_source>(
                client.context(), daemon.port(), "bench-" + std::to_string(i), captions, opt.window,
                opt.speed.has_value(), counters));
            sources.back()->open();
        }
    });
    if (!wait_until([&] { return counters.opened.load() == opt.sessions; },
                    std::chrono::seconds(30)) ||
        counters.failed.load() > 0)
        fail("sessions not opened: " + std::to_string(counters.opened.load() - counters.failed) +
             " of " + std::to_string(opt.sessions));

    auto const read_all = [&](bool measuring) {
        reading r;
        client.call([&] {
            for (auto const& s : sources) {
                r.acked += s->stats().acked;
                r.written += s->stats().written;
                s->set_measuring(measuring);
            }
        });
        r.at = steady::now();
        r.daemon_cpu = stat_cpu("/proc/" + std::to_string(daemon.pid()) + "/stat");
        r.daemon_threads = thread_cpu_by_tid(daemon.pid());
        r.client_cpu = thread_cpu_seconds(client.thread());
        r.machine = machine_cpu_now();
        auto const metrics = http_get(daemon.port(), "/metrics").body;
        r.commits = find_metric(metrics, "minuted_journal_commits_total").value_or(0);
        r.failures = find_metric(metrics, "minuted_journal_failures_total").value_or(0);
        r.journal = journal_bytes(daemon.state_dir());
        return r;
    };

    if (res.ok) {
        // Open loop: session i starts i/C of a frame interval after session 0, so the
        // sessions' frames interleave instead of arriving together.
        auto const origin = steady::now() + std::chrono::milliseconds(100);
        auto const interval = captions.lap_seconds() / static_cast<double>(captions.lap_frames());
        client.call([&] {
            for (std::size_t i = 0; i < sources.size(); ++i)
                sources[i]->start(
                    origin +
                    std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                        interval * static_cast<double>(i) / static_cast<double>(sources.size()))));
        });
        std::this_thread::sleep_until(origin + std::chrono::duration_cast<steady::duration>(
                                                   std::chrono::duration<double>(opt.warmup)));
        res.load_before = load_average();
        side_load side(daemon.port(), opt.searchers);
        auto const a = read_all(true);
        side.start();
        std::this_thread::sleep_until(a.at + std::chrono::duration_cast<steady::duration>(
                                                 std::chrono::duration<double>(opt.seconds)));
        auto const b = read_all(false);
        side.stop();
        res.search = distribution_of(side.search_ns);
        res.health = distribution_of(side.health_ns);
        res.search_status = side.search_status;
        res.rss_kib = rss_kib(daemon.pid());
        res.hwm_kib = status_kib(daemon.pid(), "VmHWM");
        res.load_after = load_average();

        res.wall = std::chrono::duration<double>(b.at - a.at).count();
        res.acked = b.acked - a.acked;
        res.written = b.written - a.written;
        res.daemon_user = b.daemon_cpu.user - a.daemon_cpu.user;
        res.daemon_system = b.daemon_cpu.system - a.daemon_cpu.system;
        res.daemon_cpu = res.daemon_user + res.daemon_system;
        res.client_cpu = b.client_cpu - a.client_cpu;
        res.machine_busy = busy_share(a.machine, b.machine);
        res.commits = b.commits - a.commits;
        res.commit_failures = b.failures - a.failures;
        res.journal = b.journal - a.journal;
        for (auto const& [tid, cpu] : b.daemon_threads) {
            auto const before = a.daemon_threads.find(tid);
            res.daemon_threads.emplace_back(
                tid, cpu - (before == a.daemon_threads.end() ? 0 : before->second));
        }
        if (counters.failed.load() > 0)
            fail("a source failed while measuring");

        // Stop sending; everything in flight must be acknowledged, then held.
        client.call([&] {
            for (auto const& s : sources)
                s->stop_sending();
        });
        if (!wait_until([&] { return counters.drained.load() == opt.sessions; },
                        std::chrono::seconds(60)))
            fail("frames in flight not acknowledged within 60 s: " +
                 std::to_string(counters.drained.load()) + " of " + std::to_string(opt.sessions) +
                 " sources drained");
    }

    // No event lost: what the daemon holds for each session is what its source saw acked.
    std::vector<std::pair<std::string, std::uint64_t>> last_acked;
    client.call([&] {
        for (auto const& s : sources)
            last_acked.emplace_back(s->id(), s->stats().acked);
    });
    for (auto const& [id, acked] : last_acked) {
        ++res.sessions_checked;
        res.total_acked += acked;
        try {
            auto const held =
                boost::json::parse(http_get(daemon.port(), "/ingest/" + id + "/seq").body)
                    .at("seq")
                    .to_number<std::uint64_t>();
            if (held == acked)
                ++res.sessions_matching;
            else
                res.mismatches.push_back(id + ": acked " + std::to_string(acked) +
                                         ", daemon holds " + std::to_string(held));
        } catch (std::exception const& e) {
            res.mismatches.push_back(id + ": " + e.what());
        }
    }
    if (!res.mismatches.empty())
        fail("events lost: " + res.mismatches.front());

    client.call([&] {
        for (auto const& s : sources)
            s->close();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    client.stop();
    daemon.stop();
    res.complaints = daemon.complaints();

    // The client thread has stopped: the sources' stats can be read here.
    std::vector<std::int64_t> latency, send_lag;
    for (auto const& s : sources) {
        auto& st = s->stats();
        latency.insert(latency.end(), st.latency_ns.begin(), st.latency_ns.end());
        send_lag.insert(send_lag.end(), st.send_lag_ns.begin(), st.send_lag_ns.end());
        res.ack_messages += st.ack_messages;
        res.nacks += st.nacks;
        res.errors += st.errors;
        if (!st.failure.empty())
            fail(st.failure);
    }
    res.latency = distribution_of(latency);
    res.send_lag = distribution_of(send_lag);
    return res;
}

// ---------------------------------------------------------------------------------------

std::string ms(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f" : v < 1000 ? "%.1f" : "%.0f", v);
    return buf;
}

/// "max", or the open loop's multiple of real time ("100x").
std::string speed_text(options const& opt) {
    if (!opt.speed)
        return "max";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gx", *opt.speed);
    return buf;
}

std::string whole(double v) {
    return with_commas(static_cast<std::uint64_t>(std::llround(std::max(v, 0.0))));
}

void print(options const& opt, caption_loop const& captions, result const& r) {
    auto const per_s = [&](double v) { return v / std::max(r.wall, 1e-9); };
    auto const acked = static_cast<double>(r.acked);
    auto const per_core = r.daemon_cpu > 0 ? acked / r.daemon_cpu : 0;
    std::string const speed = opt.speed ? "open loop " + speed_text(opt) : speed_text(opt);

    std::printf("\n### Ingest with journaling\n\n");
    std::printf("| sessions | window | io threads | commit interval | speed | measured s | events "
                "acked | events/s | daemon CPU | events per daemon core-second | ack latency p50 "
                "/ p99 / max ms | fsyncs/s | events per fsync | journal KB/s (bytes per event) | "
                "daemon RSS (peak) MiB | bench client CPU | both cores busy | lost |\n");
    std::printf("|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|---|\n");
    std::printf("| %zu | %zu | %zu | %zu ms | %s | %.1f | %s | **%s** | %.0f %% | **%s** | %s / %s "
                "/ %s | %.1f | %.0f | %.0f (%.0f) | %.1f (%.1f) | %.0f %% | %.0f %% | %s |\n",
                opt.sessions, opt.window, opt.threads, opt.commit_ms, speed.c_str(), r.wall,
                whole(acked).c_str(), whole(per_s(acked)).c_str(), 100 * per_s(r.daemon_cpu),
                whole(per_core).c_str(), ms(r.latency.p50).c_str(), ms(r.latency.p99).c_str(),
                ms(r.latency.max).c_str(), per_s(r.commits),
                r.commits > 0 ? acked / r.commits : 0.0,
                per_s(static_cast<double>(r.journal)) / 1000,
                acked > 0 ? static_cast<double>(r.journal) / acked : 0.0,
                static_cast<double>(r.rss_kib) / 1024, static_cast<double>(r.hwm_kib) / 1024,
                100 * per_s(r.client_cpu), 100 * r.machine_busy,
                r.mismatches.empty() && r.sessions_checked > 0 ? "none" : "**YES**");

    auto const cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("\nTarget: at least %s events/s per core: %s (%s events per second of "
                "daemon CPU; %s events/s per core of this %u-core machine, client included).\n",
                whole(target_events_per_core_second).c_str(),
                !r.ok                                       ? "no result"
                : per_core >= target_events_per_core_second ? "**met**"
                                                            : "**not met**",
                whole(per_core).c_str(), whole(per_s(acked) / cores).c_str(), cores);
    std::printf("Daemon CPU per event: %.1f us (user %.1f us, system %.1f us).\n",
                acked > 0 ? 1e6 * r.daemon_cpu / acked : 0.0,
                acked > 0 ? 1e6 * r.daemon_user / acked : 0.0,
                acked > 0 ? 1e6 * r.daemon_system / acked : 0.0);
    std::printf("\nNo event lost: %zu of %zu sessions hold exactly the last seq acknowledged to "
                "their source (GET /ingest/bench-{i}/seq), %s events in all",
                r.sessions_matching, r.sessions_checked,
                whole(static_cast<double>(r.total_acked)).c_str());
    for (auto const& m : r.mismatches)
        std::printf("; MISMATCH %s", m.c_str());
    std::printf(".\n");
    std::printf("\nThe meeting: DCCG 90, %s frames of a word each, %.1f min at 1x, played again "
                "with new seqs when it ends; frames written while measuring %s; ack messages %s "
                "for %s events acked over the whole run; nacks %s, other replies %s; journal "
                "commits failed %.0f.\n",
                whole(static_cast<double>(captions.lap_frames())).c_str(),
                captions.lap_seconds() * opt.speed.value_or(1) / 60,
                whole(static_cast<double>(r.written)).c_str(),
                whole(static_cast<double>(r.ack_messages)).c_str(),
                whole(static_cast<double>(r.total_acked)).c_str(),
                whole(static_cast<double>(r.nacks)).c_str(),
                whole(static_cast<double>(r.errors)).c_str(), r.commit_failures);
    if (opt.speed)
        std::printf("Open loop: offered %s events/s; frames written late (written - scheduled) "
                    "p50 / p99 / max %s / %s / %s ms; latency is from the scheduled time.\n",
                    whole(static_cast<double>(opt.sessions) *
                          static_cast<double>(captions.lap_frames()) / captions.lap_seconds())
                        .c_str(),
                    ms(r.send_lag.p50).c_str(), ms(r.send_lag.p99).c_str(),
                    ms(r.send_lag.max).c_str());
    std::printf("Ack latency samples: %s (one per event acked while measuring).\n",
                whole(static_cast<double>(r.latency.count)).c_str());
    if (opt.archive > 0 || opt.searchers > 0) {
        std::printf("Archive: %zu meetings, %s turns. %zu searchers: %s searches while measuring "
                    "(%.1f/s), p50 / p99 / max %s / %s / %s ms; by answer:",
                    opt.archive, whole(static_cast<double>(r.archived_turns)).c_str(),
                    opt.searchers, whole(static_cast<double>(r.search.count)).c_str(),
                    per_s(static_cast<double>(r.search.count)), ms(r.search.p50).c_str(),
                    ms(r.search.p99).c_str(), ms(r.search.max).c_str());
        for (auto const& [status, count] : r.search_status)
            std::printf(" %u: %s;", status, whole(static_cast<double>(count)).c_str());
        std::printf("\n");
    }
    std::printf("GET /healthz every 20 ms while measuring: %s answered, p50 / p99 / max %s / %s / "
                "%s ms.\n",
                whole(static_cast<double>(r.health.count)).c_str(), ms(r.health.p50).c_str(),
                ms(r.health.p99).c_str(), ms(r.health.max).c_str());
    std::printf("Daemon threads, CPU over the interval (main thread first; the disk pool's 2 "
                "threads were started before any other io thread):");
    for (auto const& [tid, cpu] : r.daemon_threads)
        std::printf(" %d: %.0f %%;", static_cast<int>(tid), 100 * per_s(cpu));
    std::printf("\nLoad average %s before, %s after.\n", r.load_before.c_str(),
                r.load_after.c_str());
    for (std::size_t i = 0; i < r.complaints.size() && i < 5; ++i)
        std::printf("  daemon log: %s\n", r.complaints[i].c_str());
    if (r.complaints.size() > 5)
        std::printf("  daemon log: ... %zu lines at warning or above in all\n",
                    r.complaints.size());
    if (!r.problem.empty())
        std::printf("PROBLEM: %s\n", r.problem.c_str());
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
    for (int i = 1; i < argc; ++i) {
        std::string_view const a = argv[i];
        if (i + 1 >= argc)
            return std::nullopt;
        std::string_view const v = argv[++i];
        double x = 0;
        if (a == "--sessions" && parse_count(v, opt.sessions)) {
        } else if (a == "--seconds" && parse_number(v, opt.seconds)) {
        } else if (a == "--warmup" && parse_number(v, opt.warmup)) {
        } else if (a == "--window" && parse_count(v, opt.window)) {
        } else if (a == "--threads" && parse_count(v, opt.threads)) {
        } else if (a == "--commit-interval" && parse_count(v, opt.commit_ms) &&
                   opt.commit_ms <= 10'000) {
        } else if (a == "--speed" && v == "max") {
            opt.speed.reset();
        } else if (a == "--speed" && parse_number(v, x)) {
            opt.speed = x;
        } else if (a == "--archive" && parse_count(v, opt.archive)) {
        } else if (a == "--searchers" && parse_count(v, opt.searchers)) {
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
        std::fprintf(stderr,
                     "usage: minuted_ingest_bench [--sessions C] [--seconds S] [--warmup S] "
                     "[--window W]\n"
                     "                            [--threads N] [--commit-interval MS] "
                     "[--speed max|K] [--archive M] [--searchers N]\n"
                     "                            [--daemon PATH]\n");
        return 64;
    }
    auto const& opt = *parsed;
    std::signal(SIGPIPE, SIG_IGN);
    // A socket per source here, and a socket and a journal per session in the daemon, which
    // inherits the limit.
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }

    std::optional<caption_loop> captions;
    try {
        minuted::daemon::replay_options replay;
        replay.speed = opt.speed.value_or(1);
        captions.emplace(minuted::daemon::make_replay_frames(read_file(dccg_transcript()), replay));
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_ingest_bench: %s\n", e.what());
        return 1;
    }

    std::printf("minuted_ingest_bench: daemon %s\n", opt.daemon.c_str());
    std::printf("%zu sessions, one source each, window %zu, daemon io threads %zu, commit "
                "interval %zu ms, speed %s; %.0f s warm-up, %.0f s measured; %u cores; load "
                "average %s\n",
                opt.sessions, opt.window, opt.threads, opt.commit_ms, speed_text(opt).c_str(),
                opt.warmup, opt.seconds, std::thread::hardware_concurrency(),
                load_average().c_str());
    std::fflush(stdout);

    try {
        auto const r = run(opt, *captions);
        print(opt, *captions, r);
        return r.ok ? 0 : 1;
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_ingest_bench: %s\n", e.what());
        return 1;
    }
}
