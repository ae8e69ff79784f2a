#include "daemon/live/session_registry.hpp"

#include "daemon/archive/archive_index.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace minuted::daemon {

namespace net = boost::asio;

session_registry::session_registry(net::io_context& ioc, disk_executors disk,
                                   live_config const& config, metrics& counters,
                                   archive_index* index)
    : ioc_(ioc), disk_(std::move(disk)), config_(config), metrics_(counters), index_(index) {}

void session_registry::recover_recently_ended() {
    if (!index_)
        return;
    std::vector<archived_session> recent;
    try {
        recent = index_->sessions(config_.get()->recent_sessions);
    } catch (std::exception const& e) {
        spdlog::error("archive index: {}; meetings ended before the restart are not listed",
                      e.what());
        return;
    }
    std::sort(recent.begin(), recent.end(),
              [](auto const& a, auto const& b) { return a.ended_ms < b.ended_ms; });
    auto const archive = config_.get()->state_dir / "archive";
    for (auto const& a : recent) {
        auto const journal = archive / a.archive / "journal";
        if (!std::filesystem::exists(journal))
            continue;
        if (auto s = live_session::recover(ioc_, disk_, journal, config_, metrics_, index_, {},
                                           a.archive)) {
            note_archived(s);
            std::lock_guard lock(mutex_);
            ended_.push_back(std::move(s));
        }
    }
}

std::size_t session_registry::recover() {
    recover_recently_ended();
    rewrite_stale_archives();
    auto const dir = config_.get()->state_dir / "live";
    std::error_code ec;
    std::vector<std::filesystem::path> journals;
    for (auto const& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().extension() == ".journal")
            journals.push_back(entry.path());
    if (ec && ec != std::errc::no_such_file_or_directory)
        spdlog::error("{}: {}; no session is rebuilt", dir.string(), ec.message());
    std::sort(journals.begin(), journals.end());
    std::size_t live = 0;
    for (auto const& path : journals) {
        auto s = live_session::recover(ioc_, disk_, path, config_, metrics_, index_,
                                       [this](live_session& ended) { on_end(ended); });
        if (!s || s->ended())
            continue; // an ended one is archived now, then listed as ended
        std::lock_guard lock(mutex_);
        if (auto const [it, added] = live_.emplace(s->id(), s); !added) {
            // Two live instances of one id cannot both take its captions: the later one
            // wins; the other is ended, so it is archived as far as it went.
            auto older = it->second;
            if (older->info().started > s->info().started)
                std::swap(older, s);
            it->second = s;
            net::post(older->strand(),
                      [older] { older->end("a later session with the same id was rebuilt"); });
            continue;
        }
        ++live;
    }
    return live;
}

bool session_registry::try_search(std::function<void()> job) {
    auto const limit = config_.get()->search_queue;
    auto n = searches_.load(std::memory_order_relaxed);
    do {
        if (n >= limit)
            return false;
    } while (!searches_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    net::post(disk_.search, [this, job = std::move(job)] {
        job();
        searches_.fetch_sub(1, std::memory_order_relaxed);
    });
    return true;
}

void session_registry::flush_journals() {
    for (auto const& s : all())
        s->journal().flush_at_exit();
}

std::shared_ptr<live_session> session_registry::live(std::string const& id, session_lookup how) {
    bool const create = how == session_lookup::find_or_create;
    std::lock_guard lock(mutex_);
    if (auto const it = live_.find(id); it != live_.end()) {
        // A meeting being archived does not hold its id back from the next one.
        if (!create || !it->second->is_ending())
            return it->second;
        live_.erase(it); // on_end lists it once archived
    }
    if (!create || live_.size() >= config_.get()->max_sessions)
        return nullptr;
    auto s = std::make_shared<live_session>(ioc_, disk_, id, config_, metrics_, index_,
                                            [this](live_session& ended) { on_end(ended); });
    live_.emplace(id, s);
    spdlog::info("session {} started", id);
    return s;
}

std::shared_ptr<live_session>
session_registry::for_ingest(std::string const& id, std::string_view instance, session_lookup how) {
    std::unique_lock lock(mutex_);
    std::shared_ptr<live_session> latest;
    if (auto const it = live_.find(id); it != live_.end())
        latest = it->second;
    for (auto it = ended_.rbegin(); !latest && it != ended_.rend(); ++it)
        if ((*it)->id() == id)
            latest = *it;
    if (latest && !latest->is_ending())
        return latest;
    if (latest && (instance.empty() || latest->info().instance == instance))
        return latest; // ended: it acknowledges what its source resends, and nothing new
    lock.unlock();
    return how == session_lookup::find_or_create ? live(id, how) : nullptr;
}

std::shared_ptr<live_session> session_registry::find(std::string const& id) const {
    std::lock_guard lock(mutex_);
    if (auto const it = live_.find(id); it != live_.end())
        return it->second;
    for (auto it = ended_.rbegin(); it != ended_.rend(); ++it)
        if ((*it)->id() == id)
            return *it;
    return nullptr;
}

std::vector<std::shared_ptr<live_session>> session_registry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<live_session>> out;
    for (auto const& [id, s] : live_)
        out.push_back(s);
    out.insert(out.end(), ended_.rbegin(), ended_.rend());
    return out;
}

