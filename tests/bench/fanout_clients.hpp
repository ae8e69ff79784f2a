#pragma once

// The clients of the daemon's live fan-out benchmarks (minuted_fanout_bench,
// minuted_edit_bench): a caption source that sends on a schedule whatever the acks, and
// WebSocket viewers of /live that time every update they receive. All over loopback.

#include "tests/bench/socket_timestamps.hpp"
#include "tests/support/measure.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using testing::number_after;

// ---------------------------------------------------------------------------------------
// Ingest: a caption source that sends on schedule and reads acks as they come.

/// Ingest frames ready to send: the JSON of seq i + 1 at index i (the same for every session).
using payload_list = std::vector<std::string>;

struct ingest_result {
    std::size_t sent = 0;
    std::size_t acked = 0;
    std::size_t nacks = 0;
    std::size_t errors = 0;
    std::vector<std::int64_t> send_lag_ns;    ///< write started - scheduled
    std::vector<std::int64_t> ack_latency_ns; ///< ack received - scheduled
    std::vector<std::size_t> ack_frame;       ///< the frame (index) each of those acked
    std::string failure;
};

/// One ingest WebSocket to /ingest/{session}, on the ingest thread. `open` connects and opens
/// the session; `start` sends frame i at `schedule[i]`, queueing behind a write still in
/// progress, never waiting for acks. Counts `opened` and `finished` (all acked, or failed).
class ingest_stream : public std::enable_shared_from_this<ingest_stream> {
public:
    ingest_stream(net::io_context& ioc, unsigned short port, std::string session,
                  std::shared_ptr<payload_list const> payloads, std::atomic<std::size_t>& opened,
                  std::atomic<std::size_t>& finished)
        : ws_(ioc), timer_(ioc), port_(port), session_(std::move(session)),
          payloads_(std::move(payloads)), opened_(opened), finished_(finished) {}

    void open() {
        ws_.next_layer().async_connect(
            tcp::endpoint(net::ip::address_v4::loopback(), port_),
            beast::bind_front_handler(&ingest_stream::on_connect, shared_from_this()));
    }

    void start(std::vector<steady::time_point> schedule) {
        schedule_ = std::move(schedule);
        result_.send_lag_ns.reserve(schedule_.size());
        result_.ack_latency_ns.reserve(schedule_.size());
        result_.ack_frame.reserve(schedule_.size());
        if (schedule_.empty())
            return finish();
        do_read();
        arm_timer();
    }

    ingest_result const& result() const noexcept { return result_; }

private:
    void on_connect(beast::error_code ec) {
        if (ec)
            return fail(ec, "connect");
        ws_.next_layer().set_option(tcp::no_delay(true));
        ws_.async_handshake(
            "127.0.0.1:" + std::to_string(port_), "/ingest/" + session_,
            beast::bind_front_handler(&ingest_stream::on_handshake, shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (ec)
            return fail(ec, "handshake");
        ws_.text(true);
        open_message_ = boost::json::serialize(
            boost::json::object{{"type", "open"}, {"title", "fan-out bench " + session_}});
        ws_.async_write(net::buffer(open_message_),
                        beast::bind_front_handler(&ingest_stream::on_open, shared_from_this()));
    }

    void on_open(beast::error_code ec, std::size_t) {
        if (ec)
            return fail(ec, "open");
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&ingest_stream::on_welcome, shared_from_this()));
    }

    void on_welcome(beast::error_code ec, std::size_t) {
        if (ec)
            return fail(ec, "welcome");
        auto const text = beast::buffers_to_string(buffer_.data());
        buffer_.clear();
        if (!text.starts_with(R"({"type":"welcome")"))
            return fail({}, ("no welcome: " + text).c_str());
        opened_once_ = true;
        opened_.fetch_add(1);
    }

    void arm_timer() {
        if (next_due_ >= schedule_.size())
            return;
        timer_.expires_at(schedule_[next_due_]);
        timer_.async_wait(beast::bind_front_handler(&ingest_stream::on_timer, shared_from_this()));
    }

    void on_timer(beast::error_code ec) {
        if (ec || failed_)
            return;
        // Every frame that is due goes out now: a late timer does not shift the schedule.
        auto const now = steady::now();
        while (next_due_ < schedule_.size() && schedule_[next_due_] <= now)
            out_.push_back(next_due_++);
        if (!writing_ && !out_.empty())
            do_write();
        arm_timer();
    }

