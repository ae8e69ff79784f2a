#include "summariser/reported.hpp"

#include "summariser/text.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace minuted::summariser {

namespace {

bool one_of(std::string_view w, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), w) != set.end();
}

} // namespace

// Words that address the listener or claim something as the speaker's own: reported speech
// could only render them by inventing who "you" or "mine" is.
bool addresses_listener(std::string_view w) {
    return one_of(w, {"you", "your", "yours", "you're", "you've", "you'll", "you'd", "yourself",
                      "yourselves", "y'all", "ya", "mine", "ours", "myself", "ourselves"});
}

namespace {

// What a first-person word becomes when the speaker is reported: "they", the singular of
// an unknown gender, so that the verb after it keeps its form ("I think" -> "they think").
std::string_view third_person_pronoun(std::string_view w) {
    if (w == "i" || w == "we" || w == "let's")
        return "they";
    if (w == "me" || w == "us")
        return "them";
    if (w == "my" || w == "our")
        return "their";
    if (w == "i'm" || w == "we're")
        return "they're";
    if (w == "i've" || w == "we've")
        return "they've";
    if (w == "i'd" || w == "we'd")
        return "they'd";
    if (w == "i'll" || w == "we'll")
        return "they'll";
    if (w == "i.e")
        return "that is";
    return {};
}

bool is_adverb(std::string_view w) {
    return (w.size() > 4 && w.ends_with("ly")) ||
           one_of(w, {"also", "just", "still", "even", "never", "always", "already", "only"});
}

bool is_lower_ascii_word(std::string_view w) {
    return !w.empty() &&
           std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The verb after a sentence-opening "I" in the third person singular ("think" -> "thinks",
// "am" -> "is"), or empty when that form would add letters the speaker did not say ("does",
// "wishes") or the word may not be a verb.
std::string third_person_verb(std::string_view v) {
    if (one_of(v,
               {"would", "will", "can", "could", "should", "must", "might", "may", "did", "didn't",
                "won't", "wouldn't", "can't", "couldn't", "shouldn't", "was", "wasn't"}))
        return std::string(v);
    if (v == "am")
        return "is";
    if (v == "have")
        return "has";
    bool const verb_stopword =
        one_of(v, {"think", "want", "need", "like", "mean", "see", "say", "know"});
    if (!is_lower_ascii_word(v) || v.size() < 3 || (is_stopword(v) && !verb_stopword))
        return {};
    if (v.ends_with("ed"))
        return std::string(v);
    bool const sibilant = v.ends_with('s') || v.ends_with("sh") || v.ends_with("ch") ||
                          v.ends_with('x') || v.ends_with('z') || v.ends_with('o');
    bool const consonant_y = v.ends_with('y') && std::string_view("aeou").find(v[v.size() - 2]) ==
                                                     std::string_view::npos;
    if (sibilant || consonant_y)
        return {};
    return std::string(v) + "s";
}

// A capital that only starts the sentence: "Shared state is" -> "shared state is" once the
// sentence follows "noted that". Acronyms, terms with inner capitals ("JavaScript") and the
// names of the meeting's people keep theirs.
bool capital_only_starts_sentence(std::string_view original, std::string_view lower,
                                  participant_registry const& people) {
    if (original.size() < 2 || !std::isupper(static_cast<unsigned char>(original[0])))
        return false;
    if (std::any_of(original.begin() + 1, original.end(), [](char c) {
            return std::isupper(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c));
        }))
        return false;
    if (lower == "i")
        return false;
    return is_stopword(lower) || !people.find_by_name(original);
}

// Writes `text` from byte `copied` on into `out`, its first-person words from token `from`
// on in the third person; "me" and "us" become `speaker` when one is given.
void convert_pronouns(std::string_view text, std::vector<token> const& t, std::size_t from,
                      std::string_view speaker, std::size_t& copied, std::string& out) {
    auto const replace = [&](std::size_t token, std::string_view with) {
        out.append(text.substr(copied, t[token].begin - copied));
        out.append(with);
        copied = t[token].end;
    };
    for (std::size_t i = from; i < t.size(); ++i) {
        if (!t[i].is_word)
            continue;
        auto const& w = t[i].lower;
        if (w == "let" && i + 1 < t.size() && t[i + 1].lower == "us") { // "let us" -> "they"
            replace(i, "they");
            copied = t[++i].end;
            continue;
        }
        if (!speaker.empty() && (w == "me" || w == "us")) {
            replace(i, speaker);
            continue;
        }
        auto const with = third_person_pronoun(w);
        if (with.empty())
            continue;
        replace(i, with);
        if (w == "i.e" && i + 1 < t.size() && t[i + 1].lower == ".") // "i.e." -> "that is"
            copied = t[++i].end;
        // "I am" -> "they are", "I was" -> "they were".
        if (w == "i" && i + 1 < t.size() && (t[i + 1].lower == "am" || t[i + 1].lower == "was")) {
            ++i;
            replace(i, t[i].lower == "am" ? "are" : "were");
        }
    }
    out.append(text.substr(copied));
    copied = text.size();
}

// Whether the speaker puts something forward ("let's", "let us", "we should", "I would
// propose"); nullopt if the sentence cannot be reported (it speaks to the listener, or may
// name the US).
std::optional<bool> suggests_something(std::string_view text, std::vector<token> const& t) {
    bool suggests = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        auto const& w = t[i].lower;
        if (!t[i].is_word)
            continue;
        if (addresses_listener(w))
            return std::nullopt;
        // "US" may be the country: leave the sentence out rather than guess.
        if (w == "us" && token_text(text, t, i, i + 1) == "US")
            return std::nullopt;
        // "let's", "let us", "we should", "I would propose": the speaker puts something forward.
        auto const next = i + 1 < t.size() ? std::string_view(t[i + 1].lower) : std::string_view();
        auto const after = i + 2 < t.size() ? std::string_view(t[i + 2].lower) : std::string_view();
        auto const proposing = [](std::string_view v) {
            return one_of(v, {"should", "propose", "suggest", "recommend"});
        };
        suggests = suggests || w == "let's" || (w == "let" && next == "us") ||
                   (one_of(w, {"i", "we"}) &&
                    (proposing(next) || (one_of(next, {"would", "could"}) && proposing(after)))) ||
                   (one_of(w, {"i'd", "we'd"}) && proposing(next));
    }
    return suggests;
}

// A sentence being reported: `text` copied into `out` token by token, some words replaced.
struct report_writer {
    std::string_view text;
    std::vector<token> const& t;
    std::string out;
    std::size_t from = 0;   // first token not yet written
    std::size_t copied = 0; // bytes of `text` already written

