#include "summariser/participants.hpp"

#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace minuted::summariser {

namespace {

std::vector<std::string_view> split_words(std::string_view key) {
    std::vector<std::string_view> out;
    std::size_t p = 0;
    while (p < key.size()) {
        auto const e = std::min(key.find(' ', p), key.size());
        if (e > p)
            out.push_back(key.substr(p, e - p));
        p = e + 1;
    }
    return out;
}

bool is_prefix(std::vector<std::string_view> const& shorter,
               std::vector<std::string_view> const& longer) {
    return shorter.size() < longer.size() &&
           std::equal(shorter.begin(), shorter.end(), longer.begin());
}

// Levenshtein distance, stopping early once it exceeds `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
    if (a.size() > b.size())
        std::swap(a, b);
    if (b.size() - a.size() > limit)
        return limit + 1;
    std::vector<std::size_t> row(a.size() + 1);
    for (std::size_t i = 0; i <= a.size(); ++i)
        row[i] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
        auto diag = row[0];
        row[0] = j;
        auto best = row[0];
        for (std::size_t i = 1; i <= a.size(); ++i) {
            auto const up = row[i];
            row[i] =
                std::min({row[i] + 1, row[i - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diag = up;
            best = std::min(best, row[i]);
        }
        if (best > limit)
            return limit + 1;
    }
    return row[a.size()];
}

// One long word differs by a single edit: a captioner's typo of the same name.
bool is_typo_variant(std::vector<std::string_view> const& a,
                     std::vector<std::string_view> const& b) {
    if (a.size() != b.size() || a.size() < 2)
        return false;
    std::size_t differing = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i])
            continue;
        if (++differing > 1 || std::min(a[i].size(), b[i].size()) < 6 ||
            edit_distance(a[i], b[i], 1) > 1)
            return false;
    }
    return differing == 1;
}

enum class match { none, alias, fuller };

// How `label` (new) relates to `known` (an existing key).
match relate(std::vector<std::string_view> const& label,
             std::vector<std::string_view> const& known) {
    if (is_prefix(label, known) ||
        (label.size() == 1 && known.size() > 1 && known.back() == label[0]))
        return match::alias;
    if (is_prefix(known, label) ||
        (known.size() == 1 && label.size() > 1 && label.back() == known[0]))
        return match::fuller;
    if (is_typo_variant(label, known))
        return match::alias;
    return match::none;
}

// `tail` is the last words of `words`, after one or more words before it.
bool is_proper_suffix(std::vector<std::string_view> const& tail,
                      std::vector<std::string_view> const& words) {
    return tail.size() < words.size() && std::equal(tail.rbegin(), tail.rend(), words.rbegin());
}

} // namespace

