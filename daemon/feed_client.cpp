#include "daemon/feed_client.hpp"

#include "daemon/ws_client.hpp"
#include "protocol/ingest.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace minuted {

namespace net = boost::asio;
namespace beast = boost::beast;

net::awaitable<void> run_feed(config::feed feed, session_registry& sessions,
                              config::settings const& settings, metrics& counters) {
    auto const target = parse_ws_url(feed.url);
    backoff retry(settings.reconnect_initial, settings.reconnect_max);
    bool finished = false;
    std::size_t failures = 0;
    std::string failure;
    while (!finished) {
        auto session = sessions.live(feed.session, true);
        try {
            co_await with_ws_connection(target, [&](auto& ws) -> net::awaitable<void> {
                auto const after = session->info().last_seq;
                ws.text(true);
                co_await ws.async_write(net::buffer(protocol::make_resume(after)),
                                        net::use_awaitable);
                counters.feed_connects.fetch_add(1, std::memory_order_relaxed);
                session->set_feed_status("connected to " + feed.url);
                spdlog::info("feed {}: connected to {}, resuming after seq {}", feed.session,
                             feed.url, after);
                retry.reset();
                failures = 0;
                ingest_connection connection;
                if (!feed.title.empty()) {
                    protocol::ingest_message open;
                    open.kind = protocol::ingest_kind::open;
                    open.title = feed.title;
                    co_await net::co_spawn(
                        session->strand(),
                        [&]() -> net::awaitable<void> {
                            session->handle(open, connection, std::chrono::steady_clock::now());
                            co_return;
                        },
                        net::use_awaitable);
                }
                beast::flat_buffer buffer;
                for (;;) {
                    buffer.clear();
                    co_await ws.async_read(buffer, net::use_awaitable);
                    auto const arrived = std::chrono::steady_clock::now();
                    if (!ws.got_text())
                        throw std::runtime_error("feed sent a binary frame");
                    auto parsed =
                        protocol::parse_ingest_frame(beast::buffers_to_string(buffer.data()));
                    if (!parsed) {
                        // A remote feed's bad frame is skipped; what was received stays.
                        counters.errors_protocol.fetch_add(1, std::memory_order_relaxed);
                        spdlog::warn("feed {}: skipped a frame: {}", feed.session,
                                     parsed.error().message());
                        continue;
                    }
                    // Set to the past once the journal holds this frame: its ack may then go.
                    net::steady_timer durable(co_await net::this_coro::executor,
                                              std::chrono::steady_clock::time_point::max());
                    ingest_reply reply;
                    auto const ended = co_await net::co_spawn(
                        session->strand(),
                        [&]() -> net::awaitable<bool> {
                            session->answer_when_durable(
                                session->handle(*parsed, connection, arrived), [&](ingest_reply r) {
                                    net::post(durable.get_executor(), [&, r = std::move(r)] {
                                        reply = std::move(r);
                                        durable.expires_at(std::chrono::steady_clock::time_point{});
                                    });
                                });
                            co_return session->ended();
                        },
                        net::use_awaitable);
                    boost::system::error_code wait_ec;
                    co_await durable.async_wait(net::redirect_error(net::use_awaitable, wait_ec));
                    for (auto const& m : reply.messages)
                        co_await ws.async_write(net::buffer(m), net::use_awaitable);
                    if (reply.close)
                        throw std::runtime_error(*reply.close);
                    if (ended) {
                        finished = true;
                        co_await ws.async_close(boost::beast::websocket::close_code::normal,
                                                net::use_awaitable);
                        co_return;
                    }
                }
            });
        } catch (std::exception const& e) {
            failure = describe(e);
        }
        if (finished)
            break;
        // Not in the handler: a coroutine cannot wait inside a catch block.
        ++failures;
        counters.feed_failures.fetch_add(1, std::memory_order_relaxed);
        auto const delay = retry.next();
        session->set_feed_status("retrying in " + std::to_string(delay.count()) + " ms after " +
                                 std::to_string(failures) + " failures: " + failure);
        spdlog::warn("feed {}: {}: {}; retrying in {} ms", feed.session, feed.url, failure,
                     delay.count());
        net::steady_timer timer(co_await net::this_coro::executor, delay);
        co_await timer.async_wait(net::use_awaitable);
    }
    spdlog::info("feed {}: the feed closed the session", feed.session);
}

} // namespace minuted
