#include "config/config.hpp"

#include "config/toml_reader.hpp"
#include "protocol/ingest.hpp"
#include "protocol/utf8.hpp"

#include <algorithm>
#include <cctype>

namespace minuted::config {

using detail::at_most;
using detail::duration;
using detail::fail;
using detail::positive;
using detail::table_reader;
using detail::token;
using detail::zero_or_more;

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
# Web pages of other sites allowed to open WebSockets, publish captions, end meetings and read
# the API (CORS), by origin, e.g. ["https://captions.example.org"]. The daemon's own pages
# always may; a request that a browser sent from any other page (its Origin header) is refused
# with 403, and its scripts may not read /api answers.
origins = []

# Per-session publish tokens, in addition to publish_token:
# [auth.sessions]
# plenary = "a-token-for-the-plenary-only"

# Who may edit and approve the minutes (POST /api/sessions/{id}/minutes/edits), by name: the
# name is what the edit history records. Without any, only this machine may edit.
# [auth.editors]
# "Ana López" = "a-token-for-ana"      # any session
# [auth.editors.plenary]
# "Bo Lin" = "a-token-for-the-plenary's-rapporteur"

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

# Pull feeds: caption streams minuted attaches to as a client. Repeat the table for each feed.
# [[feed]]
# session = "plenary"                    # session id the captions go to
# url = "ws://captions.example.org/feed" # ws:// or wss://
# title = "Plenary, day 1"               # optional
# agenda = "/etc/minuted/plenary.md"     # optional: its agenda, a title a line, Markdown or JSON
# roster = "/etc/minuted/plenary.json"   # optional: who is expected, JSON [{"name", "organisation"?,
#                                        #   "aliases"?, "role"?}]
# token = "..."                          # optional: sent as Authorization: Bearer
# ca_file = "/etc/minuted/feed-ca.pem"  # optional: wss:// verified against these CAs
#
# A StreamText event, polled over HTTPS (title, agenda, roster and ca_file as above):
# [[feed]]
# kind = "streamtext"
# session = "plenary"
# event = "IGF-Plenary"                  # the event's name on StreamText
# language = "en"                        # optional: the event's own language if not given
# poll_interval = "1s"                   # optional: 100ms to 60s
# length = 5000                          # optional: most characters a poll fetches
# url = "https://www.streamtext.net/captions" # optional: another endpoint (a proxy, a test)

[webhooks]
# When a meeting ends (and when its minutes are approved), each [[webhook]] is sent a signed
# JSON notification (protocol/PROTOCOL.md). One that fails (no connection, no answer within
# timeout, an answer other than 2xx) is tried again, attempts in all, after waits doubling from
# retry_initial up to retry_max (with jitter; a Retry-After answer is waited for). After the
# last attempt it goes to STATE_DIR/webhooks/dead-letter.jsonl. Until then it is kept under
# STATE_DIR/webhooks/pending, so a restart delivers it.
attempts = 5
retry_initial = "30s"
retry_max = "5m"
timeout = "10s"
# The daemon's address as people reach it, e.g. "https://minutes.example.org": notifications
# then link to the archived report ("report_url"). Empty: no link.
public_url = ""

# A receiver; repeat the table for each.
# [[webhook]]
# url = "https://hooks.example.org/minutes"  # http:// or https://
# secret_file = "/etc/minuted/webhook.secret" # the shared secret's file (or secret = "...");
#                                             #   at least 16 characters
# events = ["ended", "approved"]              # optional: which to announce
# ca_file = "/etc/minuted/hooks-ca.pem"       # optional: https:// verified against these CAs

[mail]
# The report mailed when a meeting ends (and when its minutes are approved): Markdown as the
# text, with an HTML alternative. Nothing is mailed while `to` is empty.
to = []
# from = "minuted@example.org"
# Through an SMTP relay ("host:port") or the local MTA's sendmail (run as `sendmail -t -oi`):
# smtp = "localhost:25"
# starttls = "opportunistic"  # "require", "opportunistic" (when offered) or "off"
# username = "minuted"        # optional: AUTH PLAIN, which needs starttls = "require"
# password_file = "/etc/minuted/smtp.password"
# ca_file = ""                # optional: the relay's certificate verified against these CAs
# sendmail = "/usr/sbin/sendmail"
# events = ["ended", "approved"]
# Retries, as for webhooks (a mail that fails every attempt is logged and counted):
# attempts = 5
# retry_initial = "30s"
# retry_max = "5m"
# timeout = "10s"
)";

void read_server(table_reader& r, settings& s, std::string_view source_name) {
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
    at_most(r, "shutdown_grace", s.shutdown_grace, std::chrono::minutes(10), "10m", source_name);
}

