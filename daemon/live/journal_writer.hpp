#pragma once

#include "daemon/metrics.hpp"
#include "protocol/journal.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

namespace minuted::daemon {

using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

/// A byte position in a journal: everything appended before it.
using journal_position = std::uint64_t;

/// A session's journal file, appended to with group commit. Records are appended on the
/// session's strand into memory; a commit writes and fsyncs them on the `disk` executor (so no
/// network thread waits for the disk) at most once per `commit_interval`, and every record that
/// arrived meanwhile shares that fsync. `when_durable` tells the session when a record is on
/// disk, so it acknowledges nothing a crash could lose.
///
/// When the file cannot be created, written or synced (disk full, read-only state directory)
/// the journal is `failed()`: the unwritten bytes are kept, nothing is reported durable, and the
/// commit is retried every second until it works. Every member function runs on `strand`.
class journal_writer : public std::enable_shared_from_this<journal_writer> {
public:
    journal_writer(strand_type strand, boost::asio::any_io_executor disk,
                   std::filesystem::path path, std::chrono::milliseconds commit_interval,
                   metrics& counters);
    ~journal_writer();
    journal_writer(journal_writer const&) = delete;
    journal_writer& operator=(journal_writer const&) = delete;

    /// A journal whose first `size` bytes are already on disk (a recovered session's).
    void adopt_existing(journal_position size);

    /// Appends `r`; returns the position after it. The commit is started or scheduled.
    journal_position append(protocol::journal_record const& r);
    journal_position appended() const noexcept { return appended_; }
    journal_position durable() const noexcept { return durable_; }
    /// Calls `done(true)` on the strand once everything before `p` is on disk (at once if it
    /// is), or `done(false)` if a commit fails first: the bytes are kept and retried, and a
    /// caller that wants to wait for the retry asks again.
    void when_durable(journal_position p, std::function<void(bool)> done);

    /// Why the journal cannot be written at the moment; empty while it works.
    std::string const& failure() const noexcept { return failure_; }
    /// `failure()`, for any thread (the daemon's readiness check).
    std::string failure_now() const;
    std::filesystem::path const& path() const noexcept { return path_; }

    /// For the daemon's exit, once no thread runs the strand or the disk executor any more:
    /// writes and syncs whatever is still in memory, then closes the file. Returns false (and
    /// logs) if that failed.
    bool flush_at_exit();
    /// Closes the file (after the last record is durable) so it can be moved into the archive.
    /// Runs on the disk executor; the journal takes no more appends.
    void close_file();

private:
    struct batch {
        std::string bytes;
        std::size_t written = 0;    ///< how much of `bytes` the file already holds
        journal_position start = 0; ///< where `bytes` begin in the file: all before is durable
        journal_position end = 0;
        /// Cut the file back to `start` and write all of `bytes` again: after a failed write
        /// or fsync (whose pages the kernel may have dropped), and when the file is first
        /// opened (a recovered journal may hold a torn tail past `start`).
        bool rewrite = true;
    };

    void schedule();
    /// Moves what was appended into the batch to commit (a new one, or the failed one).
    void cut_batch();
    void start_commit();
    void on_commit(std::error_code ec);
    /// On the disk executor: opens the file if needed, writes the rest of `b`, fsyncs.
    std::error_code write_and_sync(batch& b);
    void set_failure_now(std::string const& failure);

    strand_type strand_;
    boost::asio::any_io_executor disk_;
    std::filesystem::path path_;
    std::chrono::milliseconds interval_;
    metrics& metrics_;
    boost::asio::steady_timer timer_;

    // Touched by the disk executor while `committing_`, and otherwise only once no commit can
    // start again (the end is durable, or no thread runs).
    int fd_ = -1;
    std::shared_ptr<batch> batch_; // in flight, or failed and waiting for the retry
    std::string pending_;          // appended since the batch was cut
    journal_position appended_ = 0;
    journal_position durable_ = 0;
    bool committing_ = false;
    bool timer_armed_ = false;
    std::chrono::steady_clock::time_point last_commit_{};
    std::string failure_;
    mutable std::mutex failure_now_mutex_;
    std::string failure_now_; // failure_, for other threads
    std::multimap<journal_position, std::function<void(bool)>> waiters_;
};

} // namespace minuted::daemon
