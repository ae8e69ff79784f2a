// minuted_load_client: an open-loop fan-out load generator for any WebSocket broadcast server on
// 127.0.0.1, so that minuted can be measured side by side with nginx+nchan and a Node ws server.
//
// Opens N subscriber WebSockets spread round-robin over C channels (`--sub` path template, `{c}`
// replaced by the channel's name c0, c1, ...), waits until every handshake has completed, then
// publishes to each channel with HTTP POSTs on one keep-alive connection per channel (`--pub`
// template). Publishing is open loop: message k of channel c is due at a fixed time (R per
// second, the channels' schedules offset evenly within a period) and is sent then, or as soon
// as the POST before it on that connection has been answered; a late send never shifts the
// schedule. The first W seconds are warm-up, the next S seconds are measured.
//
// A message is a 45-byte ASCII header, then '.' padding to P bytes:
//   "mlc M 000003 0000000042 00000001234567890123\n"
//   flag (W warm-up, M measured), channel, sequence number, scheduled time in steady-clock ns.
// A subscriber records receive time - scheduled time (not the actual send time: no coordinated
// omission), twice: the kernel's receive timestamp of the segment (SO_TIMESTAMPNS), when the
// server's bytes reached the client's socket, and the time the client read the message. The
// table's latencies are the first: one client thread reads a channel's subscribers one after
// another, and that wait is the client's, not the server's; "p99 ms read" and the JSON's read_*
// are the second. Latencies go into log-linear histograms (exact below 128 ns, then 64 buckets
// per power of two: a percentile is at most 1/64 above the true value; max is exact).
//
// Reports one Markdown table row and one JSON line on standard output (progress on standard
// error): measured messages delivered vs expected (expected = measured messages scheduled x
// subscribers of their channel; a message still queued at the publisher when the drain ends
// is missing too, and the JSON's accepted_deliveries says how many were owed for the messages
// the server did accept), p50/p99/p99.9/max latency, deliveries/s over the S seconds,
// the server's CPU seconds (utime + stime of every --server-pid, from /proc/PID/stat) per 1,000
// deliveries between the start of the measured window and the last delivery (or the end of
// the drain), the server's peak (VmHWM) and current (VmRSS) RSS summed over those PIDs, and its
// RSS per idle subscriber (VmRSS once all have subscribed minus VmRSS before, over N).
//
// Two scenarios change some of the subscribers (the last ones, so every channel has its share);
// the others are counted as above, and only they are expected to receive every message:
//
// --stalled P: P% of the subscribers live in a child process, forked before any thread or
// io_context exists. It connects them with the others, is stopped (SIGSTOP) when the measured
// window starts and continued (SIGCONT) --stall-seconds later (default: the whole window, and
// then only once the others' measured messages have all arrived or the drain is over, so that
// nothing measured competes with the stalled ones catching up), then reads what reaches it
// until its subscribers have been quiet for 0.5 s and reports what the server did to them:
// closed with a close frame (and which codes), ended without one (EOF or reset), or still
// open; the messages published during the stall that arrived after it (the backlog the server
// and the kernel held for them: messages, bytes, most for one subscriber), the messages they
// never received, and how many caught up with their channel's last message.
// While it is stopped, the kernel's view of its connections (/proc/net/tcp) 5 s into the stall
// and at its end says how many the server had closed by then (the target: evicted
// within 5 s) and how many bytes wait unsent at the server's ends and unread at the clients';
// the server's VmRSS is read just before the SIGCONT: what the stalled ones cost it.
//
// --reconnecting P: P% of the subscribers close their WebSocket (close frame, the socket cut
// after 1 s without the server's answer) and open a new one once a second during the measured
// window, each at its own phase within the second. What they receive is counted apart (they miss
// messages by design); reconnects done and failed are reported.
//
// Connects to 127.0.0.1 only; stops by itself; the subscribers on one io_context and thread
// unless --threads T (then T, the subscribers spread over them), the publishers on one of their
// own, so that their sends keep to the schedule. Exits 1 if the subscribers or
// publishers cannot all connect, 64 on a bad command line; it never fails on the numbers.
//
// usage: minuted_load_client --port PORT --sub TEMPLATE --pub TEMPLATE [--channels C]
//            [--subscribers N] [--rate R] [--seconds S] [--warmup W] [--payload P]
//            [--drain D] [--server-pid PID]... [--threads T] [--label NAME] [--header]
//            [--stalled P [--stall-seconds S]] [--reconnecting P]

#include "tests/bench/socket_timestamps.hpp"
#include "tests/support/measure.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using minuted::bench::realtime_minus_steady_ns;
using minuted::bench::timestamped_socket;
using minuted::testing::machine_cpu_now;
using minuted::testing::nanos;
using minuted::testing::process_cpu_seconds;
using minuted::testing::self_cpu_seconds;
using minuted::testing::status_kib;
using minuted::testing::steady;
using minuted::testing::wait_until;
using minuted::testing::with_commas;

struct options {
    unsigned short port = 0;
    std::string sub_template;
    std::string pub_template;
    std::size_t channels = 10;
    std::size_t subscribers = 1000; ///< in all, not per channel
    double rate = 10;               ///< messages per second per channel
    double seconds = 10;            ///< measured
    double warmup = 2;
    double drain = 5; ///< longest wait for the last deliveries once the schedule has ended
    std::size_t payload = 512;
    std::vector<pid_t> server_pids;
    std::size_t threads = 1;
    std::string label = "server";
    bool header = false;
    double stalled_percent = 0;
    double stall_seconds = -1; ///< -1: the measured seconds
    double reconnecting_percent = 0;
    std::size_t stalled = 0;      ///< subscribers, from stalled_percent
    std::size_t reconnecting = 0; ///< subscribers, from reconnecting_percent

    /// Subscribers whose deliveries are counted: the first ones, then the reconnecting ones,
    /// then the stalled ones.
    std::size_t counted() const noexcept { return subscribers - stalled - reconnecting; }
};

// A line on standard error; the compilers check the arguments against the format.
[[gnu::format(printf, 1, 2)]] void note(char const* format, ...) {
    std::fprintf(stderr, "minuted_load_client: ");
    std::va_list args;
    va_start(args, format);
    std::vfprintf(stderr, format, args);
    va_end(args);
    std::fputc('\n', stderr);
}

// ---------------------------------------------------------------------------------------
// The message header.

constexpr std::size_t header_size = 45;

struct message_header {
    bool measured = false;
    std::size_t channel = 0;
    std::uint64_t seq = 0;
    std::int64_t scheduled_ns = 0; ///< steady_clock, since its epoch
};

/// Writes the header over the first `header_size` bytes of `out` (at least that long).
void write_header(std::string& out, message_header const& h) {
    std::array<char, header_size + 1> text{};
    std::snprintf(text.data(), text.size(), "mlc %c %06zu %010llu %020lld\n",
                  h.measured ? 'M' : 'W', h.channel, static_cast<unsigned long long>(h.seq),
                  static_cast<long long>(h.scheduled_ns));
    std::copy_n(text.data(), header_size, out.data());
}

template <class T>
bool parse_field(std::string_view s, T& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

std::optional<message_header> read_header(std::string_view m) {
    if (m.size() < header_size || !m.starts_with("mlc ") || (m[4] != 'M' && m[4] != 'W') ||
        m[44] != '\n')
        return std::nullopt;
    message_header h;
    h.measured = m[4] == 'M';
    if (!parse_field(m.substr(6, 6), h.channel) || !parse_field(m.substr(13, 10), h.seq) ||
        !parse_field(m.substr(24, 20), h.scheduled_ns))
        return std::nullopt;
    return h;
}

// ---------------------------------------------------------------------------------------

/// Counts of durations in ns: exact below 128 ns, then 64 buckets per power of two, so a
/// bucket is at most 1/64 of its lower bound wide. Constant size however many samples.
class latency_histogram {
public:
    void record(std::int64_t ns) {
        auto const v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
        ++buckets_[index_of(v)];
        ++count_;
        max_ = std::max(max_, v);
    }

    void merge(latency_histogram const& other) {
        for (std::size_t i = 0; i < buckets_.size(); ++i)
            buckets_[i] += other.buckets_[i];
        count_ += other.count_;
        max_ = std::max(max_, other.max_);
    }

    std::uint64_t count() const noexcept { return count_; }
    double max_ms() const noexcept { return static_cast<double>(max_) / 1e6; }

    /// Nearest-rank percentile in ms: the upper bound of its bucket, never above the maximum.
    double percentile_ms(double p) const {
        if (count_ == 0)
            return 0;
        auto const rank = std::clamp<std::uint64_t>(
            static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_))), 1, count_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets_.size(); ++i) {
            seen += buckets_[i];
            if (seen >= rank)
                return static_cast<double>(std::min(upper_of(i), max_)) / 1e6;
        }
        return max_ms();
    }

