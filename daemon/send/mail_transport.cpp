#include "daemon/send/mail_transport.hpp"

#include "daemon/net/tls.hpp"
#include "daemon/send/mail_message.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace minuted::daemon {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;

namespace {

struct smtp_reply {
    int code = 0;
    std::string text; // its lines, without the codes, joined by spaces
};

// Longest reply line read; a relay sending more is not one.
constexpr std::size_t max_reply_line = 4096;

// One SMTP conversation: plain TCP, then TLS after STARTTLS.
class smtp_session {
public:
    smtp_session(net::any_io_executor ex, std::shared_ptr<ssl::context> ctx,
                 std::chrono::milliseconds timeout)
        : ctx_(std::move(ctx)), stream_(ex, *ctx_), timeout_(timeout) {}

    net::awaitable<void> connect(std::string const& host, std::uint16_t port) {
        net::ip::tcp::resolver resolver(co_await net::this_coro::executor);
        auto const endpoints =
            co_await resolver.async_resolve(host, std::to_string(port), net::use_awaitable);
        stream_.next_layer().expires_after(timeout_);
        co_await stream_.next_layer().async_connect(endpoints, net::use_awaitable);
    }

    net::awaitable<void> start_tls(std::string const& host) {
        if (!SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()))
            throw std::runtime_error("cannot set TLS server name " + host);
        stream_.set_verify_callback(ssl::host_name_verification(host));
        stream_.next_layer().expires_after(timeout_);
        co_await stream_.async_handshake(ssl::stream_base::client, net::use_awaitable);
        tls_ = true;
        in_.clear();
    }

    net::awaitable<smtp_reply> command(std::string const& line) {
        co_await write(line + "\r\n");
        co_return co_await read();
    }

    // `what` names the command in the error if the reply's code is not `expected`'s class.
    net::awaitable<smtp_reply> expect(std::string const& line, int expected,
                                      std::string const& what) {
        auto reply = co_await command(line);
        if (reply.code / 100 != expected / 100)
            throw std::runtime_error(what + ": " + std::to_string(reply.code) + " " + reply.text);
        co_return reply;
    }

    net::awaitable<void> write(std::string const& bytes) {
        stream_.next_layer().expires_after(timeout_);
        if (tls_)
            co_await net::async_write(stream_, net::buffer(bytes), net::use_awaitable);
        else
            co_await net::async_write(stream_.next_layer(), net::buffer(bytes), net::use_awaitable);
    }

    net::awaitable<smtp_reply> read() {
        smtp_reply reply;
        for (;;) {
            stream_.next_layer().expires_after(timeout_);
            auto buffer = net::dynamic_buffer(in_, max_reply_line);
            auto const n =
                tls_ ? co_await net::async_read_until(stream_, buffer, "\r\n", net::use_awaitable)
                     : co_await net::async_read_until(stream_.next_layer(), buffer, "\r\n",
                                                      net::use_awaitable);
            auto const line = in_.substr(0, n - 2);
            in_.erase(0, n);
            if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
                !std::isdigit(static_cast<unsigned char>(line[1])) ||
                !std::isdigit(static_cast<unsigned char>(line[2])))
                throw std::runtime_error("the relay's answer is not SMTP: " + line.substr(0, 80));
            reply.code = std::stoi(line.substr(0, 3));
            if (line.size() > 4)
                reply.text += (reply.text.empty() ? "" : " ") + line.substr(4);
            if (line.size() == 3 || line[3] != '-')
                co_return reply;
            if (reply.text.size() > 64 * 1024)
                throw std::runtime_error("the relay's answer is too long");
        }
    }

private:
    std::shared_ptr<ssl::context> ctx_;
    ssl::stream<beast::tcp_stream> stream_;
    std::chrono::milliseconds timeout_;
    bool tls_ = false;
    std::string in_;
};

std::string ehlo_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    std::string host(name);
    bool const clean = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '.';
    });
    return clean ? host : "localhost";
}

