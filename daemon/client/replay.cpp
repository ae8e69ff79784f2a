#include "daemon/client/replay.hpp"

#include "config/config.hpp"
#include "daemon/archive/archive_files.hpp"
#include "daemon/cli/command_line.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/client/ws_client.hpp"
#include "summariser/pipeline.hpp"

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
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <variant>

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

// The open message a replay starts a connection with: title and agenda, each only if given.
// An item is its title, or {title, presenter} when the agenda names its presenter.
std::string open_json(std::string const& title, std::vector<protocol::agenda_item> const& agenda) {
    boost::json::object o{{"type", "open"}};
    if (!title.empty())
        o["title"] = title;
    if (!agenda.empty()) {
        boost::json::array a;
        for (auto const& item : agenda) {
            if (item.presenter.empty())
                a.emplace_back(item.title);
            else
                a.emplace_back(
                    boost::json::object{{"title", item.title}, {"presenter", item.presenter}});
        }
        o["agenda"] = std::move(a);
    }
    return boost::json::serialize(o);
}

// A message from the receiver as a JSON object; throws if it is not one.
boost::json::object receiver_message(std::string const& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object() || !v.as_object().contains("type"))
        throw std::runtime_error("receiver sent something that is not a message: " + text);
    return std::move(v.as_object());
}

