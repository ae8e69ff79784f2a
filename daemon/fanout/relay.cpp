#include "daemon/fanout/relay.hpp"

#include "daemon/net/connection_end.hpp"

#include <spdlog/spdlog.h>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class relay_subscriber : public subscriber_socket {
public:
    relay_subscriber(flex_stream&& stream, std::string channel, relay_hub& hub,
                     config::settings const& settings, metrics& counters,
                     std::shared_ptr<connection_set> connections, client_places places)
        : subscriber_socket(std::move(stream), settings, counters, std::move(connections),
                            std::move(places), on_resume::send_latest),
          channel_(std::move(channel)), hub_(hub) {}

    /// Joins the channel, then answers the upgrade `request`: a client that has the 101 is in
    /// the channel (what is published meanwhile waits in its queue for the handshake to end).
    void run(http::request<http::string_body> const& request) {
        hub_.subscribe(channel_, self());
        subscriber_socket::run(request);
    }

    /// Latest wins: one that overflows drops what it had queued and takes this; one that
    /// stalled gets the latest when it answers (`on_resume::send_latest`).
    void deliver(shared_frame const& frame) {
        switch (push(frame)) {
        case pushed::overflow:
            metrics_.subscriber_resyncs.fetch_add(1, std::memory_order_relaxed);
            push(frame, {}, queue_mode::replace);
            break;
        case pushed::stalled:
            if (!is_stalled_.exchange(true))
                metrics_.subscriber_stalls.fetch_add(1, std::memory_order_relaxed);
            break;
        default:
            break;
        }
    }

private:
    std::shared_ptr<relay_subscriber> self() {
        return std::static_pointer_cast<relay_subscriber>(shared_from_this());
    }
    void on_open() override {}
    void on_resumed() override { is_stalled_ = false; }
    void on_sent(protocol::ws_frame const&, std::chrono::steady_clock::time_point) override {
        metrics_.relay_deliveries.fetch_add(1, std::memory_order_relaxed);
    }
    void on_closed(beast::error_code ec) override {
        if (ec == beast::error::timeout)
            metrics_.hit(limit::idle_timeout);
        else if (!is_normal_ending(ec))
            spdlog::debug("relay {} subscriber {}: {}", channel_, peer(), ec.message());
        hub_.unsubscribe(channel_, this);
    }

    std::string channel_;
    relay_hub& hub_;
    std::atomic<bool> is_stalled_{false}; ///< counted once per stall
};

std::shared_ptr<relay_hub::channel> relay_hub::find(std::string const& name) {
    std::lock_guard lock(mutex_);
    auto const it = channels_.find(name);
    return it == channels_.end() ? nullptr : it->second;
}

std::shared_ptr<relay_hub::channel> relay_hub::find_or_create(std::string const& name) {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(name);
    if (it == channels_.end())
        it = channels_.emplace(name, std::make_shared<channel>()).first;
    return it->second;
}

void relay_hub::subscribe(std::string const& name, std::shared_ptr<relay_subscriber> const& s) {
    for (;;) {
        auto const c = find_or_create(name);
        std::lock_guard lock(c->mutex);
        if (c->is_dropped)
            continue; // found just before its last subscriber dropped it
        c->subscribers.push_back(s);
        if (c->latest)
            s->deliver(c->latest);
        return;
    }
}

void relay_hub::unsubscribe(std::string const& name, relay_subscriber const* s) {
    std::lock_guard lock(mutex_);
    auto const it = channels_.find(name);
    if (it == channels_.end())
        return;
    auto const keep = it->second; // alive while its lock is held, whatever erase does
    auto& c = *keep;
    std::lock_guard channel_lock(c.mutex);
    std::erase_if(c.subscribers, [&](auto const& p) { return p.get() == s; });
    if (c.subscribers.empty()) {
        c.is_dropped = true;
        channels_.erase(it);
    }
}

std::size_t relay_hub::publish(std::string const& name, shared_frame const& frame) {
    auto const c = find(name);
    if (!c)
        return 0;
    std::lock_guard lock(c->mutex);
    c->latest = frame;
    for (auto const& s : c->subscribers)
        s->deliver(frame);
    return c->subscribers.size();
}

void run_relay_subscriber(flex_stream&& stream, std::string channel, relay_hub& hub,
                          config::settings const& settings, metrics& counters,
                          std::shared_ptr<connection_set> connections, client_places places,
                          beast::http::request<beast::http::string_body> const& request) {
    std::make_shared<relay_subscriber>(std::move(stream), std::move(channel), hub, settings,
                                       counters, std::move(connections), std::move(places))
        ->run(request);
}

} // namespace minuted::daemon
