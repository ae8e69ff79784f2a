#include "protocol/utf8.hpp"

namespace minuted::protocol {

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool utf8_decoder::start(std::uint8_t b) noexcept {
    // The narrowed second-byte ranges reject overlong forms, surrogates and > U+10FFFF
    // at the first byte where they can be told apart (Unicode Table 3-7).
    if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
        cp_ = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        cp_ = b & 0x0Fu;
        lower_ = b == 0xE0 ? 0xA0 : 0x80;
        upper_ = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        cp_ = b & 0x07u;
        lower_ = b == 0xF0 ? 0x90 : 0x80;
        upper_ = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        return false;
    }
    return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
    utf8_decoder d;
    d.put(text, [](char32_t) {});
    d.finish([](char32_t) {});
    return d.invalid() == 0;
}

std::size_t utf16_length(std::string_view text) noexcept {
    std::size_t n = 0;
    for (char const c : text) {
        auto const b = static_cast<std::uint8_t>(c);
        // Each character's first byte counts; a four-byte one is a surrogate pair.
        n += (b & 0xC0u) == 0x80u ? 0u : b >= 0xF0u ? 2u : 1u;
    }
    return n;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
    if (text.size() <= max_bytes)
        return text;
    auto end = max_bytes;
    while (end > 0 && (static_cast<std::uint8_t>(text[end]) & 0xC0u) == 0x80u)
        --end; // text[end] continues a character begun before it: cut before that one
    return text.substr(0, end);
}

} // namespace minuted::protocol
