#pragma once

#include "daemon/live/live_config.hpp"
#include "daemon/live/live_session.hpp"
#include "daemon/metrics.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {

class archive_index;

/// Whether looking a session up may create one that does not exist.
enum class session_lookup {
    find,           ///< the session if it exists, else null
    find_or_create, ///< the session, created if it does not exist
};

/// The sessions of a running daemon: live ones by id, and the most recently ended.
/// Thread-safe (a mutex); the sessions themselves run on their own strands.
class session_registry {
public:
    /// `disk` runs journal commits and archiving; `index` (may be null: no search) is where
    /// ended sessions are indexed.
    session_registry(boost::asio::io_context& ioc, disk_executors disk, live_config const& config,
                     metrics& counters, archive_index* index);

    /// Rebuilds every session journaled under state_dir/live (after a restart or a crash);
    /// sessions that had ended are archived. Returns how many are live. Call before serving.
    std::size_t recover();
    /// For the daemon's exit, once no thread runs: every journal written and synced.
    void flush_journals();

    /// The live session `id`, created if `how` says so and it does not exist (null if that
    /// would make more than [limits] max_sessions). An ended session with that id is not
    /// returned for ingest: a new meeting starts under the same id.
    std::shared_ptr<live_session> live(std::string const& id, session_lookup how);
    /// The session a caption source writing to `id` reaches: the live one; else the meeting
    /// that ended last under `id`, while it is listed (recent), unless `instance` (an open's)
    /// names another meeting than that one's; else a new one if `how` says so (null if that
    /// would make more than [limits] max_sessions). A source that lost the ack of its close
    /// and resends so reaches the ended meeting, which acknowledges the resend, instead of
    /// starting it again.
    std::shared_ptr<live_session> for_ingest(std::string const& id, std::string_view instance,
                                             session_lookup how);
    /// The session `id`, live or recently ended, for viewing.
    std::shared_ptr<live_session> find(std::string const& id) const;
    std::vector<std::shared_ptr<live_session>> all() const;
    std::size_t live_count() const;
    std::size_t ended_count() const;
    archive_index* index() const noexcept { return index_; }
    /// Where ended sessions are indexed from now on (null: no search). Call before recover(),
    /// while no other thread uses the registry.
    void set_index(archive_index* index) noexcept { index_ = index; }
    /// Runs `job` (an archive search or listing) on the search pool, unless [limits]
    /// search_queue jobs already wait or run there: then false, and `job` is dropped.
    bool try_search(std::function<void()> job);

    /// What announces a meeting's events (webhooks and mail, daemon/send/): called with the
    /// event and the meeting's archive folder. Set by the daemon before recover().
    using announcer =
        std::function<void(std::string const& event, std::filesystem::path const& folder)>;
    void set_announcer(announcer a) { announcer_ = std::move(a); }
    /// Announces `event` of the meeting archived in `folder` (STATE_DIR/archive/NAME):
    /// "ended" each time a meeting that ended here is archived (not meetings archived before
    /// a restart), "approved" when its minutes are approved. Returns at once; any thread.
    void announce(std::string const& event, std::filesystem::path const& folder) const {
        if (announcer_)
            announcer_(event, folder);
    }

    /// The meeting archived as state_dir/archive/`archive`, to edit its minutes after the end:
    /// the session listed with that archive (it ended here, or was rebuilt at the start), else
    /// one rebuilt on the archive executor from the archive's journal and edits.jsonl (the
    /// last one rebuilt is kept, so edits one after another rebuild it once). `then` gets it,
    /// or null if the folder holds no ended meeting; on the calling thread or on the archive
    /// executor. Any thread.
    void find_archived(std::string archive,
                       std::function<void(std::shared_ptr<live_session>)> then);
    /// Edits the archived minutes of the ended session `s` (live_session::edit_archived), and
    /// announces "approved" once the archive shows an approval of the report. Any thread.
    void edit_archived(std::shared_ptr<live_session> const& s, archived_edit e);

private:
    void on_end(live_session& session);
    /// Lists `s` under its archive's name, for find_archived.
    void note_archived(std::shared_ptr<live_session> const& s);
    /// The listed session archived as `archive`, if any.
    std::shared_ptr<live_session> listed_archive(std::string const& archive) const;
    /// Writes again, on the archive executor, the reports of archives a crash left behind
    /// their edits (report.stale).
    void rewrite_stale_archives();
    /// Lists the meetings last archived (up to [sessions] recent) as they were before the
    /// restart, rebuilt from their archived journals.
    void recover_recently_ended();

    boost::asio::io_context& ioc_;
    disk_executors disk_;
    live_config const& config_;
    metrics& metrics_;
    archive_index* index_;
    announcer announcer_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<live_session>> live_;
    std::deque<std::shared_ptr<live_session>> ended_;
    // Ended sessions by archive name while anything holds them, so that one archive is edited
    // through one session; and the last one rebuilt to be edited.
    std::map<std::string, std::weak_ptr<live_session>> archived_;
    std::shared_ptr<live_session> last_rebuilt_;
    std::atomic<std::size_t> searches_{0}; // waiting or running on disk_.search
};

} // namespace minuted::daemon
