// How log lines are written for systemd's journal (daemon/logging.hpp): which stream counts as
// the journal's, each level's priority, and the prefix on every line of a message.

#include "daemon/logging.hpp"

#include <gtest/gtest.h>

namespace minuted::daemon {
namespace {

TEST(journal_stream, names_the_stream_with_that_device_and_inode_only) {
    EXPECT_TRUE(names_stream("65024:11821297", 65024, 11821297));
    EXPECT_FALSE(names_stream("65024:11821297", 65024, 11821298));
    EXPECT_FALSE(names_stream("65025:11821297", 65024, 11821297));
    EXPECT_TRUE(names_stream("0:0", 0, 0));
}

TEST(journal_stream, a_malformed_value_names_nothing) {
    for (auto const* bad : {"", ":", "12", "12:", ":34", "12:34:", "12:34 ", " 12:34", "0x1:2",
                            "-1:2", "12:34\n", "99999999999999999999999:1"})
        EXPECT_FALSE(names_stream(bad, 12, 34)) << bad;
}

TEST(journal_priority, each_level_has_the_syslog_priority_journalctl_p_filters_on) {
    using spdlog::level::level_enum;
    EXPECT_EQ(syslog_priority(level_enum::trace), 7);
    EXPECT_EQ(syslog_priority(level_enum::debug), 7);
    EXPECT_EQ(syslog_priority(level_enum::info), 6);
    EXPECT_EQ(syslog_priority(level_enum::warn), 4);
    EXPECT_EQ(syslog_priority(level_enum::err), 3);
    EXPECT_EQ(syslog_priority(level_enum::critical), 2);
}

TEST(journal_lines, every_line_of_a_message_carries_the_priority) {
    EXPECT_EQ(journal_lines(4, "warning one line\n"), "<4>warning one line\n");
    EXPECT_EQ(journal_lines(6, "info no newline"), "<6>info no newline\n");
    EXPECT_EQ(journal_lines(3, "error first\nsecond\n"), "<3>error first\n<3>second\n");
    // A line of a message that starts as a priority would otherwise be read as one:
    // <0> would have journald broadcast it to every terminal as an emergency.
    EXPECT_EQ(journal_lines(6, "info caption:\n<0>forged\n"), "<6>info caption:\n<6><0>forged\n");
    EXPECT_EQ(journal_lines(6, "info a\n\nb\n"), "<6>info a\n<6>\n<6>b\n");
    EXPECT_EQ(journal_lines(6, ""), "");
}

} // namespace
} // namespace minuted::daemon
