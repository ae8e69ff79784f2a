// libFuzzer target for config::parse_config: the whole input is the text of a config file.
// Beyond "no crash" it checks what config.hpp promises: the text either gives settings or
// throws config_error, never anything else; the error says "SOURCE:LINE:COLUMN: why" with a
// line and column inside the text; and settings it accepted, written out again as TOML by the
// small emitter below, parse to the same settings.

#include "config/config.hpp"
#include "protocol/ingest.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

using namespace minuted::config;

constexpr std::string_view source = "fuzz.toml";

// Compares every field of settings and feed: a field added there must be added here and to
// emit() below, or the round trip stops checking it.
bool same(settings const& a, settings const& b) {
    bool same_feeds = a.feeds.size() == b.feeds.size();
    for (std::size_t i = 0; same_feeds && i < a.feeds.size(); ++i)
        same_feeds = a.feeds[i].session == b.feeds[i].session && a.feeds[i].url == b.feeds[i].url &&
                     a.feeds[i].title == b.feeds[i].title && a.feeds[i].token == b.feeds[i].token;
    return same_feeds && a.listen_host == b.listen_host && a.listen_port == b.listen_port &&
           a.state_dir == b.state_dir && a.log_level == b.log_level && a.threads == b.threads &&
           a.idle_timeout == b.idle_timeout && a.max_frame_bytes == b.max_frame_bytes &&
           a.max_body_bytes == b.max_body_bytes && a.subscriber_queue == b.subscriber_queue &&
           a.update_history == b.update_history &&
           a.update_history_bytes == b.update_history_bytes &&
           a.recent_sessions == b.recent_sessions && a.shutdown_grace == b.shutdown_grace &&
           a.max_header_bytes == b.max_header_bytes && a.ingest_rate == b.ingest_rate &&
           a.max_sessions == b.max_sessions && a.max_subscribers == b.max_subscribers &&
           a.max_session_subscribers == b.max_session_subscribers &&
           a.handshake_timeout == b.handshake_timeout &&
           a.connection_idle_timeout == b.connection_idle_timeout &&
           a.commit_interval == b.commit_interval &&
           a.archive_max_age_days == b.archive_max_age_days &&
           a.archive_max_megabytes == b.archive_max_megabytes &&
           a.reconnect_initial == b.reconnect_initial && a.reconnect_max == b.reconnect_max &&
           a.auth.admin_token == b.auth.admin_token &&
           a.auth.publish_token == b.auth.publish_token &&
           a.auth.viewer_token == b.auth.viewer_token && a.auth.origins == b.auth.origins &&
           a.auth.session_tokens == b.auth.session_tokens;
}

// A TOML basic string: quotes, backslashes and control characters escaped, the rest (valid
// UTF-8, as toml++ checked) as it is.
std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        auto const u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string emit(settings const& s) {
    auto const n = [](auto v) { return std::to_string(v); };
    std::string t;
    // Always bracketed: parse_listen takes the brackets off, and a host with a ':' needs them.
    t += "[server]\nlisten = " + toml_string("[" + s.listen_host + "]:" + n(s.listen_port)) + "\n";
    t += "state_dir = " + toml_string(s.state_dir.string()) + "\n";
    t += "log_level = " + toml_string(s.log_level) + "\n";
    t += "threads = " + n(s.threads) + "\n";
    t += "shutdown_grace = " + toml_string(n(s.shutdown_grace.count()) + "ms") + "\n";
    t += "[limits]\nmax_frame_bytes = " + n(s.max_frame_bytes) + "\n";
    t += "max_body_bytes = " + n(s.max_body_bytes) + "\n";
    t += "subscriber_queue = " + n(s.subscriber_queue) + "\n";
    t += "update_history = " + n(s.update_history) + "\n";
    t += "update_history_bytes = " + n(s.update_history_bytes) + "\n";
    t += "max_header_bytes = " + n(s.max_header_bytes) + "\n";
    t += "ingest_rate = " + n(s.ingest_rate) + "\n";
    t += "max_sessions = " + n(s.max_sessions) + "\n";
    t += "max_subscribers = " + n(s.max_subscribers) + "\n";
    t += "max_session_subscribers = " + n(s.max_session_subscribers) + "\n";
    t += "handshake_timeout = " + toml_string(n(s.handshake_timeout.count()) + "ms") + "\n";
    t += "connection_idle_timeout = " + toml_string(n(s.connection_idle_timeout.count()) + "ms") +
         "\n";
    t += "[sessions]\nidle_timeout = " + toml_string(n(s.idle_timeout.count()) + "s") + "\n";
    t += "recent = " + n(s.recent_sessions) + "\n";
    t += "[auth]\nadmin_token = " + toml_string(s.auth.admin_token) + "\n";
    t += "publish_token = " + toml_string(s.auth.publish_token) + "\n";
    t += "viewer_token = " + toml_string(s.auth.viewer_token) + "\n";
    t += "origins = [";
    for (auto const& o : s.auth.origins)
        t += toml_string(o) + ",";
    t += "]\n[auth.sessions]\n";
    for (auto const& [id, token] : s.auth.session_tokens)
        t += toml_string(id) + " = " + toml_string(token) + "\n";
    t += "[journal]\ncommit_interval = " + toml_string(n(s.commit_interval.count()) + "ms") + "\n";
    t += "[archive]\nmax_age_days = " + n(s.archive_max_age_days) + "\n";
    t += "max_megabytes = " + n(s.archive_max_megabytes) + "\n";
    t +=
        "[feeds]\nreconnect_initial = " + toml_string(n(s.reconnect_initial.count()) + "ms") + "\n";
    t += "reconnect_max = " + toml_string(n(s.reconnect_max.count()) + "ms") + "\n";
    for (auto const& f : s.feeds) {
        t += "[[feed]]\nsession = " + toml_string(f.session) + "\nurl = " + toml_string(f.url) +
             "\n";
        if (!f.title.empty())
            t += "title = " + toml_string(f.title) + "\n";
        if (!f.token.empty())
            t += "token = " + toml_string(f.token) + "\n";
    }
    return t;
}

