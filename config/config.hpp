#pragma once

#include "protocol/agenda.hpp"
#include "protocol/roster.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::config {

/// How a pull feed is read.
enum class feed_kind {
    minuted,    ///< minuted's ingest protocol over a WebSocket that minuted connects to
    streamtext, ///< StreamText's caption API, polled over HTTP(S)
};

/// StreamText's public caption endpoint: a streamtext feed's `url` unless it names another.
inline constexpr std::string_view streamtext_url = "https://www.streamtext.net/captions";

/// A caption feed that minuted attaches to as a client (pull ingest).
struct feed {
    std::string session; ///< session id the feed's captions go to
    /// minuted: the ws:// or wss:// URL of the feed; streamtext: the http:// or https:// URL
    /// of the captions endpoint (`streamtext_url` by default).
    std::string url;
    std::string title; ///< meeting title, if the feed does not send one
    /// The meeting's known agenda (`agenda`, a file read with read_agenda_file), if given.
    std::vector<protocol::agenda_item> agenda;
    /// Who is expected (`roster`, a file read with read_roster_file), if given.
    std::vector<protocol::roster_person> roster;
    std::string token; ///< sent to the feed as `Authorization: Bearer`, if it wants one
    /// wss://: PEM file of the CAs that may sign the feed's certificate instead of the
    /// system's store (its own `ca_file`, or `[feeds] ca_file`); empty: the system's store.
    std::string ca_file;
    feed_kind kind = feed_kind::minuted;
    std::string event;    ///< streamtext: the event's name
    std::string language; ///< streamtext: the language asked for; empty: the event's own
    /// streamtext: from the start of one poll to the start of the next (100ms to 60s).
    std::chrono::milliseconds poll_interval{1000};
    std::size_t length = 0; ///< streamtext: most characters asked for per poll; 0: no limit

    bool operator==(feed const&) const = default;
};

/// HTTPS and WSS on the listening port (`[tls]`): both files or neither.
struct tls_settings {
    std::filesystem::path certificate; ///< PEM: the server's certificate, then its chain
    std::filesystem::path private_key; ///< PEM: the certificate's private key

    bool enabled() const noexcept { return !certificate.empty(); }
    bool operator==(tls_settings const&) const = default;
};

/// Who may publish, view and administer (`[auth]`). Tokens are at least 16 printable
/// characters; none is ever logged.
struct auth_settings {
    /// Publishing to any session. With neither this nor `session_tokens`, publishing is
    /// accepted from loopback only, and listening elsewhere is refused at start.
    std::string publish_token;
    std::map<std::string, std::string> session_tokens; ///< [auth.sessions]: id = token
    /// [auth.editors]: people who may edit and approve the minutes of any session, by name
    /// (what the edit history says they did): name = token.
    std::map<std::string, std::string> editors;
    /// [auth.editors.SESSION]: those who may edit one session's minutes: id -> name -> token.
    std::map<std::string, std::map<std::string, std::string>> session_editors;
    std::string viewer_token; ///< empty: viewing is public
    /// Admin requests (POST /api/sessions/{id}/end). Empty: from loopback only.
    std::string admin_token;
    /// Origins ("https://captions.example.org") whose pages may open WebSockets, publish and
    /// end meetings, besides the daemon's own pages (which always may).
    std::vector<std::string> origins;

    bool has_publish_tokens() const noexcept {
        return !publish_token.empty() || !session_tokens.empty();
    }
};

/// How a notification that could not be delivered is tried again: `attempts` in all, the
/// waits between them doubling from `retry_initial` up to `retry_max`, with jitter; each
/// attempt must be done within `timeout`.
struct delivery_retry {
    unsigned attempts = 5;
    std::chrono::milliseconds retry_initial{30000};
    std::chrono::milliseconds retry_max{300000};
    std::chrono::milliseconds timeout{10000};

    bool operator==(delivery_retry const&) const = default;
};

/// What a meeting's end or approval is announced on: "ended", "approved".
inline constexpr std::string_view send_events[] = {"ended", "approved"};

