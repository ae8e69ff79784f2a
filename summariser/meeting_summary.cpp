// meeting's summaries for readers: who chaired, who carried each item, and "catch me up".
#include "summariser/meeting.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace minuted::summariser {

namespace {

// "Catch me up" stays short enough to read at a glance.
constexpr std::size_t catch_up_words = 120;

int score_of(std::vector<int> const& procedural, participant_id id) {
    return id < procedural.size() ? procedural[id] : 0;
}

// The first `max_words` words of `text`, with "…" where it was cut.
std::string shorten(std::string_view text, std::size_t max_words) {
    std::size_t words = 0;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool const space = text[i] == ' ' || text[i] == '\n';
        if (!space && !in_word && ++words > max_words)
            return std::string(trim(text.substr(0, i), " ,;:-")) + "…";
        in_word = !space;
    }
    return std::string(text);
}

std::string joined(std::vector<std::string> const& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return out;
}

} // namespace

void meeting::set_roster(std::vector<protocol::roster_person> roster, change_set& changes) {
    people_.set_roster(std::move(roster));
    for (auto const& p : people_.all())
        changes.participants.push_back(p.id);
    changes.meta = true;
}

bool chairs_by_roster(participant const& p) {
    auto const role = to_lower(p.roster_role);
    return role == "chair" || role == "co-chair" || role == "moderator" || role == "co-moderator";
}

std::vector<participant_id> meeting::chairs() const {
    auto const chair_id = chair();
    if (!chair_id)
        return {};
    std::vector<participant_id> out{*chair_id};
    auto const items = [&](participant_id id) {
        return id < procedural_item_.size() ? procedural_item_[id].items : 0;
    };
    auto const top = score_of(procedural_, *chair_id);
    // A co-chair moves the meeting on nearly as much, in more than one item, and in a good
    // part of what they say: a delegate who often speaks of consensus does not.
    for (auto const& p : people_.all()) {
        auto const score = score_of(procedural_, p.id);
        if (p.id != *chair_id && 2 * score >= top && items(p.id) >= 2 &&
            4 * static_cast<std::size_t>(score) >= p.turns && !is_hub(p))
            out.push_back(p.id);
    }
    // Whom the roster names as chairs chair, whatever they said.
    for (auto const& p : people_.all())
        if (chairs_by_roster(p) && std::find(out.begin(), out.end(), p.id) == out.end())
            out.push_back(p.id);
    std::stable_sort(out.begin() + 1, out.end(), [&](participant_id a, participant_id b) {
        return score_of(procedural_, a) > score_of(procedural_, b);
    });
    return out;
}

meeting::item_people meeting::people_of(std::size_t index) const {
    item_people out;
    auto const& item = agenda_.at(index);
    auto const end =
        index + 1 < agenda_.size() ? agenda_[index + 1].first_utterance : utterances_.size();
    std::map<participant_id, std::size_t> words;
    std::map<participant_id, bool> counted; // a person, not a role or a hub: asked once each
    for (auto i = item.first_utterance; i < end && i < utterances_.size(); ++i) {
        auto const& u = utterances_[i];
        if (!u.speaker)
            continue;
        auto const id = people_.at(*u.speaker).same_as.value_or(*u.speaker);
        auto [known, fresh] = counted.try_emplace(id, false);
        if (fresh)
            known->second =
                people_.at(id).kind == participant_kind::person && !is_hub(people_.at(id));
        if (!known->second)
            continue;
        words[id] += u.words;
        out.turns += u.continues ? 0 : 1;
    }
    std::vector<std::pair<std::size_t, participant_id>> ranked;
    for (auto const& [id, n] : words)
        ranked.emplace_back(n, id);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](auto const& a, auto const& b) { return a.first > b.first; });

    if (item.known_index && *item.known_index < known_presenters_.size() &&
        !known_presenters_[*item.known_index].empty()) {
        out.presenter = known_presenters_[*item.known_index];
        out.named_by_agenda = true;
        auto const first = out.presenter.substr(0, out.presenter.find(','));
        out.presenter_id = people_.find_by_name(first);
        if (!out.presenter_id) { // "Michael Ficarra" speaks as "MF"
            std::string initials;
            for (auto const& w : summariser::words(first))
                initials += static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
            for (auto const& p : people_.all())
                if (initials.size() >= 2 && p.label == initials)
                    out.presenter_id = p.id;
        }
    } else {
        // Chairs speak in every item: one leads an item only if nobody else spoke even half
        // as much.
        auto const chairing = chairs();
        auto const lead = std::find_if(ranked.begin(), ranked.end(), [&](auto const& r) {
            return std::find(chairing.begin(), chairing.end(), r.second) == chairing.end();
        });
        if (lead != ranked.end() && 2 * lead->first >= ranked.front().first)
            out.presenter_id = lead->second;
        else if (!ranked.empty())
            out.presenter_id = ranked.front().second;
        if (out.presenter_id)
            out.presenter = people_.at(*out.presenter_id).name;
    }
    for (auto const& [n, id] : ranked)
        if (id != out.presenter_id)
            out.others.push_back(id);
    return out;
}

