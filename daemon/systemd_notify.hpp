#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace minuted::daemon {

/// What `minuted serve` tells the service manager (systemd Type=notify, sd_notify(3)):
/// READY=1 once it serves, STATUS= lines, STOPPING=1 on the way out, and WATCHDOG=1 pings.
///
/// Every call does nothing unless the daemon was started with $NOTIFY_SOCKET. Pings go out at
/// half the interval sd_watchdog_enabled(3) reports ($WATCHDOG_USEC, honoured only when
/// $WATCHDOG_PID is unset or this process), from a timer on the io_context: when no io thread
/// runs handlers any more, the pings stop and systemd restarts the daemon. Each tick also
/// refreshes the status line, sent only when it changed (every 10 s without a watchdog).
///
/// Must outlive the io_context's last run; the timer's handler may run on any io thread.
class systemd_notifier {
public:
    /// `status` makes the current STATUS= line ("serving on 127.0.0.1:8080; 3 live
    /// sessions"); it is called from any io thread, so it must be thread-safe.
    systemd_notifier(boost::asio::io_context& ioc, std::function<std::string()> status);
    systemd_notifier(systemd_notifier const&) = delete;
    systemd_notifier& operator=(systemd_notifier const&) = delete;

    /// READY=1 with the current status, and starts the ticks. Call once, when the listener is
    /// bound and the journals are recovered.
    void ready();
    /// STOPPING=1 and STATUS=`status`; later ticks only ping the watchdog, which systemd still
    /// expects while the daemon stops.
    void stopping(std::string_view status);

    /// Whether $NOTIFY_SOCKET names a service manager to notify.
    bool is_enabled() const noexcept { return enabled_; }
    /// The watchdog timeout systemd asked for; zero when there is no watchdog.
    std::chrono::microseconds watchdog_timeout() const noexcept { return watchdog_; }

private:
    void schedule();
    void on_tick();
    void send(std::string const& message);

    boost::asio::steady_timer timer_;
    std::function<std::string()> status_;
    bool enabled_ = false;
    std::chrono::microseconds watchdog_{0};
    std::chrono::microseconds tick_{0};
    std::mutex mutex_; // status_sent_ and is_stopping_: ticks and signals run on any io thread
    std::string status_sent_;
    bool is_stopping_ = false;
    std::atomic<bool> has_failed_ = false; // a failed send is logged once, not every tick
};

} // namespace minuted::daemon