/// A receiver of signed JSON notifications (`[[webhook]]`, protocol/PROTOCOL.md).
struct webhook {
    std::string url;    ///< http:// or https://
    std::string secret; ///< the HMAC key (`secret`, or the file `secret_file` holds); never logged
    std::vector<std::string> events = {"ended", "approved"};
    std::string ca_file; ///< https://: the CAs its certificate is verified against; empty: system's

    bool operator==(webhook const&) const = default;
};

/// Whether SMTP is protected with STARTTLS: it must be, it is when offered, or never.
enum class starttls_mode { require, opportunistic, off };

/// Mailing the report (`[mail]`): through an SMTP relay, or the local sendmail.
struct mail_settings {
    std::vector<std::string> to; ///< addresses; none: no mail
    std::string from;
    std::string smtp_host; ///< empty: `sendmail` is used
    std::uint16_t smtp_port = 25;
    starttls_mode starttls = starttls_mode::opportunistic;
    std::string username; ///< AUTH PLAIN, only ever over TLS
    std::string password; ///< read from `password_file`; never logged
    std::string ca_file;  ///< STARTTLS: the CAs the relay's certificate is verified against
    std::string sendmail; ///< the sendmail program, run as `sendmail -t -oi`
    std::vector<std::string> events = {"ended", "approved"};

    bool enabled() const noexcept { return !to.empty(); }
    bool operator==(mail_settings const&) const = default;
};

/// Everything `minuted serve` can be told. The defaults are the embedded default config.
struct settings {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::filesystem::path state_dir = "minuted-state";
    std::string log_level = "info";
    unsigned threads = 0; ///< io threads; 0 means one per CPU core
    /// On SIGTERM, how long connections get to finish what is in flight before the daemon exits.
    std::chrono::milliseconds shutdown_grace{10000};
    /// Host names (Host header) the daemon answers to besides IP addresses, localhost and the
    /// listen host; "*": any. Other names are refused, so a DNS name rebound to this machine
    /// gives a page of another site nothing.
    std::vector<std::string> allowed_hosts;
    /// Reverse proxies whose X-Forwarded-For / Forwarded and X-Forwarded-Proto are believed:
    /// addresses ("127.0.0.1") or networks ("10.0.0.0/8"). A request from one is the client's
    /// it names for auth, limits and logs; nobody else's forwarding headers are read.
    std::vector<std::string> trusted_proxies;

    std::chrono::seconds idle_timeout{1800}; ///< a session with no ingest this long ends
    std::size_t max_frame_bytes = 1 << 20;   ///< largest WebSocket message accepted
    std::size_t max_body_bytes = 1 << 20;    ///< largest HTTP request body accepted
    std::size_t subscriber_queue = 256;      ///< updates queued per subscriber before resync
    std::size_t update_history = 4096;       ///< updates kept for ?since= resumes
    std::size_t recent_sessions = 100;       ///< ended sessions listed by /api/sessions
    std::size_t max_header_bytes = 16384;    ///< largest HTTP request head (request line, headers)
    /// Bytes the updates kept for ?since= may take together; a viewer that missed more gets a
    /// snapshot.
    std::size_t update_history_bytes = 16u << 20;
    /// Caption frames a session takes per second; a faster source is slowed down (one second's
    /// worth may come at once).
    std::uint32_t ingest_rate = 5000;
    std::size_t max_sessions = 1000; ///< live sessions at once
    /// Archive searches waiting or running at once; one more gets 503 with Retry-After.
    std::size_t search_queue = 8;
    std::size_t max_subscribers = 20000;         ///< viewers' WebSockets at once, in all
    std::size_t max_session_subscribers = 10000; ///< viewers' WebSockets of one session
    /// Connections and viewers' WebSockets one client (IPv4 address, IPv6 /64) holds at once;
    /// 0: no limit.
    std::size_t max_address_connections = 1000;
    std::size_t max_address_viewers = 1000;
    /// From a connection's first byte to its request read or its WebSocket handshake done.
    std::chrono::milliseconds handshake_timeout{10000};
    /// A connection with nothing to say this long is closed (WebSockets are pinged first).
    std::chrono::milliseconds connection_idle_timeout{60000};