std::string label_key(std::string_view label) {
    std::string out;
    for (std::size_t i = 0; i < label.size(); ++i) {
        char c = label[i];
        if (label.compare(i, 3, "\xE2\x80\x99") == 0) { // ’
            c = '\'';
            i += 2;
        }
        if (c == ' ' && (out.empty() || out.back() == ' '))
            continue;
        out.push_back(c);
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return to_upper(out);
}

bool is_role_label(std::string_view key) {
    static constexpr auto role_words = std::to_array<std::string_view>({
        "SECRETARIAT", "SECRETARY",    "CHAIR",     "CHAIRPERSON", "CHAIRMAN",   "CO-CHAIR",
        "MODERATOR",   "CO-MODERATOR", "HOST",      "CO-HOST",     "CAPTIONER",  "INTERPRETER",
        "AUDIENCE",    "PARTICIPANT",  "SPEAKER",   "FLOOR",       "PANELIST",   "PANELLIST",
        "RAPPORTEUR",  "FACILITATOR",  "ORGANIZER", "ORGANISER",   "PRESENTER",  "OPERATOR",
        "STAFF",       "UNIDENTIFIED", "UNKNOWN",   "VOICE",       "DELEGATION", "HUB",
        "ROOM",        "ONSITE",       "ONLINE",    "REMOTE",
    });
    for (auto w : split_words(key))
        if (std::find(role_words.begin(), role_words.end(), w) != role_words.end())
            return true;
    return false;
}

std::optional<participant_id> participant_registry::exact(std::string_view key) const {
    for (auto const& k : keys_)
        if (k.key == key)
            return k.id;
    return std::nullopt;
}

bool participant_registry::is_label(std::string_view text) const {
    return exact(label_key(text)).has_value();
}

void participant_registry::rename(participant& p, std::string_view label, std::string key) {
    p.aliases.push_back(p.label);
    p.label = std::string(label);
    p.name = readable_name(label);
    keys_.push_back({std::move(key), p.id});
    share_names();
}

void participant_registry::share_names() {
    for (auto& r : participants_)
        if (r.same_as)
            r.name = participants_[*r.same_as].name;
}

std::optional<participant_registry::titled>
participant_registry::find_titled(std::vector<std::string_view> const& words, bool is_role) const {
    // Names of two words or more only: one word ("SMITH", "SECRETARIAT") is too often shared.
    if (words.size() < 2)
        return std::nullopt;
    std::optional<titled> found;
    for (auto const& k : keys_) {
        auto const& p = participants_[k.id];
        auto const known = split_words(k.key);
        std::optional<titled> t;
        if (p.kind == participant_kind::person && known.size() >= 2 &&
            is_proper_suffix(known, words))
            t = titled{k.id, false};
        else if (!is_role && is_proper_suffix(words, known))
            t = titled{k.id, true};
        if (!t || (found && found->id == t->id))
            continue;
        if (found)
            return std::nullopt; // two people could be meant
        found = t;
    }
    return found;
}

resolution participant_registry::resolve(std::string_view label) {
    auto const r = resolve_label(label);
    apply_roster(participants_[r.id]);
    if (r.renamed)
        share_names();
    return r;
}

void participant_registry::set_roster(std::vector<protocol::roster_person> roster) {
    roster_ = std::move(roster);
    roster_keys_.clear();
    for (std::size_t i = 0; i < roster_.size(); ++i) {
        roster_keys_.emplace_back(label_key(roster_[i].name), i);
        for (auto const& a : roster_[i].aliases)
            roster_keys_.emplace_back(label_key(a), i);
    }
    for (auto& p : participants_)
        apply_roster(p);
    share_names();
}

void participant_registry::apply_roster(participant& p) const {
    auto const listed = [&](std::string_view label) -> protocol::roster_person const* {
        auto const key = label_key(label);
        for (auto const& [k, i] : roster_keys_)
            if (k == key)
                return &roster_[i];
        return nullptr;
    };
    auto const* r = listed(p.label);
    for (std::size_t i = 0; !r && i < p.aliases.size(); ++i)
        r = listed(p.aliases[i]);
    if (!r)
        return;
    // "KG" speaks as Kevin Gibbons of F5; a label the roster calls a role stays a role. A
    // name a person gave stays.
    if (p.revision == 0)
        p.name = r->name;
    p.organisation = r->organisation;
    p.roster_role = r->role;
}

resolution participant_registry::resolve_label(std::string_view label) {
    auto key = label_key(label);
    if (auto const id = exact(key))
        return {*id, false, false};

    bool const role = is_role_label(key);
    // A title or a function typed before a known name, in any language: "CHAIR MARKUS KUMMER"
    // or "PRÉSIDENTE HÉLÈNE DUBOIS" is the person MARKUS KUMMER or HÉLÈNE DUBOIS. Told apart
    // by the name, not by a list of titles, so "VORSITZENDE" and "ПРЕДСЕДАТЕЛЬ" work as well.
    if (auto const t = find_titled(split_words(key), role)) {
        auto& p = participants_[t->id];
        if (t->known_is_titled && p.kind == participant_kind::role) {
            // Known only as "MODERATOR JANE DOE" so far: the bare name is the person's label.
            p.kind = participant_kind::person;
            rename(p, label, std::move(key));
            return {p.id, false, true};
        }
        // Otherwise the label known first stays: "Présidente Hélène Dubois" keeps its title, and
        // a name typed with a title later is an alias. A shorter name is never made canonical
        // over a longer one, which may be a first name before a double surname.
        p.aliases.emplace_back(label);
        keys_.push_back({std::move(key), p.id});
        return {p.id, false, false};
    }
    if (!role) {
        auto const new_words = split_words(key);
        std::optional<participant_id> candidate;
        match how = match::none;
        bool ambiguous = false;
        for (auto const& k : keys_) {
            auto const& p = participants_[k.id];
            if (p.kind == participant_kind::role || (candidate && *candidate == k.id))
                continue;
            auto const m = relate(new_words, split_words(k.key));
            if (m == match::none)
                continue;
            if (candidate) {
                ambiguous = true;
                break;
            }
            candidate = k.id;
            how = m;
        }
        if (candidate && !ambiguous) {
            auto& p = participants_[*candidate];
            // Prefer the fuller or longer spelling: a typo more often drops a letter.
            if (how == match::fuller ||
                (how == match::alias && key.size() > label_key(p.label).size() &&
                 split_words(key).size() == split_words(label_key(p.label)).size())) {
                rename(p, label, std::move(key));
                return {p.id, false, true};
            }
            p.aliases.emplace_back(label);
            keys_.push_back({std::move(key), p.id});
            return {p.id, false, false};
        }
    }

    participant p;
    p.id = participants_.size();
    p.label = std::string(label);
    p.name = readable_name(label);
    p.kind = role ? participant_kind::role : participant_kind::person;
    keys_.push_back({std::move(key), p.id});
    participants_.push_back(std::move(p));
    return {participants_.back().id, true, false};
}

bool participant_registry::identify(participant_id role, participant_id person) {
    auto& r = participants_.at(role);
    auto& p = participants_.at(person);
    if (r.kind != participant_kind::role || r.same_as || p.kind != participant_kind::person ||
        p.same_as)
        return false;
    p.aliases.push_back(r.label);
    p.turns += std::exchange(r.turns, 0);
    p.words += std::exchange(r.words, 0);
    r.same_as = person;
    share_names();
    for (auto& k : keys_)
        if (k.id == role)
            k.id = person;
    return true;
}

void participant_registry::count_turn(participant_id id, std::size_t words) {
    auto& p = participants_.at(id);
    ++p.turns;
    p.words += words;
}

void participant_registry::count_words(participant_id id, std::size_t words) {
    participants_.at(id).words += words;
}

std::optional<participant_id> participant_registry::find_by_name(std::string_view name) const {
    auto const key = label_key(name);
    if (key.empty())
        return std::nullopt;
    auto const wanted = split_words(key);
    std::optional<participant_id> found;
    for (auto const& p : participants_) {
        if (p.kind == participant_kind::role)
            continue;
        auto const matches = [&](std::string const& own_key) {
            auto const words = split_words(own_key);
            return words == wanted || (wanted.size() == 1 && !words.empty() &&
                                       (words.front() == wanted[0] || words.back() == wanted[0]));
        };
        // By the label spoken under, or by the name the roster gives ("Kevin" for "KG").
        bool const hit =
            matches(label_key(p.label)) || (!roster_.empty() && matches(label_key(p.name)));
        if (!hit)
            continue;
        if (found)
            return std::nullopt;
        found = p.id;
    }
    return found;
}

} // namespace minuted::summariser
