#pragma once

#include "config/config.hpp"
#include "daemon/live/journal_writer.hpp"
#include "daemon/live/live_config.hpp"
#include "daemon/live/state_json.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/websocket_close.hpp"
#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"
#include "protocol/ingest_sequencer.hpp"
#include "protocol/journal.hpp"
#include "protocol/websocket_frames.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/report_document.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace minuted::daemon {

class archive_index;

/// One update as sent to subscribers: serialised and framed once, shared by all of them.
struct update_message {
    protocol::shared_frame frame;
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

/// What a pull feed attached to a session is doing, for GET /api/sessions and /metrics.
struct feed_state {
    std::string kind;   ///< "minuted" (minuted's WebSocket protocol) or "streamtext"; "": none
    std::string state;  ///< "connected", "retrying" or "stopped"
    std::string status; ///< the same in words, for people ("retrying in 800 ms after ...")
    std::string url;
    std::string event;                     ///< streamtext: the event polled
    std::optional<std::uint64_t> position; ///< streamtext: the position the next poll asks after
    std::string last_error;                ///< the last failure, kept once connected again
    std::chrono::milliseconds retry_in{};  ///< retrying: the wait before the next attempt
    /// streamtext: when the last poll that was answered (with text or none) was sent. Everything
    /// the service held then is in the session, so its age bounds how far the session lags.
    std::optional<std::chrono::steady_clock::time_point> last_answered;
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
    std::string archive;  ///< folder under state_dir/archive holding the finished session's files
    feed_state feed;      ///< of a pull feed attached to it, if one is
    std::string instance; ///< the source's name for the meeting, from its open; may be empty
};

/// How a source takes [limits] ingest_rate.
enum class over_rate {
    wait,   ///< a stream (WebSocket, pull feed): the frame is taken, the next one read later
    refuse, ///< a request (POST): a frame over the rate is refused with when to try again
};

/// Where sessions' disk work runs, off the network threads.
struct disk_executors {
    boost::asio::any_io_executor journal; ///< journal commits (write and fsync)
    boost::asio::any_io_executor archive; ///< archiving finished sessions, one at a time
    boost::asio::any_io_executor search;  ///< archive searches, never on a network thread
};

/// What a session answers a caption source's message.
struct ingest_answer {
    std::vector<protocol::ingest_reply> replies; ///< in order
    std::optional<std::string> close;            ///< close the connection with this reason
    std::uint16_t close_code = 1008; ///< policy error; 1013 (try again later) if not journaled
    /// The replies (acks) may be sent only once the journal is durable up to here; 0: at once.
    journal_position durable_at = 0;
    /// Refused because the meeting has ended (HTTP 409).
    bool ended = false;
    /// Not applied: the session is over [limits] ingest_rate; try again after this long.
    std::chrono::steady_clock::duration retry_after{};
    /// The last seq on disk when the answer is sent, in the source's numbers; none while the
    /// session holds none (so a source that counts from 0 knows its 0 is not held).
    std::optional<protocol::seq_number> held;
};

/// What an edit names as its client sent it, resolved against the meeting where the edit is
/// checked (live_session::check_edit).
struct edit_refs {
    std::optional<std::size_t> item_n;       ///< the item's number as the viewer showed it
    std::optional<std::size_t> other_n;      ///< item.merge: the number of the item merged in
    std::optional<std::string> speaker_name; ///< speaker.rename: `from` given by name
};

/// A person's edit of the minutes of a meeting that has ended and is archived, and where its
/// outcome goes (live_session::edit_archived). With no `edit`, the archive's reports are only
/// written again (after a crash left them behind its edits).
struct archived_edit {
    std::optional<summariser::minute_edit> edit;
    edit_refs refs;
    /// On the strand, once the edit is on disk (or refused): the result, and `failure` (not
    /// refused, but it could not be written: nothing changed) if it is not empty.
    std::function<void(summariser::edit_result const& result, std::string const& failure)> done;
    /// Off the strand, once the archive's reports show a report.approve: announces it.
    std::function<void(std::filesystem::path const& folder)> approved;
};

/// A caption source's answers in the order of its frames, whatever order the journal completes
/// them in: a later frame's nack never overtakes an earlier frame's ack that waits for the
/// disk. Used on one connection's executor.
class reply_order {
public:
    /// Numbers the next frame read.
    std::uint64_t next_frame() noexcept { return received_++; }
    /// The answer to frame `n` has come.
    void put(std::uint64_t n, ingest_answer reply) { waiting_.emplace(n, std::move(reply)); }
    /// The next answer in frame order, once it has come.
    std::optional<ingest_answer> pop() {
        auto const it = waiting_.find(replied_);
        if (it == waiting_.end())
            return std::nullopt;
        ++replied_;
        auto reply = std::move(it->second);
        waiting_.erase(it);
        return reply;
    }
    /// Frames read and not answered yet.
    std::uint64_t unanswered() const noexcept { return received_ - replied_; }
    std::uint64_t received() const noexcept { return received_; }

private:
    std::uint64_t received_ = 0;
    std::uint64_t replied_ = 0;
    std::map<std::uint64_t, ingest_answer> waiting_;
};

/// Frames a source may have read but not answered; beyond it, reading waits for the journal.
inline constexpr std::uint64_t max_unanswered = 4096;

/// A live meeting: the engine, the seq state of its ingest, its journal, the revisions of its
/// state and the subscribers watching it. Every member function runs on `strand()` unless it
/// says otherwise; the state is owned here by value and touched nowhere else.
///
/// Every event that changes the state is appended to the session's journal
/// (state_dir/live/{id}.{instance}.journal) before it is applied, and acknowledged only once
/// the journal is on disk. After a crash `recover` rebuilds the session from it: the same
/// state, the same revs, the same minutes. When the meeting ends, the archive job (on the disk
/// executor) writes the archive's files and moves the journal in with them.
class live_session : public std::enable_shared_from_this<live_session> {
public:
    /// Called on the strand once an ended session is archived (or failed to be).
    using ended_handler = std::function<void(live_session& session)>;