    void write_up_to(std::size_t at) {
        auto const end = at < t.size() ? t[at].begin : text.size();
        out.append(text.substr(copied, end - copied));
        copied = end;
    }

    void replace(std::size_t at, std::string_view with) {
        write_up_to(at);
        out.append(with);
        copied = t[at].end;
    }
};

// "I think X" -> "DE thinks X", "I'm" -> "DE is": the speaker's name takes the place of "I".
// False if the sentence does not open in the first person (or nobody is named).
bool open_as_speaker(report_writer& w, std::string_view speaker) {
    auto const& t = w.t;
    if (!speaker.empty() && t[0].lower == "i") {
        auto verb = std::size_t{1};
        while (verb < t.size() && t[verb].is_word && is_adverb(t[verb].lower))
            ++verb;
        std::size_t skip = verb; // "I do think" -> "DE thinks"
        if (verb < t.size() && t[verb].lower == "do" && verb + 1 < t.size() && t[verb + 1].is_word)
            skip = verb + 1;
        if (skip < t.size() && t[skip].is_word) {
            if (auto const v = third_person_verb(t[skip].lower); !v.empty()) {
                w.out.append(speaker);
                w.copied = t[0].end;
                if (skip != verb) { // drop "do" and keep the adverbs before it
                    w.write_up_to(verb);
                    w.copied = t[skip].begin;
                }
                w.replace(skip, v);
                w.from = skip + 1;
                return true;
            }
        }
    } else if (!speaker.empty() && one_of(t[0].lower, {"i'm", "i've", "i'd", "i'll"})) {
        static constexpr std::string_view forms[][2] = {
            {"i'm", " is"}, {"i've", " has"}, {"i'd", " would"}, {"i'll", " will"}};
        for (auto const& f : forms)
            if (t[0].lower == f[0]) {
                w.out.append(speaker);
                w.out.append(f[1]);
            }
        w.copied = t[0].end;
        w.from = 1;
        return true;
    }
    return false;
}

} // namespace

std::optional<std::string> reported_speech(std::string_view text, std::string_view speaker,
                                           participant_registry const& people) {
    auto const t = tokenize(text);
    if (t.empty())
        return std::nullopt;
    auto const suggests = suggests_something(text, t);
    if (!suggests)
        return std::nullopt;
    report_writer w{text, t, {}, 0, 0};
    if (!open_as_speaker(w, speaker)) {
        w.out.append(speaker.empty() ? "It was" : speaker);
        w.out.append(*suggests ? " suggested that " : " noted that ");
        auto const first = token_text(text, t, 0, 1);
        if (t[0].is_word && third_person_pronoun(t[0].lower).empty() && t[0].lower != "let" &&
            capital_only_starts_sentence(first, t[0].lower, people)) {
            w.out.append(t[0].lower);
            w.copied = t[0].end;
            w.from = 1;
        }
    }
    convert_pronouns(text, t, w.from, {}, w.copied, w.out);
    return std::move(w.out);
}

std::optional<std::string> in_third_person(std::string_view text, std::string_view speaker) {
    auto const t = tokenize(text);
    if (std::any_of(t.begin(), t.end(), [](token const& w) { return addresses_listener(w.lower); }))
        return std::nullopt;
    std::string out;
    std::size_t copied = 0;
    convert_pronouns(text, t, 0, speaker, copied, out);
    return out;
}

} // namespace minuted::summariser