private:
    static constexpr std::size_t linear = 128;
    static constexpr std::size_t per_octave = 64;

    static std::size_t index_of(std::uint64_t v) {
        if (v < linear)
            return static_cast<std::size_t>(v);
        // v >> shift is in [64, 128).
        auto const shift = static_cast<std::size_t>(std::bit_width(v)) - 7;
        return linear + (shift - 1) * per_octave + static_cast<std::size_t>((v >> shift) - 64);
    }

    static std::uint64_t upper_of(std::size_t i) {
        if (i < linear)
            return i;
        auto const shift = (i - linear) / per_octave + 1;
        auto const top = std::uint64_t{(i - linear) % per_octave + 64};
        return ((top + 1) << shift) - 1;
    }

    std::array<std::uint64_t, linear + 57 * per_octave> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

/// What every thread counts; read by the main thread while the run goes on.
struct run_counters {
    std::atomic<std::size_t> subscribed{0};
    std::atomic<std::size_t> subscribe_failed{0};
    std::atomic<std::size_t> dropped{0}; ///< subscribers closed by the server while running
    std::atomic<std::size_t> publishers_connected{0};
    std::atomic<std::size_t> publishers_failed{0};
    std::atomic<std::size_t> publishers_done{0}; ///< schedule sent (or failed)
    std::atomic<std::uint64_t> delivered{0};     ///< measured messages received
    std::atomic<std::uint64_t> warmup_received{0};
    std::atomic<std::uint64_t> reordered{0};  ///< seq not above the last one of that subscriber
    std::atomic<std::uint64_t> unexpected{0}; ///< not our header, or another channel's
    std::atomic<std::uint64_t> published{0};  ///< POSTs answered 2xx
    /// Deliveries owed for the measured messages answered 2xx: once a server has accepted a
    /// message, what it does not deliver is its loss, not the publisher's.
    std::atomic<std::uint64_t> accepted_deliveries{0};
    std::atomic<std::uint64_t> publish_errors{0}; ///< not 2xx, or lost with their connection
    std::atomic<std::uint64_t> unsent{0};     ///< still queued (or in flight) when the run stopped
    std::atomic<std::uint64_t> reconnects{0}; ///< reopened and handshaken again
    std::atomic<std::uint64_t> reconnects_failed{0};     ///< reopening failed (tried again later)
    std::atomic<std::uint64_t> reconnecting_received{0}; ///< by the reconnecting subscribers
    /// The stalled process: when its SIGCONT is due (steady ns), and its subscribers' last
    /// read (a message, a close or an error).
    std::atomic<std::int64_t> stall_end_ns{0};
    std::atomic<std::int64_t> last_activity_ns{0};
    std::atomic<bool> stopping{false};
    /// CLOCK_REALTIME - steady_clock in ns, set before the workers start.
    std::int64_t realtime_offset_ns = 0;
    std::mutex failure_mutex;
    std::string first_failure;

    void fail(std::string why) {
        std::lock_guard lock(failure_mutex);
        if (first_failure.empty())
            first_failure = std::move(why);
    }
};

std::string channel_name(std::size_t c) {
    return "c" + std::to_string(c);
}

std::string expand(std::string const& templ, std::size_t channel) {
    auto out = templ;
    auto const at = out.find("{c}");
    return out.replace(at, 3, channel_name(channel));
}

tcp::endpoint loopback(unsigned short port) {
    return {net::ip::address_v4::loopback(), port};
}

/// When message k of channel c is due, in seconds from the start of publishing: the
/// channels' schedules are offset evenly within one period.
double offset_seconds(options const& opt, std::size_t c, std::uint64_t k) {
    return (static_cast<double>(c) / static_cast<double>(opt.channels) + static_cast<double>(k)) /
           opt.rate;
}

struct schedule_size {
    std::uint64_t total = 0;    ///< due before the end of warm-up + measured seconds
    std::uint64_t measured = 0; ///< of which due at or after the end of the warm-up
};

schedule_size scheduled_messages(options const& opt, std::size_t c) {
    schedule_size n;
    for (std::uint64_t k = 0;; ++k) {
        auto const t = offset_seconds(opt, c, k);
        if (t >= opt.warmup + opt.seconds)
            return n;
        ++n.total;
        if (t >= opt.warmup)
            ++n.measured;
    }
}

/// Subscribers of channel c among the first n: subscriber i is on channel i % C.
std::uint64_t first_on_channel(options const& opt, std::size_t n, std::size_t c) {
    return n / opt.channels + (c < n % opt.channels ? 1 : 0);
}

/// Counted subscribers of channel c: those whose deliveries are expected.
std::uint64_t counted_of(options const& opt, std::size_t c) {
    return first_on_channel(opt, opt.counted(), c);
}

/// What a subscriber is there for.
enum class subscriber_role {
    counted,      ///< its deliveries are the run's: latency and loss
    reconnecting, ///< closes and reopens its WebSocket every second of the measured window
    stalled,      ///< in the stalled process, stopped for the stall
};

/// How a stalled subscriber's connection stood once it had read what reached it after the stall.
enum class stall_outcome {
    open,
    closed, ///< by the server, with a close frame
    ended,  ///< by the server, without a close frame (EOF or reset)
};

class worker;

// ---------------------------------------------------------------------------------------

/// One subscriber WebSocket on channel `channel`: connects, handshakes, then reads until it
/// is closed. A counted one times every measured message; a reconnecting one reopens its
/// WebSocket once a second once told to; a stalled one keeps the account of what reached it
/// after the stall. Runs on its worker's thread.
class subscriber : public std::enable_shared_from_this<subscriber> {
public:
    subscriber(worker& w, std::size_t channel, std::string target, subscriber_role role,
               double phase);

    void start();
    void close() {
        tick_timer_.cancel();
        close_timer_.cancel();
        beast::error_code ec;
        ws_->next_layer().socket().close(ec);
    }
    /// A reconnecting subscriber: closes and reopens its WebSocket at `first` + its phase,
    /// then every second, until `until`.
    void start_reconnecting(steady::time_point first, steady::time_point until);

    // A stalled subscriber's account; read once its worker has stopped.
    stall_outcome outcome() const noexcept { return outcome_; }
    std::uint16_t close_code() const noexcept { return close_code_; }
    std::uint64_t received() const noexcept { return received_; }
    std::uint64_t backlog_messages() const noexcept { return backlog_messages_; }
    std::uint64_t backlog_bytes() const noexcept { return backlog_bytes_; }
    std::optional<std::uint64_t> last_seq() const noexcept { return last_seq_; }
    std::size_t channel() const noexcept { return channel_; }
    /// The local port of its connection, 0 if none; on its worker's thread.
    unsigned short local_port() {
        beast::error_code ec;
        auto const at = ws_->next_layer().socket().local_endpoint(ec);
        return ec ? 0 : at.port();
    }

private:
    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    void do_read() {
        ws_->async_read(buffer_,
                        beast::bind_front_handler(&subscriber::on_read, shared_from_this()));
    }
    void on_read(beast::error_code ec, std::size_t n);
    void count(message_header const& h, std::size_t n, steady::time_point received);
    void on_read_error(beast::error_code ec);
    void settle(beast::error_code ec, char const* what);
    void arm_tick();
    void on_tick(beast::error_code ec);
    void on_close(beast::error_code ec);
    void on_close_timeout(beast::error_code ec);
    void reopen_when_closed();
    void connected(beast::error_code ec, char const* what);

    worker& worker_;
    /// Replaced by a fresh stream for each reconnect, once no operation is left on the old one.
    std::optional<websocket::stream<timestamped_socket>> ws_;
    std::size_t channel_;
    std::string target_;
    subscriber_role role_;
    beast::flat_buffer buffer_;
    std::optional<std::uint64_t> last_seq_;

    // Reconnecting: the next close is due at next_tick_, none after until_.
    double phase_ = 0; ///< of the second, [0, 1)
    net::steady_timer tick_timer_;
    net::steady_timer close_timer_;
    steady::time_point next_tick_;
    steady::time_point until_;
    bool has_handshaken_ = false; ///< the first handshake is done (or failed)
    bool is_reading_ = false;     ///< a read is in flight
    bool is_closing_ = false;     ///< closing to reopen: waiting for the read and the close
    bool close_pending_ = false;

    // Stalled.
    stall_outcome outcome_ = stall_outcome::open;
    std::uint16_t close_code_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t backlog_messages_ = 0;
    std::uint64_t backlog_bytes_ = 0;
};

/// One keep-alive HTTP connection publishing channel `channel`'s schedule: message k due at
/// `start + offset + k * period`; at most one POST in flight, the others wait their turn.
class publisher : public std::enable_shared_from_this<publisher> {
public:
    publisher(worker& w, std::size_t channel, std::string target);

