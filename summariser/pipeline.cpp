#include "summariser/pipeline.hpp"

#include <algorithm>
#include <optional>
#include <variant>

namespace minuted::summariser {

pipeline::pipeline(std::vector<protocol::agenda_item> known_agenda,
                   protocol::reader_options options)
    : reader_(options), meeting_(std::move(known_agenda)) {}

pipeline::pipeline(std::vector<std::string> known_titles, protocol::reader_options options)
    : reader_(options), meeting_(std::move(known_titles)) {}

bool pipeline::set_language(std::string lang) {
    if (lang == meeting_.language())
        return false;
    meeting_.set_language(lang);
    // A line under way is finished in the language it started in.
    auto const from = reader_.next_line_start();
    if (!languages_.empty() && languages_.back().from == from)
        languages_.back().lang = std::move(lang); // what was typed in the one before: nothing
    else
        languages_.push_back({from, std::move(lang)});
    return true;
}

void pipeline::apply(protocol::caption_event const& e, time_point at, change_set& changes) {
    // A language takes effect with the first line that starts after it was set, not with the
    // text that was still provisional when it came.
    while (!languages_.empty() && languages_.front().from <= protocol::line_of(e)) {
        meeting_.set_turn_language(std::move(languages_.front().lang));
        languages_.pop_front();
    }
    meeting_.apply(e, at, changes);
}

void pipeline::apply_events(time_point at, change_set& changes) {
    for (auto const& e : events_)
        apply(e, at, changes);
    events_.clear();
    meeting_.set_pending(reader_.pending(), changes);
}

void pipeline::put(std::string_view bytes, time_point at, change_set& changes) {
    reader_.put(bytes, events_);
    apply_events(at, changes);
}

std::size_t pipeline::erase(std::size_t n, change_set& changes) {
    auto const done = reader_.erase(n);
    meeting_.set_pending(reader_.pending(), changes);
    return done;
}

void pipeline::finish(time_point at, change_set& changes) {
    reader_.finish(events_);
    for (auto const& e : events_)
        apply(e, at, changes);
    events_.clear();
    meeting_.finish(at, changes);
}

transcript_header read_header(std::string_view transcript) {
    protocol::cart_reader reader; // a file's, as `minuted summarise` reads it
    meeting m;
    change_set changes;
    std::vector<protocol::caption_event> events;
    std::optional<protocol::line_number> speech; // the first line that is not header
    auto read = [&] {
        for (auto const& e : events) {
            if (!std::holds_alternative<protocol::metadata_event>(e)) {
                speech = protocol::line_of(e);
                return;
            }
            m.apply(e, time_point{}, changes); // a header line may title the meeting
        }
        events.clear();
    };
    // In blocks, so a long transcript is read only as far as its header goes.
    constexpr std::size_t block = 4096;
    for (std::size_t at = 0; at < transcript.size() && !speech; at += block) {
        reader.put(transcript.substr(at, block), events);
        read();
    }
    if (!speech) {
        reader.finish(events);
        read();
    }
    transcript_header h;
    h.title = m.title();
    if (!speech) {
        h.lines = static_cast<protocol::line_number>(
            std::count(transcript.begin(), transcript.end(), '\n'));
        h.bytes = transcript.size();
        return h;
    }
    h.lines = *speech - 1;
    for (protocol::line_number n = 0; n < h.lines; ++n)
        h.bytes = transcript.find('\n', h.bytes) + 1;
    return h;
}

} // namespace minuted::summariser
