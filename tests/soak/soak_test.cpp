// minuted_soak: a busy day of mixed load on the real daemon, to find what only time and
// concurrency show (leaks, lost captions, viewers out of step, a reload that drops someone).
// Loopback only, bounded and self-stopping.
//
// Starts the real daemon (tests/support/daemon_process.hpp) on 127.0.0.1 port 0 with a config
// file and, for two minutes, drives it as a busy day would, with asynchronous Beast clients on
// three threads:
//
//   - 50 caption sources push real meetings (tests/data/*.raw.txt cut into frames by
//     make_replay_frames, every other one with corrections) at a stenographer's pace, with a
//     window of frames in flight. Now and then a source drops its connection (a close frame, a
//     bare FIN or a reset), reconnects and resumes after the welcome's ack.
//   - 2 pull feeds ([[feed]]) served from here drop the daemon's connection now and then; the
//     daemon reconnects and resumes after what it holds.
//   - Malformed frames on throwaway connections to the same sessions (invalid JSON, invalid
//     UTF-8, binary, oversized, unknown type, bad seqs), each expecting what PROTOCOL.md says.
//   - 2,000 viewers on /live/{id} merge every update into their snapshot (revs unbroken within
//     a connection, or a fresh snapshot), drop at random and resume with ?since=.
//   - Halfway, the config is rewritten ([limits] subscriber_queue 256 -> 512) and SIGHUP sent.
//
// Then it checks that the daemon is alive; that every session holds at least what its source
// saw acknowledged, and exactly the text of the frames it holds (replayed here through the
// same pure pipeline); that every viewer's merged view equals the session's snapshot; that
// every malformed frame and every dropped feed was counted; that memory after the warm-up grew
// no more than the captions received explain; and that SIGTERM exits 0. Every viewer or source
// the daemon closed on its own is a failure: so the reload dropping one would be.
//
// Prints a summary (captions acknowledged, updates applied, reconnects, errors, the RSS curve,
// CPU) and exits 0 if every check passed, 1 otherwise.
//
// usage: minuted_soak [--seconds N] [--warm-up N] [--sources N] [--feeds N]
//                     [--subscribers N] [--speed X] [--seed N]

#include "daemon/client/replay.hpp"
#include "summariser/pipeline.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/live_view.hpp"
#include "tests/support/measure.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace minuted::testing {
namespace {

using daemon::frame_json;
using daemon::make_replay_frames;
using daemon::replay_frame;
using daemon::replay_options;

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct options {
    std::chrono::seconds load{120};   ///< how long captions flow
    std::chrono::seconds warm_up{30}; ///< memory is judged from here to the end
    std::size_t sources = 50;         ///< push ingest sessions
    std::size_t feeds = 2;            ///< pull feeds ([[feed]]) served from here
    std::size_t subscribers = 2000;   ///< /live viewers, spread over all sessions
    double speed = 1;                 ///< times a stenographer's 180 words a minute
    std::uint64_t seed = std::random_device{}();
    std::size_t window = 64; ///< frames a source sends ahead of its acks

    // Mean time between random drops of one connection.
    double source_drop_s = 30;
    double feed_drop_s = 15;
    double viewer_drop_s = 30;
    std::chrono::milliseconds malformed_every{250};
};

/// What went wrong: how many in all, and the first two of each kind (the message with its
/// numbers left out), so one flood does not hide the rest. The run fails if any.
class problem_log {
public:
    void add(std::string what) {
        std::string kind;
        for (auto const ch : what)
            if (!std::isdigit(static_cast<unsigned char>(ch)))
                kind += ch;
            else if (kind.empty() || kind.back() != '#')
                kind += '#';
        std::lock_guard lock(mutex_);
        ++count_;
        auto& k = kinds_[kind];
        if (k.examples.size() < 2)
            k.examples.push_back(std::move(what));
        ++k.count;
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return count_;
    }
    /// Each kind's examples, and how many of it there were.
    std::vector<std::pair<std::vector<std::string>, std::size_t>> kinds() const {
        std::lock_guard lock(mutex_);
        std::vector<std::pair<std::vector<std::string>, std::size_t>> out;
        for (auto const& [kind, k] : kinds_)
            out.emplace_back(k.examples, k.count);
        return out;
    }

private:
    struct kind_seen {
        std::vector<std::string> examples;
        std::size_t count = 0;
    };
    mutable std::mutex mutex_;
    std::size_t count_ = 0;
    std::map<std::string, kind_seen> kinds_;
};

using counter = std::atomic<std::uint64_t>;

/// What the clients did and saw; any thread counts.
struct tally {
    counter frames_sent{0}; ///< first sends and resends
    counter frames_resent{0};
    counter frames_acked{0}; ///< distinct seqs acknowledged
    counter source_connects{0};
    counter source_drops{0};
    counter source_resets{0}; ///< drops by a TCP reset (the daemon sees a network error)
    counter source_nacks{0};  ///< a gap after a reconnect overtaking the old connection's frames
    counter feed_connects{0};
    counter feed_drops{0};
    counter malformed_sent{0};
    counter malformed_oversized{0};
    counter viewer_connects{0};
    counter viewer_drops{0};
    counter viewer_slow_closes{0}; ///< 4008: the daemon found this client too slow
    counter snapshots{0};
    counter resyncs{0}; ///< snapshots in the middle of a connection: a slow viewer skipped ahead
    counter resumes{0};
    counter updates{0};
};

using drop_kind = int; // 0: a close frame, 1: a bare FIN, 2: a TCP reset

/// One session: who feeds it, its frames, and what its source saw acknowledged.
struct session_plan {
    std::string id;
    std::string title;
    bool pulled = false; ///< a [[feed]] served from here; otherwise pushed to /ingest
    std::vector<replay_frame> frames;
    steady::time_point start; ///< frame k is due at start + frames[k].at_seconds
    // Touched on the ingest thread; read by the main thread.
    std::atomic<std::size_t> sent{0};  ///< highest seq sent on any connection
    std::atomic<std::size_t> acked{0}; ///< highest seq acknowledged
    // Touched on the session's viewer thread only: bytes of each update, by rev.
    std::vector<std::uint32_t> update_bytes;

    steady::time_point due(std::size_t k) const {
        return start + std::chrono::duration_cast<steady::duration>(
                           std::chrono::duration<double>(frames[k].at_seconds));
    }
};

struct soak_run {
    options opt;
    std::vector<std::unique_ptr<session_plan>> sessions;
    tcp::endpoint daemon;
    steady::time_point load_start, load_end;
    steady::time_point drops_end; ///< no planned drop after this: everything settles by the end
    std::atomic<bool> shutting_down{false};
    tally counts;
    problem_log problems;

    void problem(std::string what) { problems.add(std::move(what)); }

    /// When a connection made now should drop: exponentially distributed with `mean_s`, or
    /// never if that falls after `drops_end`.
    std::optional<steady::time_point> next_drop(std::mt19937_64& rng, double mean_s) const {
        std::exponential_distribution<double> after(1 / mean_s);
        auto const at = steady::now() + std::chrono::duration_cast<steady::duration>(
                                            std::chrono::duration<double>(after(rng)));
        if (at >= drops_end)
            return std::nullopt;
        return at;
    }
};

std::string close_text(websocket::close_reason const& r) {
    return std::to_string(r.code) + " " + std::string(r.reason.data(), r.reason.size());
}

/// A completion handler for co_spawn that turns an escaping exception into a problem.
auto report_to(soak_run& run, std::string what) {
    return [&run, what = std::move(what)](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            run.problem(what + ": " + x.what());
        }
    };
}

