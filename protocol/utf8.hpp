#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace minuted::protocol {

/// The code point that stands in for bytes that are not valid UTF-8.
inline constexpr char32_t replacement_character = 0xFFFD;

/// Appends the UTF-8 encoding of `cp` to `out`. `cp` must be a Unicode scalar value.
void append_utf8(std::string& out, char32_t cp);

/// Incremental UTF-8 decoder: bytes in any chunking, code points out.
///
/// A sequence split across two `put` calls is carried over. Every maximal invalid subpart
/// (as in Unicode's "U+FFFD substitution of maximal subparts") becomes one U+FFFD and is
/// counted; overlong forms, surrogates and values above U+10FFFF are invalid.
class utf8_decoder {
public:
    /// Decodes `bytes`, calling `emit(char32_t)` once per code point.
    template <class Emit>
    void put(std::string_view bytes, Emit&& emit) {
        std::size_t i = 0;
        while (i < bytes.size()) {
            auto const b = static_cast<std::uint8_t>(bytes[i]);
            if (need_ == 0) {
                ++i;
                if (b < 0x80) {
                    emit(static_cast<char32_t>(b));
                } else if (!start(b)) {
                    ++invalid_;
                    emit(replacement_character);
                }
                continue;
            }
            if (b < lower_ || b > upper_) {
                // The sequence broke off: replace what we had and look at `b` afresh.
                reset();
                ++invalid_;
                emit(replacement_character);
                continue;
            }
            ++i;
            lower_ = 0x80;
            upper_ = 0xBF;
            cp_ = (cp_ << 6) | (b & 0x3Fu);
            if (--need_ == 0)
                emit(cp_);
        }
    }

    /// Ends the stream: an incomplete trailing sequence becomes one U+FFFD.
    template <class Emit>
    void finish(Emit&& emit) {
        if (need_ != 0) {
            reset();
            ++invalid_;
            emit(replacement_character);
        }
    }

    /// How many U+FFFD were produced for invalid input so far.
    std::size_t invalid() const noexcept { return invalid_; }

private:
    bool start(std::uint8_t b) noexcept;
    // Between sequences the second-byte range must be the default one: start() narrows it
    // only for E0, ED, F0 and F4, so a narrowed range left over from a sequence that broke
    // off would reject the valid continuation of the next two-byte sequence.
    void reset() noexcept {
        need_ = 0;
        lower_ = 0x80;
        upper_ = 0xBF;
    }

    char32_t cp_ = 0;
    unsigned need_ = 0;
    std::uint8_t lower_ = 0x80;
    std::uint8_t upper_ = 0xBF;
    std::size_t invalid_ = 0;
};

/// True if `text` is entirely valid UTF-8.
bool is_valid_utf8(std::string_view text) noexcept;

/// How many UTF-16 code units `text` (valid UTF-8) takes: a JavaScript string's `length`.
/// A character outside the Basic Multilingual Plane counts 2.
std::size_t utf16_length(std::string_view text) noexcept;

/// The longest start of `text` (valid UTF-8) that is at most `max_bytes` long and ends on a
/// character's boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

} // namespace minuted::protocol