    /// A new session. `disk` runs journal commits and archiving; `index` (may be null) gets the
    /// session when it is archived.
    live_session(boost::asio::io_context& ioc, disk_executors disk, std::string id,
                 live_config const& config, metrics& counters, archive_index* index,
                 ended_handler on_end);

    /// Rebuilds the session whose journal is `journal` (written before a restart or crash). A
    /// torn last record is dropped (and cut from the file) with a log line. Returns null, with
    /// a log line, if the file holds no session. A rebuilt session that had ended is archived
    /// now. With `archived_in`, the journal is that archive folder's (a meeting archived before
    /// the restart): it is read only, and the session is rebuilt as ended and archived, so it is
    /// listed and answers its source's resends as before. Call before the session is shared
    /// with other threads.
    static std::shared_ptr<live_session> recover(boost::asio::io_context& ioc, disk_executors disk,
                                                 std::filesystem::path const& journal,
                                                 live_config const& config, metrics& counters,
                                                 archive_index* index, ended_handler on_end,
                                                 std::string const& archived_in = {});

    strand_type& strand() noexcept { return strand_; }
    std::string const& id() const noexcept { return id_; }
    /// Names this instance of the session: a session that ended or was lost with a restart and
    /// started again under the same id has other revs, so `?since=` must not resume into it.
    /// Immutable, so readable from any thread.
    std::string const& epoch() const noexcept { return epoch_; }
    /// True if a viewer that saw `since` of instance `epoch` can resume with updates: the same
    /// instance, or the one before a restart up to the rev the journal rebuilt. Any thread.
    bool can_resume(std::string_view epoch, revision since) const noexcept;

