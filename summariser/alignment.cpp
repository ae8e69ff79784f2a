#include "summariser/alignment.hpp"

#include "summariser/agenda.hpp"
#include "summariser/segmentation.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace minuted::summariser {

namespace {

// The evidence weights. Item evidence: the title's words where the item would start, its
// presenter taking the floor, a chair's cue naming it. An item needs some of it to be placed;
// a cell is kept when item and boundary evidence together outweigh `placement_cost`.
constexpr double title_weight = 2.0;
constexpr double presenter_weight = 2.0;
constexpr double named_weight = 3.0;      // a chair's cue in the turn names the item
constexpr double introduced_weight = 1.5; // ... in the turn before (the chair hands over)
constexpr double first_weight = 2.0;      // the first item starts when the meeting does
constexpr double min_item_evidence = 0.3;
constexpr double placement_cost = 2.2;
// An item passed over costs this much, so that before the meeting has got there a later
// item is not placed on thin evidence at the expense of the ones in between.
constexpr double skip_cost = 0.5;

// Where title words are looked for: the turn and the two after it. Words already heard in the
// ten turns before count half, since a topic's first mention is where it starts.
constexpr std::size_t title_window = 3;
constexpr std::size_t novelty_window = 10;
constexpr double heard_before = 0.5;

// Words every agenda uses; they tell no item from another.
bool is_agenda_word(std::string_view w) {
    static constexpr auto generic = std::to_array<std::string_view>(
        {"update", "status", "proposal", "item", "discussion", "continuation", "continued", "cont",
         "part", "re", "new", "about", "over", "under", "up", "down"});
    return std::find(generic.begin(), generic.end(), w) != generic.end();
}

// Words of a name, split at spaces and hyphens: "Shu-yu Guo" -> shu, yu, guo.
std::vector<std::string> name_words(std::string_view name) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : to_lower(name)) {
        if (c == ' ' || c == '-' || c == '.' || c == '\t') {
            if (!cur.empty())
                out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty())
        out.push_back(std::move(cur));
    return out;
}

bool names_one(std::vector<std::string> const& s, std::vector<std::string> const& p) {
    if (s.empty() || p.empty())
        return false;
    if (s == p)
        return true;
    auto const in_p = [&](std::string const& w) {
        return std::find(p.begin(), p.end(), w) != p.end();
    };
    if (s.size() > 1)
        return std::all_of(s.begin(), s.end(), in_p);
    auto const& w = s.front();
    if (w.size() >= 3 && in_p(w))
        return true; // "WOUT" for Wout de Natris
    // Initials, as minutes write delegates: "KG", "SYG", "CDA"; or the first name's initial
    // and the surname's first two letters: "JHD", "NRO", "RPR".
    std::string initials;
    for (auto const& x : p)
        initials.push_back(x.front());
    if (w.size() < 2 || w.size() > 4)
        return false;
    return w == initials ||
           (w.size() == 3 && initials.size() >= 2 && w.compare(0, 2, initials, 0, 2) == 0);
}

// The names in a presenters list: "A, B", "A; B", "A & B", "A and B".
std::vector<std::vector<std::string>> presenter_names(std::string_view presenters) {
    std::vector<std::vector<std::string>> out;
    std::size_t from = 0;
    while (from <= presenters.size()) {
        auto const end = std::min(presenters.find_first_of(",;&", from), presenters.size());
        out.emplace_back();
        for (auto& w : name_words(presenters.substr(from, end - from))) {
            if (w == "and")
                out.emplace_back();
            else
                out.back().push_back(std::move(w));
        }
        from = end + 1;
    }
    std::erase_if(out, [](auto const& name) { return name.empty(); });
    return out;
}

} // namespace

std::vector<std::string> evidence_words(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    auto const flush = [&] {
        if (cur.size() >= 2 && !is_stopword(cur) && !is_agenda_word(cur)) {
            if (cur.size() > 3 && cur.back() == 's' && cur[cur.size() - 2] != 's')
                cur.pop_back();
            out.push_back(cur);
        }
        cur.clear();
    };
    for (char c : to_lower(text)) {
        auto const u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || u >= 0x80)
            cur.push_back(c);
        else
            flush();
    }
    flush();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool is_presenter(std::string_view speaker, std::string_view presenters) {
    auto const s = name_words(speaker);
    auto const names = presenter_names(presenters);
    return std::any_of(names.begin(), names.end(), [&](auto const& p) { return names_one(s, p); });
}

