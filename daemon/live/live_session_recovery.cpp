// Rebuilding a live session from its journal after a restart or a crash.

#include "daemon/live/live_session.hpp"
#include "daemon/live/live_session_detail.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace minuted::daemon {

namespace {

using detail::random_epoch;
using detail::to_ms;
using detail::wall_now;

// Where a journal that holds no session is put aside, for a person to look at, so it is not
// read again at every start.
void set_aside(std::filesystem::path const& journal, std::string const& why) {
    auto aside = journal;
    aside += ".unreadable";
    std::error_code ec;
    std::filesystem::rename(journal, aside, ec);
    spdlog::error("journal {}: holds no session ({}); moved to {}", journal.string(), why,
                  aside.string());
}

// Damage with whole records after it is not a crash mid-append: acknowledged captions are
// lost. The journal is kept as it was for a person to look at.
void keep_damaged(std::filesystem::path const& journal, protocol::journal_contents const& contents,
                  std::size_t size) {
    auto copy = journal;
    copy += ".damaged";
    std::error_code ec;
    std::filesystem::copy_file(journal, copy, std::filesystem::copy_options::overwrite_existing,
                               ec);
    spdlog::error("journal {}: {} at byte {}, with {} bytes after it: the session is rebuilt "
                  "up to there; the whole journal is kept in {}",
                  journal.string(), contents.damage, contents.valid_bytes,
                  size - contents.valid_bytes,
                  ec ? "nowhere (" + ec.message() + ")" : copy.string());
}

// A crash in the middle of an append: that record was never acknowledged. The journal also
// cuts the file there before it appends anything.
void cut_torn_tail(std::filesystem::path const& journal, protocol::journal_contents const& contents,
                   std::size_t size) {
    std::error_code ec;
    std::filesystem::resize_file(journal, contents.valid_bytes, ec);
    spdlog::warn("journal {}: dropped the last {} bytes, {}{}", journal.string(),
                 size - contents.valid_bytes, contents.damage,
                 ec ? "; the file could not be cut: " + ec.message() : std::string{});
}

// The records of `journal` that a session can be rebuilt from, after the checks above; none
// (with a log line) if it holds no session. An archive's journal (`archived_in`) is read,
// never changed: one that holds no whole meeting is left alone.
std::optional<protocol::journal_contents> read_for_recovery(std::filesystem::path const& journal,
                                                            std::string const& archived_in) {
    std::ifstream in(journal, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        spdlog::error("journal {}: cannot be read: {}", journal.string(), std::strerror(errno));
        return std::nullopt;
    }
    auto const bytes = text.str();
    auto contents = protocol::read_journal(bytes);
    auto const& records = contents.records;
    bool const whole = !records.empty() && records.front().kind == protocol::journal_kind::session;
    if (!archived_in.empty()) {
        if (!whole || records.back().kind != protocol::journal_kind::end) {
            spdlog::warn("archive {}: its journal holds no ended meeting; not listed", archived_in);
            return std::nullopt;
        }
        return contents;
    }
    // Nothing acknowledged can be in one without a session record: a session's first record
    // is written with its first event.
    if (!whole || !protocol::is_valid_session_id(records.front().text) ||
        journal.filename() != records.front().text + "." + records.front().epoch + ".journal") {
        set_aside(journal, contents.damage.empty() ? "no session record" : contents.damage);
        return std::nullopt;
    }
    if (!contents.damage.empty() && !contents.torn_tail)
        keep_damaged(journal, contents, bytes.size());
    if (!contents.damage.empty())
        cut_torn_tail(journal, contents, bytes.size());
    return contents;
}

} // namespace

std::shared_ptr<live_session> live_session::recover(boost::asio::io_context& ioc,
                                                    disk_executors disk,
                                                    std::filesystem::path const& journal,
                                                    live_config const& config, metrics& counters,
                                                    archive_index* index, ended_handler on_end,
                                                    std::string const& archived_in) {
    auto contents = read_for_recovery(journal, archived_in);
    if (!contents)
        return nullptr;
    auto const& records = contents->records;
    bool const archived = !archived_in.empty();
    auto const& first = records.front();
    std::shared_ptr<live_session> s(new live_session(
        ioc, std::move(disk), first.text, config, counters, index, std::move(on_end), first.epoch,
        std::chrono::system_clock::time_point(std::chrono::milliseconds(first.at_ms))));
    if (!archived)
        s->journal_->adopt_existing(contents->valid_bytes);
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
        s->apply_archived_edits(journal.parent_path());
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

} // namespace minuted::daemon