    void connect();
    void start(steady::time_point start);
    /// Messages of the schedule not answered when the run stopped; once the thread has stopped.
    std::uint64_t unsent() const noexcept { return total_ - next_send_; }
    void close() {
        timer_.cancel();
        beast::error_code ec;
        socket_.close(ec);
    }

private:
    void on_connect(beast::error_code ec);
    void arm_timer();
    void on_timer(beast::error_code ec);
    void do_send();
    void on_write(beast::error_code ec, std::size_t);
    void on_response(beast::error_code ec, std::size_t);
    void fail(beast::error_code ec, char const* what);
    void finish();
    steady::time_point due(std::uint64_t k) const;

    worker& worker_;
    tcp::socket socket_;
    net::steady_timer timer_;
    std::size_t channel_;
    std::string target_;
    std::string payload_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    beast::flat_buffer buffer_;
    steady::time_point start_;
    std::uint64_t total_ = 0;    ///< messages in the schedule
    std::uint64_t next_due_ = 0; ///< messages due so far
    std::uint64_t next_send_ = 0;
    bool sending_ = false;
    bool done_ = false;
};

/// An io_context, its thread and the connections it runs.
class worker {
public:
    worker(options const& opt, run_counters& counters)
        : opt_(opt), counters_(counters), guard_(net::make_work_guard(ioc_)) {}
    worker(worker const&) = delete;
    worker& operator=(worker const&) = delete;

    net::io_context& context() noexcept { return ioc_; }
    options const& opt() const noexcept { return opt_; }
    run_counters& counters() noexcept { return counters_; }
    latency_histogram& latency() noexcept { return latency_; }
    latency_histogram& socket_latency() noexcept { return socket_latency_; }
    latency_histogram& send_lag() noexcept { return send_lag_; }

    void add_subscriber(std::size_t channel, subscriber_role role = subscriber_role::counted,
                        double phase = 0) {
        subscribers_.push_back(std::make_shared<subscriber>(
            *this, channel, expand(opt_.sub_template, channel), role, phase));
    }
    std::vector<std::shared_ptr<subscriber>> const& subscribers() const noexcept {
        return subscribers_;
    }
    void add_publisher(std::size_t channel) {
        publishers_.push_back(
            std::make_shared<publisher>(*this, channel, expand(opt_.pub_template, channel)));
    }

    void run() {
        thread_ = std::thread([this] { ioc_.run(); });
    }

    /// Starts connecting the subscribers, at most 100 handshakes in flight per worker (the
    /// servers' listen backlogs are finite).
    void connect_subscribers() {
        net::post(ioc_, [this] {
            for (std::size_t i = 0; i < 100; ++i)
                connect_next();
        });
    }
    /// A subscriber has finished its handshake, or failed it.
    void connect_next() {
        if (next_subscriber_ < subscribers_.size())
            subscribers_[next_subscriber_++]->start();
    }

    void connect_publishers() {
        net::post(ioc_, [this] {
            for (auto const& p : publishers_)
                p->connect();
        });
    }
    void start_publishing(steady::time_point start) {
        net::post(ioc_, [this, start] {
            for (auto const& p : publishers_)
                p->start(start);
        });
    }
    void start_reconnecting(steady::time_point first, steady::time_point until) {
        net::post(ioc_, [this, first, until] {
            for (auto const& s : subscribers_)
                s->start_reconnecting(first, until);
        });
    }

    /// Messages the publishers had not got answered; once stopped.
    std::uint64_t unsent() const {
        std::uint64_t n = 0;
        for (auto const& p : publishers_)
            n += p->unsent();
        return n;
    }

    /// Closes every connection and stops the thread.
    void stop() {
        net::post(ioc_, [this] {
            for (auto const& s : subscribers_)
                s->close();
            for (auto const& p : publishers_)
                p->close();
        });
        guard_.reset();
        // Whatever is still queued after the closes (completions with errors) is not waited for.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ioc_.stop();
        if (thread_.joinable())
            thread_.join();
    }

private:
    options const& opt_;
    run_counters& counters_;
    net::io_context ioc_{1};
    net::executor_work_guard<net::io_context::executor_type> guard_;
    std::thread thread_;
    std::vector<std::shared_ptr<subscriber>> subscribers_;
    std::vector<std::shared_ptr<publisher>> publishers_;
    std::size_t next_subscriber_ = 0;
    latency_histogram latency_;
    latency_histogram socket_latency_;
    latency_histogram send_lag_;
};

// ---------------------------------------------------------------------------------------

subscriber::subscriber(worker& w, std::size_t channel, std::string target, subscriber_role role,
                       double phase)
    : worker_(w), ws_(std::in_place, w.context()), channel_(channel), target_(std::move(target)),
      role_(role), phase_(phase), tick_timer_(w.context()), close_timer_(w.context()) {}

void subscriber::start() {
    ws_->next_layer().socket().async_connect(
        loopback(worker_.opt().port),
        beast::bind_front_handler(&subscriber::on_connect, shared_from_this()));
}

void subscriber::on_connect(beast::error_code ec) {
    if (ec)
        return connected(ec, "connect");
    ws_->next_layer().socket().set_option(tcp::no_delay(true));
    ws_->next_layer().enable_timestamps();
    ws_->read_message_max(worker_.opt().payload + 4096);
    ws_->async_handshake("127.0.0.1:" + std::to_string(worker_.opt().port), target_,
                         beast::bind_front_handler(&subscriber::on_handshake, shared_from_this()));
}

void subscriber::on_handshake(beast::error_code ec) {
    if (ec)
        return connected(ec, "handshake");
    connected({}, "");
    do_read();
}

/// The end of a connect and handshake: the first one settles the subscriber, a later one is a
/// reconnect done or failed.
void subscriber::connected(beast::error_code ec, char const* what) {
    if (!has_handshaken_) {
        has_handshaken_ = true;
        settle(ec, what);
    } else {
        auto& c = worker_.counters();
        if (ec) {
            c.reconnects_failed.fetch_add(1, std::memory_order_relaxed);
            c.fail("subscriber " + target_ + ": reconnect: " + what + ": " + ec.message());
        } else {
            c.reconnects.fetch_add(1, std::memory_order_relaxed);
        }
        arm_tick();
    }
    is_reading_ = !ec;
}

void subscriber::settle(beast::error_code ec, char const* what) {
    auto& c = worker_.counters();
    if (ec) {
        c.fail("subscriber " + target_ + ": " + what + ": " + ec.message());
        c.subscribe_failed.fetch_add(1, std::memory_order_relaxed);
    } else {
        c.subscribed.fetch_add(1, std::memory_order_relaxed);
    }
    worker_.connect_next();
}

void subscriber::on_read(beast::error_code ec, std::size_t n) {
    auto const received = steady::now();
    if (ec)
        return on_read_error(ec);
    auto const data = buffer_.cdata();
    auto const h =
        read_header(std::string_view(static_cast<char const*>(data.data()), data.size()));
    auto& c = worker_.counters();
    if (!h || h->channel != channel_)
        c.unexpected.fetch_add(1, std::memory_order_relaxed);
    else
        count(*h, n, received);
    buffer_.clear();
    do_read();
}

void subscriber::count(message_header const& h, std::size_t n, steady::time_point received) {
    auto& c = worker_.counters();
    switch (role_) {
    case subscriber_role::counted:
        if (last_seq_ && h.seq <= *last_seq_) {
            c.reordered.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        last_seq_ = h.seq;
        if (h.measured) {
            worker_.latency().record(nanos(received.time_since_epoch()) - h.scheduled_ns);
            if (auto const rx = ws_->next_layer().last_rx_ns(); rx != 0)
                worker_.socket_latency().record(rx - c.realtime_offset_ns - h.scheduled_ns);
            c.delivered.fetch_add(1, std::memory_order_relaxed);
        } else {
            c.warmup_received.fetch_add(1, std::memory_order_relaxed);
        }
        return;
    case subscriber_role::reconnecting:
        c.reconnecting_received.fetch_add(1, std::memory_order_relaxed);
        return;
    case subscriber_role::stalled: {
        auto const at = nanos(received.time_since_epoch());
        c.last_activity_ns.store(at, std::memory_order_relaxed);
        if (last_seq_ && h.seq <= *last_seq_)
            return;
        last_seq_ = h.seq;
        ++received_;
        // Read after the stall, published during it (or before): held for this subscriber.
        auto const stall_end = c.stall_end_ns.load(std::memory_order_relaxed);
        if (stall_end != 0 && at >= stall_end && h.scheduled_ns < stall_end) {
            ++backlog_messages_;
            backlog_bytes_ += n;
        }
        return;
    }
    }
}

void subscriber::on_read_error(beast::error_code ec) {
    is_reading_ = false;
    auto& c = worker_.counters();
    if (c.stopping.load(std::memory_order_relaxed))
        return;
    if (is_closing_)
        return reopen_when_closed();
    switch (role_) {
    case subscriber_role::counted:
        c.dropped.fetch_add(1, std::memory_order_relaxed);
        c.fail("subscriber " + target_ + ": read: " + ec.message());
        return;
    case subscriber_role::reconnecting:
        // Closed by the server: the next tick opens it again.
        return;
    case subscriber_role::stalled:
        c.last_activity_ns.store(nanos(steady::now().time_since_epoch()),
                                 std::memory_order_relaxed);
        if (ec == websocket::error::closed) {
            outcome_ = stall_outcome::closed;
            close_code_ = ws_->reason().code;
        } else {
            outcome_ = stall_outcome::ended;
        }
        return;
    }
}

void subscriber::start_reconnecting(steady::time_point first, steady::time_point until) {
    if (role_ != subscriber_role::reconnecting)
        return;
    next_tick_ =
        first + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(phase_));
    until_ = until;
    tick_timer_.expires_at(next_tick_);
    tick_timer_.async_wait(beast::bind_front_handler(&subscriber::on_tick, shared_from_this()));
}

