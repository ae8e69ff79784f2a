#include "summariser/minutes.hpp"

#include "summariser/reported.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace minuted::summariser {

namespace {

// "have good support for Stage 2": how a chair says the room is behind a request.
// With the stage named, a bare "you have support for Stage 3" grants it too.
std::string const has_support_for_stage =
    "have|has ample|good|enough|sufficient|strong|broad|clear|overwhelming|explicit|unanimous? "
    "explicit? support for stage *";
std::string const has_support =
    "have|has ample|good|enough|sufficient|strong|broad|clear|overwhelming|explicit|unanimous "
    "explicit? support";

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

// True if a word of `t` is one of `words`: a cheap test before a sentence's phrase patterns.
bool mentions_any(std::vector<token> const& t, std::initializer_list<std::string_view> words) {
    return std::any_of(t.begin(), t.end(), [&](token const& x) {
        return x.is_word && std::find(words.begin(), words.end(), x.lower) != words.end();
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
    "come",     "make",     "take",         "find",
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
    if (verb == "reach" || verb == "find")
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

// What someone committed to, from its verb to the end of the clause, in the third person:
// "share the document and kindly ask everyone to find those time slots of you" -> "share the
// document." Empty when nothing is left that can be reported.
std::string commitment(std::string_view sentence, std::vector<token> const& t, std::size_t verb,
                       std::string_view speaker) {
    auto end = verb;
    while (end < t.size() && t[end].lower != "-" && t[end].lower != ";" &&
           !(t[end].lower == "," && end + 1 < t.size() &&
             (t[end + 1].lower == "but" || t[end + 1].lower == "because" ||
              t[end + 1].lower == "so" || t[end + 1].lower == "which" ||
              // ", and they will also call ...": a clause of its own
              (t[end + 1].lower == "and" && end + 2 < t.size() &&
               mentions_any({t[end + 2]}, {"i", "we", "they", "he", "she", "you", "then"})))))
        ++end;
    // Words spoken to the listener cannot be reported: stop at the clause before them.
    for (auto k = verb; k < end; ++k) {
        if (!addresses_listener(t[k].lower))
            continue;
        while (k > verb && t[k - 1].lower != "," && t[k - 1].lower != "and")
            --k;
        end = k > verb ? k - 1 : verb;
        break;
    }
    if (end <= verb + 1)
        return {};
    auto const text = in_third_person(trim(token_text(sentence, t, verb, end), " ,.?!"), speaker);
    return text ? *text + "." : std::string();
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

std::vector<action_item> extract_next_steps(std::string_view sentence, std::vector<token> const& t,
                                            std::string_view speaker,
                                            participant_registry const& people, sentence_ref from) {
    std::vector<action_item> found;
    if (sentence.size() > max_sentence_bytes || t.size() < 4)
        return found;
    // A question commits nobody, but the clause before it may: "Marko will give me -- did
    // you say by tomorrow evening?"; and asking a named person is a request: "Roman, could
    // you find out from Luis".
    auto limit = t.size();
    if (is_question(t)) {
        auto const dash =
            std::find_if(t.begin(), t.end(), [](token const& x) { return x.lower == "-"; });
        limit = static_cast<std::size_t>(dash - t.begin());
        if (dash == t.end() && !find_phrase(t, ", could|can|would|will you"))
            return found;
    }

    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        auto const& w = t[i].lower;
        std::size_t verb_at = 0;
        std::string_view subject;
        std::string addressed;     // "Roman, you can ask Louis", "Roman, could you find out"
        std::size_t hedge_end = i; // a request's own "could" is no hedge
        if (w == "you" && i >= 2) {
            auto j = i - 1;
            if (t[j].lower == "could" || t[j].lower == "can" || t[j].lower == "would" ||
                t[j].lower == "will")
                --j;
            if (j < 1 || t[j].lower != ",")
                continue;
            auto const name = token_text(sentence, t, j - 1, j);
            auto const id = people.find_by_name(name);
            if (!id)
                continue;
            addressed = people.at(*id).name;
            hedge_end = j - 1;
            subject = "you";
            verb_at = i + 1;
            while (verb_at < t.size() &&
                   (t[verb_at].lower == "can" || t[verb_at].lower == "could" ||
                    t[verb_at].lower == "will" || t[verb_at].lower == "please"))
                ++verb_at;
        } else if (i >= limit) {
            break;
        } else if (w == "will" || w == "shall") {
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
        if (!verb || needs_particle(*verb, next) || hedged_before(t, hedge_end))
            continue;

        std::string who = addressed;
        if (!who.empty()) {
        } else if (subject == "i" || subject == "we") {
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
        if (who.empty())
            continue; // a next step has an owner
        auto text = commitment(sentence, t, verb_at, speaker);
        if (text.empty() || std::any_of(found.begin(), found.end(),
                                        [&](action_item const& a) { return a.who == who; }))
            continue;
        found.push_back({who + " to " + text, who, deadline(sentence, t), from});
    }
    return found;
}

std::string stage_named(std::vector<token> const& t) {
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (t[i].lower != "stage" && t[i].lower != "stages")
            continue;
        auto const& n = t[i + 1].lower;
        if (!n.empty() && std::isdigit(static_cast<unsigned char>(n[0])))
            return n;
        if (auto const v = parse_number(n); v && *v >= 0 && *v <= 4)
            return std::to_string(*v);
    }
    return {};
}

std::optional<action_item> extract_decision(std::string_view sentence, std::vector<token> const& t,
                                            std::string_view speaker,
                                            participant_registry const& people,
                                            std::string_view title, sentence_ref from) {
    if (sentence.size() > max_sentence_bytes)
        return std::nullopt;
    if (!mentions_any(t, {"congratulations", "consensus", "stage",     "stages",
                          "support",         "agree",     "agreed",    "adopt",
                          "adopted",         "approved",  "objection", "objections",
                          "title",           "decided",   "withdraw",  "withdrawn",
                          "withdrawing",     "withdrew",  "back",      "remains",
                          "remain",          "stays",     "stay",      "ask",
                          "asking",          "seek",      "request",   "requesting",
                          "seeking",         "opposition"}))
        return std::nullopt;
    if (t.size() < 2 || is_question(t) || word_count(sentence) > 45)
        return std::nullopt;
    auto const ruling = [&](std::string_view pattern) {
        auto const m = find_phrase(t, pattern);
        return m && !hedged_before(t, m->first, false);
    };
    auto const said = [&](std::string_view pattern) { return find_phrase(t, pattern).has_value(); };
    // In reported speech, or nothing: a decision is never published in the first person
    // ("I take it that there is no consensus on basing ourselves on ...").
    auto const reported = [&]() -> std::optional<action_item> {
        if (auto text = reported_speech(clean_for_minutes(sentence), speaker, people))
            return action_item{std::move(*text), {}, {}, from};
        return std::nullopt;
    };
    auto stage = stage_named(t);
    // What is told as past is history, not a ruling: "So when we got Stage 2, we identified
    // ...", "the spec text is approved as part of getting to Stage 3".
    bool const history = said("when|once|after we|they|it|you got|reached|had|advanced|went") ||
                         said("getting|get to stage") || said("last|previous meeting|time");

    // A stage granted: "Congratulations, you have Stage 4", "consensus for Stage 2.7".
    // "I'd like to ask for consensus for Stage 2" asks; it grants nothing.
    bool const asking =
        said("ask|asking|request|requesting|seek|seeking|like|want|call|calling|hoping|looking "
             "for") ||
        said("do|can|could we have|get") || said("to get|reach consensus");
    bool const granted = ruling("congratulations") ||
                         ruling("i|you|we|it|this|they have|has|got|reached|reaches "
                                "conditional? consensus? for? stage *") ||
                         // The champion thanking the room for it: "Thanks, everyone, for Stage 4."
                         ruling("thanks|thank you? ,? everyone|all? ,? for stage *") ||
                         (!asking && (ruling("consensus for|on stage|advancing|advancement") ||
                                      ruling(has_support_for_stage)));
    // The opposite, said as plainly: "no consensus", "I am not going to ask for Stage 2".
    bool const refused = said("no consensus") ||
                         said("not|don't|doesn't|didn't have|has|reach|reached|get consensus") ||
                         said("not going to ask|seek|request") ||
                         said("not|won't|didn't ask|asking|seek|seeking|request|requesting for? "
                              "stage|advancement|consensus");
    if (refused) {
        if (said("no consensus") && !stage.empty())
            return action_item{"No consensus for Stage " + stage + ".", {}, {}, from};
        if (auto r = reported())
            return r;
        // "we simply do not have consensus for it now"; not "I'm not going to ask for
        // consensus today", which settles nothing.
        if (said("no consensus") ||
            said("not|don't|doesn't|didn't have|has|reach|reached|get consensus"))
            return action_item{"No consensus was reached.", {}, {}, from};
        return std::nullopt;
    }
    // Taken back for another meeting: "I will come back at the next meeting to request 2.7".
    if (said("come|bring|coming|bringing back") && !hedged_before(t, t.size(), false) &&
        said("next|future|another meeting|time|plenary"))
        return reported();
    if (granted && !history) {
        if (stage.empty())
            stage = stage_named(tokenize(title));
        if (!stage.empty())
            return action_item{"Consensus for Stage " + stage + ".", {}, {}, from};
        if (!said("consensus"))
            return std::nullopt; // congratulated on something else
        return action_item{"Consensus was reached.", {}, {}, from};
    }
    static constexpr auto agreed = std::to_array<std::string_view>({
        "we|you|this|it|that have|has|reach|reached|got conditional? consensus",
        "this|it|that|we has|have|is? achieved|reached consensus",
        "remains|remain|stays|stay at stage",
        "withdraw|withdrew|withdrawn|withdrawing the|that|this|their? proposal",
        "take|taking it|that as consensus",
        "i|we take it that we agree",
        "we|it is|it's agreed",
        "we agree and|to",
        "we have decided|agreed",
        "adopt|adopted the? draft? agenda",
        "we have a title",
        "no objections|objection so",
        "heard|hearing|seeing no objections|objection",
        "there are|is no objections|objection",
        "is|are approved",
    });
    // "No objections on the queue." as a sentence of its own; "I have no objection" is one
    // person's view.
    auto const none_against = find_phrase(t, "no objections|objection|opposition");
    static std::string const supported = "you|this|it|that " + has_support;
    bool const backed = ruling(supported); // the request the item's title makes
    bool const settled = (none_against && none_against->first == 0) || backed ||
                         std::any_of(agreed.begin(), agreed.end(), ruling);
    if (!settled)
        return std::nullopt;
    if (backed && stage.empty())
        stage = stage_named(tokenize(title));
    // "we agree and adopt the draft agenda as proposed" -> "It was agreed to adopt the
    // draft agenda as proposed": what was settled, in the words said.
    if (auto const m = find_phrase(t, "adopt|approve|accept|endorse|merge"); m && m->first > 0)
        return action_item{"It was agreed to " +
                               std::string(trim(sentence.substr(t[m->first].begin), " ")),
                           {},
                           {},
                           from};
    if (!stage.empty() && said("remains|remain|stays|stay at stage"))
        return action_item{"The proposal remains at Stage " + stage + ".", {}, {}, from};
    if (history)
        return std::nullopt;
    if (!stage.empty())
        return action_item{"Consensus for Stage " + stage + ".", {}, {}, from};
    if (word_count(sentence) <= 12)
        return action_item{"Consensus was reached.", {}, {}, from};
    if (auto r = reported())
        return r;
    // "With that, RKG, you had a number of statements of explicit support ..., so, yeah, you
    // have consensus": said to the presenter, so not reported, but settled all the same.
    if (backed || said("consensus"))
        return action_item{"Consensus was reached.", {}, {}, from};
    return std::nullopt;
}

std::optional<consensus_move> read_consensus_move(std::string_view sentence,
                                                  std::vector<token> const& t, sentence_ref from) {
    if (sentence.size() > max_sentence_bytes || t.empty())
        return std::nullopt;
    if (!mentions_any(t, {"consensus", "stage",      "advancement", "approval",    "support",
                          "supports",  "supporting", "objections",  "objection",   "opposition",
                          "concerns",  "object",     "objecting",   "block",       "blocking",
                          "oppose",    "opposed",    "withhold",    "withholding", "plus",
                          "1",         "approve",    "approving",   "endorse",     "thumbs"}))
        return std::nullopt;
    auto const has = [&](std::string_view pattern) { return find_phrase(t, pattern).has_value(); };
    auto stage = stage_named(t);
    // Asked of the room, or asked for by the presenter.
    // "Anyone want to affirmatively support this?", "any objections?"
    bool const asks_room =
        is_question(t) && has("support|supports|objections|objection|consensus|stage");
    // "Any objections." said as a question, not "we have resolved any concerns".
    auto const any_against = find_phrase(t, "any objections|objection|opposition|concerns");
    auto const opens_with = [&](phrase_match const& m) {
        return std::all_of(t.begin(), t.begin() + static_cast<long>(m.first), [](token const& x) {
            return !x.is_word || x.lower == "okay" || x.lower == "so" || x.lower == "ok" ||
                   x.lower == "right" || x.lower == "and" || x.lower == "then";
        });
    };
    if (asks_room || (any_against && (opens_with(*any_against) || is_question(t))) ||
        has("is|are there any? objections|objection|opposition") ||
        has("ask|asking|request|requesting|seek|seeking|get|call for "
            "consensus|advancement|stage") ||
        has("do|can we have|get consensus") ||
        has("like|want to ask|request|get consensus|stage") ||
        has("hoping|hope|looking|asking for consensus|approval|support|stage|advancement")) {
        // "We need to discuss in TG2 before we ask for Stage 2": not yet.
        if (!has("not|don't|won't") && !has("next time|next meeting|future meeting") &&
            !has("before|until|once we|i"))
            return consensus_move{
                consensus_move::request, stage, from,
                // Put to the room now, not a process described ("then we ask for consensus
                // about it").
                mentions_any(t, {"consensus", "objection", "objections", "support", "approval",
                                 "opposition", "concerns", "advancement", "advance"}) &&
                    (is_question(t) || (any_against && opens_with(*any_against)) ||
                     has("i'd|we'd like|want to ask|request|call|seek") ||
                     has("i|we would like|want to ask|request|call|seek") ||
                     has("i'm|we're asking|requesting|calling|seeking|looking|hoping") ||
                     has("i|we am|are asking|requesting|calling|seeking|looking|hoping") ||
                     has("can|could|do|may we have|get|call consensus"))};
    }
    if (is_question(t))
        return std::nullopt;
    auto const lower = to_lower(sentence);
    bool const plus_one = lower.find("+1") != std::string::npos ||
                          lower.find("+ 1") != std::string::npos || has("plus one|ones|1");
    if (has("object|objecting|block|blocking|oppose|opposed") ||
        has("withhold|withholding consensus") || has("not|don't|can't|cannot support")) {
        if (!has("no|not|without|any|never "
                 "objection|objections|object|objecting|block|blocking|opposition") &&
            !has("hearing|heard|seeing|see no"))
            return consensus_move{consensus_move::objection, {}, from};
    }
    // Support voiced for the request ("I support", "support from DLM", "statements of
    // support"), not the verb in passing ("enough motivation to support the people").
    bool const voiced =
        has("i|we|also|strongly|fully|explicitly|definitely|would|do support|supports|approve|"
            "endorse") ||
        has("support|supports|approval from|for") ||
        has("explicit|strong|weak|more|much|lots|statement|statements|voice|voices|of|any|with "
            "support") ||
        has("supporting|approving|endorsing it|this|stage");
    // "I don't see any support", "a lack of support": none voiced.
    bool const none = has("no|lack|without|little support") || has("lack of support") ||
                      has("not|don't|didn't see|hear any? support");
    if (plus_one || (voiced && !none) || has("thumbs up") ||
        has("no objections|objection|opposition"))
        return consensus_move{consensus_move::support, {}, from};
    return std::nullopt;
}

void consensus_call::read(consensus_move const& move) {
    switch (move.kind) {
    case consensus_move::request:
        // A new question ("any objections?") after support keeps the call; a new request
        // for something else starts another.
        if (!request_ || (!move.stage.empty() && move.stage != request_->stage) || objected_) {
            request_ = move;
            support_.reset();
            objected_ = false;
        } else {
            // "I'd like to ask for Stage 2." ... "Any objections?": the room was asked last here.
            request_->asks_verdict = request_->asks_verdict || move.asks_verdict;
            request_->from = move.from;
        }
        break;
    case consensus_move::support:
        if (request_ && !objected_)
            support_ = support_.value_or(move.from); // the first support carried it
        break;
    case consensus_move::objection:
        if (request_)
            objected_ = true;
        break;
    }
}

std::optional<action_item> consensus_call::outcome(std::string_view title_stage,
                                                   std::optional<std::size_t> closed_at) const {
    if (!request_ || objected_)
        return std::nullopt;
    auto const stage = request_->stage.empty() ? title_stage : std::string_view(request_->stage);
    // The turns a chair takes to say "hearing none" and call the next item.
    constexpr std::size_t moved_on_within = 3;
    if (!support_ && request_->asks_verdict && closed_at &&
        *closed_at <= request_->from.utterance + moved_on_within + 1)
        return action_item{(stage.empty()
                                ? "Consensus was asked"
                                : "Consensus for Stage " + std::string(stage) + " was asked") +
                               ", and no concerns were raised.",
                           {},
                           {},
                           request_->from,
                           true};
    if (!support_)
        return std::nullopt;
    return action_item{stage.empty() ? "Consensus was reached."
                                     : "Consensus for Stage " + std::string(stage) + ".",
                       {},
                       {},
                       *support_,
                       true};
}

bool set_outcome(std::vector<action_item>& decisions, std::optional<action_item> outcome) {
    auto const before = decisions;
    std::erase_if(decisions, [](action_item const& d) { return d.of_call; });
    if (outcome)
        add_action(decisions, std::move(*outcome));
    return decisions != before;
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
