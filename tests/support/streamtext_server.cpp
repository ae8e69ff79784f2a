#include "tests/support/streamtext_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

namespace minuted::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct streamtext_server::state {
    std::string event, language;
    net::io_context ioc;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::thread accepting;
    mutable std::mutex mutex; // everything below
    std::string text;
    std::vector<std::size_t> starts; // the byte where each character starts
    std::chrono::steady_clock::time_point appended{};
    behaviour how = behaviour::normal;
    std::string retry_after;
    std::size_t huge_bytes = 0;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> connections;
    bool stopping = false;
};

streamtext_server::streamtext_server(std::string event, std::string language)
    : s_(std::make_unique<state>()) {
    s_->event = std::move(event);
    s_->language = std::move(language);
    open();
}

streamtext_server::~streamtext_server() {
    std::vector<std::thread> connections;
    {
        std::lock_guard lock(s_->mutex);
        s_->stopping = true;
    }
    close_all();
    {
        std::lock_guard lock(s_->mutex);
        connections.swap(s_->connections);
    }
    for (auto& t : connections)
        t.join();
}

std::string streamtext_server::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/captions";
}

void streamtext_server::open() {
    s_->acceptor = std::make_unique<tcp::acceptor>(s_->ioc);
    tcp::endpoint const at(net::ip::make_address("127.0.0.1"), port_);
    s_->acceptor->open(at.protocol());
    s_->acceptor->set_option(tcp::acceptor::reuse_address(true));
    s_->acceptor->bind(at);
    s_->acceptor->listen();
    port_ = s_->acceptor->local_endpoint().port();
    s_->accepting = std::thread([this] { accept_loop(); });
}

// Wakes the accepting thread and every connection's thread (a shutdown of the socket is safe
// from another thread; a close is not), then waits for the acceptor's thread.
void streamtext_server::close_all() {
    {
        std::lock_guard lock(s_->mutex);
        for (auto const& socket : s_->sockets)
            ::shutdown(socket->native_handle(), SHUT_RDWR);
        s_->sockets.clear();
    }
    if (s_->acceptor) {
        ::shutdown(s_->acceptor->native_handle(), SHUT_RDWR);
        s_->accepting.join();
        s_->acceptor.reset();
    }
}

void streamtext_server::accept_loop() {
    for (;;) {
        auto socket = std::make_shared<tcp::socket>(s_->ioc);
        boost::system::error_code ec;
        s_->acceptor->accept(*socket, ec);
        if (ec)
            return;
        std::lock_guard lock(s_->mutex);
        if (s_->stopping || s_->how == behaviour::refusing)
            return;
        s_->sockets.push_back(socket);
        s_->connections.emplace_back([this, socket] { serve(socket); });
    }
}

void streamtext_server::serve(std::shared_ptr<void> handle) {
    auto& socket = *std::static_pointer_cast<tcp::socket>(handle);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::empty_body> req;
        boost::system::error_code ec;
        http::read(socket, buffer, req, ec);
        if (ec)
            return;
        auto const u = boost::urls::parse_origin_form(req.target());
        std::int64_t last = -1;
        std::size_t length = 0;
        std::string event;
        if (u) {
            for (auto const& p : u->params()) {
                if (p.key == "last")
                    last = std::stoll(p.value);
                else if (p.key == "length")
                    length = std::stoul(p.value);
                else if (p.key == "event")
                    event = p.value;
            }
        }
        last_asked_ = last;
        http::response<http::string_body> res(http::status::ok, req.version());
        res.set(http::field::content_type, "application/json; charset=utf-8");
        {
            std::lock_guard lock(s_->mutex);
            auto const now = s_->starts.size();
            auto const from =
                last < 0 ? now : std::min<std::size_t>(now, static_cast<std::size_t>(last));
            auto const to = length > 0 ? std::min(now, from + length) : now;
            auto const byte = [&](std::size_t i) {
                return i < now ? s_->starts[i] : s_->text.size();
            };
            boost::json::object answer{
                {"content", s_->text.substr(byte(from), byte(to) - byte(from))},
                {"lastPosition", to},
                {"languageCode", s_->language}};
            switch (s_->how) {
            case behaviour::normal:
            case behaviour::refusing:
                if (event != s_->event) {
                    res.result(http::status::not_found);
                    answer = {{"error", "no such event"}};
                }
                break;
            case behaviour::unavailable:
                res.result(http::status::service_unavailable);
                res.set(http::field::retry_after, s_->retry_after);
                break;
            case behaviour::too_many:
                res.result(http::status::too_many_requests);
                res.set(http::field::retry_after, s_->retry_after);
                break;
            case behaviour::garbage:
                res.body() = "<html>Service temporarily unavailable</html>";
                break;
            case behaviour::backwards:
                answer["content"] = "x";
                answer["lastPosition"] = from > 0 ? from - 1 : 0;
                if (from == 0)
                    answer["content"] = "";
                break;
            case behaviour::huge:
                answer["content"] = std::string(s_->huge_bytes, 'h');
                answer["lastPosition"] = from + s_->huge_bytes;
                break;
            }
            if (res.body().empty())
                res.body() = boost::json::serialize(answer);
        }
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        ++requests_;
        http::write(socket, res, ec);
        if (ec || !req.keep_alive())
            return;
    }
}

void streamtext_server::append(std::string const& text) {
    std::lock_guard lock(s_->mutex);
    for (std::size_t i = 0; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
            s_->starts.push_back(s_->text.size() + i);
    s_->text += text;
    s_->appended = std::chrono::steady_clock::now();
}

std::string streamtext_server::text() const {
    std::lock_guard lock(s_->mutex);
    return s_->text;
}

std::uint64_t streamtext_server::position() const {
    std::lock_guard lock(s_->mutex);
    return s_->starts.size();
}

std::chrono::steady_clock::time_point streamtext_server::appended_at() const {
    std::lock_guard lock(s_->mutex);
    return s_->appended;
}

void streamtext_server::set(behaviour b, std::string retry_after, std::size_t huge_bytes) {
    bool was_refusing = false;
    {
        std::lock_guard lock(s_->mutex);
        was_refusing = s_->how == behaviour::refusing;
        s_->how = b;
        s_->retry_after = std::move(retry_after);
        s_->huge_bytes = huge_bytes;
    }
    if (b == behaviour::refusing && !was_refusing)
        close_all();
    else if (b != behaviour::refusing && was_refusing)
        open();
}

} // namespace minuted::testing
