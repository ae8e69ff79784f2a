// After the meeting: people's edits of its archived minutes. The archive's edits.jsonl is their
// journal: an edit is appended to it durably before it is applied or answered, and the report
// files are written again from the meeting and all its edits after that. While report.stale
// exists in the folder, the reports may be behind edits.jsonl; the next start writes them
// again, and announces an approval the marker names.

#include "daemon/archive/archive_files.hpp"
#include "daemon/archive/archive_index.hpp"
#include "daemon/live/live_session.hpp"
#include "summariser/report.hpp"
#include "summariser/transcript_edits.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace minuted::daemon {

namespace {

constexpr char const* stale_marker = "report.stale";

std::string failed(std::string_view what) {
    return std::string(what) + ": " + std::strerror(errno);
}

std::string read_all(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `data` to `fd` at `offset`, durably; "" or why not.
std::string write_synced(int fd, std::string_view data, off_t offset, std::string_view what) {
    while (!data.empty()) {
        auto const n = ::pwrite(fd, data.data(), data.size(), offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return failed(what);
        data.remove_prefix(static_cast<std::size_t>(n));
        offset += n;
    }
    return ::fsync(fd) == 0 ? std::string() : failed(what);
}

// Marks the folder's reports as possibly behind its edits, durably, before an edit is
// appended; "approved" in the marker asks for an announcement once they are written.
std::string mark_stale(std::filesystem::path const& folder, bool approves) {
    auto const path = folder / stale_marker;
    std::error_code ec;
    bool const existed = std::filesystem::exists(path, ec);
    if (existed && !approves)
        return {};
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return failed(stale_marker);
    struct stat st {};
    auto why = ::fstat(fd, &st) != 0 ? failed(stale_marker) : std::string();
    if (why.empty())
        why = write_synced(fd, approves ? "approved\n" : "", st.st_size, stale_marker);
    ::close(fd);
    if (why.empty() && !existed)
        if (auto const synced = sync_folder(folder))
            why = std::string("the archive folder: ") + synced.message();
    return why;
}

// Appends `line` to the folder's edits.jsonl, whose whole lines end at `offset` (a crash in
// the middle of an append leaves a torn line after it, which is cut), durably; "" or why not.
std::string append_edit(std::filesystem::path const& folder, std::uint64_t offset,
                        std::string const& line, bool approves) {
    if (auto why = mark_stale(folder, approves); !why.empty())
        return why;
    auto const path = folder / "edits.jsonl";
    std::error_code ec;
    bool const existed = std::filesystem::exists(path, ec);
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return failed("edits.jsonl");
    struct stat st {};
    std::string why;
    if (::fstat(fd, &st) != 0)
        why = failed("edits.jsonl");
    else if (static_cast<std::uint64_t>(st.st_size) < offset)
        why = "edits.jsonl holds less than the edits made so far: changed by hand?";
    else if (static_cast<std::uint64_t>(st.st_size) > offset &&
             ::ftruncate(fd, static_cast<off_t>(offset)) != 0)
        why = failed("edits.jsonl");
    if (why.empty())
        why = write_synced(fd, line, static_cast<off_t>(offset), "edits.jsonl");
    ::close(fd);
    if (why.empty() && !existed)
        if (auto const synced = sync_folder(folder))
            why = std::string("the archive folder: ") + synced.message();
    return why;
}

} // namespace

std::filesystem::path live_session::archive_path() const {
    std::lock_guard lock(info_mutex_);
    if (info_.archive.empty())
        return {};
    return config_.get()->state_dir / "archive" / info_.archive;
}

void live_session::apply_archived_edits(std::filesystem::path const& folder) {
    auto const text = read_all(folder / "edits.jsonl");
    auto const whole = std::string_view(text).substr(0, text.rfind('\n') + 1);
    edits_file_bytes_ = whole.size();
    if (!whole.starts_with(edit_history_)) {
        spdlog::error("archive {}: edits.jsonl does not begin with the edits of its journal; the "
                      "edits made after the meeting are not shown",
                      folder.filename().string());
        return;
    }
    std::size_t n = 0;
    auto const now = std::chrono::steady_clock::now();
    for (auto rest = whole.substr(edit_history_.size()); !rest.empty(); ++n) {
        auto const end = rest.find('\n');
        protocol::journal_record r;
        r.kind = protocol::journal_kind::edit;
        r.text = std::string(rest.substr(0, end));
        rest.remove_prefix(end + 1);
        apply(r, now);
    }
    if (n > 0)
        spdlog::info("archive {}: {} edits made after the meeting", folder.filename().string(), n);
}

void live_session::edit_archived(archived_edit e) {
    archived_edits_.push_back(std::move(e));
    next_archived_edit();
}

void live_session::next_archived_edit() {
    using summariser::edit_refusal;
    // Until the archive is written (or failed to be), edits wait: on_archived starts them.
    while (archived_ && !archived_edit_running_ && !archived_edits_.empty()) {
        auto& front = archived_edits_.front();
        auto const folder = archive_path();
        if (folder.empty()) {
            if (front.done)
                front.done({edit_refusal::ended,
                            "the meeting has ended and its archive could not be written; its "
                            "minutes can be edited once it is (at the next start)",
                            0,
                            {}},
                           {});
            archived_edits_.pop_front();
            continue;
        }
        if (!front.edit) {
            archived_edit_running_ = true;
            return rewrite_archive(true);
        }
        bool const approves = front.edit->op == summariser::edit_op::report_approve;
        auto [result, r] = check_edit(std::move(*front.edit), front.refs);
        if (result.refused) {
            if (front.done)
                front.done(result, {});
            archived_edits_.pop_front();
            continue;
        }
        archived_edit_running_ = true;
        archived_result_ = std::move(result);
        boost::asio::post(archive_, [self = shared_from_this(), folder, r = std::move(r),
                                     offset = edits_file_bytes_, approves] {
            std::error_code ec;
            bool const gone = !std::filesystem::is_directory(folder, ec);
            auto const failure =
                gone ? std::string() : append_edit(folder, offset, r.text + "\n", approves);
            boost::asio::post(self->strand_, [self, failure, r, gone, folder] {
                if (!gone)
                    return self->on_archived_edit_written(failure, r);
                // Deleted (by retention, or a person) since it was rebuilt: nothing to edit.
                auto const refused = std::move(self->archived_edits_.front());
                self->archived_edits_.pop_front();
                self->archived_edit_running_ = false;
                if (refused.done)
                    refused.done({edit_refusal::no_such_target,
                                  "no archived meeting " + folder.filename().string(),
                                  0,
                                  {}},
                                 {});
                self->next_archived_edit();
            });
        });
        return;
    }
}

void live_session::on_archived_edit_written(std::string const& failure,
                                            protocol::journal_record const& r) {
    auto& front = archived_edits_.front();
    if (!failure.empty()) {
        metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("session {}: an edit of its archived minutes cannot be written: {}", id_,
                      failure);
        if (front.done)
            front.done({}, failure);
        archived_edit_running_ = false;
        archived_edits_.pop_front();
        return next_archived_edit();
    }
    // On disk: applied as a rebuild applies it, so viewers still watching get it at once. It
    // is answered once the reports show it too, so what its editor reads next has it.
    apply(r, std::chrono::steady_clock::now());
    edits_file_bytes_ += r.text.size() + 1;
    auto const e = summariser::parse_minute_edit(r.text);
    // The search index holds the agenda's titles and the turns' words and speakers: an edit
    // that changes them (not a bullet's, nor an approval) indexes the meeting again.
    using summariser::edit_op;
    auto const reindexed = {edit_op::item_rename,    edit_op::item_add,   edit_op::item_remove,
                            edit_op::item_merge,     edit_op::item_split, edit_op::speaker_rename,
                            edit_op::caption_correct};
    rewrite_archive(e && std::find(reindexed.begin(), reindexed.end(), e->op) != reindexed.end());
}

void live_session::rewrite_archive(bool reindex) {
    auto const& m = pipeline_->state();
    auto state_json = archived_state_json();
    std::vector<archive_file> files = {{"report.md", report_markdown()},
                                       {"report.json", report_json() + "\n"},
                                       {"report.html", report_html()},
                                       {"transcript.txt", transcript()},
                                       {"captions.vtt", summariser::render_vtt(m)},
                                       {"state.json", state_json + "\n"}};
    if (auto odt = report_odt(); !odt.empty())
        files.push_back({"report.odt", std::move(odt)});
    // The machine's report is kept as the archive first had it; written only if it has none
    // (no edit was made during the meeting).
    std::string machine;
    if (edits_.size() <= 1 || reindex)
        machine = summariser::render_markdown(m, shown_title(m));
    auto approved = archived_edits_.front().approved;
    boost::asio::post(archive_, [self = shared_from_this(), folder = archive_path(),
                                 files = std::move(files), state_json = std::move(state_json),
                                 machine = std::move(machine), reindex,
                                 approved = std::move(approved)] {
        auto ec = write_archive(folder, files);
        std::error_code exists_ec;
        if (!ec && !machine.empty() &&
            !std::filesystem::exists(folder / "report.machine.md", exists_ec))
            ec = write_archive(folder, {{"report.machine.md", machine}});
        std::string failure = ec ? ec.message() : std::string();
        if (!ec && reindex && self->index_) {
            try {
                auto const [session, turns] = index_entry(folder.filename().string(), state_json);
                self->index_->add(session, turns);
            } catch (std::exception const& e) {
                failure = std::string("the search index: ") + e.what();
            }
        }
        if (failure.empty()) {
            auto const marker = read_all(folder / stale_marker);
            std::filesystem::remove(folder / stale_marker, exists_ec);
            if (marker.find("approved") != std::string::npos && approved)
                approved(folder);
        } else {
            self->metrics_.errors_io.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("archive {}: its reports cannot be written again after an edit: {}; "
                          "they are at the next start",
                          folder.filename().string(), failure);
        }
        boost::asio::post(self->strand_, [self] {
            auto const front = std::move(self->archived_edits_.front());
            self->archived_edits_.pop_front();
            self->archived_edit_running_ = false;
            if (front.done && front.edit)
                front.done(self->archived_result_, {});
            self->next_archived_edit();
        });
    });
}

} // namespace minuted::daemon
