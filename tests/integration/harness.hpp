#pragma once

// Runs the real minuted binary as a child process and talks to it over loopback with real
// HTTP and WebSocket clients (Beast, synchronous). The clients are compiled once, in
// harness.cpp: every test file includes this one.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <grp.h>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace minuted::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

/// A temporary directory removed with its contents.
class temp_dir {
public:
    temp_dir() {
        std::string templ =
            (std::filesystem::temp_directory_path() / "minuted-test-XXXXXX").string();
        path_ = ::mkdtemp(templ.data());
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::filesystem::path const& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// Changes to a child's environment: each variable set to a value, or unset if nullopt.
using environment_changes = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// A child process whose standard output and error are collected.
class child_process {
public:
    /// Runs `args`; as the user `as_user` (uid and gid) if given, which needs root; with this
    /// process's environment changed by `env`.
    explicit child_process(std::vector<std::string> args,
                           std::optional<std::pair<uid_t, gid_t>> as_user = {},
                           environment_changes const& env = {}) {
        // Built before fork: the child of a threaded process must not allocate.
        std::vector<std::string> environment;
        for (char** e = environ; *e; ++e) {
            std::string_view const entry(*e);
            auto const name = entry.substr(0, entry.find('='));
            if (std::none_of(env.begin(), env.end(),
                             [&](auto const& c) { return c.first == name; }))
                environment.emplace_back(entry);
        }
        for (auto const& [name, value] : env)
            if (value)
                environment.push_back(name + "=" + *value);
        std::vector<char*> envp;
        for (auto& e : environment)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::dup2(out[1], 2);
            if (as_user && (::setgroups(0, nullptr) != 0 || ::setgid(as_user->second) != 0 ||
                            ::setuid(as_user->first) != 0))
                ::_exit(126);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(out[1]);
        reader_ = std::thread([this, fd = out[0]] {
            char buf[4096];
            for (;;) {
                auto const n = ::read(fd, buf, sizeof buf);
                if (n <= 0)
                    break;
                std::lock_guard lock(mutex_);
                output_.append(buf, static_cast<std::size_t>(n));
            }
            ::close(fd);
        });
    }
    child_process(child_process const&) = delete;
    ~child_process() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (reader_.joinable())
            reader_.join();
    }

    /// Waits for the process to exit; its exit code (128 + signal if killed).
    int wait() {
        if (!status_) {
            int st = 0;
            ::waitpid(pid_, &st, 0);
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (reader_.joinable())
                reader_.join();
        }
        return *status_;
    }
    /// Whether the process has not exited yet. One that has is reaped, and `wait` returns its
    /// exit code.
    bool running() {
        if (status_)
            return false;
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) != pid_)
            return true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return false;
    }
    /// Sends `sig`, unless the process was waited for: its pid may be another's by now.
    void signal(int sig) {
        if (!status_)
            ::kill(pid_, sig);
    }
    pid_t pid() const { return pid_; }

    std::string output() const {
        std::lock_guard lock(mutex_);
        return output_;
    }

    /// Waits until the output matches `pattern`; its first group, or throws after `timeout`.
    std::string wait_for(std::string const& pattern,
                         std::chrono::seconds timeout = std::chrono::seconds(20)) const {
        std::regex const re(pattern);
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            auto const text = output();
            if (std::regex_search(text, m, re))
                return m.size() > 1 ? m[1].str() : m[0].str();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("timed out waiting for /" + pattern + "/ in:\n" + output());
    }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
};

/// Runs the minuted binary with `args` to completion; exit code and output.
inline std::pair<int, std::string> run_minuted(std::vector<std::string> args) {
    args.insert(args.begin(), MINUTED_BINARY);
    child_process p(std::move(args));
    auto const code = p.wait();
    return {code, p.output()};
}

