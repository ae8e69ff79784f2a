#pragma once

#include "daemon/client/replay_frames.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace minuted::daemon {

/// How many frames a replay sends ahead of the receiver's acks. A receiver acks a frame only
/// once it is durable (after a group commit's fsync), so one frame per ack would pace a fast
/// replay by the fsync interval.
inline constexpr std::size_t replay_window = 1024;

/// Pushes `frames` into `url` (ws://HOST:PORT/ingest/ID): opens the session with `title` and
/// `agenda` (none if empty), resumes after what the daemon already holds (its welcome's ack),
/// and sends each frame when due, up to `replay_window` of them unacknowledged. A nack or a
/// lost connection ends the connection; it reconnects with backoff until every frame is
/// acknowledged, then closes the WebSocket.
boost::asio::awaitable<void> push_replay(std::string url, std::string title,
                                         std::span<replay_frame const> frames,
                                         replay_options options,
                                         std::vector<protocol::agenda_item> agenda = {});

/// Serves `frames` as a pull feed on `acceptor`: each client sends {"type":"resume","after":N}
/// and gets an open message (only if `title` or `agenda` is not empty), then the frames after
/// N as they fall due, windowed as by push_replay. A client that fails or nacks is dropped and
/// the next one accepted. Completes once every frame (the close frame last) is acknowledged.
boost::asio::awaitable<void> serve_replay(boost::asio::ip::tcp::acceptor& acceptor,
                                          std::span<replay_frame const> frames,
                                          replay_options options, std::string title = {},
                                          std::vector<protocol::agenda_item> agenda = {});
} // namespace minuted::daemon
