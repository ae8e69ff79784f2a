#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace minuted::daemon {

/// A configured limit ([limits]) that refused or slowed something down.
enum class limit {
    sessions,            ///< a new session beyond max_sessions
    subscribers,         ///< a viewer beyond max_subscribers
    session_subscribers, ///< a viewer beyond max_session_subscribers
    ingest_rate,         ///< a caption frame delayed (or a POST refused) by ingest_rate
    frame,               ///< a WebSocket message over max_frame_bytes
    body,                ///< an HTTP body over max_body_bytes
    header,              ///< an HTTP request head over max_header_bytes
    handshake_timeout,   ///< a request or handshake not read within handshake_timeout
    idle_timeout,        ///< a connection silent for connection_idle_timeout
    search_queue,        ///< an archive search beyond search_queue
    address_connections, ///< a connection beyond max_address_connections
    address_viewers,     ///< a viewer beyond max_address_viewers
};
inline constexpr std::array<char const*, 12> limit_names = {"sessions",
                                                            "subscribers",
                                                            "session_subscribers",
                                                            "ingest_rate",
                                                            "frame",
                                                            "body",
                                                            "header",
                                                            "handshake_timeout",
                                                            "idle_timeout",
                                                            "search_queue",
                                                            "address_connections",
                                                            "address_viewers"};

/// Counters for GET /metrics (Prometheus text format). Lock-free: any strand may count.
struct metrics {
    std::atomic<std::uint64_t> ingest_bytes{0};
    std::atomic<std::uint64_t> ingest_events{0};      ///< text, erase, close and raw frames applied
    std::atomic<std::uint64_t> ingest_duplicates{0};  ///< resent seqs acknowledged and ignored
    std::atomic<std::uint64_t> updates_published{0};  ///< updates made (serialised once each)
    std::atomic<std::uint64_t> updates_sent{0};       ///< deliveries to subscribers
    std::atomic<std::uint64_t> relay_messages{0};     ///< POSTs to /pub/{channel}
    std::atomic<std::uint64_t> relay_deliveries{0};   ///< their deliveries to /sub/ subscribers
    std::atomic<std::uint64_t> subscriber_resyncs{0}; ///< slow subscribers skipped to a snapshot
    std::atomic<std::uint64_t> subscriber_slow_closes{0};
    std::atomic<std::uint64_t> subscriber_stalls{0}; ///< subscribers skipped: no answer to a ping
    std::atomic<std::int64_t> subscribers{0};
    std::atomic<std::int64_t> ingest_connections{0};
    std::atomic<std::uint64_t> feed_connects{0};
    std::atomic<std::uint64_t> feed_failures{0};
    std::atomic<std::uint64_t> feed_polls{0};       ///< StreamText polls answered
    std::atomic<std::uint64_t> feed_bad_answers{0}; ///< answers that were not StreamText's JSON
    std::atomic<std::uint64_t> errors_protocol{0};  ///< malformed frames, bad seqs, bad requests
    std::atomic<std::uint64_t> errors_io{0};
    std::atomic<std::uint64_t> errors_auth{0}; ///< requests refused for a missing or wrong token
    std::atomic<std::uint64_t> journal_commits{0};  ///< group commits (one fsync each)
    std::atomic<std::uint64_t> journal_failures{0}; ///< commits that failed (disk full, read-only)
    std::atomic<std::uint64_t> ingest_refused{0};   ///< captions refused: the journal failed
    std::atomic<std::uint64_t> http_requests{0};
    std::atomic<std::uint64_t> tls_handshake_failures{0}; ///< TLS connections that never got going
    std::atomic<std::uint64_t> plain_http_refused{0}; ///< plain HTTP from elsewhere, with [tls] set
    std::atomic<std::uint64_t> config_reloads{0};     ///< SIGHUPs that took a new config
    std::atomic<std::uint64_t> config_reload_failures{0}; ///< SIGHUPs that kept the old one
    std::atomic<std::uint64_t> webhook_deliveries{0};     ///< notifications a webhook took (2xx)
    std::atomic<std::uint64_t> webhook_failures{0};       ///< attempts that failed
    std::atomic<std::uint64_t> webhook_dead_letters{0};   ///< given up: in dead-letter.jsonl
    std::atomic<std::uint64_t> mail_sent{0};              ///< reports the relay or sendmail took
    std::atomic<std::uint64_t> mail_failures{0};          ///< attempts that failed
    std::atomic<std::uint64_t> mail_given_up{0};          ///< reports not sent after every attempt
    std::array<std::atomic<std::uint64_t>, limit_names.size()> limit_hits{};

    /// HTTP responses written, by status code (answers 100-599; the WebSocket handshakes' 101
    /// are not counted).
    std::array<std::atomic<std::uint64_t>, 600> http_responses{};
    void count_response(unsigned status) noexcept {
        if (status < http_responses.size())
            http_responses[status].fetch_add(1, std::memory_order_relaxed);
    }

    void hit(limit l) noexcept {
        limit_hits[static_cast<std::size_t>(l)].fetch_add(1, std::memory_order_relaxed);
    }

    /// Latency from a caption frame arriving to its update being handed to a subscriber socket.
    void observe_latency(std::chrono::steady_clock::duration d) noexcept;

    /// The Prometheus exposition, with the gauges the caller knows (sessions live, ended, and
    /// the largest lag of a polled feed: the age of its last answered poll).
    std::string render(std::size_t sessions_live, std::size_t sessions_recent,
                       std::chrono::milliseconds feed_lag = {}) const;

    static constexpr std::array<double, 13> latency_bounds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
    std::array<std::atomic<std::uint64_t>, latency_bounds.size() + 1> latency_buckets{};
    std::atomic<std::uint64_t> latency_sum_ns{0};
    std::atomic<std::uint64_t> latency_count{0};
};

} // namespace minuted::daemon