/// The next whole second of this subscriber's phase that is still ahead; none after until_.
void subscriber::arm_tick() {
    auto const now = steady::now();
    while (next_tick_ <= now)
        next_tick_ += std::chrono::seconds(1);
    if (next_tick_ >= until_)
        return;
    tick_timer_.expires_at(next_tick_);
    tick_timer_.async_wait(beast::bind_front_handler(&subscriber::on_tick, shared_from_this()));
}

void subscriber::on_tick(beast::error_code ec) {
    if (ec || worker_.counters().stopping.load(std::memory_order_relaxed))
        return;
    if (!is_reading_) {
        // Closed by the server, or the last reopen failed: open it again now.
        is_closing_ = true;
        return reopen_when_closed();
    }
    // A close handshake; the read in flight ends with the server's close frame. A server that
    // does not answer within 1 s has its connection cut.
    is_closing_ = true;
    close_pending_ = true;
    ws_->async_close(websocket::close_code::normal,
                     beast::bind_front_handler(&subscriber::on_close, shared_from_this()));
    close_timer_.expires_after(std::chrono::seconds(1));
    close_timer_.async_wait(
        beast::bind_front_handler(&subscriber::on_close_timeout, shared_from_this()));
}

void subscriber::on_close(beast::error_code) {
    close_pending_ = false;
    reopen_when_closed();
}

void subscriber::on_close_timeout(beast::error_code ec) {
    if (ec || !is_closing_)
        return;
    beast::error_code ignored;
    ws_->next_layer().socket().close(ignored);
}

/// Opens a fresh WebSocket once the old one has no operation left.
void subscriber::reopen_when_closed() {
    if (is_reading_ || close_pending_ ||
        worker_.counters().stopping.load(std::memory_order_relaxed))
        return;
    is_closing_ = false;
    close_timer_.cancel();
    beast::error_code ignored;
    ws_->next_layer().socket().close(ignored);
    ws_.emplace(worker_.context());
    buffer_.clear();
    start();
}

// ---------------------------------------------------------------------------------------

publisher::publisher(worker& w, std::size_t channel, std::string target)
    : worker_(w), socket_(w.context()), timer_(w.context()), channel_(channel),
      target_(std::move(target)), payload_(w.opt().payload, '.') {
    req_ = {http::verb::post, target_, 11};
    req_.set(http::field::host, "127.0.0.1:" + std::to_string(w.opt().port));
    req_.set(http::field::content_type, "text/plain");
    req_.keep_alive(true);
    total_ = scheduled_messages(w.opt(), channel_).total;
}

steady::time_point publisher::due(std::uint64_t k) const {
    return start_ + std::chrono::duration_cast<steady::duration>(
                        std::chrono::duration<double>(offset_seconds(worker_.opt(), channel_, k)));
}

void publisher::connect() {
    socket_.async_connect(loopback(worker_.opt().port),
                          beast::bind_front_handler(&publisher::on_connect, shared_from_this()));
}

void publisher::on_connect(beast::error_code ec) {
    auto& c = worker_.counters();
    if (ec) {
        c.fail("publisher " + target_ + ": connect: " + ec.message());
        c.publishers_failed.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    socket_.set_option(tcp::no_delay(true));
    c.publishers_connected.fetch_add(1, std::memory_order_relaxed);
}

void publisher::start(steady::time_point start) {
    start_ = start;
    if (total_ == 0)
        return finish();
    arm_timer();
}

void publisher::arm_timer() {
    if (next_due_ >= total_)
        return;
    timer_.expires_at(due(next_due_));
    timer_.async_wait(beast::bind_front_handler(&publisher::on_timer, shared_from_this()));
}

void publisher::on_timer(beast::error_code ec) {
    if (ec || done_)
        return;
    // Every message that is due is queued now: a late timer does not shift the schedule.
    auto const now = steady::now();
    while (next_due_ < total_ && due(next_due_) <= now)
        ++next_due_;
    if (!sending_ && next_send_ < next_due_)
        do_send();
    arm_timer();
}

void publisher::do_send() {
    sending_ = true;
    auto const scheduled = due(next_send_);
    bool const measured =
        offset_seconds(worker_.opt(), channel_, next_send_) >= worker_.opt().warmup;
    write_header(payload_, {measured, channel_, next_send_, nanos(scheduled.time_since_epoch())});
    worker_.send_lag().record(nanos(steady::now() - scheduled));
    req_.body() = payload_;
    req_.prepare_payload();
    http::async_write(socket_, req_,
                      beast::bind_front_handler(&publisher::on_write, shared_from_this()));
}

void publisher::on_write(beast::error_code ec, std::size_t) {
    if (ec)
        return fail(ec, "write");
    res_ = {};
    http::async_read(socket_, buffer_, res_,
                     beast::bind_front_handler(&publisher::on_response, shared_from_this()));
}

void publisher::on_response(beast::error_code ec, std::size_t) {
    if (ec)
        return fail(ec, "read");
    auto& c = worker_.counters();
    if (res_.result_int() / 100 == 2) {
        c.published.fetch_add(1, std::memory_order_relaxed);
        if (offset_seconds(worker_.opt(), channel_, next_send_) >= worker_.opt().warmup)
            c.accepted_deliveries.fetch_add(counted_of(worker_.opt(), channel_),
                                            std::memory_order_relaxed);
    } else {
        c.publish_errors.fetch_add(1, std::memory_order_relaxed);
        c.fail("publisher " + target_ + ": HTTP " + std::to_string(res_.result_int()));
    }
    if (!res_.keep_alive())
        return fail({}, "server closed the keep-alive connection");
    sending_ = false;
    ++next_send_;
    if (next_send_ < next_due_)
        return do_send();
    if (next_send_ == total_)
        finish();
}

void publisher::fail(beast::error_code ec, char const* what) {
    if (done_)
        return;
    auto& c = worker_.counters();
    // Closed at the end of the run: what is left is counted by unsent(), once stopped.
    if (c.stopping.load(std::memory_order_relaxed))
        return;
    // What was never sent is lost; no reconnect.
    c.fail("publisher " + target_ + ": " + what + (ec ? ": " + ec.message() : ""));
    c.publish_errors.fetch_add(total_ - next_send_, std::memory_order_relaxed);
    next_send_ = total_;
    timer_.cancel();
    finish();
}

void publisher::finish() {
    if (done_)
        return;
    done_ = true;
    worker_.counters().publishers_done.fetch_add(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------

/// `read(pid)` summed over `pids`, or -1 if it is negative for one of them (it has gone).
template <class Read>
auto sum_over(std::vector<pid_t> const& pids, Read read) {
    decltype(read(pid_t{})) sum = 0;
    for (auto const pid : pids) {
        auto const v = read(pid);
        if (v < 0)
            return decltype(sum){-1};
        sum += v;
    }
    return sum;
}

/// utime + stime of the servers' processes, or -1 if one has gone.
double server_cpu_seconds(std::vector<pid_t> const& pids) {
    return sum_over(pids, process_cpu_seconds);
}

/// A `Vm...:` line of /proc/PID/status summed over `pids`, or -1 if one of them has gone (a
/// zombie has no Vm lines).
long server_kib(std::vector<pid_t> const& pids, std::string_view key) {
    return sum_over(pids, [key](pid_t pid) { return status_kib(pid, key); });
}

/// Raises this process's soft (and, if allowed, hard) limit on open files to `need`.
bool raise_fd_limit(rlim_t need) {
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) != 0)
        return false;
    if (fds.rlim_cur >= need)
        return true;
    rlimit const wanted{need, std::max(need, fds.rlim_max)};
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0)
        return true;
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
    return false;
}

// ---------------------------------------------------------------------------------------
// The stalled subscribers' process and its two pipes: commands in, lines of results out.

/// One line from `fd` (without its newline); nullopt at its end, on an error or after `timeout`.
std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
    auto const deadline = steady::now() + timeout;
    std::string line;
    for (;;) {
        auto const left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        auto const ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return std::nullopt;
        if (ready == 0)
            continue;
        char ch = 0;
        auto const got = ::read(fd, &ch, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return std::nullopt;
        if (ch == '\n')
            return line;
        line += ch;
    }
}

