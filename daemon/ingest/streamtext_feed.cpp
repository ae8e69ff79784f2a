#include "daemon/ingest/streamtext_feed.hpp"

#include "daemon/client/ws_client.hpp"
#include "daemon/ingest/feed_client.hpp"
#include "daemon/ingest/ingest_driver.hpp"
#include "daemon/net/http_client.hpp"
#include "protocol/ingest_reply.hpp"
#include "protocol/streamtext.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace minuted::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A poll is one small request, so a service that is down is asked again at least this often
// (unless its Retry-After says to wait longer): text said during an outage of any length is
// caught up within seconds of the service's return, as a viewer of the captions expects.
constexpr std::chrono::milliseconds max_retry = std::chrono::seconds(4);

// A poll that failed, and the least wait the service asked for before the next one.
struct poll_failure : std::runtime_error {
    poll_failure(std::string what, std::chrono::milliseconds wait = {}, bool bad = false)
        : std::runtime_error(std::move(what)), at_least(wait), bad_answer(bad) {}
    std::chrono::milliseconds at_least;
    bool bad_answer; ///< the service answered, but not with StreamText's JSON
};

// The characters of UTF-8 `text` (what StreamText's `length` counts), not its bytes.
std::size_t characters(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// One feed's polling: where it stands, its connection and its backoff. Runs on the feed's
// strand; the session is reached on its own.
class streamtext_poller {
public:
    streamtext_poller(config::feed feed, session_registry& sessions, live_config const& config,
                      metrics& counters)
        : feed_(std::move(feed)), sessions_(sessions), config_(config), counters_(counters),
          path_(parse_http_url(feed_.url).path),
          connection_(parse_http_url(feed_.url), feed_.ca_file),
          retry_(std::min(config.get()->reconnect_initial, max_retry),
                 std::min(config.get()->reconnect_max, max_retry)) {}

    net::awaitable<void> run();

private:
    net::awaitable<bool> poll(std::chrono::steady_clock::time_point started);
    net::awaitable<void> join_session();
    net::awaitable<void> deliver(protocol::streamtext_answer const& answer);
    std::string target() const;
    void show(std::string state, std::string status, std::chrono::milliseconds retry_in = {});

    config::feed feed_;
    session_registry& sessions_;
    live_config const& config_;
    metrics& counters_;
    std::string path_; // the endpoint's, read from the URL once
    http_connection connection_;
    backoff retry_;
    std::shared_ptr<live_session> session_;
    std::optional<std::uint64_t> position_; // asked after by the next poll
    std::optional<std::chrono::steady_clock::time_point> last_answered_;
    std::string last_error_;
    std::size_t failures_ = 0;
};

std::string streamtext_poller::target() const {
    // The event and language are letters, digits and a few marks (config): nothing to escape.
    auto t = path_ + "?event=" + feed_.event + "&last=" + std::to_string(position_.value_or(0));
    if (feed_.length > 0)
        t += "&length=" + std::to_string(feed_.length);
    if (!feed_.language.empty())
        t += "&language=" + feed_.language;
    return t;
}

void streamtext_poller::show(std::string state, std::string status,
                             std::chrono::milliseconds retry_in) {
    if (session_)
        session_->set_feed_state({"streamtext", std::move(state), std::move(status), feed_.url,
                                  feed_.event, position_, last_error_, retry_in, last_answered_});
}

// The session the text goes to: found, or made again after it ended. A session new to this
// poller says where to resume: after the text it journaled last, if it has any.
net::awaitable<void> streamtext_poller::join_session() {
    auto session = sessions_.live(feed_.session, session_lookup::find_or_create);
    if (!session)
        throw poll_failure("too many live sessions ([limits] max_sessions " +
                           std::to_string(config_.get()->max_sessions) + ")");
    if (session == session_)
        co_return;
    auto const journaled = co_await on_strand(
        session->strand(), [&]() -> net::awaitable<std::optional<std::uint64_t>> {
            co_return session->source_position();
        });
    // A meeting that ended and starts again under the same id carries on after what the
    // last one got; a first start takes the event's text from its beginning.
    if (journaled)
        position_ = journaled;
    else if (!position_)
        position_ = 0;
    protocol::ingest_connection connection;
    co_await introduce_feed(feed_, session, connection);
    session_ = std::move(session);
    spdlog::info("feed {}: polling StreamText event {} at {} after position {}", feed_.session,
                 feed_.event, feed_.url, *position_);
}

// Applies one answer's text as the session's next text message and returns once the
// journal holds it; throws if the session did not take it.
net::awaitable<void> streamtext_poller::deliver(protocol::streamtext_answer const& answer) {
    auto const session = session_;
    protocol::ingest_message m;
    m.kind = protocol::ingest_kind::text;
    m.seq = co_await on_strand(session->strand(), [&]() -> net::awaitable<protocol::seq_number> {
        co_return session->acknowledged_seq().value_or(0) + 1;
    });
    m.text = answer.content;
    m.lang = answer.language.empty() ? feed_.language : answer.language;
    m.position = answer.last_position;
    auto const seq = *m.seq;
    struct waiting {
        explicit waiting(net::any_io_executor ex) : wake(ex) {}
        std::optional<ingest_answer> answer;
        net::steady_timer wake;
    };
    auto const ex = co_await net::this_coro::executor;
    auto const w = std::make_shared<waiting>(ex);
    w->wake.expires_at(std::chrono::steady_clock::time_point::max());
    submit_ingest(session, std::move(m), nullptr, std::chrono::steady_clock::now(), over_rate::wait,
                  ex, {.applied = {}, .answered = [w](ingest_answer a) {
                           w->answer = std::move(a);
                           w->wake.cancel();
                       }});
    while (!w->answer) {
        boost::system::error_code ec; // operation_aborted: answered
        co_await w->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    auto const& a = *w->answer;
    if (a.ended)
        throw poll_failure("the meeting has ended; new text starts it again");
    for (auto const& reply : a.replies)
        if (auto const* ok = std::get_if<protocol::ack>(&reply); ok && ok->seq >= seq && !a.close)
            co_return;
    throw poll_failure("the session did not take the text: " +
                       (a.close             ? *a.close
                        : a.replies.empty() ? std::string("no answer")
                                            : protocol::encode(a.replies.front())));
}

// One poll; true if it brought a full `length` of text (more is waiting).
net::awaitable<bool> streamtext_poller::poll(std::chrono::steady_clock::time_point started) {
    co_await join_session();
    auto const max_content = std::min<std::size_t>(config_.get()->max_frame_bytes, 1u << 20);
    http_response res;
    try {
        // JSON escapes a byte in at most 6: room for the longest content taken, and no more.
        res = co_await connection_.get(target(), max_content * 6 + 4096);
    } catch (boost::system::system_error const& e) {
        if (e.code() == http::error::body_limit)
            throw poll_failure(
                "an answer over " + std::to_string(max_content) + " bytes of content", {}, true);
        throw;
    }
    auto const status = res.result_int();
    if (status == 429 || status == 503) {
        auto const wait =
            retry_after_wait(res[http::field::retry_after], std::chrono::system_clock::now());
        throw poll_failure(
            "HTTP " + std::to_string(status) +
                (wait ? ", Retry-After " + std::to_string(wait->count()) + " ms" : std::string()),
            wait.value_or(std::chrono::milliseconds{}));
    }
    if (status != 200)
        throw poll_failure("HTTP " + std::to_string(status) +
                           (status == 404 ? " (no such event, or it is not live)" : ""));
    auto reading = protocol::read_streamtext_answer(res.body(), position_, max_content);
    if (!reading.answer)
        throw poll_failure("a bad answer: " + reading.error, {}, true);
    counters_.feed_polls.fetch_add(1, std::memory_order_relaxed);
    auto const& answer = *reading.answer;
    if (!answer.content.empty())
        co_await deliver(answer);
    position_ = answer.last_position;
    last_answered_ = started;
    co_return feed_.length > 0 && characters(answer.content) >= feed_.length;
}

net::awaitable<void> streamtext_poller::run() {
    auto const ex = co_await net::this_coro::executor;
    net::steady_timer timer(ex);
    for (;;) {
        auto const started = std::chrono::steady_clock::now();
        std::string failure;
        std::chrono::milliseconds at_least{};
        bool more = false;
        try {
            more = co_await poll(started);
        } catch (poll_failure const& e) {
            failure = e.what();
            at_least = e.at_least;
            if (e.bad_answer)
                counters_.feed_bad_answers.fetch_add(1, std::memory_order_relaxed);
        } catch (std::exception const& e) {
            failure = describe(e);
        }
        if ((co_await net::this_coro::cancellation_state).cancelled() !=
            net::cancellation_type::none) {
            show("stopped", "stopped: removed from the config");
            spdlog::info("feed {}: stopped (the reloaded config no longer has it)", feed_.session);
            co_return;
        }
        if (failure.empty()) {
            if (failures_ > 0)
                spdlog::info("feed {}: polling {} again", feed_.session, feed_.url);
            failures_ = 0;
            retry_.reset();
            show("connected", "polling " + feed_.url + " for event " + feed_.event);
            timer.expires_at(more ? started : started + feed_.poll_interval);
        } else {
            connection_.close();
            ++failures_;
            last_error_ = failure;
            counters_.feed_failures.fetch_add(1, std::memory_order_relaxed);
            auto const delay = std::max(retry_.next(), at_least);
            show("retrying",
                 "retrying in " + std::to_string(delay.count()) + " ms after " +
                     std::to_string(failures_) + " failures: " + failure,
                 delay);
            spdlog::warn("feed {}: {}: {}; retrying in {} ms", feed_.session, feed_.url, failure,
                         delay.count());
            timer.expires_after(delay);
        }
        boost::system::error_code ec; // operation_aborted: stopped, seen above next time round
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

} // namespace

net::awaitable<void> run_streamtext_feed(config::feed feed, session_registry& sessions,
                                         live_config const& config, metrics& counters) {
    auto const poller =
        std::make_unique<streamtext_poller>(std::move(feed), sessions, config, counters);
    co_await poller->run();
}

} // namespace minuted::daemon
