#pragma once

// What the benchmarks that drive the real daemon share: the daemon as a child process on
// 127.0.0.1, an io_context on its own thread, what /proc says about a process and the machine,
// GET requests, and latency distributions. Used by minuted_fanout_bench and
// minuted_ingest_bench.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace minuted::bench {

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

// ---------------------------------------------------------------------------------------
// The daemon, as a child process on 127.0.0.1 with a free port and its own state directory.

/// `BINARY serve --listen 127.0.0.1:0 --state-dir TMP/state [--config TMP/minuted.toml]`,
/// TMP a fresh directory under the system's temporary directory (removed by the destructor),
/// the config file written from `config_toml` if that is not empty. Its standard output and
/// error are read on a thread and kept (up to 4 MB); the port is read from its `listening on`
/// line. It is killed if this process dies (PR_SET_PDEATHSIG). Throws if it does not start
/// within 20 s. `prepare`, if set, is given the state directory to fill before the daemon
/// starts (an archive to search, say).
class daemon_process {
public:
    daemon_process(std::string const& binary, std::string const& config_toml,
                   std::string const& tmp_prefix = "minuted-bench",
                   std::function<void(std::filesystem::path const&)> const& prepare = {}) {
        std::string templ =
            (std::filesystem::temp_directory_path() / (tmp_prefix + "-XXXXXX")).string();
        if (::mkdtemp(templ.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        dir_ = templ;
        if (prepare)
            prepare(state_dir());
        std::vector<std::string> args{binary,        "serve",       "--listen",
                                      "127.0.0.1:0", "--state-dir", state_dir().string()};
        if (!config_toml.empty()) {
            auto const config = dir_ / "minuted.toml";
            std::ofstream(config) << config_toml;
            args.insert(args.end(), {"--config", config.string()});
        }
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);

        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlive the bench
            ::dup2(out[1], 1);
            ::dup2(out[1], 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        // The daemon logs to a pipe: read it always, so a full pipe never blocks the daemon.
        reader_ = std::thread([this, fd = out[0]] {
            char buf[4096];
            for (;;) {
                auto const n = ::read(fd, buf, sizeof buf);
                if (n <= 0)
                    break;
                std::lock_guard lock(mutex_);
                if (output_.size() < 4'000'000)
                    output_.append(buf, static_cast<std::size_t>(n));
            }
            ::close(fd);
        });
        std::string const marker = "listening on http://127.0.0.1:";
        bool const up = wait_until(
            [&] {
                std::lock_guard lock(mutex_);
                auto const at = output_.find(marker);
                if (at == std::string::npos)
                    return false;
                auto const* begin = output_.data() + at + marker.size();
                std::from_chars(begin, output_.data() + output_.size(), port_);
                return port_ != 0;
            },
            std::chrono::seconds(20));
        if (!up) {
            stop();
            throw std::runtime_error("minuted did not start:\n" + output());
        }
    }
    daemon_process(daemon_process const&) = delete;
    daemon_process& operator=(daemon_process const&) = delete;
    ~daemon_process() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    pid_t pid() const noexcept { return pid_; }
    unsigned short port() const noexcept { return port_; }
    std::filesystem::path state_dir() const { return dir_ / "state"; }

    /// SIGTERM, then SIGKILL if it has not exited after 5 s.
    void stop() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGTERM);
            auto const deadline = steady::now() + std::chrono::seconds(5);
            int status = 0;
            while (::waitpid(pid_, &status, WNOHANG) == 0) {
                if (steady::now() > deadline) {
                    ::kill(pid_, SIGKILL);
                    ::waitpid(pid_, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            exited_ = true;
        }
        if (reader_.joinable())
            reader_.join();
    }

    std::string output() const {
        std::lock_guard lock(mutex_);
        return output_;
    }

    /// Log lines at warning level or above.
    std::vector<std::string> complaints() const {
        std::vector<std::string> lines;
        std::istringstream in(output());
        for (std::string line; std::getline(in, line);)
            if (line.find(" warning ") != std::string::npos ||
                line.find(" error ") != std::string::npos ||
                line.find(" critical ") != std::string::npos)
                lines.push_back(line);
        return lines;
    }

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    bool exited_ = false;
    unsigned short port_ = 0;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
};

/// GET `target` from the daemon on 127.0.0.1:`port`; the body. Throws on I/O errors.
inline std::string http_get(unsigned short port, std::string const& target) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(net::ip::tcp::endpoint(net::ip::address_v4::loopback(), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    boost::beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    return res.body();
}

/// One counter of a GET /metrics exposition, or 0.
inline double metric(std::string const& exposition, std::string const& name) {
    std::istringstream in(exposition);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(name + " "))
            return std::stod(line.substr(name.size() + 1));
    return 0;
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

} // namespace minuted::bench
