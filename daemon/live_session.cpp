#include "daemon/live_session.hpp"

#include "daemon/archive_files.hpp"
#include "daemon/archive_index.hpp"
#include "summariser/report.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <random>

namespace minuted {

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

} // namespace

live_session::live_session(boost::asio::io_context& ioc, std::string id,
                           config::settings const& settings, metrics& counters,
                           archive_index* index, ended_handler on_end)
    : ioc_(ioc), strand_(boost::asio::make_strand(ioc)), id_(std::move(id)), epoch_(random_epoch()),
      settings_(settings), metrics_(counters), index_(index), on_end_(std::move(on_end)),
      idle_timer_(strand_) {
    info_.id = id_;
    info_.started = started_;
    info_.last_activity = started_;
}

void live_session::ensure_pipeline(std::vector<std::string> agenda) {
    if (!pipeline_)
        pipeline_.emplace(std::move(agenda));
}

ingest_reply live_session::handle(protocol::ingest_message const& m, ingest_connection& connection,
                                  std::chrono::steady_clock::time_point arrived) {
    ingest_reply reply;
    if (ended_) {
        reply.messages.push_back(protocol::make_error("session " + id_ + " has ended"));
        reply.close = "session has ended";
        return reply;
    }
    arm_idle_timer();
    using protocol::ingest_kind;
    switch (m.kind) {
    case ingest_kind::open:
        if (pipeline_ && !m.agenda.empty())
            spdlog::warn("session {}: agenda in a later open ignored; captions already arrived",
                         id_);
        ensure_pipeline(m.agenda);
        if (!m.title.empty() && title_ != m.title) {
            title_ = m.title;
            refresh_info();
        }
        reply.messages.push_back(protocol::make_welcome(last_seq_));
        return reply;
    case ingest_kind::resume:
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        reply.messages.push_back(
            protocol::make_error("resume is sent by minuted to a feed, not to minuted"));
        return reply;
    case ingest_kind::raw:
        ensure_pipeline();
        metrics_.ingest_events.fetch_add(1, std::memory_order_relaxed);
        apply_text(m.text, arrived);
        return reply;
    case ingest_kind::text:
    case ingest_kind::erase:
    case ingest_kind::close:
        break;
    }

    auto const seq = *m.seq;
    if (seq == 0) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        reply.messages.push_back(protocol::make_error("seq starts at 1"));
        return reply;
    }
    if (seq <= last_seq_) {
        if (seq < connection.highest_sent) {
            metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
            auto const why = "seq went backwards: " + std::to_string(seq) + " after " +
                             std::to_string(connection.highest_sent);
            reply.messages.push_back(protocol::make_error(why));
            reply.close = why;
            return reply;
        }
        // A resend after a reconnect: already held, so acknowledged and ignored.
        connection.highest_sent = seq;
        metrics_.ingest_duplicates.fetch_add(1, std::memory_order_relaxed);
        reply.messages.push_back(protocol::make_ack(seq));
        return reply;
    }
    if (seq > last_seq_ + 1) {
        metrics_.errors_protocol.fetch_add(1, std::memory_order_relaxed);
        reply.messages.push_back(protocol::make_nack(last_seq_ + 1));
        return reply;
    }

    ensure_pipeline();
    last_seq_ = seq;
    connection.highest_sent = seq;
    metrics_.ingest_events.fetch_add(1, std::memory_order_relaxed);
    if (m.kind == ingest_kind::text) {
        apply_text(m.text, arrived);
    } else if (m.kind == ingest_kind::erase) {
        summariser::change_set changes;
        auto const done = pipeline_->erase(m.count, changes);
        if (done < m.count)
            reply.messages.push_back(
                protocol::make_error("erase reached final text: " + std::to_string(done) + " of " +
                                     std::to_string(m.count) + " characters erased"));
        publish(changes, arrived);
    }
    reply.messages.push_back(protocol::make_ack(seq));
    if (m.kind == ingest_kind::close)
        end("closed by the caption source");
    else
        refresh_info();
    return reply;
}

void live_session::apply_text(std::string_view text,
                              std::chrono::steady_clock::time_point arrived) {
    metrics_.ingest_bytes.fetch_add(text.size(), std::memory_order_relaxed);
    summariser::change_set changes;
    pipeline_->put(text, wall_now(), changes);
    publish(changes, arrived);
    refresh_info();
}

