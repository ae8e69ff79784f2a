#include "daemon/replay.hpp"

#include "config/config.hpp"
#include "daemon/command_line.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/ws_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace minuted {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// A typo a stenographer's machine might produce: two letters swapped, or one doubled.
std::string mistype(std::string_view word, std::mt19937& rng) {
    std::string w(word);
    std::uniform_int_distribution<std::size_t> pos(0, w.size() - 2);
    auto const i = pos(rng);
    if (rng() % 2 == 0)
        std::swap(w[i], w[i + 1]);
    else
        w.insert(i, 1, w[i]);
    return w;
}

bool is_plain_word(std::string_view w) {
    return w.size() >= 3 && std::all_of(w.begin(), w.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
           });
}

// Waits until `deadline`.
net::awaitable<void> sleep_until(std::chrono::steady_clock::time_point deadline) {
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_at(deadline);
    co_await timer.async_wait(net::use_awaitable);
}

// Sends frames from `next` on and waits for each one's ack; `next` advances as acks arrive.
template <class Stream>
net::awaitable<void> send_frames(Stream& ws, std::span<replay_frame const> frames,
                                 std::size_t& next, replay_options const& options,
                                 std::chrono::steady_clock::time_point start) {
    beast::flat_buffer buffer;
    while (next < frames.size()) {
        if (!options.as_fast_as_acked)
            co_await sleep_until(start +
                                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(frames[next].at_seconds)));
        auto const seq = static_cast<protocol::seq_number>(next + 1);
        ws.text(true);
        co_await ws.async_write(net::buffer(frame_json(frames[next], seq)), net::use_awaitable);
        for (;;) {
            buffer.clear();
            co_await ws.async_read(buffer, net::use_awaitable);
            auto const reply =
                boost::json::parse(beast::buffers_to_string(buffer.data())).as_object();
            auto const type = reply.at("type").as_string();
            if (type == "ack" && reply.at("seq").to_number<protocol::seq_number>() >= seq)
                break;
            if (type == "nack") {
                next = reply.at("expected").to_number<std::size_t>() - 1;
                spdlog::warn("replay: receiver expects seq {}; resending from there", next + 1);
                --next; // undone by ++next below
                break;
            }
            if (type == "error")
                spdlog::warn("replay: receiver says: {}",
                             std::string(reply.at("message").as_string()));
        }
        ++next;
    }
}

// One connection of a push replay: open, learn what the receiver holds, send the rest.
template <class Stream>
net::awaitable<void> push_session(Stream& ws, std::string const& url, std::string const& title,
                                  std::span<replay_frame const> frames, std::size_t& next,
                                  replay_options const& options,
                                  std::chrono::steady_clock::time_point start, backoff& retry) {
    ws.text(true);
    std::string const open =
        boost::json::serialize(boost::json::object{{"type", "open"}, {"title", title}});
    co_await ws.async_write(net::buffer(open), net::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, net::use_awaitable);
    auto const text = beast::buffers_to_string(buffer.data());
    auto const welcome = boost::json::parse(text).as_object();
    if (welcome.at("type") != "welcome")
        throw std::runtime_error("receiver did not welcome: " + text);
    next = std::max(next, welcome.at("ack").to_number<std::size_t>());
    spdlog::info("replay: connected to {}; {} of {} frames already held", url, next, frames.size());
    retry.reset();
    co_await send_frames(ws, frames, next, options, start);
    co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
}