net::awaitable<void> sleep_for(steady::duration d) {
    net::steady_timer timer(co_await net::this_coro::executor, d);
    beast::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

steady::duration random_ms(std::mt19937_64& rng, int from, int to) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(from, to)(rng));
}

template <class Stream>
void drop_now(Stream& ws, drop_kind kind) {
    auto& socket = beast::get_lowest_layer(ws).socket();
    beast::error_code ec;
    if (kind == 2)
        socket.set_option(net::socket_base::linger(true, 0), ec);
    else
        socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

// ---------------------------------------------------------------------------------------
// Caption sources and feeds: frames out when due, acks in.

/// What one connection's ack reader and frame writer share (one thread, no locking).
struct link_state {
    explicit link_state(net::any_io_executor ex) : wake(std::move(ex)) {}
    net::steady_timer wake; ///< the writer waits on it; the reader cancels it to wake it
    bool reader_done = false;
    bool nacked = false;
    beast::error_code read_error;
    websocket::close_reason reason;
};

template <class Stream>
net::awaitable<void> read_acks(Stream& ws, session_plan& s, std::shared_ptr<link_state> link,
                               soak_run& run) {
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        beast::error_code ec;
        co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            link->read_error = ec;
            link->reason = ws.reason();
            break;
        }
        auto const text = beast::buffers_to_string(buffer.data());
        try {
            auto const m = boost::json::parse(text).as_object();
            auto const type = m.at("type").as_string();
            if (type == "ack") {
                auto const seq = m.at("seq").to_number<std::size_t>();
                if (seq > s.sent)
                    run.problem(s.id + ": ack for seq " + std::to_string(seq) +
                                ", never sent (sent up to " + std::to_string(s.sent) + ")");
                if (seq > s.acked) {
                    run.counts.frames_acked += seq - s.acked;
                    s.acked = seq;
                }
            } else if (type == "nack") {
                // Frames of the connection before a reconnect can still be on their way and
                // land after the new connection's: a gap, which the source resolves as
                // PROTOCOL.md says, by reconnecting and resuming after the welcome's ack.
                ++run.counts.source_nacks;
                link->nacked = true;
            } else if (type != "welcome") { // a feed's own open is welcomed too
                run.problem(s.id + ": unexpected reply " + text);
            }
        } catch (std::exception const& e) {
            run.problem(s.id + ": unreadable reply " + text + ": " + e.what());
        }
        link->wake.cancel();
    }
    link->reader_done = true;
    link->wake.cancel();
}

enum class link_end { dropped, nacked, finished, failed };

/// Sends `s`'s frames from index `from` over `ws` as they fall due, at most `window` of them
/// unacknowledged, while a reader takes the acks; until `drop_at` (then drops the connection
/// as `kind` says) or the daemon closes it. At the end of the run a source just waits, its
/// frames all acknowledged, until the daemon stops.
template <class Stream>
net::awaitable<link_end> pump(Stream& ws, session_plan& s, std::size_t from,
                              std::optional<steady::time_point> drop_at, drop_kind kind,
                              soak_run& run) {
    auto const ex = co_await net::this_coro::executor;
    auto const link = std::make_shared<link_state>(ex);
    net::co_spawn(ex, read_acks(ws, s, link, run), report_to(run, s.id + " ack reader"));
    auto next = from;
    auto end = link_end::finished;
    beast::error_code ec;
    for (;;) {
        if (link->reader_done || link->nacked) {
            if (link->nacked) {
                end = link_end::nacked;
                drop_now(ws, 1);
            } else if (run.shutting_down) {
                end = link_end::finished;
            } else {
                end = link_end::failed;
                run.problem(s.id + ": the daemon closed the caption connection: " +
                            link->read_error.message() + " " + close_text(link->reason));
            }
            break;
        }
        auto const now = steady::now();
        // A drop comes right after a frame is sent, before its ack can: whether the daemon
        // holds that frame is for the welcome (or the feed's resume) to tell.
        bool const dropping = drop_at && now >= *drop_at;
        bool sent = false;
        while (next < s.frames.size() && next < s.acked + run.opt.window && s.due(next) <= now &&
               !link->reader_done) {
            auto const message = frame_json(s.frames[next], next + 1);
            co_await ws.async_write(net::buffer(message),
                                    net::redirect_error(net::use_awaitable, ec));
            if (ec)
                break; // the reader sees the same end
            ++next;
            sent = true;
            ++run.counts.frames_sent;
            if (next <= s.sent)
                ++run.counts.frames_resent;
            else
                s.sent = next;
        }
        if (dropping && (sent || next == s.frames.size() || now >= *drop_at + 5s)) {
            end = link_end::dropped;
            if (kind == 0)
                co_await ws.async_close(websocket::close_code::normal,
                                        net::redirect_error(net::use_awaitable, ec));
            else
                drop_now(ws, kind);
            break;
        }
        auto wake_at = steady::time_point::max();
        if (next < s.frames.size() && next < s.acked + run.opt.window)
            wake_at = s.due(next);
        if (drop_at)
            wake_at = std::min(wake_at, dropping ? *drop_at + 5s : *drop_at);
        link->wake.expires_at(wake_at);
        co_await link->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    // The reader refers to `ws`: wait for it to end. A closed socket ends it at once, a close
    // frame once the daemon answers; the daemon stopping does so within its shutdown grace.
    auto const give_up = steady::now() + 15s;
    while (!link->reader_done) {
        if (steady::now() >= give_up) {
            run.problem(s.id + ": the caption connection did not end after " +
                        (end == link_end::finished ? std::string("the daemon stopped")
                                                   : std::string("a drop")));
            drop_now(ws, 1);
        }
        link->wake.expires_after(1s);
        co_await link->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    co_return end;
}

/// A caption source pushing to /ingest/{id}: opens, resumes after the welcome's ack, sends
/// its frames when due, drops at random and reconnects.
net::awaitable<void> run_source(session_plan& s, soak_run& run, std::uint64_t seed) {
    auto const ex = co_await net::this_coro::executor;
    std::mt19937_64 rng(seed);
    std::string const open =
        boost::json::serialize(boost::json::object{{"type", "open"}, {"title", s.title}});
    while (!run.shutting_down) {
        websocket::stream<beast::tcp_stream> ws(ex);
        beast::error_code ec;
        co_await beast::get_lowest_layer(ws).async_connect(
            run.daemon, net::redirect_error(net::use_awaitable, ec));
        if (!ec)
            co_await ws.async_handshake("127.0.0.1", "/ingest/" + s.id,
                                        net::redirect_error(net::use_awaitable, ec));
        if (!ec) {
            ws.text(true);
            co_await ws.async_write(net::buffer(open), net::redirect_error(net::use_awaitable, ec));
        }
        beast::flat_buffer buffer;
        if (!ec)
            co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (!run.shutting_down)
                run.problem(s.id + ": cannot connect and open: " + ec.message() + " " +
                            close_text(ws.reason()));
            co_await sleep_for(500ms);
            continue;
        }
        ++run.counts.source_connects;
        std::size_t held = 0;
        try {
            auto const welcome = boost::json::parse(beast::buffers_to_string(buffer.data()));
            held = welcome.at("ack").to_number<std::size_t>();
        } catch (std::exception const&) {
            run.problem(s.id + ": no welcome: " + beast::buffers_to_string(buffer.data()));
        }
        if (held < s.acked)
            run.problem(s.id + ": acknowledged captions lost: the welcome says " +
                        std::to_string(held) + ", seq " + std::to_string(s.acked) +
                        " was acknowledged");
        if (held > s.sent)
            run.problem(s.id + ": the welcome says " + std::to_string(held) + ", only " +
                        std::to_string(s.sent) + " were sent");
        auto const kind = std::uniform_int_distribution<drop_kind>(0, 2)(rng);
        auto const end = co_await pump(ws, s, std::min(held, s.sent.load()),
                                       run.next_drop(rng, run.opt.source_drop_s), kind, run);
        if (end == link_end::finished)
            co_return;
        if (end == link_end::dropped) {
            ++run.counts.source_drops;
            if (kind == 2)
                ++run.counts.source_resets;
        }
        // At once, sometimes: before the last frame's fsync, so the welcome may say less than
        // was sent, and the source resends what the daemon may or may not hold.
        co_await sleep_for(rng() % 3 == 0 ? random_ms(rng, 0, 20) : random_ms(rng, 100, 1500));
    }
}

/// A pull feed: serves `s`'s frames to the daemon, which connects, sends {"type":"resume",
/// "after":N} and acks; drops the daemon's connection at random, and takes the next one.
net::awaitable<void> serve_feed(tcp::acceptor& acceptor, session_plan& s, soak_run& run,
                                std::uint64_t seed) {
    auto const ex = co_await net::this_coro::executor;
    std::mt19937_64 rng(seed);
    for (;;) {
        tcp::socket socket(ex);
        beast::error_code ec;
        co_await acceptor.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
        if (ec)
            co_return; // closed at the end of the run
        websocket::stream<beast::tcp_stream> ws(std::move(socket));
        co_await ws.async_accept(net::redirect_error(net::use_awaitable, ec));
        beast::flat_buffer buffer;
        if (!ec)
            co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (!run.shutting_down)
                run.problem(s.id + " feed: the daemon's connection failed before its resume: " +
                            ec.message());
            continue;
        }
        ws.text(true);
        ++run.counts.feed_connects;
        std::size_t after = 0;
        try {
            auto const resume = boost::json::parse(beast::buffers_to_string(buffer.data()));
            if (resume.at("type") != "resume")
                throw std::runtime_error("not a resume");
            after = resume.at("after").to_number<std::size_t>();
        } catch (std::exception const&) {
            run.problem(s.id + " feed: no resume: " + beast::buffers_to_string(buffer.data()));
        }
        if (after < s.acked)
            run.problem(s.id + " feed: acknowledged captions lost: the daemon resumes after " +
                        std::to_string(after) + ", seq " + std::to_string(s.acked) +
                        " was acknowledged");
        if (after > s.sent)
            run.problem(s.id + " feed: the daemon resumes after " + std::to_string(after) +
                        ", only " + std::to_string(s.sent) + " were sent");
        auto const kind = std::uniform_int_distribution<drop_kind>(0, 2)(rng);
        auto const end = co_await pump(ws, s, std::min(after, s.sent.load()),
                                       run.next_drop(rng, run.opt.feed_drop_s), kind, run);
        if (end == link_end::dropped)
            ++run.counts.feed_drops;
    }
}

