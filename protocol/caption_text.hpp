#pragma once

// Pieces shared by the caption file readers (caption_file.cpp, caption_ttml.cpp). Not for use
// outside protocol/.

#include "protocol/caption_file.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::protocol::caption_detail {

inline bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

inline bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

/// `text` without a leading UTF-8 byte-order mark.
inline std::string_view without_bom(std::string_view text) noexcept {
    return text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
}

/// Decodes the character reference at `s[i]` == '&' (the named ones captions use: amp, lt, gt,
/// quot, apos, nbsp, lrm, rlm; and numeric ones) onto `out` and moves `i` past it. Returns
/// false, leaving `i` and `out` as they were, when it is not one of them.
bool decode_entity(std::string_view s, std::size_t& i, std::string& out);

/// Appends `raw` to `out` as clean text: valid UTF-8 (invalid bytes as U+FFFD), no control
/// characters but '\n', no-break spaces as spaces, runs of spaces and tabs as one space.
void append_clean(std::string& out, std::string_view raw);

/// At most the first 60 bytes of `raw` as clean text, for a message ("..." if cut).
std::string printable(std::string_view raw);

/// Each line of `text` trimmed, blank lines dropped, joined by '\n'.
std::string tidy_lines(std::string_view text);

/// Records `why` at `line` unless an error is already there (the first one is reported).
inline void fail(caption_file& f, line_number line, std::string why) {
    if (!f.error)
        f.error = caption_file_error{line, std::move(why)};
}

/// Reads a TTML or EBU-TT document into `f`.
void read_ttml(std::string_view text, caption_file& f);

} // namespace minuted::protocol::caption_detail
