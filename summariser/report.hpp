#pragma once

#include "summariser/meeting.hpp"
#include "summariser/minutes_edits.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace minuted::summariser {

/// The summary report in Markdown, in the shape of a secretariat's report: numbered agenda
/// items with "Key points raised", "Decisions" and "Next steps", then the participants.
std::string render_markdown(meeting const& m);
/// The same, titled `title` (a live session's, from its source) instead of the header's;
/// "Meeting" if empty; with what people did to the minutes (`edits`), if any.
std::string render_markdown(meeting const& m, std::string_view title,
                            minutes_edits const* edits = nullptr);

/// The summary report as JSON (schema "minuted.report/1", documented in protocol/REPORT.md),
/// with what people did to the minutes (`edits`), if any.
boost::json::value render_json(meeting const& m, minutes_edits const* edits = nullptr);

/// The agenda items of `m` as published: with `edits` applied, if any.
std::vector<published_item> published_agenda(meeting const& m, minutes_edits const* edits);

/// The clean transcript: one paragraph per turn, "Name: text", unnamed turns as "Speaker"; a
/// turn a person corrected ends "[corrected by NAME at HH:MM UTC]".
std::string render_transcript(meeting const& m);

/// The captions as WebVTT, timed by when each turn became final (its first line, once the
/// line after it arrived), from the first turn on:
/// a cue of at most `words_per_cue` words at a time, voiced by the speaker
/// (`<v Name>`), its times shared out over the turn by word count. A turn lasts until the next
/// one starts; the last (or one whose successor arrived at the same moment, as in a replay at
/// full speed) lasts as long as 150 words a minute take.
std::string render_vtt(meeting const& m, std::size_t words_per_cue = 14);

/// `part` of `whole` as a whole percentage ("37%"; "0%" of nothing): a participant's share of
/// the words in the reports.
std::string percent(std::size_t part, std::size_t whole);

/// A participant's role in the report: "chair" (one of `chairs`, as meeting::chairs gives
/// them: computed once for a list of participants), "participant", "role" for a function such
/// as a secretariat, or "hub" for a place.
std::string role_of(meeting const& m, participant const& p,
                    std::vector<participant_id> const& chairs);

} // namespace minuted::summariser
