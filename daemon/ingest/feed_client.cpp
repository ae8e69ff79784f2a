#include "daemon/ingest/feed_client.hpp"

#include "daemon/client/ws_client.hpp"
#include "daemon/ingest/ingest_driver.hpp"
#include "daemon/ingest/streamtext_feed.hpp"
#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

// What the reader and the reply writer of one feed connection share. Both run on the
// connection's executor, one at a time, so plain fields need no locking. Held by shared_ptr:
// the journal may answer a frame after the connection is gone, and the answer is then dropped.
struct feed_replies {
    explicit feed_replies(net::any_io_executor ex) : room(ex), ready(ex) {}

    reply_order order;
    std::optional<ingest_progress> applied; // of the frame last read, once applied
    bool reading_done = false;              // the session ended: no more frames
    // Each side waits on its own timer, set to expire never; the other cancels it to wake it.
    net::steady_timer room;  // the reader: too many frames unanswered
    net::steady_timer ready; // the writer: no answer to send
};

net::awaitable<void> wait_on(net::steady_timer& timer) {
    timer.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec; // operation_aborted: woken
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

// Reads the feed's frames and applies each on the session's strand; the session answers each
// once the journal holds it, into `r`.
net::awaitable<void> read_feed(ws_stream& ws, std::shared_ptr<live_session> const& session,
                               std::string const& name,
                               std::shared_ptr<protocol::ingest_connection> const& connection,
                               std::shared_ptr<feed_replies> r, metrics& counters) {
    auto const ex = co_await net::this_coro::executor;
    beast::flat_buffer buffer;
    while (!r->reading_done) {
        if (r->order.unanswered() >= max_unanswered) {
            co_await wait_on(r->room);
            continue;
        }
        buffer.clear();
        co_await ws.async_read(buffer, net::use_awaitable);
        auto const arrived = std::chrono::steady_clock::now();
        if (!ws.got_text())
            throw std::runtime_error("feed sent a binary frame");
        auto parsed = protocol::parse_ingest_frame(beast::buffers_to_string(buffer.data()));
        if (!parsed) {
            // A remote feed's bad frame is skipped; what was received stays.
            counters.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("feed {}: skipped a frame: {}", name, parsed.error().message());
            continue;
        }
        auto const n = r->order.next_frame();
        std::weak_ptr<feed_replies> const weak = r;
        r->applied.reset();
        submit_ingest(session, std::move(*parsed), connection, arrived, over_rate::wait, ex,
                      {.applied =
                           [weak](ingest_progress p) {
                               if (auto const replies = weak.lock()) {
                                   replies->applied = p;
                                   replies->room.cancel();
                               }
                           },
                       .answered =
                           [weak, n](ingest_answer a) {
                               if (auto const replies = weak.lock()) {
                                   replies->order.put(n, std::move(a));
                                   replies->ready.cancel();
                               }
                           }});
        while (!r->applied)
            co_await wait_on(r->room);
        r->reading_done = r->applied->ended;
        // Over [limits] ingest_rate the next frame waits: the feed is slowed down by TCP.
        if (r->applied->wait > std::chrono::steady_clock::duration::zero() && !r->reading_done) {
            net::steady_timer timer(ex, r->applied->wait);
            co_await timer.async_wait(net::use_awaitable);
        }
    }
    r->ready.cancel();
}

// Writes the session's answers in the order of the frames, until the last frame is answered
// once the session ended. A refusal (the journal failed) ends the connection: reconnecting
// resumes from what is on disk.
net::awaitable<void> write_replies(ws_stream& ws, std::shared_ptr<feed_replies> r) {
    for (;;) {
        while (auto next = r->order.pop()) {
            for (auto const& reply : next->replies)
                co_await ws.async_write(net::buffer(protocol::encode(reply)), net::use_awaitable);
            if (next->close)
                throw std::runtime_error(*next->close);
            r->room.cancel();
        }
        if (r->reading_done && r->order.unanswered() == 0)
            co_return;
        co_await wait_on(r->ready);
    }
}

// Tells the feed where to resume (after what is on disk: it may forget what minuted
// acknowledges), then gives the session the feed's configured title, agenda and roster.
net::awaitable<std::shared_ptr<protocol::ingest_connection>>
greet(ws_stream& ws, config::feed const& feed, std::shared_ptr<live_session> const& session,
      config::settings const& settings, metrics& counters) {
    auto const after =
        co_await on_strand(session->strand(), [&]() -> net::awaitable<protocol::seq_number> {
            co_return session->acknowledged_seq().value_or(0);
        });
    ws.read_message_max(settings.max_frame_bytes);
    ws.text(true);
    protocol::ingest_message resume;
    resume.kind = protocol::ingest_kind::resume;
    resume.after = after;
    co_await ws.async_write(net::buffer(protocol::encode(resume)), net::use_awaitable);
    counters.feed_connects.fetch_add(1, std::memory_order_relaxed);
    session->set_feed_state(
        {"minuted", "connected", "connected to " + feed.url, feed.url, {}, {}, {}, {}, {}});
    spdlog::info("feed {}: connected to {}, resuming after seq {}", feed.session, feed.url, after);
    auto connection = std::make_shared<protocol::ingest_connection>();
    co_await introduce_feed(feed, session, *connection);
    co_return connection;
}

// Frames are read and applied while earlier ones wait for the journal: a reader and a writer
// share the stream, and the first failure is thrown.
net::awaitable<void> exchange(ws_stream& ws, std::shared_ptr<live_session> const& session,
                              std::string const& name,
                              std::shared_ptr<protocol::ingest_connection> const& connection,
                              metrics& counters) {
    auto const ex = co_await net::this_coro::executor;
    auto const replies = std::make_shared<feed_replies>(ex);
    auto const [order, read_failure, write_failure] =
        co_await net::experimental::make_parallel_group(
            net::co_spawn(ex, read_feed(ws, session, name, connection, replies, counters),
                          net::deferred),
            net::co_spawn(ex, write_replies(ws, replies), net::deferred))
            .async_wait(net::experimental::wait_for_one_error(), net::use_awaitable);
    std::exception_ptr const failures_of[] = {read_failure, write_failure};
    for (auto const i : order)
        if (failures_of[i])
            std::rethrow_exception(failures_of[i]);
}

} // namespace