// An integer field of a receiver's message; throws if it is missing or not a count.
std::size_t count_field(boost::json::object const& m, std::string_view key) {
    auto const* v = m.if_contains(key);
    if (!v || !(v->is_uint64() || (v->is_int64() && v->as_int64() >= 0)))
        throw std::runtime_error("receiver sent a " + std::string(m.at("type").as_string()) +
                                 " without a valid " + std::string(key));
    return v->to_number<std::size_t>();
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
        auto const m = receiver_message(beast::buffers_to_string(buffer.data()));
        auto const type = std::string_view(m.at("type").as_string());
        if (type == "ack") {
            auto const seq = std::min(count_field(m, "seq"), w.frames.size());
            if (seq > w.acked) {
                w.acked = seq;
                w.room.cancel();
            }
        } else if (type == "nack") {
            // A gap: the receiver lost frames after its last ack. Rewinding inside this
            // connection would race the frames still in flight; a new connection's welcome says
            // exactly where to resume.
            throw std::runtime_error("receiver expects seq " +
                                     std::to_string(count_field(m, "expected")) +
                                     " (it lost frames); reconnecting to resume from there");
        } else if (type == "error") {
            auto const* why = m.if_contains("message");
            spdlog::warn("replay: receiver says: {}", why && why->is_string()
                                                          ? std::string(why->as_string())
                                                          : boost::json::serialize(m));
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
    auto const open = open_json(opening.title, opening.agenda);
    co_await ws.async_write(net::buffer(open), net::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, net::use_awaitable);
    auto const text = beast::buffers_to_string(buffer.data());
    auto const welcome = receiver_message(text);
    if (welcome.at("type") != "welcome")
        throw std::runtime_error("receiver did not welcome: " + text);
    // Exactly what the receiver holds, even if less than it acked before: frames sent but
    // never acknowledged are sent again.
    auto const next = std::min(count_field(welcome, "ack"), frames.size());
    spdlog::info("replay: connected to {}; {} of {} frames already held", opening.url, next,
                 frames.size());
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

// The name of an archived session's journal in its folder.
constexpr std::string_view archived_journal = "journal";

// Reads the journal of archived session `id` from `archive` (STATE_DIR/archive) into `out`,
// or says on standard error why it cannot and returns the exit code: a torn tail is a
// warning, and the intact records before it are played.
int read_archived_journal(std::filesystem::path const& archive, std::string const& id,
                          replay_options const& options, journal_replay& out) {
    auto const folder = archive / id;
    std::error_code ec;
    if (!is_archive_name(id) || !std::filesystem::is_directory(folder, ec)) {
        std::cerr << "minuted replay: no archived session " << id << " in " << archive.string()
                  << " (minuted archive list shows them)\n";
        return exit_no_input;
    }
    auto const path = folder / archived_journal;
    if (!std::filesystem::exists(path, ec)) {
        std::cerr << "minuted replay: " << folder.string()
                  << " has no journal: it was archived before journals were kept\n";
        return exit_no_input;
    }
    std::string bytes;
    try {
        bytes = read_file(path.string());
    } catch (std::exception const& e) {
        std::cerr << "minuted replay: " << e.what() << '\n';
        return exit_no_input;
    }
    auto const journal = protocol::read_journal(bytes);
    if (!journal.damage.empty())
        spdlog::warn("replay: {}: {} bytes dropped at the end ({}); playing the {} records "
                     "before them",
                     path.string(), bytes.size() - journal.valid_bytes, journal.damage,
                     journal.records.size());
    out = make_journal_replay(journal.records, options);
    if (out.frames.empty()) {
        std::cerr << "minuted replay: " << path.string() << " holds no captions to replay\n";
        return exit_data;
    }
    return exit_ok;
}

// A journal written before live sessions read their text as live captions: its session read
// the lines before the first speech as a header, shown nowhere, and took the meeting's title
// from it. A live session reads every line, so the replay sends the header's title in the open
// and its lines as blank lines, as `make_transcript_replay` does with a file. The header is
// what the session's reader found: the same frames through a file's reader, finished only if
// the session ended. One that found no speech is played as it was recorded.
void play_header_as_live(journal_replay& replay) {
    protocol::cart_reader reader;
    summariser::meeting m;
    summariser::change_set changes;
    std::vector<protocol::caption_event> events;
    std::optional<protocol::line_number> speech;
    for (auto const& f : replay.frames) {
        if (f.kind == protocol::ingest_kind::text)
            reader.put(f.text, events);
        else if (f.kind == protocol::ingest_kind::erase)
            reader.erase(f.count);
        else
            reader.finish(events);
        for (auto const& e : events) {
            if (!std::holds_alternative<protocol::metadata_event>(e)) {
                speech = protocol::line_of(e);
                break;
            }
            m.apply(e, summariser::time_point{}, changes);
        }
        events.clear();
        if (speech)
            break;
    }
    if (!speech || *speech == 1)
        return;
    if (!m.title().empty())
        replay.title = m.title();
    std::vector<replay_frame> frames;
    protocol::line_number line = 1;
    for (auto& f : replay.frames) {
        if (line >= *speech) {
            frames.push_back(std::move(f));
            continue;
        }
        if (f.kind == protocol::ingest_kind::erase)
            continue; // a correction of the header
        if (f.kind == protocol::ingest_kind::text) {
            std::string kept;
            for (char const c : f.text) {
                if (line >= *speech)
                    kept.push_back(c);
                else if (c == '\n') {
                    kept.push_back(c);
                    ++line;
                }
            }
            if (kept.empty())
                continue;
            f.text = std::move(kept);
        }
        frames.push_back(std::move(f));
    }
    replay.frames = std::move(frames);
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

live_transcript as_live_captions(std::string_view transcript) {
    auto const header = summariser::read_header(transcript);
    return {header.title,
            std::string(header.lines, '\n') + std::string(transcript.substr(header.bytes))};
}

journal_replay make_transcript_replay(std::string_view transcript, replay_options const& options) {
    auto live = as_live_captions(transcript);
    journal_replay out;
    out.title = std::move(live.title);
    out.frames = make_replay_frames(live.text, options);
    return out;
}

journal_replay make_journal_replay(std::span<protocol::journal_record const> records,
                                   replay_options const& options) {
    using protocol::journal_kind;
    journal_replay out;
    double const speed = std::max(options.speed, 1e-6);
    std::optional<std::int64_t> first_ms; // the first caption's: the replay's start
    double at = 0;
    for (auto const& r : records) {
        if (r.kind == journal_kind::open) {
            // The agenda only counts before the first captions, so later opens are not played.
            if (!first_ms) {
                out.title = r.title;
                out.agenda = protocol::agenda_of(r);
            }
            continue;
        }
        if (r.kind != journal_kind::text && r.kind != journal_kind::erase &&
            r.kind != journal_kind::end)
            continue;
        if (!first_ms)
            first_ms = r.at_ms;
        // A wall clock stepped back (NTP) must not reorder what was recorded in order.
        at = std::max(at, static_cast<double>(r.at_ms - *first_ms) / 1000.0 / speed);
        if (r.kind == journal_kind::end) {
            if (!options.keep_open)
                out.frames.push_back({protocol::ingest_kind::close, {}, 0, at});
            break;
        }
        if (r.kind == journal_kind::text)
            out.frames.push_back({protocol::ingest_kind::text, r.text, 0, at});
        else
            out.frames.push_back({protocol::ingest_kind::erase, {}, r.count, at});
    }
    bool const read_as_file = records.empty() || records.front().kind != journal_kind::session ||
                              records.front().source == protocol::text_source::file;
    if (read_as_file)
        play_header_as_live(out);
    return out;
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
    auto const open = title.empty() && agenda.empty() ? std::string() : open_json(title, agenda);
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

int replay_command(std::span<char const* const> args) {
    constexpr std::string_view usage =
        "usage: minuted replay FILE (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT)\n"
        "                      [--speed N|max] [--wpm N] [--corrections] [--seed N]\n"
        "                      [--title TEXT] [--agenda FILE] [--keep-open] [--token TOKEN]\n"
        "                      [--ca-file PEM]\n"
        "       minuted replay --from-archive ID [--state-dir DIR | --config FILE]\n"
        "                      (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT)\n"
        "                      [--speed N|max] [--title TEXT] [--keep-open] [--token TOKEN]\n"
        "                      [--ca-file PEM]\n"
        "FILE (- for standard input) is typed a word at a time, at --wpm (180) words per minute\n"
        "times --speed; --from-archive plays an archived meeting (an ID as minuted archive list\n"
        "shows it) from its journal, at its recorded pace times --speed. --speed max sends as\n"
        "fast as the receiver acknowledges. --keep-open leaves the session live at the end.\n"
        "--token is the receiver's publish token (also read from MINUTED_TOKEN, which keeps it\n"
        "out of the process list). A wss:// receiver's certificate is verified against the\n"
        "system's CAs, or against those in --ca-file (a private CA).\n";
    std::optional<std::string> file, archived, state_dir, config_file, to, serve, title,
        agenda_file;
    bool typing_options = false;
    replay_options options;
    if (auto const* token = std::getenv("MINUTED_TOKEN"))
        options.token = token;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            std::string_view const a = args[i];
            auto value = [&] { return option_value(args, i); };
            if (a == "--help" || a == "-h") {
                std::cout << usage;
                return exit_ok;
            }
            if (a == "--to")
                to = value();
            else if (a == "--serve")
                serve = value();
            else if (a == "--title")
                title = value();
            else if (a == "--agenda")
                agenda_file = value();
            else if (a == "--from-archive")
                archived = value();
            else if (a == "--state-dir")
                state_dir = value();
            else if (a == "--config")
                config_file = value();
            else if (a == "--speed")
                set_speed(options, value(), a);
            else if (a == "--wpm") {
                if ((options.words_per_minute = std::stod(value())) <= 0)
                    throw std::invalid_argument("--wpm must be positive");
                typing_options = true;
            } else if (a == "--corrections")
                options.corrections = typing_options = true;
            else if (a == "--keep-open")
                options.keep_open = true;
            else if (a == "--token")
                options.token = value();
            else if (a == "--ca-file")
                options.ca_file = value();
            else if (a == "--seed") {
                options.seed = static_cast<std::uint32_t>(std::stoul(value()));
                typing_options = true;
            } else if (a.starts_with("--"))
                throw std::invalid_argument("unknown option " + std::string(a));
            else if (file)
                throw std::invalid_argument("one file at a time");
            else
                file = std::string(a);
        }
        if (!file == !archived)
            throw std::invalid_argument("need a FILE or --from-archive ID (one of them)");
        if (!to == !serve)
            throw std::invalid_argument("need exactly one of --to or --serve");
        if (file && (state_dir || config_file))
            throw std::invalid_argument("--state-dir and --config go with --from-archive");
        if (archived && typing_options)
            throw std::invalid_argument(
                "--wpm, --corrections and --seed type a FILE; an archived meeting plays as "
                "recorded");
    } catch (std::exception const& e) {
        std::cerr << "minuted replay: " << e.what() << "\n" << usage;
        return exit_usage;
    }

    journal_replay replay;
    if (file) {
        std::string text;
        try {
            text = read_file(*file);
        } catch (std::exception const& e) {
            std::cerr << "minuted: " << e.what() << '\n';
            return exit_no_input;
        }
        replay = make_transcript_replay(text, options);
        // The header's title, else a pushed session is named after its file; a served feed
        // with neither keeps its [[feed]] title.
        if (title)
            replay.title = *title;
        else if (replay.title.empty() && to)
            replay.title = *file;
    } else {
        std::filesystem::path dir;
        try {
            dir = command_settings(state_dir, config_file).state_dir;
        } catch (config::config_error const& e) {
            std::cerr << "minuted replay: " << e.what() << '\n';
            return exit_config;
        }
        if (auto const code = read_archived_journal(dir / "archive", *archived, options, replay);
            code != exit_ok)
            return code;
        if (title)
            replay.title = *title;
    }
    // A known agenda replaces what the archived meeting's open had.
    if (agenda_file) {
        try {
            replay.agenda = config::read_agenda_file(*agenda_file);
        } catch (config::agenda_file_error const& e) {
            std::cerr << "minuted: " << e.what() << '\n';
            return e.unreadable ? exit_no_input : exit_data;
        }
    }
    auto const& frames = replay.frames;
    auto const what = file ? *file : "archived session " + *archived;

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
        net::co_spawn(ioc, push_replay(*to, replay.title, frames, options, replay.agenda), done);
    } else {
        try {
            auto const [host, port] = config::parse_listen(*serve);
            acceptor.emplace(ioc, tcp::endpoint(net::ip::make_address(host), port));
            spdlog::info("replay: serving {} as a feed on ws://{}:{}/", what, host,
                         acceptor->local_endpoint().port());
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: --serve " << *serve << ": " << describe(e) << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, serve_replay(*acceptor, frames, options, replay.title, replay.agenda),
                      done);
    }
    ioc.run();
    return result;
}

} // namespace minuted