bool write_line(int fd, std::string line) {
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
        auto const n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// The kernel's view of the stalled subscribers' connections (/proc/net/tcp), read while their
/// process is stopped: what the server has closed, and what is queued on either side.
struct tcp_snapshot {
    std::size_t server_open = 0;           ///< the server's ends still ESTABLISHED
    std::uint64_t server_unsent_bytes = 0; ///< in the server's ends' send queues
    std::uint64_t client_unread_bytes = 0; ///< in the stalled clients' receive queues
};

/// Of the connections between 127.0.0.1:`server_port` and the local ports in `ports`; nullopt
/// if /proc/net/tcp cannot be read. A server's end it has closed is gone (a reset) or in a
/// closing state (FIN_WAIT1 while its unsent bytes wait for the stopped client).
std::optional<tcp_snapshot> snapshot_tcp(unsigned short server_port,
                                         std::vector<bool> const& ports) {
    std::FILE* f = std::fopen("/proc/net/tcp", "r");
    if (f == nullptr)
        return std::nullopt;
    tcp_snapshot snap;
    std::array<char, 512> line{};
    std::fgets(line.data(), line.size(), f); // the column names
    while (std::fgets(line.data(), line.size(), f) != nullptr) {
        unsigned local_ip = 0, local_port = 0, remote_ip = 0, remote_port = 0, state = 0;
        unsigned tx = 0, rx = 0;
        if (std::sscanf(line.data(), " %*u: %8X:%4X %8X:%4X %2X %8X:%8X", &local_ip, &local_port,
                        &remote_ip, &remote_port, &state, &tx, &rx) != 7)
            continue;
        constexpr unsigned established = 1;
        if (local_port == server_port && remote_port < ports.size() && ports[remote_port]) {
            snap.server_open += state == established ? 1 : 0;
            snap.server_unsent_bytes += tx;
        } else if (remote_port == server_port && local_port < ports.size() && ports[local_port]) {
            snap.client_unread_bytes += rx;
        }
    }
    std::fclose(f);
    return snap;
}

/// What the stalled process says about its subscribers once it has been continued and has
/// read what reached them.
struct stall_report {
    std::size_t closed = 0;    ///< by the server, with a close frame
    std::size_t ended = 0;     ///< by the server, without one (EOF or reset)
    std::size_t open = 0;      ///< still open
    std::size_t caught_up = 0; ///< received their channel's last message
    std::uint64_t received = 0;
    std::uint64_t missed = 0; ///< scheduled for their channel, never received
    std::uint64_t backlog_messages = 0;
    std::uint64_t backlog_bytes = 0;
    std::uint64_t backlog_max_bytes = 0; ///< the most for one subscriber
    std::map<unsigned, std::size_t> close_codes;
};

std::string to_line(stall_report const& r) {
    std::string codes;
    for (auto const& [code, n] : r.close_codes)
        codes += (codes.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(n);
    return "result closed=" + std::to_string(r.closed) + " ended=" + std::to_string(r.ended) +
           " open=" + std::to_string(r.open) + " caught_up=" + std::to_string(r.caught_up) +
           " received=" + std::to_string(r.received) + " missed=" + std::to_string(r.missed) +
           " backlog_messages=" + std::to_string(r.backlog_messages) +
           " backlog_bytes=" + std::to_string(r.backlog_bytes) +
           " backlog_max_bytes=" + std::to_string(r.backlog_max_bytes) + " codes=" + codes;
}

std::optional<stall_report> parse_stall_report(std::string_view line) {
    if (!line.starts_with("result "))
        return std::nullopt;
    stall_report r;
    std::istringstream words{std::string(line.substr(7))};
    for (std::string word; words >> word;) {
        auto const eq = word.find('=');
        if (eq == std::string::npos)
            return std::nullopt;
        auto const key = std::string_view(word).substr(0, eq);
        auto const value = std::string_view(word).substr(eq + 1);
        if (key == "codes") {
            for (std::size_t at = 0; at < value.size();) {
                auto const comma = std::min(value.find(',', at), value.size());
                auto const pair = value.substr(at, comma - at);
                auto const colon = pair.find(':');
                unsigned code = 0;
                std::size_t n = 0;
                if (colon == pair.npos || !parse_field(pair.substr(0, colon), code) ||
                    !parse_field(pair.substr(colon + 1), n))
                    return std::nullopt;
                r.close_codes[code] = n;
                at = comma + 1;
            }
            continue;
        }
        bool const ok = key == "closed"              ? parse_field(value, r.closed)
                        : key == "ended"             ? parse_field(value, r.ended)
                        : key == "open"              ? parse_field(value, r.open)
                        : key == "caught_up"         ? parse_field(value, r.caught_up)
                        : key == "received"          ? parse_field(value, r.received)
                        : key == "missed"            ? parse_field(value, r.missed)
                        : key == "backlog_messages"  ? parse_field(value, r.backlog_messages)
                        : key == "backlog_bytes"     ? parse_field(value, r.backlog_bytes)
                        : key == "backlog_max_bytes" ? parse_field(value, r.backlog_max_bytes)
                                                     : false;
        if (!ok)
            return std::nullopt;
    }
    return r;
}

/// The stalled process: connects the stalled subscribers and says "subscribed N FAILED PORTS
/// [why]" (PORTS their local ports, comma-separated, or "-"); is told "stall-end NS" (when its
/// SIGCONT is due, steady ns); is stopped and continued; on "report", reads what reaches its
/// subscribers until they have been quiet for 0.5 s (10 s at most) and answers with
/// to_line(stall_report). Its exit code.
int run_stalled_process(options const& opt, int commands, int results) {
    run_counters counters;
    counters.realtime_offset_ns = realtime_minus_steady_ns();
    worker w(opt, counters);
    for (auto i = opt.subscribers - opt.stalled; i < opt.subscribers; ++i)
        w.add_subscriber(i % opt.channels, subscriber_role::stalled);
    w.run();
    w.connect_subscribers();
    wait_until([&] { return counters.subscribed + counters.subscribe_failed >= opt.stalled; },
               std::chrono::seconds(120));
    auto const finish = [&](int code) {
        counters.stopping = true;
        w.stop();
        return code;
    };
    std::promise<std::string> ports_promise;
    auto ports = ports_promise.get_future();
    net::post(w.context(), [&] {
        std::string list;
        for (auto const& s : w.subscribers())
            if (auto const port = s->local_port(); port != 0)
                list += (list.empty() ? "" : ",") + std::to_string(port);
        ports_promise.set_value(list.empty() ? "-" : list);
    });
    if (!write_line(results, "subscribed " + std::to_string(counters.subscribed.load()) + " " +
                                 std::to_string(counters.subscribe_failed.load()) + " " +
                                 ports.get() + " " + counters.first_failure))
        return finish(1);
    // However long the run: the load client closes the pipe when it ends.
    auto const forever = std::chrono::hours(24);
    auto const stall_end = read_line(commands, forever);
    std::int64_t stall_end_ns = 0;
    if (!stall_end || !stall_end->starts_with("stall-end ") ||
        !parse_field(std::string_view(*stall_end).substr(10), stall_end_ns))
        return finish(1);
    counters.stall_end_ns = stall_end_ns;
    auto const command = read_line(commands, forever);
    if (command != "report")
        return finish(1);
    auto const asked = nanos(steady::now().time_since_epoch());
    auto const quiet = nanos(std::chrono::milliseconds(500));
    wait_until(
        [&] {
            auto const last = std::max(asked, counters.last_activity_ns.load());
            return nanos(steady::now().time_since_epoch()) - last >= quiet;
        },
        std::chrono::seconds(10));
    finish(0);

    stall_report r;
    for (auto const& s : w.subscribers()) {
        switch (s->outcome()) {
        case stall_outcome::open:
            ++r.open;
            break;
        case stall_outcome::closed:
            ++r.closed;
            ++r.close_codes[s->close_code()];
            break;
        case stall_outcome::ended:
            ++r.ended;
            break;
        }
        auto const total = scheduled_messages(opt, s->channel()).total;
        r.received += s->received();
        r.missed += total - std::min(total, s->received());
        if (total > 0 && s->last_seq() == total - 1)
            ++r.caught_up;
        r.backlog_messages += s->backlog_messages();
        r.backlog_bytes += s->backlog_bytes();
        r.backlog_max_bytes = std::max(r.backlog_max_bytes, s->backlog_bytes());
    }
    return write_line(results, to_line(r)) ? 0 : 1;
}

/// The stalled process seen from the load client; the destructor kills it (if it is still
/// there) and reaps it.
class stalled_process {
public:
    stalled_process(pid_t pid, int commands, int results)
        : pid_(pid), commands_(commands), results_(results) {}
    stalled_process(stalled_process const&) = delete;
    stalled_process& operator=(stalled_process const&) = delete;
    ~stalled_process() {
        ::close(commands_);
        ::close(results_);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }

    bool send(std::string line) { return write_line(commands_, std::move(line)); }
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        return read_line(results_, timeout);
    }
    void signal(int sig) { ::kill(pid_, sig); }

private:
    pid_t pid_;
    int commands_;
    int results_;
};

/// Forks the stalled process; before any thread or io_context exists, as fork() copies only
/// the calling thread. nullptr (errno set) if it cannot.
std::unique_ptr<stalled_process> fork_stalled_process(options const& opt) {
    std::array<int, 2> commands{};
    std::array<int, 2> results{};
    if (::pipe2(commands.data(), O_CLOEXEC) != 0)
        return nullptr;
    if (::pipe2(results.data(), O_CLOEXEC) != 0) {
        ::close(commands[0]);
        ::close(commands[1]);
        return nullptr;
    }
    std::fflush(nullptr);
    auto const parent = ::getpid();
    auto const pid = ::fork();
    if (pid < 0)
        return nullptr;
    if (pid == 0) {
        ::close(commands[1]);
        ::close(results[0]);
        // Gone with the load client, however it ends.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
        ::_exit(run_stalled_process(opt, commands[0], results[1]));
    }
    ::close(commands[0]);
    ::close(results[1]);
    return std::make_unique<stalled_process>(pid, commands[1], results[0]);
}

// ---------------------------------------------------------------------------------------

bool parse_seconds(std::string_view s, double& out) {
    return parse_field(s, out) && out >= 0 && std::isfinite(out);
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char const ch : s) {
        if (ch == '"' || ch == '\\')
            out += '\\';
        if (static_cast<unsigned char>(ch) >= 0x20)
            out += ch;
    }
    return out + "\"";
}

