#pragma once

// A loopback stand-in for StreamText's caption API, as its documentation describes it:
// `GET /captions?event=NAME&last=POS&length=N&language=L` answers
// `{"content":"...","lastPosition":N,"languageCode":"en"}` with the event's text after POS (at
// most N characters of it), and `last=-1` with the current position and no text. Positions
// count characters. Tests make it fail the ways a service on the Internet does.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace minuted::testing {

class streamtext_server {
public:
    /// How it answers, until told otherwise.
    enum class behaviour {
        normal,
        refusing,    ///< no connections: the port is closed, open ones are dropped
        unavailable, ///< 503
        too_many,    ///< 429 with `Retry-After: retry_after`
        garbage,     ///< 200 with a body that is not JSON
        backwards,   ///< 200 with a lastPosition below the one asked after
        huge,        ///< 200 with `huge_bytes` of content
    };

    /// Listens on 127.0.0.1, on a port the kernel chooses, for the event `event`.
    explicit streamtext_server(std::string event = "TEST", std::string language = "en");
    ~streamtext_server();
    streamtext_server(streamtext_server const&) = delete;
    streamtext_server& operator=(streamtext_server const&) = delete;

    unsigned short port() const { return port_; }
    /// http://127.0.0.1:PORT/captions
    std::string url() const;

    /// Adds to the event's text (UTF-8; DEL and backspace are characters like any other).
    void append(std::string const& text);
    /// The event's text so far, and its length in characters (the current position).
    std::string text() const;
    std::uint64_t position() const;

    void set(behaviour b, std::string retry_after = "1", std::size_t huge_bytes = 4u << 20);
    /// Requests answered (any answer), and the `last` of the last request.
    std::size_t requests() const { return requests_; }
    std::int64_t last_asked() const { return last_asked_; }
    /// When text was last appended, and when a request last asked after that position.
    std::chrono::steady_clock::time_point appended_at() const;

private:
    struct state;
    void accept_loop();
    void serve(std::shared_ptr<void> socket);
    void open();
    void close_all();

    std::unique_ptr<state> s_;
    unsigned short port_ = 0;
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::int64_t> last_asked_{-2};
};

} // namespace minuted::testing
