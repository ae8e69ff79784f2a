#include "summariser/minutes.hpp"

#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace minuted::summariser {

namespace {

// Sentences longer than this are run-ons (or garbage); they make poor minutes.
constexpr std::size_t max_sentence_bytes = 1200;

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

bool is_question(std::vector<token> const& t) {
    return !t.empty() && t.back().lower == "?";
}

// Words before `end` that make what follows conditional or uncertain. `strict` adds the
// modals that hedge a promise ("I would send") but not a chair's ruling ("I would say
// congratulations, you have Stage 4").
bool hedged_before(std::vector<token> const& t, std::size_t end, bool strict = true) {
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

// Verbs of doing something for the meeting, in their base form.
constexpr auto action_verbs = std::to_array<std::string_view>({
    "send",     "share",    "circulate",    "prepare",  "ask",       "check",       "tell",
    "follow",   "draft",    "update",       "write",    "organise",  "organize",    "coordinate",
    "post",     "report",   "review",       "file",     "create",    "contact",     "reach",
    "invite",   "schedule", "finalize",     "finalise", "look",      "provide",     "distribute",
    "publish",  "submit",   "collect",      "propose",  "present",   "bring",       "work",
    "call",     "email",    "put",          "add",      "merge",     "land",        "compile",
    "identify", "give",     "forward",      "upload",   "summarize", "summarise",   "confirm",
    "arrange",  "book",     "notify",       "inform",   "clarify",   "investigate", "open",
    "reply",    "respond",  "double-check", "fix",      "implement", "set",         "get",
    "come",     "make",     "take",
});

// Verbs that only count with their particle: "get back", "set up", "make sure".
bool needs_particle(std::string_view verb, std::string_view next) {
    if (verb == "get" || verb == "come")
        return next != "back";
    if (verb == "set")
        return next != "up";
    if (verb == "make")
        return next != "sure";
    if (verb == "take")
        return next != "over" && next != "care";
    if (verb == "look")
        return next != "into" && next != "at";
    if (verb == "follow")
        return next != "up";
    if (verb == "reach")
        return next != "out";
    return false;
}

std::optional<std::string_view> base_verb(std::string_view w) {
    for (auto v : action_verbs) {
        if (w == v)
            return v;
        // "posting", "sharing", "setting": the progressive after "will be".
        if (w.size() > 3 && w.ends_with("ing")) {
            auto const stem = w.substr(0, w.size() - 3);
            if (stem == v || (v.back() == 'e' && stem == v.substr(0, v.size() - 1)) ||
                (stem.size() == v.size() + 1 && stem.starts_with(v) && stem.back() == v.back()))
                return v;
        }
    }
    return std::nullopt;
}

std::string deadline(std::string_view sentence, std::vector<token> const& t) {
    static constexpr auto patterns = std::to_array<std::string_view>({
        std::string_view{"by|before|until tomorrow|tonight|today|monday|tuesday|wednesday|"
                         "thursday|friday|saturday|sunday|noon|next|the|end * * *"},
        "tomorrow noon|morning|afternoon|evening?",
        "within|in a|one|two|three|four|few|couple|* weeks|days|months|week|day",
        "next week|month|meeting|time|session",
        "on the * of? january|february|march|april|may|june|july|august|september|october|"
        "november|december",
        "by the next meeting",
    });
    for (auto p : patterns) {
        if (auto const m = find_phrase(t, p)) {
            // Keep the phrase up to the next punctuation mark.
            auto last = m->last;
            while (last > m->first && !t[last - 1].is_word)
                --last;
            return std::string(token_text(sentence, t, m->first, last));
        }
    }
    return {};
}

} // namespace

std::optional<candidate> make_candidate(std::string_view sentence, std::vector<token> const& t,
                                        sentence_ref from) {
    if (sentence.size() > max_sentence_bytes)
        return std::nullopt;
    if (is_question(t))
        return std::nullopt;
    auto text = clean_for_minutes(sentence);
    auto const n = word_count(text);
    if (n < 8 || n > 55)
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
    return candidate{std::move(text), std::move(words), base, from};
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
                                                std::size_t limit) const {
    std::vector<std::pair<double, std::size_t>> scored;
    scored.reserve(candidates_.size());
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        auto const& c = candidates_[i];
        double const central =
            static_cast<double>(shared_[i]) / static_cast<double>(c.words.size() + 4);
        double const title = overlap(c.words, title_words) > 0 ? 0.4 : 0;
        scored.emplace_back(c.base + 0.6 * central + title, i);
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

std::optional<action_item> extract_next_step(std::string_view sentence, std::vector<token> const& t,
                                             std::string_view speaker,
                                             participant_registry const& people,
                                             sentence_ref from) {
    if (sentence.size() > max_sentence_bytes)
        return std::nullopt;
    if (t.size() < 4 || is_question(t))
        return std::nullopt;

    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        auto const& w = t[i].lower;
        std::size_t verb_at = 0;
        std::string_view subject;
        if (w == "will" || w == "shall") {
            if (i == 0 || !t[i - 1].is_word)
                continue;
            subject = t[i - 1].lower;
            verb_at = i + 1;
        } else if (w == "i'll" || w == "we'll" || w == "he'll" || w == "she'll" || w == "they'll") {
            subject = std::string_view(w).substr(0, w.find('\''));
            verb_at = i + 1;
        } else if (w == "going" && i + 1 < t.size() && t[i + 1].lower == "to" && i >= 2 &&
                   (t[i - 1].lower == "am" || t[i - 1].lower == "is" || t[i - 1].lower == "are" ||
                    t[i - 1].lower == "i'm" || t[i - 1].lower == "we're")) {
            subject = t[i - 1].lower == "i'm"     ? std::string_view("i")
                      : t[i - 1].lower == "we're" ? std::string_view("we")
                                                  : std::string_view(t[i - 2].lower);
            verb_at = i + 2;
        } else {
            continue;
        }
        // "will also send", "will then be posting"
        while (verb_at < t.size() &&
               (t[verb_at].lower == "also" || t[verb_at].lower == "then" ||
                t[verb_at].lower == "just" || t[verb_at].lower == "definitely" ||
                t[verb_at].lower == "be" || t[verb_at].lower == "certainly"))
            ++verb_at;
        if (verb_at >= t.size())
            continue;
        auto const verb = base_verb(t[verb_at].lower);
        auto const next =
            verb_at + 1 < t.size() ? std::string_view(t[verb_at + 1].lower) : std::string_view{};
        if (!verb || needs_particle(*verb, next) || hedged_before(t, i))
            continue;

        std::string who;
        if (subject == "i" || subject == "we") {
            who = std::string(speaker);
        } else if (subject == "you" || subject == "it" || subject == "that" || subject == "this" ||
                   subject == "there" || subject == "they" || subject == "which" ||
                   subject == "who" || subject == "he" || subject == "she" ||
                   is_stopword(subject)) {
            if (subject != "you" && subject != "they" && subject != "he" && subject != "she")
                continue;
        } else {
            auto const original = token_text(sentence, t, i - 1, i);
            if (original.empty() || !std::isupper(static_cast<unsigned char>(original[0])))
                continue; // "the secretariat will" is fine below; "things will" is not a person
            if (auto const id = people.find_by_name(original))
                who = people.at(*id).name;
            else
                who = std::string(original);
        }
        return action_item{clean_for_minutes(sentence), std::move(who), deadline(sentence, t),
                           from};
    }
    return std::nullopt;
}

std::optional<action_item> extract_decision(std::string_view sentence, std::vector<token> const& t,
                                            sentence_ref from) {
    if (sentence.size() > max_sentence_bytes)
        return std::nullopt;
    if (t.size() < 3 || is_question(t))
        return std::nullopt;
    static constexpr auto patterns = std::to_array<std::string_view>({
        "we|you have|got|reached conditional? consensus",
        "take|taking it|that as consensus",
        "consensus for|on stage|advancing|advancement",
        "have|has|reached|reach stage *",
        "i|we take it that we agree",
        "we|it is|it's agreed",
        "we agree and|to",
        "we have decided|agreed",
        "adopt|adopted the? draft? agenda",
        "we have a title",
        "no objections|objection so",
        "there are|is no objections|objection",
        "is|are approved",
    });
    for (auto p : patterns) {
        if (auto const m = find_phrase(t, p); m && !hedged_before(t, m->first, false))
            return action_item{clean_for_minutes(sentence), {}, {}, from};
    }
    return std::nullopt;
}

std::vector<key_point> choose_key_points(key_point_pool const& pool, std::string_view title,
                                         std::size_t sentences) {
    std::vector<key_point> out;
    for (auto i : pool.select(content_words(title), key_point_limit(sentences)))
        out.push_back({pool.candidates()[i].text, pool.candidates()[i].from});
    return out;
}

void add_action(std::vector<action_item>& list, action_item a) {
    if (list.size() >= max_actions)
        return;
    auto const words = content_words(a.text);
    for (auto const& o : list) {
        auto const ow = content_words(o.text);
        auto const small = std::min(words.size(), ow.size());
        bool const same =
            small >= 3 ? static_cast<double>(overlap(words, ow)) >= 0.6 * static_cast<double>(small)
                       : words == ow;
        if (same)
            return;
    }
    list.push_back(std::move(a));
}

} // namespace minuted::summariser
