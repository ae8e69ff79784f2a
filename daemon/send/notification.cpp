#include "daemon/send/notification.hpp"

#include "protocol/time_text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <random>
#include <sstream>
#include <stdexcept>

namespace minuted::daemon {

namespace {

// At most `max_bytes + 1` bytes of `path`: one more than allowed tells the caller it is over.
// Sized by what the file holds, not by the limit.
std::string read_file(std::filesystem::path const& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    auto const size = std::filesystem::file_size(path, ec);
    if (!in || ec)
        throw std::runtime_error(path.string() + ": cannot be read");
    std::string text(static_cast<std::size_t>(std::min<std::uintmax_t>(size, max_bytes + 1)), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
        throw std::runtime_error(path.string() + ": cannot be read");
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

std::string hex(unsigned char const* bytes, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

} // namespace

announced_meeting read_archived_meeting(std::filesystem::path const& folder) {
    announced_meeting m;
    m.archive = folder.filename().string();
    // The final snapshot is as large as the meeting: bounded only so that a damaged file
    // cannot take the memory.
    auto const state_path = folder / "state.json";
    auto const state_text = read_file(state_path, 256u << 20);
    boost::system::error_code ec;
    auto const state = boost::json::parse(state_text, ec);
    if (ec || !state.is_object())
        throw std::runtime_error(state_path.string() + ": not a session's state");
    auto const& o = state.as_object();
    auto string_of = [&](boost::json::object const& from, char const* key) {
        auto const* v = from.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    m.session = string_of(o, "session");
    m.title = string_of(o, "title");
    if (auto const* archived = o.if_contains("archived"); archived && archived->is_object()) {
        auto const& a = archived->as_object();
        for (auto const& [key, out] :
             {std::pair{"started", &m.started_ms}, std::pair{"ended", &m.ended_ms}})
            if (auto const* v = a.if_contains(key))
                *out = protocol::unix_ms_of(*v).value_or(*out);
    }
    m.report_json = read_file(folder / "report.json", max_notified_report_bytes);
    m.report_md = read_file(folder / "report.md", 64u << 20);
    return m;
}

std::string notification_body(std::string_view event, announced_meeting const& m,
                              std::string_view public_url) {
    boost::json::object o;
    o["event"] = event;
    o["session"] = m.session;
    o["title"] = m.title;
    o["started"] = rfc3339(m.started_ms);
    o["ended"] = rfc3339(m.ended_ms);
    o["archive"] = m.archive;
    if (!public_url.empty())
        o["report_url"] = std::string(public_url) + "/archive/" + m.archive;
    boost::system::error_code ec;
    auto report = m.report_json.size() <= max_notified_report_bytes
                      ? boost::json::parse(m.report_json, ec)
                      : boost::json::value();
    if (!ec && report.is_object())
        o["report"] = std::move(report);
    else
        o["report_omitted"] = "report.json is over " + std::to_string(max_notified_report_bytes) +
                              " bytes: GET /api/archive/" + m.archive + "/report.json";
    return boost::json::serialize(o);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<unsigned char const*>(message.data()), message.size(), digest, &n);
    return hex(digest, n);
}

std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view body) {
    auto message = std::to_string(timestamp);
    message += '.';
    message += body;
    return "sha256=" + hmac_sha256_hex(secret, message);
}

std::string random_id() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    unsigned char bytes[16];
    for (std::size_t i = 0; i < sizeof bytes; i += 8) {
        auto v = rng();
        for (std::size_t j = 0; j < 8; ++j, v >>= 8)
            bytes[i + j] = static_cast<unsigned char>(v);
    }
    return hex(bytes, sizeof bytes);
}

} // namespace minuted::daemon
