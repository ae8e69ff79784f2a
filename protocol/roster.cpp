#include "protocol/roster.hpp"

#include "protocol/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace minuted::protocol {

namespace {

// A name as compared for duplicates: lower-case ASCII, single spaces.
std::string key_of(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!out.empty() && out.back() != ' ')
                out.push_back(' ');
            continue;
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

} // namespace

std::variant<std::vector<roster_person>, roster_refusal> parse_roster(std::string_view text) {
    auto const refuse = [](std::string why) { return roster_refusal{std::move(why)}; };
    if (text.size() > max_roster_bytes)
        return refuse("a roster has at most " + std::to_string(max_roster_bytes) +
                      " bytes; this one has more");
    if (!is_valid_utf8(text))
        return refuse("not UTF-8 text");
    boost::system::error_code ec;
    auto const root = boost::json::parse(text, ec);
    if (ec)
        return refuse("not JSON: " + ec.message());
    auto const* list = root.if_array();
    if (!list)
        return refuse(
            "must be a JSON array of {\"name\", \"organisation\", \"aliases\", \"role\"}");
    if (list->size() > max_roster_people)
        return refuse(std::to_string(list->size()) + " people; a roster has at most " +
                      std::to_string(max_roster_people));

    std::vector<roster_person> people;
    std::set<std::string> names; // every name and alias, to find one given twice
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto const where = "person " + std::to_string(i + 1) + ": ";
        auto const* o = (*list)[i].if_object();
        if (!o)
            return refuse(where + "must be an object");
        roster_person p;
        auto const field = [&](std::string_view key, boost::json::value const& v,
                               std::string& into) -> std::optional<roster_refusal> {
            if (!v.is_string())
                return refuse(where + "\"" + std::string(key) + "\" must be a string");
            auto const s = std::string_view(v.get_string());
            if (s.size() > max_roster_field_bytes)
                return refuse(where + "\"" + std::string(key) + "\" has " +
                              std::to_string(s.size()) + " bytes; at most " +
                              std::to_string(max_roster_field_bytes));
            into = std::string(s);
            return std::nullopt;
        };
        for (auto const& [key, v] : *o) {
            std::optional<roster_refusal> no;
            if (key == "name") {
                no = field(key, v, p.name);
            } else if (key == "organisation") {
                no = field(key, v, p.organisation);
            } else if (key == "role") {
                no = field(key, v, p.role);
            } else if (key == "aliases") {
                auto const* a = v.if_array();
                if (!a)
                    return refuse(where + "\"aliases\" must be an array of strings");
                for (auto const& alias : *a) {
                    std::string s;
                    if ((no = field("aliases", alias, s)))
                        break;
                    if (!key_of(s).empty())
                        p.aliases.push_back(std::move(s));
                }
            } else {
                return refuse(where + "unknown field \"" + std::string(key) +
                              "\" (name, organisation, aliases, role)");
            }
            if (no)
                return *no;
        }
        if (key_of(p.name).empty())
            return refuse(where + "\"name\" is missing or empty");
        std::vector<std::string> own{key_of(p.name)};
        for (auto const& a : p.aliases)
            own.push_back(key_of(a));
        std::sort(own.begin(), own.end());
        own.erase(std::unique(own.begin(), own.end()), own.end());
        for (auto& k : own)
            if (!names.insert(k).second)
                return refuse(where + "\"" + k + "\" is already another person's name or alias");
        people.push_back(std::move(p));
    }
    return people;
}

std::string roster_json(std::vector<roster_person> const& roster) {
    boost::json::array people;
    for (auto const& p : roster) {
        boost::json::object o{{"name", p.name}};
        if (!p.organisation.empty())
            o["organisation"] = p.organisation;
        if (!p.aliases.empty()) {
            boost::json::array aliases;
            for (auto const& a : p.aliases)
                aliases.emplace_back(a);
            o["aliases"] = std::move(aliases);
        }
        if (!p.role.empty())
            o["role"] = p.role;
        people.push_back(std::move(o));
    }
    return boost::json::serialize(people);
}

} // namespace minuted::protocol
