#pragma once

#include "protocol/caption_event.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

/// The formats a finished meeting's captions come in.
enum class caption_format {
    cart,   ///< CART text (`>> NAME:` turns): read by `cart_reader`, not here
    webvtt, ///< WebVTT: Zoom (`Name: text` payloads), Teams and YouTube (`<v Name>` spans)
    srt,    ///< SubRip: numbered blocks with `hh:mm:ss,mmm --> hh:mm:ss,mmm` timings
    ttml,   ///< TTML and EBU-TT: an XML `<tt>` root in the TTML namespace
};

/// The format of a file from its first bytes (the first few KiB are enough): "WEBVTT" first
/// (after a byte-order mark), an SRT counter line followed by its timing line, or an XML
/// document whose root is `tt` in the TTML namespace. Anything else is CART text. Pure.
caption_format detect_caption_format(std::string_view text) noexcept;

/// What a format is called in messages: "WebVTT", "SRT", "TTML", "CART text".
std::string_view format_name(caption_format f) noexcept;

/// One cue's speech, as it adds to the meeting.
struct caption_cue {
    line_number line = 0; ///< 1-based line where the cue starts (its timing line, its `<p>`)
    std::chrono::milliseconds start{};
    std::chrono::milliseconds end{};
    std::string speaker; ///< empty when the cue names nobody
    /// Clean UTF-8 text, its lines joined by '\n', tags removed and entities decoded. Lines
    /// that repeat the cue before (rolling captions) are left out.
    std::string text;
    friend bool operator==(caption_cue const&, caption_cue const&) = default;
};

/// Why a caption file cannot be read, and where.
struct caption_file_error {
    line_number line = 0; ///< 1-based
    std::string why;
};

/// A caption file read whole.
struct caption_file {
    caption_format format = caption_format::cart;
    std::vector<caption_cue> cues; ///< in file order; empty when `error` is set
    std::optional<caption_file_error> error;
    std::size_t repaired = 0; ///< unknown tags dropped, unknown entities kept as text, ...
    /// The language the file names for its text (WebVTT's `Language:` header, as YouTube
    /// writes it; TTML's `xml:lang` on `<tt>`), if it is a language tag; else empty.
    std::string lang;
};

/// Reads a WebVTT, SRT or TTML/EBU-TT file (as `detect_caption_format` finds it; CART text
/// gives an error: it is `cart_reader`'s). Structure and timing problems are fatal and
/// reported with their line (a malformed `-->` line, an SRT block without its number, an end
/// before its start, XML that does not nest); unknown tags and entities are repaired and
/// counted. protocol/PROTOCOL.md ("Caption files") lists which is which. Costs are linear in
/// the size of `text`; nothing recurses on nesting. Pure; never throws on bad input.
caption_file read_caption_file(std::string_view text);

/// A caption event with the time of its cue, counted from the file's zero.
struct timed_caption_event {
    std::chrono::milliseconds at{};
    caption_event event;
};

/// The cues of `file` as the events of a transcript: a `turn_event` where the speaker changes,
/// then the cue's text read as a live CART line (so annotations such as "[Music]" and `>>`
/// markers in the text count as they do in CART text). A cue that names nobody continues the
/// current turn; before the first named cue, its text is unattributed. Times never go back:
/// a cue starting before the one ahead of it takes that one's time. Pure.
std::vector<timed_caption_event> caption_events(caption_file const& file);

/// A line of CART text with the time of its cue.
struct timed_caption_line {
    std::chrono::milliseconds at{};
    std::string text; ///< ends with '\n'
};

/// The cues of `file` as CART text lines, for a live session: `>> Name: text` where the speaker
/// changes, the text alone where it does not, one per cue with text, timed as `caption_events`
/// times them. A name that CART text would not read as a speaker label (one capitalised word,
/// lower case) is sent in upper case, which it does. Pure.
std::vector<timed_caption_line> caption_lines(caption_file const& file);

} // namespace minuted::protocol
