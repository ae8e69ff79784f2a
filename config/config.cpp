#include "config/config.hpp"

#include "protocol/agenda.hpp"
#include "protocol/ingest.hpp"
#include "protocol/utf8.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

namespace minuted::config {

namespace {

constexpr std::string_view default_text =
    R"(# minuted configuration (TOML). Every key is optional; shown here with its default.

[server]
# Address and port to listen on for HTTP and WebSocket. Use port 0 for any free port.
listen = "127.0.0.1:8080"
# Where sessions, journals and the archive are kept (created if missing).
state_dir = "minuted-state"
# Log level: trace, debug, info, warn, error, critical or off.
log_level = "info"
# Threads running the network and the sessions; 0 means one per CPU core.
threads = 0
# On SIGTERM: how long connections get to finish what is in flight (acks waiting for the
# journal, responses being written) before the daemon exits anyway.
shutdown_grace = "10s"
# Host names the daemon answers to (the Host header of requests), besides IP addresses,
# "localhost" and the listen address. A request naming another host is refused with 403, so a
# hostile page cannot reach the daemon through a DNS name it points at this machine. Add the
# names people use in their browsers, e.g. ["captions.example.org"]; "*" allows any.
allowed_hosts = []
# Reverse proxies in front of the daemon (nginx, on this machine: ["127.0.0.1", "::1"]), by
# address or network ("10.0.0.0/8"). Their X-Forwarded-For (or Forwarded) and
# X-Forwarded-Proto are believed: the client they name is the one that must hold a token
# (this machine's trust is for clients on it, not for the proxy), and is the one limited and
# logged. Nobody else's forwarding headers are read. See systemd/minuted.nginx.conf.
trusted_proxies = []

[limits]
# Largest WebSocket message accepted from a caption source or a browser, in bytes.
max_frame_bytes = 1048576
# Largest HTTP request body (POST /ingest), in bytes.
max_body_bytes = 1048576
# Updates queued for one subscriber before it is skipped ahead to a fresh snapshot.
subscriber_queue = 256
# Updates kept per session so a reconnecting viewer can resume with ?since=REV, and the
# most bytes they may take together (a viewer that missed more gets a snapshot instead).
update_history = 4096
update_history_bytes = 16777216
# Largest HTTP request line and headers together, in bytes (431 above it).
max_header_bytes = 16384
# Caption frames one session takes per second. A faster source is not refused but slowed
# down: its frames are read more slowly (POST /ingest gets 429 with Retry-After).
ingest_rate = 5000
# Live sessions at once; a new one beyond is refused with 503.
max_sessions = 1000
# Archive searches (GET /api/archive) waiting or running at once. They run one at a time on a
# thread of their own, never in the way of live captions; one more gets 503 with Retry-After.
search_queue = 8
# Viewers' WebSockets at once, in all and per session; one beyond is closed with 1013.
max_subscribers = 20000
max_session_subscribers = 10000
# What one client may hold at once: connections (one beyond gets 503 and is closed) and
# viewers' WebSockets (one beyond is closed with 1013). A client is an IPv4 address or an IPv6
# /64; behind [server] trusted_proxies, the client they name. A venue whose audience shares one
# public address needs room for all of it. 0: no limit.
max_address_connections = 1000
max_address_viewers = 1000
# From a connection's first byte until its request or WebSocket handshake is read.
handshake_timeout = "10s"
# A connection silent this long is closed; WebSockets get a ping at half of it first.
connection_idle_timeout = "60s"

[sessions]
# A session with no captions for this long ends ("90s", "30m", "1h"; at least 1s).
idle_timeout = "30m"
# Ended sessions still listed by GET /api/sessions.
recent = 100

[auth]
# Tokens are sent as "Authorization: Bearer TOKEN" (or ?token=TOKEN, which a browser page also
# keeps in a cookie); at least 16 characters, no spaces. None is ever logged.
# Publishing captions to any session. Empty (and no [auth.sessions]): accepted from this
# machine only, and listening on another address is refused at start.
publish_token = ""
# Viewing (live updates, the API, the archive). Empty: anyone who can reach the port.
viewer_token = ""
# Admin requests such as ending a session (POST /api/sessions/{id}/end). Empty: accepted
# from this machine only.
admin_token = ""
# Web pages of other sites allowed to open WebSockets, publish captions and end meetings, by
# origin, e.g. ["https://captions.example.org"]. The daemon's own pages always may; a request
# that a browser sent from any other page (its Origin header) is refused with 403.
origins = []

# Per-session publish tokens, in addition to publish_token:
# [auth.sessions]
# plenary = "a-token-for-the-plenary-only"

[tls]
# HTTPS and WSS on the listening port: a PEM certificate (then its chain) and its private key,
# both or neither. With them, plain HTTP and ws:// are still served to this machine (local
# tools, health checks); anyone else is told to use https://. SIGHUP reads both files again,
# so a renewed certificate takes effect without a restart.
certificate = ""
private_key = ""

[journal]
# Every caption is written to its session's journal and fsynced before it is acknowledged.
# Captions arriving together share one fsync; this is the longest a caption waits for it.
commit_interval = "50ms"

[archive]
# Finished meetings older than this many days are deleted; 0 keeps them forever.
max_age_days = 0
# When the archive grows past this many megabytes, the oldest meetings are deleted; 0: no limit.
max_megabytes = 0

[feeds]
# Retry delays for pull feeds: exponential backoff with jitter, from initial up to max.
reconnect_initial = "500ms"
reconnect_max = "30s"
# wss:// feeds are verified against the system's CA store; or, with this set, against the CAs
# in this PEM file only (a private CA). A [[feed]] may name its own ca_file.
ca_file = ""

# Pull feeds: caption streams minuted attaches to as a WebSocket client. Repeat the table for
# each feed.
# [[feed]]
# session = "plenary"                    # session id the captions go to
# url = "ws://captions.example.org/feed" # ws:// or wss://
# title = "Plenary, day 1"               # optional
# agenda = "/etc/minuted/plenary.md"     # optional: its agenda, a title a line, Markdown or JSON
# roster = "/etc/minuted/plenary.json"   # optional: who is expected, JSON [{"name", "organisation"?,
#                                        #   "aliases"?, "role"?}]
# token = "..."                          # optional: sent as Authorization: Bearer
# ca_file = "/etc/minuted/feed-ca.pem"  # optional: wss:// verified against these CAs
)";

[[noreturn]] void fail(std::string_view source, toml::source_region const& where,
                       std::string const& what) {
    throw config_error(std::string(source), where.begin.line, where.begin.column, what);
}

// Columns count code points: every byte but a UTF-8 continuation byte starts one.
toml::source_index columns(std::string_view text) {
    return static_cast<toml::source_index>(
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// toml++ reports the end of a text that ends in a newline one column past that newline, on the
// line it ends ("a = [1,\n": 1:9, a column line 1 does not have). Name the place the text
// really ends instead: the start of the empty line after the newline.
toml::source_position within(std::string_view text, toml::source_position p) {
    std::size_t start = 0;
    for (toml::source_index line = 1; line < p.line; ++line) {
        start = text.find('\n', start);
        if (start == std::string_view::npos)
            break;
        ++start;
    }
    if (p.line >= 1 && start != std::string_view::npos) {
        auto const end = std::min(text.find('\n', start), text.size());
        if (p.column >= 1 && p.column <= columns(text.substr(start, end - start)) + 1)
            return p;
    }
    auto const last = text.rfind('\n');
    return {static_cast<toml::source_index>(std::count(text.begin(), text.end(), '\n') + 1),
            columns(text.substr(last == std::string_view::npos ? 0 : last + 1)) + 1};
}

// toml++ 3.3 (Debian 12's) runs into __builtin_unreachable() when it asks whether certain
// non-ASCII characters (U+00A1-U+0499, U+2C1E-U+3017) are whitespace (marzer/tomlplusplus#190
// and #295): where it expects a key, a value or a separator, inside a bare value (it reads
// `a = 1x"é"` up to a blank, ']', '}', ',' or '#'), right after a backslash in a """ string,
// and first after a line-ending backslash there. TOML allows non-ASCII text in strings and
// comments only, so refuse it everywhere else before toml++ sees it, following just enough of
// TOML to tell strings, comments and bare values apart; where unsure, it refuses. The only
// valid TOML refused: a character first after a line-ending backslash in a """ string, which
// can be written as \uXXXX there.
void reject_what_toml_cannot_read(std::string_view text, std::string_view source) {
    enum class state { code, bare_value, comment, basic, literal, multi_basic, multi_literal };
    auto st = state::code;
    char previous = '\n';   // code: the last character not blank, in a comment or in a string
    std::string open;       // code: '[' per open table header, 'a' per array, '{' per inline table
    bool fresh_line = true; // code: nothing but blanks and comments yet on this line
    bool spaced = false;    // code: a bare value and a space just ended ("1979-05-27 07:32:00")
    bool escaped = false;   // strings: the character after a backslash
    bool trimming = false;  // """ strings: blanks after a line-ending backslash
    std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0; // toml++ skips a BOM
    std::size_t line_start = i;
    toml::source_index line = 1;

    auto refuse = [&](std::string const& why, std::string const& hint = {}) {
        auto const lead = static_cast<unsigned char>(text[i]);
        std::size_t const n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (!protocol::is_valid_utf8(text.substr(i, n)))
            return; // not a character: toml++ reports invalid UTF-8 itself
        throw config_error(std::string(source), line,
                           columns(text.substr(line_start, i - line_start)) + 1,
                           why + ": '" + std::string(text.substr(i, n)) + "'" + hint);
    };
    // Skips a closing delimiter of three quotes and up to two more that belong to the string.
    auto close = [&](char quote) {
        i += 3;
        for (int extra = 0; extra < 2 && i < text.size() && text[i] == quote; ++extra)
            ++i;
        st = state::code;
        previous = quote;
    };

    while (i < text.size()) {
        char const c = text[i];
        bool const non_ascii = static_cast<unsigned char>(c) >= 0x80;
        bool const blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (c == '\n') {
            ++line;
            line_start = i + 1;
        }
        auto const rest = text.substr(i);
        if (st == state::bare_value) {
            if (!blank && c != ']' && c != '}' && c != ',' && c != '#') {
                if (non_ascii)
                    refuse("a non-ASCII character outside a string or comment");
                previous = c;
                ++i;
                continue;
            }
            st = state::code;
            spaced = c == ' ' || c == '\t';
        }
        switch (st) {
        case state::code:
            if (c == ' ' || c == '\t' || c == '\r')
                break;
            if (c == '\n') {
                spaced = false;
                fresh_line = true;
                break;
            }
            if (non_ascii)
                refuse("a non-ASCII character outside a string or comment");
            if (c == '#') {
                st = state::comment;
            } else if ((c == '"' || c == '\'') && !spaced) {
                if (rest.starts_with(R"(""")") || rest.starts_with("'''")) {
                    st = c == '"' ? state::multi_basic : state::multi_literal;
                    i += 2; // and one more below
                } else {
                    st = c == '"' ? state::basic : state::literal;
                }
            } else if (c == '[') {
                // A table header starts a line; a value that starts with '[' is an array.
                open +=
                    (fresh_line && open.empty()) || (previous == '[' && open == "[") ? '[' : 'a';
            } else if (c == '{') {
                open += '{';
            } else if (c == ']' || c == '}') {
                if (!open.empty())
                    open.pop_back();
            } else if (c != ',' &&
                       (spaced || previous == '=' ||
                        ((previous == '[' || previous == ',') && open.ends_with('a')))) {
                st = state::bare_value; // where a value starts, or a date's time: up to a blank
            }
            previous = c;
            spaced = false;
            fresh_line = false;
            break;
        case state::comment:
            if (c == '\n') {
                st = state::code;
                fresh_line = true;
            }
            break;
        case state::basic:
        case state::literal:
            if (c == '\n' || (c == (st == state::basic ? '"' : '\'') && !escaped))
                st = state::code;
            escaped = st == state::basic && !escaped && c == '\\';
            break;
        case state::multi_literal:
            if (rest.starts_with("'''")) {
                close('\'');
                continue;
            }
            break;
        case state::multi_basic:
            if (escaped) {
                escaped = false;
                if (non_ascii)
                    refuse("a non-ASCII character right after a backslash in a \"\"\" string");
                trimming = blank;
                break;
            }
            if (trimming && blank)
                break;
            if (trimming && non_ascii)
                refuse("a non-ASCII character first after a line-ending backslash in a \"\"\" "
                       "string",
                       " (toml++ 3.3 cannot read it there: write it as \\uXXXX)");
            trimming = false;
            if (c == '\\')
                escaped = true;
            else if (rest.starts_with(R"(""")")) {
                close('"');
                continue;
            }
            break;
        case state::bare_value:
            break;
        }
        ++i;
    }
}

// Reads a table with a fixed set of keys: every key is visited once and unknown keys are
// errors, so a typo never silently falls back to a default.
class table_reader {
public:
    table_reader(toml::table const& table, std::string_view source, std::string prefix)
        : table_(table), source_(source), prefix_(std::move(prefix)) {}

    template <class T>
    std::optional<T> get(std::string_view key) {
        seen_.emplace_back(key);
        auto const* node = table_.get(key);
        if (!node)
            return std::nullopt;
        if constexpr (std::is_same_v<T, toml::table const*>) {
            if (auto const* t = node->as_table())
                return t;
            fail(source_, node->source(), name(key) + " must be a table");
        } else if constexpr (std::is_same_v<T, toml::array const*>) {
            if (auto const* a = node->as_array())
                return a;
            fail(source_, node->source(), name(key) + " must be an array");
        } else {
            // The type first: toml++ converts a float such as 61e36 to an integer with
            // undefined behaviour.
            if ((std::is_same_v<T, std::int64_t> && !node->is_integer()) ||
                (std::is_same_v<T, std::string> && !node->is_string()))
                fail(source_, node->source(), name(key) + " must be " + type_name<T>());
            auto const v = node->value<T>();
            if (!v)
                fail(source_, node->source(), name(key) + " must be " + type_name<T>());
            return v;
        }
    }

    toml::source_region where(std::string_view key) const {
        auto const* node = table_.get(key);
        return node ? node->source() : table_.source();
    }

    std::string name(std::string_view key) const {
        return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    }

    void reject_unknown() const {
        for (auto const& [key, node] : table_) {
            if (std::find(seen_.begin(), seen_.end(), key.str()) == seen_.end())
                fail(source_, key.source(), "unknown key '" + name(key.str()) + "'");
        }
    }

private:
    template <class T>
    static std::string type_name() {
        if constexpr (std::is_same_v<T, std::string>)
            return "a string";
        else
            return "an integer";
    }

    toml::table const& table_;
    std::string_view source_;
    std::string prefix_;
    std::vector<std::string> seen_;
};

std::size_t positive(table_reader& r, std::string_view key, std::size_t fallback,
                     std::string_view source) {
    auto const v = r.get<std::int64_t>(key);
    if (!v)
        return fallback;
    if (*v <= 0)
        fail(source, r.where(key), r.name(key) + " must be greater than 0");
    return static_cast<std::size_t>(*v);
}

std::size_t zero_or_more(table_reader& r, std::string_view key, std::size_t fallback,
                         std::string_view source) {
    auto const v = r.get<std::int64_t>(key);
    if (!v)
        return fallback;
    if (*v < 0)
        fail(source, r.where(key), r.name(key) + " must be 0 (no limit) or more");
    return static_cast<std::size_t>(*v);
}

template <class Duration>
Duration duration(table_reader& r, std::string_view key, Duration fallback,
                  std::string_view source) {
    auto const v = r.get<std::string>(key);
    if (!v)
        return fallback;
    std::chrono::milliseconds d{};
    try {
        d = parse_duration(*v);
        if (d.count() <= 0)
            throw std::invalid_argument("must be positive");
    } catch (std::invalid_argument const&) {
        fail(source, r.where(key),
             r.name(key) +
                 " must be a positive duration such as \"500ms\", \"30s\", \"5m\" or \"1h\", not "
                 "\"" +
                 *v + "\"");
    }
    // A setting kept in seconds would truncate "500ms" to 0s: an idle timeout of zero.
    auto const kept = std::chrono::duration_cast<Duration>(d);
    if (kept.count() <= 0)
        fail(source, r.where(key),
             r.name(key) + " must be at least 1" +
                 (std::is_same_v<Duration, std::chrono::seconds> ? "s" : "ms") + ", not \"" + *v +
                 "\"");
    return kept;
}

void at_most(table_reader& r, std::string_view key, std::chrono::milliseconds value,
             std::chrono::milliseconds max, std::string_view max_text, std::string_view source) {
    if (value > max)
        fail(source, r.where(key), r.name(key) + " must be at most " + std::string(max_text));
}

// A token: empty (none), or at least 16 printable characters with no spaces, so it can go in a
// header, a query and a cookie as it is.
std::string token(table_reader& r, std::string_view key, std::string_view source) {
    auto const v = r.get<std::string>(key).value_or("");
    bool const printable = std::all_of(v.begin(), v.end(), [](char c) {
        return c > ' ' && c < 127 && c != ';' && c != ',' && c != '"' && c != '\\';
    });
    if (!v.empty() && (v.size() < 16 || !printable))
        fail(source, r.where(key),
             r.name(key) + " must be at least 16 printable characters without spaces, quotes, "
                           "';' or ',' (or empty)");
    return v;
}

} // namespace

config_error::config_error(std::string source, std::uint32_t line, std::uint32_t column,
                           std::string const& what)
    : std::runtime_error(source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         what),
      source_(std::move(source)), line_(line), column_(column) {}

std::string_view default_config_text() {
    return default_text;
}

bool is_address_or_network(std::string_view text) {
    auto const slash = text.find('/');
    std::string const address(text.substr(0, slash));
    unsigned char bytes[16];
    int bits = 0;
    if (::inet_pton(AF_INET, address.c_str(), bytes) == 1)
        bits = 32;
    else if (::inet_pton(AF_INET6, address.c_str(), bytes) == 1)
        bits = 128;
    else
        return false;
    if (slash == std::string_view::npos)
        return true;
    auto const prefix = text.substr(slash + 1);
    int n = -1;
    auto const [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), n);
    return ec == std::errc{} && end == prefix.data() + prefix.size() && n >= 0 && n <= bits;
}

std::pair<std::string, std::uint16_t> parse_listen(std::string_view text) {
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        throw std::invalid_argument("expected HOST:PORT");
    auto host = text.substr(0, colon);
    if (host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto const port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto const [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        throw std::invalid_argument("port must be a number from 0 to 65535");
    if (host.empty())
        throw std::invalid_argument("expected HOST:PORT");
    return {std::string(host), static_cast<std::uint16_t>(port)};
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    std::int64_t n = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data() || n < 0)
        throw std::invalid_argument("not a duration");
    std::string_view const unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::int64_t ms_per_unit = 0;
    if (unit == "ms")
        ms_per_unit = 1;
    else if (unit == "s")
        ms_per_unit = 1000;
    else if (unit == "m")
        ms_per_unit = 60'000;
    else if (unit == "h")
        ms_per_unit = 3'600'000;
    else
        throw std::invalid_argument("unit must be ms, s, m or h");
    // The daemon adds settings to steady_clock's time points (nanoseconds): a duration longer
    // than those can hold (292 years) would overflow there, or here in the multiplication.
    constexpr auto max_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max())
            .count();
    if (n > max_ms / ms_per_unit)
        throw std::invalid_argument("duration too long");
    return std::chrono::milliseconds(n * ms_per_unit);
}

settings parse_config(std::string_view text, std::string_view source_name) {
    reject_what_toml_cannot_read(text, source_name);
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (toml::parse_error const& e) {
        auto const at = within(text, e.source().begin);
        throw config_error(std::string(source_name), at.line, at.column,
                           std::string(e.description()));
    }
    settings s;
    table_reader top(root, source_name, "");

    if (auto const server = top.get<toml::table const*>("server")) {
        table_reader r(**server, source_name, "server");
        if (auto const listen = r.get<std::string>("listen")) {
            try {
                std::tie(s.listen_host, s.listen_port) = parse_listen(*listen);
            } catch (std::invalid_argument const& e) {
                fail(source_name, r.where("listen"),
                     "server.listen: " + std::string(e.what()) + ", not \"" + *listen + "\"");
            }
        }
        if (auto const dir = r.get<std::string>("state_dir")) {
            if (dir->empty())
                fail(source_name, r.where("state_dir"), "server.state_dir must not be empty");
            s.state_dir = *dir;
        }
        if (auto const level = r.get<std::string>("log_level")) {
            static constexpr std::string_view levels[] = {"trace", "debug",    "info", "warn",
                                                          "error", "critical", "off"};
            if (std::find(std::begin(levels), std::end(levels), *level) == std::end(levels))
                fail(source_name, r.where("log_level"),
                     "server.log_level must be one of trace, debug, info, warn, error, critical, "
                     "off");
            s.log_level = *level;
        }
        if (auto const threads = r.get<std::int64_t>("threads")) {
            if (*threads < 0 || *threads > 256)
                fail(source_name, r.where("threads"),
                     "server.threads must be from 0 (one per CPU core) to 256");
            s.threads = static_cast<unsigned>(*threads);
        }
        s.shutdown_grace = duration(r, "shutdown_grace", s.shutdown_grace, source_name);
        if (auto const hosts = r.get<toml::array const*>("allowed_hosts")) {
            for (auto const& node : **hosts) {
                auto const v = node.value<std::string>();
                if (!node.is_string() || v->empty() || v->size() > 253 ||
                    v->find_first_of(":/ []") != std::string::npos)
                    fail(source_name, node.source(),
                         "server.allowed_hosts must hold host names such as "
                         "\"captions.example.org\" (no scheme, port or path), or \"*\"");
                s.allowed_hosts.push_back(*v);
            }
        }
        if (auto const proxies = r.get<toml::array const*>("trusted_proxies")) {
            for (auto const& node : **proxies) {
                auto const v = node.value<std::string>();
                if (!node.is_string() || !is_address_or_network(*v))
                    fail(source_name, node.source(),
                         "server.trusted_proxies must hold IP addresses or networks such as "
                         "\"127.0.0.1\", \"::1\" or \"10.0.0.0/8\"");
                s.trusted_proxies.push_back(*v);
            }
        }
        at_most(r, "shutdown_grace", s.shutdown_grace, std::chrono::minutes(10), "10m",
                source_name);
        r.reject_unknown();
    }
    if (auto const limits = top.get<toml::table const*>("limits")) {
        table_reader r(**limits, source_name, "limits");
        s.max_frame_bytes = positive(r, "max_frame_bytes", s.max_frame_bytes, source_name);
        s.max_body_bytes = positive(r, "max_body_bytes", s.max_body_bytes, source_name);
        // A caption frame becomes one journal record, escaped as JSON (up to 6 bytes a byte):
        // it must stay well within what a journal holds.
        for (auto const key : {"max_frame_bytes", "max_body_bytes"})
            if ((std::string_view(key) == "max_frame_bytes" ? s.max_frame_bytes
                                                            : s.max_body_bytes) > (8u << 20))
                fail(source_name, r.where(key), r.name(key) + " must be at most 8388608 (8 MiB)");
        s.subscriber_queue = positive(r, "subscriber_queue", s.subscriber_queue, source_name);
        s.update_history = positive(r, "update_history", s.update_history, source_name);
        s.update_history_bytes =
            positive(r, "update_history_bytes", s.update_history_bytes, source_name);
        s.max_header_bytes = positive(r, "max_header_bytes", s.max_header_bytes, source_name);
        if (s.max_header_bytes < 1024 || s.max_header_bytes > (1u << 20))
            fail(source_name, r.where("max_header_bytes"),
                 "limits.max_header_bytes must be from 1024 to 1048576");
        auto const rate = positive(r, "ingest_rate", s.ingest_rate, source_name);
        if (rate > 1'000'000)
            fail(source_name, r.where("ingest_rate"),
                 "limits.ingest_rate must be at most 1000000 frames per second");
        s.ingest_rate = static_cast<std::uint32_t>(rate);
        s.max_sessions = positive(r, "max_sessions", s.max_sessions, source_name);
        s.search_queue = positive(r, "search_queue", s.search_queue, source_name);
        s.max_subscribers = positive(r, "max_subscribers", s.max_subscribers, source_name);
        s.max_session_subscribers =
            positive(r, "max_session_subscribers", s.max_session_subscribers, source_name);
        s.max_address_connections =
            zero_or_more(r, "max_address_connections", s.max_address_connections, source_name);
        s.max_address_viewers =
            zero_or_more(r, "max_address_viewers", s.max_address_viewers, source_name);
        s.handshake_timeout = duration(r, "handshake_timeout", s.handshake_timeout, source_name);
        at_most(r, "handshake_timeout", s.handshake_timeout, std::chrono::minutes(10), "10m",
                source_name);
        s.connection_idle_timeout =
            duration(r, "connection_idle_timeout", s.connection_idle_timeout, source_name);
        if (s.connection_idle_timeout < std::chrono::seconds(2))
            fail(source_name, r.where("connection_idle_timeout"),
                 "limits.connection_idle_timeout must be at least 2s: WebSockets are pinged at "
                 "half of it");
        at_most(r, "connection_idle_timeout", s.connection_idle_timeout, std::chrono::hours(24),
                "24h", source_name);
        r.reject_unknown();
    }
    if (auto const sessions = top.get<toml::table const*>("sessions")) {
        table_reader r(**sessions, source_name, "sessions");
        s.idle_timeout = duration(r, "idle_timeout", s.idle_timeout, source_name);
        s.recent_sessions = positive(r, "recent", s.recent_sessions, source_name);
        r.reject_unknown();
    }
    if (auto const auth = top.get<toml::table const*>("auth")) {
        table_reader r(**auth, source_name, "auth");
        s.auth.publish_token = token(r, "publish_token", source_name);
        s.auth.viewer_token = token(r, "viewer_token", source_name);
        s.auth.admin_token = token(r, "admin_token", source_name);
        if (auto const origins = r.get<toml::array const*>("origins")) {
            for (auto const& node : **origins) {
                auto const v = node.value<std::string>();
                if (!node.is_string() ||
                    !(v->starts_with("http://") || v->starts_with("https://")) || v->ends_with("/"))
                    fail(source_name, node.source(),
                         "auth.origins must hold origins such as \"https://captions.example.org\" "
                         "(scheme and host, no path)");
                s.auth.origins.push_back(*v);
            }
        }
        if (auto const sessions = r.get<toml::table const*>("sessions")) {
            table_reader sr(**sessions, source_name, "auth.sessions");
            for (auto const& [key, node] : **sessions) {
                if (!protocol::is_valid_session_id(key.str()))
                    fail(source_name, key.source(),
                         "auth.sessions: '" + std::string(key.str()) + "' is not a session id");
                s.auth.session_tokens[std::string(key.str())] = token(sr, key.str(), source_name);
            }
        }
        r.reject_unknown();
    }
    if (auto const journal = top.get<toml::table const*>("journal")) {
        table_reader r(**journal, source_name, "journal");
        s.commit_interval = duration(r, "commit_interval", s.commit_interval, source_name);
        if (s.commit_interval > std::chrono::seconds(10))
            fail(source_name, r.where("commit_interval"),
                 "journal.commit_interval must be at most 10s: sources wait that long for acks");
        r.reject_unknown();
    }
    if (auto const archive = top.get<toml::table const*>("archive")) {
        table_reader r(**archive, source_name, "archive");
        auto limit = [&](std::string_view key, std::int64_t max) -> std::int64_t {
            auto const v = r.get<std::int64_t>(key);
            if (v && (*v < 0 || *v > max))
                fail(source_name, r.where(key),
                     r.name(key) + " must be 0 (no limit) or a positive number up to " +
                         std::to_string(max));
            return v.value_or(0);
        };
        s.archive_max_age_days = static_cast<unsigned>(limit("max_age_days", 1'000'000));
        s.archive_max_megabytes =
            static_cast<std::uint64_t>(limit("max_megabytes", std::int64_t{1} << 40));
        r.reject_unknown();
    }
    if (auto const tls = top.get<toml::table const*>("tls")) {
        table_reader r(**tls, source_name, "tls");
        s.tls.certificate = r.get<std::string>("certificate").value_or("");
        s.tls.private_key = r.get<std::string>("private_key").value_or("");
        if (s.tls.certificate.empty() != s.tls.private_key.empty())
            fail(source_name, r.where(s.tls.certificate.empty() ? "private_key" : "certificate"),
                 "tls.certificate and tls.private_key go together: set both or neither");
        r.reject_unknown();
    }
    std::string feed_ca_file;
    if (auto const feeds = top.get<toml::table const*>("feeds")) {
        table_reader r(**feeds, source_name, "feeds");
        feed_ca_file = r.get<std::string>("ca_file").value_or("");
        s.reconnect_initial = duration(r, "reconnect_initial", s.reconnect_initial, source_name);
        s.reconnect_max = duration(r, "reconnect_max", s.reconnect_max, source_name);
        if (s.reconnect_max < s.reconnect_initial)
            fail(source_name, r.where("reconnect_max"),
                 "feeds.reconnect_max must not be less than feeds.reconnect_initial");
        r.reject_unknown();
    }
    if (auto const list = top.get<toml::array const*>("feed")) {
        for (auto const& node : **list) {
            auto const* t = node.as_table();
            if (!t)
                fail(source_name, node.source(), "each [[feed]] must be a table");
            table_reader r(*t, source_name, "feed");
            feed f;
            auto const session = r.get<std::string>("session");
            auto const url = r.get<std::string>("url");
            if (!session || !protocol::is_valid_session_id(*session))
                fail(source_name, r.where("session"),
                     "feed.session must be a session id of 1-64 letters, digits, '.', '_' or '-'");
            if (!url || !(url->starts_with("ws://") || url->starts_with("wss://")))
                fail(source_name, r.where("url"), "feed.url must be a ws:// or wss:// URL");
            f.session = *session;
            f.url = *url;
            f.title = r.get<std::string>("title").value_or("");
            if (auto const agenda = r.get<std::string>("agenda")) {
                try {
                    f.agenda = read_agenda_file(*agenda);
                } catch (agenda_file_error const& e) {
                    fail(source_name, r.where("agenda"), std::string("feed.agenda: ") + e.what());
                }
            }
            if (auto const roster = r.get<std::string>("roster")) {
                try {
                    f.roster = read_roster_file(*roster);
                } catch (roster_file_error const& e) {
                    fail(source_name, r.where("roster"), std::string("feed.roster: ") + e.what());
                }
            }
            f.token = token(r, "token", source_name);
            f.ca_file = r.get<std::string>("ca_file").value_or(feed_ca_file);
            for (auto const& other : s.feeds)
                if (other.session == f.session)
                    fail(source_name, r.where("session"),
                         "two feeds for session '" + f.session + "'");
            r.reject_unknown();
            s.feeds.push_back(std::move(f));
        }
    }
    top.reject_unknown();
    return s;
}

namespace {

// The first `max_bytes + 1` bytes of the file at `path`: one byte more than it may have, so
// that a larger file is refused without being read whole. Throws Error(why, true) if the
// file cannot be opened or read.
template <class Error>
std::string read_bounded(std::filesystem::path const& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": " + std::strerror(errno), true);
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
        throw Error(path.string() + ": cannot be read", true);
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

} // namespace

std::vector<protocol::agenda_item> read_agenda_file(std::filesystem::path const& path) {
    auto const text = read_bounded<agenda_file_error>(path, protocol::max_agenda_text_bytes);
    auto parsed = protocol::parse_agenda(text);
    if (auto const* no = std::get_if<protocol::agenda_refusal>(&parsed))
        throw agenda_file_error(path.string() + ": not an agenda: " + no->why, false);
    return std::get<std::vector<protocol::agenda_item>>(std::move(parsed));
}

std::vector<protocol::roster_person> read_roster_file(std::filesystem::path const& path) {
    auto const text = read_bounded<roster_file_error>(path, protocol::max_roster_bytes);
    auto parsed = protocol::parse_roster(text);
    if (auto const* no = std::get_if<protocol::roster_refusal>(&parsed))
        throw roster_file_error(path.string() + ": not a roster: " + no->why, false);
    return std::get<std::vector<protocol::roster_person>>(std::move(parsed));
}

settings reloadable(settings const& running, settings next, std::vector<std::string>& kept) {
    auto keep = [&](auto& field, auto const& value, std::string_view name) {
        if (field != value) {
            kept.emplace_back(name);
            field = value;
        }
    };
    keep(next.listen_host, running.listen_host, "server.listen");
    keep(next.listen_port, running.listen_port, "server.listen");
    keep(next.state_dir, running.state_dir, "server.state_dir");
    keep(next.threads, running.threads, "server.threads");
    keep(next.archive_max_age_days, running.archive_max_age_days, "archive.max_age_days");
    keep(next.archive_max_megabytes, running.archive_max_megabytes, "archive.max_megabytes");
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    return next;
}

settings load_config_file(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw config_error(path.string(), 0, 0, "cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path.string());
}

} // namespace minuted::config