void live_session::publish(summariser::change_set& changes,
                           std::chrono::steady_clock::time_point arrived) {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    if (auto const chair = m.chair(); chair != chair_) {
        chair_ = chair;
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
    auto update = make_update(m, changes, rev_, summary);
    // The captions it reflects, so a source can tell when its text is on screen.
    published_seq_ = last_seq_;
    update["seq"] = published_seq_;
    update_message msg{std::make_shared<std::string const>(boost::json::serialize(update)), rev_,
                       arrived, false};
    history_.push_back(msg);
    while (history_.size() > settings_.update_history)
        history_.pop_front();
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
        since && *since <= rev_ && rev_ - *since < settings_.subscriber_queue &&
        (*since == rev_ || (!history_.empty() && history_.front().rev <= *since + 1));
    if (resumable) {
        // Says the resume worked, so a viewer knows it is live even when nothing was missed.
        auto resumed = boost::json::serialize(
            boost::json::object{{"type", "resumed"}, {"rev", *since}, {"epoch", epoch_}});
        sink->deliver({std::make_shared<std::string const>(std::move(resumed)), *since, {}, false});
        for (auto const& u : history_)
            if (u.rev > *since)
                sink->deliver(u);
    } else {
        sink->deliver({snapshot(), rev_, {}, true});
    }
    sinks_.insert(std::move(sink));
    refresh_info();
}

void live_session::unsubscribe(update_sink* sink) {
    std::erase_if(sinks_, [&](auto const& s) { return s.get() == sink; });
    refresh_info();
}

void live_session::resync(std::shared_ptr<update_sink> const& sink) {
    if (sinks_.contains(sink))
        sink->deliver({snapshot(), rev_, {}, true});
}

std::shared_ptr<std::string const> live_session::snapshot() {
    if (!snapshot_ || snapshot_rev_ != rev_) {
        auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
        auto o = make_snapshot(id_, m, rev_);
        if (m.title().empty() && !title_.empty())
            o["title"] = title_;
        o["epoch"] = epoch_;
        o["seq"] = published_seq_; // as of rev_, like the updates
        snapshot_ = std::make_shared<std::string const>(boost::json::serialize(o));
        snapshot_rev_ = rev_;
    }
    return snapshot_;
}

std::string live_session::report_markdown() const {
    return summariser::render_markdown(pipeline_ ? pipeline_->state() : empty_meeting());
}

std::string live_session::report_json() const {
    auto v = summariser::render_json(pipeline_ ? pipeline_->state() : empty_meeting());
    if (v.as_object()["title"].as_string().empty())
        v.as_object()["title"] = title_;
    return boost::json::serialize(v);
}

std::string live_session::transcript() const {
    return summariser::render_transcript(pipeline_ ? pipeline_->state() : empty_meeting());
}

void live_session::end(std::string reason) {
    if (ended_)
        return;
    ensure_pipeline();
    idle_timer_.cancel();
    summariser::change_set changes;
    pipeline_->finish(wall_now(), changes);
    ended_ = true;
    publish(changes, std::chrono::steady_clock::now());
    spdlog::info("session {} ended: {} ({} utterances, {} agenda items, last seq {})", id_, reason,
                 pipeline_->state().utterances().size(), pipeline_->state().agenda().size(),
                 last_seq_);
    // Archived before the listing says it ended, so an ended session listed has its archive.
    archive(reason);
    {
        std::lock_guard lock(info_mutex_);
        info_.end_reason = reason;
    }
    refresh_info();
    if (on_end_)
        on_end_(id_);
}

void live_session::archive(std::string const& reason) {
    auto const& m = pipeline_->state();
    auto const folder = archive_folder(settings_.state_dir, id_, started_);
    auto const ms = [](auto t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    };
    // The final state, and what the index needs besides: enough to index it again.
    auto state = boost::json::parse(*snapshot()).as_object();
    state["archived"] = {{"started", ms(started_)},
                         {"ended", ms(std::chrono::system_clock::now())},
                         {"end_reason", reason}};
    auto const state_json = boost::json::serialize(state);
    auto const ec = write_archive(folder, {{"transcript.txt", transcript()},
                                           {"report.md", report_markdown()},
                                           {"report.json", report_json() + "\n"},
                                           {"captions.vtt", summariser::render_vtt(m)},
                                           {"state.json", state_json + "\n"}});
    if (ec) {
        metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("session {}: cannot archive to {}: {}; its minutes stay readable at "
                      "/api/sessions/{} until the daemon stops",
                      id_, folder.string(), ec.message(), id_);
        return;
    }
    {
        std::lock_guard lock(info_mutex_);
        info_.archive = folder.filename().string();
    }
    spdlog::info("session {} archived in {}", id_, folder.string());
    if (!index_)
        return;
    try {
        auto const [session, turns] = index_entry(folder.filename().string(), state_json);
        index_->add(session, turns);
    } catch (std::exception const& e) {
        metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("session {}: archived in {} but not indexed for search: {}", id_,
                      folder.string(), e.what());
    }
}

void live_session::shut_down() {
    stopping_ = true;
    idle_timer_.cancel();
    // Not ended, but not lost either: what was said so far is archived. The source resends the
    // meeting to the restarted daemon, whose session archives it again when it ends.
    if (!ended_ && pipeline_ && !pipeline_->state().utterances().empty()) {
        summariser::change_set changes;
        pipeline_->finish(wall_now(), changes);
        archive("the daemon stopped during the meeting");
    }
    for (auto const& sink : sinks_)
        sink->going_away();
    sinks_.clear();
    spdlog::info("session {}: daemon stopping, last seq {}", id_, last_seq_);
}

void live_session::arm_idle_timer() {
    idle_timer_.expires_after(settings_.idle_timeout);
    idle_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (ec)
            return; // re-armed or cancelled
        if (auto self = weak.lock())
            self->end("no captions for " + std::to_string(self->settings_.idle_timeout.count()) +
                      " s");
    });
}

void live_session::refresh_info() {
    auto const& m = pipeline_ ? pipeline_->state() : empty_meeting();
    auto const speakers = speakers_of(m);
    std::lock_guard lock(info_mutex_);
    info_.title = !m.title().empty() ? m.title() : title_;
    info_.last_activity = std::chrono::system_clock::now();
    info_.current_item = m.agenda().empty() ? std::string{} : m.agenda().back().title;
    info_.items = m.agenda().size();
    info_.speakers = speakers;
    info_.viewers = sinks_.size();
    info_.words = m.total_words();
    info_.rev = rev_;
    info_.last_seq = last_seq_;
    info_.ended = ended_;
}

session_info live_session::info() const {
    std::lock_guard lock(info_mutex_);
    return info_;
}

void live_session::set_feed_status(std::string status) {
    std::lock_guard lock(info_mutex_);
    info_.feed_status = std::move(status);
}

} // namespace minuted