    void do_write() {
        writing_ = true;
        auto const i = out_.front();
        result_.send_lag_ns.push_back(nanos(steady::now() - schedule_[i]));
        ws_.async_write(net::buffer((*payloads_)[i]),
                        beast::bind_front_handler(&ingest_stream::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        writing_ = false;
        if (ec)
            return fail(ec, "write");
        out_.pop_front();
        ++result_.sent;
        if (!out_.empty())
            do_write();
    }

    void do_read() {
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&ingest_stream::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        auto const now = steady::now();
        if (ec)
            return fail(ec, "read");
        auto const data = buffer_.cdata();
        std::string_view const text(static_cast<char const*>(data.data()), data.size());
        if (text.starts_with(R"({"type":"ack")")) {
            auto const seq = number_after(text, R"("seq":)");
            if (seq && *seq >= 1 && *seq <= schedule_.size()) {
                ++result_.acked;
                result_.ack_latency_ns.push_back(nanos(now - schedule_[*seq - 1]));
                result_.ack_frame.push_back(*seq - 1);
            }
        } else if (text.starts_with(R"({"type":"nack")")) {
            ++result_.nacks;
        } else {
            ++result_.errors;
            if (result_.failure.empty())
                result_.failure = "daemon said: " + std::string(text);
        }
        buffer_.clear();
        if (result_.acked == schedule_.size())
            return finish();
        do_read();
    }

    void fail(beast::error_code ec, char const* what) {
        if (failed_ || finished_once_)
            return;
        failed_ = true;
        result_.failure = "ingest " + session_ + ": " + what + ": " + ec.message();
        timer_.cancel();
        finish();
        if (!opened_once_) {
            opened_once_ = true;
            opened_.fetch_add(1); // so nobody waits for an open that will not come
        }
    }

    void finish() {
        if (finished_once_)
            return;
        finished_once_ = true;
        finished_.fetch_add(1);
    }

    websocket::stream<tcp::socket> ws_;
    net::steady_timer timer_;
    unsigned short port_;
    std::string session_;
    std::shared_ptr<payload_list const> payloads_;
    std::atomic<std::size_t>& opened_;
    std::atomic<std::size_t>& finished_;
    std::string open_message_;
    beast::flat_buffer buffer_;
    std::vector<steady::time_point> schedule_;
    std::size_t next_due_ = 0;
    std::deque<std::size_t> out_;
    bool writing_ = false;
    bool failed_ = false;
    bool opened_once_ = false;
    bool finished_once_ = false;
    ingest_result result_;
};

// ---------------------------------------------------------------------------------------
// Subscribers: all on one io_context thread.

class fanout_client;

/// What one subscriber saw.
struct subscriber_record {
    std::size_t session = 0;
    bool has_snapshot = false;
    std::uint64_t first_rev = 0; ///< rev of its first snapshot
    std::uint64_t last_rev = 0;
    std::uint64_t updates = 0;   ///< updates received, rev after first_rev
    std::uint64_t skipped = 0;   ///< revs it never got as updates (gaps, later snapshots)
    std::uint64_t resyncs = 0;   ///< snapshots after the first
    std::uint64_t unordered = 0; ///< an update whose rev was not above the last
    bool closed = false;
    bool dropped = false; ///< closed while the run was being measured
    int close_code = 0;
    bool counted = false; ///< in `fanout_client::caught_up`
};

/// A /live/{session} WebSocket client that reads forever and reports every message to its
/// `fanout_client`.
class subscriber : public std::enable_shared_from_this<subscriber> {
public:
    subscriber(net::io_context& ioc, fanout_client& owner, std::size_t index)
        : ws_(ioc), owner_(owner), index_(index) {}

    void start(unsigned short port, std::string target) {
        target_ = std::move(target);
        port_ = port;
        ws_.next_layer().socket().async_connect(
            tcp::endpoint(net::ip::address_v4::loopback(), port),
            beast::bind_front_handler(&subscriber::on_connect, shared_from_this()));
    }

    void close() {
        beast::error_code ec;
        ws_.next_layer().socket().close(ec);
    }

private:
    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    void do_read() {
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&subscriber::on_read, shared_from_this()));
    }
    void on_read(beast::error_code ec, std::size_t);

