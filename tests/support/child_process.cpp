#include "tests/support/child_process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <regex>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char** environ;

namespace minuted::testing {

namespace {

// argv and envp of a child, built before fork: the child of a threaded process must not
// allocate.
struct exec_image {
    exec_image(std::vector<std::string> args, environment_changes const& env)
        : args_(std::move(args)) {
        for (char** e = environ; *e; ++e) {
            std::string_view const entry(*e);
            auto const name = entry.substr(0, entry.find('='));
            if (std::none_of(env.begin(), env.end(),
                             [&](auto const& c) { return c.first == name; }))
                environment_.emplace_back(entry);
        }
        for (auto const& [name, value] : env)
            if (value)
                environment_.push_back(name + "=" + *value);
        for (auto& a : args_)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        for (auto& e : environment_)
            envp.push_back(e.data());
        envp.push_back(nullptr);
    }

    std::vector<std::string> args_;
    std::vector<std::string> environment_;
    std::vector<char*> argv;
    std::vector<char*> envp;
};

struct pipe_ends {
    int read = -1;
    int write = -1;
};

pipe_ends make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    return {fds[0], fds[1]};
}

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Starts `image` with `in`, `out` and `err` as its standard streams (dup2 clears close-on-exec
// on the child's copies only). After fork only async-signal-safe calls.
pid_t spawn(exec_image& image, std::optional<run_as> const& as_user, int in, int out, int err) {
    auto const parent = ::getpid();
    pid_t const pid = ::fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the parent ended before prctl
            ::_exit(125);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (as_user && (::setgroups(0, nullptr) != 0 || ::setgid(as_user->gid) != 0 ||
                        ::setuid(as_user->uid) != 0))
            ::_exit(126);
        ::execve(image.argv[0], image.argv.data(), image.envp.data());
        ::_exit(127);
    }
    return pid;
}

int exit_code_of(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Feeds `input` to `in` and drains `out` and `err` together until both end or `deadline`.
// False if the deadline came first.
bool exchange(std::string_view input, int& in, int& out, int& err, child_result& result,
              std::chrono::steady_clock::time_point deadline) {
    ::fcntl(in, F_SETFL, O_NONBLOCK);
    if (input.empty())
        close_fd(in);
    std::array<char, 65536> buf{};
    while (out >= 0 || err >= 0) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        std::array<pollfd, 3> fds{pollfd{in, POLLOUT, 0}, pollfd{out, POLLIN, 0},
                                  pollfd{err, POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000))) <
                0 &&
            errno != EINTR)
            return true;
        if (in >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
            auto const n = ::write(in, input.data(), input.size());
            if (n > 0)
                input.remove_prefix(static_cast<std::size_t>(n));
            if (input.empty() || (n < 0 && errno != EAGAIN && errno != EINTR))
                close_fd(in); // done, or the child stopped reading (EPIPE)
        }
        auto const drain = [&](pollfd const& p, int& fd, std::string& to) {
            if (fd < 0 || !(p.revents & (POLLIN | POLLERR | POLLHUP)))
                return;
            auto const n = ::read(fd, buf.data(), buf.size());
            if (n > 0)
                to.append(buf.data(), static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                close_fd(fd);
        };
        drain(fds[1], out, result.out);
        drain(fds[2], err, result.err);
    }
    return true;
}

} // namespace

child_result run_child(std::vector<std::string> args, run_options const& options) {
    // A child that exits without reading its input must fail the write, not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    exec_image image(std::move(args), options.env);
    auto in = make_pipe();
    auto out = make_pipe();
    auto err = make_pipe();
    pid_t pid = -1;
    try {
        pid = spawn(image, {}, in.read, out.write, err.write);
    } catch (...) {
        for (int* fd : {&in.read, &in.write, &out.read, &out.write, &err.read, &err.write})
            close_fd(*fd);
        throw;
    }
    close_fd(in.read);
    close_fd(out.write);
    close_fd(err.write);

    child_result result;
    auto const deadline = std::chrono::steady_clock::now() + options.timeout;
    if (!exchange(options.input, in.write, out.read, err.read, result, deadline)) {
        result.timed_out = true;
        ::kill(pid, SIGKILL);
    }
    close_fd(in.write);
    close_fd(out.read);
    close_fd(err.read);

    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    result.max_rss_kb = usage.ru_maxrss;
    if (WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.term_signal = WTERMSIG(status);
    return result;
}

child_result run_minuted(std::vector<std::string> args, run_options const& options) {
    args.insert(args.begin(), MINUTED_BINARY);
    return run_child(std::move(args), options);
}

child_process::child_process(std::vector<std::string> args, child_options const& options) {
    exec_image image(std::move(args), options.env);
    auto out = make_pipe();
    int const null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    try {
        pid_ = spawn(image, options.as_user, null, out.write, out.write);
    } catch (...) {
        ::close(null);
        close_fd(out.read);
        close_fd(out.write);
        throw;
    }
    ::close(null);
    close_fd(out.write);
    // Read always, so that a full pipe never blocks the child.
    reader_ = std::thread([this, fd = out.read, limit = options.output_limit] {
        char buf[4096];
        for (;;) {
            auto const n = ::read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            std::lock_guard lock(mutex_);
            auto const room = limit - std::min(limit, output_.size());
            output_.append(buf, std::min(room, static_cast<std::size_t>(n)));
        }
        ::close(fd);
    });
}

child_process::~child_process() {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
    if (reader_.joinable())
        reader_.join();
}

void child_process::reaped(int status) {
    status_ = exit_code_of(status);
}

int child_process::wait() {
    if (!status_) {
        int st = 0;
        while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
        reaped(st);
    }
    if (reader_.joinable())
        reader_.join();
    return *status_;
}

std::optional<int> child_process::wait_for_exit(std::chrono::milliseconds timeout) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return wait();
}

bool child_process::running() {
    if (status_)
        return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_)
        return true;
    reaped(st);
    return false;
}

void child_process::signal(int sig) {
    if (!status_)
        ::kill(pid_, sig);
}

std::string child_process::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

std::string child_process::wait_for(std::string const& pattern,
                                    std::chrono::seconds timeout) const {
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

} // namespace minuted::testing
