#pragma once

#include "protocol/time_text.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

// What a webhook receives when a meeting ends or is approved, and how it is signed
// (protocol/PROTOCOL.md, "Webhooks").
namespace minuted::daemon {

/// A report.json larger than this is left out of a notification ("report_omitted"): the
/// receiver fetches it from the archive instead of every delivery carrying megabytes.
inline constexpr std::size_t max_notified_report_bytes = 256 * 1024;

/// A meeting to announce, as its archive folder tells it. (Not retention.hpp's
/// archived_meeting: one name, one definition.)
struct announced_meeting {
    std::string session; ///< the session id
    std::string title;
    std::string archive; ///< the archive folder's name (GET /api/archive/{archive}/...)
    std::int64_t started_ms = 0, ended_ms = 0;
    std::string report_json; ///< report.json as archived
    std::string report_md;   ///< report.md as archived
};

/// Reads the archive folder `folder` (state.json, report.json, report.md). Throws
/// std::runtime_error naming the file that cannot be read or understood. Disk I/O: call it on
/// a disk thread.
announced_meeting read_archived_meeting(std::filesystem::path const& folder);

/// "2026-12-06T23:15:02.123Z": times in notifications are written as everywhere else.
using protocol::rfc3339;

/// The JSON body announcing `event` ("ended", "approved") of `m`: {"event", "session",
/// "title", "started", "ended", "archive", "report_url"? (with a `public_url`), "report"
/// (report.json, unless over max_notified_report_bytes: then "report_omitted")}.
std::string notification_body(std::string_view event, announced_meeting const& m,
                              std::string_view public_url);

/// HMAC-SHA256 of `message` with `key`, in lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// X-Minuted-Signature for `body` sent at `timestamp` (unix seconds): "sha256=" and the
/// HMAC-SHA256, keyed with `secret`, of "TIMESTAMP.BODY".
std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view body);

/// 32 random hex digits: a delivery's id, a Message-ID's unique part.
std::string random_id();

} // namespace minuted::daemon
