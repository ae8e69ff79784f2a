#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::protocol {

/// A time as every /api answer, WebSocket message and archived file gives it: RFC 3339 in UTC
/// with milliseconds, "2026-12-07T05:00:00.123Z", from milliseconds since the Unix epoch
/// (years 0000-9999; earlier or later times are clamped to them). Pure.
std::string rfc3339(std::int64_t unix_ms);

/// The milliseconds since the Unix epoch that `text` names, for a time as rfc3339 writes it
/// (the fraction may have 0-9 digits; "Z" or a "+HH:MM"/"-HH:MM" offset); nullopt for
/// anything else. Pure.
std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept;

/// The milliseconds since the Unix epoch of a time in a file minuted wrote: an RFC 3339
/// string, or a number of milliseconds as files written before RFC 3339 hold it; nullopt for
/// anything else. Pure.
std::optional<std::int64_t> unix_ms_of(boost::json::value const& v) noexcept;

} // namespace minuted::protocol
