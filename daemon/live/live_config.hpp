#pragma once

#include "config/config.hpp"

#include <memory>
#include <mutex>

namespace minuted::daemon {

/// The daemon's running configuration. A reload (SIGHUP) replaces it whole; whoever holds a
/// `settings_ptr` keeps a consistent one, so a connection lives by the limits it started with.
/// Thread-safe.
class live_config {
public:
    using settings_ptr = std::shared_ptr<config::settings const>;

    explicit live_config(config::settings s)
        : current_(std::make_shared<config::settings const>(std::move(s))) {}

    settings_ptr get() const {
        std::lock_guard lock(mutex_);
        return current_;
    }

    void set(config::settings s) {
        auto next = std::make_shared<config::settings const>(std::move(s));
        std::lock_guard lock(mutex_);
        current_.swap(next); // the old one is released after the lock
    }

private:
    mutable std::mutex mutex_;
    settings_ptr current_;
};

} // namespace minuted::daemon
