#include "daemon/process_metrics.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#ifndef MINUTED_VERSION
#error "MINUTED_VERSION comes from the project's version (daemon/CMakeLists.txt)"
#endif

namespace minuted::daemon {

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t n = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return n;
}

void gauge(std::string& out, char const* name, char const* type, char const* help, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    out += std::string("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' +
           name + ' ' + buf + '\n';
}

double seconds_of(clockid_t clock) {
    timespec t{};
    ::clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

} // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) {
    auto const paren = text.rfind(')');
    if (paren == std::string_view::npos)
        return std::nullopt;
    // From field 3 (state) on: field N is fields[N - 3].
    std::vector<std::string_view> fields;
    auto rest = text.substr(paren + 1);
    while (!rest.empty()) {
        auto const start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos)
            break;
        rest.remove_prefix(start);
        auto const end = rest.find_first_of(" \n");
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (fields.size() < 22)
        return std::nullopt;
    auto const utime = number(fields[11]);
    auto const stime = number(fields[12]);
    auto const start = number(fields[19]);
    auto const vsize = number(fields[20]);
    auto const rss = number(fields[21]);
    if (!utime || !stime || !start || !vsize || !rss)
        return std::nullopt;
    return proc_stat{*utime + *stime, *start, *vsize, *rss};
}

std::string render_process_metrics() {
    std::string out =
        "# HELP minuted_build_info The version of minuted running.\n"
        "# TYPE minuted_build_info gauge\nminuted_build_info{version=\"" MINUTED_VERSION "\"} 1\n";
    std::ifstream file("/proc/self/stat");
    std::string const text{std::istreambuf_iterator<char>(file), {}};
    auto const ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    if (auto const stat = parse_proc_stat(text); stat && ticks > 0) {
        gauge(out, "process_cpu_seconds_total", "counter",
              "Total user and system CPU time spent in seconds.",
              static_cast<double>(stat->cpu_ticks) / ticks);
        gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
              static_cast<double>(stat->resident_pages) * static_cast<double>(::getpagesize()));
        gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
              static_cast<double>(stat->virtual_bytes));
        // The boot time from now and the time since boot, rather than /proc/stat's btime: under
        // systemd's ProcSubset=pid only the processes' own files are left in /proc. Worked out
        // once: the two clocks read anew would move it by a rounding at every scrape, and a
        // start time that changes reads as a restart.
        static double const started = seconds_of(CLOCK_REALTIME) - seconds_of(CLOCK_BOOTTIME) +
                                      static_cast<double>(stat->start_ticks) / ticks;
        gauge(out, "process_start_time_seconds", "gauge",
              "Start time of the process since unix epoch in seconds.", started);
    }
    std::error_code ec;
    std::size_t fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec))
        ++fds;
    if (!ec)
        gauge(out, "process_open_fds", "gauge", "Number of open file descriptors.",
              static_cast<double>(fds));
    if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0)
        gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
              static_cast<double>(limit.rlim_cur));
    return out;
}

} // namespace minuted::daemon
