#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::daemon {

/// The fields of /proc/PID/stat (proc(5)) that Prometheus' process metrics come from.
struct proc_stat {
    std::uint64_t cpu_ticks = 0;      ///< utime + stime, in clock ticks
    std::uint64_t start_ticks = 0;    ///< starttime: clock ticks after boot
    std::uint64_t virtual_bytes = 0;  ///< vsize
    std::uint64_t resident_pages = 0; ///< rss
};

/// Reads /proc/PID/stat's text; nullopt if it is not that. The command's name, in parentheses,
/// may hold spaces and parentheses itself: the fields are counted after its last ')'.
std::optional<proc_stat> parse_proc_stat(std::string_view text);

/// minuted_build_info (the project's version) and the standard process_* metrics of the
/// daemon, read from /proc/self, in the Prometheus text format. A file that cannot be read
/// leaves out what it gives.
std::string render_process_metrics();

} // namespace minuted::daemon
