#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace minuted::protocol {

/// 1-based line of the input where an event comes from.
using line_number = std::uint32_t;

/// A new speaker turn: a `>>` marker. `speaker` is the label as typed ("MARKUS KUMMER",
/// "Courtney Rausch"), empty for a bare `>>`.
struct turn_event {
    line_number line = 0;
    std::string speaker;
    friend bool operator==(turn_event const&, turn_event const&) = default;
};

/// Spoken text of the current turn, normalised (no control characters, U+00A0 as a space,
/// U+2011 as '-'). `paragraph` is true when the text starts a paragraph (a blank line came
/// before it); otherwise it continues the previous text, possibly mid-sentence.
struct text_event {
    line_number line = 0;
    std::string text;
    bool paragraph = false;
    friend bool operator==(text_event const&, text_event const&) = default;
};

/// A captioner's annotation inside speech: "Laughing", "Talking at the same time", "?",
/// "inaudible". `text` is without its brackets.
struct annotation_event {
    line_number line = 0;
    std::string text;
    friend bool operator==(annotation_event const&, annotation_event const&) = default;
};

enum class metadata_kind {
    header,     ///< a line of the file header before the speech starts (title, date, provider)
    boilerplate ///< a CART provider's disclaimer, wherever it stands
};

/// A line that belongs to the file, not to the meeting: never speech.
struct metadata_event {
    line_number line = 0;
    metadata_kind kind = metadata_kind::header;
    std::string text;
    friend bool operator==(metadata_event const&, metadata_event const&) = default;
};

/// What the CART reader produces, in input order.
using caption_event = std::variant<turn_event, text_event, annotation_event, metadata_event>;

/// The line an event came from.
inline line_number line_of(caption_event const& e) {
    return std::visit([](auto const& v) { return v.line; }, e);
}

} // namespace minuted::protocol
