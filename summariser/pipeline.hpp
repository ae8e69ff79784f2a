#pragma once

#include "protocol/cart_reader.hpp"
#include "summariser/meeting.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

/// CART bytes in, meeting state out: a `protocol::cart_reader` feeding a `meeting`.
/// What a live session and `minuted summarise` both run. Not thread-safe.
class pipeline {
public:
    explicit pipeline(std::vector<protocol::agenda_item> known_agenda = {},
                      protocol::reader_options options = {});
    explicit pipeline(std::vector<std::string> known_titles, protocol::reader_options options = {});

    /// Consumes caption bytes that arrived at `at` (any chunking).
    void put(std::string_view bytes, time_point at, change_set& changes);
    /// Removes the last `n` characters not yet final; returns how many were removed.
    std::size_t erase(std::size_t n, change_set& changes);
    /// The meeting's roster, before or during the meeting (see meeting::set_roster).
    void set_roster(std::vector<protocol::roster_person> roster, change_set& changes) {
        meeting_.set_roster(std::move(roster), changes);
    }

    /// A new known agenda, before or during the meeting (see meeting::set_known_agenda).
    void set_known_agenda(std::vector<protocol::agenda_item> agenda, change_set& changes) {
        meeting_.set_known_agenda(std::move(agenda), changes);
    }
    /// The language of the text put from now on: the meeting's at once, and that of the turns
    /// that start in it (see meeting::set_language). False if it was the meeting's already.
    bool set_language(std::string lang);
    /// Ends the meeting: everything becomes final.
    void finish(time_point at, change_set& changes);

    meeting const& state() const noexcept { return meeting_; }
    /// The meeting, for people's edits of its transcript (summariser/transcript_edits.hpp).
    meeting& edited_state() noexcept { return meeting_; }
    protocol::reader_stats const& reader_stats() const noexcept { return reader_.stats(); }

private:
    void apply_events(time_point at, change_set& changes);
    void apply(protocol::caption_event const& e, time_point at, change_set& changes);

    struct language_change {
        protocol::line_number from = 0; // the first line in it
        std::string lang;
    };
    protocol::cart_reader reader_;
    meeting meeting_;
    std::deque<language_change> languages_;       // set, and not reached by the final text yet
    std::vector<protocol::caption_event> events_; // reused buffer
};

/// What a transcript file's header says, read as `minuted summarise` reads it: a file-mode
/// `protocol::cart_reader` feeding a `meeting`, up to the first line of speech.
struct transcript_header {
    std::string title;               ///< the meeting's title as its report shows it; may be empty
    protocol::line_number lines = 0; ///< lines before the speech starts (blank ones too)
    std::size_t bytes = 0;           ///< where the speech starts: the first byte after those lines
};

/// Reads the header of `transcript` (a whole file's text). Text with no speech is all header.
/// Pure.
transcript_header read_header(std::string_view transcript);

} // namespace minuted::summariser