std::optional<options> parse_options(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        std::string_view const a = argv[i];
        if (a == "--header") {
            opt.header = true;
            continue;
        }
        if (i + 1 >= argc)
            return std::nullopt;
        std::string_view const v = argv[++i];
        std::size_t n = 0;
        if (a == "--port" && parse_field(v, n) && n > 0 && n < 65536) {
            opt.port = static_cast<unsigned short>(n);
        } else if (a == "--sub" && v.starts_with('/') && v.find("{c}") != v.npos) {
            opt.sub_template = v;
        } else if (a == "--pub" && v.starts_with('/') && v.find("{c}") != v.npos) {
            opt.pub_template = v;
        } else if (a == "--channels" && parse_field(v, opt.channels) && opt.channels > 0 &&
                   opt.channels < 1'000'000) {
        } else if (a == "--subscribers" && parse_field(v, opt.subscribers)) {
        } else if (a == "--rate" && parse_seconds(v, opt.rate) && opt.rate > 0) {
        } else if (a == "--seconds" && parse_seconds(v, opt.seconds) && opt.seconds > 0) {
        } else if (a == "--warmup" && parse_seconds(v, opt.warmup)) {
        } else if (a == "--drain" && parse_seconds(v, opt.drain)) {
        } else if (a == "--payload" && parse_field(v, opt.payload) && opt.payload >= header_size) {
        } else if (a == "--server-pid" && parse_field(v, n) && n > 0) {
            opt.server_pids.push_back(static_cast<pid_t>(n));
        } else if (a == "--threads" && parse_field(v, opt.threads) && opt.threads > 0) {
        } else if (a == "--label") {
            opt.label = v;
        } else if (a == "--stalled" && parse_seconds(v, opt.stalled_percent) &&
                   opt.stalled_percent < 100) {
        } else if (a == "--stall-seconds" && parse_seconds(v, opt.stall_seconds) &&
                   opt.stall_seconds > 0) {
        } else if (a == "--reconnecting" && parse_seconds(v, opt.reconnecting_percent) &&
                   opt.reconnecting_percent < 100) {
        } else {
            return std::nullopt;
        }
    }
    if (opt.port == 0 || opt.sub_template.empty() || opt.pub_template.empty())
        return std::nullopt;
    if (opt.stall_seconds < 0)
        opt.stall_seconds = opt.seconds;
    // The stall ends within the measured window: its backlog is read while the others drain.
    if (opt.stall_seconds > opt.seconds)
        return std::nullopt;
    auto const share = [&](double percent) {
        return static_cast<std::size_t>(
            std::llround(static_cast<double>(opt.subscribers) * percent / 100));
    };
    opt.stalled = share(opt.stalled_percent);
    opt.reconnecting = share(opt.reconnecting_percent);
    if (opt.stalled + opt.reconnecting >= opt.subscribers && opt.subscribers > 0)
        return std::nullopt;
    return opt;
}

struct report {
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0;
    latency_histogram latency;        ///< read by the subscriber
    latency_histogram socket_latency; ///< at the subscriber's socket (kernel timestamp)
    latency_histogram send_lag;
    double cpu_seconds = -1; ///< the servers', over the measured window
    double client_cpu_seconds = 0;
    double others_cpu_seconds = 0; ///< every other process on the machine, over the window
    double window_seconds = 0;     ///< from the start of the measured window to its last delivery
    long rss_before_kib = 0;
    long rss_subscribed_kib = 0;
    long hwm_kib = 0;
    long rss_kib = 0;
    long rss_stall_end_kib = -1;         ///< the servers' VmRSS just before the SIGCONT
    std::optional<stall_report> stall;   ///< from the stalled process, if it answered
    std::optional<tcp_snapshot> tcp_5s;  ///< the stalled connections 5 s into the stall
    std::optional<tcp_snapshot> tcp_end; ///< and just before the SIGCONT
};

/// The JSON fields of --stalled and --reconnecting, each with its leading comma.
std::string scenario_json(options const& opt, report const& r, run_counters const& c) {
    auto const number = [](double v) {
        std::array<char, 32> text{};
        std::snprintf(text.data(), text.size(), "%g", v);
        return std::string(text.data());
    };
    auto const n = [](std::uint64_t v) { return std::to_string(v); };
    std::string out = ",\"counted_subscribers\":" + n(opt.counted()) +
                      ",\"stalled\":" + n(opt.stalled) +
                      ",\"stalled_percent\":" + number(opt.stalled_percent) +
                      ",\"stall_s\":" + number(opt.stalled ? opt.stall_seconds : 0);
    if (r.stall) {
        auto const& st = *r.stall;
        std::string codes;
        for (auto const& [code, count] : st.close_codes)
            codes += (codes.empty() ? "\"" : ",\"") + n(code) + "\":" + n(count);
        out += ",\"stalled_closed\":" + n(st.closed) + ",\"stalled_ended\":" + n(st.ended) +
               ",\"stalled_open\":" + n(st.open) + ",\"stalled_close_codes\":{" + codes + "}" +
               ",\"stalled_caught_up\":" + n(st.caught_up) +
               ",\"stalled_received\":" + n(st.received) + ",\"stalled_missed\":" + n(st.missed) +
               ",\"stalled_backlog_messages\":" + n(st.backlog_messages) +
               ",\"stalled_backlog_bytes\":" + n(st.backlog_bytes) +
               ",\"stalled_backlog_max_bytes\":" + n(st.backlog_max_bytes);
    } else if (opt.stalled) {
        out += ",\"stalled_closed\":null,\"stalled_ended\":null,\"stalled_open\":null";
    }
    auto const open = [&](std::optional<tcp_snapshot> const& t) {
        return t ? n(t->server_open) : std::string("null");
    };
    out += ",\"stalled_server_open_5s\":" + open(r.tcp_5s) +
           ",\"stalled_server_open_end\":" + open(r.tcp_end) +
           ",\"stalled_server_unsent_bytes_end\":" +
           (r.tcp_end ? n(r.tcp_end->server_unsent_bytes) : "null") +
           ",\"stalled_client_unread_bytes_end\":" +
           (r.tcp_end ? n(r.tcp_end->client_unread_bytes) : "null");
    out += ",\"server_vmrss_stall_end_kib\":" +
           (r.rss_stall_end_kib >= 0 ? std::to_string(r.rss_stall_end_kib) : "null") +
           ",\"reconnecting\":" + n(opt.reconnecting) +
           ",\"reconnecting_percent\":" + number(opt.reconnecting_percent) +
           ",\"reconnects\":" + n(c.reconnects.load()) +
           ",\"reconnects_failed\":" + n(c.reconnects_failed.load()) +
           ",\"reconnecting_received\":" + n(c.reconnecting_received.load());
    return out;
}

