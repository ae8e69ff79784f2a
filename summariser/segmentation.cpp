#include "summariser/segmentation.hpp"

#include <algorithm>
#include <string_view>

namespace minuted::summariser {

namespace {

// A speaker absent from this many turns before is a new voice.
constexpr std::size_t new_voice_window = 8;
// Lexical novelty: the words of the turn and the two after it against those of the fifteen
// before.
constexpr std::size_t novelty_ahead = 3;
constexpr std::size_t novelty_behind = 15;
constexpr double novelty_weight = 1.0;
constexpr double moves_on_weight = 0.6;
constexpr double queue_weight = -0.4;
constexpr double titled_weight = 0.4;
// Turns kept: what a weighing reads, and as much again so the window is cut rarely.
constexpr std::size_t kept_turns = 32;
static_assert(kept_turns > novelty_behind + new_voice_window + agenda_aligner::lookahead + 1,
              "a weighed turn reads the turns before it that novelty and a new voice need");

} // namespace

bool holds_floor(std::span<turn_evidence const> turns, std::size_t k) {
    for (auto i = k + 1; i < turns.size() && i <= k + agenda_aligner::lookahead; ++i)
        if (turns[i].speaker == turns[k].speaker)
            return true;
    return false;
}

double boundary_prior(std::span<turn_evidence const> turns, std::size_t k) {
    auto const& t = turns[k];
    double b = 0;
    if (k == 0 || turns[k - 1].speaker != t.speaker)
        b += 0.5;
    if (k > 0 && turns[k - 1].closes)
        b += 0.5;
    bool heard = false;
    for (auto i = k >= new_voice_window ? k - new_voice_window : 0; i < k; ++i)
        heard = heard || turns[i].speaker == t.speaker;
    if (!heard)
        b += 0.5;
    if (t.word_count >= long_turn_words)
        b += 0.3;
    if (holds_floor(turns, k))
        b += 0.3;
    if (t.opens)
        b += 0.3;
    return b;
}

double item_start_detector::score(std::size_t k) const {
    std::span<turn_evidence const> const turns(window_);
    auto const i = k - base_;
    double s = boundary_prior(turns, i);
    if (i > 0 && turns[i - 1].moves_on)
        s += moves_on_weight;
    if (i > 0 && turns[i - 1].queue)
        s += queue_weight;
    if (turns[i].titled)
        s += titled_weight;
    // The share of the words of this turn and the next two that the turns before did not use.
    std::vector<std::string_view> ahead;
    for (auto j = i; j < turns.size() && j < i + novelty_ahead; ++j)
        ahead.insert(ahead.end(), turns[j].words.begin(), turns[j].words.end());
    std::sort(ahead.begin(), ahead.end());
    ahead.erase(std::unique(ahead.begin(), ahead.end()), ahead.end());
    if (!ahead.empty()) {
        auto const fresh = std::count_if(ahead.begin(), ahead.end(),
                                         [&](std::string_view w) { return !behind_.contains(w); });
        s += novelty_weight * static_cast<double>(fresh) / static_cast<double>(ahead.size());
    }
    return s;
}

void item_start_detector::count_words(std::size_t turn, int by) {
    for (auto const& w : window_[turn - base_].words) {
        auto const it = behind_.try_emplace(w, 0).first;
        if ((it->second += by) <= 0)
            behind_.erase(it);
    }
}

std::optional<std::size_t> item_start_detector::weigh(std::size_t k) {
    // Turns are weighed in order: the fifteen before this one are counted, older ones not.
    if (k > 0)
        count_words(k - 1, 1);
    if (k > novelty_behind)
        count_words(k - 1 - novelty_behind, -1);
    if (k < last_start_ + min_gap)
        return std::nullopt;
    if (score(k) < threshold)
        return std::nullopt;
    last_start_ = k;
    return k;
}

std::optional<std::size_t> item_start_detector::add(turn_evidence turn) {
    window_.push_back(std::move(turn));
    ++added_;
    if (window_.size() >= 2 * kept_turns) {
        window_.erase(window_.begin(), window_.end() - kept_turns);
        base_ = added_ - kept_turns;
    }
    if (added_ <= lookahead)
        return std::nullopt;
    return weigh(weighed_++);
}

void item_start_detector::started(std::size_t turn) {
    last_start_ = std::max(last_start_, turn);
}

std::vector<std::size_t> item_start_detector::finish() {
    std::vector<std::size_t> out;
    while (weighed_ < added_)
        if (auto const k = weigh(weighed_++))
            out.push_back(*k);
    return out;
}

} // namespace minuted::summariser
