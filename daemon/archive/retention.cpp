#include "daemon/archive/retention.hpp"

#include "daemon/archive/archive_files.hpp"
#include "protocol/time_text.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>

namespace minuted::daemon {

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ms_time = std::chrono::sys_time<milliseconds>;

// What a folder is renamed to while it is removed. It starts with '.', which index_missing()
// and retention itself skip as not an archive.
constexpr std::string_view deleting_prefix = ".deleting-";

constexpr std::uint64_t megabyte = std::uint64_t{1} << 20;

// End times outside this range are a damaged state.json, not a meeting: the folder's
// modification time is the better guess, and the arithmetic on them cannot overflow.
constexpr std::int64_t latest_plausible_ms = 253'402'300'800'000; // year 10000

std::string describe_age(milliseconds age) {
    using namespace std::chrono;
    if (age >= days(2))
        return fmt::format("{} days", duration_cast<days>(age).count());
    if (age >= hours(2))
        return fmt::format("{} hours", duration_cast<hours>(age).count());
    return fmt::format("{} minutes",
                       std::max<std::int64_t>(0, duration_cast<minutes>(age).count()));
}

std::optional<std::string> read_file(fs::path const& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

// "archived": {"ended"} of the state.json written with the meeting.
std::optional<ms_time> archived_end(fs::path const& state_file) {
    auto const text = read_file(state_file);
    if (!text)
        return std::nullopt;
    try {
        auto const read =
            protocol::unix_ms_of(boost::json::parse(*text).at("archived").at("ended"));
        if (!read)
            return std::nullopt;
        auto const ended = *read;
        if (ended < 0 || ended > latest_plausible_ms)
            return std::nullopt;
        return ms_time(milliseconds(ended));
    } catch (std::exception const&) {
        return std::nullopt;
    }
}

std::optional<ms_time> modified(fs::path const& folder) {
    std::error_code ec;
    auto const t = fs::last_write_time(folder, ec);
    if (ec)
        return std::nullopt;
    return std::chrono::time_point_cast<milliseconds>(std::chrono::file_clock::to_sys(t));
}

// Sizes of the files under `folder`; what cannot be read counts as nothing.
std::uint64_t folder_bytes(fs::path const& folder) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            auto const n = it->file_size(size_ec);
            if (!size_ec)
                total += n;
        }
    }
    return total;
}

// The meetings under `archive_dir` and the leftovers of interrupted deletions. Throws
// fs::filesystem_error if the directory cannot be listed.
std::pair<std::vector<archived_meeting>, std::vector<std::string>>
scan(fs::path const& archive_dir) {
    std::vector<archived_meeting> meetings;
    std::vector<std::string> leftovers;
    for (auto const& entry : fs::directory_iterator(archive_dir)) {
        auto const name = entry.path().filename().string();
        std::error_code ec;
        // A symbolic link is not a folder retention wrote, whatever it points to.
        if (entry.symlink_status(ec).type() != fs::file_type::directory)
            continue;
        if (name.starts_with(deleting_prefix)) {
            leftovers.push_back(name);
            continue;
        }
        if (name.starts_with('.') || !fs::is_regular_file(entry.path() / "state.json", ec))
            continue; // not a meeting, or one still being written (state.json comes last)
        auto ended = archived_end(entry.path() / "state.json");
        if (!ended) {
            ended = modified(entry.path());
            if (!ended) {
                spdlog::warn("archive: {} skipped, its age cannot be read", name);
                continue;
            }
            spdlog::warn("archive: {}: state.json has no readable end time; the folder's "
                         "modification time is taken instead",
                         name);
        }
        meetings.push_back({name, *ended, folder_bytes(entry.path())});
    }
    return {std::move(meetings), std::move(leftovers)};
}

// Indexes `folder` again after its removal failed, so search keeps finding what is still there.
void restore_index(archive_index& index, fs::path const& folder, std::string const& name) {
    try {
        if (auto const text = read_file(folder / "state.json")) {
            auto const [session, turns] = index_entry(name, *text);
            index.add(session, turns);
        }
    } catch (std::exception const& e) {
        spdlog::warn("archive: {} kept but not indexed again (the daemon indexes it at its "
                     "next start): {}",
                     name, e.what());
    }
}

