#pragma once

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace minuted::protocol {

/// One item of a meeting's published agenda.
struct agenda_item {
    std::string title;
    std::string presenter;      ///< who presents it, if the agenda says
    std::optional<int> minutes; ///< its time box, if the agenda says

    friend bool operator==(agenda_item const&, agenda_item const&) = default;
};

/// Largest agenda text taken, in bytes, and most items.
inline constexpr std::size_t max_agenda_text_bytes = 64 * 1024;
inline constexpr std::size_t max_agenda_file_items = 500;

/// Why an agenda text was refused, said so that its author can fix it.
struct agenda_refusal {
    std::string why;
};

/// Reads an agenda as a secretariat publishes one, in any of three forms:
/// - JSON: an array of titles, or of `{"title", "presenter"?, "minutes"?}`;
/// - Markdown: list items (`- `, `* `, `+ `, `1. `, `1) `), headings and other lines ignored
///   once the text has a list;
/// - plain text: one title per line, blank lines ignored.
/// Numbering is taken off a title only when it is numbering: "1.", "2)", "3.1", "(4)", "5 -",
/// "Item 6:", not "262 Editor's Update" or "2024 budget". Refused: an empty agenda, binary
/// data, text that is not UTF-8, more than max_agenda_file_items items or more than
/// max_agenda_text_bytes bytes, JSON that does not have the shape above. Pure.
std::variant<std::vector<agenda_item>, agenda_refusal> parse_agenda(std::string_view text);

/// One item of a JSON agenda: a title, or `{"title", "presenter"?, "minutes"?}` (minutes a
/// whole number from 0 to 1440). `markdown`: the title and presenter are read as an agenda
/// file's, Markdown marks and extra blanks taken out; else taken as they are. Refused: any
/// other shape, an empty title. Pure.
std::variant<agenda_item, agenda_refusal> agenda_item_from_json(boost::json::value const& v,
                                                                bool markdown = true);

/// The titles of an agenda's items, in order.
std::vector<std::string> titles_of(std::vector<agenda_item> const& agenda);

} // namespace minuted::protocol