// ---------------------------------------------------------------------------------------
// Malformed frames, each on its own connection to a live session.

struct malformed_frame {
    char const* name;
    std::vector<std::string> frames; ///< sent in order
    bool binary = false;
    std::vector<char const*> replies; ///< the types of the replies expected before the close
    std::uint16_t close_code = 0;     ///< 0: no close; the client closes after the replies
};

std::vector<malformed_frame> malformed_frames(std::size_t max_frame_bytes) {
    return {
        {"invalid JSON", {R"({"type": "text", "seq": )"}, false, {"error"}, 1008},
        // Beast refuses it before minuted reads it: no error message.
        {"invalid UTF-8", {"{\"type\":\"text\",\"seq\":1,\"text\":\"caf\xe9\"}"}, false, {}, 1007},
        {"binary frame", {std::string("\x7b\x00\x01\x02", 4)}, true, {"error"}, 1003},
        // Refused as soon as max_frame_bytes have come, with an error and the reason
        // (PROTOCOL.md, close code 1009).
        {"oversized frame",
         {R"({"type":"text","seq":1,"text":")" + std::string(max_frame_bytes, 'x') + R"("})"},
         false,
         {"error"},
         1009},
        {"unknown type", {R"({"type":"shout","seq":1})"}, false, {"error"}, 1008},
        {"non-integer seq", {R"({"type":"text","seq":"7","text":"x"})"}, false, {"error"}, 1008},
        // Seq 2 is held already: a resend, acknowledged and ignored; seq 1 after it goes back.
        {"seq going backwards",
         {R"({"type":"text","seq":2,"text":"resent"})", R"({"type":"text","seq":1,"text":"x"})"},
         false,
         {"ack", "error"},
         1008},
        // Far ahead of what the session holds: a gap, nacked, nothing applied.
        {"seq gap", {R"({"type":"text","seq":900000000,"text":"x"})"}, false, {"nack"}, 0},
    };
}

/// Sends one malformed frame (or pair) on a new connection to session `s`; a problem unless
/// the replies and the close code are the documented ones.
net::awaitable<void> send_malformed(session_plan const& s, malformed_frame const& bad,
                                    soak_run& run) {
    auto const ex = co_await net::this_coro::executor;
    websocket::stream<beast::tcp_stream> ws(ex);
    beast::error_code ec;
    co_await beast::get_lowest_layer(ws).async_connect(run.daemon,
                                                       net::redirect_error(net::use_awaitable, ec));
    if (!ec)
        co_await ws.async_handshake("127.0.0.1", "/ingest/" + s.id,
                                    net::redirect_error(net::use_awaitable, ec));
    if (ec) {
        run.problem(std::string(bad.name) + ": cannot connect: " + ec.message());
        co_return;
    }
    ws.read_message_max(1 << 20);
    ws.binary(bad.binary);
    for (auto const& f : bad.frames) {
        co_await ws.async_write(net::buffer(f), net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            run.problem(std::string(bad.name) + ": cannot send: " + ec.message());
            co_return;
        }
    }
    ++run.counts.malformed_sent;
    if (bad.close_code == 1009)
        ++run.counts.malformed_oversized;
    std::vector<std::string> replies;
    beast::flat_buffer buffer;
    for (;;) {
        if (bad.close_code == 0 && replies.size() == bad.replies.size()) {
            co_await ws.async_close(websocket::close_code::normal,
                                    net::redirect_error(net::use_awaitable, ec));
            break;
        }
        buffer.clear();
        co_await ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
        if (ec)
            break;
        try {
            replies.emplace_back(
                boost::json::parse(beast::buffers_to_string(buffer.data())).at("type").as_string());
        } catch (std::exception const&) {
            replies.push_back("unreadable: " + beast::buffers_to_string(buffer.data()));
        }
    }
    std::vector<std::string> const expected(bad.replies.begin(), bad.replies.end());
    auto const code = static_cast<std::uint16_t>(ws.reason().code);
    if (replies != expected || (bad.close_code != 0 && code != bad.close_code) ||
        (bad.close_code == 0 && ec)) {
        std::string got;
        for (auto const& r : replies)
            got += r + " ";
        run.problem(std::string(bad.name) + " to " + s.id + ": got replies [" + got +
                    "] and close " + close_text(ws.reason()) + " (" + ec.message() +
                    "), expected close " + std::to_string(bad.close_code));
    }
}

