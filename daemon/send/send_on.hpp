#pragma once

#include "daemon/live/live_config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/send/notification.hpp"
#include "daemon/send/webhook_sender.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace minuted::daemon {

/// Sends a meeting on once it is archived: a signed notification to each `[[webhook]]`, and
/// the report by mail (`[mail]`), for the events they are configured for. Everything happens
/// off the session's strand and the io threads' way: files are read and written on `disk`,
/// the network is async on the io threads, failures are retried with backoff (webhooks
/// durably, see webhook_sender), logged and counted. The config is read at each event and
/// each attempt, so a reload applies to what comes next.
class send_on {
public:
    send_on(boost::asio::io_context& ioc, boost::asio::any_io_executor disk,
            live_config const& config, metrics& counters);

    /// Delivers the webhook notifications spooled before a restart. Call once, at start.
    void start();
    /// Announces `event` ("ended" when a meeting is archived; "approved" when its minutes
    /// are) of the meeting archived in `folder` (STATE_DIR/archive/NAME). Any thread; returns
    /// at once.
    void announce(std::string event, std::filesystem::path folder);

private:
    /// The meeting archived in `folder`, or nullopt (logged, counted) if it cannot be read.
    std::optional<announced_meeting> read_meeting(std::string const& event,
                                                  std::filesystem::path const& folder);
    void mail(std::string const& event, announced_meeting const& m);
    boost::asio::awaitable<void> deliver_mail(std::string what, std::string message);

    boost::asio::io_context& ioc_;
    boost::asio::any_io_executor disk_;
    live_config const& config_;
    metrics& metrics_;
    webhook_sender webhooks_;
};

} // namespace minuted::daemon