// "fuzz.toml:LINE:COLUMN: why", with LINE and COLUMN inside `text` (a column may be one past
// the end of its line, where something is missing).
void check_error(config_error const& e, std::string_view text) {
    std::string_view const what = e.what();
    auto const prefix = std::string(source) + ":" + std::to_string(e.line()) + ":" +
                        std::to_string(e.column()) + ": ";
    if (what.substr(0, prefix.size()) != prefix || what.size() == prefix.size() ||
        e.source() != source) {
        std::fprintf(stderr, "fuzz_config: error without its position: %s\n", e.what());
        ::minuted::fuzz::fail("the message starts with SOURCE:LINE:COLUMN:", __FILE__, __LINE__);
    }
    std::size_t line_start = 0;
    for (std::uint32_t line = 1; line < e.line() && line_start != std::string_view::npos; ++line) {
        line_start = text.find('\n', line_start);
        if (line_start != std::string_view::npos)
            ++line_start;
    }
    auto line_end = line_start == std::string_view::npos ? line_start : text.find('\n', line_start);
    if (line_end == std::string_view::npos)
        line_end = text.size();
    // Columns count code points, so a line has at most as many as bytes.
    if (e.line() < 1 || line_start == std::string_view::npos || e.column() < 1 ||
        e.column() > line_end - line_start + 1) {
        std::fprintf(stderr, "fuzz_config: position outside the text: %s\n", e.what());
        ::minuted::fuzz::fail("the error names a line and column within the input", __FILE__,
                              __LINE__);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    settings s;
    try {
        s = parse_config(text, source);
    } catch (config_error const& e) {
        check_error(e, text);
        return 0;
    } catch (std::exception const& e) {
        std::fprintf(stderr, "fuzz_config: parse_config threw %s, not config_error\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz_config: parse_config threw something not an exception\n");
        std::abort();
    }

    MINUTED_CHECK(!s.listen_host.empty());
    MINUTED_CHECK(!s.state_dir.empty());
    MINUTED_CHECK(s.threads <= 256);
    MINUTED_CHECK(s.max_frame_bytes > 0 && s.max_body_bytes > 0);
    MINUTED_CHECK(s.subscriber_queue > 0 && s.update_history > 0 && s.update_history_bytes > 0 &&
                  s.recent_sessions > 0);
    MINUTED_CHECK(s.idle_timeout.count() > 0);
    MINUTED_CHECK(s.shutdown_grace.count() > 0 && s.shutdown_grace <= std::chrono::minutes(10));
    MINUTED_CHECK(s.max_header_bytes >= 1024 && s.max_header_bytes <= (1u << 20));
    MINUTED_CHECK(s.ingest_rate > 0 && s.ingest_rate <= 1'000'000);
    MINUTED_CHECK(s.max_sessions > 0 && s.max_subscribers > 0 && s.max_session_subscribers > 0);
    MINUTED_CHECK(s.handshake_timeout.count() > 0 &&
                  s.handshake_timeout <= std::chrono::minutes(10));
    MINUTED_CHECK(s.connection_idle_timeout >= std::chrono::seconds(2) &&
                  s.connection_idle_timeout <= std::chrono::hours(24));
    MINUTED_CHECK(s.commit_interval.count() > 0 && s.commit_interval <= std::chrono::seconds(10));
    MINUTED_CHECK(s.reconnect_initial.count() > 0 && s.reconnect_initial <= s.reconnect_max);
    for (auto const* token : {&s.auth.admin_token, &s.auth.publish_token, &s.auth.viewer_token})
        MINUTED_CHECK(token->empty() || token->size() >= 16);
    for (auto const& [id, token] : s.auth.session_tokens)
        MINUTED_CHECK(minuted::protocol::is_valid_session_id(id) && token.size() >= 16);
    for (auto const& f : s.feeds) {
        MINUTED_CHECK(minuted::protocol::is_valid_session_id(f.session));
        MINUTED_CHECK(f.url.starts_with("ws://") || f.url.starts_with("wss://"));
    }

    auto const again = emit(s);
    try {
        MINUTED_CHECK(same(parse_config(again, source), s));
    } catch (config_error const& e) {
        std::fprintf(stderr, "fuzz_config: the settings written back do not parse: %s\n%s",
                     e.what(), again.c_str());
        std::abort();
    }
    return 0;
}
