#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

/// A WebSocket frame's opcode (RFC 6455 §5.2).
enum class ws_opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

/// A message a server sends, framed once: the bytes every subscriber's socket gets. A server's
/// frames are not masked (§5.1), so one framing serves every connection, and one send() per
/// subscriber is all a delivery costs. One final frame per message (no fragments), no
/// extension (permessage-deflate is never negotiated).
class ws_frame {
public:
    /// A text message; `payload` must be valid UTF-8 (the caller's JSON or relayed text).
    static ws_frame text(std::string_view payload);
    /// A ping or pong carrying `payload` (at most 125 bytes: longer is cut).
    static ws_frame control(ws_opcode op, std::string_view payload);
    /// A close frame with `code` and `reason`, cut to a close frame's 123 bytes at a UTF-8
    /// boundary.
    static ws_frame close(std::uint16_t code, std::string_view reason);

    /// The whole frame: header, then payload.
    std::string_view bytes() const noexcept { return bytes_; }
    std::string_view payload() const noexcept {
        return std::string_view(bytes_).substr(header_size_);
    }
    ws_opcode opcode() const noexcept { return static_cast<ws_opcode>(bytes_[0] & 0x0F); }

private:
    ws_frame(ws_opcode op, std::string_view payload);

    std::string bytes_;
    std::uint8_t header_size_ = 0;
};

/// A message framed once and shared by every subscriber it goes to.
using shared_frame = std::shared_ptr<ws_frame const>;

/// `text` (UTF-8) as a text message, framed once to share.
inline shared_frame shared_text_frame(std::string_view text) {
    return std::make_shared<ws_frame const>(ws_frame::text(text));
}

/// Why a client's frames are refused; each maps to a close code (`close_code_for`).
enum class ws_error {
    unmasked = 1,      ///< a client's frame must be masked (§5.1)
    reserved_bits,     ///< RSV1-3 set with no extension negotiated
    unknown_opcode,    ///< opcodes 3-7 and 0xB-0xF
    bad_control_frame, ///< a control frame fragmented or longer than 125 bytes
    bad_continuation,  ///< a continuation with no message begun, or a new one before the end
    bad_length,        ///< a 64-bit length with its top bit set, or not in its shortest form
    bad_close,         ///< a close payload of 1 byte, a code no peer may send, or bad UTF-8
    too_big,           ///< a message larger than the reader takes
    invalid_utf8,      ///< a text message that is not UTF-8
};

boost::system::error_category const& ws_category() noexcept;
boost::system::error_code make_error_code(ws_error e) noexcept;
/// The close code to answer `e` with: 1009 (too big), 1007 (bad UTF-8), else 1002.
std::uint16_t close_code_for(ws_error e) noexcept;

/// One complete frame or message read from a client.
struct ws_event {
    enum class kind {
        message, ///< a whole text or binary message; its payload is dropped (`size` says how big)
        ping,    ///< answer with a pong carrying `payload`
        pong,
        close, ///< `code` (1005 if the frame had none) and `payload` as the reason
    };
    kind what = kind::message;
    std::string payload;
    std::uint16_t code = 0;
    std::size_t size = 0;
};

/// Reads the frames a WebSocket client sends a server that only pushes (a viewer): control
/// frames are returned whole; data messages are checked (size, UTF-8 of text) and dropped.
/// Incremental like Beast's `basic_parser`: `put` takes any slice of the byte stream and keeps a
/// partial frame for the next call. Pure: no I/O, never throws on input.
class ws_client_reader {
public:
    /// `max_message`: the largest data message taken, in bytes (its fragments together).
    explicit ws_client_reader(std::size_t max_message) : max_message_(max_message) {}

    /// Consumes `bytes`, appending an event per complete control frame or data message to
    /// `out`. An error ends the stream: the caller closes with `close_code_for(error)`; the
    /// events before it were valid.
    boost::system::error_code put(std::string_view bytes, std::vector<ws_event>& out);

    /// Bytes held of a frame not yet complete.
    std::size_t buffered() const noexcept { return partial_.size(); }

private:
    boost::system::error_code take_frame(std::string_view& in, std::vector<ws_event>& out,
                                         bool& need_more);

    std::size_t max_message_;
    std::string partial_;          ///< the start of a frame that needs more bytes
    bool in_message_ = false;      ///< a fragmented data message has begun
    bool message_is_text_ = false; ///< ... and it is text
    std::string message_;          ///< its text so far, for the UTF-8 check
    std::size_t message_size_ = 0;
};

} // namespace minuted::protocol

template <>
struct boost::system::is_error_code_enum<minuted::protocol::ws_error> : std::true_type {};
