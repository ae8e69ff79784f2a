#include "daemon/systemd_notify.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <systemd/sd-daemon.h>

namespace minuted::daemon {

systemd_notifier::systemd_notifier(boost::asio::io_context& ioc,
                                   std::function<std::string()> status)
    : timer_(ioc), status_(std::move(status)) {
    char const* const socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && *socket != '\0';
    if (!enabled_)
        return;
    // The environment is left as it is (unset_environment = 0): nothing here starts other
    // processes that could mistake systemd's variables for their own.
    std::uint64_t usec = 0;
    if (int const r = sd_watchdog_enabled(0, &usec); r > 0)
        watchdog_ = std::chrono::microseconds(usec);
    else if (r < 0)
        spdlog::warn("systemd watchdog: bad WATCHDOG_USEC or WATCHDOG_PID: {}", std::strerror(-r));
    // Half the timeout, as sd_watchdog_enabled(3) recommends, leaves a whole half for a ping
    // that is late because the io threads are busy.
    tick_ = watchdog_.count() > 0 ? watchdog_ / 2 : std::chrono::microseconds(10'000'000);
}

void systemd_notifier::ready() {
    if (!enabled_)
        return;
    std::string status = status_();
    {
        std::lock_guard lock(mutex_);
        status_sent_ = status;
    }
    send("READY=1\nSTATUS=" + status);
    if (watchdog_.count() > 0)
        spdlog::debug("systemd watchdog: a ping every {} ms",
                      std::chrono::duration_cast<std::chrono::milliseconds>(tick_).count());
    schedule();
}

void systemd_notifier::stopping(std::string_view status) {
    if (!enabled_)
        return;
    {
        std::lock_guard lock(mutex_);
        is_stopping_ = true;
        status_sent_ = status;
    }
    send("STOPPING=1\nSTATUS=" + std::string(status));
}

void systemd_notifier::schedule() {
    timer_.expires_after(tick_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            on_tick();
    });
}

void systemd_notifier::on_tick() {
    std::string message;
    if (watchdog_.count() > 0)
        message = "WATCHDOG=1";
    {
        std::lock_guard lock(mutex_);
        // Once stopping, the status says so until the end.
        if (!is_stopping_) {
            if (auto status = status_(); status != status_sent_) {
                message += (message.empty() ? "STATUS=" : "\nSTATUS=") + status;
                status_sent_ = std::move(status);
            }
        }
    }
    if (!message.empty())
        send(message);
    schedule();
}

void systemd_notifier::send(std::string const& message) {
    if (int const r = sd_notify(0, message.c_str()); r < 0 && !has_failed_.exchange(true))
        spdlog::warn("sd_notify to {}: {}", std::getenv("NOTIFY_SOCKET"), std::strerror(-r));
}

} // namespace minuted::daemon