std::size_t session_registry::live_count() const {
    std::lock_guard lock(mutex_);
    return live_.size();
}

std::size_t session_registry::ended_count() const {
    std::lock_guard lock(mutex_);
    return ended_.size();
}

void session_registry::on_end(live_session& session) {
    {
        std::lock_guard lock(mutex_);
        // A session rebuilt as ended was never live here.
        if (auto const it = live_.find(session.id());
            it != live_.end() && it->second.get() == &session)
            live_.erase(it);
        ended_.push_back(session.shared_from_this());
        for (auto const keep = config_.get()->recent_sessions; ended_.size() > keep;)
            ended_.pop_front();
    }
    if (auto const folder = session.info().archive; !folder.empty()) {
        note_archived(session.shared_from_this());
        auto const path = config_.get()->state_dir / "archive" / folder;
        announce("ended", path);
        // Approved while it was live: sent as approved now that its archive shows it.
        if (session.minutes_approved())
            announce("approved", path);
    }
}

void session_registry::note_archived(std::shared_ptr<live_session> const& s) {
    auto const archive = s->info().archive;
    std::lock_guard lock(mutex_);
    std::erase_if(archived_, [](auto const& entry) { return entry.second.expired(); });
    archived_[archive] = s;
}

std::shared_ptr<live_session> session_registry::listed_archive(std::string const& archive) const {
    std::lock_guard lock(mutex_);
    auto const it = archived_.find(archive);
    return it == archived_.end() ? nullptr : it->second.lock();
}

void session_registry::find_archived(std::string archive,
                                     std::function<void(std::shared_ptr<live_session>)> then) {
    if (auto s = listed_archive(archive))
        return then(std::move(s));
    net::post(disk_.archive, [this, archive = std::move(archive), then = std::move(then)] {
        // Looked up again: an edit just before this one may have rebuilt it.
        if (auto s = listed_archive(archive))
            return then(std::move(s));
        auto const journal = config_.get()->state_dir / "archive" / archive / "journal";
        std::error_code ec;
        if (!std::filesystem::exists(journal, ec))
            return then(nullptr);
        auto const start = std::chrono::steady_clock::now();
        auto s =
            live_session::recover(ioc_, disk_, journal, config_, metrics_, index_, {}, archive);
        if (s) {
            spdlog::info("archive {} rebuilt to edit its minutes in {} ms", archive,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count());
            note_archived(s);
            std::lock_guard lock(mutex_);
            last_rebuilt_ = s;
        }
        then(std::move(s));
    });
}

void session_registry::edit_archived(std::shared_ptr<live_session> const& s, archived_edit e) {
    e.approved = [this](std::filesystem::path const& folder) { announce("approved", folder); };
    net::post(s->strand(), [s, e = std::move(e)]() mutable { s->edit_archived(std::move(e)); });
}

void session_registry::rewrite_stale_archives() {
    net::post(disk_.archive, [this] {
        std::error_code ec;
        for (auto const& entry :
             std::filesystem::directory_iterator(config_.get()->state_dir / "archive", ec)) {
            auto const name = entry.path().filename().string();
            std::error_code stale_ec;
            if (name.starts_with('.') ||
                !std::filesystem::exists(entry.path() / "report.stale", stale_ec))
                continue;
            spdlog::warn("archive {}: its reports may not show its last edits; written again",
                         name);
            find_archived(name, [this](std::shared_ptr<live_session> s) {
                if (s)
                    edit_archived(s, archived_edit{});
            });
        }
    });
}

} // namespace minuted::daemon