// A capability the relay's EHLO reply names (its lines joined by spaces).
bool offers(smtp_reply const& ehlo, std::string_view capability) {
    auto const& t = ehlo.text;
    for (auto at = t.find(capability); at != std::string::npos; at = t.find(capability, at + 1)) {
        bool const starts = at == 0 || t[at - 1] == ' ';
        bool const ends = at + capability.size() == t.size() || t[at + capability.size()] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

// DATA's content: a line starting with '.' gets one more (RFC 5321 4.5.2), then the end mark.
std::string dot_stuffed(std::string const& message) {
    std::string out;
    out.reserve(message.size() + 64);
    bool line_start = true;
    for (char c : message) {
        if (line_start && c == '.')
            out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!out.ends_with("\r\n"))
        out += "\r\n";
    return out + ".\r\n";
}

// The whole conversation, from the greeting to QUIT.
net::awaitable<void> converse(smtp_session& s, config::mail_settings const& m,
                              std::string const& message) {
    co_await s.connect(m.smtp_host, m.smtp_port);
    if (auto const greeting = co_await s.read(); greeting.code != 220)
        throw std::runtime_error("the relay's greeting: " + std::to_string(greeting.code) + " " +
                                 greeting.text);
    auto const name = ehlo_name();
    auto ehlo = co_await s.expect("EHLO " + name, 250, "EHLO");
    bool const tls_offered = offers(ehlo, "STARTTLS");
    if (m.starttls == config::starttls_mode::require && !tls_offered)
        throw std::runtime_error("the relay does not offer STARTTLS, and mail.starttls is "
                                 "\"require\"");
    if (m.starttls != config::starttls_mode::off && tls_offered) {
        co_await s.expect("STARTTLS", 220, "STARTTLS");
        co_await s.start_tls(m.smtp_host);
        ehlo = co_await s.expect("EHLO " + name, 250, "EHLO");
    }
    if (!m.username.empty()) {
        // Only reached with starttls = "require" (config): the password never goes in clear.
        auto const credentials = std::string(1, '\0') + m.username + '\0' + m.password;
        co_await s.expect("AUTH PLAIN " + base64(credentials), 235, "AUTH PLAIN");
    }
    co_await s.expect("MAIL FROM:<" + m.from + ">", 250, "MAIL FROM");
    for (auto const& to : m.to)
        co_await s.expect("RCPT TO:<" + to + ">", 250, "RCPT TO " + to);
    co_await s.expect("DATA", 354, "DATA");
    co_await s.write(dot_stuffed(message));
    if (auto const done = co_await s.read(); done.code != 250)
        throw std::runtime_error("the relay refused the message: " + std::to_string(done.code) +
                                 " " + done.text);
    try {
        co_await s.command("QUIT");
    } catch (std::exception const&) {
        // Taken already: a relay that hangs up without answering QUIT has the message.
    }
}

} // namespace

net::awaitable<void> send_smtp(config::mail_settings const& m, std::string const& message,
                               std::chrono::milliseconds timeout) {
    auto ctx = m.starttls == config::starttls_mode::off
                   ? std::make_shared<ssl::context>(ssl::context::tls_client)
                   : load_client_tls(m.ca_file);
    // On the heap, the conversation a coroutine of its own: GCC 12 takes a frame holding the
    // session for a mismatched delete.
    auto const session =
        std::make_unique<smtp_session>(co_await net::this_coro::executor, std::move(ctx), timeout);
    co_await converse(*session, m, message);
}

void run_sendmail(std::string const& program, std::string const& message,
                  std::chrono::milliseconds timeout) {
    int sv[2];
    // A socket rather than a pipe: a sendmail that exits early makes the write fail with
    // EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE in the daemon.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
    std::string arg0 = program, t = "-t", oi = "-oi";
    char* argv[] = {arg0.data(), t.data(), oi.data(), nullptr};
    pid_t pid = 0;
    auto const spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(sv[1]);
    if (spawned != 0) {
        ::close(sv[0]);
        throw std::runtime_error(program + ": " + std::strerror(spawned));
    }
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string text;
    text.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i)
        if (!(message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n'))
            text += message[i];
    for (std::size_t sent = 0; sent < text.size();) {
        auto const n = ::send(sv[0], text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; // its exit status says why
        sent += static_cast<std::size_t>(n);
    }
    ::close(sv[0]);
    int status = 0;
    auto const until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto const done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            throw std::runtime_error(program + ": " + std::strerror(errno));
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            throw std::runtime_error(program + " did not finish within " +
                                     std::to_string(timeout.count()) + " ms");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    throw std::runtime_error(program +
                             (WIFEXITED(status)
                                  ? " exited with status " + std::to_string(WEXITSTATUS(status))
                                  : " was killed by signal " + std::to_string(WTERMSIG(status))));
}

} // namespace minuted::daemon
