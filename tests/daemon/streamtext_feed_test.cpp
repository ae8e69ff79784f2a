// Retry-After as a StreamText feed reads it from a 429 or 503: RFC 9110's delay-seconds or
// HTTP date.

#include "daemon/ingest/streamtext_feed.hpp"

#include <gtest/gtest.h>

namespace minuted::daemon {
namespace {

using std::chrono::milliseconds;

TEST(retry_after_wait, reads_seconds_and_http_dates_and_bounds_them) {
    auto const now = std::chrono::system_clock::from_time_t(1'792'000'000); // 2026-10-15 ...
    EXPECT_EQ(retry_after_wait("2", now), milliseconds(2000));
    EXPECT_EQ(retry_after_wait("0", now), milliseconds(0));
    EXPECT_EQ(retry_after_wait("86400", now), milliseconds(3'600'000));
    auto const at = std::chrono::system_clock::to_time_t(now + std::chrono::seconds(30));
    char date[64];
    std::tm tm{};
    gmtime_r(&at, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    EXPECT_EQ(retry_after_wait(date, now), milliseconds(30'000)) << date;
    EXPECT_EQ(retry_after_wait("Thu, 01 Jan 1970 00:00:00 GMT", now), milliseconds(0));
    EXPECT_FALSE(retry_after_wait("", now));
    EXPECT_FALSE(retry_after_wait("soon", now));
    EXPECT_FALSE(retry_after_wait("-5", now));
    EXPECT_FALSE(retry_after_wait("12 ", now));
}

} // namespace
} // namespace minuted::daemon