std::string read_file(std::string const& path) {
    if (path == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": " + std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

std::vector<replay_frame> make_replay_frames(std::string_view transcript,
                                             replay_options const& options) {
    std::vector<replay_frame> frames;
    std::mt19937 rng(options.seed);
    double const seconds_per_word =
        60.0 / (options.words_per_minute * std::max(options.speed, 1e-6));
    std::size_t i = 0;
    std::size_t word = 0;
    while (i < transcript.size()) {
        auto const begin = i;
        while (i < transcript.size() && is_space(transcript[i]))
            ++i;
        auto const word_begin = i;
        while (i < transcript.size() && !is_space(transcript[i]))
            ++i;
        auto const word_end = i;
        while (i < transcript.size() && is_space(transcript[i]) && transcript[i] != '\n')
            ++i;
        while (i < transcript.size() && (transcript[i] == '\n' || transcript[i] == '\r'))
            ++i;
        double const at = static_cast<double>(word++) * seconds_per_word;
        auto const w = transcript.substr(word_begin, word_end - word_begin);
        if (options.corrections && is_plain_word(w) && rng() % 25 == 0) {
            // The typo goes out as typed; the fix follows a moment later.
            auto const typo = mistype(w, rng);
            frames.push_back({protocol::ingest_kind::text,
                              std::string(transcript.substr(begin, word_begin - begin)) + typo, 0,
                              at});
            if (rng() % 2 == 0) {
                frames.push_back(
                    {protocol::ingest_kind::erase, {}, typo.size(), at + seconds_per_word / 3});
                frames.push_back({protocol::ingest_kind::text,
                                  std::string(transcript.substr(word_begin, i - word_begin)), 0,
                                  at + seconds_per_word / 2});
            } else {
                frames.push_back({protocol::ingest_kind::text,
                                  std::string(typo.size(), '\b') +
                                      std::string(transcript.substr(word_begin, i - word_begin)),
                                  0, at + seconds_per_word / 2});
            }
            continue;
        }
        frames.push_back(
            {protocol::ingest_kind::text, std::string(transcript.substr(begin, i - begin)), 0, at});
    }
    if (!options.keep_open)
        frames.push_back(
            {protocol::ingest_kind::close, {}, 0, static_cast<double>(word) * seconds_per_word});
    return frames;
}

void set_speed(replay_options& options, std::string_view value, std::string_view option) {
    if (value == "max") {
        options.as_fast_as_acked = true;
        return;
    }
    std::size_t end = 0;
    double speed = 0;
    try {
        speed = std::stod(std::string(value), &end);
    } catch (std::exception const&) {
    }
    if (speed <= 0 || end != value.size())
        throw std::invalid_argument(std::string(option) + " must be a positive number or max");
    options.speed = speed;
}

std::string frame_json(replay_frame const& frame, protocol::seq_number seq) {
    boost::json::object o;
    switch (frame.kind) {
    case protocol::ingest_kind::erase:
        o = {{"type", "erase"}, {"seq", seq}, {"count", frame.count}};
        break;
    case protocol::ingest_kind::close:
        o = {{"type", "close"}, {"seq", seq}};
        break;
    default:
        o = {{"type", "text"}, {"seq", seq}, {"text", frame.text}};
    }
    return boost::json::serialize(o);
}

net::awaitable<void> push_replay(std::string url, std::string title,
                                 std::span<replay_frame const> frames, replay_options options) {
    auto const target = parse_ws_url(url);
    auto const start = std::chrono::steady_clock::now();
    std::size_t next = 0;
    backoff retry(std::chrono::milliseconds(200), std::chrono::seconds(5));
    std::string failure;
    for (;;) {
        try {
            co_await with_ws_connection(target, [&](auto& ws) {
                return push_session(ws, url, title, frames, next, options, start, retry);
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
                                  replay_options options) {
    auto const start = std::chrono::steady_clock::now();
    for (;;) {
        auto socket = co_await acceptor.async_accept(net::use_awaitable);
        websocket::stream<beast::tcp_stream> ws(std::move(socket));
        try {
            co_await ws.async_accept(net::use_awaitable);
            beast::flat_buffer buffer;
            co_await ws.async_read(buffer, net::use_awaitable);
            auto const hello =
                protocol::parse_ingest_frame(beast::buffers_to_string(buffer.data()));
            std::size_t next =
                hello && hello->kind == protocol::ingest_kind::resume ? hello->after : 0;
            spdlog::info("replay: feed client connected, resuming after seq {}", next);
            co_await send_frames(ws, frames, next, options, start);
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

int replay_command(std::span<char const* const> args) {
    constexpr std::string_view usage =
        "usage: minuted replay FILE (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT)\n"
        "                      [--speed N|max] [--wpm N] [--corrections] [--seed N] [--title "
        "TEXT]\n"
        "                      [--keep-open]\n";
    std::optional<std::string> file, to, serve, title;
    replay_options options;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            std::string_view const a = args[i];
            auto value = [&] { return option_value(args, i); };
            if (a == "--to")
                to = value();
            else if (a == "--serve")
                serve = value();
            else if (a == "--title")
                title = value();
            else if (a == "--speed")
                set_speed(options, value(), a);
            else if (a == "--wpm") {
                if ((options.words_per_minute = std::stod(value())) <= 0)
                    throw std::invalid_argument("--wpm must be positive");
            } else if (a == "--corrections")
                options.corrections = true;
            else if (a == "--keep-open")
                options.keep_open = true;
            else if (a == "--seed")
                options.seed = static_cast<std::uint32_t>(std::stoul(value()));
            else if (a.starts_with("--"))
                throw std::invalid_argument("unknown option " + std::string(a));
            else if (file)
                throw std::invalid_argument("one file at a time");
            else
                file = std::string(a);
        }
        if (!file || (!to == !serve))
            throw std::invalid_argument("need a FILE and exactly one of --to or --serve");
    } catch (std::exception const& e) {
        std::cerr << "minuted replay: " << e.what() << "\n" << usage;
        return exit_usage;
    }

    std::string text;
    try {
        text = read_file(*file);
    } catch (std::exception const& e) {
        std::cerr << "minuted: " << e.what() << '\n';
        return exit_no_input;
    }
    auto const frames = make_replay_frames(text, options);
    net::io_context ioc;
    int result = exit_ok;
    auto done = [&](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            std::cerr << "minuted replay: " << describe(x) << "\n";
            result = exit_io;
        }
    };
    std::optional<tcp::acceptor> acceptor;
    if (to) {
        try {
            parse_ws_url(*to);
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: " << e.what() << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, push_replay(*to, title.value_or(*file), frames, options), done);
    } else {
        try {
            auto const [host, port] = config::parse_listen(*serve);
            acceptor.emplace(ioc, tcp::endpoint(net::ip::make_address(host), port));
            spdlog::info("replay: serving {} as a feed on ws://{}:{}/", *file, host,
                         acceptor->local_endpoint().port());
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: --serve " << *serve << ": " << describe(e) << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, serve_replay(*acceptor, frames, options), done);
    }
    ioc.run();
    return result;
}

} // namespace minuted