void print_report(options const& opt, report const& r, run_counters const& c) {
    auto const lost = r.expected > r.delivered ? r.expected - r.delivered : 0;
    auto const loss =
        r.expected ? 100.0 * static_cast<double>(lost) / static_cast<double>(r.expected) : 0.0;
    auto const per_second = static_cast<double>(r.delivered) / opt.seconds;
    auto const cpu_per_k = r.delivered && r.cpu_seconds >= 0
                               ? r.cpu_seconds * 1000 / static_cast<double>(r.delivered)
                               : -1;
    auto const idle_kib = opt.subscribers
                              ? static_cast<double>(r.rss_subscribed_kib - r.rss_before_kib) /
                                    static_cast<double>(opt.subscribers)
                              : 0.0;
    auto const& at_socket = r.socket_latency;
    // The scenarios' columns, only when they are run.
    std::string extra_header;
    std::string extra_rule;
    std::string extra;
    if (opt.stalled) {
        extra_header += " stalled: closed by the server at 5 s / at the end | stalled, once "
                        "continued: closed / ended / open | stalled: backlog msgs | stalled: "
                        "backlog KiB (most for one) | server VmRSS at stall end MiB |";
        extra_rule += "--:|--:|--:|--:|--:|";
        auto const closed_by = [&](std::optional<tcp_snapshot> const& t) {
            return t ? std::to_string(opt.stalled - std::min(opt.stalled, t->server_open))
                     : std::string("?");
        };
        auto const& st = r.stall;
        extra += " " + closed_by(r.tcp_5s) + " / " + closed_by(r.tcp_end) + " |";
        extra += st ? " " + std::to_string(st->closed) + " / " + std::to_string(st->ended) + " / " +
                          std::to_string(st->open) + " | " + with_commas(st->backlog_messages) +
                          " | " + with_commas(st->backlog_bytes / 1024) + " (" +
                          with_commas(st->backlog_max_bytes / 1024) + ") |"
                    : std::string(" ? | ? | ? |");
        std::array<char, 32> text{};
        std::snprintf(text.data(), text.size(), " %.1f |",
                      static_cast<double>(r.rss_stall_end_kib) / 1024);
        extra += text.data();
    }
    if (opt.reconnecting) {
        extra_header += " reconnects done / failed |";
        extra_rule += "--:|";
        extra += " " + with_commas(c.reconnects.load()) + " / " +
                 with_commas(c.reconnects_failed.load()) + " |";
    }
    if (opt.header) {
        std::printf("| peer | subscribers | channels | msg/s per channel | payload B | delivered / "
                    "expected | loss | p50 ms | p99 ms | p99.9 ms | max ms | p99 ms read | "
                    "deliveries/s | server CPU s per 1k deliveries | server VmHWM MiB | server "
                    "VmRSS MiB | KiB per idle subscriber |%s\n",
                    extra_header.c_str());
        std::printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|%s\n",
                    extra_rule.c_str());
    }
    std::printf("| %s | %s | %zu | %g | %zu | %s / %s | %.3f%% | %.3f | %.3f | %.3f | %.3f | %.3f "
                "| %s | %.4f | %.1f | %.1f | %.2f |%s\n",
                opt.label.c_str(), with_commas(opt.subscribers).c_str(), opt.channels, opt.rate,
                opt.payload, with_commas(r.delivered).c_str(), with_commas(r.expected).c_str(),
                loss, at_socket.percentile_ms(0.50), at_socket.percentile_ms(0.99),
                at_socket.percentile_ms(0.999), at_socket.max_ms(), r.latency.percentile_ms(0.99),
                with_commas(static_cast<std::uint64_t>(std::llround(per_second))).c_str(),
                cpu_per_k, static_cast<double>(r.hwm_kib) / 1024,
                static_cast<double>(r.rss_kib) / 1024, idle_kib, extra.c_str());
    std::printf(
        "{\"label\":%s,\"subscribers\":%zu,\"channels\":%zu,\"rate_per_channel\":%g,"
        "\"payload_bytes\":%zu,\"warmup_s\":%g,\"seconds\":%g,\"expected\":%llu,"
        "\"delivered\":%llu,\"loss\":%.6f,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,"
        "\"max_ms\":%.4f,\"socket_samples\":%llu,\"read_p50_ms\":%.4f,\"read_p99_ms\":%.4f,"
        "\"read_p999_ms\":%.4f,\"read_max_ms\":%.4f,\"deliveries_per_s\":%.1f,"
        "\"server_cpu_s\":%.3f,\"server_cpu_s_per_1k\":%.5f,\"window_s\":%.3f,"
        "\"server_vmhwm_kib\":%ld,\"server_vmrss_kib\":%ld,\"server_rss_before_kib\":%ld,"
        "\"server_rss_subscribed_kib\":%ld,\"idle_kib_per_subscriber\":%.3f,\"published\":%llu,"
        "\"publish_errors\":%llu,\"send_lag_p99_ms\":%.4f,\"send_lag_max_ms\":%.4f,"
        "\"reordered\":%llu,\"unexpected\":%llu,\"dropped\":%zu,\"client_cpu_s\":%.3f,"
        "\"client_threads\":%zu,\"others_cpu_s\":%.3f,\"accepted_deliveries\":%llu,\"unsent\":%llu%"
        "s}"
        "\n",
        json_string(opt.label).c_str(), opt.subscribers, opt.channels, opt.rate, opt.payload,
        opt.warmup, opt.seconds, static_cast<unsigned long long>(r.expected),
        static_cast<unsigned long long>(r.delivered), loss / 100, at_socket.percentile_ms(0.50),
        at_socket.percentile_ms(0.99), at_socket.percentile_ms(0.999), at_socket.max_ms(),
        static_cast<unsigned long long>(at_socket.count()), r.latency.percentile_ms(0.50),
        r.latency.percentile_ms(0.99), r.latency.percentile_ms(0.999), r.latency.max_ms(),
        per_second, r.cpu_seconds, cpu_per_k, r.window_seconds, r.hwm_kib, r.rss_kib,
        r.rss_before_kib, r.rss_subscribed_kib, idle_kib,
        static_cast<unsigned long long>(c.published.load()),
        static_cast<unsigned long long>(c.publish_errors.load()), r.send_lag.percentile_ms(0.99),
        r.send_lag.max_ms(), static_cast<unsigned long long>(c.reordered.load()),
        static_cast<unsigned long long>(c.unexpected.load()), c.dropped.load(),
        r.client_cpu_seconds, opt.threads, r.others_cpu_seconds,
        static_cast<unsigned long long>(c.accepted_deliveries.load()),
        static_cast<unsigned long long>(c.unsent.load()), scenario_json(opt, r, c).c_str());
}

} // namespace

