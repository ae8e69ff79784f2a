// Who the meeting's speakers are, as the meeting itself says: a label that is a place (a
// remote hub), and a role label that turned out to be a person.
#include "summariser/meeting.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace minuted::summariser {

void meeting::note_hubs(std::vector<token> const& t, change_set& changes) {
    for (std::size_t i = 1; i < t.size(); ++i) {
        if ((t[i].lower != "hub" && t[i].lower != "hubs") || !t[i - 1].is_word ||
            is_stopword(t[i - 1].lower))
            continue;
        auto const at = std::lower_bound(hub_words_.begin(), hub_words_.end(), t[i - 1].lower);
        if (at != hub_words_.end() && *at == t[i - 1].lower)
            continue;
        hub_words_.insert(at, t[i - 1].lower);
        for (auto const& p : people_.all())
            if (is_hub(p))
                changes.participants.push_back(p.id);
        changes.meta = true;
    }
}

// "And Roman, you may want to change your name to say Roman instead of IGF Secretariat, which
// you are", "Roman from the IGF Secretariat": a sentence that names a role label and one
// person as the same, when the two never answered each other, says who the role was.
void meeting::note_identity(std::string_view sentence, std::vector<token> const& t,
                            std::optional<participant_id> speaker, change_set& changes) {
    for (auto const& r : people_.all()) {
        if (r.kind != participant_kind::role || r.same_as)
            continue;
        auto const label = summariser::words(r.label);
        std::optional<std::size_t> at;
        for (std::size_t i = 0; !at && i + label.size() <= t.size(); ++i)
            if (std::equal(label.begin(), label.end(), t.begin() + static_cast<long>(i),
                           [](std::string const& w, token const& x) { return w == x.lower; }))
                at = i;
        if (!at)
            continue;
        // The words that say so, next to the label: "from the IGF Secretariat", "instead of
        // 'IGF Secretariat'", "IGF Secretariat, which you are".
        auto const word_before = [&](std::size_t back) -> std::string_view {
            std::size_t seen = 0;
            for (auto i = *at; i-- > 0;)
                if (t[i].is_word && ++seen == back)
                    return t[i].lower;
            return {};
        };
        auto const after = *at + label.size();
        auto const is = find_phrase(t, "which|who you|he|she|they are|is", after);
        bool const said_so = word_before(1) == "from" ||
                             (word_before(1) == "the" && word_before(2) == "from") ||
                             (word_before(1) == "of" && word_before(2) == "instead") ||
                             (is && is->first <= after + 2);
        if (!said_so)
            continue;
        // The one person it names, by a capitalised name: "Roman".
        std::set<participant_id> persons;
        for (std::size_t i = 0; i < t.size(); ++i) {
            auto const word = token_text(sentence, t, i, i + 1);
            if (!t[i].is_word || word.empty() || !std::isupper(static_cast<unsigned char>(word[0])))
                continue;
            if (auto const id = people_.find_by_name(word); id && id != speaker)
                persons.insert(*id);
        }
        if (persons.size() != 1)
            continue;
        auto const role = r.id;
        auto const person = *persons.begin();
        // Two people may talk to each other; one person does not answer themself.
        bool answered = false;
        for (std::size_t i = 1; i < utterances_.size() && !answered; ++i) {
            auto const a = utterances_[i - 1].speaker, b = utterances_[i].speaker;
            answered = (a == role && b == person) || (a == person && b == role);
        }
        if (answered || !people_.identify(role, person))
            continue;
        if (role < procedural_.size()) {
            if (procedural_.size() <= person)
                procedural_.resize(person + 1, 0);
            procedural_[person] += std::exchange(procedural_[role], 0);
        }
        for (auto const& u : utterances_)
            if (u.speaker == role)
                changes.utterances.push_back(u.id);
        changes.participants.push_back(role);
        changes.participants.push_back(person);
        changes.meta = true;
        return;
    }
}

bool meeting::is_hub(participant const& p) const {
    if (p.kind != participant_kind::person || hub_words_.empty())
        return false;
    auto const named = summariser::words(p.label);
    return std::any_of(named.begin(), named.end(), [&](std::string const& w) {
        return std::binary_search(hub_words_.begin(), hub_words_.end(), w);
    });
}

} // namespace minuted::summariser
