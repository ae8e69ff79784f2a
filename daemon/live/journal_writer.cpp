#include "daemon/live/journal_writer.hpp"

#include "daemon/archive/archive_files.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace minuted::daemon {

namespace net = boost::asio;

namespace {

std::error_code last_error() {
    return {errno, std::generic_category()};
}

constexpr std::chrono::seconds retry_delay{1};

} // namespace

journal_writer::journal_writer(strand_type strand, net::any_io_executor disk,
                               std::filesystem::path path,
                               std::chrono::milliseconds commit_interval, metrics& counters)
    : strand_(std::move(strand)), disk_(std::move(disk)), path_(std::move(path)),
      interval_(commit_interval), metrics_(counters), timer_(strand_) {}

journal_writer::~journal_writer() {
    if (fd_ >= 0)
        ::close(fd_);
}

std::string journal_writer::failure_now() const {
    std::lock_guard lock(failure_now_mutex_);
    return failure_now_;
}

void journal_writer::set_failure_now(std::string const& failure) {
    std::lock_guard lock(failure_now_mutex_);
    failure_now_ = failure;
}

void journal_writer::adopt_existing(journal_position size) {
    appended_ = durable_ = size;
}

journal_position journal_writer::append(protocol::journal_record const& r) {
    auto const bytes = protocol::encode_journal_record(r);
    pending_ += bytes;
    appended_ += bytes.size();
    schedule();
    return appended_;
}

void journal_writer::when_durable(journal_position p, std::function<void(bool)> done) {
    if (p <= durable_)
        return done(true);
    waiters_.emplace(p, std::move(done));
}

void journal_writer::schedule() {
    // A running commit reschedules when it completes; an armed timer (the interval, or the
    // retry after a failure) commits when it fires.
    if (committing_ || timer_armed_ || (pending_.empty() && !batch_))
        return;
    auto const due = last_commit_ + interval_;
    if (std::chrono::steady_clock::now() >= due)
        return start_commit();
    timer_armed_ = true;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->timer_armed_ = false;
        if (!ec)
            self->start_commit();
    });
}

void journal_writer::cut_batch() {
    if (!batch_) {
        batch_ = std::make_shared<batch>();
        batch_->start = durable_;
        batch_->rewrite = fd_ < 0;
    }
    // A failed batch keeps its bytes; what arrived since follows them.
    batch_->bytes += pending_;
    pending_.clear();
    batch_->end = appended_;
}

void journal_writer::start_commit() {
    if (committing_)
        return;
    cut_batch();
    if (batch_->end == durable_) {
        batch_.reset();
        return;
    }
    committing_ = true;
    last_commit_ = std::chrono::steady_clock::now();
    net::post(disk_, [self = shared_from_this(), b = batch_] {
        auto const ec = self->write_and_sync(*b);
        net::post(self->strand_, [self, ec] { self->on_commit(ec); });
    });
}

void journal_writer::on_commit(std::error_code ec) {
    committing_ = false;
    if (ec) {
        metrics_.journal_failures.fetch_add(1, std::memory_order_relaxed);
        if (failure_.empty())
            spdlog::error("journal {}: cannot write: {}; new captions are refused until it can, "
                          "retrying every second",
                          path_.string(), ec.message());
        failure_ = ec.message();
        set_failure_now(failure_);
        batch_->rewrite = true;
        // Whoever waits is told now rather than after the disk comes back, which may be never.
        auto failed = std::move(waiters_);
        waiters_.clear();
        for (auto& [p, done] : failed)
            done(false);
        timer_armed_ = true;
        timer_.expires_after(retry_delay);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            self->timer_armed_ = false;
            if (!e)
                self->start_commit();
        });
        return;
    }
    if (!failure_.empty()) {
        spdlog::info("journal {}: writable again after: {}", path_.string(), failure_);
        failure_.clear();
        set_failure_now(failure_);
    }
    metrics_.journal_commits.fetch_add(1, std::memory_order_relaxed);
    durable_ = batch_->end;
    batch_.reset();
    // Taken out before they run: a waiter may register another.
    auto const last = waiters_.upper_bound(durable_);
    std::vector<std::function<void(bool)>> ready;
    for (auto it = waiters_.begin(); it != last; ++it)
        ready.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), last);
    for (auto& done : ready)
        done(true);
    schedule();
}

std::error_code journal_writer::write_and_sync(batch& b) {
    if (fd_ < 0) {
        std::error_code ec;
        std::filesystem::create_directories(path_.parent_path(), ec);
        if (ec)
            return ec;
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd_ < 0)
            return last_error();
        if (auto const e = sync_folder(path_.parent_path())) {
            ::close(fd_);
            fd_ = -1;
            return e;
        }
    }
    if (b.rewrite) {
        // Appends go to the end of the file, so it must end where the batch starts.
        if (::ftruncate(fd_, static_cast<off_t>(b.start)) != 0)
            return last_error();
        b.written = 0;
        b.rewrite = false;
    }
    while (b.written < b.bytes.size()) {
        auto const n = ::write(fd_, b.bytes.data() + b.written, b.bytes.size() - b.written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return last_error();
        b.written += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0)
        return last_error();
    return {};
}

bool journal_writer::flush_at_exit() {
    waiters_.clear(); // nobody is left to answer; they hold sessions and connections
    if (batch_ || !pending_.empty()) {
        cut_batch();
        if (auto const ec = write_and_sync(*batch_)) {
            batch_->rewrite = true;
            spdlog::error("journal {}: {} bytes not written at exit: {}; the source resends "
                          "what was not acknowledged",
                          path_.string(), batch_->bytes.size() - batch_->written, ec.message());
            return false;
        }
        durable_ = batch_->end;
        batch_.reset();
    }
    close_file();
    return true;
}

void journal_writer::close_file() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

} // namespace minuted::daemon