    /// Journal group commit: records wait at most this long for their fsync, and acks wait
    /// for the fsync, so a source never holds an ack for captions a crash could lose.
    std::chrono::milliseconds commit_interval{50};
    unsigned archive_max_age_days = 0;       ///< archived meetings older are deleted; 0: kept
    std::uint64_t archive_max_megabytes = 0; ///< oldest archived meetings deleted above; 0: none

    std::chrono::milliseconds reconnect_initial{500}; ///< first pull-feed retry delay
    std::chrono::milliseconds reconnect_max{30000};   ///< cap of the exponential backoff

    auth_settings auth;
    tls_settings tls;

    std::vector<feed> feeds;

    std::vector<webhook> webhooks;
    delivery_retry webhook_retry;
    /// The daemon's address as its users reach it ("https://minutes.example.org"), for the
    /// links notifications carry; empty: none.
    std::string public_url;
    mail_settings mail;
    delivery_retry mail_retry;
};

/// A configuration that cannot be used: where (file:line:column) and why.
class config_error : public std::runtime_error {
public:
    config_error(std::string source, std::uint32_t line, std::uint32_t column,
                 std::string const& what);
    std::string const& source() const noexcept { return source_; }
    std::uint32_t line() const noexcept { return line_; }
    std::uint32_t column() const noexcept { return column_; }

private:
    std::string source_;
    std::uint32_t line_;
    std::uint32_t column_;
};

/// True for an IP address ("10.1.2.3", "::1") or a network in CIDR form ("10.0.0.0/8"). Pure.
bool is_address_or_network(std::string_view text);

/// The embedded default configuration, documented key by key. Parses to `settings{}`.
std::string_view default_config_text();

/// Parses TOML `text`. Unknown keys, wrong types and bad values throw `config_error` naming
/// `source_name` and the line and column. Pure: no I/O.
settings parse_config(std::string_view text, std::string_view source_name = "<config>");

/// The settings a running daemon takes from `next` when it reloads its config (SIGHUP): all of
/// them but those bound at start (listen address, state_dir, threads, the archive's
/// retention), which keep `running`'s values. The names of those that `next` would change are
/// appended to `kept`, so the daemon can say a restart is needed for them.
settings reloadable(settings const& running, settings next, std::vector<std::string>& kept);

/// A known agenda file that cannot be read or is not an agenda.
class agenda_file_error : public std::runtime_error {
public:
    agenda_file_error(std::string what, bool cannot_read)
        : std::runtime_error(std::move(what)), unreadable(cannot_read) {}
    bool unreadable; ///< could not be opened or read (else: read, and not an agenda)
};

/// The agenda in the file at `path` (see protocol::parse_agenda): a title per line, a
/// Markdown list or JSON with presenters. Throws agenda_file_error saying why ("PATH: not an
/// agenda: 501 agenda items; at most 500").
std::vector<protocol::agenda_item> read_agenda_file(std::filesystem::path const& path);

/// A roster file that cannot be read or is not a roster.
class roster_file_error : public std::runtime_error {
public:
    roster_file_error(std::string what, bool cannot_read)
        : std::runtime_error(std::move(what)), unreadable(cannot_read) {}
    bool unreadable; ///< could not be opened or read (else: read, and not a roster)
};

/// The roster in the file at `path` (see protocol::parse_roster). Throws roster_file_error
/// saying why ("PATH: not a roster: person 3: unknown field \"email\" ...").
std::vector<protocol::roster_person> read_roster_file(std::filesystem::path const& path);

/// The secret held in the file at `path` (a webhook's `secret_file`, the mail's
/// `password_file`): its first line. Throws std::runtime_error saying why it cannot be used.
std::string read_secret_file(std::filesystem::path const& path);

/// Reads `path` and parses it; a file that cannot be read throws `config_error` too.
settings load_config_file(std::filesystem::path const& path);

/// "127.0.0.1:8080", "[::1]:0" -> host and port; throws std::invalid_argument if malformed.
std::pair<std::string, std::uint16_t> parse_listen(std::string_view text);

/// "250ms", "30s", "5m", "1h" -> milliseconds; throws std::invalid_argument if malformed.
std::chrono::milliseconds parse_duration(std::string_view text);

} // namespace minuted::config
