#include "summariser/minutes.hpp"

#include "summariser/minutes_detail.hpp"
#include "summariser/reported.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace minuted::summariser {

namespace detail {

bool mentions_any(std::vector<token> const& t, std::initializer_list<std::string_view> words) {
    return std::any_of(t.begin(), t.end(), [&](token const& x) {
        return x.is_word && std::find(words.begin(), words.end(), x.lower) != words.end();
    });
}

bool is_question(std::vector<token> const& t) {
    return !t.empty() && t.back().lower == "?";
}

bool hedged_before(std::vector<token> const& t, std::size_t end, bool strict) {
    static constexpr auto modals =
        std::to_array<std::string_view>({"would", "should", "can", "can't", "won't"});
    static constexpr auto hedges = std::to_array<std::string_view>(
        {"if", "could", "might", "maybe", "perhaps", "hope", "whether", "wonder", "unless", "not",
         "never", "wish", "whoever"});
    for (std::size_t i = 0; i < end && i < t.size(); ++i) {
        if (std::find(hedges.begin(), hedges.end(), t[i].lower) != hedges.end())
            return true;
        if (strict && std::find(modals.begin(), modals.end(), t[i].lower) != modals.end())
            return true;
    }
    return false;
}

} // namespace detail

using detail::is_question;
using detail::max_sentence_bytes;
using detail::mentions_any;

namespace {

bool contains_any(std::string_view lower, std::initializer_list<std::string_view> phrases) {
    return std::any_of(phrases.begin(), phrases.end(), [&](std::string_view p) {
        for (auto pos = lower.find(p); pos != std::string_view::npos;
             pos = lower.find(p, pos + 1)) {
            bool const start_ok = pos == 0 || lower[pos - 1] == ' ' || lower[pos - 1] == ',';
            auto const end = pos + p.size();
            bool const end_ok =
                end >= lower.size() || !std::isalnum(static_cast<unsigned char>(lower[end]));
            if (start_ok && end_ok)
                return true;
        }
        return false;
    });
}

// A sentence that means nothing on its own: it hangs on the one before ("Because otherwise
// ...", "Which is why ...", "In which case ...") or was cut off ("... explain in the title
// what", "... till half past four, so.").
bool leans_on_context(std::string_view text) {
    auto const t = tokenize(text);
    if (t.empty())
        return true;
    if (mentions_any({t.front()}, {"because", "which", "whereas", "although", "though", "meaning",
                                   "otherwise", "like", "again", "or", "and", "but", "so"}))
        return true;
    if (auto const m = find_phrase(t, "in which case"); m && m->first == 0)
        return true;
    // "That is why they need to know ...", "That's the idea, that ...": about what was said.
    for (auto p : {"that|this|that's is|was? why|how|what", "that|this|that's is|was? the "
                                                            "idea|point|reason|case"})
        if (auto const m = find_phrase(t, p); m && m->first == 0)
            return true;
    auto const last = t.back();
    if (last.is_word)
        return is_stopword(last.lower) && last.lower != "too" && last.lower != "yet";
    // Ended with a full stop, but on a word that always has more to come.
    auto const word = std::find_if(t.rbegin(), t.rend(), [](token const& x) { return x.is_word; });
    return word != t.rend() &&
           mentions_any({*word}, {"so", "and", "but", "or", "because", "the", "a", "an"});
}

// The numbers a text names, in order: "Stage 2.7" -> {"2", "7"}.
std::vector<std::string> numbers_in(std::string_view text) {
    auto all = words(text);
    std::erase_if(all, [](std::string const& w) {
        return !std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
    });
    return all;
}

// Logistics of the meeting itself: waiting for people, who can join and when ("we will need
// to wait for a couple more people", "Jutta will not be able to join before", "still a few
// minutes to go").
constexpr std::string_view attendance[] = {"wait|waiting for",
                                           "join|joined|joining us|before|later",
                                           "join|joined the meeting|call",
                                           "able to join",
                                           "minutes to go",
                                           "time to start|begin"};

bool about_attendance(std::vector<token> const& t) {
    return std::any_of(std::begin(attendance), std::end(attendance),
                       [&](std::string_view p) { return find_phrase(t, p).has_value(); });
}

// Logistics of the meeting itself: a clock time ("anything from 5:00 onwards is okay").
bool names_a_clock_time(std::string_view text) {
    for (std::size_t i = 1; i + 2 < text.size(); ++i)
        if (text[i] == ':' && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(text[i + 2])))
            return true;
    return false;
}

} // namespace

