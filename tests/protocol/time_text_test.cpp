#include "protocol/time_text.hpp"

#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

// PROTOCOL.md, "Times": RFC 3339, UTC, milliseconds.
TEST(time_text, writes_utc_with_milliseconds) {
    EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(rfc3339(1732350000123), "2024-11-23T08:20:00.123Z");
    EXPECT_EQ(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(rfc3339(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(time_text, clamps_to_four_digit_years) {
    EXPECT_EQ(rfc3339(INT64_MAX), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(rfc3339(INT64_MIN), "0000-01-01T00:00:00.000Z");
}

TEST(time_text, reads_back_what_it_writes_and_other_offsets) {
    for (std::int64_t ms : {0LL, 1732350000123LL, -1LL, 253402300799999LL})
        EXPECT_EQ(parse_rfc3339(rfc3339(ms)), ms) << ms;
    EXPECT_EQ(parse_rfc3339("2024-11-23T09:20:00.5+01:00"), 1732350000500);
    EXPECT_EQ(parse_rfc3339("2024-11-23T08:20:00Z"), 1732350000000);
    EXPECT_EQ(parse_rfc3339("2024-11-23T08:20:00.123456789Z"), 1732350000123);
}

TEST(time_text, refuses_what_is_not_such_a_time) {
    for (auto const* text :
         {"", "2024-11-23", "2024-11-23T08:20:00", "2024-02-30T00:00:00Z", "2024-11-23T24:00:00Z",
          "2024-11-23T08:20:00.Z", "2024-11-23T08:20:00Zx", "2024-11-23 08:20:00Z", "1732350000000",
          "2024-11-23T08:20:00+0100"})
        EXPECT_FALSE(parse_rfc3339(text)) << text;
}

} // namespace
} // namespace minuted::protocol
