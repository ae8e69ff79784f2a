#pragma once

#include "protocol/cart_reader.hpp"
#include "summariser/meeting.hpp"

#include <string_view>
#include <vector>

namespace minuted::summariser {

/// CART bytes in, meeting state out: a `protocol::cart_reader` feeding a `meeting`.
/// What a live session and `minuted summarise` both run. Not thread-safe.
class pipeline {
public:
    explicit pipeline(std::vector<std::string> known_agenda = {},
                      protocol::reader_options options = {});

    /// Consumes caption bytes that arrived at `at` (any chunking).
    void put(std::string_view bytes, time_point at, change_set& changes);
    /// Removes the last `n` characters not yet final; returns how many were removed.
    std::size_t erase(std::size_t n, change_set& changes);
    /// Ends the meeting: everything becomes final.
    void finish(time_point at, change_set& changes);

    meeting const& state() const noexcept { return meeting_; }
    protocol::reader_stats const& reader_stats() const noexcept { return reader_.stats(); }

private:
    void apply_events(time_point at, change_set& changes);

    protocol::cart_reader reader_;
    meeting meeting_;
    std::vector<protocol::caption_event> events_; // reused buffer
};

} // namespace minuted::summariser
