#pragma once

#include "protocol/caption_event.hpp"
#include "protocol/utf8.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

/// Where caption text comes from.
enum class text_source {
    /// A transcript file: the short lines before its first ">>" turn are its header (title,
    /// date, provider), metadata and not speech.
    file,
    /// A live caption source: every line is captions from the first byte on. Caption services
    /// (StreamText, Zoom's caption API) send text with no ">>" turns at all, which read as a
    /// file would be one long header, shown nowhere.
    live,
};

/// Tuning for `cart_reader`.
struct reader_options {

    /// Text not yet final is kept in a tail of at most about this many bytes; older text is
    /// committed (final, no longer erasable). Also bounds memory for a line that never ends.
    std::size_t max_tail_bytes = 4096;
    /// A file's header is read as metadata; live text is all captions.
    text_source source = text_source::file;
};

/// Counters of what the reader saw and repaired. Nothing here is fatal.
struct reader_stats {
    std::size_t bytes = 0;          ///< bytes put in
    std::size_t lines = 0;          ///< lines committed
    std::size_t invalid_utf8 = 0;   ///< invalid sequences replaced by U+FFFD
    std::size_t control_chars = 0;  ///< NUL and other control characters dropped
    std::size_t erased = 0;         ///< characters removed by backspaces and erase()
    std::size_t erase_rejected = 0; ///< erasures that reached into committed text
    std::size_t split_lines = 0;    ///< over-long lines committed in pieces
};

/// Parses the state carried from one committed line to the next.
/// Exposed for `cart_reader`; not meant to be used on its own.
class line_parser {
public:
    /// `source` file: lines before the first turn may be a header; live: never.
    explicit line_parser(text_source source = text_source::file)
        : in_header_(source == text_source::file) {}

    /// Parses one line (without its newline). `continues` is true when the line is the rest
    /// of a line whose beginning was committed before (an over-long line split in pieces).
    void parse(std::string_view line, line_number n, bool continues,
               std::vector<caption_event>& out);

private:
    void emit_speech(std::string_view text, line_number n, bool paragraph,
                     std::vector<caption_event>& out);

    bool in_header_;            // a file's, and no speech seen yet
    bool blank_before_ = false; // a blank line since the last text
};

/// Incremental reader of CART caption text.
///
/// Feed it bytes as they arrive (`put`, any chunking); it returns events for text that is
/// final. Text stays provisional (erasable by backspace characters or `erase`) while it is in
/// the tail: a line becomes final once the line after it is complete, or once the tail grows
/// beyond `max_tail_bytes`. Because the commit points depend only on the character sequence,
/// the same input gives the same events however it is chunked.
///
/// Bad input is repaired and counted in `stats()`, never thrown: invalid UTF-8 becomes
/// U+FFFD, control characters are dropped, an erasure of committed text is refused.
/// Not thread-safe; owned by one session.
class cart_reader {
public:
    explicit cart_reader(reader_options options = {});

    /// Consumes `bytes`; appends the events of text that became final to `out`.
    void put(std::string_view bytes, std::vector<caption_event>& out);

    /// Removes the last `n` characters not yet final (an explicit erase instruction).
    /// Returns how many were removed; fewer than `n` means the rest was already final.
    std::size_t erase(std::size_t n);

    /// Ends the stream: the tail becomes final and its events are appended to `out`.
    void finish(std::vector<caption_event>& out);

    /// The provisional tail, parsed as if the stream ended here. For live display only:
    /// these events may still change and are not part of the final record.
    std::vector<caption_event> pending() const;

    /// Number of the line the provisional tail starts on.
    line_number tail_line() const noexcept { return tail_line_; }
    /// Number of the first line that starts after what was put so far: the line of the next
    /// byte, or the one after it while a line is under way.
    line_number next_line_start() const noexcept {
        bool const under_way = tail_.empty() ? tail_continues_ : tail_.back() != '\n';
        return tail_line_ + static_cast<line_number>(tail_newlines_) + (under_way ? 1 : 0);
    }

    reader_stats const& stats() const noexcept { return stats_; }

private:
    void on_code_point(char32_t cp, std::vector<caption_event>& out);
    bool erase_one();
    void commit_line(std::vector<caption_event>& out);
    void commit_piece(std::vector<caption_event>& out);

    reader_options options_;
    utf8_decoder decoder_;
    line_parser parser_;
    std::string tail_;              // provisional text, UTF-8, may hold '\n'
    std::size_t tail_newlines_ = 0; // '\n' in tail_
    line_number tail_line_ = 1;     // line number of the first line in tail_
    bool tail_continues_ = false;   // tail_ starts in the middle of a line
    reader_stats stats_;
};

} // namespace minuted::protocol
