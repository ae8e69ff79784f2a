#pragma once

#include "config/config.hpp"
#include "daemon/client/ws_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace minuted::daemon {

/// The waits between a notification's attempts: `[webhooks]` or `[mail]` retries, as the
/// feeds' backoff draws them, and the timer a delivery waits on.
struct retry_wait {
    retry_wait(boost::asio::any_io_executor ex, config::delivery_retry const& retry)
        : timer(std::move(ex)), waits(retry.retry_initial, retry.retry_max) {}

    boost::asio::steady_timer timer;
    backoff waits;
};

} // namespace minuted::daemon
