#include "daemon/live/live_session.hpp"

#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/archive/zip_package.hpp"
#include "daemon/live/live_session_detail.hpp"
#include "protocol/time_text.hpp"
#include "summariser/report.hpp"
#include "summariser/transcript_edits.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>

namespace minuted::daemon {

namespace {

using detail::random_epoch;
using detail::to_ms;
using detail::wall_now;

std::size_t speakers_of(summariser::meeting const& m) {
    std::size_t n = 0;
    for (auto const& p : m.participants().all())
        n += p.turns > 0 ? 1u : 0u;
    return n;
}

summariser::meeting const& empty_meeting() {
    static summariser::meeting const m;
    return m;
}

summariser::time_point from_ms(std::int64_t ms) {
    return summariser::time_point(std::chrono::milliseconds(ms));
}

} // namespace

live_session::live_session(boost::asio::io_context& ioc, disk_executors disk, std::string id,
                           live_config const& config, metrics& counters, archive_index* index,
                           ended_handler on_end)
    : live_session(ioc, std::move(disk), std::move(id), config, counters, index, std::move(on_end),
                   random_epoch(), wall_now()) {}

live_session::live_session(boost::asio::io_context& ioc, disk_executors disk, std::string id,
                           live_config const& config, metrics& counters, archive_index* index,
                           ended_handler on_end, std::string instance,
                           std::chrono::system_clock::time_point started)
    : strand_(boost::asio::make_strand(ioc)), archive_(std::move(disk.archive)), id_(std::move(id)),
      instance_(std::move(instance)), epoch_(instance_), config_(config), metrics_(counters),
      index_(index), on_end_(std::move(on_end)), idle_timer_(strand_), sequencer_(id_),
      started_(started) {
    journal_ = std::make_shared<journal_writer>(strand_, std::move(disk.journal),
                                                config.get()->state_dir / "live" /
                                                    (id_ + "." + instance_ + ".journal"),
                                                config.get()->commit_interval, metrics_);
    info_.id = id_;
    info_.started = started_;
    info_.last_activity = started_;
}

bool live_session::can_resume(std::string_view epoch, revision since) const noexcept {
    return epoch == epoch_ ||
           (!previous_epoch_.empty() && epoch == previous_epoch_ && since <= recovered_rev_);
}

void live_session::ensure_pipeline(std::vector<protocol::agenda_item> agenda) {
    if (pipeline_)
        return;
    protocol::reader_options options;
    options.source = text_source_;
    pipeline_.emplace(std::move(agenda), options);
}

std::size_t live_session::record(protocol::journal_record r,
                                 std::chrono::steady_clock::time_point arrived) {
    if (!journal_started_) {
        protocol::journal_record first;
        first.kind = protocol::journal_kind::session;
        first.at_ms = to_ms(started_);
        first.text = id_;
        first.epoch = instance_;
        first.source = text_source_;
        journal_->append(first);
        journal_started_ = true;
    }
    auto const end = journal_->append(r);
    if (r.seq != 0)
        unsynced_seqs_.emplace_back(end, r.seq);
    durable_seq(); // keeps unsynced_seqs_ as short as the journal's backlog
    return apply(r, arrived);
}

std::size_t live_session::apply(protocol::journal_record const& r,
                                std::chrono::steady_clock::time_point arrived) {
    using protocol::journal_kind;
    if (r.counts_from_zero)
        sequencer_.count_from_zero();
    if (r.seq != 0)
        sequencer_.held(r.seq);
    summariser::change_set changes;
    std::size_t erased = 0;
    switch (r.kind) {
    case journal_kind::session:
    case journal_kind::epoch:
        return 0;
    case journal_kind::open:
        ensure_pipeline(protocol::agenda_of(r));
        if (!r.title.empty())
            title_ = r.title;
        if (!r.instance.empty())
            source_instance_ = r.instance;
        refresh_info();
        return 0;
    case journal_kind::text:
        ensure_pipeline();
        if (!r.lang.empty() && pipeline_->set_language(r.lang))
            changes.meta = true;
        if (r.position)
            source_position_ = r.position;
        pipeline_->put(r.text, from_ms(r.at_ms), changes);
        break;
    case journal_kind::erase:
        ensure_pipeline();
        erased = pipeline_->erase(r.count, changes);
        break;
    case journal_kind::agenda: {
        ensure_pipeline();
        pipeline_->set_known_agenda(protocol::agenda_of(r), changes);
        break;
    }
    case journal_kind::roster: {
        ensure_pipeline();
        auto parsed = protocol::parse_roster(r.text);
        if (auto const* no = std::get_if<protocol::roster_refusal>(&parsed)) {
            // Only a journal edited by hand holds one: the meeting goes on without it.
            spdlog::error("session {}: journaled roster ignored: {}", id_, no->why);
            break;
        }
        pipeline_->set_roster(std::get<std::vector<protocol::roster_person>>(std::move(parsed)),
                              changes);
        roster_ = r.text;
        break;
    }
    case journal_kind::edit: {
        ensure_pipeline();
        auto e = summariser::parse_minute_edit(r.text);
        if (e && summariser::is_transcript_edit(e->op)) {
            apply_transcript_edit(*e, r.text, changes);
            break;
        }
        auto const done = e ? edits_.apply(*e, pipeline_->state()) : summariser::edit_result{};
        if (!e || done.refused) {
            // Only a journal edited by hand holds one: the meeting goes on without it.
            spdlog::error("session {}: journaled edit ignored: {}", id_,
                          e ? done.why : "not an edit");
            break;
        }
        edit_history_ += r.text + "\n";
        // Only the items it changed are sent again: an edit costs every viewer one item, not
        // the whole minutes.
        for (auto const i : edits_.touched_items(*e, pipeline_->state()))
            changes.agenda.push_back(i);
        changes.meta = changes.meta || e->op == summariser::edit_op::report_approve;
        break;
    }
    case journal_kind::end:
        ensure_pipeline();
        idle_timer_.cancel();
        pipeline_->finish(from_ms(r.at_ms), changes);
        ended_ = true;
        sequencer_.end();
        end_reason_ = r.text;
        ended_at_ms_ = r.at_ms;
        break;
    }
    publish(changes, arrived);
    refresh_info();
    return erased;
}

void live_session::publish(summariser::change_set& changes,
                           std::chrono::steady_clock::time_point arrived) {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    if (auto chairs = m.chairs(); chairs != chairs_) {
        chairs_ = std::move(chairs);
        changes.meta = true; // roles change: participants are sent whole
    }
    contexts_.add_changed(m, changes);
    changes.normalise();
    if (changes.empty())
        return;
    ++rev_;
    // The catch-up text grows with the meeting: sent only when it changed.
    auto summary = m.catch_up();
    if (summary == summary_)
        summary.clear();
    else
        summary_ = summary;
    auto update = make_update(m, changes, rev_, summary, sent_, edits_);
    // As in the snapshot, or a viewer merging updates would lose the title the source sent.
    update["title"] = shown_title(m);
    // The captions it reflects, so a source can tell when its text is on screen.
    published_seq_ = sequencer_.last();
    update["seq"] = published_seq_;
    update_message msg{protocol::shared_text_frame(boost::json::serialize(update)), rev_, arrived,
                       false};
    history_.push_back(msg);
    history_bytes_ += msg.frame->bytes().size();
    // Bounded in bytes too: a viewer that missed more resumes from a snapshot, which costs
    // the state's size once instead of the history holding many copies of it.
    auto const limits = config_.get();
    while (!history_.empty() && (history_.size() > limits->update_history ||
                                 history_bytes_ > limits->update_history_bytes)) {
        history_bytes_ -= history_.front().frame->bytes().size();
        history_.pop_front();
    }
    metrics_.updates_published.fetch_add(1, std::memory_order_relaxed);
    for (auto const& sink : sinks_)
        sink->deliver(msg);
}

void live_session::subscribe(std::shared_ptr<update_sink> sink, std::optional<revision> since) {
    if (stopping_)
        return sink->going_away(); // accepted while the daemon was stopping
    // Resume without a snapshot when the history still holds every update after `since`.
    // More missed updates than a subscriber may queue would only overflow into a resync: a
    // snapshot is then the shorter way.
    bool const resumable =
        since && *since <= rev_ && rev_ - *since < config_.get()->subscriber_queue &&
        (*since == rev_ || (!history_.empty() && history_.front().rev <= *since + 1));
    if (resumable) {
        // Says the resume worked, so a viewer knows it is live even when nothing was missed.
        auto resumed = boost::json::serialize(
            boost::json::object{{"type", "resumed"}, {"rev", *since}, {"epoch", epoch_}});
        sink->deliver({protocol::shared_text_frame(resumed), *since, {}, false});
        for (auto const& u : history_)
            if (u.rev > *since)
                sink->deliver(u);
    } else {
        sink->deliver({snapshot(), rev_, {}, true});
    }
    sinks_.insert(std::move(sink));
    viewers_ = sinks_.size();
    refresh_info();
}

void live_session::unsubscribe(update_sink* sink) {
    std::erase_if(sinks_, [&](auto const& s) { return s.get() == sink; });
    viewers_ = sinks_.size();
    refresh_info();
}

void live_session::resync(std::shared_ptr<update_sink> const& sink) {
    if (sinks_.contains(sink))
        sink->deliver({snapshot(), rev_, {}, true});
}

protocol::shared_frame live_session::snapshot() {
    if (!snapshot_ || snapshot_rev_ != rev_) {
        auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
        auto o = make_snapshot(id_, m, rev_, edits_);
        o["title"] = shown_title(m);
        o["epoch"] = epoch_;
        o["seq"] = published_seq_; // as of rev_, like the updates
        snapshot_ = protocol::shared_text_frame(boost::json::serialize(o));
        snapshot_rev_ = rev_;
    }
    return snapshot_;
}

std::string live_session::report_markdown() const {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    return summariser::render_markdown(m, shown_title(m), &edits_);
}

std::string live_session::report_json() const {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    auto v = summariser::render_json(m, &edits_);
    v.as_object()["title"] = shown_title(m);
    return boost::json::serialize(v);
}

summariser::report_outline live_session::report_outline() const {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    auto const t = std::chrono::system_clock::to_time_t(started_);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char started[32];
    std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return summariser::outline_report(m, {shown_title(m), started}, &edits_);
}

std::string live_session::report_html() const {
    return summariser::render_html(report_outline());
}

std::string live_session::report_odt() const {
    auto odt = zip_package(summariser::render_odt_parts(report_outline()),
                           std::chrono::system_clock::to_time_t(started_));
    if (!odt.error.empty())
        spdlog::error("session {}: the report's OpenDocument file: {}", id_, odt.error);
    return std::move(odt.bytes);
}

std::string live_session::archived_state_json() {
    // The final state, and what the index needs besides: enough to index it again.
    auto state = boost::json::parse(snapshot()->payload()).as_object();
    state["archived"] = {{"started", protocol::rfc3339(to_ms(started_))},
                         {"ended", protocol::rfc3339(ended_at_ms_)},
                         {"end_reason", end_reason_},
                         {"instance", instance_}};
    return boost::json::serialize(state);
}

std::string live_session::transcript() const {
    return summariser::render_transcript(pipeline_ ? pipeline_->state() : empty_meeting());
}

bool live_session::set_agenda(std::vector<protocol::agenda_item> agenda) {
    if (ended_)
        return false;
    protocol::journal_record r;
    r.kind = protocol::journal_kind::agenda;
    r.at_ms = to_ms(wall_now());
    protocol::put_agenda(r, std::move(agenda));
    spdlog::info("session {}: agenda of {} items given", id_, r.agenda.size());
    record(std::move(r), std::chrono::steady_clock::now());
    return true;
}

bool live_session::set_roster(std::vector<protocol::roster_person> const& roster) {
    if (ended_)
        return false;
    protocol::journal_record r;
    r.kind = protocol::journal_kind::roster;
    r.at_ms = to_ms(wall_now());
    r.text = protocol::roster_json(roster);
    if (r.text == roster_)
        return true;
    spdlog::info("session {}: roster of {} people given", id_, roster.size());
    record(std::move(r), std::chrono::steady_clock::now());
    return true;
}

summariser::edit_result live_session::edit(summariser::minute_edit e, edit_refs const& refs) {
    if (ended_)
        return {
            summariser::edit_refusal::ended, "the meeting has ended: its minutes are final", 0, {}};
    auto [result, r] = check_edit(std::move(e), refs);
    if (!result.refused)
        record(std::move(r), std::chrono::steady_clock::now());
    return result;
}

std::pair<summariser::edit_result, protocol::journal_record>
live_session::check_edit(summariser::minute_edit e, edit_refs const& refs) {
    using summariser::edit_refusal;
    ensure_pipeline();
    auto const& m = pipeline_->state();
    protocol::journal_record r;
    if (refs.speaker_name) {
        e.speaker = participant_named(*refs.speaker_name);
        if (!e.speaker)
            return {{edit_refusal::no_such_target, "no such speaker: " + *refs.speaker_name, 0, {}},
                    r};
    }
    // Items are numbered as published, people's items and merges included.
    for (auto const& [n, anchor] :
         {std::pair{refs.item_n, &e.item}, std::pair{refs.other_n, &e.other}}) {
        if (!n)
            continue;
        *anchor = edits_.published_anchor(m, *n);
        if (!*anchor)
            return {{edit_refusal::no_such_target, "no agenda item " + std::to_string(*n), 0, {}},
                    r};
    }
    e.at_ms = to_ms(wall_now());
    // Checked on a copy first: the journal holds only edits that apply, so a rebuild makes
    // the same ones.
    auto result = summariser::edit_result{};
    if (summariser::is_transcript_edit(e.op)) {
        result = summariser::check_transcript_edit(e, m);
        if (e.op == summariser::edit_op::caption_correct && !result.refused)
            e.original = summariser::replaced_text(e, m); // the journal keeps the words replaced
    } else {
        auto check = edits_;
        result = check.apply(e, m);
    }
    if (result.refused)
        return {result, r};
    r.kind = protocol::journal_kind::edit;
    r.at_ms = e.at_ms;
    r.text = summariser::minute_edit_json(e);
    spdlog::info("session {}: {} by {}", id_, summariser::op_name(e.op), e.by);
    return {result, r};
}

void live_session::end(std::string reason) {
    if (ended_)
        return;
    protocol::journal_record r;
    r.kind = protocol::journal_kind::end;
    r.at_ms = to_ms(wall_now());
    r.text = std::move(reason);
    record(std::move(r), std::chrono::steady_clock::now());
    archive();
}

void live_session::archive() {
    spdlog::info("session {} ended: {} ({} utterances, {} agenda items, last seq {})", id_,
                 end_reason_, pipeline_->state().utterances().size(),
                 pipeline_->state().agenda().size(), sequencer_.last());
    ending_ = true;
    archive_when_durable();
}

void live_session::archive_when_durable() {
    // The end must be on disk first: an archive without it could be made again differently.
    journal_->when_durable(journal_->appended(), [self = shared_from_this()](bool durable) {
        if (!durable)
            return self->archive_when_durable(); // waits for the journal's retry
        try {
            self->start_archive_job();
        } catch (std::exception const& e) {
            self->on_archived({}, std::make_error_code(std::errc::io_error), e.what());
        }
    });
}

void live_session::start_archive_job() {
    auto state_json = archived_state_json();
    std::vector<archive_file> files = {{"transcript.txt", transcript()},
                                       {"report.md", report_markdown()},
                                       {"report.json", report_json() + "\n"},
                                       {"report.html", report_html()},
                                       {"captions.vtt", summariser::render_vtt(pipeline_->state())},
                                       {"state.json", state_json + "\n"}};
    if (auto odt = report_odt(); !odt.empty())
        files.push_back({"report.odt", std::move(odt)});
    if (!edit_history_.empty()) {
        auto const& m = pipeline_->state();
        files.push_back({"report.machine.md", summariser::render_markdown(m, shown_title(m))});
        files.push_back({"edits.jsonl", edit_history_});
    }
    edits_file_bytes_ = edits_.empty() ? 0 : edit_history_.size();
    // Archives are written one at a time on their own thread: never on a network thread, and
    // never in the way of the journals' commits.
    boost::asio::post(archive_, [self = shared_from_this(), files = std::move(files),
                                 state_json = std::move(state_json)] {
        auto const folder = archive_folder(self->config_.get()->state_dir, self->id_,
                                           self->started_, self->instance_);
        auto ec = write_archive(folder, files);
        if (!ec) {
            self->journal_->close_file();
            ec = move_into_archive(self->journal_->path(), folder);
        }
        std::string index_error;
        if (!ec && self->index_) {
            try {
                auto const [session, turns] = index_entry(folder.filename().string(), state_json);
                self->index_->add(session, turns);
            } catch (std::exception const& e) {
                index_error = e.what();
            }
        }
        boost::asio::post(self->strand_, [self, folder = folder.string(), ec, index_error] {
            self->on_archived(folder, ec, index_error);
        });
    });
}

void live_session::on_archived(std::string folder, std::error_code ec, std::string index_error) {
    if (ec) {
        metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("session {}: cannot archive to {}: {}; its minutes stay readable at "
                      "/api/sessions/{}, and its journal is archived again at the next start",
                      id_, folder, ec.message(), id_);
    } else {
        spdlog::info("session {} archived in {}", id_, folder);
        if (!index_error.empty()) {
            metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("session {}: archived in {} but not indexed for search: {}", id_, folder,
                          index_error);
        }
    }
    archived_ = true;
    {
        std::lock_guard lock(info_mutex_);
        if (!ec)
            info_.archive = std::filesystem::path(folder).filename().string();
        info_.end_reason = end_reason_;
    }
    // Listed as ended only now, so an ended session listed has its archive.
    refresh_info();
    if (on_end_)
        on_end_(*this);
    next_archived_edit(); // edits of its minutes that came while it was being written
}

void live_session::shut_down() {
    stopping_ = true;
    idle_timer_.cancel();
    for (auto const& sink : sinks_)
        sink->going_away();
    sinks_.clear();
    viewers_ = 0;
    spdlog::info("session {}: daemon stopping, last seq {}; its journal keeps it for the restart",
                 id_, sequencer_.last());
}

void live_session::arm_idle_timer() {
    auto const timeout = config_.get()->idle_timeout;
    idle_timer_.expires_after(timeout);
    idle_timer_.async_wait([weak = weak_from_this(), timeout](boost::system::error_code ec) {
        if (ec)
            return; // re-armed or cancelled
        if (auto self = weak.lock())
            self->end("no captions for " + std::to_string(timeout.count()) + " s");
    });
}

std::string const& live_session::shown_title(summariser::meeting const& m) const {
    return m.title().empty() ? title_ : m.title();
}

void live_session::refresh_info() {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    auto const speakers = speakers_of(m);
    std::lock_guard lock(info_mutex_);
    info_.title = shown_title(m);
    info_.last_activity = std::chrono::system_clock::now();
    info_.current_item = m.agenda().empty() ? std::string{} : m.agenda().back().title;
    info_.items = m.agenda().size();
    info_.speakers = speakers;
    info_.viewers = sinks_.size();
    info_.words = m.total_words();
    info_.rev = rev_;
    info_.last_seq = sequencer_.to_source(sequencer_.last());
    info_.ended = archived_;
    info_.instance = source_instance_;
}

session_info live_session::info() const {
    std::lock_guard lock(info_mutex_);
    return info_;
}

void live_session::set_feed_state(feed_state state) {
    std::lock_guard lock(info_mutex_);
    info_.feed = std::move(state);
}

} // namespace minuted::daemon
