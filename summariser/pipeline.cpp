#include "summariser/pipeline.hpp"

namespace minuted::summariser {

pipeline::pipeline(std::vector<std::string> known_agenda, protocol::reader_options options)
    : reader_(options), meeting_(std::move(known_agenda)) {}

void pipeline::apply_events(time_point at, change_set& changes) {
    for (auto const& e : events_)
        meeting_.apply(e, at, changes);
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
        meeting_.apply(e, at, changes);
    events_.clear();
    meeting_.finish(at, changes);
}

} // namespace minuted::summariser