agenda_aligner::agenda_aligner(std::vector<protocol::agenda_item> agenda)
    : agenda_(std::move(agenda)) {
    std::vector<std::vector<std::string>> words;
    for (auto const& a : agenda_) {
        words.push_back(evidence_words(with_long_forms(a.title)));
        vocabulary_.insert(vocabulary_.end(), words.back().begin(), words.back().end());
    }
    std::sort(vocabulary_.begin(), vocabulary_.end());
    vocabulary_.erase(std::unique(vocabulary_.begin(), vocabulary_.end()), vocabulary_.end());
    titles_.clear();
    for (auto const& w : words) {
        titles_.emplace_back();
        for (auto const& x : w)
            titles_.back().push_back(static_cast<std::uint32_t>(
                std::lower_bound(vocabulary_.begin(), vocabulary_.end(), x) - vocabulary_.begin()));
    }
    titles_of_ = protocol::titles_of(agenda_);
    for (auto const& a : agenda_)
        presenters_.push_back(presenter_names(a.presenter));
    df_.assign(vocabulary_.size(), 0);
    tree_.assign(agenda_.size() + 1, {0.0, -1});
    is_ahead_.assign(agenda_.size(), 0);
}

void agenda_aligner::add(turn_evidence turn) {
    // Both lists are sorted: one merge finds the titles' words the turn uses.
    std::vector<std::uint32_t> uses;
    auto v = vocabulary_.begin();
    for (auto const& w : turn.words) {
        v = std::lower_bound(v, vocabulary_.end(), w);
        if (v == vocabulary_.end())
            break;
        if (*v == w) {
            auto const i = static_cast<std::uint32_t>(v - vocabulary_.begin());
            uses.push_back(i);
            ++df_[i];
        }
    }
    uses_.push_back(std::move(uses));
    named_.emplace_back();
    declined_.emplace_back();
    for (auto const& c : turn.cues)
        note_cue(named_.size() - 1, c);
    // What the score needs of the words is in uses_.
    turn.words = {};
    turns_.push_back(std::move(turn));
    while (scored_ + lookahead < turns_.size())
        score(scored_++);
}

void agenda_aligner::add_cue(std::size_t turn, item_cue cue) {
    if (turn < scored_ || turn >= turns_.size())
        return;
    note_cue(turn, cue);
    turns_[turn].cues.push_back(std::move(cue));
}

void agenda_aligner::note_cue(std::size_t turn, item_cue const& cue) {
    auto const item = named_item(cue);
    if (!item)
        return;
    (cue.declined ? declined_ : named_)[turn].push_back(*item);
    // An item the chair takes out of order starts here, outside the path through the agenda
    // in order, which goes on from the items before without it. The turns before that are
    // still to be weighed do not start it either.
    // "Item 2 first" when item 1 is the last placed is the agenda in order.
    auto const next = best_ < 0 ? 0 : cells_[static_cast<std::size_t>(best_)].item + std::size_t{1};
    if (cue.ahead && !cue.declined && !is_ahead_[*item] && *item > next) {
        is_ahead_[*item] = 1;
        taken_ahead_.push_back({*item, turn, true});
    }
}

std::optional<std::size_t> agenda_aligner::named_item(item_cue const& cue) const {
    if (cue.number && *cue.number >= 1 && static_cast<std::size_t>(*cue.number) <= agenda_.size())
        return static_cast<std::size_t>(*cue.number - 1);
    if (cue.title.empty())
        return std::nullopt;
    return match_known_title(cue.title, titles_of_);
}

void agenda_aligner::finish() {
    while (scored_ < turns_.size())
        score(scored_++);
}

agenda_aligner::best_cell agenda_aligner::best_before(std::size_t item) const {
    // Slot 0 is the meeting's start; slot j + 1 holds paths whose last item is j.
    best_cell best{0.0, -1};
    for (auto i = item + 1; i > 0; i -= i & (~i + 1))
        best = std::max(best, tree_[i - 1]);
    return best;
}

void agenda_aligner::record(std::size_t item, best_cell c) {
    for (auto i = item + 2; i <= tree_.size(); i += i & (~i + 1))
        tree_[i - 1] = std::max(tree_[i - 1], c);
}

