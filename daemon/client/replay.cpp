#include "daemon/client/replay.hpp"

#include "daemon/client/ws_client.hpp"
#include "protocol/ingest_reply.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// The open message a replay starts a connection with: title and agenda, each only if given.
std::string open_frame(std::string const& title, std::vector<protocol::agenda_item> const& agenda) {
    protocol::ingest_message open;
    open.kind = protocol::ingest_kind::open;
    open.title = title;
    open.agenda = agenda;
    return protocol::encode(open);
}

// A reply from the receiver; throws if it is not one.
protocol::ingest_reply receiver_reply(std::string const& text) {
    auto reply = protocol::parse_ingest_reply(text);
    if (!reply)
        throw std::runtime_error("receiver sent something that is not a reply (" +
                                 reply.error().message() + "): " + text);
    return std::move(*reply);
}

// What the reader and the writer of one connection share. Both run on the connection's
// executor, one at a time (one thread, or a strand), so plain fields need no locking and the
// writer can test `acked` and then wait without missing a wake-up.
struct send_window {
    std::span<replay_frame const> frames;
    std::size_t acked = 0; // the receiver holds seqs 1..acked
    std::size_t sent = 0;  // frames[sent] is the next to send
    // The writer waits on it, set to expire never, while the window is full; the reader
    // cancels it when an ack frees room.
    net::steady_timer room;
};

// Reads the receiver's messages until every frame is acknowledged. An ack acknowledges every
// seq up to its own, so acks may come late and batched (from a receiver that acknowledges
// only what its group commit has made durable).
net::awaitable<void> read_acks(ws_stream& ws, send_window& w) {
    beast::flat_buffer buffer;
    while (w.acked < w.frames.size()) {
        buffer.clear();
        co_await ws.async_read(buffer, net::use_awaitable);
        auto const reply = receiver_reply(beast::buffers_to_string(buffer.data()));
        if (auto const* a = std::get_if<protocol::ack>(&reply)) {
            auto const seq = std::min<std::size_t>(a->seq, w.frames.size());
            if (seq > w.acked) {
                w.acked = seq;
                w.room.cancel();
            }
        } else if (auto const* gap = std::get_if<protocol::nack>(&reply)) {
            // A gap: the receiver lost frames after its last ack. Rewinding inside this
            // connection would race the frames still in flight; a new connection's welcome says
            // exactly where to resume.
            throw std::runtime_error("receiver expects seq " + std::to_string(gap->expected) +
                                     " (it lost frames); reconnecting to resume from there");
        } else if (auto const* error = std::get_if<protocol::error_reply>(&reply)) {
            spdlog::warn("replay: receiver says: {}", error->message);
        }
    }
}

// Sends frames from `w.sent` on, each when due (timed from `start`, the replay's start, so
// lateness does not accumulate) or at once with --speed max, never more than replay_window
// ahead of the acks.
net::awaitable<void> write_frames(ws_stream& ws, send_window& w, replay_options const& options,
                                  std::chrono::steady_clock::time_point start) {
    net::steady_timer due(co_await net::this_coro::executor);
    // An ack beyond what was sent (the receiver holds more) skips those frames.
    while ((w.sent = std::max(w.sent, w.acked)) < w.frames.size()) {
        if (w.sent - w.acked >= replay_window) {
            w.room.expires_at(std::chrono::steady_clock::time_point::max());
            boost::system::error_code ec; // operation_aborted: the reader saw an ack
            co_await w.room.async_wait(net::redirect_error(net::use_awaitable, ec));
            continue;
        }
        if (!options.as_fast_as_acked) {
            due.expires_at(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(w.frames[w.sent].at_seconds)));
            co_await due.async_wait(net::use_awaitable);
        }
        auto const message =
            frame_json(w.frames[w.sent], static_cast<protocol::seq_number>(w.sent + 1));
        co_await ws.async_write(net::buffer(message), net::use_awaitable);
        ++w.sent;
    }
}

// Sends frames from `from` on over `ws` until every one is acknowledged. A Beast stream allows
// one read and one write at a time, so a reader and a writer share it. When either fails (a
// nack, a lost connection), the other is cancelled, and the first failure is thrown: not the
// cancellation it caused, as `reader && writer` would when both end with an error.
net::awaitable<void> send_frames(ws_stream& ws, std::span<replay_frame const> frames,
                                 std::size_t from, replay_options const& options,
                                 std::chrono::steady_clock::time_point start) {
    ws.text(true);
    auto const ex = co_await net::this_coro::executor;
    send_window w{frames, from, from, net::steady_timer(ex)};
    auto const [order, reader_failure, writer_failure] =
        co_await net::experimental::make_parallel_group(
            net::co_spawn(ex, read_acks(ws, w), net::deferred),
            net::co_spawn(ex, write_frames(ws, w, options, start), net::deferred))
            .async_wait(net::experimental::wait_for_one_error(), net::use_awaitable);
    std::exception_ptr const failures[] = {reader_failure, writer_failure};
    for (auto const i : order)
        if (failures[i])
            std::rethrow_exception(failures[i]);
}

