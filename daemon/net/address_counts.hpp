#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace minuted::daemon {

/// How many of something (open connections, viewers) each client holds at once, for a cap per
/// client: [limits] max_address_connections and max_address_viewers. A client is an IPv4
/// address or an IPv6 /64, the block one subscriber is given, so one machine cannot step
/// round the cap by taking more of its own addresses. Thread-safe; a place is given back when
/// its `place` is destroyed, wherever that happens.
class address_counts : public std::enable_shared_from_this<address_counts> {
public:
    /// One unit held by one client; empty (holding nothing) if default-constructed.
    class place {
    public:
        place() = default;
        place(place&&) noexcept = default;
        place& operator=(place&& other) noexcept {
            if (this != &other) {
                release();
                owner_ = std::move(other.owner_);
                key_ = other.key_;
            }
            return *this;
        }
        place(place const&) = delete;
        place& operator=(place const&) = delete;
        ~place() { release(); }

    private:
        friend class address_counts;
        place(std::shared_ptr<address_counts> owner, boost::asio::ip::address key)
            : owner_(std::move(owner)), key_(key) {}
        void release() {
            if (auto const owner = std::move(owner_))
                owner->give_back(key_);
        }

        std::shared_ptr<address_counts> owner_;
        boost::asio::ip::address key_;
    };

    static std::shared_ptr<address_counts> make() {
        return std::shared_ptr<address_counts>(new address_counts);
    }

    /// A place for the client `a`, unless it already holds `cap` (0: no cap, and nothing is
    /// counted).
    std::optional<place> try_take(boost::asio::ip::address const& a, std::size_t cap) {
        if (cap == 0)
            return place{};
        auto const key = client_key(a);
        std::lock_guard lock(mutex_);
        auto& n = held_[key];
        if (n >= cap)
            return std::nullopt;
        ++n;
        return place(shared_from_this(), key);
    }

    /// The client `a` belongs to: itself if IPv4 (also when written as IPv4-mapped IPv6),
    /// else its /64.
    static boost::asio::ip::address client_key(boost::asio::ip::address const& a) {
        if (a.is_v4())
            return a;
        auto const v6 = a.to_v6();
        if (v6.is_v4_mapped())
            return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
        auto bytes = v6.to_bytes();
        for (std::size_t i = 8; i < bytes.size(); ++i)
            bytes[i] = 0;
        return boost::asio::ip::address_v6(bytes);
    }

private:
    address_counts() = default;

    void give_back(boost::asio::ip::address const& key) {
        std::lock_guard lock(mutex_);
        if (auto const it = held_.find(key); it != held_.end() && --it->second == 0)
            held_.erase(it);
    }

    std::mutex mutex_;
    std::map<boost::asio::ip::address, std::size_t> held_;
};

} // namespace minuted::daemon
