#include "daemon/metrics.hpp"

#include "daemon/process_metrics.hpp"

#include <cstdio>

namespace minuted::daemon {

void metrics::observe_latency(std::chrono::steady_clock::duration d) noexcept {
    auto const seconds = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < latency_bounds.size() && seconds > latency_bounds[i])
        ++i;
    latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
    latency_sum_ns.fetch_add(static_cast<std::uint64_t>(std::chrono::nanoseconds(d).count()),
                             std::memory_order_relaxed);
    latency_count.fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render(std::size_t sessions_live, std::size_t sessions_recent,
                            std::chrono::milliseconds feed_lag) const {
    std::string out;
    auto line = [&](char const* name, char const* type, char const* help, auto value) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type;
        out += '\n';
        out += name;
        out += ' ';
        out += std::to_string(value);
        out += '\n';
    };
    auto load = [](auto const& a) { return a.load(std::memory_order_relaxed); };
    line("minuted_sessions_live", "gauge", "Sessions receiving captions.", sessions_live);
    line("minuted_sessions_ended", "gauge", "Ended sessions still listed.", sessions_recent);
    line("minuted_subscribers", "gauge", "Connected live subscribers.", load(subscribers));
    line("minuted_ingest_connections", "gauge", "Connected caption sources.",
         load(ingest_connections));
    line("minuted_ingest_bytes_total", "counter", "Caption bytes received.", load(ingest_bytes));
    line("minuted_ingest_events_total", "counter", "Caption events applied.", load(ingest_events));
    line("minuted_ingest_duplicates_total", "counter", "Resent caption events ignored.",
         load(ingest_duplicates));
    line("minuted_updates_published_total", "counter", "Updates made.", load(updates_published));
    line("minuted_updates_sent_total", "counter", "Updates delivered to subscribers.",
         load(updates_sent));
    line("minuted_relay_messages_total", "counter", "Messages published to relay channels.",
         load(relay_messages));
    line("minuted_relay_deliveries_total", "counter",
         "Relay messages delivered to channel subscribers.", load(relay_deliveries));
    line("minuted_subscriber_resyncs_total", "counter",
         "Slow subscribers skipped ahead to a snapshot.", load(subscriber_resyncs));
    line("minuted_subscriber_slow_closes_total", "counter",
         "Subscribers closed for falling behind.", load(subscriber_slow_closes));
    line("minuted_subscriber_stalls_total", "counter",
         "Subscribers skipped until they answered a ping.", load(subscriber_stalls));
    line("minuted_feed_connects_total", "counter", "Pull feed connections made.",
         load(feed_connects));
    line("minuted_feed_failures_total", "counter", "Pull feed connection and poll failures.",
         load(feed_failures));
    line("minuted_feed_polls_total", "counter", "Polls of polled feeds (StreamText) answered.",
         load(feed_polls));
    line("minuted_feed_bad_answers_total", "counter",
         "Polled feed answers refused: not JSON, fields missing, position going backwards, "
         "too long.",
         load(feed_bad_answers));
    out += "# HELP minuted_feed_lag_seconds Largest age of a polled feed's last answered poll.\n"
           "# TYPE minuted_feed_lag_seconds gauge\nminuted_feed_lag_seconds ";
    char lag[32];
    std::snprintf(lag, sizeof lag, "%.3f\n", std::chrono::duration<double>(feed_lag).count());
    out += lag;
    line("minuted_errors_protocol_total", "counter", "Malformed frames and requests.",
         load(errors_protocol));
    line("minuted_errors_io_total", "counter", "Network and file errors.", load(errors_io));
    line("minuted_errors_auth_total", "counter", "Requests refused for a missing or wrong token.",
         load(errors_auth));
    line("minuted_journal_commits_total", "counter", "Journal group commits (one fsync each).",
         load(journal_commits));
    line("minuted_journal_failures_total", "counter",
         "Journal commits that failed (disk full, state directory not writable).",
         load(journal_failures));
    line("minuted_ingest_refused_total", "counter",
         "Caption frames refused because the journal could not be written.", load(ingest_refused));
    line("minuted_http_requests_total", "counter", "HTTP requests served.", load(http_requests));
    line("minuted_tls_handshake_failures_total", "counter",
         "TLS connections that failed their handshake (bad or no certificate trust, timeout).",
         load(tls_handshake_failures));
    line("minuted_plain_http_refused_total", "counter",
         "Plain HTTP connections from other machines refused because [tls] is set.",
         load(plain_http_refused));
    line("minuted_config_reloads_total", "counter", "Configs reloaded on SIGHUP.",
         load(config_reloads));
    line("minuted_config_reload_failures_total", "counter",
         "SIGHUPs whose config could not be used (the running one was kept).",
         load(config_reload_failures));
    line("minuted_webhook_deliveries_total", "counter",
         "Notifications a webhook took (a 2xx answer).", load(webhook_deliveries));
    line("minuted_webhook_failures_total", "counter",
         "Webhook delivery attempts that failed (no connection, timeout, not 2xx).",
         load(webhook_failures));
    line("minuted_webhook_dead_letters_total", "counter",
         "Notifications given up after the last attempt, written to dead-letter.jsonl.",
         load(webhook_dead_letters));
    line("minuted_mail_sent_total", "counter", "Reports the SMTP relay or sendmail took.",
         load(mail_sent));
    line("minuted_mail_failures_total", "counter", "Mail attempts that failed.",
         load(mail_failures));
    line("minuted_mail_given_up_total", "counter", "Reports not mailed after the last attempt.",
         load(mail_given_up));
    out += "# HELP minuted_limit_hits_total Requests, connections and frames refused, closed or "
           "slowed down by a [limits] setting.\n# TYPE minuted_limit_hits_total counter\n";
    for (std::size_t i = 0; i < limit_names.size(); ++i)
        out += std::string("minuted_limit_hits_total{limit=\"") + limit_names[i] + "\"} " +
               std::to_string(load(limit_hits[i])) + "\n";

    out += "# HELP minuted_update_latency_seconds From a caption frame arriving to its update "
           "reaching a "
           "subscriber socket.\n# TYPE minuted_update_latency_seconds histogram\n";
    std::uint64_t cumulative = 0;
    char buf[64];
    for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
        cumulative += load(latency_buckets[i]);
        if (i < latency_bounds.size())
            std::snprintf(buf, sizeof buf, "%g", latency_bounds[i]);
        else
            std::snprintf(buf, sizeof buf, "+Inf");
        out += "minuted_update_latency_seconds_bucket{le=\"";
        out += buf;
        out += "\"} " + std::to_string(cumulative) + "\n";
    }
    std::snprintf(buf, sizeof buf, "%.9f", static_cast<double>(load(latency_sum_ns)) / 1e9);
    out += "minuted_update_latency_seconds_sum " + std::string(buf) + "\n";
    out += "minuted_update_latency_seconds_count " + std::to_string(load(latency_count)) + "\n";
    // Only the codes answered so far: a few of the 500 possible.
    out += "# HELP minuted_http_responses_total HTTP responses written, by status code.\n"
           "# TYPE minuted_http_responses_total counter\n";
    for (std::size_t code = 100; code < http_responses.size(); ++code)
        if (auto const n = load(http_responses[code]))
            out += "minuted_http_responses_total{code=\"" + std::to_string(code) + "\"} " +
                   std::to_string(n) + "\n";
    out += render_process_metrics();
    return out;
}

} // namespace minuted::daemon