net::awaitable<void> run_malformed(soak_run& run, std::size_t max_frame_bytes, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto const kinds = malformed_frames(max_frame_bytes);
    std::vector<session_plan const*> pushed;
    for (auto const& s : run.sessions)
        if (!s->pulled)
            pushed.push_back(s.get());
    // Seq 2 must be held for "seq going backwards": a few seconds of captions first.
    co_await sleep_for(std::min<steady::duration>(5s, run.opt.warm_up));
    for (std::size_t i = 0; steady::now() < run.drops_end; ++i) {
        auto const& s =
            *pushed[std::uniform_int_distribution<std::size_t>(0, pushed.size() - 1)(rng)];
        co_await send_malformed(s, kinds[i % kinds.size()], run);
        co_await sleep_for(run.opt.malformed_every);
    }
}

// ---------------------------------------------------------------------------------------
// Viewers: /live/{id}, each merging updates into its snapshot.

struct viewer {
    session_plan* session = nullptr;
    std::size_t thread = 0; ///< the viewer thread it runs on: its session's
    merged_view view;
    std::string epoch;
    bool has_view = false;
    std::atomic<bool> connected{false}; ///< has had its first message on this connection
};

/// One viewer connection, shared with the timer that drops it.
struct viewer_link {
    explicit viewer_link(net::any_io_executor ex) : ws(ex), drop(ex) {}
    websocket::stream<beast::tcp_stream> ws;
    net::steady_timer drop;
    bool dropped = false;
};

net::awaitable<void> run_viewer(viewer& v, soak_run& run, std::uint64_t seed,
                                steady::duration first_delay) {
    auto const ex = co_await net::this_coro::executor;
    std::mt19937_64 rng(seed);
    auto& s = *v.session;
    co_await sleep_for(first_delay);
    while (!run.shutting_down) {
        auto target = "/live/" + s.id;
        if (v.has_view)
            target += "?since=" + std::to_string(v.view.rev()) + "&epoch=" + v.epoch;
        auto const link = std::make_shared<viewer_link>(ex);
        beast::error_code ec;
        co_await beast::get_lowest_layer(link->ws).async_connect(
            run.daemon, net::redirect_error(net::use_awaitable, ec));
        if (!ec)
            co_await link->ws.async_handshake("127.0.0.1", target,
                                              net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            if (!run.shutting_down)
                run.problem("viewer of " + s.id + ": cannot connect: " + ec.message());
            co_await sleep_for(500ms);
            continue;
        }
        ++run.counts.viewer_connects;
        if (auto const at = run.next_drop(rng, run.opt.viewer_drop_s)) {
            auto const kind = std::uniform_int_distribution<drop_kind>(0, 2)(rng);
            link->drop.expires_at(*at);
            link->drop.async_wait([link, kind](beast::error_code timer_ec) {
                if (timer_ec || link->dropped)
                    return;
                link->dropped = true;
                if (kind == 0)
                    link->ws.async_close(websocket::close_code::normal,
                                         [link](beast::error_code) {});
                else
                    drop_now(link->ws, kind);
            });
        }
        beast::flat_buffer buffer;
        bool first = true;
        for (;;) {
            buffer.clear();
            co_await link->ws.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
            if (ec)
                break;
            auto const text = beast::buffers_to_string(buffer.data());
            try {
                auto const m = boost::json::parse(text).as_object();
                auto const type = m.at("type").as_string();
                auto const rev = m.at("rev").to_number<std::uint64_t>();
                if (type == "snapshot") {
                    ++run.counts.snapshots;
                    if (!first)
                        ++run.counts.resyncs;
                    v.view.apply(m);
                    v.epoch = m.at("epoch").as_string();
                    v.has_view = true;
                } else if (type == "resumed") {
                    ++run.counts.resumes;
                    if (!first || rev != v.view.rev())
                        run.problem("viewer of " + s.id + ": resumed at rev " +
                                    std::to_string(rev) + ", its view is at " +
                                    std::to_string(v.view.rev()));
                    v.epoch = m.at("epoch").as_string();
                } else if (type == "update") {
                    ++run.counts.updates;
                    auto const had = v.view.rev();
                    if (first || !v.view.apply(m))
                        run.problem("viewer of " + s.id + ": update rev " + std::to_string(rev) +
                                    " after rev " + std::to_string(had) +
                                    (first ? ", before any snapshot" : ""));
                    if (rev >= s.update_bytes.size())
                        s.update_bytes.resize(rev + 1);
                    if (s.update_bytes[rev] == 0)
                        s.update_bytes[rev] = static_cast<std::uint32_t>(text.size());
                } else {
                    run.problem("viewer of " + s.id + ": unexpected " + text.substr(0, 200));
                }
            } catch (std::exception const& e) {
                run.problem("viewer of " + s.id + ": unreadable message: " + e.what());
            }
            first = false;
            v.connected = true;
        }
        v.connected = false;
        link->drop.cancel();
        if (link->dropped) {
            ++run.counts.viewer_drops;
        } else if (run.shutting_down) {
            co_return;
        } else if (link->ws.reason().code == 4008) {
            ++run.counts.viewer_slow_closes;
        } else {
            run.problem("viewer of " + s.id + ": the daemon closed it: " + ec.message() + " " +
                        close_text(link->ws.reason()));
        }
        co_await sleep_for(random_ms(rng, 50, 1500));
    }
}

// ---------------------------------------------------------------------------------------
// The run.

/// The text a session holding `seq` frames must show: those frames through the same pure
/// pipeline the daemon runs. "" if `snapshot` matches it, otherwise the first difference.
std::string check_text(session_plan const& s, std::size_t seq,
                       boost::json::object const& snapshot) {
    protocol::reader_options live;
    live.source = protocol::text_source::live; // as the daemon reads a session's text
    summariser::pipeline p(std::vector<protocol::agenda_item>{}, live);
    summariser::change_set changes;
    for (std::size_t k = 0; k < seq && k < s.frames.size(); ++k) {
        auto const& f = s.frames[k];
        if (f.kind == protocol::ingest_kind::erase)
            p.erase(f.count, changes);
        else if (f.kind == protocol::ingest_kind::text)
            p.put(f.text, summariser::time_point{}, changes);
        changes = {};
    }
    auto const& m = p.state();
    auto const& utterances = snapshot.at("utterances").as_array();
    if (utterances.size() != m.utterances().size())
        return std::to_string(utterances.size()) + " utterances, expected " +
               std::to_string(m.utterances().size());
    for (std::size_t i = 0; i < utterances.size(); ++i) {
        auto const& u = utterances[i].as_object();
        auto const& want = m.utterances()[i];
        if (u.at("text").as_string() != want.text)
            return "utterance " + std::to_string(i) + " is \"" +
                   std::string(u.at("text").as_string()) + "\", expected \"" + want.text + "\"";
        auto const speaker = u.at("speaker").is_null()
                                 ? std::optional<std::size_t>{}
                                 : std::optional(u.at("speaker").to_number<std::size_t>());
        if (speaker != want.speaker)
            return "utterance " + std::to_string(i) + " has another speaker";
    }
    auto const& pending = snapshot.at("pending").as_array();
    if (pending.size() != m.pending().size())
        return std::to_string(pending.size()) + " pending turns, expected " +
               std::to_string(m.pending().size());
    for (std::size_t i = 0; i < pending.size(); ++i)
        if (pending[i].at("text").as_string() != m.pending()[i].text)
            return "pending turn " + std::to_string(i) + " differs";
    if (snapshot.at("words").to_number<std::size_t>() != m.total_words())
        return "words " + std::to_string(snapshot.at("words").to_number<std::size_t>()) +
               ", expected " + std::to_string(m.total_words());
    return {};
}