void agenda_aligner::score(std::size_t k) {
    auto const& t = turns_[k];
    if (agenda_.empty())
        return;
    // Which title words the turn and the two after it use, and the ten before; how rare each
    // is in the meeting so far.
    std::vector<char> seen(vocabulary_.size(), 0), before(vocabulary_.size(), 0);
    for (auto i = k; i < k + title_window && i < turns_.size(); ++i)
        for (auto w : uses_[i])
            seen[w] = 1;
    for (auto i = k >= novelty_window ? k - novelty_window : 0; i < k; ++i)
        for (auto w : uses_[i])
            before[w] = 1;
    std::vector<double> idf(vocabulary_.size());
    for (std::size_t w = 0; w < idf.size(); ++w)
        idf[w] = std::log((static_cast<double>(turns_.size()) + 1) / (df_[w] + 0.5));
    auto const b = boundary_prior(turns_, k);
    // A presenter's word in a discussion is not their item starting: alone, their speaking is
    // evidence only in a long turn or one they go on from.
    bool const presents = t.word_count >= long_turn_words || holds_floor(turns_, k);
    auto const speaker = name_words(t.speaker);
    auto const presented_by = [&](std::size_t j) {
        return std::any_of(presenters_[j].begin(), presenters_[j].end(),
                           [&](auto const& p) { return names_one(speaker, p); });
    };
    std::vector<cell> fresh;
    auto const declined = [&](std::size_t j) {
        for (auto i = k >= 2 ? k - 2 : 0; i <= k; ++i)
            if (std::find(declined_[i].begin(), declined_[i].end(), j) != declined_[i].end())
                return true;
        return false;
    };
    for (std::size_t j = 0; j < agenda_.size(); ++j) {
        if (declined(j) || is_ahead_[j])
            continue;
        double e = 0;
        double total = 0, got = 0;
        for (auto w : titles_[j]) {
            total += idf[w];
            if (seen[w])
                got += before[w] ? heard_before * idf[w] : idf[w];
        }
        if (total > 0)
            e += title_weight * got / total;
        if (j == 0 && k == 0)
            e += first_weight;
        auto const named = [&](std::size_t i) {
            auto const& n = named_[i];
            return std::find(n.begin(), n.end(), j) != n.end();
        };
        // Named again soon after (a reminder, "over to you; any other business?") counts half.
        bool named_before = false;
        for (auto i = k >= novelty_window ? k - novelty_window : 0; i + 1 < k; ++i)
            named_before = named_before || named(i);
        auto const fresh_name = named_before ? heard_before : 1.0;
        if (named(k))
            e += fresh_name * named_weight;
        else if (k > 0 && named(k - 1))
            e += fresh_name * introduced_weight;
        if ((presents || e > 0) && presented_by(j))
            e += presenter_weight;
        if (e < min_item_evidence)
            continue;
        auto const s = e + b - placement_cost;
        if (s <= 0)
            continue;
        auto const [before_value, back] = best_before(j);
        fresh.push_back({static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(k),
                         before_value - skip_cost * static_cast<double>(j) + s, back});
    }
    // A turn's cells extend paths through earlier turns only, so they go in after all are made.
    for (auto const& c : fresh) {
        auto const index = static_cast<std::int64_t>(cells_.size());
        cells_.push_back(c);
        record(c.item, {c.value + skip_cost * static_cast<double>(c.item + 1), index});
        if (best_ < 0 || c.value > cells_[static_cast<std::size_t>(best_)].value)
            best_ = index;
    }
}

std::vector<agenda_aligner::placement> agenda_aligner::path() const {
    std::vector<placement> out;
    for (auto i = best_; i >= 0; i = cells_[static_cast<std::size_t>(i)].back)
        out.push_back(
            {cells_[static_cast<std::size_t>(i)].item, cells_[static_cast<std::size_t>(i)].turn});
    std::reverse(out.begin(), out.end());
    if (taken_ahead_.empty())
        return out;
    // Items taken out of order go where the chair took them: the path gives way there, and
    // does not place them again.
    std::erase_if(out, [&](placement const& p) {
        return is_ahead_[p.item] ||
               std::any_of(taken_ahead_.begin(), taken_ahead_.end(),
                           [&](placement const& a) { return a.turn == p.turn; });
    });
    out.insert(out.end(), taken_ahead_.begin(), taken_ahead_.end());
    std::stable_sort(out.begin(), out.end(),
                     [](placement const& a, placement const& b) { return a.turn < b.turn; });
    return out;
}

} // namespace minuted::summariser
