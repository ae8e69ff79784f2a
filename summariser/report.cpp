#include "summariser/report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace minuted::summariser {

namespace {

std::string speaker_of(meeting const& m, sentence_ref const& r) {
    return r.speaker ? m.participants().at(*r.speaker).name : std::string{};
}

boost::json::object ref_json(meeting const& m, sentence_ref const& r) {
    boost::json::object o;
    o["speaker"] = r.speaker ? boost::json::value(speaker_of(m, r)) : boost::json::value(nullptr);
    o["utterance"] = r.utterance;
    o["line"] = r.line;
    return o;
}

boost::json::array actions_json(meeting const& m, std::vector<action_item> const& list) {
    boost::json::array a;
    for (auto const& x : list) {
        auto o = ref_json(m, x.from);
        o["text"] = x.text;
        o["who"] = x.who;
        o["when"] = x.when;
        a.push_back(std::move(o));
    }
    return a;
}

void markdown_actions(std::string& out, std::vector<action_item> const& list) {
    for (auto const& a : list) {
        out += "- ";
        if (!a.who.empty() && !a.text.starts_with(a.who)) // "Roman Chukov to share ..." names them
            out += "**" + a.who + "**: ";
        out += a.text;
        if (!a.when.empty())
            out += " _(" + a.when + ")_";
        out += '\n';
    }
}

} // namespace

std::string role_of(meeting const& m, participant const& p,
                    std::vector<participant_id> const& chairs) {
    if (p.kind == participant_kind::role)
        return "role";
    if (m.is_hub(p))
        return "hub";
    return std::find(chairs.begin(), chairs.end(), p.id) != chairs.end() ? "chair" : "participant";
}

std::string render_markdown(meeting const& m) {
    return render_markdown(m, m.title());
}

