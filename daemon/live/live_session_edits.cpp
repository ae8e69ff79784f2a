// A live session's side of people's edits of the transcript (summariser/transcript_edits.hpp
// has the rules): applied as journaled, live or rebuilt.

#include "daemon/live/live_session.hpp"
#include "summariser/transcript_edits.hpp"

#include <spdlog/spdlog.h>

namespace minuted::daemon {

void live_session::apply_transcript_edit(summariser::minute_edit& e, std::string const& record,
                                         summariser::change_set& changes) {
    auto const done = summariser::apply_transcript_edit(e, pipeline_->edited_state(), changes);
    if (done.refused) {
        // Only a journal edited by hand holds one: the meeting goes on without it.
        spdlog::error("session {}: journaled edit ignored: {}", id_, done.why);
        return;
    }
    edit_history_ += record + "\n";
    // A corrected turn no longer starts with the text the updates carried: it is sent whole.
    if (e.utterance && *e.utterance < sent_.size())
        sent_[*e.utterance] = {};
}

std::optional<std::size_t> live_session::participant_named(std::string_view name) const {
    if (!pipeline_)
        return std::nullopt;
    return pipeline_->state().participants().named(name);
}

} // namespace minuted::daemon
