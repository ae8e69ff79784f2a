// meeting's segmentation by vocabulary, for meetings without any agenda cue.
#include "summariser/meeting.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace minuted::summariser {

namespace {

// Terms of a sentence for naming a topic: content words of four letters or more, and pairs
// of adjacent ones ("human rights", "climate change").
std::vector<std::string> topic_terms(std::string_view sentence) {
    std::vector<std::string> out;
    std::string prev;
    for (auto& w : words(sentence)) {
        if (w.size() < 4 || is_stopword(w)) {
            prev.clear();
            continue;
        }
        if (!prev.empty())
            out.push_back(prev + ' ' + w);
        out.push_back(w);
        prev = std::move(w);
    }
    return out;
}

// Topic segmentation without cues: sentences per block compared, the least words an item
// needs before it can split, and the similarity below which the topic has changed.
constexpr std::size_t min_topic_words = 1200;
constexpr double topic_shift_similarity = 0.2; // tf-idf cosine; IGF 2021 themes part near 0.13
constexpr double topic_valley_depth = 0.06;

// Cosine similarity of two bags of words, each word weighted by `weight(word)`.
template <class Weight>
double cosine(std::map<std::string_view, int> const& a, std::map<std::string_view, int> const& b,
              Weight const& weight) {
    double dot = 0, na = 0, nb = 0;
    for (auto const& [w, n] : a) {
        auto const x = n * weight(w);
        na += x * x;
        if (auto const it = b.find(w); it != b.end())
            dot += x * it->second * weight(w);
    }
    for (auto const& [w, n] : b) {
        auto const y = n * weight(w);
        nb += y * y;
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

} // namespace

void meeting::note_topic_words(std::string_view sentence, protocol::line_number line) {
    auto const& u = utterances_.back();
    recent_.push_back({content_words(sentence), topic_terms(sentence), u.id, line});
    ++sentences_seen_;
    for (auto const& w : recent_.back().words)
        ++document_frequency_[w];
    if (recent_.size() > 2 * topic_block)
        recent_.erase(recent_.begin());
    item_words_ += word_count(sentence);
}

void meeting::check_topic_shift(change_set& changes) {
    // TextTiling, incrementally: compare the last block of sentences with the block before.
    // Where they share few words there is a valley; once the similarity has climbed back out
    // of it, the deepest point of the valley is where the discussion changed topic.
    if (has_cues_ || item_words_ < min_topic_words || recent_.size() < 2 * topic_block)
        return;
    std::map<std::string_view, int> before, after;
    for (std::size_t i = 0; i < recent_.size(); ++i)
        for (auto const& w : recent_[i].words)
            ++(i < topic_block ? before : after)[w];
    // Words the whole meeting uses ("dynamic coalition") say nothing about a change of topic.
    auto const idf = [&](std::string_view w) {
        auto const it = document_frequency_.find(w);
        auto const df = it == document_frequency_.end() ? 1 : it->second;
        return std::log(static_cast<double>(sentences_seen_ + 1) / static_cast<double>(df));
    };
    auto const similarity = cosine(before, after, idf);
    if (!valley_ || similarity < valley_->similarity) {
        if (similarity < topic_shift_similarity)
            valley_ = valley{similarity, recent_[topic_block].utterance, recent_[topic_block].line};
        return;
    }
    if (similarity < valley_->similarity + topic_valley_depth)
        return;
    auto const at = *valley_;
    valley_.reset();

    // Title: the phrase the new topic repeats most that the old one did not use; names of
    // participants say who speaks, not what about.
    std::map<std::string_view, int> phrases;
    std::set<std::string_view> old_terms;
    for (auto const& r : recent_)
        for (auto const& term : r.terms) {
            if (r.line < at.line)
                old_terms.insert(term);
            else
                ++phrases[term];
        }
    std::vector<std::pair<double, std::string_view>> salient;
    for (auto const& [term, n] : phrases) {
        bool const name = std::any_of(people_.all().begin(), people_.all().end(),
                                      [&, term = term](auto const& x) {
                                          return to_lower(x.name).find(term) != std::string::npos;
                                      });
        if (n < 2 || name || old_terms.contains(term))
            continue;
        auto const space = term.find(' ');
        auto const rarity = space == std::string_view::npos
                                ? idf(term)
                                : std::min(idf(term.substr(0, space)), idf(term.substr(space + 1)));
        salient.emplace_back(-(n * rarity * (space == std::string_view::npos ? 1 : 2)), term);
    }
    std::sort(salient.begin(), salient.end());
    std::string title;
    for (auto const& [score, term] : salient) {
        auto const space = term.find(' ');
        if (title.find(term.substr(0, space)) != std::string::npos ||
            (space != std::string_view::npos &&
             title.find(term.substr(space + 1)) != std::string::npos))
            continue; // "coalitions" and "dynamic coalitions" say the same
        title += title.empty() ? std::string(term) : ", " + std::string(term);
        if (space != std::string_view::npos || std::count(title.begin(), title.end(), ',') >= 2)
            break;
    }
    open_item(capitalise(title), at.line, at.utterance, std::nullopt, changes);
}

} // namespace minuted::summariser