    /// Takes one message from a source that arrived at `arrived`: checks it against the seq
    /// rules, journals and applies it, and says what to answer once the journal is durable
    /// (`ingest_answer::durable_at`). Sources reach it through `submit_ingest`.
    ingest_answer ingest(protocol::ingest_message const& m, protocol::ingest_connection& connection,
                         std::chrono::steady_clock::time_point arrived);
    /// Keeps the session within [limits] ingest_rate: takes one frame's share and returns how
    /// long its source must wait before sending the next (zero while within the rate). With
    /// `over_rate::refuse` a frame over the rate is not taken: the caller refuses it and is
    /// told when to try again. On the strand.
    std::chrono::steady_clock::duration pace(std::chrono::steady_clock::time_point now,
                                             over_rate mode);
    /// The last seq on disk, as the session holds it: what a source may forget.
    protocol::seq_number durable_seq();
    /// Where a pull feed that counts in its own positions stood after the last text it gave
    /// (journaled with that text): where it resumes. On the strand.
    std::optional<std::uint64_t> source_position() const noexcept { return source_position_; }
    /// The same in the source's own numbers (one lower for a source that counts from 0): what
    /// sources are told (GET /ingest/{id}/seq, welcomes, acks, a pull feed's resume). None
    /// while nothing is on disk: 0 would say a source that counts from 0 need not resend it.
    std::optional<protocol::seq_number> acknowledged_seq();
    /// Calls `send` with `answer` once the journal holds what it acknowledges (at once if it
    /// acknowledges nothing), or with a refusal (close 1013) if the journal fails first.
    void answer_when_durable(ingest_answer answer, std::function<void(ingest_answer)> send);
    /// Calls `done(true)` once everything journaled so far is on disk, or `done(false)` if the
    /// journal fails first.
    void when_journaled(std::function<void(bool)> done) {
        journal_->when_durable(journal_->appended(), std::move(done));
    }
    /// The journal, for the daemon's exit (`journal_writer::flush_at_exit`).
    journal_writer& journal() noexcept { return *journal_; }

    /// Adds a subscriber: updates after `since` if the history still holds them, otherwise a
    /// snapshot first.
    void subscribe(std::shared_ptr<update_sink> sink, std::optional<revision> since);
    void unsubscribe(update_sink* sink);
    /// A subscriber that fell behind: send it a fresh snapshot.
    void resync(std::shared_ptr<update_sink> const& sink);

    /// The current state as a snapshot, serialised and framed at most once per revision: its
    /// JSON is the frame's payload.
    protocol::shared_frame snapshot();
    std::string report_markdown() const;
    std::string report_json() const;
    /// The report as a standalone HTML document and as an OpenDocument text; the latter is
    /// empty (and logged) if it could not be zipped.
    std::string report_html() const;
    std::string report_odt() const;
    std::string transcript() const;

    /// A known agenda for the meeting (PUT /api/sessions/{id}/agenda): journaled like
    /// captions, and what was heard is aligned to it at once. False if the meeting has ended.
    bool set_agenda(std::vector<protocol::agenda_item> agenda);
    /// The meeting's roster (PUT /api/sessions/{id}/roster, a feed's `roster`): journaled
    /// like captions; participants take their names, organisations and roles from it at once.
    /// The roster the meeting already has changes nothing. False if the meeting has ended.
    bool set_roster(std::vector<protocol::roster_person> const& roster);
    /// True once the meeting has a roster (a feed's own does not replace one given by PUT).
    bool has_roster() const noexcept { return !roster_.empty(); }
    /// A person's edit of the minutes (POST /api/sessions/{id}/minutes/edits), made on the
    /// meeting as it is now: checked (summariser::minutes_edits), then journaled like captions
    /// and shown to every viewer at once. `item_n`, when the edit names an agenda item, is the
    /// item's number as the viewer showed it; the edit anchors to that item (`other_n`: the
    /// item merged into it). `speaker_name`, for a speaker.rename that names its speaker rather
    /// than giving the id, is looked up among the participants (404 if none is called so).
    /// Refused as the rules say (404, 409, 400), or because the meeting has ended. On the
    /// strand.
    summariser::edit_result edit(summariser::minute_edit e, edit_refs const& refs = {});
    /// After the meeting, an edit of its archived minutes (archive_edits.cpp): taken one at a
    /// time, each checked against the meeting and the edits before it as `edit` checks one,
    /// then appended durably to the archive's edits.jsonl (on the archive executor), and only
    /// then applied, shown to viewers and answered; then report.md, report.json and state.json
    /// are written again (report.machine.md stays the machine's). An edit that comes while the
    /// archive is being written waits for it. On the strand.
    void edit_archived(archived_edit e);
    /// True once the whole report has been approved. On the strand.
    bool minutes_approved() const noexcept { return edits_.report_approved(); }
    /// The id of the participant called `name` (its name, label or an alias), who speaks as
    /// themself: how an editor may name the speaker to rename. On the strand.
    std::optional<std::size_t> participant_named(std::string_view name) const;
    /// Ends the meeting (idle timeout, admin request): journaled, minutes final, subscribers
    /// told, then archived. A close message from the source ends it through `ingest`.
    void end(std::string reason);
    /// The daemon is stopping. The meeting is not over, so it is not ended: subscribers are
    /// closed with "going away" and reconnect when the daemon is back, which rebuilds the
    /// session from its journal.
    void shut_down();
    bool ended() const noexcept { return ended_; }
    /// Viewers subscribed now; any thread.
    std::size_t viewers() const noexcept { return viewers_.load(std::memory_order_relaxed); }
    /// The meeting ended and is being archived: a new one may start under its id. Any thread.
    bool is_ending() const noexcept { return ending_; }