// Removes one meeting: index first, then the folder by way of its ".deleting-" name.
bool remove_meeting(fs::path const& archive_dir, std::string const& name, archive_index* index) {
    auto const folder = archive_dir / name;
    if (index) {
        try {
            index->remove(name);
        } catch (std::exception const& e) {
            spdlog::error("archive: cannot remove {}: the index cannot be written, so the folder "
                          "is kept: {}",
                          name, e.what());
            return false;
        }
    }
    auto const doomed = archive_dir / (std::string(deleting_prefix) + name);
    std::error_code ec;
    fs::rename(folder, doomed, ec);
    if (ec == std::errc::no_such_file_or_directory) {
        spdlog::warn("archive: {} was removed by someone else meanwhile", name);
        return false;
    }
    if (ec) {
        spdlog::error("archive: cannot remove {}: {}", folder.string(), ec.message());
        if (index)
            restore_index(*index, folder, name);
        return false;
    }
    fs::remove_all(doomed, ec);
    if (ec) {
        spdlog::error("archive: cannot finish removing {} (renamed to {}, tried again at the "
                      "next pass): {}",
                      name, doomed.filename().string(), ec.message());
        return false;
    }
    return true;
}

} // namespace

retention_policy retention_policy::from(config::settings const& s) {
    return {std::chrono::days(s.archive_max_age_days), s.archive_max_megabytes};
}

std::string size_text(std::uint64_t bytes) {
    if (bytes >= megabyte)
        return fmt::format("{:.1f} MB", static_cast<double>(bytes) / static_cast<double>(megabyte));
    if (bytes >= 1024)
        return fmt::format("{} KB", (bytes + 1023) / 1024);
    return fmt::format("{} bytes", bytes);
}

std::string reason_text(retention_reason reason, retention_policy const& policy) {
    if (reason == retention_reason::too_old)
        return fmt::format("older than {} days", policy.max_age.count());
    return fmt::format("archive above {} MB", policy.max_megabytes);
}

retention_plan plan_retention(std::vector<archived_meeting> meetings,
                              retention_policy const& policy,
                              std::chrono::system_clock::time_point now) {
    std::ranges::sort(meetings, [](archived_meeting const& a, archived_meeting const& b) {
        return std::tie(a.ended, a.archive) < std::tie(b.ended, b.archive);
    });
    // In milliseconds: system_clock's nanoseconds overflow for max_age near its upper bound.
    auto const now_ms = std::chrono::time_point_cast<milliseconds>(now);
    retention_plan plan;
    std::vector<archived_meeting> kept;
    for (auto& m : meetings) {
        if (policy.max_age.count() > 0 && now_ms - m.ended > milliseconds(policy.max_age))
            plan.removals.push_back({std::move(m), retention_reason::too_old});
        else
            kept.push_back(std::move(m));
    }
    if (policy.max_megabytes > 0 && !kept.empty()) {
        auto const limit = policy.max_megabytes * megabyte;
        std::uint64_t total = 0;
        for (auto const& m : kept)
            total += m.bytes;
        // The last one is the newest: it stays, however big.
        for (std::size_t i = 0; total > limit && i + 1 < kept.size(); ++i) {
            total -= kept[i].bytes;
            plan.removals.push_back({std::move(kept[i]), retention_reason::over_size});
        }
        if (total > limit)
            plan.newest_over_limit = kept.back();
    }
    return plan;
}

