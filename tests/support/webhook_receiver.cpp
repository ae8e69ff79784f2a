#include "tests/support/webhook_receiver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>

namespace minuted::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct webhook_receiver::state {
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    mutable std::mutex mutex;
    mutable std::condition_variable arrived;
    std::vector<received_request> requests;
    std::vector<unsigned> statuses;
    std::string retry_after;
    std::atomic<bool> stopping{false};
};

webhook_receiver::webhook_receiver(std::vector<unsigned> statuses) : s_(std::make_shared<state>()) {
    s_->statuses = std::move(statuses);
    tcp::endpoint const ep(net::ip::make_address("127.0.0.1"), 0);
    s_->acceptor.open(ep.protocol());
    s_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    s_->acceptor.bind(ep);
    s_->acceptor.listen();
    port_ = s_->acceptor.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
}

webhook_receiver::~webhook_receiver() {
    // The acceptor is the server thread's alone until it has ended: a connection wakes its
    // blocking accept, and it sees that it is to stop.
    s_->stopping = true;
    boost::system::error_code ec;
    tcp::socket poke(s_->ioc);
    poke.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
}

std::string webhook_receiver::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
}

void webhook_receiver::set_retry_after(std::string value) {
    std::lock_guard lock(s_->mutex);
    s_->retry_after = std::move(value);
}

std::vector<received_request> webhook_receiver::wait_for(std::size_t n,
                                                         std::chrono::milliseconds timeout) const {
    std::unique_lock lock(s_->mutex);
    s_->arrived.wait_for(lock, timeout, [&] { return s_->requests.size() >= n; });
    return s_->requests;
}

// One request a connection: each notification comes on a connection of its own.
void webhook_receiver::serve() {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(s_->ioc);
        s_->acceptor.accept(socket, ec);
        if (ec || s_->stopping)
            return;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec)
            continue;
        unsigned status = 200;
        std::string retry_after;
        {
            std::lock_guard lock(s_->mutex);
            auto const i = s_->requests.size();
            if (!s_->statuses.empty())
                status = s_->statuses[std::min(i, s_->statuses.size() - 1)];
            retry_after = s_->retry_after;
            received_request r{
                std::string(req.target()), {}, req.body(), std::chrono::system_clock::now()};
            for (auto const& field : req)
                r.headers.insert(field.name_string(), field.value());
            s_->requests.push_back(std::move(r));
        }
        s_->arrived.notify_all();
        http::response<http::string_body> res(static_cast<http::status>(status), 11);
        res.set(http::field::content_type, "text/plain");
        if (status >= 300 && !retry_after.empty())
            res.set(http::field::retry_after, retry_after);
        res.body() = status < 300 ? "thanks" : "not now";
        res.keep_alive(false);
        res.prepare_payload();
        http::write(socket, res, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }
}

} // namespace minuted::testing
