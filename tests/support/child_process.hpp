#pragma once

// Other programs, mostly the minuted binary built with the tests, run as child processes:
// either to completion (run_child, run_minuted) or alongside the test (child_process).

#include <chrono>
#include <cstddef>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <utility>
#include <vector>

namespace minuted::testing {

/// Changes to a child's environment: each variable set to a value, or unset if nullopt.
using environment_changes = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// A user and group to run a child as (needs root).
struct run_as {
    uid_t uid;
    gid_t gid;
};

/// What a child that ran to completion left behind.
struct child_result {
    int exit_code = -1;  ///< -1 when it was killed by a signal
    int term_signal = 0; ///< the signal that killed it, or 0
    bool timed_out = false;
    std::string out;     ///< its standard output
    std::string err;     ///< its standard error
    long max_rss_kb = 0; ///< its peak resident set size

    /// Standard output, then standard error: for checks that do not care which says it.
    std::string output() const { return out + err; }
};

struct run_options {
    /// Written to its standard input, which is then closed (closed at once if empty).
    std::string_view input = {};
    /// Killed with SIGKILL after this long (and `timed_out` set).
    std::chrono::seconds timeout = std::chrono::seconds(300);
    environment_changes env = {};
};

/// Runs `args` (args[0] the program's path) to completion, feeding its standard input and
/// reading its standard output and error together, so that no pipe fills up. Throws if it
/// cannot be started.
child_result run_child(std::vector<std::string> args, run_options const& options = {});

/// run_child of the minuted binary built with the tests, with `args` after its name.
child_result run_minuted(std::vector<std::string> args, run_options const& options = {});

struct child_options {
    environment_changes env = {};
    /// Runs it as this user (the test must run as root).
    std::optional<run_as> as_user = {};
    /// Keeps only the first this many bytes of its output (a benchmark's daemon logs a lot).
    std::size_t output_limit = std::numeric_limits<std::size_t>::max();
};

/// A child process running alongside the test, its standard output and error read together
/// into one text on a thread of their own. It gets SIGKILL when the thread that started it
/// ends (PR_SET_PDEATHSIG), so a test that crashes leaves no daemon behind, and from the
/// destructor if it is still running. Throws if it cannot be started.
class child_process {
public:
    explicit child_process(std::vector<std::string> args, child_options const& options = {});
    child_process(child_process const&) = delete;
    child_process& operator=(child_process const&) = delete;
    ~child_process();

    /// Waits for the process to exit; its exit code (128 + signal if killed).
    int wait();
    /// Waits up to `timeout` for the process to exit; its exit code, or nullopt if it still runs.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
    /// Whether the process has not exited yet. One that has is reaped, and `wait` returns its
    /// exit code.
    bool running();
    /// Sends `sig`, unless the process was waited for: its pid may be another's by now.
    void signal(int sig);
    pid_t pid() const { return pid_; }

    /// All it has written so far.
    std::string output() const;
    /// Waits until the output matches the regular expression `pattern`; its first group (or
    /// the whole match if it has none). Throws after `timeout`, with the output.
    std::string wait_for(std::string const& pattern,
                         std::chrono::seconds timeout = std::chrono::seconds(20)) const;

private:
    void reaped(int status);

    pid_t pid_ = -1;
    std::optional<int> status_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
};

} // namespace minuted::testing
