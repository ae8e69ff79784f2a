#pragma once

#include "protocol/ingest.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minuted {

/// How a recorded transcript is played as a live feed.
struct replay_options {
    double words_per_minute = 180; ///< a real stenographer's pace
    double speed = 1;              ///< multiple of that pace
    bool as_fast_as_acked = false; ///< --speed max: next frame as soon as the last is acked
    bool corrections = false;      ///< inject typos that are erased and retyped
    std::uint32_t seed = 1;        ///< for the typos, so a replay is reproducible
    bool keep_open = false;        ///< end without a close frame: the session stays live
};

/// Reads a replay speed: "max" (as fast as acknowledged) or a positive multiple of real time.
/// Throws std::invalid_argument naming `option` otherwise.
void set_speed(replay_options& options, std::string_view value, std::string_view option);

/// One frame of a replay: its seq is its index + 1.
struct replay_frame {
    protocol::ingest_kind kind = protocol::ingest_kind::text;
    std::string text;
    std::size_t count = 0; ///< erase
    double at_seconds = 0; ///< when it is due after the replay starts
};

/// Cuts a transcript into frames as a stenographer types it: a word (with the spaces and line
/// breaks after it) per frame, paced by `options`; with corrections, some words are first
/// mistyped, then erased (by an erase message or by backspace characters) and retyped. Ends
/// with a close frame. Pure and deterministic.
std::vector<replay_frame> make_replay_frames(std::string_view transcript,
                                             replay_options const& options);

/// The JSON ingest message of `frame` with `seq`.
std::string frame_json(replay_frame const& frame, protocol::seq_number seq);

/// Pushes `frames` into `url` (ws://HOST:PORT/ingest/ID): opens the session, resumes after
/// what the daemon already holds, reconnects with backoff until every frame is acknowledged.
boost::asio::awaitable<void> push_replay(std::string url, std::string title,
                                         std::span<replay_frame const> frames,
                                         replay_options options);

/// Serves `frames` as a pull feed on `acceptor`: each client sends {"type":"resume","after":N}
/// and gets the frames after N as they fall due. Completes once the close frame is acknowledged.
boost::asio::awaitable<void> serve_replay(boost::asio::ip::tcp::acceptor& acceptor,
                                          std::span<replay_frame const> frames,
                                          replay_options options);

/// `minuted replay FILE (--to URL | --serve HOST:PORT) [--speed N|max] [--wpm N]
/// [--corrections] [--seed N] [--title T]`.
int replay_command(std::span<char const* const> args);

} // namespace minuted