int main(int argc, char** argv) {
    auto const parsed = parse_options(argc, argv);
    if (!parsed) {
        std::fprintf(
            stderr,
            "usage: minuted_load_client --port PORT --sub TEMPLATE --pub TEMPLATE [--channels C]\n"
            "           [--subscribers N] [--rate R] [--seconds S] [--warmup W] [--payload P]\n"
            "           [--drain D] [--server-pid PID]... [--threads T] [--label NAME] [--header]\n"
            "           [--stalled PERCENT [--stall-seconds S]] [--reconnecting PERCENT]\n"
            "TEMPLATE is a path with {c} for the channel, e.g. '/sub/{c}'; P >= %zu;\n"
            "--stalled: that share of the subscribers stopped (SIGSTOP) for --stall-seconds\n"
            "(at most S, default S) from the start of the measured window; --reconnecting: that\n"
            "share reopening their WebSocket every second of it; together less than 100%%\n",
            header_size);
        return 64;
    }
    auto const& opt = *parsed;
    std::signal(SIGPIPE, SIG_IGN);

    // A descriptor per connection, and a few for the process itself.
    if (!raise_fd_limit(static_cast<rlim_t>(opt.subscribers + opt.channels + 64))) {
        note("cannot open %zu files (RLIMIT_NOFILE)", opt.subscribers + opt.channels + 64);
        return 1;
    }

    // Forked first: no thread or io_context may exist yet.
    std::unique_ptr<stalled_process> stalled;
    if (opt.stalled > 0) {
        stalled = fork_stalled_process(opt);
        if (!stalled) {
            note("cannot start the stalled subscribers' process: %s", std::strerror(errno));
            return 1;
        }
    }

    run_counters counters;
    counters.realtime_offset_ns = realtime_minus_steady_ns();
    std::vector<std::unique_ptr<worker>> workers;
    for (std::size_t t = 0; t < opt.threads; ++t)
        workers.push_back(std::make_unique<worker>(opt, counters));
    // The publishers have a thread of their own, so that a message is sent when it is due even
    // while the subscribers' thread reads the burst of the one before (the two share the
    // client's core): a late send would count against the server.
    auto& publishing = *workers.emplace_back(std::make_unique<worker>(opt, counters));
    auto const here = opt.subscribers - opt.stalled;
    for (std::size_t i = 0; i < here; ++i) {
        auto const role =
            i < opt.counted() ? subscriber_role::counted : subscriber_role::reconnecting;
        auto const phase =
            role == subscriber_role::reconnecting
                ? static_cast<double>(i - opt.counted()) / static_cast<double>(opt.reconnecting)
                : 0.0;
        workers[i % opt.threads]->add_subscriber(i % opt.channels, role, phase);
    }
    for (std::size_t c = 0; c < opt.channels; ++c)
        publishing.add_publisher(c);

    report r;
    r.rss_before_kib = server_kib(opt.server_pids, "VmRSS");
    for (auto& w : workers)
        w->run();
    auto const stop_all = [&] {
        counters.stopping = true;
        for (auto& w : workers)
            w->stop();
    };

    auto const connect_start = steady::now();
    for (auto& w : workers)
        w->connect_subscribers();
    bool const settled =
        wait_until([&] { return counters.subscribed + counters.subscribe_failed >= here; },
                   std::chrono::seconds(120));
    if (!settled || counters.subscribe_failed > 0) {
        stop_all();
        note("%zu of %zu subscribers subscribed (%zu failed): %s", counters.subscribed.load(), here,
             counters.subscribe_failed.load(), counters.first_failure.c_str());
        return 1;
    }
    std::vector<bool> stalled_ports(65536);
    if (stalled) {
        // "subscribed N FAILED PORTS [why]"
        auto const line = stalled->receive(std::chrono::seconds(120));
        std::istringstream words(line.value_or(""));
        std::string word;
        std::size_t subscribed = 0;
        std::size_t failed = 0;
        std::string ports;
        if (!(words >> word >> subscribed >> failed >> ports) || word != "subscribed" ||
            subscribed != opt.stalled) {
            stop_all();
            note("the stalled subscribers' process: %s",
                 line ? line->c_str() : "no answer within 120 s");
            return 1;
        }
        std::istringstream list(ports);
        for (std::string port; std::getline(list, port, ',');)
            if (std::size_t n = 0; parse_field(port, n) && n < stalled_ports.size())
                stalled_ports[n] = true;
    }
    note("%zu subscribers on %zu channels in %.2f s", opt.subscribers, opt.channels,
         std::chrono::duration<double>(steady::now() - connect_start).count());
    // Idle memory: once the server has settled after the last handshake.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    r.rss_subscribed_kib = server_kib(opt.server_pids, "VmRSS");

    for (auto& w : workers)
        w->connect_publishers();
    if (!wait_until(
            [&] {
                return counters.publishers_connected + counters.publishers_failed >= opt.channels;
            },
            std::chrono::seconds(30)) ||
        counters.publishers_failed > 0) {
        stop_all();
        note("publishers: %s", counters.first_failure.c_str());
        return 1;
    }

    for (std::size_t c = 0; c < opt.channels; ++c)
        r.expected += scheduled_messages(opt, c).measured * counted_of(opt, c);

    auto const start = steady::now() + std::chrono::milliseconds(100);
    auto const to_duration = [](double s) {
        return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
    };
    auto const window_start = start + to_duration(opt.warmup);
    auto const schedule_end = window_start + to_duration(opt.seconds);
    auto const stall_end = window_start + to_duration(opt.stall_seconds);
    if (stalled &&
        !stalled->send("stall-end " + std::to_string(nanos(stall_end.time_since_epoch())))) {
        stop_all();
        note("the stalled subscribers' process has gone");
        return 1;
    }
    for (auto& w : workers)
        w->start_publishing(start);
    if (opt.reconnecting > 0)
        for (auto& w : workers)
            w->start_reconnecting(window_start, schedule_end);
    note("publishing %g msg/s to each channel, %zu B: %g s warm-up, %g s measured", opt.rate,
         opt.payload, opt.warmup, opt.seconds);

    std::this_thread::sleep_until(window_start);
    if (stalled)
        stalled->signal(SIGSTOP);
    auto const cpu_before = server_cpu_seconds(opt.server_pids);
    auto const client_cpu_before = self_cpu_seconds();
    auto const machine_before = machine_cpu_now();
    if (stalled) {
        // The target: stalled subscribers evicted (or skipped ahead) within 5 s.
        if (auto const at_5s = window_start + std::chrono::seconds(5); at_5s <= stall_end) {
            std::this_thread::sleep_until(at_5s);
            r.tcp_5s = snapshot_tcp(opt.port, stalled_ports);
        }
    }
    auto const resume_stalled = [&] {
        r.rss_stall_end_kib = server_kib(opt.server_pids, "VmRSS");
        r.tcp_end = snapshot_tcp(opt.port, stalled_ports);
        stalled->signal(SIGCONT);
        note("%zu subscribers stalled for %.1f s; the server's VmRSS at the end: %.1f MiB",
             opt.stalled, std::chrono::duration<double>(steady::now() - window_start).count(),
             static_cast<double>(r.rss_stall_end_kib) / 1024);
    };
    // A stall as long as the window lasts until the others' last deliveries (or the drain's
    // end): the stalled ones' backlog, read once they are continued, competes with nothing
    // that is measured.
    bool const stall_outlasts_window = stalled && stall_end >= schedule_end;
    if (stalled && !stall_outlasts_window) {
        std::this_thread::sleep_until(stall_end);
        resume_stalled();
    }
    std::this_thread::sleep_until(schedule_end);
    // The last deliveries: until every measured message has arrived, or the drain time is up.
    wait_until(
        [&] {
            return counters.publishers_done >= opt.channels &&
                   counters.delivered.load(std::memory_order_relaxed) >= r.expected;
        },
        std::chrono::milliseconds(static_cast<std::int64_t>(opt.drain * 1000)));
    auto const window_end = steady::now();
    auto const cpu_after = server_cpu_seconds(opt.server_pids);
    r.hwm_kib = server_kib(opt.server_pids, "VmHWM");
    r.rss_kib = server_kib(opt.server_pids, "VmRSS");
    bool const server_gone = cpu_before < 0 || cpu_after < 0 || r.rss_kib < 0;
    r.cpu_seconds = opt.server_pids.empty() || server_gone ? -1 : cpu_after - cpu_before;
    r.client_cpu_seconds = self_cpu_seconds() - client_cpu_before;
    // What the rest of the machine used meanwhile: on two cores, a busy neighbour shows up in
    // the latencies of the peer and of this client.
    auto const machine_after = machine_cpu_now();
    auto const tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    r.others_cpu_seconds = static_cast<double>(machine_after.busy - machine_before.busy) / tick -
                           std::max(0.0, r.cpu_seconds) - r.client_cpu_seconds;
    r.window_seconds = std::chrono::duration<double>(window_end - window_start).count();
    if (stall_outlasts_window)
        resume_stalled();

    stop_all();
    if (stalled) {
        if (stalled->send("report"))
            if (auto const line = stalled->receive(std::chrono::seconds(20)))
                r.stall = parse_stall_report(*line);
        if (!r.stall)
            note("the stalled subscribers' process did not report");
    }
    r.delivered = counters.delivered;
    for (auto& w : workers) {
        r.latency.merge(w->latency());
        r.socket_latency.merge(w->socket_latency());
        counters.unsent += w->unsent();
        r.send_lag.merge(w->send_lag());
    }
    if (!counters.first_failure.empty())
        note("first problem: %s", counters.first_failure.c_str());
    if (r.delivered < r.expected)
        note("%llu of %llu measured deliveries missing, %llu of them of messages the server "
             "accepted; POSTs answered 2xx %llu, failed %llu, not sent by the end %llu; "
             "warm-up messages received %llu, out of order %llu, not ours %llu; publishers done "
             "%zu of %zu",
             static_cast<unsigned long long>(r.expected - r.delivered),
             static_cast<unsigned long long>(r.expected),
             static_cast<unsigned long long>(
                 counters.accepted_deliveries.load() -
                 std::min(counters.accepted_deliveries.load(), r.delivered)),
             static_cast<unsigned long long>(counters.published.load()),
             static_cast<unsigned long long>(counters.publish_errors.load()),
             static_cast<unsigned long long>(counters.unsent.load()),
             static_cast<unsigned long long>(counters.warmup_received.load()),
             static_cast<unsigned long long>(counters.reordered.load()),
             static_cast<unsigned long long>(counters.unexpected.load()),
             counters.publishers_done.load(), opt.channels);
    // A client that cannot keep up queues deliveries itself: its own waiting then shows up as
    // the server's latency.
    auto const client_busy =
        r.client_cpu_seconds / r.window_seconds / static_cast<double>(opt.threads);
    if (r.others_cpu_seconds > 0.1 * r.window_seconds)
        note("other processes used %.1f CPU seconds during the %.1f s window: the latencies are "
             "not this server's alone",
             r.others_cpu_seconds, r.window_seconds);
    if (client_busy > 0.7)
        note("the load client was busy %.0f%% of the window on each of its %zu threads: its own "
             "queueing is part of the latencies",
             100 * client_busy, opt.threads);
    print_report(opt, r, counters);
    if (server_gone) {
        note("a --server-pid exited during the run");
        return 1;
    }
    return 0;
}