void read_limits(table_reader& r, settings& s, std::string_view source_name) {
    s.max_frame_bytes = positive(r, "max_frame_bytes", s.max_frame_bytes, source_name);
    s.max_body_bytes = positive(r, "max_body_bytes", s.max_body_bytes, source_name);
    // A caption frame becomes one journal record, escaped as JSON (up to 6 bytes a byte):
    // it must stay well within what a journal holds.
    for (auto const key : {"max_frame_bytes", "max_body_bytes"})
        if ((std::string_view(key) == "max_frame_bytes" ? s.max_frame_bytes : s.max_body_bytes) >
            (8u << 20))
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
    at_most(r, "connection_idle_timeout", s.connection_idle_timeout, std::chrono::hours(24), "24h",
            source_name);
}

void read_sessions(table_reader& r, settings& s, std::string_view source_name) {
    s.idle_timeout = duration(r, "idle_timeout", s.idle_timeout, source_name);
    s.recent_sessions = positive(r, "recent", s.recent_sessions, source_name);
}

// [auth.editors]: name = token for any session, and [auth.editors.SESSION] tables of them.
void read_editors(toml::table const& editors, settings& s, std::string_view source_name) {
    table_reader er(editors, source_name, "auth.editors");
    auto read_names = [&](table_reader& tr, toml::table const& t,
                          std::map<std::string, std::string>& out) {
        for (auto const& [key, node] : t) {
            if (node.is_table())
                continue;
            if (key.str().empty() || key.str().size() > 100 || !protocol::is_valid_utf8(key.str()))
                fail(source_name, key.source(), "an editor's name must be 1-100 bytes of UTF-8");
            out[std::string(key.str())] = token(tr, key.str(), source_name);
        }
    };
    read_names(er, editors, s.auth.editors);
    for (auto const& [key, node] : editors) {
        auto const* session = node.as_table();
        if (!session)
            continue;
        if (!protocol::is_valid_session_id(key.str()))
            fail(source_name, key.source(),
                 "auth.editors: '" + std::string(key.str()) + "' is not a session id");
        table_reader sr(*session, source_name, "auth.editors." + std::string(key.str()));
        read_names(sr, *session, s.auth.session_editors[std::string(key.str())]);
    }
}

// An origin as a browser sends it in Origin: a scheme, "://" and a host with an optional
// port; nothing after it, no spaces, no wildcard. Compared with Origin headers as it is
// written, and echoed to browsers in CORS answers.
bool is_origin(std::string_view v) {
    auto host = v;
    if (host.starts_with("http://"))
        host.remove_prefix(7);
    else if (host.starts_with("https://"))
        host.remove_prefix(8);
    else
        return false;
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    });
}