retention_report enforce_retention(fs::path const& archive_dir, archive_index* index,
                                   retention_policy const& policy,
                                   std::chrono::system_clock::time_point now, prune_mode mode) {
    retention_report report;
    std::vector<archived_meeting> meetings;
    try {
        std::tie(meetings, report.leftovers) = scan(archive_dir);
    } catch (std::exception const& e) {
        spdlog::error("archive: retention cannot read {}: {}", archive_dir.string(), e.what());
        ++report.failures;
        return report;
    }

    if (mode == prune_mode::remove) {
        std::erase_if(report.leftovers, [&](std::string const& name) {
            std::error_code ec;
            fs::remove_all(archive_dir / name, ec);
            if (ec) {
                spdlog::error("archive: cannot remove {}, left by an interrupted deletion: {}",
                              (archive_dir / name).string(), ec.message());
                ++report.failures;
                return true;
            }
            spdlog::info("archive: removed {}, left by an interrupted deletion", name);
            return false;
        });
    }
    auto const meetings_found = meetings.size();
    std::uint64_t bytes_found = 0;
    for (auto const& m : meetings)
        bytes_found += m.bytes;

    if (policy.is_limited()) {
        auto plan = plan_retention(std::move(meetings), policy, now);
        auto const now_ms = std::chrono::time_point_cast<milliseconds>(now);
        for (auto& removal : plan.removals) {
            auto const& m = removal.meeting;
            if (mode == prune_mode::remove) {
                if (!remove_meeting(archive_dir, m.archive, index)) {
                    ++report.failures;
                    continue;
                }
                spdlog::info("archive: removed {} (ended {} ago, {}): {}", m.archive,
                             describe_age(now_ms - m.ended), size_text(m.bytes),
                             reason_text(removal.reason, policy));
            }
            report.bytes_freed += m.bytes;
            report.removed.push_back(std::move(removal));
        }
        if (auto const& newest = plan.newest_over_limit)
            spdlog::warn("archive: {} alone is {}, above the {} MB limit; kept, as the newest "
                         "meeting",
                         newest->archive, size_text(newest->bytes), policy.max_megabytes);
    }
    report.meetings_kept = meetings_found - report.removed.size();
    report.bytes_kept = bytes_found - report.bytes_freed;
    return report;
}

// Shared by the handlers and the archive_retention that stops them, so neither outlives
// what it uses.
struct archive_retention::state : std::enable_shared_from_this<state> {
    state(boost::asio::any_io_executor const& executor, fs::path dir, retention_policy p,
          archive_index* i, std::chrono::steady_clock::duration every)
        : strand(boost::asio::make_strand(executor)), timer(strand), archive_dir(std::move(dir)),
          policy(p), index(i), interval(every) {}

    // On the strand.
    void run_pass() {
        {
            std::lock_guard lock(mutex);
            if (is_stopped)
                return;
            try {
                enforce_retention(archive_dir, index, policy, std::chrono::system_clock::now());
            } catch (std::exception const& e) { // bad_alloc: no exception leaves a handler
                spdlog::error("archive: retention pass failed: {}", e.what());
            }
        }
        // Without limits the first pass only removed leftovers; there is nothing to repeat.
        if (!policy.is_limited())
            return;
        timer.expires_after(interval);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec)
                self->run_pass();
        });
    }

    boost::asio::strand<boost::asio::any_io_executor> strand;
    boost::asio::steady_timer timer; // used on the strand only
    fs::path const archive_dir;
    retention_policy const policy;
    archive_index* const index;
    std::chrono::steady_clock::duration const interval;
    // Held for a whole pass and by stop(), so once stop() returns no pass is running or starts.
    std::mutex mutex;
    bool is_stopped = false;
};

archive_retention& archive_retention::operator=(archive_retention&& other) noexcept {
    if (this != &other) {
        stop();
        state_ = std::move(other.state_);
    }
    return *this;
}

archive_retention::~archive_retention() {
    stop();
}

void archive_retention::stop() noexcept {
    if (!state_)
        return;
    {
        std::lock_guard lock(state_->mutex);
        state_->is_stopped = true;
    }
    // The timer belongs to the strand. A wait the cancel misses finds is_stopped set; the
    // handlers own the state, so it lives until the last of them has run or been destroyed.
    try {
        boost::asio::post(state_->strand, [s = state_] { s->timer.cancel(); });
    } catch (std::exception const&) { // out of memory: the next wait finds is_stopped
    }
    state_.reset();
}

archive_retention start_retention(boost::asio::any_io_executor executor,
                                  config::settings const& settings, archive_index* index,
                                  std::chrono::steady_clock::duration interval) {
    auto s = std::make_shared<archive_retention::state>(executor, settings.state_dir / "archive",
                                                        retention_policy::from(settings), index,
                                                        interval);
    boost::asio::post(s->strand, [s] { s->run_pass(); });
    return archive_retention(std::move(s));
}

} // namespace minuted::daemon
