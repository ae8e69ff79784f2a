#pragma once

#include "config/config.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream_base.hpp>

#include <cstdint>
#include <string_view>

namespace minuted::daemon {

// Close codes beyond RFC 6455's, in the private range.
constexpr std::uint16_t close_unknown_session = 4404;
constexpr std::uint16_t close_unauthorized = 4401; // no token, as HTTP 401
constexpr std::uint16_t close_forbidden = 4403;    // wrong token or origin, as HTTP 403
constexpr std::uint16_t close_too_slow = 4008;

/// WebSocket close code 1013: the journal cannot be written now, or a limit is reached; the
/// peer tries again later.
inline constexpr std::uint16_t close_try_again_later = 1013;
/// A message could not be applied because of a fault in minuted, not in the message.
inline constexpr std::uint16_t close_internal_error = 1011;

// Handshake and idle limits of a WebSocket: a silent peer is pinged at half the idle time.
inline boost::beast::websocket::stream_base::timeout ws_timeouts(config::settings const& s) {
    return {s.handshake_timeout, s.connection_idle_timeout, true};
}

inline boost::beast::websocket::close_reason close_reason(std::uint16_t code,
                                                          std::string_view why) {
    // A close frame's reason has room for 123 bytes.
    return boost::beast::websocket::close_reason(
        static_cast<boost::beast::websocket::close_code>(code), why.substr(0, 123));
}

} // namespace minuted::daemon
