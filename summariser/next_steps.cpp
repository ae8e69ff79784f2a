#include "summariser/minutes.hpp"
#include "summariser/minutes_detail.hpp"
#include "summariser/reported.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace minuted::summariser {

using detail::hedged_before;
using detail::is_question;
using detail::max_sentence_bytes;
using detail::mentions_any;

namespace {

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

// Where a commitment starts: its verb, who says they will do it, and where a hedge before it
// would count.
struct commitment_start {
    std::size_t verb_at = 0;
    std::string_view subject;
    std::string addressed;     // "Roman, you can ask Louis", "Roman, could you find out"
    std::size_t hedge_end = 0; // a request's own "could" is no hedge
};

// A request to a named person at the "you" at `i`: "Roman, could you find out from Luis".
std::optional<commitment_start> request_at(std::string_view sentence, std::vector<token> const& t,
                                           std::size_t i, participant_registry const& people) {
    auto j = i - 1;
    if (t[j].lower == "could" || t[j].lower == "can" || t[j].lower == "would" ||
        t[j].lower == "will")
        --j;
    if (j < 1 || t[j].lower != ",")
        return std::nullopt;
    auto const name = token_text(sentence, t, j - 1, j);
    auto const id = people.find_by_name(name);
    if (!id)
        return std::nullopt;
    commitment_start s;
    s.addressed = people.at(*id).name;
    s.hedge_end = j - 1;
    s.subject = "you";
    s.verb_at = i + 1;
    while (s.verb_at < t.size() && (t[s.verb_at].lower == "can" || t[s.verb_at].lower == "could" ||
                                    t[s.verb_at].lower == "will" || t[s.verb_at].lower == "please"))
        ++s.verb_at;
    return s;
}

// A promise in the future at `i`: "X will", "I'll", "we are going to".
std::optional<commitment_start> promise_at(std::vector<token> const& t, std::size_t i) {
    auto const& w = t[i].lower;
    commitment_start s;
    s.hedge_end = i;
    if (w == "will" || w == "shall") {
        if (i == 0 || !t[i - 1].is_word)
            return std::nullopt;
        s.subject = t[i - 1].lower;
        s.verb_at = i + 1;
    } else if (w == "i'll" || w == "we'll" || w == "he'll" || w == "she'll" || w == "they'll") {
        s.subject = std::string_view(w).substr(0, w.find('\''));
        s.verb_at = i + 1;
    } else if (w == "going" && i + 1 < t.size() && t[i + 1].lower == "to" && i >= 2 &&
               (t[i - 1].lower == "am" || t[i - 1].lower == "is" || t[i - 1].lower == "are" ||
                t[i - 1].lower == "i'm" || t[i - 1].lower == "we're")) {
        s.subject = t[i - 1].lower == "i'm"     ? std::string_view("i")
                    : t[i - 1].lower == "we're" ? std::string_view("we")
                                                : std::string_view(t[i - 2].lower);
        s.verb_at = i + 2;
    } else {
        return std::nullopt;
    }
    return s;
}

// The action verb of a commitment, past the adverbs before it ("will also send", "will then be
// posting"); nullopt if there is none, or a hedge comes before it.
std::optional<std::size_t> action_verb_at(std::vector<token> const& t,
                                          commitment_start const& start) {
    auto verb_at = start.verb_at;
    while (verb_at < t.size() && (t[verb_at].lower == "also" || t[verb_at].lower == "then" ||
                                  t[verb_at].lower == "just" || t[verb_at].lower == "definitely" ||
                                  t[verb_at].lower == "be" || t[verb_at].lower == "certainly"))
        ++verb_at;
    if (verb_at >= t.size())
        return std::nullopt;
    auto const verb = base_verb(t[verb_at].lower);
    auto const next =
        verb_at + 1 < t.size() ? std::string_view(t[verb_at + 1].lower) : std::string_view{};
    if (!verb || needs_particle(*verb, next) || hedged_before(t, start.hedge_end))
        return std::nullopt;
    return verb_at;
}

// The readable name of who will act; empty when nobody is named ("it will", "they will",
// "things will").
std::string owner(std::string_view sentence, std::vector<token> const& t, std::size_t i,
                  commitment_start const& start, std::string_view speaker,
                  participant_registry const& people) {
    auto const subject = start.subject;
    if (!start.addressed.empty())
        return start.addressed;
    if (subject == "i" || subject == "we")
        return std::string(speaker);
    if (subject == "you" || subject == "it" || subject == "that" || subject == "this" ||
        subject == "there" || subject == "they" || subject == "which" || subject == "who" ||
        subject == "he" || subject == "she" || is_stopword(subject))
        return {};
    auto const original = token_text(sentence, t, i - 1, i);
    if (original.empty() || !std::isupper(static_cast<unsigned char>(original[0])))
        return {}; // "the secretariat will" is fine below; "things will" is not a person
    if (auto const id = people.find_by_name(original))
        return people.at(*id).name;
    return std::string(original);
}

} // namespace

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
        bool const asked = t[i].lower == "you" && i >= 2;
        if (!asked && i >= limit)
            break;
        auto const start = asked ? request_at(sentence, t, i, people) : promise_at(t, i);
        if (!start)
            continue;
        auto const verb_at = action_verb_at(t, *start);
        if (!verb_at)
            continue;
        auto const who = owner(sentence, t, i, *start, speaker, people);
        if (who.empty())
            continue; // a next step has an owner
        auto text = commitment(sentence, t, *verb_at, speaker);
        if (text.empty() || std::any_of(found.begin(), found.end(),
                                        [&](action_item const& a) { return a.who == who; }))
            continue;
        found.push_back({who + " to " + text, who, deadline(sentence, t), from});
    }
    return found;
}

} // namespace minuted::summariser
