#pragma once

#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/state_json.hpp"
#include "protocol/ingest.hpp"
#include "summariser/pipeline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace minuted {

class archive_index;

using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

/// One update as sent to subscribers: serialised once, shared by all of them.
struct update_message {
    std::shared_ptr<std::string const> text;
    revision rev = 0;
    std::chrono::steady_clock::time_point arrived{}; ///< when the caption frame behind it arrived
    bool is_snapshot = false;
};

/// What a live session needs from a subscriber connection. `deliver` may be called from the
/// session's strand; implementations post to their own.
class update_sink {
public:
    virtual ~update_sink() = default;
    virtual void deliver(update_message const& m) = 0;
    /// The daemon is stopping: close with 1001 (going away), so viewers reconnect.
    virtual void going_away() = 0;
};

/// A summary of a session for listings, readable from any thread.
struct session_info {
    std::string id;
    std::string title;
    std::chrono::system_clock::time_point started{};
    std::chrono::system_clock::time_point last_activity{};
    std::string current_item;
    std::size_t items = 0;
    std::size_t speakers = 0;
    std::size_t viewers = 0;
    std::size_t words = 0;
    revision rev = 0;
    protocol::seq_number last_seq = 0;
    bool ended = false;
    std::string end_reason;
    std::string archive; ///< folder under state_dir/archive holding the finished session's files
    std::string feed_status; ///< for pull feeds: "connected", "retrying: ..."
};

/// Per-connection ingest bookkeeping, so a seq that goes backwards within one connection is
/// told apart from a safe resend after a reconnect.
struct ingest_connection {
    protocol::seq_number highest_sent = 0;
};

/// What to answer a caption source.
struct ingest_reply {
    std::vector<std::string> messages; ///< JSON replies, in order
    std::optional<std::string> close;  ///< close the connection with this reason (policy)
};

/// A live meeting: the engine, the seq state of its ingest, the revisions of its state and
/// the subscribers watching it. Every member function runs on `strand()` unless it says
/// otherwise; the state is owned here by value and touched nowhere else.
class live_session : public std::enable_shared_from_this<live_session> {
public:
    using ended_handler = std::function<void(std::string const& id)>;

    /// `index` (may be null) gets the session when it is archived.
    live_session(boost::asio::io_context& ioc, std::string id, config::settings const& settings,
                 metrics& counters, archive_index* index, ended_handler on_end);

    strand_type& strand() noexcept { return strand_; }
    std::string const& id() const noexcept { return id_; }
    /// Names this instance of the session: a session that ended or was lost with a restart and
    /// started again under the same id has other revs, so `?since=` must not resume into it.
    /// Immutable, so readable from any thread.
    std::string const& epoch() const noexcept { return epoch_; }

    /// Applies one ingest message that arrived at `arrived`.
    ingest_reply handle(protocol::ingest_message const& m, ingest_connection& connection,
                        std::chrono::steady_clock::time_point arrived);
    /// The last seq applied (for GET /ingest/{id}/seq and welcomes).
    protocol::seq_number last_seq() const noexcept { return last_seq_; }

    /// Adds a subscriber: updates after `since` if the history still holds them, otherwise a
    /// snapshot first.
    void subscribe(std::shared_ptr<update_sink> sink, std::optional<revision> since);
    void unsubscribe(update_sink* sink);
    /// A subscriber that fell behind: send it a fresh snapshot.
    void resync(std::shared_ptr<update_sink> const& sink);

    /// The current state as a snapshot, serialised at most once per revision.
    std::shared_ptr<std::string const> snapshot();
    std::string report_markdown() const;
    std::string report_json() const;
    std::string transcript() const;

    /// Ends the meeting (close message, idle timeout): minutes final, subscribers told.
    void end(std::string reason);
    /// The daemon is stopping. The meeting is not over, so it is not ended: subscribers are
    /// closed with "going away" and reconnect when the daemon is back.
    void shut_down();
    bool ended() const noexcept { return ended_; }

    /// For listings; thread-safe.
    session_info info() const;
    void set_feed_status(std::string status);

private:
    void apply_text(std::string_view text, std::chrono::steady_clock::time_point arrived);
    void publish(summariser::change_set& changes, std::chrono::steady_clock::time_point arrived);
    void ensure_pipeline(std::vector<std::string> agenda = {});
    void arm_idle_timer();
    /// Writes the finished session's transcript, report and captions under state_dir/archive.
    void archive(std::string const& reason);
    void refresh_info();

    boost::asio::io_context& ioc_;
    strand_type strand_;
    std::string id_;
    std::string epoch_;
    config::settings const& settings_;
    metrics& metrics_;
    archive_index* index_;
    ended_handler on_end_;
    boost::asio::steady_timer idle_timer_;

    std::optional<summariser::pipeline> pipeline_;
    std::string title_; // from the source's open message
    protocol::seq_number last_seq_ = 0;
    revision rev_ = 0;
    protocol::seq_number published_seq_ = 0; // last_seq_ when rev_ was made
    std::deque<update_message> history_;
    std::shared_ptr<std::string const> snapshot_;
    revision snapshot_rev_ = 0;
    std::set<std::shared_ptr<update_sink>> sinks_;
    std::optional<summariser::participant_id> chair_;
    std::string summary_; // the catch-up text last sent
    bool ended_ = false;
    bool stopping_ = false; ///< the daemon is stopping: no new subscribers
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();

    mutable std::mutex info_mutex_;
    session_info info_;
};

} // namespace minuted