    /// For listings; thread-safe.
    session_info info() const;
    /// What the pull feed attached to the session is doing; any thread.
    void set_feed_state(feed_state state);

private:
    live_session(boost::asio::io_context& ioc, disk_executors disk, std::string id,
                 live_config const& config, metrics& counters, archive_index* index,
                 ended_handler on_end, std::string instance,
                 std::chrono::system_clock::time_point started);

    /// Journals `r` (after the session's first record), then applies it; returns how many
    /// characters an erase removed.
    std::size_t record(protocol::journal_record r, std::chrono::steady_clock::time_point arrived);
    /// Applies one journal record to the state: the one way ingest changes a session, live or
    /// rebuilt, so a rebuild reaches the same revs.
    std::size_t apply(protocol::journal_record const& r,
                      std::chrono::steady_clock::time_point arrived);
    /// An open of a meeting that goes on: its title, instance and first agenda are journaled.
    ingest_answer open(protocol::ingest_message const& m,
                       std::chrono::steady_clock::time_point arrived);
    /// Journals and applies a message the seq rules let through; returns its ack.
    ingest_answer apply_new(protocol::ingest_message const& m,
                            protocol::ingest_verdict const& verdict,
                            std::chrono::steady_clock::time_point arrived);
    /// Checks a person's edit against the meeting as it is now; the journal record that makes
    /// it if it applies.
    std::pair<summariser::edit_result, protocol::journal_record>
    check_edit(summariser::minute_edit e, edit_refs const& refs);
    /// The archive's state.json: the final snapshot and what the index needs besides.
    std::string archived_state_json();
    /// After a rebuild from an archive: the edits its edits.jsonl holds beyond the journal's.
    void apply_archived_edits(std::filesystem::path const& folder);
    void next_archived_edit();
    void on_archived_edit_written(std::string const& failure, protocol::journal_record const& r);
    /// Writes the archive's reports and state again, from the meeting and its edits; `reindex`:
    /// its agenda's titles in the search index too.
    void rewrite_archive(bool reindex);
    /// state_dir/archive/{archive}, or empty if the meeting has no archive.
    std::filesystem::path archive_path() const;
    /// Refuses an event while the journal cannot be written; false if it can.
    bool refuse_unjournaled(ingest_answer& answer);
    /// The answer to a source whose events cannot be journaled.
    ingest_answer refusal();
    void publish(summariser::change_set& changes, std::chrono::steady_clock::time_point arrived);
    /// Applies a journaled speaker.rename or caption.correct (`record`, read as `e`) to the
    /// meeting; a refused one is logged and skipped.
    void apply_transcript_edit(summariser::minute_edit& e, std::string const& record,
                               summariser::change_set& changes);
    void ensure_pipeline(std::vector<protocol::agenda_item> agenda = {});
    void arm_idle_timer();
    /// Once the end is on disk: writes the finished session's transcript, report, captions and
    /// state under state_dir/archive and moves the journal there, on the disk executor.
    void archive();
    void archive_when_durable();
    void start_archive_job();
    void on_archived(std::string folder, std::error_code ec, std::string index_error);
    void refresh_info();
    /// The meeting's title everywhere it is shown (snapshots, updates, reports, listings): the
    /// one the source's open message gave. Live captions have no header; a session rebuilt from
    /// a journal whose text was read as a file shows its header's title first, as it did.
    std::string const& shown_title(summariser::meeting const& m) const;
    summariser::report_outline report_outline() const;