std::string meeting::context_of(std::size_t index) const {
    auto const p = people_of(index);
    if (p.presenter.empty())
        return {};
    std::string out = (p.named_by_agenda ? "Presented by " : "Led by ") + p.presenter;
    std::vector<std::string> others;
    for (std::size_t i = 0; i < p.others.size() && i < 3; ++i)
        others.push_back(people_.at(p.others[i]).name);
    if (p.others.size() > 3)
        others.push_back(std::to_string(p.others.size() - 3) +
                         (p.others.size() == 4 ? " other" : " others"));
    if (!others.empty())
        out += ", with " + joined(others);
    out += " (" + std::to_string(p.turns) + (p.turns == 1 ? " turn)." : " turns).");
    return out;
}

std::string meeting::catch_up() const {
    if (agenda_.empty())
        return "The meeting has not started yet.";
    std::size_t budget = catch_up_words;
    std::vector<std::string> lines;
    auto const add = [&](std::string line) {
        auto const n = word_count(line);
        if (n > budget)
            line = shorten(line, budget);
        budget -= std::min(budget, n);
        if (!line.empty())
            lines.push_back(std::move(line));
    };
    auto const outcome = [](agenda_item const& item) -> std::string {
        if (!item.decisions.empty())
            return item.decisions.back().text;
        return item.key_points.empty() ? std::string() : item.key_points.front().text;
    };

    auto const now = agenda_.size() - 1;
    if (!ended_) {
        auto const& item = agenda_[now];
        add("Now: " + std::to_string(item.n) + ". " + item.title + ". " + context_of(now));
        // Its latest points, newest last.
        auto const& points = item.key_points;
        for (auto i = points.size() > 2 ? points.size() - 2 : 0; i < points.size(); ++i)
            add("- " + shorten(points[i].text, 25));
        for (auto const& d : item.decisions)
            add("- " + shorten(d.text, 20));
    } else {
        add("The meeting has ended after " + std::to_string(agenda_.size()) +
            (agenda_.size() == 1 ? " agenda item." : " agenda items."));
    }

    // The next steps still open, the newest first, before the older items' lines.
    std::vector<std::string> open;
    for (auto i = agenda_.size(); i-- > 0 && open.size() < 3;)
        for (auto a = agenda_[i].next_steps.rbegin();
             a != agenda_[i].next_steps.rend() && open.size() < 3; ++a)
            open.push_back(std::string(trim(shorten(a->text, 15), ".")));
    std::string steps;
    for (auto const& a : open)
        steps += (steps.empty() ? "Next steps: " : "; ") + a;
    if (!steps.empty())
        steps += '.';

    // The items before, the most recent first, as many as there is room for.
    std::vector<std::string> earlier;
    auto room = budget > word_count(steps) ? budget - word_count(steps) : 0;
    auto const last = ended_ ? agenda_.size() : now;
    for (auto i = last; i-- > 0;) {
        auto const said = outcome(agenda_[i]);
        auto line = std::to_string(agenda_[i].n) + ". " + agenda_[i].title +
                    (said.empty() ? "." : ": " + shorten(said, 15));
        auto const n = word_count(line);
        if (n > room)
            break;
        room -= n;
        earlier.push_back(std::move(line));
    }
    std::reverse(earlier.begin(), earlier.end());
    if (auto const left = last - earlier.size(); left > 0)
        add("(" + std::to_string(left) + (left == 1 ? " earlier item)" : " earlier items)"));
    for (auto& line : earlier)
        add(std::move(line));
    if (!steps.empty())
        add(std::move(steps));

    std::string out;
    for (auto const& line : lines)
        out += (out.empty() ? "" : "\n") + line;
    return out;
}

} // namespace minuted::summariser
