#pragma once

#include "summariser/meeting.hpp"
#include "summariser/minutes_edits.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace minuted::summariser {

/// True for the edits of the transcript rather than of the minutes: speaker.rename and
/// caption.correct. They change the meeting itself (its participants, its turns' text), so
/// every view of it (state, report, transcript, captions) shows them, and so does what the
/// machine writes later.
bool is_transcript_edit(edit_op op) noexcept;

/// Checks a transcript edit against the meeting as it is now, changing nothing:
/// - speaker.rename: `speaker` is a participant who speaks as themself (not one merged into
///   another), `text` the new name (1 to max_edit_text_bytes of UTF-8, no control
///   characters), other than the name it has; `revision` the participant's.
/// - caption.correct: `utterance` a turn with final text (and `line`, if given, its line),
///   `text` its new text (1 to max_edit_text_bytes of UTF-8; new lines the only control
///   characters), or with `offset` and `length` (UTF-16 code units, on whole characters) the
///   new text of that part of it (empty to take words out), so a turn longer than
///   max_edit_text_bytes is corrected too; `revision` the turn's. The turn's text after it is
///   neither blank nor what it was.
/// Refused: no_such_target (404), stale (409, with the revision now) or invalid (400).
edit_result check_transcript_edit(minute_edit const& e, meeting const& m);

/// Checks `e` as above and, if it fits, applies it to `m` (meeting::rename_participant,
/// meeting::correct_utterance), adding what changed to `changes`. A caption.correct edit gets
/// the text it replaced in `original`, for the journal and the edit history. Deterministic: the
/// same edits at the same points of the same captions give the same meeting, live or rebuilt.
edit_result apply_transcript_edit(minute_edit& e, meeting& m, change_set& changes);

/// What a caption.correct edit that check_transcript_edit lets through replaces: the part of
/// the turn's text it names, or all of it.
std::string replaced_text(minute_edit const& e, meeting const& m);

/// The transcript edit's own fields in its journal record ("speaker", "utterance", "line",
/// "original"), written and read with the rest by minute_edit_json and parse_minute_edit.
void put_transcript_fields(boost::json::object& o, minute_edit const& e);
/// False if a field is there but not as put_transcript_fields writes it.
bool read_transcript_fields(boost::json::object const& o, minute_edit& e);

/// `text` with each whole-word occurrence of `from` spelled `to` (a participant renamed, in
/// the minutes' sentences and owners). Linear in the text.
std::string respell(std::string_view text, std::string_view from, std::string_view to);

} // namespace minuted::summariser