void read_auth(table_reader& r, settings& s, std::string_view source_name) {
    s.auth.publish_token = token(r, "publish_token", source_name);
    s.auth.viewer_token = token(r, "viewer_token", source_name);
    s.auth.admin_token = token(r, "admin_token", source_name);
    if (auto const origins = r.get<toml::array const*>("origins")) {
        for (auto const& node : **origins) {
            auto const v = node.value<std::string>();
            if (!node.is_string() || !is_origin(*v))
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
    if (auto const editors = r.get<toml::table const*>("editors"))
        read_editors(**editors, s, source_name);
}

void read_journal(table_reader& r, settings& s, std::string_view source_name) {
    s.commit_interval = duration(r, "commit_interval", s.commit_interval, source_name);
    if (s.commit_interval > std::chrono::seconds(10))
        fail(source_name, r.where("commit_interval"),
             "journal.commit_interval must be at most 10s: sources wait that long for acks");
}

void read_archive(table_reader& r, settings& s, std::string_view source_name) {
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
}

void read_tls(table_reader& r, settings& s, std::string_view source_name) {
    s.tls.certificate = r.get<std::string>("certificate").value_or("");
    s.tls.private_key = r.get<std::string>("private_key").value_or("");
    if (s.tls.certificate.empty() != s.tls.private_key.empty())
        fail(source_name, r.where(s.tls.certificate.empty() ? "private_key" : "certificate"),
             "tls.certificate and tls.private_key go together: set both or neither");
}

// [feeds]; returns the CA file of feeds that do not name their own.
std::string read_feeds(table_reader& r, settings& s, std::string_view source_name) {
    auto ca_file = r.get<std::string>("ca_file").value_or("");
    s.reconnect_initial = duration(r, "reconnect_initial", s.reconnect_initial, source_name);
    s.reconnect_max = duration(r, "reconnect_max", s.reconnect_max, source_name);
    if (s.reconnect_max < s.reconnect_initial)
        fail(source_name, r.where("reconnect_max"),
             "feeds.reconnect_max must not be less than feeds.reconnect_initial");
    r.reject_unknown();
    return ca_file;
}

// A [[feed]]'s kind: "minuted" (the default) or "streamtext".
feed_kind read_feed_kind(table_reader& r, std::string_view source_name) {
    auto const kind = r.get<std::string>("kind").value_or("minuted");
    if (kind == "minuted")
        return feed_kind::minuted;
    if (kind == "streamtext")
        return feed_kind::streamtext;
    fail(source_name, r.where("kind"),
         "feed.kind must be \"minuted\" (a WebSocket feed) or \"streamtext\", not \"" + kind +
             "\"");
}

// The keys of a streamtext feed, and its URL (an http:// or https:// endpoint).
void read_streamtext(table_reader& r, feed& f, std::string_view source_name) {
    auto const event = r.get<std::string>("event");
    // StreamText's event names are short words; anything else would need escaping in a URL
    // and is more likely a typo than an event.
    if (!event || event->empty() || event->size() > 200 ||
        !std::all_of(event->begin(), event->end(), [](unsigned char c) {
            return std::isalnum(c) || c == '-' || c == '_' || c == '.';
        }))
        fail(source_name, r.where("event"),
             "feed.event must be a StreamText event name of letters, digits, '-', '_' or '.'");
    f.event = *event;
    f.language = r.get<std::string>("language").value_or("");
    if (!f.language.empty() && !protocol::is_valid_language_tag(f.language))
        fail(source_name, r.where("language"),
             "feed.language must be a language code such as \"en\" or \"pt-BR\"");
    f.poll_interval = duration(r, "poll_interval", f.poll_interval, source_name);
    if (f.poll_interval < std::chrono::milliseconds(100) ||
        f.poll_interval > std::chrono::seconds(60))
        fail(source_name, r.where("poll_interval"), "feed.poll_interval must be from 100ms to 60s");
    if (auto const length = r.get<std::int64_t>("length")) {
        if (*length < 1 || *length > 1'000'000)
            fail(source_name, r.where("length"),
                 "feed.length must be from 1 to 1000000 characters a poll");
        f.length = static_cast<std::size_t>(*length);
    }
    f.url = r.get<std::string>("url").value_or(std::string(streamtext_url));
    if (!(f.url.starts_with("http://") || f.url.starts_with("https://")) ||
        f.url.find_first_of("?# ") != std::string::npos)
        fail(source_name, r.where("url"),
             "feed.url of a streamtext feed must be an http:// or https:// URL without a query");
}

// One [[feed]]; `s` holds the feeds before it, `feed_ca_file` the [feeds] ca_file.
feed read_feed(table_reader& r, settings const& s, std::string const& feed_ca_file,
               std::string_view source_name) {
    feed f;
    auto const session = r.get<std::string>("session");
    if (!session || !protocol::is_valid_session_id(*session))
        fail(source_name, r.where("session"),
             "feed.session must be a session id of 1-64 letters, digits, '.', '_' or '-'");
    f.session = *session;
    f.kind = read_feed_kind(r, source_name);
    if (f.kind == feed_kind::streamtext) {
        read_streamtext(r, f, source_name);
    } else {
        auto const url = r.get<std::string>("url");
        if (!url || !(url->starts_with("ws://") || url->starts_with("wss://")))
            fail(source_name, r.where("url"), "feed.url must be a ws:// or wss:// URL");
        f.url = *url;
        f.token = token(r, "token", source_name);
    }
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
    f.ca_file = r.get<std::string>("ca_file").value_or(feed_ca_file);
    for (auto const& other : s.feeds)
        if (other.session == f.session)
            fail(source_name, r.where("session"), "two feeds for session '" + f.session + "'");
    r.reject_unknown();
    return f;
}

// Reads the table `key` of `top`, if it has one, with `read`; a key `read` did not visit is an
// error.
void read_section(table_reader& top, std::string_view key,
                  void (*read)(table_reader&, settings&, std::string_view), settings& s,
                  std::string_view source_name) {
    if (auto const table = top.get<toml::table const*>(key)) {
        table_reader r(**table, source_name, std::string(key));
        read(r, s, source_name);
        r.reject_unknown();
    }
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

settings parse_config(std::string_view text, std::string_view source_name) {
    auto const root = detail::parse_toml(text, source_name);
    settings s;
    table_reader top(root, source_name, "");
    // In this order: a file with several errors is told of the first one read.
    read_section(top, "server", read_server, s, source_name);
    read_section(top, "limits", read_limits, s, source_name);
    read_section(top, "sessions", read_sessions, s, source_name);
    read_section(top, "auth", read_auth, s, source_name);
    read_section(top, "journal", read_journal, s, source_name);
    read_section(top, "archive", read_archive, s, source_name);
    read_section(top, "tls", read_tls, s, source_name);
    std::string feed_ca_file;
    if (auto const feeds = top.get<toml::table const*>("feeds")) {
        table_reader r(**feeds, source_name, "feeds");
        feed_ca_file = read_feeds(r, s, source_name);
    }
    if (auto const list = top.get<toml::array const*>("feed")) {
        for (auto const& node : **list) {
            auto const* t = node.as_table();
            if (!t)
                fail(source_name, node.source(), "each [[feed]] must be a table");
            table_reader r(*t, source_name, "feed");
            s.feeds.push_back(read_feed(r, s, feed_ca_file, source_name));
        }
    }
    detail::read_send_on(top, s, source_name);
    top.reject_unknown();
    return s;
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

} // namespace minuted::config