/// `minuted serve` on 127.0.0.1 with a free port and its own state directory.
class daemon_process {
public:
    explicit daemon_process(std::vector<std::string> extra = {},
                            std::string const& config_text = {},
                            std::optional<std::pair<uid_t, gid_t>> as_user = {},
                            environment_changes env = {})
        : as_user_(as_user), env_(std::move(env)) {
        if (as_user) // the daemon reads its config from here
            std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
        std::vector<std::string> args{MINUTED_BINARY, "serve",
                                      "--listen",     "127.0.0.1:0",
                                      "--state-dir",  (dir_.path() / "state").string()};
        if (!config_text.empty()) {
            write_config(config_text);
            args.insert(args.begin() + 2, {"--config", config_path().string()});
        }
        // tests/run-tsan runs the daemon on more io threads than the machine has cores.
        if (auto const* threads = std::getenv("MINUTED_TEST_SERVER_THREADS"))
            args.insert(args.end(), {"--threads", threads});
        args.insert(args.end(), extra.begin(), extra.end());
        args_ = std::move(args);
        restart();
    }
    ~daemon_process() { stop(); }
    /// Starts it (again) with the same state directory and config; the port is a new one.
    void restart() {
        process_.reset();
        process_.emplace(args_, as_user_, env_);
        port_ = static_cast<unsigned short>(
            std::stoi(process_->wait_for(R"(listening on https?://\S+:(\d+))")));
    }
    /// SIGKILL, as a crash or a power cut would stop it (but with the disk's cache kept).
    void kill() {
        process_->signal(SIGKILL);
        process_->wait();
    }
    /// SIGTERM, then waits for the daemon to exit; its exit code.
    int stop() {
        process_->signal(SIGTERM);
        return process_->wait();
    }
    /// Replaces the config file (given at start) and sends SIGHUP; returns at once.
    void reload(std::string const& config_text) {
        write_config(config_text);
        process_->signal(SIGHUP);
    }
    unsigned short port() const { return port_; }
    std::filesystem::path config_path() const { return dir_.path() / "minuted.toml"; }
    std::filesystem::path state_dir() const { return dir_.path() / "state"; }
    child_process& process() { return *process_; }
    std::string url(std::string const& path) const {
        return "ws://127.0.0.1:" + std::to_string(port_) + path;
    }

private:
    void write_config(std::string const& text) const {
        auto const temp = config_path().string() + ".new"; // renamed: never read half-written
        std::FILE* f = std::fopen(temp.c_str(), "w");
        std::fputs(text.c_str(), f);
        std::fclose(f);
        std::filesystem::rename(temp, config_path());
    }

    temp_dir dir_;
    std::vector<std::string> args_;
    std::optional<std::pair<uid_t, gid_t>> as_user_;
    environment_changes env_;
    std::optional<child_process> process_;
    unsigned short port_ = 0;
};

struct http_result {
    unsigned status = 0;
    std::string body;
    http::fields headers;
};

http_result http_request(unsigned short port, http::verb verb, std::string const& target,
                         std::string body = {}, http::fields const& extra = {});

/// A request over TLS to 127.0.0.1:`port`, the daemon's certificate verified against the CAs in
/// `ca_file` (the system's if empty) and the name 127.0.0.1. Throws if the handshake fails.
http_result https_request(unsigned short port, std::string const& ca_file, http::verb verb,
                          std::string const& target);

inline http_result http_get(unsigned short port, std::string const& target) {
    return http_request(port, http::verb::get, target);
}

/// Waits until GET /api/sessions says the session ended; the name of its archive folder
/// ("" if it could not be archived). Throws after `timeout`.
std::string wait_archived(unsigned short port, std::string const& id,
                          std::chrono::seconds timeout = std::chrono::seconds(60));

/// The value of a counter or gauge in GET /metrics; `name` may carry labels
/// (`minuted_limit_hits_total{limit="body"}`).
inline std::uint64_t metric(unsigned short port, std::string const& name) {
    auto const text = http_get(port, "/metrics").body;
    auto const at = text.find("\n" + name + " ");
    if (at == std::string::npos)
        throw std::runtime_error("no metric " + name);
    return std::stoull(text.substr(at + name.size() + 2));
}

