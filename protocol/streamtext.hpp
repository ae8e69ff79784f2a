#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minuted::protocol {

/// One answer of StreamText's caption API (`GET /captions?event=E&last=POS...`): the text
/// after the position asked for, and the position after it.
struct streamtext_answer {
    std::string content;             ///< may hold line feeds and DEL or backspace deletions
    std::uint64_t last_position = 0; ///< where the next poll asks after
    std::string language;            ///< `languageCode`; empty if the answer has none
};

/// An answer read, or why it cannot be used.
struct streamtext_reading {
    std::optional<streamtext_answer> answer;
    std::string error; ///< set when `answer` is not
};

/// Reads the body of the answer to a poll that asked for the text after `asked_after`
/// (nullopt: `last=-1`, the current position). Refused, saying why: a body that is not a
/// JSON object, a missing or mistyped `content` or `lastPosition`, a `languageCode` that is
/// not a language tag, content longer than `max_content` bytes, a position lower than the
/// one asked after (the service went back), or text without a new position (it would be
/// fetched again). Pure.
streamtext_reading read_streamtext_answer(std::string_view body,
                                          std::optional<std::uint64_t> asked_after,
                                          std::size_t max_content);

} // namespace minuted::protocol
