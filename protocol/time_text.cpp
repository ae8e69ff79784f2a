#include "protocol/time_text.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace minuted::protocol {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;

// 0000-01-01 and 9999-12-31T23:59:59.999, the times four-digit years can write.
constexpr std::int64_t earliest_ms = std::chrono::duration_cast<milliseconds>(
                                         sys_days{std::chrono::year{0} / 1 / 1}.time_since_epoch())
                                         .count();
constexpr std::int64_t latest_ms =
    std::chrono::duration_cast<milliseconds>(
        (sys_days{std::chrono::year{10000} / 1 / 1}).time_since_epoch())
        .count() -
    1;

// The number of `n` digits at `text[at]`, or nullopt if they are not all digits.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t n) noexcept {
    if (at + n > text.size())
        return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

} // namespace

std::string rfc3339(std::int64_t unix_ms) {
    unix_ms = std::clamp(unix_ms, earliest_ms, latest_ms);
    auto const t = std::chrono::sys_time<milliseconds>{milliseconds{unix_ms}};
    auto const day = std::chrono::floor<days>(t);
    std::chrono::year_month_day const ymd{day};
    std::chrono::hh_mm_ss const hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  int(hms.subseconds().count()));
    return buf;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept {
    auto const year = digits(text, 0, 4);
    auto const month = digits(text, 5, 2);
    auto const day = digits(text, 8, 2);
    auto const hour = digits(text, 11, 2);
    auto const minute = digits(text, 14, 2);
    auto const second = digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' ||
        text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
        text[16] != ':' || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    std::chrono::year_month_day const ymd{std::chrono::year{*year},
                                          std::chrono::month{static_cast<unsigned>(*month)},
                                          std::chrono::day{static_cast<unsigned>(*day)}};
    if (!ymd.ok())
        return std::nullopt;
    std::size_t at = 19;
    std::int64_t ms = 0;
    if (at < text.size() && text[at] == '.') {
        std::size_t n = 0;
        for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9' && n < 9; ++at, ++n)
            if (n < 3)
                ms += (text[at] - '0') * (n == 0 ? 100 : n == 1 ? 10 : 1);
        if (n == 0)
            return std::nullopt;
    }
    std::int64_t offset_minutes = 0;
    if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        // UTC
    } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
               text[at + 3] == ':') {
        auto const oh = digits(text, at + 1, 2);
        auto const om = digits(text, at + 4, 2);
        if (!oh || !om || *oh > 23 || *om > 59)
            return std::nullopt;
        offset_minutes = (text[at] == '+' ? 1 : -1) * (*oh * 60 + *om);
    } else {
        return std::nullopt;
    }
    auto const midnight =
        std::chrono::duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
    return midnight + ((*hour * 60 + *minute - offset_minutes) * 60 + *second) * 1000 + ms;
}

std::optional<std::int64_t> unix_ms_of(boost::json::value const& v) noexcept {
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_string())
        return parse_rfc3339(v.get_string());
    return std::nullopt;
}

} // namespace minuted::protocol