/// The value of a metric once it is at least `at_least`, or after `timeout` whatever it is: what
/// the daemon counts as a connection ends, say, comes just after the client saw it end.
inline std::uint64_t metric_reaching(unsigned short port, std::string const& name,
                                     std::uint64_t at_least,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto const value = metric(port, name);
        if (value >= at_least || std::chrono::steady_clock::now() >= deadline)
            return value;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

/// A synchronous WebSocket client.
class ws_client {
public:
    /// Connects to 127.0.0.1:`port` and opens `target`; throws if the handshake fails. With
    /// `tls_ca_file`, over TLS (wss://), the daemon's certificate verified against those CAs.
    ws_client(unsigned short port, std::string const& target,
              std::optional<std::string> const& tls_ca_file = {});
    ~ws_client();
    ws_client(ws_client const&) = delete;
    ws_client& operator=(ws_client const&) = delete;

    void send(std::string const& text);
    void send_binary(std::string const& data);
    /// The next message, or nullopt when the connection closed (see `close_reason`).
    std::optional<std::string> receive();
    boost::json::object receive_json();
    websocket::close_reason const& close_reason() const;
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// A subscriber's view: a snapshot with updates merged in, as a viewer keeps it.
class merged_view {
public:
    /// Applies one /live message; false if it breaks the rev sequence.
    bool apply(boost::json::object const& m) {
        auto const rev = m.at("rev").to_number<std::uint64_t>();
        if (m.at("type") == "snapshot") {
            state_ = m;
            state_.erase("type");
            rev_ = rev;
            ++snapshots;
            return true;
        }
        if (rev != rev_ + 1)
            return false;
        rev_ = rev;
        state_["rev"] = rev;
        for (auto const* key :
             {"title", "chair", "chairs", "ended", "words", "summary", "pending", "seq"})
            if (auto const* v = m.if_contains(key))
                state_[key] = *v;
        return merge(m, "utterances", "id") && merge(m, "participants", "id") &&
               merge(m, "agenda", "n");
    }
    boost::json::object const& state() const { return state_; }
    std::uint64_t rev() const { return rev_; }
    bool ended() const { return state_.contains("ended") && state_.at("ended").as_bool(); }
    int snapshots = 0;

private:
    // False if an utterance's text changes from further on than the text it has.
    bool merge(boost::json::object const& m, char const* key, char const* index_key) {
        auto const* list = m.if_contains(key);
        if (!list)
            return true;
        auto& target = state_[key].as_array();
        for (auto const& item : list->as_array()) {
            auto i = item.at(index_key).to_number<std::size_t>();
            if (std::string_view(index_key) == "n")
                --i;
            if (i >= target.size())
                target.resize(i + 1);
            auto const* from = item.as_object().if_contains("from");
            if (!from) {
                target[i] = item;
                continue;
            }
            // Only what changed: the text from the UTF-16 offset `from` on is `tail`.
            if (!target[i].is_object())
                return false;
            auto& u = target[i].as_object();
            std::string_view const text = u.at("text").as_string();
            auto const units = from->to_number<std::size_t>();
            auto const cut = utf8_bytes_of_utf16_prefix(text, units);
            if (utf16_units(text.substr(0, cut)) != units)
                return false;
            std::string next(text.substr(0, cut));
            next += item.at("tail").as_string();
            for (auto const& [k, v] : item.as_object())
                if (k != "from" && k != "tail")
                    u[k] = v;
            u["text"] = next;
        }
        return true;
    }
    // What a JavaScript viewer counts: UTF-16 code units.
    static std::size_t utf16_units(std::string_view utf8) {
        std::size_t n = 0;
        for (char const c : utf8) {
            auto const b = static_cast<unsigned char>(c);
            n += (b & 0xC0) == 0x80 ? 0 : b >= 0xF0 ? 2 : 1;
        }
        return n;
    }
    // Bytes of `utf8` holding its first `units` UTF-16 code units (JavaScript's slice(0, units)).
    static std::size_t utf8_bytes_of_utf16_prefix(std::string_view utf8, std::size_t units) {
        std::size_t i = 0;
        for (std::size_t n = 0; i < utf8.size() && n < units;) {
            auto const b = static_cast<unsigned char>(utf8[i]);
            n += b >= 0xF0 ? 2 : 1;
            i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        }
        return std::min(i, utf8.size());
    }
    boost::json::object state_;
    std::uint64_t rev_ = 0;
};

/// Where two JSON values first differ, as a path ("agenda[2].title"), or "" if equal.
inline std::string first_difference(boost::json::value const& a, boost::json::value const& b,
                                    std::string path = "") {
    if (a == b)
        return {};
    if (a.is_object() && b.is_object()) {
        for (auto const& [k, v] : a.as_object()) {
            auto const* w = b.as_object().if_contains(k);
            if (!w)
                return path + "." + std::string(k) + " (missing on the right)";
            if (auto d = first_difference(v, *w, path + "." + std::string(k)); !d.empty())
                return d;
        }
        return path + " (keys missing on the left)";
    }
    if (a.is_array() && b.is_array()) {
        auto const& x = a.as_array();
        auto const& y = b.as_array();
        for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
            if (auto d = first_difference(x[i], y[i], path + "[" + std::to_string(i) + "]");
                !d.empty())
                return d;
        return path + " (sizes " + std::to_string(x.size()) + " and " + std::to_string(y.size()) +
               ")";
    }
    return path + ": " + boost::json::serialize(a) + " vs " + boost::json::serialize(b);
}

/// The parts of a snapshot two viewers must agree on.
inline boost::json::object comparable(boost::json::object s) {
    s.erase("type");
    s.erase("session");
    return s;
}

} // namespace minuted::testing
