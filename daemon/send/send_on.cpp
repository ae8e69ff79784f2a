#include "daemon/send/send_on.hpp"

#include "daemon/client/ws_client.hpp"
#include "daemon/send/mail_message.hpp"
#include "daemon/send/mail_transport.hpp"
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
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace minuted::daemon {

namespace net = boost::asio;

namespace {

bool wants(std::vector<std::string> const& events, std::string const& event) {
    return std::find(events.begin(), events.end(), event) != events.end();
}

} // namespace

send_on::send_on(net::io_context& ioc, net::any_io_executor disk, live_config const& config,
                 metrics& counters)
    : ioc_(ioc), disk_(disk), config_(config), metrics_(counters),
      webhooks_(ioc, disk, config, counters) {}

void send_on::start() {
    webhooks_.resume();
}

void send_on::announce(std::string event, std::filesystem::path folder) {
    auto const settings = config_.get();
    bool const hooks = std::any_of(settings->webhooks.begin(), settings->webhooks.end(),
                                   [&](auto const& w) { return wants(w.events, event); });
    bool const mailed = settings->mail.enabled() && wants(settings->mail.events, event);
    if (!hooks && !mailed)
        return;
    net::post(disk_, [this, event = std::move(event), folder = std::move(folder)] {
        auto const m = read_meeting(event, folder);
        if (!m)
            return;
        webhooks_.queue(event, notification_body(event, *m, config_.get()->public_url));
        mail(event, *m);
    });
}

std::optional<announced_meeting> send_on::read_meeting(std::string const& event,
                                                       std::filesystem::path const& folder) {
    try {
        return read_archived_meeting(folder);
    } catch (std::exception const& e) {
        metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("cannot announce {} of {}: {}", event, folder.string(), e.what());
        return std::nullopt;
    }
}

void send_on::mail(std::string const& event, announced_meeting const& m) {
    auto const settings = config_.get();
    auto const& cfg = settings->mail;
    if (!cfg.enabled() || !wants(cfg.events, event))
        return;
    auto const title = m.title.empty() ? m.session : m.title;
    mail_message msg;
    msg.from = cfg.from;
    msg.to = cfg.to;
    msg.subject = "Minutes: " + title + (event == "approved" ? " (approved)" : "");
    msg.date = std::chrono::system_clock::now();
    msg.message_id = "<" + random_id() + "@" + cfg.from.substr(cfg.from.find('@') + 1) + ">";
    msg.boundary = "=_minuted_" + random_id();
    msg.text = m.report_md;
    msg.html = report_html(m.report_md, title);
    auto what = "the report of " + m.session + " (" + event + ", " + m.archive + ")";
    net::co_spawn(net::make_strand(ioc_), deliver_mail(std::move(what), compose_mail(msg)),
                  net::detached);
}

net::awaitable<void> send_on::deliver_mail(std::string what, std::string message) {
    auto const retry = config_.get()->mail_retry;
    // On the heap: GCC 12 takes a frame holding them by value for a mismatched delete.
    auto const wait = std::make_unique<retry_wait>(co_await net::this_coro::executor, retry);
    auto& timer = wait->timer;
    auto& waits = wait->waits;
    for (unsigned n = 1;; ++n) {
        auto const settings = config_.get();
        auto const& m = settings->mail;
        if (!m.enabled()) {
            spdlog::info("mail: {} not sent: the reloaded config has no [mail] to", what);
            co_return;
        }
        std::string failure;
        try {
            if (!m.smtp_host.empty()) {
                co_await send_smtp(m, message, settings->mail_retry.timeout);
            } else {
                co_await net::co_spawn(
                    disk_,
                    [&]() -> net::awaitable<void> {
                        run_sendmail(m.sendmail, message, settings->mail_retry.timeout);
                        co_return;
                    },
                    net::use_awaitable);
            }
        } catch (std::exception const& e) {
            failure = describe(e);
        }
        if (failure.empty()) {
            metrics_.mail_sent.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("mail: {} sent to {}", what, fmt::join(m.to, ", "));
            co_return;
        }
        metrics_.mail_failures.fetch_add(1, std::memory_order_relaxed);
        if (n >= settings->mail_retry.attempts) {
            metrics_.mail_given_up.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("mail: {} not sent after {} attempts: {}", what, n, failure);
            co_return;
        }
        auto const delay = waits.next();
        spdlog::warn("mail: {}: {}; trying again in {} ms", what, failure, delay.count());
        timer.expires_after(delay);
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

} // namespace minuted::daemon
