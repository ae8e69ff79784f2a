#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/system/error_code.hpp>

namespace minuted::daemon {

/// Whether `ec` ends a connection the normal way: the peer closed it (end of file, a WebSocket
/// close, an HTTP connection with no next request) or the daemon did (an operation its own
/// close or cancel aborted). Every connection (HTTP, viewers, relay subscribers, caption
/// sources) reads its endings through this one test: anything else (a reset, a timeout, a
/// protocol error) is worth a log line and a count.
inline bool is_normal_ending(boost::system::error_code const& ec) noexcept {
    return !ec || ec == boost::asio::error::eof || ec == boost::asio::error::operation_aborted ||
           ec == boost::beast::websocket::error::closed ||
           ec == boost::beast::http::error::end_of_stream;
}

} // namespace minuted::daemon
