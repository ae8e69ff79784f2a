#pragma once

#include "daemon/live/live_config.hpp"
#include "daemon/metrics.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace minuted::daemon {

/// Delivers signed notifications to the configured `[[webhook]]`s (protocol/PROTOCOL.md,
/// "Webhooks"). Each delivery is first spooled durably under STATE_DIR/webhooks/pending (one
/// file, named by its delivery id), then POSTed on the io threads; a failed attempt (no
/// connection, no answer within the timeout, not 2xx) is tried again after the `[webhooks]`
/// backoff, or what a Retry-After asks for if longer. Delivered: the file is removed. After
/// the last attempt: the notification and the reason are appended to
/// STATE_DIR/webhooks/dead-letter.jsonl, logged as an error, and the file removed. Files go to
/// and from the disk on `disk`, never on an io thread. Every attempt reads the config anew,
/// so a reload changes secrets, CAs and retries of deliveries still pending; a delivery whose
/// webhook the config no longer has is dead-lettered.
class webhook_sender {
public:
    webhook_sender(boost::asio::io_context& ioc, boost::asio::any_io_executor disk,
                   live_config const& config, metrics& counters);

    /// Delivers what was spooled before a restart. Call once, at start; returns at once.
    void resume();
    /// Spools and delivers `body` (a notification of `event`) to each webhook that wants
    /// `event`. Call on the disk executor.
    void queue(std::string const& event, std::string const& body);

private:
    struct delivery {
        std::string id, url, event, body;
    };
    void start(delivery d);
    boost::asio::awaitable<void> deliver(delivery d);
    boost::asio::awaitable<std::string> attempt(delivery const& d,
                                                std::chrono::milliseconds& at_least);
    void finish(delivery const& d, std::string const& failure);
    std::filesystem::path dir() const;

    boost::asio::io_context& ioc_;
    boost::asio::any_io_executor disk_;
    live_config const& config_;
    metrics& metrics_;
};

} // namespace minuted::daemon
