#pragma once

// What the load tests (the soak test and the benchmarks that drive the real daemon) measure
// with: CPU time and memory of a process and of the machine from /proc, latency
// distributions, an io_context on its own thread for their clients. Header-only: the load
// client, which needs nothing of minuted, uses it too.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <pthread.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace minuted::testing {

using steady = std::chrono::steady_clock;

inline std::int64_t nanos(steady::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

inline double seconds_since(steady::time_point t) {
    return std::chrono::duration<double>(steady::now() - t).count();
}

/// Polls `done` every 10 ms until it holds or `timeout` passes; whether it held.
inline bool wait_until(std::function<bool()> const& done, std::chrono::milliseconds timeout) {
    auto const deadline = steady::now() + timeout;
    while (!done()) {
        if (steady::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// What /proc says about a process and the machine.

/// CPU time in seconds of a process or thread, from /proc/PID/stat or /proc/PID/task/TID/stat.
struct cpu_seconds {
    double user = -1;   ///< utime
    double system = -1; ///< stime
    double total() const noexcept { return user + system; }
};

inline cpu_seconds stat_cpu(std::filesystem::path const& stat) {
    std::ifstream in(stat);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto const paren = text.rfind(')');
    if (paren == std::string::npos)
        return {};
    // After the command name: state is field 3, utime field 14, stime field 15.
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15)
            stime = std::stoull(field);
    }
    auto const tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return {static_cast<double>(utime) / tick, static_cast<double>(stime) / tick};
}

/// utime + stime in seconds of a /proc/PID/stat or /proc/PID/task/TID/stat file, or -1.
inline double stat_cpu_seconds(std::filesystem::path const& stat) {
    auto const c = stat_cpu(stat);
    return c.user < 0 ? -1 : c.total();
}

/// utime + stime of process `pid` in seconds (/proc/PID/stat), or -1.
inline double process_cpu_seconds(pid_t pid) {
    return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat");
}

/// A `Vm...:` line of /proc/PID/status in KiB (VmRSS, VmHWM), or -1.
inline long status_kib(pid_t pid, std::string_view key = "VmRSS") {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':')
            return std::stol(line.substr(key.size() + 1));
    return -1;
}

/// VmRSS of process `pid` in KiB, or -1.
inline long rss_kib(pid_t pid) {
    return status_kib(pid, "VmRSS");
}

inline std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

/// CPU time of the whole machine (/proc/stat): busy and total jiffies over all cores.
struct machine_cpu {
    unsigned long long busy = 0;
    unsigned long long total = 0;
};

inline machine_cpu machine_cpu_now() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    in >> cpu;
    machine_cpu m;
    unsigned long long v = 0;
    for (int i = 0; i < 8 && in >> v; ++i) {
        m.total += v;
        if (i != 3 && i != 4) // idle, iowait
            m.busy += v;
    }
    return m;
}

/// Share of all cores busy (any process) between two readings.
inline double busy_share(machine_cpu const& before, machine_cpu const& after) {
    return static_cast<double>(after.busy - before.busy) /
           static_cast<double>(std::max(1ULL, after.total - before.total));
}

/// CPU time of thread `t` in seconds, or -1.
inline double thread_cpu_seconds(std::thread& t) {
    clockid_t id{};
    timespec ts{};
    if (::pthread_getcpuclockid(t.native_handle(), &id) != 0 || ::clock_gettime(id, &ts) != 0)
        return -1;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// CPU time of this process, all threads, in seconds.
inline double self_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto const s = [](timeval t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return s(u.ru_utime) + s(u.ru_stime);
}

/// The number after `key` (e.g. `"seq":`) in `json`, searched for in its first 64 bytes and
/// then from its end: minuted puts "rev" first and "seq" last, PROTOCOL.md shows "seq"
/// second. A key in quotes cannot occur inside a JSON string, whose quotes are escaped.
inline std::optional<std::uint64_t> number_after(std::string_view json, std::string_view key) {
    auto at = json.substr(0, 64).find(key);
    if (at == std::string_view::npos)
        at = json.rfind(key);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::uint64_t v = 0;
    auto const* begin = json.data() + at + key.size();
    auto const [end, ec] = std::from_chars(begin, json.data() + json.size(), v);
    if (ec != std::errc{} || end == begin)
        return std::nullopt;
    return v;
}

// ---------------------------------------------------------------------------------------

/// Runs an io_context on its own thread until `stop`.
class io_thread {
public:
    io_thread() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
    io_thread(io_thread const&) = delete;
    io_thread& operator=(io_thread const&) = delete;
    ~io_thread() { stop(); }
    boost::asio::io_context& context() noexcept { return ioc_; }
    std::thread& thread() noexcept { return thread_; }
    /// Runs `f` on the thread and waits for it.
    template <class F>
    void call(F f) {
        std::promise<void> done;
        boost::asio::post(ioc_, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
    void stop() {
        guard_.reset();
        ioc_.stop();
        if (thread_.joinable())
            thread_.join();
    }

private:
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

/// count, p50, p99, p99.9 and max of samples in ns, as ms.
struct distribution {
    std::size_t count = 0;
    double p50 = 0, p99 = 0, p999 = 0, max = 0;
};

/// Sorts `ns` and reads its percentiles (nearest rank).
inline distribution distribution_of(std::vector<std::int64_t>& ns) {
    distribution d;
    d.count = ns.size();
    if (ns.empty())
        return d;
    std::sort(ns.begin(), ns.end());
    auto const at = [&](double p) {
        auto const rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ns.size())));
        return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1e6;
    };
    d.p50 = at(0.50);
    d.p99 = at(0.99);
    d.p999 = at(0.999);
    d.max = static_cast<double>(ns.back()) / 1e6;
    return d;
}

/// 1234567 -> "1,234,567".
inline std::string with_commas(std::uint64_t v) {
    auto const digits = std::to_string(v);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

} // namespace minuted::testing
