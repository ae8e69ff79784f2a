// The fields of /proc/PID/stat that the process_* metrics come from (daemon/process_metrics.hpp).

#include "daemon/process_metrics.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace minuted::daemon {
namespace {

// A line as Linux 6.1 writes it, for a command whose name holds spaces and parentheses.
constexpr char const* stat_line =
    "4242 (min ted) (x)) S 1 4242 4242 0 -1 4194560 1520 0 0 0 37 12 0 0 20 0 3 0 987654 "
    "275099648 3123 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 "
    "0 0\n";

TEST(proc_stat, cpu_start_and_memory_are_read_after_the_command_name) {
    auto const s = parse_proc_stat(stat_line);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cpu_ticks, 37u + 12u);
    EXPECT_EQ(s->start_ticks, 987654u);
    EXPECT_EQ(s->virtual_bytes, 275099648u);
    EXPECT_EQ(s->resident_pages, 3123u);
}

TEST(proc_stat, text_that_is_not_proc_stat_gives_nothing) {
    EXPECT_FALSE(parse_proc_stat(""));
    EXPECT_FALSE(parse_proc_stat("4242 minted S 1 2 3"));
    EXPECT_FALSE(parse_proc_stat("4242 (minted) S 1 4242 4242 0 -1 4194560 1520 0 0 0 37 12"));
    EXPECT_FALSE(parse_proc_stat("4242 (minted) S 1 4242 4242 0 -1 4194560 1520 0 0 0 x 12 0 0 "
                                 "20 0 3 0 987654 275099648 3123 1"));
}

TEST(proc_stat, this_process_s_own_file_reads) {
    std::ifstream file("/proc/self/stat");
    auto const s = parse_proc_stat(std::string(std::istreambuf_iterator<char>(file), {}));
    ASSERT_TRUE(s);
    EXPECT_GT(s->resident_pages, 0u);
    EXPECT_GT(s->virtual_bytes, s->resident_pages);
}

TEST(process_metrics, name_the_build_and_the_process_once_each) {
    auto const text = render_process_metrics();
    for (auto const* name :
         {"\nminuted_build_info{version=\"", "\nprocess_cpu_seconds_total ",
          "\nprocess_resident_memory_bytes ", "\nprocess_virtual_memory_bytes ",
          "\nprocess_start_time_seconds ", "\nprocess_open_fds ", "\nprocess_max_fds "}) {
        auto const at = text.find(name);
        EXPECT_NE(at, std::string::npos) << name;
        EXPECT_EQ(text.find(name, at + 1), std::string::npos) << name;
    }
}

// The start time is the same at every scrape: one that moved would count as a restart in
// the alert rule on changes(process_start_time_seconds[1h]).
TEST(process_metrics, the_start_time_is_the_same_at_every_scrape) {
    auto const start_time = [] {
        auto const text = render_process_metrics();
        std::string_view const name = "\nprocess_start_time_seconds ";
        auto const at = text.find(name);
        return at == std::string::npos
                   ? std::string()
                   : text.substr(at + name.size(), text.find('\n', at + 1) - at - name.size());
    };
    auto const first = start_time();
    ASSERT_FALSE(first.empty());
    for (int i = 0; i < 200; ++i)
        ASSERT_EQ(start_time(), first) << "scrape " << i;
}

} // namespace
} // namespace minuted::daemon
