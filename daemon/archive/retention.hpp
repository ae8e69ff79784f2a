#pragma once

#include "config/config.hpp"
#include "daemon/archive/archive_index.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace minuted::daemon {

/// How much of the archive is kept: `[archive] max_age_days` and `max_megabytes`.
struct retention_policy {
    std::chrono::days max_age{0};    ///< meetings that ended longer ago are removed; 0: none
    std::uint64_t max_megabytes = 0; ///< of meeting folders, in MiB (1,048,576 bytes); 0: none

    static retention_policy from(config::settings const& s);
    bool is_limited() const { return max_age.count() > 0 || max_megabytes > 0; }
};

/// One archived meeting as retention sees it: a folder directly under the archive directory,
/// its name not starting with '.', holding a state.json.
struct archived_meeting {
    std::string archive; ///< the folder's name
    /// state.json's "archived": {"ended"}, or the folder's modification time if that cannot
    /// be read.
    std::chrono::sys_time<std::chrono::milliseconds> ended;
    std::uint64_t bytes = 0; ///< the sizes of its files, added up
};

enum class retention_reason {
    too_old,  ///< ended more than max_age ago
    over_size ///< among the oldest while the archive is above max_megabytes
};

/// "older than 30 days" or "archive above 500 MB": why `policy` removes a meeting.
std::string reason_text(retention_reason reason, retention_policy const& policy);

/// "1.5 MB" (MiB, as max_megabytes counts them), "12 KB" or "300 bytes", for logs and output.
std::string size_text(std::uint64_t bytes);

struct retention_removal {
    archived_meeting meeting;
    retention_reason reason;
};

/// What `policy` removes from `meetings` at `now`.
struct retention_plan {
    std::vector<retention_removal> removals; ///< oldest first
    /// The newest meeting, if it alone is above max_megabytes. It is kept all the same:
    /// retention never removes the meeting that ended last for size.
    std::optional<archived_meeting> newest_over_limit;
};

/// Decides without touching anything: first every meeting that ended more than `max_age`
/// before `now`; then, while the rest add up to more than `max_megabytes`, the oldest of them
/// by end time, never the newest. Pure.
retention_plan plan_retention(std::vector<archived_meeting> meetings,
                              retention_policy const& policy,
                              std::chrono::system_clock::time_point now);

enum class prune_mode {
    remove, ///< remove what the policy says
    dry_run ///< only report what would go
};

/// What one pass of `enforce_retention` did (or, in a dry run, would do).
struct retention_report {
    std::vector<retention_removal> removed; ///< oldest first
    std::uint64_t bytes_freed = 0;
    std::size_t meetings_kept = 0; ///< including any that could not be removed
    std::uint64_t bytes_kept = 0;
    /// ".deleting-" folders an interrupted deletion left, removed at the start of the pass.
    std::vector<std::string> leftovers;
    std::size_t failures = 0; ///< meetings or leftovers that could not be removed, each logged
};

/// Enforces `policy` on `archive_dir` (STATE_DIR/archive) at `now`, blocking until done.
///
/// Meetings are archived_meeting folders; anything else there is left alone and not counted
/// towards max_megabytes: index.sqlite and its -wal and -shm files, folders without a
/// state.json (an archive being written), names starting with '.'. A meeting is removed from
/// `index` first (null: search is unavailable, there is nothing to keep in step), then its
/// folder is renamed to ".deleting-{name}" and that is removed, so a crash part-way leaves
/// no half meeting for index_missing() to index again; such leftovers are removed at the
/// start of the next pass.
///
/// Logs one info line per removed meeting (name, age, why). Never throws: a meeting that
/// cannot be removed (permissions, an index that cannot be written) is logged as an error,
/// counted in `failures`, kept, and tried again at the next pass; no other meeting is removed
/// in its place. Safe while the daemon archives new meetings into the same directory.
retention_report enforce_retention(std::filesystem::path const& archive_dir, archive_index* index,
                                   retention_policy const& policy,
                                   std::chrono::system_clock::time_point now,
                                   prune_mode mode = prune_mode::remove);

/// Retention running in the daemon, started by start_retention(). Owns its timer: destroying
/// it (or stop()) cancels the timer, and waits for a pass running on another thread to
/// finish, so once it is gone nothing touches the index or the archive directory any more.
/// Destroy it before the executor's io_context and before the index it was given.
class archive_retention {
public:
    archive_retention() = default;
    archive_retention(archive_retention&&) noexcept = default;
    archive_retention& operator=(archive_retention&& other) noexcept;
    ~archive_retention();

    /// Stops it now instead of at destruction. Thread-safe; does nothing the second time.
    void stop() noexcept;

private:
    struct state;
    explicit archive_retention(std::shared_ptr<state> s) : state_(std::move(s)) {}
    friend archive_retention start_retention(boost::asio::any_io_executor, config::settings const&,
                                             archive_index*, std::chrono::steady_clock::duration);

    std::shared_ptr<state> state_;
};

/// Enforces `settings`' [archive] limits on settings.state_dir/archive: one pass posted to
/// `executor` at once (which also removes leftovers of interrupted deletions, limits or not),
/// then, while a limit is set, one every `interval`, each on a strand of `executor`.
///
/// A pass blocks the thread that runs it while it reads every state.json and removes folders:
/// milliseconds for a small archive, seconds for thousands of meetings. Give it an executor
/// whose threads may wait (a boost::asio::thread_pool of one thread) to keep it off the
/// network threads, or the daemon's io_context if that is acceptable. `index` may be null
/// (search unavailable). Keep the returned object alive as long as retention should run.
archive_retention
start_retention(boost::asio::any_io_executor executor, config::settings const& settings,
                archive_index* index,
                std::chrono::steady_clock::duration interval = std::chrono::hours(1));

} // namespace minuted::daemon