namespace {

// A heading's text on one line: a title a source or an editor sent with a line break (or
// another control character) would end the heading and start a paragraph of its own.
std::string one_line(std::string_view text) {
    std::string out(text);
    std::replace_if(
        out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
    return out;
}

} // namespace

std::vector<published_item> published_agenda(meeting const& m, minutes_edits const* edits) {
    minutes_edits const none;
    return (edits ? *edits : none).publish(m).items;
}

std::string render_markdown(meeting const& m, std::string_view title, minutes_edits const* edits) {
    std::string out;
    out += "# " + (title.empty() ? std::string("Meeting") : one_line(title)) + "\n\n";
    out += "Summary report\n";
    for (auto const& published : published_agenda(m, edits)) {
        auto const& item = published.item;
        out += "\n## " + std::to_string(item.n) + ". " + one_line(item.title) + "\n\n";
        out += "_From line " + std::to_string(item.start_line) + "._";
        // Who carried it, for an item that starts with one of the machine's.
        if (auto const context = published.machine ? m.context_of(*published.machine) : "";
            !context.empty())
            out += " " + context;
        out += '\n';
        if (!item.key_points.empty()) {
            out += "\nKey points raised\n\n";
            for (auto const& k : item.key_points) {
                out += "- " + k.text;
                if (auto const who = speaker_of(m, k.from);
                    !who.empty() && !k.text.starts_with(who))
                    out += " (" + who + ")";
                out += '\n';
            }
        }
        if (!item.decisions.empty()) {
            out += "\nDecisions\n\n";
            markdown_actions(out, item.decisions);
        }
        if (!item.next_steps.empty()) {
            out += "\nNext steps\n\n";
            markdown_actions(out, item.next_steps);
        }
    }
    // With a roster, each person's organisation, as a secretariat's annex lists them.
    bool const organisations =
        std::any_of(m.participants().all().begin(), m.participants().all().end(),
                    [](participant const& p) { return !p.organisation.empty(); });
    out += organisations ? "\n## Participants\n\n| Name | Organisation | Role | Turns | Words | "
                           "Share of talk |\n|---|---|---|---:|---:|---:|\n"
                         : "\n## Participants\n\n| Name | Role | Turns | Words | Share of talk "
                           "|\n|---|---|---:|---:|---:|\n";
    // Grouped by role, as a secretariat's annex lists them: the chairs, the participants,
    // then functions and places that spoke.
    struct listed {
        int rank;
        std::string role;
        participant const* p;
    };
    std::vector<listed> people;
    auto const chairs = m.chairs();
    for (auto const& p : m.participants().all()) {
        if (p.same_as)
            continue; // listed as the person it was
        auto role = role_of(m, p, chairs);
        auto const rank = role == "chair" ? 0 : role == "participant" ? 1 : role == "role" ? 2 : 3;
        people.push_back({rank, std::move(role), &p});
    }
    std::stable_sort(people.begin(), people.end(),
                     [](listed const& a, listed const& b) { return a.rank < b.rank; });
    for (auto const& [rank, role, person] : people) {
        auto const& p = *person;
        out += "| " + p.name;
        if (!p.aliases.empty()) {
            out += " (also ";
            for (std::size_t i = 0; i < p.aliases.size(); ++i)
                out += (i ? ", " : "") + p.aliases[i];
            out += ")";
        }
        if (organisations)
            out += " | " + p.organisation;
        out += " | " + role + " | " + std::to_string(p.turns) + " | " + std::to_string(p.words) +
               " | " + percent(p.words, m.total_words()) + " |\n";
    }
    return out;
}

boost::json::value render_json(meeting const& m, minutes_edits const* edits) {
    boost::json::object root;
    root["schema"] = "minuted.report/1";
    root["title"] = m.title();
    root["ended"] = m.ended();
    auto const chair = m.chair();
    root["chair"] =
        chair ? boost::json::value(m.participants().at(*chair).name) : boost::json::value(nullptr);
    auto const chair_ids = m.chairs();
    boost::json::array chairs;
    for (auto const id : chair_ids)
        chairs.emplace_back(m.participants().at(id).name);
    root["chairs"] = std::move(chairs);

    boost::json::array people;
    for (auto const& p : m.participants().all()) {
        if (p.same_as)
            continue; // listed as the person it was
        boost::json::object o;
        o["id"] = people.size(); // in order: nothing in the report refers to it
        o["name"] = p.name;
        o["label"] = p.label;
        boost::json::array aliases;
        for (auto const& a : p.aliases)
            aliases.emplace_back(a);
        o["aliases"] = std::move(aliases);
        o["role"] = role_of(m, p, chair_ids);
        o["organisation"] = p.organisation;
        o["turns"] = p.turns;
        o["words"] = p.words;
        o["share"] = m.total_words()
                         ? static_cast<double>(p.words) / static_cast<double>(m.total_words())
                         : 0.0;
        people.push_back(std::move(o));
    }
    root["participants"] = std::move(people);

    boost::json::array agenda;
    for (auto const& published : published_agenda(m, edits)) {
        auto const& item = published.item;
        boost::json::object o;
        o["n"] = item.n;
        o["title"] = item.title;
        o["start_line"] = item.start_line;
        o["first_utterance"] = item.first_utterance;
        if (item.known_index)
            o["known_index"] = *item.known_index;
        auto const who =
            published.machine ? m.people_of(*published.machine) : meeting::item_people{};
        o["presenter"] =
            who.presenter.empty() ? boost::json::value(nullptr) : boost::json::value(who.presenter);
        o["context"] = published.machine ? m.context_of(*published.machine) : "";
        boost::json::array points;
        for (auto const& k : item.key_points) {
            auto p = ref_json(m, k.from);
            p["text"] = k.text;
            points.push_back(std::move(p));
        }
        o["key_points"] = std::move(points);
        o["next_steps"] = actions_json(m, item.next_steps);
        o["decisions"] = actions_json(m, item.decisions);
        agenda.push_back(std::move(o));
    }
    root["agenda"] = std::move(agenda);
    root["summary"] = m.catch_up();

    std::size_t unattributed = 0;
    for (auto const& u : m.utterances())
        unattributed += u.speaker ? 0u : 1u;
    root["stats"] = {{"utterances", m.utterances().size()},
                     {"words", m.total_words()},
                     {"unattributed_turns", unattributed}};
    return root;
}

namespace {

// "14:03 UTC"
std::string utc_clock(time_point t) {
    auto const minutes = std::chrono::floor<std::chrono::minutes>(t).time_since_epoch().count();
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld UTC", static_cast<long long>(minutes / 60 % 24),
                  static_cast<long long>(minutes % 60));
    return buf;
}

} // namespace

