#pragma once

#include "daemon/net/address_counts.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace minuted::daemon {

// The open connections, so a stopping daemon can let each finish what is in flight and then
// close it, and knows when all are gone. Thread-safe.
class connection_set {
public:
    class member {
    public:
        virtual ~member() = default;
        /// Finish what is in flight, then close; posted to the connection's executor.
        virtual void stop() = 0;
    };

    std::uint64_t add(std::weak_ptr<member> c) {
        std::lock_guard lock(mutex_);
        open_.emplace(++last_, std::move(c));
        return last_;
    }
    void remove(std::uint64_t id) {
        std::function<void()> closed;
        {
            std::lock_guard lock(mutex_);
            open_.erase(id);
            if (open_.empty())
                closed = std::exchange(closed_, {});
        }
        if (closed)
            closed();
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return open_.size();
    }
    bool stopping() const noexcept { return stopping_; }
    /// Asks every open connection to finish and close; `closed` runs once none is open, on
    /// the thread that closed the last one (or this one, if none was open). Once.
    void stop_all(std::function<void()> closed) {
        std::vector<std::weak_ptr<member>> all;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            for (auto const& [id, c] : open_)
                all.push_back(c);
            if (!open_.empty())
                closed_ = std::exchange(closed, {});
        }
        for (auto const& weak : all)
            if (auto const c = weak.lock())
                c->stop();
        if (closed)
            closed();
    }

    /// Connections and viewers each client holds, for [limits] max_address_connections and
    /// max_address_viewers.
    std::shared_ptr<address_counts> const connections_by_client = address_counts::make();
    std::shared_ptr<address_counts> const viewers_by_client = address_counts::make();

private:
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::weak_ptr<member>> open_;
    std::uint64_t last_ = 0;
    std::atomic<bool> stopping_{false};
    std::function<void()> closed_; // stop_all's, until the last connection closes
};

// Keeps a connection in a connection_set for as long as it lives.
class tracked {
public:
    explicit tracked(std::shared_ptr<connection_set> set) : set_(std::move(set)) {}
    ~tracked() {
        if (id_ != 0)
            set_->remove(id_);
    }
    tracked(tracked const&) = delete;
    tracked& operator=(tracked const&) = delete;
    void track(std::weak_ptr<connection_set::member> c) { id_ = set_->add(std::move(c)); }
    connection_set& set() const noexcept { return *set_; }
    std::shared_ptr<connection_set> const& shared_set() const noexcept { return set_; }

private:
    std::shared_ptr<connection_set> set_;
    std::uint64_t id_ = 0;
};

} // namespace minuted::daemon
