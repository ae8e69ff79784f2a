#include "daemon/live/live_session.hpp"

#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "summariser/report.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace minuted::daemon {

namespace {

summariser::time_point wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

std::string random_epoch() {
    std::random_device device;
    std::uint64_t const bits = (std::uint64_t{device()} << 32) | device();
    return fmt::format("{:016x}", bits);
}

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

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
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

std::shared_ptr<live_session> live_session::recover(boost::asio::io_context& ioc,
                                                    disk_executors disk,
                                                    std::filesystem::path const& journal,
                                                    live_config const& config, metrics& counters,
                                                    archive_index* index, ended_handler on_end,
                                                    std::string const& archived_in) {
    std::ifstream in(journal, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        spdlog::error("journal {}: cannot be read: {}", journal.string(), std::strerror(errno));
        return nullptr;
    }
    auto const bytes = text.str();
    auto contents = protocol::read_journal(bytes);
    auto const& records = contents.records;
    bool const archived = !archived_in.empty();
    if (archived) {
        // An archive is read, never changed: one that holds no whole meeting is left alone.
        if (records.empty() || records.front().kind != protocol::journal_kind::session ||
            records.back().kind != protocol::journal_kind::end) {
            spdlog::warn("archive {}: its journal holds no ended meeting; not listed", archived_in);
            return nullptr;
        }
    } else if (records.empty() || records.front().kind != protocol::journal_kind::session ||
               !protocol::is_valid_session_id(records.front().text) ||
               journal.filename() !=
                   records.front().text + "." + records.front().epoch + ".journal") {
        // Nothing acknowledged can be in it: a session's first record is written with its
        // first event. Kept aside for a person to look at, not read again at every start.
        auto aside = journal;
        aside += ".unreadable";
        std::error_code ec;
        std::filesystem::rename(journal, aside, ec);
        spdlog::error("journal {}: holds no session ({}); moved to {}", journal.string(),
                      contents.damage.empty() ? "no session record" : contents.damage,
                      aside.string());
        return nullptr;
    }
    if (!archived && !contents.damage.empty() && !contents.torn_tail) {
        // Damage with whole records after it is not a crash mid-append: acknowledged captions
        // are lost. The journal is kept as it was for a person to look at.
        auto copy = journal;
        copy += ".damaged";
        std::error_code ec;
        std::filesystem::copy_file(journal, copy, std::filesystem::copy_options::overwrite_existing,
                                   ec);
        spdlog::error("journal {}: {} at byte {}, with {} bytes after it: the session is rebuilt "
                      "up to there; the whole journal is kept in {}",
                      journal.string(), contents.damage, contents.valid_bytes,
                      bytes.size() - contents.valid_bytes,
                      ec ? "nowhere (" + ec.message() + ")" : copy.string());
    }
    if (!archived && !contents.damage.empty()) {
        // A crash in the middle of an append: that record was never acknowledged. The journal
        // also cuts the file there before it appends anything.
        std::error_code ec;
        std::filesystem::resize_file(journal, contents.valid_bytes, ec);
        spdlog::warn("journal {}: dropped the last {} bytes, {}{}", journal.string(),
                     bytes.size() - contents.valid_bytes, contents.damage,
                     ec ? "; the file could not be cut: " + ec.message() : std::string{});
    }
    auto const& first = records.front();
    std::shared_ptr<live_session> s(new live_session(
        ioc, std::move(disk), first.text, config, counters, index, std::move(on_end), first.epoch,
        std::chrono::system_clock::time_point(std::chrono::milliseconds(first.at_ms))));
    if (!archived)
        s->journal_->adopt_existing(contents.valid_bytes);
    s->journal_started_ = true;
    s->text_source_ = first.source;
    s->previous_epoch_ = first.epoch;
    auto const now = std::chrono::steady_clock::now();
    for (auto const& r : records) {
        if (r.kind == protocol::journal_kind::epoch)
            s->previous_epoch_ = r.epoch;
        s->apply(r, now);
    }
    s->durable_seq_ = s->sequencer_.last();
    s->recovered_rev_ = s->rev_;
    if (archived) {
        // Ended and archived before the restart: listed and answering its source's resends
        // as before it.
        s->ending_ = true;
        s->archived_ = true;
        {
            std::lock_guard lock(s->info_mutex_);
            s->info_.archive = archived_in;
            s->info_.end_reason = s->end_reason_;
        }
        s->refresh_info();
        return s;
    }
    spdlog::info("session {} rebuilt from its journal: {} events, rev {}, last seq {}{}", s->id_,
                 records.size(), s->rev_, s->sequencer_.last(), s->ended_ ? ", ended" : "");
    if (s->ended_) {
        s->refresh_info();
        boost::asio::post(s->strand_, [s] { s->archive(); });
        return s;
    }
    s->epoch_ = random_epoch();
    protocol::journal_record epoch;
    epoch.kind = protocol::journal_kind::epoch;
    epoch.at_ms = to_ms(wall_now());
    epoch.epoch = s->epoch_;
    s->journal_->append(epoch);
    s->refresh_info();
    boost::asio::post(s->strand_, [s] { s->arm_idle_timer(); });
    return s;
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

protocol::seq_number live_session::durable_seq() {
    while (!unsynced_seqs_.empty() && unsynced_seqs_.front().first <= journal_->durable()) {
        durable_seq_ = unsynced_seqs_.front().second;
        unsynced_seqs_.pop_front();
    }
    return durable_seq_;
}

void live_session::answer_when_durable(ingest_answer answer,
                                       std::function<void(ingest_answer)> send) {
    auto const at = answer.durable_at;
    if (at == 0) {
        answer.held = durable_seq();
        return send(std::move(answer));
    }
    journal_->when_durable(at, [self = shared_from_this(), answer = std::move(answer),
                                send = std::move(send)](bool durable) mutable {
        auto a = durable ? std::move(answer) : self->refusal();
        a.held = self->durable_seq();
        send(std::move(a));
    });
}

ingest_answer live_session::refusal() {
    metrics_.ingest_refused.fetch_add(1, std::memory_order_relaxed);
    ingest_answer answer;
    auto const why =
        journal_->failure().empty() ? std::string("the disk is too slow") : journal_->failure();
    answer.replies.emplace_back(std::in_place_type<protocol::error_reply>,
                                "captions cannot be kept safe: the journal cannot be written (" +
                                    why + "); nothing after seq " + std::to_string(durable_seq()) +
                                    " is held; reconnect and resend later");
    answer.close = "journal not writable: " + why;
    answer.close_code = close_try_again_later;
    return answer;
}

bool live_session::refuse_unjournaled(ingest_answer& answer) {
    // A disk too slow for the captions is refused like a failed one before memory runs out.
    constexpr journal_position max_backlog = 64u << 20;
    if (journal_->failure().empty() && journal_->appended() - journal_->durable() < max_backlog)
        return false;
    answer = refusal();
    return true;
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

ingest_answer live_session::ingest(protocol::ingest_message const& m,
                                   protocol::ingest_connection& connection,
                                   std::chrono::steady_clock::time_point arrived) {
    using protocol::ingest_action;
    if (!ended_)
        arm_idle_timer(); // any word from the source says the meeting goes on
    auto verdict = sequencer_.check(m, connection);
    ingest_answer answer;
    answer.replies = std::move(verdict.replies);
    switch (verdict.action) {
    case ingest_action::open:
        return open(m, arrived);
    case ingest_action::apply:
        return apply_new(m, arrived);
    case ingest_action::duplicate:
        metrics_.ingest_duplicates.fetch_add(1, std::memory_order_relaxed);
        if (!archived_) // acknowledged once on disk (after an end, the end may not be yet)
            answer.durable_at = journal_->appended();
        return answer;
    case ingest_action::answer:
        return answer;
    case ingest_action::refuse:
        break;
    }
    metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
    if (!verdict.close.empty())
        answer.close = std::move(verdict.close);
    answer.ended = verdict.ended;
    return answer;
}

ingest_answer live_session::open(protocol::ingest_message const& m,
                                 std::chrono::steady_clock::time_point arrived) {
    using protocol::journal_kind;
    ingest_answer answer;
    auto bounded = m;
    if (auto const cut = protocol::bound_open(bounded); !cut.empty()) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("session {}: open: {}", id_, cut);
        answer.replies.emplace_back(std::in_place_type<protocol::error_reply>, "open: " + cut);
    }
    auto const at_ms = to_ms(wall_now());
    if (pipeline_ && !bounded.agenda.empty() &&
        protocol::titles_of(bounded.agenda) != pipeline_->state().known_agenda()) {
        if (pipeline_->state().known_agenda().empty()) {
            // The first agenda the meeting gets, after captions: what was heard is aligned.
            if (refuse_unjournaled(answer))
                return answer;
            protocol::journal_record a;
            a.kind = journal_kind::agenda;
            a.at_ms = at_ms;
            protocol::put_agenda(a, bounded.agenda);
            record(std::move(a), arrived);
        } else {
            spdlog::warn("session {}: agenda in a later open ignored: the meeting has one", id_);
            answer.replies.emplace_back(
                std::in_place_type<protocol::error_reply>,
                "open: agenda ignored: the meeting has one; PUT /api/sessions/" + id_ +
                    "/agenda changes it");
        }
    }
    if (!pipeline_ || (!bounded.title.empty() && title_ != bounded.title) ||
        (source_instance_.empty() && !bounded.instance.empty())) {
        if (refuse_unjournaled(answer))
            return answer;
        protocol::journal_record r;
        r.kind = journal_kind::open;
        r.at_ms = at_ms;
        r.title = std::move(bounded.title);
        if (!pipeline_)
            protocol::put_agenda(r, std::move(bounded.agenda));
        r.instance = source_instance_.empty() ? bounded.instance : std::string();
        record(std::move(r), arrived);
    }
    answer.replies.emplace_back(std::in_place_type<protocol::welcome>, durable_seq());
    return answer;
}

ingest_answer live_session::apply_new(protocol::ingest_message const& m,
                                      std::chrono::steady_clock::time_point arrived) {
    using protocol::ingest_kind;
    using protocol::journal_kind;
    ingest_answer answer;
    if (refuse_unjournaled(answer))
        return answer;
    metrics_.ingest_events.fetch_add(1, std::memory_order_relaxed);
    metrics_.ingest_bytes.fetch_add(m.text.size(), std::memory_order_relaxed);
    protocol::journal_record r;
    r.at_ms = to_ms(wall_now());
    r.seq = m.seq.value_or(0); // raw text has none
    switch (m.kind) {
    case ingest_kind::erase:
        r.kind = journal_kind::erase;
        r.count = m.count;
        if (auto const done = record(std::move(r), arrived); done < m.count)
            answer.replies.emplace_back(std::in_place_type<protocol::error_reply>,
                                        "erase reached final text: " + std::to_string(done) +
                                            " of " + std::to_string(m.count) +
                                            " characters erased");
        break;
    case ingest_kind::close:
        r.kind = journal_kind::end;
        r.text = "closed by the caption source";
        record(std::move(r), arrived);
        archive();
        break;
    default:
        r.kind = journal_kind::text;
        r.text = m.text;
        record(std::move(r), arrived);
    }
    if (m.seq)
        answer.replies.emplace_back(std::in_place_type<protocol::ack>, *m.seq);
    // Raw text gets no reply, but an HTTP 200 waits for the disk too.
    answer.durable_at = journal_->appended();
    return answer;
}

void live_session::publish(summariser::change_set& changes,
                           std::chrono::steady_clock::time_point arrived) {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    if (auto chairs = m.chairs(); chairs != chairs_) {
        chairs_ = std::move(chairs);
        changes.meta = true; // roles change: participants are sent whole
    }
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
    auto update = make_update(m, changes, rev_, summary, sent_);
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
        auto o = make_snapshot(id_, m, rev_);
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
    return summariser::render_markdown(m, shown_title(m));
}

std::string live_session::report_json() const {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    auto v = summariser::render_json(m);
    v.as_object()["title"] = shown_title(m);
    return boost::json::serialize(v);
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
    // The final state, and what the index needs besides: enough to index it again.
    auto state = boost::json::parse(snapshot()->payload()).as_object();
    state["archived"] = {{"started", to_ms(started_)},
                         {"ended", ended_at_ms_},
                         {"end_reason", end_reason_},
                         {"instance", instance_}};
    auto state_json = boost::json::serialize(state);
    std::vector<archive_file> files = {{"transcript.txt", transcript()},
                                       {"report.md", report_markdown()},
                                       {"report.json", report_json() + "\n"},
                                       {"captions.vtt", summariser::render_vtt(pipeline_->state())},
                                       {"state.json", state_json + "\n"}};
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

std::chrono::steady_clock::duration live_session::pace(std::chrono::steady_clock::time_point now,
                                                       over_rate mode) {
    using seconds = std::chrono::duration<double>;
    auto const rate = static_cast<double>(config_.get()->ingest_rate);
    ingest_tokens_ =
        ingest_paced_ == std::chrono::steady_clock::time_point{}
            ? rate
            : std::min(rate, ingest_tokens_ + rate * seconds(now - ingest_paced_).count());
    ingest_paced_ = now;
    if (ingest_tokens_ >= 1) {
        ingest_tokens_ -= 1;
        return {};
    }
    metrics_.hit(limit::ingest_rate);
    if (now - ingest_rate_logged_ > std::chrono::minutes(1)) {
        ingest_rate_logged_ = now;
        spdlog::warn("session {}: captions come faster than [limits] ingest_rate ({} frames a "
                     "second): its sources are slowed down",
                     id_, rate);
    }
    if (mode == over_rate::wait)
        ingest_tokens_ -= 1; // owed: the source waits until it is paid back
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        seconds((1 - ingest_tokens_) / rate)); // until the next frame is within it
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
    info_.last_seq = sequencer_.last();
    info_.ended = archived_;
    info_.instance = source_instance_;
}

session_info live_session::info() const {
    std::lock_guard lock(info_mutex_);
    return info_;
}

void live_session::set_feed_status(std::string status) {
    std::lock_guard lock(info_mutex_);
    info_.feed_status = std::move(status);
}

} // namespace minuted::daemon