net::awaitable<void> introduce_feed(config::feed const& feed,
                                    std::shared_ptr<live_session> const& session,
                                    protocol::ingest_connection& connection) {
    if (!feed.title.empty() || !feed.agenda.empty()) {
        protocol::ingest_message open;
        open.kind = protocol::ingest_kind::open;
        open.title = feed.title;
        open.agenda = feed.agenda;
        co_await on_strand(session->strand(), [&]() -> net::awaitable<void> {
            session->ingest(open, connection, std::chrono::steady_clock::now());
            co_return;
        });
    }
    if (!feed.roster.empty())
        co_await on_strand(session->strand(), [&]() -> net::awaitable<void> {
            if (!session->has_roster())
                session->set_roster(feed.roster);
            co_return;
        });
}

net::awaitable<void> run_feed(config::feed feed, session_registry& sessions,
                              live_config const& config, metrics& counters) {
    auto target = parse_ws_url(feed.url);
    target.token = feed.token;
    target.ca_file = feed.ca_file;
    backoff retry(config.get()->reconnect_initial, config.get()->reconnect_max);
    bool finished = false;
    std::size_t failures = 0;
    std::string failure;
    while (!finished) {
        auto const settings = config.get();
        auto session = sessions.live(feed.session, session_lookup::find_or_create);
        try {
            if (!session)
                throw std::runtime_error("too many live sessions ([limits] max_sessions " +
                                         std::to_string(settings->max_sessions) + ")");
            co_await with_ws_connection(target, [&](auto& ws) -> net::awaitable<void> {
                auto const connection = co_await greet(ws, feed, session, *settings, counters);
                retry.reset();
                failures = 0;
                co_await exchange(ws, session, feed.session, connection, counters);
                finished = true;
                co_await ws.async_close(boost::beast::websocket::close_code::normal,
                                        net::use_awaitable);
            });
        } catch (std::exception const& e) {
            failure = describe(e);
        }
        if (finished)
            break;
        // Stopped by a reload that removed or changed the feed.
        if ((co_await net::this_coro::cancellation_state).cancelled() !=
            net::cancellation_type::none) {
            if (session)
                session->set_feed_state({"minuted",
                                         "stopped",
                                         "stopped: removed from the config",
                                         feed.url,
                                         {},
                                         {},
                                         failure,
                                         {},
                                         {}});
            spdlog::info("feed {}: {}: stopped (the reloaded config no longer has it)",
                         feed.session, feed.url);
            co_return;
        }
        // Not in the handler: a coroutine cannot wait inside a catch block.
        ++failures;
        counters.feed_failures.fetch_add(1, std::memory_order_relaxed);
        auto const delay = retry.next();
        if (session)
            session->set_feed_state({"minuted",
                                     "retrying",
                                     "retrying in " + std::to_string(delay.count()) + " ms after " +
                                         std::to_string(failures) + " failures: " + failure,
                                     feed.url,
                                     {},
                                     {},
                                     failure,
                                     delay,
                                     {}});
        spdlog::warn("feed {}: {}: {}; retrying in {} ms", feed.session, feed.url, failure,
                     delay.count());
        net::steady_timer timer(co_await net::this_coro::executor, delay);
        boost::system::error_code ec; // operation_aborted: stopped, seen above next time round
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (ec)
            failure = "stopped";
    }
    spdlog::info("feed {}: the feed closed the session", feed.session);
}

void feed_set::start(config::feed const& f) {
    auto strand = net::make_strand(ioc_);
    auto stop = std::make_shared<net::cancellation_signal>();
    net::co_spawn(
        strand,
        f.kind == config::feed_kind::streamtext
            ? run_streamtext_feed(f, sessions_, config_, metrics_)
            : run_feed(f, sessions_, config_, metrics_),
        net::bind_cancellation_slot(
            stop->slot(), [stop, log = log_failure("feed " + f.session)](std::exception_ptr e) {
                log(e); // `stop` lives as long as the coroutine it can stop
            }));
    running_.insert_or_assign(f.session, running{f, strand, std::move(stop)});
}

void feed_set::apply(std::vector<config::feed> const& feeds) {
    for (auto it = running_.begin(); it != running_.end();) {
        auto const next = std::find_if(feeds.begin(), feeds.end(),
                                       [&](auto const& f) { return f.session == it->first; });
        if (next != feeds.end() && *next == it->second.feed) {
            ++it;
            continue;
        }
        // The signal is emitted on the feed's strand, where its coroutine runs.
        net::post(it->second.strand,
                  [stop = it->second.stop] { stop->emit(net::cancellation_type::terminal); });
        it = running_.erase(it);
    }
    for (auto const& f : feeds)
        if (!running_.contains(f.session)) {
            spdlog::info("feed {}: starting, from {}", f.session, f.url);
            start(f);
        }
}

} // namespace minuted::daemon
