#include "protocol/websocket_frames.hpp"

#include "protocol/utf8.hpp"

#include <algorithm>

namespace minuted::protocol {

namespace {

class ws_category_impl : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "minuted.websocket"; }
    std::string message(int ev) const override {
        switch (static_cast<ws_error>(ev)) {
        case ws_error::unmasked:
            return "a client's frame was not masked";
        case ws_error::reserved_bits:
            return "a frame set reserved bits no extension was agreed for";
        case ws_error::unknown_opcode:
            return "a frame had an unknown opcode";
        case ws_error::bad_control_frame:
            return "a control frame was fragmented or longer than 125 bytes";
        case ws_error::bad_continuation:
            return "a frame continued no message, or began one before the last ended";
        case ws_error::bad_length:
            return "a frame's length was not in its shortest form";
        case ws_error::bad_close:
            return "a close frame had a bad code or reason";
        case ws_error::too_big:
            return "a message was larger than this connection takes";
        case ws_error::invalid_utf8:
            return "a text message was not valid UTF-8";
        }
        return "websocket error";
    }
};

constexpr std::size_t max_control_payload = 125;

// Whether a peer may send `code` in a close frame (RFC 6455 §7.4; 1012-1014 are registered
// with IANA since).
bool is_sendable_close_code(std::uint16_t code) noexcept {
    if (code >= 3000 && code <= 4999)
        return true;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

bool is_known(ws_opcode op) noexcept {
    switch (op) {
    case ws_opcode::continuation:
    case ws_opcode::text:
    case ws_opcode::binary:
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
        return true;
    default:
        return false;
    }
}

// The payload length a frame's header gives, and the header's size up to its masking key.
// Sets `need_more` if `in` does not hold the whole length yet.
boost::system::error_code read_length(std::string_view in, std::uint64_t& length,
                                      std::size_t& header, bool& need_more) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
    length = byte(1) & 0x7F;
    header = 2;
    if (length == 126) {
        if (in.size() < 4) {
            need_more = true;
            return {};
        }
        length = (std::uint64_t{byte(2)} << 8) | byte(3);
        if (length < 126)
            return ws_error::bad_length;
        header = 4;
    } else if (length == 127) {
        if (in.size() < 10) {
            need_more = true;
            return {};
        }
        length = 0;
        for (std::size_t i = 2; i < 10; ++i)
            length = (length << 8) | byte(i);
        if (length <= 0xFFFF || (length >> 63) != 0)
            return ws_error::bad_length;
        header = 10;
    }
    return {};
}

// A close frame's code and reason; 1005 (none given) for an empty payload.
boost::system::error_code read_close(std::string const& payload, std::vector<ws_event>& out) {
    ws_event e{ws_event::kind::close, {}, 1005, payload.size()};
    if (payload.size() == 1)
        return ws_error::bad_close;
    if (payload.size() >= 2) {
        e.code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                            static_cast<std::uint8_t>(payload[1]));
        e.payload = payload.substr(2);
        if (!is_sendable_close_code(e.code) || !is_valid_utf8(e.payload))
            return ws_error::bad_close;
    }
    out.push_back(std::move(e));
    return {};
}

} // namespace

boost::system::error_category const& ws_category() noexcept {
    static ws_category_impl const instance;
    return instance;
}

boost::system::error_code make_error_code(ws_error e) noexcept {
    return {static_cast<int>(e), ws_category()};
}

std::uint16_t close_code_for(ws_error e) noexcept {
    switch (e) {
    case ws_error::too_big:
        return 1009;
    case ws_error::invalid_utf8:
        return 1007;
    default:
        return 1002;
    }
}

ws_frame::ws_frame(ws_opcode op, std::string_view payload) {
    auto const n = payload.size();
    header_size_ = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    bytes_.reserve(header_size_ + n);
    bytes_.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
    if (n < 126) {
        bytes_.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
        bytes_.push_back(static_cast<char>(126));
        bytes_.push_back(static_cast<char>(n >> 8));
        bytes_.push_back(static_cast<char>(n & 0xFF));
    } else {
        bytes_.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            bytes_.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
    }
    bytes_.append(payload);
}

ws_frame ws_frame::text(std::string_view payload) {
    return ws_frame(ws_opcode::text, payload);
}

ws_frame ws_frame::control(ws_opcode op, std::string_view payload) {
    return ws_frame(op, payload.substr(0, max_control_payload));
}

ws_frame ws_frame::close(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(utf8_prefix(reason, max_control_payload - 2));
    return ws_frame(ws_opcode::close, payload);
}

boost::system::error_code ws_client_reader::put(std::string_view bytes,
                                                std::vector<ws_event>& out) {
    // A frame split over reads is joined in partial_; whole frames are read in place.
    std::string joined;
    if (!partial_.empty()) {
        joined = std::move(partial_);
        joined.append(bytes);
        partial_.clear();
        bytes = joined;
    }
    while (!bytes.empty()) {
        bool need_more = false;
        if (auto const ec = take_frame(bytes, out, need_more))
            return ec;
        if (need_more) {
            partial_.assign(bytes);
            break;
        }
    }
    return {};
}

boost::system::error_code
ws_client_reader::take_frame(std::string_view& in, std::vector<ws_event>& out, bool& need_more) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
    if (in.size() < 2) {
        need_more = true;
        return {};
    }
    bool const fin = (byte(0) & 0x80) != 0;
    auto const op = static_cast<ws_opcode>(byte(0) & 0x0F);
    if ((byte(0) & 0x70) != 0)
        return ws_error::reserved_bits;
    bool const control = (byte(0) & 0x08) != 0;
    if (!is_known(op))
        return ws_error::unknown_opcode;
    if ((byte(1) & 0x80) == 0)
        return ws_error::unmasked;
    std::uint64_t length = 0;
    std::size_t header = 0;
    if (auto const ec = read_length(in, length, header, need_more); ec || need_more)
        return ec;
    if (control && (!fin || length > max_control_payload))
        return ws_error::bad_control_frame;
    if (!control) {
        if ((op == ws_opcode::continuation) != in_message_)
            return ws_error::bad_continuation;
        // Refused from its header: a frame too big is never buffered.
        if (length > max_message_ - message_size_)
            return ws_error::too_big;
    }
    header += 4; // the masking key
    if (in.size() < header || in.size() - header < length) {
        need_more = true;
        return {};
    }
    auto const key = in.substr(header - 4, 4);
    std::string payload(in.substr(header, static_cast<std::size_t>(length)));
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
    in.remove_prefix(header + static_cast<std::size_t>(length));

    if (!control) {
        if (op != ws_opcode::continuation) {
            in_message_ = true;
            message_is_text_ = op == ws_opcode::text;
        }
        message_size_ += payload.size();
        if (message_is_text_)
            message_.append(payload);
        if (fin) {
            // A text message's UTF-8 is checked whole: a sequence may span its fragments.
            if (message_is_text_ && !is_valid_utf8(message_))
                return ws_error::invalid_utf8;
            out.push_back({ws_event::kind::message, {}, 0, message_size_});
            in_message_ = false;
            message_.clear();
            message_size_ = 0;
        }
        return {};
    }
    if (op == ws_opcode::close)
        return read_close(payload, out);
    auto const size = payload.size();
    out.push_back({op == ws_opcode::ping ? ws_event::kind::ping : ws_event::kind::pong,
                   std::move(payload), 0, size});
    return {};
}

} // namespace minuted::protocol