    websocket::stream<timestamped_socket> ws_;
    fanout_client& owner_;
    std::size_t index_;
    unsigned short port_ = 0;
    std::string target_;
    beast::flat_buffer buffer_;
};

/// The subscribers of a run and what they measured. Every member function runs on the client
/// thread, apart from the atomics, which the main thread polls.
class fanout_client {
public:
    fanout_client(net::io_context& ioc, unsigned short port) : ioc_(ioc), port_(port) {}

    /// Connects `per_session` subscribers to each session, at most 200 connections being set
    /// up at a time (the daemon's listen backlog is finite).
    void connect(std::vector<std::string> const& sessions, std::size_t per_session) {
        sessions_ = sessions;
        for (std::size_t s = 0; s < sessions.size(); ++s)
            for (std::size_t k = 0; k < per_session; ++k)
                add_subscriber(s);
        for (std::size_t i = 0; i < 200; ++i)
            connect_next();
    }

    /// Adds `per_session` more subscribers to each session (the idle-memory steps).
    void connect_more(std::size_t count) {
        for (std::size_t k = 0; k < count; ++k)
            add_subscriber(0);
        for (std::size_t i = 0; i < 200; ++i)
            connect_next();
    }

    /// From now on, updates of session s are timed against `schedules[s]` (steady ns).
    void install(std::vector<std::vector<std::int64_t>> schedules, std::int64_t realtime_offset) {
        schedules_ = std::move(schedules);
        realtime_offset_ns_ = realtime_offset;
        std::size_t samples = 0;
        for (auto const& r : records_)
            samples += schedules_[r.session].size();
        latency_ns_.reserve(samples);
        kernel_latency_ns_.reserve(samples);
        client_lag_ns_.reserve(samples);
        measuring_ = true;
    }

    /// Counts into `caught_up` each subscriber whose last rev reaches its session's `final_rev`.
    void expect(std::vector<std::uint64_t> final_revs) {
        final_revs_ = std::move(final_revs);
        for (auto& r : records_)
            check_caught_up(r);
    }

    /// Stops measuring and closes every connection.
    void stop() {
        measuring_ = false;
        for (auto const& s : subscribers_)
            s->close();
    }

    std::vector<subscriber_record> const& records() const noexcept { return records_; }
    std::vector<std::int64_t>& latency_ns() noexcept { return latency_ns_; }
    std::vector<std::int64_t>& kernel_latency_ns() noexcept { return kernel_latency_ns_; }
    std::vector<std::int64_t>& client_lag_ns() noexcept { return client_lag_ns_; }
    std::size_t count() const noexcept { return subscribers_.size(); }

    std::atomic<std::size_t> ready{0};     ///< subscribers that have their first snapshot
    std::atomic<std::size_t> failed{0};    ///< connections that failed or closed
    std::atomic<std::size_t> caught_up{0}; ///< see `expect`
    std::string first_failure;             ///< read after the client thread stops
    std::string sample_update;             ///< the first update timed, as received
    /// While measuring, called with every update a subscriber applies in order and every
    /// snapshot that resyncs it: (subscriber, message, received, kernel receive time in steady
    /// ns or 0).
    std::function<void(std::size_t, std::string_view, steady::time_point, std::int64_t)> observer;

    void on_connected(std::size_t) { connect_next(); }

    void on_failed(std::size_t i, std::string const& why) {
        if (first_failure.empty())
            first_failure = "subscriber " + std::to_string(i) + ": " + why;
        records_[i].closed = true;
        failed.fetch_add(1);
        connect_next();
    }

    void on_closed(std::size_t i, int code) {
        if (records_[i].closed)
            return;
        records_[i].closed = true;
        records_[i].close_code = code;
        if (measuring_) {
            records_[i].dropped = true;
            failed.fetch_add(1);
            if (first_failure.empty())
                first_failure = "subscriber " + std::to_string(i) + " closed by the daemon, code " +
                                std::to_string(code);
        }
    }

