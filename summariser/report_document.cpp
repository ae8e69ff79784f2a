#include "summariser/report_document.hpp"

#include "protocol/utf8.hpp"
#include "summariser/report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace minuted::summariser {

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
}

std::string clean_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto const put = [&out](char32_t cp) {
        if (cp < 0x20 || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF)
            out += ' ';
        else
            protocol::append_utf8(out, cp);
    };
    protocol::utf8_decoder decoder;
    decoder.put(text, put);
    decoder.finish(put);
    return out;
}

namespace {

// A BCP 47 tag as far as its characters go: anything else (a source sends what it likes)
// would not do as an HTML or XML attribute value.
std::string language_tag(std::string_view lang) {
    bool const fits =
        !lang.empty() && lang.size() <= 35 && std::all_of(lang.begin(), lang.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-';
        });
    return fits ? std::string(lang) : std::string("en");
}

// "2026-12-07T..." as people write a day, "7 December 2026"; "" for anything else.
std::string day_of(std::string_view iso) {
    static constexpr std::array<char const*, 12> months = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    auto const digits = [&](std::size_t from, std::size_t n) {
        int v = 0;
        for (auto i = from; i < from + n; ++i) {
            if (i >= iso.size() || iso[i] < '0' || iso[i] > '9')
                return -1;
            v = v * 10 + (iso[i] - '0');
        }
        return v;
    };
    auto const year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || iso[4] != '-' ||
        iso[7] != '-')
        return {};
    return std::to_string(day) + " " + months[static_cast<std::size_t>(month - 1)] + " " +
           std::to_string(year);
}

std::vector<document_bullet> actions_of(std::vector<action_item> const& list) {
    std::vector<document_bullet> out;
    for (auto const& a : list) {
        document_bullet b{clean_text(a.text), {}, {}, clean_text(a.when)};
        if (!a.who.empty() && !a.text.starts_with(a.who)) // "Roman Chukov to share ..." names them
            b.who = clean_text(a.who);
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<document_person> people_of(meeting const& m) {
    // Grouped by role, as a secretariat's annex lists them: the chairs, the participants,
    // then functions and places that spoke (as the Markdown report does).
    struct listed {
        int rank;
        document_person row;
    };
    std::vector<listed> people;
    auto const chairs = m.chairs();
    for (auto const& p : m.participants().all()) {
        if (p.same_as)
            continue; // listed as the person it was
        document_person row;
        row.name = p.name;
        for (std::size_t i = 0; i < p.aliases.size(); ++i)
            row.name += (i ? ", " : " (also ") + p.aliases[i];
        if (!p.aliases.empty())
            row.name += ")";
        row.name = clean_text(row.name);
        row.organisation = clean_text(p.organisation);
        row.role = role_of(m, p, chairs);
        row.turns = p.turns;
        row.words = p.words;
        row.share = percent(p.words, m.total_words());
        auto const rank = row.role == "chair"         ? 0
                          : row.role == "participant" ? 1
                          : row.role == "role"        ? 2
                                                      : 3;
        people.push_back({rank, std::move(row)});
    }
    std::stable_sort(people.begin(), people.end(),
                     [](listed const& a, listed const& b) { return a.rank < b.rank; });
    std::vector<document_person> out;
    out.reserve(people.size());
    for (auto& l : people)
        out.push_back(std::move(l.row));
    return out;
}

} // namespace

report_outline outline_report(meeting const& m, document_info const& info,
                              minutes_edits const* edits) {
    report_outline r;
    r.title = info.title.empty() ? std::string("Meeting") : clean_text(info.title);
    r.language = language_tag(m.language());
    r.date = day_of(info.started);
    r.started = r.date.empty() ? std::string() : clean_text(info.started);
    r.edited = edits && !edits->empty();
    r.approved = r.edited && edits->report_approved();
    for (auto const& machine : m.agenda()) {
        published_item published;
        if (r.edited)
            published = edits->publish(m, machine);
        else
            published.item = machine;
        auto const& item = published.item;
        document_item d;
        d.n = item.n;
        d.title = clean_text(item.title);
        d.context = clean_text(m.context_of(item.n - 1));
        d.approved = published.approved;
        for (auto const& k : item.key_points) {
            document_bullet b{clean_text(k.text), {}, {}, {}};
            if (k.from.speaker) {
                auto const& who = m.participants().at(*k.from.speaker).name;
                if (!k.text.starts_with(who))
                    b.speaker = clean_text(who);
            }
            d.key_points.push_back(std::move(b));
        }
        d.decisions = actions_of(item.decisions);
        d.next_steps = actions_of(item.next_steps);
        r.items.push_back(std::move(d));
    }
    r.people = people_of(m);
    r.has_organisations = std::any_of(r.people.begin(), r.people.end(),
                                      [](auto const& p) { return !p.organisation.empty(); });
    return r;
}

std::string document_file_name(std::string_view title, std::string_view extension) {
    std::string name;
    for (char c : title) {
        bool const keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (keep)
            name += c;
        else if (!name.empty() && name.back() != '-')
            name += '-';
        if (name.size() >= 80)
            break;
    }
    while (!name.empty() && name.back() == '-')
        name.pop_back();
    if (name.empty())
        name = "minutes";
    return name + "." + std::string(extension);
}

} // namespace minuted::summariser
