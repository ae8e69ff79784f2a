#pragma once

// A loopback receiver of minuted's webhook notifications: an HTTP server (Beast, synchronous,
// a thread of its own) that keeps every request it is sent and answers each with the next
// status of a script, as a receiver that fails for a while would.

#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace minuted::testing {

struct received_request {
    std::string target;
    boost::beast::http::fields headers;
    std::string body;
    std::chrono::system_clock::time_point at;
};

class webhook_receiver {
public:
    /// Listens on 127.0.0.1, on a port the kernel chooses; answers requests with `statuses` in
    /// turn, then with the last one (200 if empty).
    explicit webhook_receiver(std::vector<unsigned> statuses = {});
    ~webhook_receiver();
    webhook_receiver(webhook_receiver const&) = delete;
    webhook_receiver& operator=(webhook_receiver const&) = delete;

    unsigned short port() const { return port_; }
    /// http://127.0.0.1:PORT/hook
    std::string url() const;
    /// Sends `Retry-After: value` with every answer that is not 2xx.
    void set_retry_after(std::string value);
    /// The requests so far; waits up to `timeout` for there to be at least `n`.
    std::vector<received_request> wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    struct state;
    void serve();

    std::shared_ptr<state> s_;
    unsigned short port_ = 0;
    std::thread thread_;
};

} // namespace minuted::testing
