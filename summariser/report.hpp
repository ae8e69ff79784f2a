#pragma once

#include "summariser/meeting.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace minuted::summariser {

/// The summary report in Markdown, in the shape of a secretariat's report: numbered agenda
/// items with "Key points raised", "Decisions" and "Next steps", then the participants.
std::string render_markdown(meeting const& m);

/// The summary report as JSON (schema "minuted.report/1", documented in protocol/REPORT.md).
boost::json::value render_json(meeting const& m);

/// The clean transcript: one paragraph per turn, "Name: text", unnamed turns as "Speaker".
std::string render_transcript(meeting const& m);

/// A participant's role in the report: "chair", "participant", or "role" for a function
/// such as a secretariat.
std::string role_of(meeting const& m, participant const& p);

} // namespace minuted::summariser
