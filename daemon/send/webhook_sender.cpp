#include "daemon/send/webhook_sender.hpp"

#include "daemon/archive/archive_files.hpp"
#include "daemon/client/ws_client.hpp"
#include "daemon/net/http_client.hpp"
#include "daemon/send/notification.hpp"
#include "daemon/send/retry_wait.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace minuted::daemon {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// A receiver's answer is read only for its status: a few kilobytes of it are plenty.
constexpr std::size_t max_answer_bytes = 64 * 1024;

config::webhook const* find_webhook(config::settings const& s, std::string const& url) {
    auto const it = std::find_if(s.webhooks.begin(), s.webhooks.end(),
                                 [&](config::webhook const& w) { return w.url == url; });
    return it == s.webhooks.end() ? nullptr : &*it;
}

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Appends `line` and a newline to `path`, durably; false if it could not.
bool append_durably(std::filesystem::path const& path, std::string line) {
    line += '\n';
    auto const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    return ok;
}

} // namespace

webhook_sender::webhook_sender(net::io_context& ioc, net::any_io_executor disk,
                               live_config const& config, metrics& counters)
    : ioc_(ioc), disk_(std::move(disk)), config_(config), metrics_(counters) {}

std::filesystem::path webhook_sender::dir() const {
    return config_.get()->state_dir / "webhooks";
}

void webhook_sender::resume() {
    net::post(disk_, [this] {
        std::error_code ec;
        std::vector<std::filesystem::path> files;
        for (auto const& entry : std::filesystem::directory_iterator(dir() / "pending", ec))
            if (entry.path().extension() == ".json")
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (auto const& path : files) {
            try {
                std::ifstream in(path, std::ios::binary);
                std::string const text((std::istreambuf_iterator<char>(in)), {});
                auto const o = boost::json::parse(text).as_object();
                start({std::string(o.at("delivery").as_string()),
                       std::string(o.at("url").as_string()), std::string(o.at("event").as_string()),
                       std::string(o.at("body").as_string())});
            } catch (std::exception const& e) {
                spdlog::error("webhooks: {}: not a pending delivery ({}); left as it is",
                              path.string(), e.what());
            }
        }
        if (!files.empty())
            spdlog::info("webhooks: {} deliveries pending from before the restart", files.size());
    });
}

void webhook_sender::queue(std::string const& event, std::string const& body) {
    auto const settings = config_.get();
    for (auto const& hook : settings->webhooks) {
        if (std::find(hook.events.begin(), hook.events.end(), event) == hook.events.end())
            continue;
        delivery d{random_id(), hook.url, event, body};
        auto const spooled = boost::json::serialize(boost::json::object{
            {"delivery", d.id}, {"url", d.url}, {"event", d.event}, {"body", d.body}});
        // Sent even if it cannot be spooled: only a restart before it is delivered loses it.
        if (auto const ec = write_archive(dir() / "pending", {{d.id + ".json", spooled}})) {
            metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("webhooks: cannot spool delivery {} in {}: {}", d.id,
                          (dir() / "pending").string(), ec.message());
        }
        start(std::move(d));
    }
}

void webhook_sender::start(delivery d) {
    net::co_spawn(net::make_strand(ioc_), deliver(std::move(d)), net::detached);
}

net::awaitable<void> webhook_sender::deliver(delivery d) {
    auto const retry = config_.get()->webhook_retry;
    // On the heap: GCC 12 takes a frame holding them by value for a mismatched delete.
    auto const wait = std::make_unique<retry_wait>(co_await net::this_coro::executor, retry);
    auto& timer = wait->timer;
    auto& waits = wait->waits;
    std::string failure;
    for (unsigned n = 1;; ++n) {
        std::chrono::milliseconds at_least{};
        failure = co_await attempt(d, at_least);
        if (failure.empty()) {
            metrics_.webhook_deliveries.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("webhooks: delivery {} of {} taken by {}", d.id, d.event, d.url);
            break;
        }
        metrics_.webhook_failures.fetch_add(1, std::memory_order_relaxed);
        if (n >= config_.get()->webhook_retry.attempts || !find_webhook(*config_.get(), d.url)) {
            failure = "after " + std::to_string(n) + " attempts: " + failure;
            break;
        }
        auto const delay = std::max(waits.next(), at_least);
        spdlog::warn("webhooks: delivery {} to {}: {}; trying again in {} ms", d.id, d.url, failure,
                     delay.count());
        timer.expires_after(delay);
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    net::post(disk_, [this, d = std::move(d), failure] { finish(d, failure); });
}

// One POST of `d`; "" if the receiver took it, else why not (and in `at_least`, what its
// Retry-After asks to wait).
net::awaitable<std::string> webhook_sender::attempt(delivery const& d,
                                                    std::chrono::milliseconds& at_least) {
    auto const settings = config_.get();
    auto const* hook = find_webhook(*settings, d.url);
    if (!hook)
        co_return "the webhook is no longer configured";
    try {
        auto endpoint = parse_http_url(hook->url);
        http_connection connection(endpoint, hook->ca_file, settings->webhook_retry.timeout);
        http::request<http::string_body> req(http::verb::post, endpoint.target, 11);
        auto const timestamp = unix_seconds();
        req.set(http::field::content_type, "application/json");
        req.set("X-Minuted-Event", d.event);
        req.set("X-Minuted-Delivery", d.id);
        req.set("X-Minuted-Timestamp", std::to_string(timestamp));
        req.set("X-Minuted-Signature", webhook_signature(hook->secret, timestamp, d.body));
        req.body() = d.body;
        auto const res = co_await connection.send(std::move(req), max_answer_bytes);
        auto const status = res.result_int();
        if (status >= 200 && status < 300)
            co_return std::string();
        if (auto const wait =
                retry_after_wait(res[http::field::retry_after], std::chrono::system_clock::now()))
            at_least = *wait;
        co_return "HTTP " + std::to_string(status);
    } catch (std::exception const& e) {
        co_return describe(e);
    }
}

void webhook_sender::finish(delivery const& d, std::string const& failure) {
    if (!failure.empty()) {
        metrics_.webhook_dead_letters.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code ec;
        auto body = boost::json::parse(d.body, ec);
        auto const line = boost::json::serialize(boost::json::object{
            {"delivery", d.id},
            {"url", d.url},
            {"event", d.event},
            {"failed", rfc3339(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count())},
            {"reason", failure},
            {"notification", ec ? boost::json::value(d.body) : std::move(body)}});
        std::filesystem::create_directories(dir(), ec);
        auto const path = dir() / "dead-letter.jsonl";
        if (!append_durably(path, line)) {
            metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("webhooks: delivery {} of {} to {} failed {}, and cannot be written to "
                          "{}: it is kept in {}",
                          d.id, d.event, d.url, failure, path.string(),
                          (dir() / "pending").string());
            return;
        }
        spdlog::error("webhooks: delivery {} of {} to {} failed {}; written to {}", d.id, d.event,
                      d.url, failure, path.string());
    }
    std::error_code ec;
    std::filesystem::remove(dir() / "pending" / (d.id + ".json"), ec);
}

} // namespace minuted::daemon