// What a push replay opens its session with.
struct replay_opening {
    std::string url;
    std::string title;
    std::vector<protocol::agenda_item> agenda;
};

// One connection of a push replay: open, learn what the receiver holds, send the rest.
net::awaitable<void> push_session(ws_stream& ws, replay_opening const& opening,
                                  std::span<replay_frame const> frames,
                                  replay_options const& options,
                                  std::chrono::steady_clock::time_point start, backoff& retry) {
    ws.text(true);
    auto const open = open_frame(opening.title, opening.agenda);
    co_await ws.async_write(net::buffer(open), net::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, net::use_awaitable);
    auto const text = beast::buffers_to_string(buffer.data());
    auto const reply = receiver_reply(text);
    auto const* welcome = std::get_if<protocol::welcome>(&reply);
    if (!welcome)
        throw std::runtime_error("receiver did not welcome: " + text);
    // Exactly what the receiver holds, even if less than it acked before: frames sent but
    // never acknowledged are sent again.
    auto const next = std::min<std::size_t>(welcome->last, frames.size());
    spdlog::info("replay: connected to {}; {} of {} frames already held", opening.url, next,
                 frames.size());
    retry.reset();
    co_await send_frames(ws, frames, next, options, start);
    co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
}

} // namespace

net::awaitable<void> push_replay(std::string url, std::string title,
                                 std::span<replay_frame const> frames, replay_options options,
                                 std::vector<protocol::agenda_item> agenda) {
    auto target = parse_ws_url(url);
    target.token = options.token;
    target.ca_file = options.ca_file;
    auto const start = std::chrono::steady_clock::now();
    replay_opening const opening{url, std::move(title), std::move(agenda)};
    backoff retry(std::chrono::milliseconds(200), std::chrono::seconds(5));
    std::string failure;
    for (;;) {
        try {
            co_await with_ws_connection(target, [&](auto& ws) {
                return push_session(ws, opening, frames, options, start, retry);
            });
            spdlog::info("replay: all {} frames acknowledged", frames.size());
            co_return;
        } catch (std::exception const& e) {
            failure = describe(e);
        }
        // Not in the handler: a coroutine cannot wait inside a catch block.
        auto const delay = retry.next();
        spdlog::warn("replay: {}: {}; retrying in {} ms", url, failure, delay.count());
        net::steady_timer timer(co_await net::this_coro::executor, delay);
        co_await timer.async_wait(net::use_awaitable);
    }
}

net::awaitable<void> serve_replay(tcp::acceptor& acceptor, std::span<replay_frame const> frames,
                                  replay_options options, std::string title,
                                  std::vector<protocol::agenda_item> agenda) {
    auto const start = std::chrono::steady_clock::now();
    auto const open = title.empty() && agenda.empty() ? std::string() : open_frame(title, agenda);
    for (;;) {
        auto socket = co_await acceptor.async_accept(net::use_awaitable);
        ws_stream ws(flex_stream(beast::tcp_stream(std::move(socket))));
        try {
            co_await ws.async_accept(net::use_awaitable);
            beast::flat_buffer buffer;
            co_await ws.async_read(buffer, net::use_awaitable);
            auto const hello =
                protocol::parse_ingest_frame(beast::buffers_to_string(buffer.data()));
            auto const after = std::min<std::size_t>(
                hello && hello->kind == protocol::ingest_kind::resume ? hello->after : 0,
                frames.size());
            spdlog::info("replay: feed client connected, resuming after seq {}", after);
            if (!open.empty()) {
                ws.text(true);
                co_await ws.async_write(net::buffer(open), net::use_awaitable);
            }
            co_await send_frames(ws, frames, after, options, start);
        } catch (std::exception const& e) {
            spdlog::warn("replay: feed client: {}", describe(e));
            continue;
        }
        // Everything is acknowledged: done, however the close handshake goes.
        spdlog::info("replay: all {} frames acknowledged", frames.size());
        beast::error_code ec;
        co_await ws.async_close(websocket::close_code::normal,
                                net::redirect_error(net::use_awaitable, ec));
        co_return;
    }
}

} // namespace minuted::daemon
