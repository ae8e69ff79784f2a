#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace minuted::testing {

struct daemon_options {
    /// The config file's text, written to DIR/minuted.toml and given with --config; no config
    /// file if empty.
    std::string config = {};
    /// More arguments after `serve --listen 127.0.0.1:0 --state-dir DIR/state` (a later
    /// --listen or --state-dir wins).
    std::vector<std::string> args = {};
    /// The binary to run: the minuted built with the tests, or another one a benchmark compares.
    std::string binary = MINUTED_BINARY;
    environment_changes env = {};
    /// Runs it as this user (the test must run as root); DIR is then readable by all.
    std::optional<run_as> as_user = {};
    /// Given the state directory to fill before the daemon first starts (an archive, say).
    std::function<void(std::filesystem::path const& state_dir)> prepare = {};
    /// Keeps only the first this many bytes of its log.
    std::size_t output_limit = std::numeric_limits<std::size_t>::max();
    /// How long `stop` waits after SIGTERM before it sends SIGKILL.
    std::chrono::seconds stop_timeout = std::chrono::seconds(60);
};

/// `minuted serve` on 127.0.0.1, on a port the kernel chooses, with its own state directory
/// in a fresh temporary directory DIR (removed by the destructor). The port is read from its
/// `listening on` line. Throws if it has not said it within 20 s. The destructor stops it.
/// tests/run-tsan's MINUTED_TEST_SERVER_THREADS, if set, is given as --threads.
class daemon_process {
public:
    explicit daemon_process(daemon_options options = {});
    daemon_process(daemon_process const&) = delete;
    daemon_process& operator=(daemon_process const&) = delete;
    ~daemon_process();

    /// Starts it (again) with the same state directory and config; the port is a new one.
    void restart();
    /// SIGKILL, as a crash or a power cut would stop it (but with the disk's cache kept).
    void kill();
    /// SIGTERM, then waits for the daemon to exit (SIGKILL after `stop_timeout`); its exit code.
    int stop();
    /// Replaces the config file and sends SIGHUP; returns at once.
    void reload(std::string const& config_text);

    unsigned short port() const { return port_; }
    pid_t pid() const { return process_->pid(); }
    std::filesystem::path config_path() const { return dir_ / "minuted.toml"; }
    std::filesystem::path state_dir() const { return dir_ / "state"; }
    child_process& process() { return *process_; }
    /// ws://127.0.0.1:PORT`path`.
    std::string url(std::string const& path) const;
    /// Its log lines at warning level or above.
    std::vector<std::string> complaints() const;

private:
    void write_config(std::string const& text) const;

    temp_dir dir_;
    daemon_options options_;
    std::vector<std::string> args_;
    std::optional<child_process> process_;
    unsigned short port_ = 0;
};

} // namespace minuted::testing