    void on_message(std::size_t i, std::string_view m, steady::time_point received,
                    std::int64_t kernel_rx_ns) {
        auto& r = records_[i];
        auto const rev = number_after(m, R"("rev":)").value_or(0);
        if (m.starts_with(R"({"type":"snapshot")")) {
            if (!r.has_snapshot) {
                r.has_snapshot = true;
                r.first_rev = r.last_rev = rev;
                ready.fetch_add(1);
            } else {
                ++r.resyncs;
                if (rev > r.last_rev)
                    r.skipped += rev - r.last_rev;
                r.last_rev = std::max(r.last_rev, rev);
                if (measuring_ && observer)
                    observer(i, m, received, kernel_steady_ns(kernel_rx_ns));
            }
            return check_caught_up(r);
        }
        if (!m.starts_with(R"({"type":"update")") || !r.has_snapshot)
            return;
        if (rev <= r.last_rev) {
            ++r.unordered;
            return;
        }
        r.skipped += rev - r.last_rev - 1;
        r.last_rev = rev;
        ++r.updates;
        check_caught_up(r);
        if (!measuring_)
            return;
        if (observer)
            observer(i, m, received, kernel_steady_ns(kernel_rx_ns));
        auto const seq = number_after(m, R"("seq":)").value_or(0);
        auto const& schedule = schedules_[r.session];
        if (seq == 0 || seq > schedule.size())
            return;
        if (sample_update.empty())
            sample_update = std::string(m);
        auto const scheduled = schedule[seq - 1];
        auto const received_ns = nanos(received.time_since_epoch());
        latency_ns_.push_back(received_ns - scheduled);
        if (kernel_rx_ns != 0) {
            auto const kernel_ns = kernel_steady_ns(kernel_rx_ns);
            kernel_latency_ns_.push_back(kernel_ns - scheduled);
            client_lag_ns_.push_back(received_ns - kernel_ns);
        }
    }

    /// A kernel receive timestamp (CLOCK_REALTIME ns) in steady ns; 0 stays 0 (none).
    std::int64_t kernel_steady_ns(std::int64_t kernel_rx_ns) const noexcept {
        return kernel_rx_ns == 0 ? 0 : kernel_rx_ns - realtime_offset_ns_;
    }

private:
    void add_subscriber(std::size_t session) {
        records_.push_back({});
        records_.back().session = session;
        subscribers_.push_back(std::make_shared<subscriber>(ioc_, *this, subscribers_.size()));
    }

    void connect_next() {
        if (next_ >= subscribers_.size())
            return;
        auto const i = next_++;
        subscribers_[i]->start(port_, "/live/" + sessions_[records_[i].session]);
    }

    void check_caught_up(subscriber_record& r) {
        if (!final_revs_.empty() && !r.counted && r.last_rev >= final_revs_[r.session]) {
            r.counted = true;
            caught_up.fetch_add(1);
        }
    }

    net::io_context& ioc_;
    unsigned short port_;
    std::vector<std::string> sessions_;
    std::vector<std::shared_ptr<subscriber>> subscribers_;
    std::vector<subscriber_record> records_;
    std::size_t next_ = 0;
    std::vector<std::vector<std::int64_t>> schedules_;
    std::int64_t realtime_offset_ns_ = 0;
    bool measuring_ = false;
    std::vector<std::uint64_t> final_revs_;
    std::vector<std::int64_t> latency_ns_;
    std::vector<std::int64_t> kernel_latency_ns_;
    std::vector<std::int64_t> client_lag_ns_;
};

inline void subscriber::on_connect(beast::error_code ec) {
    if (ec)
        return owner_.on_failed(index_, "connect: " + ec.message());
    ws_.next_layer().enable_timestamps();
    ws_.async_handshake("127.0.0.1:" + std::to_string(port_), target_,
                        beast::bind_front_handler(&subscriber::on_handshake, shared_from_this()));
}

inline void subscriber::on_handshake(beast::error_code ec) {
    if (ec)
        return owner_.on_failed(index_, "handshake: " + ec.message());
    owner_.on_connected(index_);
    do_read();
}

inline void subscriber::on_read(beast::error_code ec, std::size_t) {
    auto const received = steady::now();
    if (ec)
        return owner_.on_closed(index_, ws_.reason().code);
    auto const data = buffer_.cdata();
    owner_.on_message(index_, std::string_view(static_cast<char const*>(data.data()), data.size()),
                      received, ws_.next_layer().last_rx_ns());
    buffer_.clear();
    do_read();
}

} // namespace minuted::bench
