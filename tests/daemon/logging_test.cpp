// How log lines are written for systemd's journal (daemon/logging.hpp): which stream counts as
// the journal's, each level's priority, and the prefix on every line of a message.

#include "daemon/logging.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

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

TEST(journal_lines, a_nul_cannot_start_a_line_of_its_own) {
    // journald ends a line at NUL as at a newline, and reads a priority after it.
    EXPECT_EQ(journal_lines(6, std::string_view("a\0<0>b", 6)), "<6>a\\x00<0>b\n");
}

TEST(journal_lines, a_long_line_goes_out_in_pieces_that_each_carry_the_priority) {
    // journald cuts a line at LineMax and reads a priority where it cut.
    std::string const first(journal_piece_bytes, 'x');
    EXPECT_EQ(journal_lines(6, first + "<0>forged"), "<6>" + first + "\n<6><0>forged\n");
    EXPECT_EQ(journal_lines(6, first + "\n"), "<6>" + first + "\n");
    // A cut never splits a UTF-8 sequence: "é" is two bytes.
    std::string const almost(journal_piece_bytes - 1, 'x');
    EXPECT_EQ(journal_lines(4, almost + "\xC3\xA9" + "y"), "<4>" + almost + "\xC3\xA9\n<4>y\n");
    std::string const whole(10 * journal_piece_bytes + 7, 'z');
    auto const out = journal_lines(3, whole);
    std::size_t lines = 0;
    for (std::size_t at = 0; at < out.size(); at = out.find('\n', at) + 1) {
        EXPECT_EQ(out.compare(at, 3, "<3>"), 0);
        ++lines;
    }
    EXPECT_EQ(lines, 11U);
    EXPECT_EQ(out.size(), whole.size() + 11 * 4);
}

} // namespace
} // namespace minuted::daemon
