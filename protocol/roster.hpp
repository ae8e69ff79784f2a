#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace minuted::protocol {

/// One person on a meeting's roster, as its secretariat lists them.
struct roster_person {
    std::string name;                 ///< "Kevin Gibbons"
    std::string organisation;         ///< "F5"; may be empty
    std::vector<std::string> aliases; ///< other names or labels they speak under: "KG"
    std::string role;                 ///< "chair", "presenter", "secretariat", ...; may be empty

    friend bool operator==(roster_person const&, roster_person const&) = default;
};

/// Largest roster taken, in bytes and in people, and longest field.
inline constexpr std::size_t max_roster_bytes = 256 * 1024;
inline constexpr std::size_t max_roster_people = 2000;
inline constexpr std::size_t max_roster_field_bytes = 200;

/// Why a roster was refused, said so that its author can fix it.
struct roster_refusal {
    std::string why;
};

/// Reads a roster: a JSON array of `{"name", "organisation"?, "aliases"?, "role"?}`, aliases
/// an array of strings. Refused, with where and why: text that is not UTF-8 or not JSON, any
/// other shape, a field it does not know, an empty name, a field of more than
/// max_roster_field_bytes, a name or alias given to two people, more than max_roster_people
/// people or max_roster_bytes bytes. Pure.
std::variant<std::vector<roster_person>, roster_refusal> parse_roster(std::string_view text);

/// A roster as the JSON parse_roster reads, fields that are empty left out: what a journal
/// keeps of it. Pure.
std::string roster_json(std::vector<roster_person> const& roster);

} // namespace minuted::protocol