std::optional<candidate> make_candidate(std::string_view sentence, std::vector<token> const& t,
                                        sentence_ref from, participant_registry const& people) {
    if (sentence.size() > max_sentence_bytes)
        return std::nullopt;
    if (is_question(t))
        return std::nullopt;
    auto text = clean_for_minutes(sentence);
    auto const n = word_count(text);
    if (n < 8 || n > 55 || leans_on_context(text) || names_a_clock_time(text) ||
        about_attendance(t))
        return std::nullopt;
    auto const lower = to_lower(text);
    if (contains_any(lower, {"thank you",
                             "thanks",
                             "hello",
                             "good morning",
                             "good afternoon",
                             "good evening",
                             "bye",
                             "welcome",
                             "can you hear",
                             "hear me",
                             "over to you",
                             "floor is yours",
                             "give the floor",
                             "hand up",
                             "raise your hand",
                             "raised hand",
                             "muted",
                             "mute",
                             "share my screen",
                             "next slide",
                             "let's wait",
                             "sorry",
                             "i see",
                             "the queue",
                             "apologize",
                             "apologise",
                             "can you see",
                             "this slide",
                             "nice to"}))
        return std::nullopt;
    auto words = content_words(text);
    if (words.size() < 4)
        return std::nullopt;
    // Reported once, with a mark where the speaker's name goes: the name is the one thing
    // that may change (a label that turns out to be a longer one).
    auto reported = reported_speech(text, from.speaker ? speaker_mark : "", people);
    if (!reported)
        return std::nullopt;

    double base = 0.5 * static_cast<double>(words.size()) / static_cast<double>(n);
    double cues = 0;
    for (auto c : {"should",  "need to",  "needs to", "important",       "propose",      "proposal",
                   "suggest", "concern",  "agree",    "recommend",       "goal",         "aim",
                   "key",     "main",     "problem",  "the question is", "the point is", "idea",
                   "must",    "priority", "decide",   "focus",           "we want",      "the aim"})
        if (contains_any(lower, {c}))
            cues += 0.25;
    base += std::min(cues, 0.5);
    if (contains_any(lower, {"i don't know", "i'm not sure", "not sure", "i have no idea"}))
        return std::nullopt; // the speaker's own doubt is not a point raised
    if (contains_any(lower, {"i guess", "maybe", "i think so"}))
        base -= 0.25;
    if (n >= 12 && n <= 35)
        base += 0.2;
    return candidate{std::move(*reported), std::move(words), base, from};
}

std::size_t key_point_limit(std::size_t sentences) {
    return std::clamp<std::size_t>((sentences + 19) / 20, 1, 6);
}

void key_point_pool::add(candidate c) {
    auto const index = candidates_.size();
    int own = 0;
    for (auto const& w : c.words) {
        auto& post = postings_[w];
        auto const df_before = static_cast<int>(post.size());
        if (df_before <= max_shared) {
            // One more sentence uses w: each earlier one below the cap shares one word more.
            for (auto j : post)
                ++shared_[j];
            own += df_before;
            post.push_back(index);
        } else {
            own += max_shared;
        }
    }
    candidates_.push_back(std::move(c));
    shared_.push_back(own);
}

std::vector<candidate> key_point_pool::take_from(std::uint32_t line) {
    std::vector<candidate> taken, kept;
    for (auto& c : candidates_)
        (c.from.line >= line ? taken : kept).push_back(std::move(c));
    candidates_.clear();
    shared_.clear();
    postings_.clear();
    for (auto& c : kept)
        add(std::move(c));
    return taken;
}

std::vector<std::size_t> key_point_pool::select(std::vector<std::string> const& title_words,
                                                std::size_t limit,
                                                std::vector<sentence_ref> const& shown) const {
    std::vector<std::pair<double, std::size_t>> scored;
    scored.reserve(candidates_.size());
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        auto const& c = candidates_[i];
        double const central =
            static_cast<double>(shared_[i]) / static_cast<double>(c.words.size() + 4);
        double const title = overlap(c.words, title_words) > 0 ? 0.4 : 0;
        // A point viewers already see keeps its place unless another is clearly better.
        double const kept =
            std::find(shown.begin(), shown.end(), c.from) != shown.end() ? sticky_bonus : 0;
        scored.emplace_back(c.base + 0.6 * central + title + kept, i);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](auto const& a, auto const& b) { return a.first > b.first; });

    std::vector<std::size_t> chosen;
    std::map<std::size_t, int> per_speaker;
    for (auto const& [score, i] : scored) {
        if (chosen.size() >= limit)
            break;
        auto const& c = candidates_[i];
        bool const redundant = std::any_of(chosen.begin(), chosen.end(), [&](std::size_t j) {
            auto const& o = candidates_[j];
            auto const small = std::min(c.words.size(), o.words.size());
            return static_cast<double>(overlap(c.words, o.words)) >=
                   0.5 * static_cast<double>(small);
        });
        auto const who = c.from.speaker.value_or(static_cast<std::size_t>(-1));
        if (redundant || per_speaker[who] >= 2)
            continue;
        ++per_speaker[who];
        chosen.push_back(i);
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<key_point> choose_key_points(key_point_pool const& pool, std::string_view title,
                                         std::size_t sentences, participant_registry const& people,
                                         std::vector<key_point> const& shown) {
    std::vector<sentence_ref> kept;
    for (auto const& k : shown)
        kept.push_back(k.from);
    std::vector<key_point> out;
    for (auto i : pool.select(content_words(title), key_point_limit(sentences), kept)) {
        auto const& c = pool.candidates()[i];
        auto text = c.text;
        if (auto const at = text.find(speaker_mark); at != std::string::npos && c.from.speaker)
            text.replace(at, speaker_mark.size(), people.at(*c.from.speaker).name);
        out.push_back({std::move(text), c.from});
    }
    return out;
}

void add_action(std::vector<action_item>& list, action_item a) {
    if (list.size() >= max_actions)
        return;
    auto const words = content_words(a.text);
    auto const numbers = numbers_in(a.text);
    for (auto const& o : list) {
        auto const ow = content_words(o.text);
        auto const small = std::min(words.size(), ow.size());
        // "Consensus for Stage 3." and "Consensus for Stage 4." are two outcomes.
        bool const same = numbers == numbers_in(o.text) &&
                          (small >= 3 ? static_cast<double>(overlap(words, ow)) >=
                                            0.6 * static_cast<double>(small)
                                      : words == ow);
        if (same)
            return;
    }
    // A call's outcome stays last, so the order does not depend on when it was settled.
    auto const at =
        !a.of_call && !list.empty() && list.back().of_call ? list.end() - 1 : list.end();
    list.insert(at, std::move(a));
}

} // namespace minuted::summariser
