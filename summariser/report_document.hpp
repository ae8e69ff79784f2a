#pragma once

#include "summariser/meeting.hpp"
#include "summariser/minutes_edits.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minuted::summariser {

/// What a document of the report says besides the meeting itself.
struct document_info {
    std::string title;   ///< the session's shown title; "Meeting" if empty
    std::string started; ///< when the meeting started, ISO 8601 UTC ("2026-12-07T09:30:00Z"), or ""
};

/// A bullet of the published minutes, as a document prints it.
struct document_bullet {
    std::string text;
    std::string speaker; ///< who said it, when the text does not already name them
    std::string who;     ///< decisions and next steps: the owner, unless the text names them
    std::string when;    ///< decisions and next steps: the deadline
};

/// An agenda item of the published minutes.
struct document_item {
    std::size_t n = 0;
    std::string title;
    std::string context; ///< who presented it, and the like (meeting::context_of)
    std::vector<document_bullet> key_points, decisions, next_steps;
    bool approved = false;
};

/// A row of the participants' table.
struct document_person {
    std::string name; ///< with the other labels they spoke under, "(also ...)"
    std::string organisation;
    std::string role;
    std::size_t turns = 0, words = 0;
    std::string share; ///< of all words, "12%"
};

/// The report as every document format prints it: the published minutes (people's edits
/// applied) in the shape of a secretariat's report. All text is valid UTF-8 without control
/// characters, whatever the captions or the editors sent: a renderer only has to escape it.
struct report_outline {
    std::string title;
    std::string language; ///< a BCP 47 tag ("en" when the meeting's is unknown or malformed)
    std::string started;  ///< as document_info::started, "" if that was not a date
    std::string date;     ///< the day for people, "7 December 2026", or ""
    std::vector<document_item> items;
    std::vector<document_person> people;
    bool has_organisations = false;
    bool approved = false; ///< the whole report was approved by an editor
    bool edited = false;   ///< people edited the machine's minutes
};

/// The outline of `m`'s report with `edits` (may be null) applied. O(size of the report).
report_outline outline_report(meeting const& m, document_info const& info,
                              minutes_edits const* edits);

/// `text` as valid UTF-8 with no control characters: invalid sequences become U+FFFD (as the
/// caption reader repairs them), control characters and the non-characters XML refuses
/// (U+FFFE, U+FFFF) a space.
std::string clean_text(std::string_view text);

/// Appends `text` escaped for HTML and XML, in text and attribute values alike: & < > " '.
void append_escaped(std::string& out, std::string_view text);

/// The report as one standalone HTML document: inline CSS with a print stylesheet (A4
/// margins, page numbers, headings kept with what follows), no scripts, every text escaped.
std::string render_html(report_outline const& r);

/// The parts of an OpenDocument text (ODF 1.3) of the report, in the order the package must
/// hold them: "mimetype" first (to be stored uncompressed), then content.xml, styles.xml,
/// meta.xml and META-INF/manifest.xml. Zipping them is the caller's.
std::vector<std::pair<std::string, std::string>> render_odt_parts(report_outline const& r);

/// The ODT package's media type, which is also its "mimetype" part.
inline constexpr std::string_view odt_media_type = "application/vnd.oasis.opendocument.text";

/// A file name for a document of the report titled `title`: ASCII letters, digits and
/// dashes, at most 80 characters before `extension` ("minutes" if nothing is left).
std::string document_file_name(std::string_view title, std::string_view extension);

} // namespace minuted::summariser