std::string config_text(std::size_t subscriber_queue,
                        std::vector<std::unique_ptr<session_plan>> const& sessions,
                        std::vector<unsigned short> const& feed_ports,
                        std::size_t max_frame_bytes) {
    std::string toml = "[limits]\nsubscriber_queue = " + std::to_string(subscriber_queue) +
                       "\nmax_frame_bytes = " + std::to_string(max_frame_bytes) +
                       // every viewer and source comes from this machine's one address
                       "\nmax_address_connections = 0\nmax_address_viewers = 0" +
                       "\n\n[feeds]\nreconnect_initial = \"200ms\"\nreconnect_max = \"2s\"\n";
    std::size_t f = 0;
    for (auto const& s : sessions)
        if (s->pulled)
            toml += "\n[[feed]]\nsession = \"" + s->id +
                    "\"\nurl = \"ws://127.0.0.1:" + std::to_string(feed_ports[f++]) +
                    "/captions\"\ntitle = \"" + s->title + "\"\n";
    return toml;
}

/// A session's state as GET /api/sessions/{id} gives it, and its size.
struct session_reading {
    boost::json::object snapshot;
    std::size_t bytes = 0;
};

session_reading read_session(unsigned short port, std::string const& id) {
    auto const r = http_get(port, "/api/sessions/" + id);
    if (r.status != 200)
        throw std::runtime_error("GET /api/sessions/" + id + ": " + std::to_string(r.status));
    return {boost::json::parse(r.body).as_object(), r.body.size()};
}

/// What the daemon's memory may legitimately grow by: the state it holds for the captions it
/// received. Read at the end of the warm-up and at the end.
struct state_size {
    std::uint64_t words = 0;          ///< caption words (text frames) the sessions hold
    std::uint64_t snapshot_bytes = 0; ///< the sessions' snapshots, serialised
    std::vector<std::uint64_t> revs;  ///< by session
};

state_size read_state_size(unsigned short port, soak_run const& run) {
    state_size z;
    for (auto const& s : run.sessions) {
        auto const r = read_session(port, s->id);
        auto const seq = boost::json::parse(http_get(port, "/ingest/" + s->id + "/seq").body)
                             .at("seq")
                             .to_number<std::size_t>();
        for (std::size_t k = 0; k < seq && k < s->frames.size(); ++k)
            z.words += s->frames[k].kind == protocol::ingest_kind::text ? 1u : 0u;
        z.snapshot_bytes += r.bytes;
        z.revs.push_back(r.snapshot.at("rev").to_number<std::uint64_t>());
    }
    return z;
}

struct rss_sample {
    double t = 0; ///< seconds since the load started
    long kib = 0;
};

bool parse_unsigned(std::string_view s, std::size_t& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

std::optional<options> parse_options(int argc, char** argv) {
    options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const a = argv[i];
        std::string_view const v = argv[i + 1];
        std::size_t n = 0;
        if (a == "--speed") {
            try {
                opt.speed = std::stod(std::string(v));
            } catch (std::exception const&) {
                return std::nullopt;
            }
            if (!(opt.speed > 0))
                return std::nullopt;
            continue;
        }
        if (!parse_unsigned(v, n))
            return std::nullopt;
        if (a == "--seconds" && n >= 10)
            opt.load = std::chrono::seconds(n);
        else if (a == "--warm-up")
            opt.warm_up = std::chrono::seconds(n);
        else if (a == "--sources" && n >= 1)
            opt.sources = n;
        else if (a == "--feeds")
            opt.feeds = n;
        else if (a == "--subscribers")
            opt.subscribers = n;
        else if (a == "--seed")
            opt.seed = n;
        else
            return std::nullopt;
    }
    if (argc % 2 == 0)
        return std::nullopt;
    opt.warm_up = std::min(opt.warm_up, opt.load / 2);
    return opt;
}