std::string render_transcript(meeting const& m) {
    std::string out;
    for (auto const& u : m.utterances()) {
        if (u.text.empty())
            continue;
        if (!u.continues) // the rest of a long turn is a new paragraph of it
            out +=
                (u.speaker ? m.participants().at(*u.speaker).name : std::string("Speaker")) + ": ";
        out += u.text;
        if (u.revision > 0) // a person's words, not the captioner's: said so
            out += " [corrected by " + u.corrected_by + " at " + utc_clock(u.corrected_at) + "]";
        out += "\n\n";
    }
    return out;
}

namespace {

std::string vtt_time(std::chrono::milliseconds t) {
    auto const ms = t.count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld",
                  static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                  static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
    return buf;
}

// Cue text may not hold '<', '&' or "-->" as such; '>' is escaped too, for the last.
std::string vtt_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else if (c == '\n')
            out += ' '; // a blank line would end the cue
        else
            out += c;
    }
    return out;
}

} // namespace

std::string render_vtt(meeting const& m, std::size_t words_per_cue) {
    using std::chrono::milliseconds;
    constexpr milliseconds per_word{400}; // 150 words a minute
    words_per_cue = std::max<std::size_t>(words_per_cue, 1);
    std::string out = "WEBVTT\n";
    // The header YouTube's and Teams' files carry, which players and minuted read back.
    if (!m.language().empty())
        out.append("Language: ").append(m.language()).append("\n");
    auto const& turns = m.utterances();
    if (turns.empty())
        return out;
    auto const origin = turns.front().at;
    milliseconds previous{0}; // WebVTT cue starts never go back, and a cue is never empty
    for (std::size_t i = 0; i < turns.size(); ++i) {
        auto const& u = turns[i];
        std::vector<std::string_view> words;
        for (std::string_view rest = u.text; !rest.empty();) {
            auto const start = rest.find_first_not_of(" \n");
            if (start == std::string_view::npos)
                break;
            rest.remove_prefix(start);
            auto const end = std::min(rest.find_first_of(" \n"), rest.size());
            words.push_back(rest.substr(0, end));
            rest.remove_prefix(end);
        }
        if (words.empty())
            continue;
        auto const begin = std::max(milliseconds(0), u.at - origin);
        auto end = i + 1 < turns.size() ? turns[i + 1].at - origin : begin;
        if (end <= begin)
            end = begin + per_word * static_cast<long>(words.size());
        auto const span = end - begin;
        std::string const voice =
            u.speaker ? vtt_escape(m.participants().at(*u.speaker).name) : std::string("Speaker");
        // A turn in another language than the meeting's says so, as WebVTT's <lang> span does.
        bool const other_language = !u.lang.empty() && u.lang != m.language();
        for (std::size_t w = 0; w < words.size(); w += words_per_cue) {
            auto const last = std::min(w + words_per_cue, words.size());
            auto const share = [&](std::size_t k) {
                return begin + span * static_cast<long>(k) / static_cast<long>(words.size());
            };
            std::string text;
            for (auto k = w; k < last; ++k) {
                if (k > w)
                    text += ' ';
                text += words[k];
            }
            auto const start = std::max(share(w), previous);
            auto const stop = std::max(share(last), start + milliseconds(1));
            previous = start;
            // Appended piece by piece: GCC 12 at -O3 sees a false overlap (-Wrestrict) in
            // the chain of operator+ this was.
            out.append("\n").append(vtt_time(start)).append(" --> ").append(vtt_time(stop));
            out.append("\n<v ").append(voice).append(">");
            if (other_language)
                out.append("<lang ").append(u.lang).append(">");
            out.append(vtt_escape(text));
            if (other_language)
                out.append("</lang>");
            out.append("\n");
        }
    }
    return out;
}

std::string percent(std::size_t part, std::size_t whole) {
    if (whole == 0)
        return "0%";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%",
                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

} // namespace minuted::summariser
