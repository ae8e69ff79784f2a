// `minuted serve` under systemd Type=notify. The test plays the service manager: it
// listens on an AF_UNIX datagram socket and hands it to the real daemon as $NOTIFY_SOCKET.

#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;

// The service manager's end of $NOTIFY_SOCKET: one datagram per sd_notify call.
class notify_socket {
public:
    explicit notify_socket(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        auto const p = path_.string();
        if (fd_ < 0 || p.size() >= sizeof addr.sun_path)
            throw std::runtime_error("notify socket");
        p.copy(addr.sun_path, p.size());
        if (::bind(fd_, reinterpret_cast<sockaddr const*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("bind " + p);
    }
    notify_socket(notify_socket const&) = delete;
    ~notify_socket() { ::close(fd_); }

    std::string path() const { return path_.string(); }

    /// The next message, or nullopt if none comes within `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
            return std::nullopt;
        char buf[4096];
        auto const n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0)
            return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }
    /// Messages until one contains `what`; that one. Throws after `timeout`, with what came.
    std::string receive_until(std::string const& what, std::chrono::milliseconds timeout = 10s) {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        std::string seen;
        while (std::chrono::steady_clock::now() < deadline) {
            auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto m = receive(std::max(left, 1ms));
            if (m && m->find(what) != std::string::npos)
                return *m;
            if (m)
                seen += "[" + *m + "] ";
        }
        throw std::runtime_error("no '" + what + "' on the notify socket; got: " + seen);
    }
    /// Throws away what has arrived so far.
    void drain() {
        while (receive(0ms)) {
        }
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// sd_notify(3) messages are newline-separated VARIABLE=VALUE assignments.
std::vector<std::string> lines(std::string const& message) {
    std::vector<std::string> out;
    std::istringstream in(message);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

bool has_line(std::string const& message, std::string const& line) {
    auto const l = lines(message);
    return std::find(l.begin(), l.end(), line) != l.end();
}

// Opens session `id` and waits until a caption is acknowledged: on disk, in its journal.
void open_session(unsigned short port, std::string const& id) {
    ws_client c(port, "/ingest/" + id);
    c.send(R"({"type":"open","title":"notify test"})");
    c.receive_json(); // welcome
    c.send(R"({"type":"text","seq":1,"text":">> CHAIR: Good morning, everyone.\n"})");
    for (;;)
        if (c.receive_json().at("type") == "ack")
            break;
    c.close();
}

TEST(systemd_notify, ready_after_the_port_is_bound_then_status_watchdog_pings_and_stopping) {
    temp_dir dir;
    notify_socket manager(dir.path() / "notify");
    daemon_process d({.env = {{"NOTIFY_SOCKET", manager.path()},
                              {"WATCHDOG_USEC", "200000"},
                              {"WATCHDOG_PID", std::nullopt}}});

    // READY=1 is the first message, and by then the port it names accepts connections.
    auto const ready = manager.receive(10s);
    ASSERT_TRUE(ready) << d.process().output();
    EXPECT_TRUE(has_line(*ready, "READY=1")) << *ready;
    auto const port = std::to_string(d.port());
    EXPECT_TRUE(has_line(*ready, "STATUS=serving on 127.0.0.1:" + port + "; 0 live sessions"))
        << *ready;
    EXPECT_EQ(http_get(d.port(), "/healthz").status, 200u);

    // WATCHDOG=1 at half of WATCHDOG_USEC: every 100 ms. The median gap between pings is
    // robust to one late tick on a loaded machine.
    std::vector<std::chrono::steady_clock::time_point> pings;
    auto const start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < 1200ms)
        if (auto m = manager.receive(100ms); m && has_line(*m, "WATCHDOG=1"))
            pings.push_back(std::chrono::steady_clock::now());
    ASSERT_GE(pings.size(), 5u) << "too few watchdog pings";
    std::vector<std::chrono::milliseconds> gaps;
    for (std::size_t i = 1; i < pings.size(); ++i)
        gaps.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(pings[i] - pings[i - 1]));
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                     gaps.end());
    auto const median = gaps[gaps.size() / 2];
    EXPECT_GE(median, 70ms);
    EXPECT_LE(median, 150ms);

    // The status follows the live sessions.
    open_session(d.port(), "plenary");
    auto const status = manager.receive_until("; 1 live session", 5s);
    EXPECT_TRUE(has_line(status, "STATUS=serving on 127.0.0.1:" + port + "; 1 live session"))
        << status;

    // SIGTERM: STOPPING=1 with a status that says so, then a clean exit.
    EXPECT_EQ(d.stop(), 0) << d.process().output();
    auto const stopping = manager.receive_until("STOPPING=1", 1s);
    EXPECT_TRUE(has_line(stopping, "STATUS=stopping (signal 15): closing connections, syncing "
                                   "journals"))
        << stopping;
}

TEST(systemd_notify, ready_comes_after_the_journals_are_recovered) {
    temp_dir dir;
    notify_socket manager(dir.path() / "notify");
    daemon_process d({.env = {{"NOTIFY_SOCKET", manager.path()}}});
    open_session(d.port(), "plenary");
    d.kill();
    manager.drain();

    d.restart();
    auto const ready = manager.receive(10s);
    ASSERT_TRUE(ready) << d.process().output();
    EXPECT_TRUE(has_line(*ready, "READY=1")) << *ready;
    EXPECT_TRUE(has_line(*ready, "STATUS=serving on 127.0.0.1:" + std::to_string(d.port()) +
                                     "; 1 live session"))
        << *ready;
}

TEST(systemd_notify, no_watchdog_pings_when_watchdog_pid_names_another_process) {
    // sd_watchdog_enabled(3): WATCHDOG_USEC is for the process WATCHDOG_PID names, if set.
    temp_dir dir;
    notify_socket manager(dir.path() / "notify");
    daemon_process d({.env = {{"NOTIFY_SOCKET", manager.path()},
                              {"WATCHDOG_USEC", "100000"},
                              {"WATCHDOG_PID", std::to_string(::getpid())}}});
    auto const ready = manager.receive(10s);
    ASSERT_TRUE(ready) << d.process().output();
    EXPECT_TRUE(has_line(*ready, "READY=1")) << *ready;
    auto const start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < 600ms)
        if (auto m = manager.receive(100ms)) {
            EXPECT_FALSE(has_line(*m, "WATCHDOG=1")) << *m;
        }
}

} // namespace
} // namespace minuted::testing