    strand_type strand_;
    boost::asio::any_io_executor archive_;
    std::string id_;
    std::string instance_; ///< the epoch it started with: names its journal and archive
    std::string epoch_;
    std::string previous_epoch_; ///< before the restart that rebuilt it
    revision recovered_rev_ = 0; ///< the rev the rebuild reached
    live_config const& config_;
    metrics& metrics_;
    archive_index* index_;
    ended_handler on_end_;
    boost::asio::steady_timer idle_timer_;

    std::shared_ptr<journal_writer> journal_;
    bool journal_started_ = false; ///< its first (session) record is appended
    std::deque<std::pair<journal_position, protocol::seq_number>> unsynced_seqs_;
    protocol::seq_number durable_seq_ = 0;

    std::optional<summariser::pipeline> pipeline_;
    /// How the text is read: live captions, or (a journal written before live reading) a file
    /// with a header. Said by the journal's first record.
    protocol::text_source text_source_ = protocol::text_source::live;
    std::string title_;                    // from the source's open message
    std::string source_instance_;          // the open's instance: the source's name for the meeting
    protocol::ingest_sequencer sequencer_; ///< the seq rules; knows the last seq applied
    revision rev_ = 0;
    protocol::seq_number published_seq_ = 0; // last_seq_ when rev_ was made
    std::deque<update_message> history_;
    std::size_t history_bytes_ = 0; // of the frames in history_
    std::vector<sent_text> sent_;   // how much of each utterance's text the updates carried
    sent_contexts contexts_;        // each agenda item's context as the updates carried it
    protocol::shared_frame snapshot_;
    revision snapshot_rev_ = 0;
    std::set<std::shared_ptr<update_sink>> sinks_;
    std::atomic<std::size_t> viewers_{0}; // sinks_.size(), for other threads
    // [limits] ingest_rate as a token bucket holding up to a second's worth of frames.
    double ingest_tokens_ = 0;
    std::chrono::steady_clock::time_point ingest_paced_{};
    std::chrono::steady_clock::time_point ingest_rate_logged_{};
    std::vector<summariser::participant_id> chairs_; // as last sent
    std::string summary_;                            // the catch-up text last sent
    bool ended_ = false;
    bool archived_ = false; ///< ended, and the archive job done (or failed)
    std::atomic<bool> ending_{false};
    std::string end_reason_;
    std::string roster_; // the roster in force, as its journal record holds it
    std::optional<std::uint64_t> source_position_; // of the last text journaled with one
    summariser::minutes_edits edits_;              // people's, over the machine's minutes
    std::string edit_history_;                     // each edit applied, a JSON line each
    std::deque<archived_edit> archived_edits_;     // after the end; the first is being made
    bool archived_edit_running_ = false;
    summariser::edit_result archived_result_; // of the edit being made
    std::uint64_t edits_file_bytes_ = 0;      // whole lines of the archive's edits.jsonl
    std::int64_t ended_at_ms_ = 0;
    bool stopping_ = false; ///< the daemon is stopping: no new subscribers
    std::chrono::system_clock::time_point started_;

    mutable std::mutex info_mutex_;
    session_info info_;
};

} // namespace minuted::daemon