int soak(options const& opt) {
    auto const wall_start = steady::now();
    soak_run run;
    run.opt = opt;
    std::printf("minuted_soak: %zu sources, %zu feeds, %zu viewers for %lld s (warm-up %lld s), "
                "speed %g, seed %llu\n",
                opt.sources, opt.feeds, opt.subscribers, static_cast<long long>(opt.load.count()),
                static_cast<long long>(opt.warm_up.count()), opt.speed,
                static_cast<unsigned long long>(opt.seed));
    std::fflush(stdout);

    // Sessions: two real meetings, each session starting at its own line of one of them.
    std::array<std::string, 2> const transcripts = {
        read_test_file("dccg-90-2024-11-08.raw.txt"),
        read_test_file("igf2021-dc-main-session.raw.txt")};
    auto const count = opt.sources + opt.feeds;
    for (std::size_t i = 0; i < count; ++i) {
        auto s = std::make_unique<session_plan>();
        s->pulled = i >= opt.sources;
        s->id =
            (s->pulled ? "feed-" + std::to_string(i - opt.sources) : "push-" + std::to_string(i));
        s->title = "Soak meeting " + std::to_string(i);
        auto const& text = transcripts[i % 2];
        auto from = text.size() * (i / 2 % 25) / 25;
        from = from == 0 ? 0 : text.find('\n', from) + 1;
        replay_options replay;
        replay.speed = opt.speed;
        replay.corrections = i % 2 == 1;
        replay.seed = static_cast<std::uint32_t>(opt.seed + i);
        s->frames = make_replay_frames(std::string_view(text).substr(from), replay);
        // Only what falls due during the load (sources start over the first 2 s).
        auto const last = static_cast<double>(opt.load.count()) - 2.5;
        while (!s->frames.empty() && (s->frames.back().at_seconds > last ||
                                      s->frames.back().kind == protocol::ingest_kind::close))
            s->frames.pop_back();
        run.sessions.push_back(std::move(s));
    }

    // The feeds listen before the daemon starts: its config names their ports.
    io_thread ingest;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<unsigned short> feed_ports;
    for (std::size_t f = 0; f < opt.feeds; ++f) {
        acceptors.push_back(std::make_unique<tcp::acceptor>(
            ingest.context(), tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)));
        feed_ports.push_back(acceptors.back()->local_endpoint().port());
    }
    constexpr std::size_t max_frame_bytes = 65536;
    daemon_process daemon({.config = config_text(256, run.sessions, feed_ports, max_frame_bytes)});
    auto const pid = daemon.pid();
    run.daemon = tcp::endpoint(net::ip::make_address("127.0.0.1"), daemon.port());
    auto const port = daemon.port();
    auto const daemon_cpu_start = process_cpu_seconds(pid);
    auto const self_cpu_start = self_cpu_seconds();

    run.load_start = steady::now() + 1s;
    run.load_end = run.load_start + opt.load;
    run.drops_end = run.load_end - std::min<steady::duration>(5s, opt.load / 4);
    for (std::size_t i = 0; i < run.sessions.size(); ++i)
        run.sessions[i]->start =
            run.load_start + std::chrono::milliseconds(2000 * i / run.sessions.size());

    ingest.call([&] {
        for (std::size_t i = 0; i < run.sessions.size(); ++i) {
            auto& s = *run.sessions[i];
            if (s.pulled)
                net::co_spawn(ingest.context(),
                              serve_feed(*acceptors[i - opt.sources], s, run, opt.seed + 7 * i),
                              report_to(run, s.id + " feed"));
            else
                net::co_spawn(ingest.context(), run_source(s, run, opt.seed + 7 * i),
                              report_to(run, s.id + " source"));
        }
        net::co_spawn(ingest.context(), run_malformed(run, max_frame_bytes, opt.seed + 1),
                      report_to(run, "malformed frames"));
    });

    // Viewers wait for their session to exist; they start over the first seconds of the load.
    bool const all_there = wait_until(
        [&] {
            auto const r = http_get(port, "/api/sessions");
            return boost::json::parse(r.body).at("sessions").as_array().size() >= count;
        },
        30s);
    if (!all_there)
        run.problem("the sessions did not all start within 30 s");
    // A session's viewers share a thread, so what they record about it needs no lock.
    std::array<io_thread, 2> viewer_threads;
    std::vector<std::unique_ptr<viewer>> viewers;
    for (std::size_t i = 0; i < opt.subscribers; ++i) {
        viewers.push_back(std::make_unique<viewer>());
        viewers.back()->session = run.sessions[i % count].get();
        viewers.back()->thread = i % count % viewer_threads.size();
    }
    // Runs `f(viewer index, viewer)` on each viewer's thread, for every viewer; waits.
    auto const for_each_viewer = [&](auto f) {
        for (std::size_t t = 0; t < viewer_threads.size(); ++t)
            viewer_threads[t].call([&, t] {
                for (std::size_t i = 0; i < viewers.size(); ++i)
                    if (viewers[i]->thread == t)
                        f(i, *viewers[i]);
            });
    };
    for_each_viewer([&](std::size_t i, viewer& v) {
        net::co_spawn(viewer_threads[v.thread].context(),
                      run_viewer(v, run, opt.seed * 31 + i, std::chrono::milliseconds(3 * i)),
                      report_to(run, "viewer " + std::to_string(i)));
    });

    // Watch: RSS every 2 s, progress every 10 s, the reload halfway.
    std::vector<rss_sample> rss;
    auto const reload_at = run.load_start + opt.load / 2;
    bool reloaded = false;
    std::optional<state_size> warm;
    long rss_warm = 0;
    auto next_sample = run.load_start;
    while (steady::now() < run.load_end) {
        std::this_thread::sleep_until(next_sample);
        next_sample += 2s;
        auto const t = std::chrono::duration<double>(steady::now() - run.load_start).count();
        rss.push_back({t, rss_kib(pid)});
        if (!daemon.process().running()) {
            run.problem("the daemon exited during the load:\n" + daemon.process().output());
            break;
        }
        if (!warm && steady::now() >= run.load_start + opt.warm_up) {
            // RSS after the state is read, so the growth judged falls within the state's.
            warm = read_state_size(port, run);
            rss_warm = rss_kib(pid);
        }
        if (rss.size() % 5 == 1)
            std::printf("  %5.1f s: RSS %ld KiB; %llu captions acked, %llu updates applied, %llu "
                        "viewer and %llu source reconnects, %llu malformed frames, %zu problems\n",
                        t, rss.back().kib,
                        static_cast<unsigned long long>(run.counts.frames_acked.load()),
                        static_cast<unsigned long long>(run.counts.updates.load()),
                        static_cast<unsigned long long>(run.counts.viewer_drops.load()),
                        static_cast<unsigned long long>(run.counts.source_drops.load()),
                        static_cast<unsigned long long>(run.counts.malformed_sent.load()),
                        run.problems.count());
        std::fflush(stdout);
        if (!reloaded && steady::now() >= reload_at) {
            reloaded = true;
            auto const before = metric(port, "minuted_config_reloads_total");
            daemon.reload(config_text(512, run.sessions, feed_ports, max_frame_bytes));
            bool const logged = wait_until(
                [&] {
                    return daemon.process().output().find("config reloaded from") !=
                           std::string::npos;
                },
                10s);
            if (!logged)
                run.problem("no \"config reloaded from\" in the log 10 s after SIGHUP");
            auto const after = metric(port, "minuted_config_reloads_total");
            if (after != before + 1)
                run.problem("minuted_config_reloads_total went from " + std::to_string(before) +
                            " to " + std::to_string(after) + " on one SIGHUP");
            std::printf("  %5.1f s: SIGHUP: config reloaded (subscriber_queue 256 -> 512), "
                        "minuted_config_reloads_total %llu -> %llu\n",
                        std::chrono::duration<double>(steady::now() - run.load_start).count(),
                        static_cast<unsigned long long>(before),
                        static_cast<unsigned long long>(after));
        }
    }
    auto const load_wall = std::chrono::duration<double>(steady::now() - run.load_start).count();

    // Settle: every frame sent is acknowledged, every viewer has the last rev.
    bool const acked = wait_until(
        [&] {
            return std::all_of(run.sessions.begin(), run.sessions.end(), [](auto const& s) {
                return s->acked == s->frames.size() && s->sent == s->frames.size();
            });
        },
        30s);
    if (!acked)
        for (auto const& s : run.sessions)
            if (s->acked != s->frames.size()) {
                run.problem(s->id + ": " + std::to_string(s->acked) + " of " +
                            std::to_string(s->frames.size()) + " frames acknowledged (" +
                            std::to_string(s->sent) + " sent) 30 s after the load");
                // What the daemon said about it, for whoever reads the failure.
                std::istringstream log(daemon.process().output());
                std::vector<std::string> lines;
                for (std::string line; std::getline(log, line);)
                    if (line.find(" " + s->id + ":") != std::string::npos ||
                        line.find(" " + s->id + " ") != std::string::npos)
                        lines.push_back(line);
                for (auto i = lines.size() > 12 ? lines.size() - 12 : 0; i < lines.size(); ++i)
                    std::printf("  daemon log on %s: %s\n", s->id.c_str(), lines[i].c_str());
            }
    rss.push_back(
        {std::chrono::duration<double>(steady::now() - run.load_start).count(), rss_kib(pid)});
    auto const rss_end = rss.back().kib;

    bool const alive = daemon.process().running() && http_get(port, "/healthz").status == 200;
    if (!alive)
        run.problem("the daemon is not alive after the load:\n" + daemon.process().output());

    // Every session: nothing acknowledged lost, and exactly the text of what it holds.
    std::map<std::string, boost::json::object> snapshots;
    std::map<std::string, std::size_t> held_seq;
    std::uint64_t daemon_seq_total = 0;
    if (alive) {
        for (auto const& s : run.sessions) {
            auto const r = http_get(port, "/ingest/" + s->id + "/seq");
            auto const held = boost::json::parse(r.body).at("seq").to_number<std::size_t>();
            held_seq[s->id] = held;
            daemon_seq_total += held;
            if (held < s->acked)
                run.problem(s->id + ": acknowledged captions lost: GET /ingest/" + s->id +
                            "/seq says " + std::to_string(held) + ", seq " +
                            std::to_string(s->acked) + " was acknowledged");
        }
        // Sources are done: the sessions keep their last rev, and each viewer should reach it.
        std::map<std::string, std::uint64_t> revs;
        for (auto const& s : run.sessions)
            revs[s->id] = read_session(port, s->id).snapshot.at("rev").to_number<std::uint64_t>();
        std::size_t behind = 0;
        for (auto const deadline = steady::now() + 30s; steady::now() < deadline;) {
            behind = 0;
            for_each_viewer([&](std::size_t, viewer const& v) {
                if (!v.connected || v.view.rev() != revs[v.session->id])
                    ++behind;
            });
            if (behind == 0)
                break;
            std::this_thread::sleep_for(250ms);
        }
        if (behind > 0)
            run.problem(std::to_string(behind) +
                        " viewers not connected at their session's last rev 30 s after the load");
        // The state holds every frame the daemon holds. (Its "seq" is the last seq as of its
        // rev: frames that changed nothing on screen, such as a transcript's header, make no
        // rev, so it may be lower.)
        for (auto const& s : run.sessions) {
            auto const r = read_session(port, s->id);
            auto const held = held_seq[s->id];
            if (r.snapshot.at("seq").to_number<std::size_t>() > held)
                run.problem(s->id + ": its state is at seq " +
                            std::to_string(r.snapshot.at("seq").to_number<std::size_t>()) +
                            ", the daemon holds " + std::to_string(held));
            if (auto const d = check_text(*s, held, r.snapshot); !d.empty())
                run.problem(s->id + ": its state does not hold the text of its frames: " + d);
            snapshots[s->id] = r.snapshot;
        }
    }
    // Every viewer's merged view is the session's snapshot.
    std::size_t views_checked = 0;
    for_each_viewer([&](std::size_t i, viewer const& v) {
        auto const it = snapshots.find(v.session->id);
        if (it == snapshots.end())
            return;
        ++views_checked;
        if (auto const d = first_difference(comparable(v.view.state()), comparable(it->second));
            !d.empty())
            run.problem("viewer " + std::to_string(i) + " of " + v.session->id +
                        ": its merged view differs from the snapshot at " + d);
    });

    // The daemon's counters against what was done to it.
    auto const exposition = alive ? http_get(port, "/metrics").body : std::string{};
    auto const m = [&](std::string const& name) {
        return find_metric(exposition, name).value_or(0);
    };
    auto const protocol_errors = static_cast<std::uint64_t>(m("minuted_errors_protocol_total"));
    auto const io_errors = static_cast<std::uint64_t>(m("minuted_errors_io_total"));
    auto const expected_protocol =
        run.counts.malformed_sent.load() + run.counts.source_nacks.load();
    if (alive) {
        if (protocol_errors != expected_protocol)
            run.problem("minuted_errors_protocol_total is " + std::to_string(protocol_errors) +
                        ", expected " + std::to_string(expected_protocol) + " (" +
                        std::to_string(run.counts.malformed_sent.load()) + " malformed frames, " +
                        std::to_string(run.counts.source_nacks.load()) + " nacks)");
        if (m("minuted_limit_hits_total{limit=\"frame\"}") !=
            static_cast<double>(run.counts.malformed_oversized.load()))
            run.problem("minuted_limit_hits_total{limit=\"frame\"} is " +
                        std::to_string(m("minuted_limit_hits_total{limit=\"frame\"}")) + ", " +
                        std::to_string(run.counts.malformed_oversized.load()) +
                        " oversized frames were sent");
        // A source's reset is the one network error here (a FIN or a close frame is a normal
        // end; a viewer's reset is not counted; a feed's is a feed failure). The daemon counts
        // it when its read fails; when an ack's write fails first, the read ends as closed.
        if (io_errors > run.counts.source_resets.load())
            run.problem("minuted_errors_io_total is " + std::to_string(io_errors) + ", the " +
                        "sources reset only " + std::to_string(run.counts.source_resets.load()) +
                        " connections");
        if (m("minuted_feed_failures_total") != static_cast<double>(run.counts.feed_drops.load()))
            run.problem("minuted_feed_failures_total is " +
                        std::to_string(m("minuted_feed_failures_total")) + ", the feeds dropped " +
                        std::to_string(run.counts.feed_drops.load()) + " connections");
        if (m("minuted_config_reloads_total") != (reloaded ? 1 : 0) ||
            m("minuted_config_reload_failures_total") != 0)
            run.problem("config reloads " + std::to_string(m("minuted_config_reloads_total")) +
                        ", failures " + std::to_string(m("minuted_config_reload_failures_total")));
        if (m("minuted_subscriber_slow_closes_total") !=
            static_cast<double>(run.counts.viewer_slow_closes.load()))
            run.problem("minuted_subscriber_slow_closes_total differs from the 4008 closes seen");
        if (m("minuted_subscribers") != static_cast<double>(opt.subscribers))
            run.problem("minuted_subscribers is " + std::to_string(m("minuted_subscribers")) +
                        " with " + std::to_string(opt.subscribers) + " viewers connected");
    }

    // Memory: from the end of the warm-up to the end, RSS may grow by what the daemon must keep
    // for the captions that arrived since, and no more:
    //   - the update history kept for ?since= resumes ([limits] update_history, 4096 a session:
    //     at a few updates a second, every update of the run): each update serialised (its
    //     bytes as the viewers received them; below 4 KB, Boost.JSON's serialize allocates
    //     exactly that) plus 128 bytes of bookkeeping (the shared string's control block and
    //     object, its slot in the history deque, malloc's headers);
    //   - the session's state, measured by its serialised snapshot, twice: the structures
    //     themselves and the snapshot each session caches.
    // The allowance is 1.5 times that, for what the summariser indexes beside the text and
    // malloc's rounding, plus 2 MiB for the allocator's noise: RSS grows in steps of its heaps.
    constexpr std::uint64_t update_overhead = 128;
    std::optional<state_size> last;
    std::uint64_t history_bytes = 0;
    std::uint64_t updates_after_warm = 0;
    if (alive && warm) {
        last = read_state_size(port, run);
        for (std::size_t i = 0; i < run.sessions.size(); ++i) {
            auto const& s = *run.sessions[i];
            updates_after_warm += last->revs[i] - warm->revs[i];
            viewer_threads[i % viewer_threads.size()].call([&] {
                // A rev that no viewer received (all were reconnecting) counts as the average.
                std::uint64_t seen = 0, seen_bytes = 0, unseen = 0;
                for (auto r = warm->revs[i] + 1; r <= last->revs[i]; ++r) {
                    if (r < s.update_bytes.size() && s.update_bytes[r] != 0) {
                        ++seen;
                        seen_bytes += s.update_bytes[r];
                    } else {
                        ++unseen;
                    }
                }
                history_bytes += seen_bytes + (seen ? unseen * seen_bytes / seen : 0);
            });
        }
    }
    std::uint64_t words_after_warm = 0;
    std::uint64_t snapshot_growth = 0;
    double explained_kib = 0;
    double allowance_kib = 0;
    if (last) {
        words_after_warm = last->words - warm->words;
        snapshot_growth = last->snapshot_bytes - warm->snapshot_bytes;
        explained_kib = static_cast<double>(history_bytes + update_overhead * updates_after_warm +
                                            2 * snapshot_growth) /
                        1024;
        allowance_kib = 1.5 * explained_kib + 2048;
        if (static_cast<double>(rss_end - rss_warm) > allowance_kib)
            run.problem("RSS grew by " + std::to_string(rss_end - rss_warm) +
                        " KiB after the warm-up, over the allowance of " +
                        std::to_string(static_cast<long>(allowance_kib)) + " KiB");
    }

    // SIGTERM: exit 0 with every connection still open.
    run.shutting_down = true;
    auto const daemon_cpu = process_cpu_seconds(pid) - daemon_cpu_start;
    auto const hwm = status_kib(pid, "VmHWM");
    auto const exit_code = daemon.stop();
    if (exit_code != 0)
        run.problem("minuted exited " + std::to_string(exit_code) + " after SIGTERM");
    ingest.call([&] {
        for (auto& a : acceptors)
            a->close();
    });
    // The clients end once their connections close (1001) and the threads run dry.
    auto const clients_done = wait_until(
        [&] {
            return std::none_of(viewers.begin(), viewers.end(),
                                [](auto const& v) { return v->connected.load(); });
        },
        15s);
    if (!clients_done)
        run.problem("viewers still connected 15 s after the daemon stopped");
    for (auto& t : viewer_threads)
        t.stop();
    ingest.stop();
    auto const self_cpu = self_cpu_seconds() - self_cpu_start;

    // The summary.
    // Log lines are "TIME LEVEL message".
    std::size_t warnings = 0;
    std::vector<std::string> error_lines;
    {
        std::istringstream log(daemon.process().output());
        for (std::string line; std::getline(log, line);) {
            auto const level = line.substr(line.find(' ') + 1, 9);
            if (level.starts_with("warning "))
                ++warnings;
            else if (level.starts_with("error ") || level.starts_with("critical "))
                error_lines.push_back(line);
        }
    }
    auto const& c = run.counts;
    auto const n = [](std::uint64_t v) { return with_commas(v); };
    std::printf("\nload %.1f s, whole run %.1f s; CPU: daemon %.1f s (%.0f %% of a core over the "
                "load), this process %.1f s; load average %s\n",
                load_wall, std::chrono::duration<double>(steady::now() - wall_start).count(),
                daemon_cpu, 100 * daemon_cpu / load_wall, self_cpu, load_average().c_str());
    std::printf("captions: %s frames acknowledged (%s sent, %s of them resent after a reconnect); "
                "the daemon holds %s\n",
                n(c.frames_acked).c_str(), n(c.frames_sent).c_str(), n(c.frames_resent).c_str(),
                n(daemon_seq_total).c_str());
    std::printf("sources: %s connections, %s drops (%s resets), %s nacks; feeds: %s connections, "
                "%s drops\n",
                n(c.source_connects).c_str(), n(c.source_drops).c_str(), n(c.source_resets).c_str(),
                n(c.source_nacks).c_str(), n(c.feed_connects).c_str(), n(c.feed_drops).c_str());
    std::printf("viewers: %s connections, %s drops, %s snapshots (%s mid-connection resyncs), %s "
                "resumes, %s updates applied, %s closed as too slow; %zu merged views checked\n",
                n(c.viewer_connects).c_str(), n(c.viewer_drops).c_str(), n(c.snapshots).c_str(),
                n(c.resyncs).c_str(), n(c.resumes).c_str(), n(c.updates).c_str(),
                n(c.viewer_slow_closes).c_str(), views_checked);
    std::printf("errors: %s malformed frames sent (%s oversized); the daemon counted %s protocol "
                "errors, %s I/O errors, %.0f feed failures; its log has %zu warnings, %zu errors\n",
                n(c.malformed_sent).c_str(), n(c.malformed_oversized).c_str(),
                n(protocol_errors).c_str(), n(io_errors).c_str(), m("minuted_feed_failures_total"),
                warnings, error_lines.size());
    std::printf("daemon: %.0f updates published, %.0f sent, %.0f resyncs, %.0f duplicates "
                "ignored, %.0f journal commits\n",
                m("minuted_updates_published_total"), m("minuted_updates_sent_total"),
                m("minuted_subscriber_resyncs_total"), m("minuted_ingest_duplicates_total"),
                m("minuted_journal_commits_total"));
    std::printf("RSS (KiB) every 2 s from the start of the load, the last once it settled at "
                "%.1f s:",
                rss.back().t);
    for (std::size_t i = 0; i < rss.size(); ++i)
        std::printf("%s%ld", i % 12 == 0 ? "\n  " : " ", rss[i].kib);
    std::printf("\npeak (VmHWM) %ld KiB\n", hwm);
    if (last) {
        auto const per_word = [&](double kib) {
            return 1024 * kib / static_cast<double>(std::max<std::uint64_t>(1, words_after_warm));
        };
        auto const growth = static_cast<double>(rss_end - rss_warm);
        std::printf("memory after the warm-up: RSS %ld -> %ld KiB, %+.0f KiB for %s caption words "
                    "(%.0f bytes a word)\n",
                    rss_warm, rss_end, growth, n(words_after_warm).c_str(), per_word(growth));
        std::printf("  explained: %s updates kept for resumes, %s bytes + %llu bytes each; "
                    "snapshots %+lld bytes, twice: %.0f KiB (%.0f bytes a word)\n",
                    n(updates_after_warm).c_str(), n(history_bytes).c_str(),
                    static_cast<unsigned long long>(update_overhead),
                    static_cast<long long>(snapshot_growth), explained_kib,
                    per_word(explained_kib));
        std::printf(
            "  allowance: 1.5 x explained + 2 MiB = %.0f KiB; the growth is %.0f %% of it\n",
            allowance_kib, 100 * growth / allowance_kib);
    }
    for (auto const& [examples, n_kind] : run.problems.kinds()) {
        for (auto const& e : examples)
            std::printf("PROBLEM: %s\n", e.c_str());
        if (n_kind > examples.size())
            std::printf("PROBLEM: ... and %zu more like it\n", n_kind - examples.size());
    }
    for (std::size_t i = 0; i < error_lines.size() && i < 10; ++i)
        std::printf("daemon log: %s\n", error_lines[i].c_str());
    std::printf("soak: %s\n", run.problems.count() == 0 ? "passed" : "FAILED");
    return run.problems.count() == 0 ? 0 : 1;
}

} // namespace
} // namespace minuted::testing

int main(int argc, char** argv) {
    auto const opt = minuted::testing::parse_options(argc, argv);
    if (!opt) {
        std::fprintf(stderr, "usage: minuted_soak [--seconds N] [--warm-up N] [--sources N] "
                             "[--feeds N] [--subscribers N] [--speed X] [--seed N]\n");
        return 64;
    }
    std::signal(SIGPIPE, SIG_IGN);
    // A descriptor per viewer here and in the daemon (which inherits the limit).
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &fds);
    }
    try {
        return minuted::testing::soak(*opt);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_soak: %s\n", e.what());
        return 1;
    }
}
