#include "summariser/text.hpp"

#include "protocol/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <iterator>
#include <tuple>
#include <utility>

namespace minuted::summariser {

namespace {

bool is_ascii_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
bool is_word_byte(char c) noexcept {
    return is_ascii_alpha(c) || is_digit(c) || static_cast<unsigned char>(c) >= 0x80;
}

std::u32string decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    protocol::utf8_decoder d;
    auto const push = [&](char32_t cp) { out.push_back(cp); };
    d.put(s, push);
    d.finish(push);
    return out;
}

std::string encode(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (auto cp : s)
        protocol::append_utf8(out, cp);
    return out;
}

bool is_cased(char32_t cp) noexcept {
    return protocol::simple_lower(cp) != cp || protocol::simple_upper(cp) != cp;
}

bool is_lower_case(char32_t cp) noexcept {
    // "ß" has no one-letter capital, and is lower case all the same.
    return (protocol::simple_lower(cp) == cp && protocol::simple_upper(cp) != cp) || cp == U'ß';
}

// The lower case of s[i]. A capital sigma that ends a word becomes the final form "ς"
// (Unicode's Final_Sigma condition, without skipping case-ignorable marks): "ΣΩΚΡΑΤΗΣ" ->
// "σωκρατης", as Greek is written.
char32_t lower_at(std::u32string_view s, std::size_t i) noexcept {
    if (s[i] == U'Σ' && i > 0 && is_cased(s[i - 1]) && (i + 1 == s.size() || !is_cased(s[i + 1])))
        return U'ς';
    return protocol::simple_lower(s[i]);
}

constexpr auto stopwords = std::to_array<std::string_view>({
    "a",       "about",   "above",   "actually", "after",     "again",  "all",      "also",
    "am",      "an",      "and",     "any",      "anybody",   "anyone", "anything", "are",
    "around",  "as",      "at",      "back",     "basically", "be",     "because",  "been",
    "before",  "being",   "both",    "but",      "by",        "can",    "could",    "did",
    "do",      "does",    "doing",   "done",     "don't",     "down",   "each",     "either",
    "else",    "even",    "ever",    "every",    "few",       "first",  "for",      "from",
    "get",     "go",      "going",   "good",     "got",       "had",    "has",      "have",
    "having",  "he",      "her",     "here",     "him",       "his",    "how",      "i",
    "i'd",     "i'll",    "i'm",     "i've",     "if",        "in",     "into",     "is",
    "isn't",   "it",      "it's",    "its",      "just",      "know",   "let",      "let's",
    "like",    "little",  "lot",     "make",     "many",      "may",    "maybe",    "me",
    "mean",    "might",   "more",    "most",     "much",      "must",   "my",       "need",
    "no",      "not",     "now",     "of",       "off",       "oh",     "okay",     "on",
    "one",     "only",    "or",      "other",    "our",       "out",    "over",     "own",
    "perhaps", "please",  "point",   "pretty",   "quite",     "really", "right",    "said",
    "same",    "say",     "see",     "she",      "should",    "so",     "some",     "something",
    "sorry",   "still",   "such",    "sure",     "take",      "than",   "thank",    "thanks",
    "that",    "that's",  "the",     "their",    "them",      "then",   "there",    "there's",
    "these",   "they",    "they're", "thing",    "things",    "think",  "this",     "those",
    "though",  "through", "to",      "today",    "too",       "two",    "um",       "under",
    "up",      "us",      "very",    "want",     "was",       "way",    "we",       "we'll",
    "we're",   "we've",   "well",    "were",     "what",      "when",   "where",    "whether",
    "which",   "while",   "who",     "whom",     "why",       "will",   "with",     "would",
    "yeah",    "yes",     "yet",     "you",      "you're",    "your",   "yours",
});

// Abbreviations whose final '.' does not end a sentence.
constexpr auto abbreviations = std::to_array<std::string_view>({
    "mr",     "mrs", "ms",  "dr", "prof", "st", "vs",  "etc", "e.g", "i.e", "no",
    "approx", "inc", "ltd", "co", "jr",   "sr", "u.s", "u.n", "a.m", "p.m",
});

std::string to_upper_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 32);
    return out;
}

} // namespace

std::string to_lower(std::string_view s) {
    // Most speech is ASCII: lowered byte by byte, with no decoding.
    if (std::all_of(s.begin(), s.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        std::string out(s);
        for (auto& c : out)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return out;
    }
    auto cps = decode(s);
    for (std::size_t i = 0; i < cps.size(); ++i)
        cps[i] = lower_at(cps, i);
    return encode(cps);
}

std::string to_upper(std::string_view s) {
    auto cps = decode(s);
    for (auto& cp : cps)
        cp = protocol::simple_upper(cp);
    return encode(cps);
}

std::string_view trim(std::string_view s, std::string_view chars) noexcept {
    auto const b = s.find_first_not_of(chars);
    if (b == std::string_view::npos)
        return {};
    auto const e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    for (auto& t : tokenize(s))
        if (t.is_word)
            out.push_back(std::move(t.lower));
    return out;
}

std::size_t word_count(std::string_view s) {
    std::size_t n = 0;
    bool in = false;
    for (char c : s) {
        bool const w = is_word_byte(c);
        if (w && !in)
            ++n;
        in = w || (in && (c == '\'' || c == '-' || c == '.'));
    }
    return n;
}

bool is_stopword(std::string_view w) noexcept {
    static auto const sorted = [] {
        std::array<std::string_view, stopwords.size()> a = stopwords;
        std::sort(a.begin(), a.end());
        return a;
    }();
    return std::binary_search(sorted.begin(), sorted.end(), w);
}

std::vector<std::string> content_words(std::string_view s) {
    std::vector<std::string> out;
    for (auto& w : words(s)) {
        if (w.size() < 2 || is_stopword(w))
            continue;
        if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's')
            w.pop_back();
        out.push_back(std::move(w));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::size_t overlap(std::vector<std::string> const& a, std::vector<std::string> const& b) {
    std::size_t n = 0;
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (*i < *j)
            ++i;
        else if (*j < *i)
            ++j;
        else {
            ++n;
            ++i;
            ++j;
        }
    }
    return n;
}

bool ends_sentence(std::string_view s) noexcept {
    s = trim(s, " \t\"'\xE2\x80\x9D)");
    return !s.empty() && (s.back() == '.' || s.back() == '?' || s.back() == '!');
}

std::vector<std::string_view> split_sentences(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    auto push = [&](std::size_t end) {
        auto const s = trim(text.substr(begin, end - begin));
        if (!s.empty())
            out.push_back(s);
        begin = end;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (c != '.' && c != '?' && c != '!')
            continue;
        // Only a boundary if followed by a space (or the end) and not a decimal or an
        // abbreviation.
        auto j = i + 1;
        while (j < text.size() && (text[j] == '.' || text[j] == '?' || text[j] == '!' ||
                                   text[j] == '"' || text[j] == ')'))
            ++j;
        if (j < text.size() && text[j] != ' ')
            continue;
        if (c == '.') {
            auto k = i;
            while (k > begin && (is_ascii_alpha(text[k - 1]) || text[k - 1] == '.'))
                --k;
            auto const prev = to_lower(text.substr(k, i - k));
            if (std::find(abbreviations.begin(), abbreviations.end(), prev) != abbreviations.end())
                continue;
            if (prev.size() == 1 && std::isupper(static_cast<unsigned char>(text[k])))
                continue; // an initial: "J. Smith"
        }
        push(j);
        i = j;
    }
    push(text.size());
    return out;
}

std::string capitalise(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
        out[0] = static_cast<char>(out[0] - 32);
    return out;
}

namespace {

// Leading discourse markers: "So, okay, yes, the point is" -> "the point is".
std::string_view without_openers(std::string_view sentence) {
    static constexpr auto openers = std::to_array<std::string_view>(
        {"so",   "okay",    "ok",        "yes",    "yeah", "well", "now",    "and",
         "but",  "alright", "all right", "right",  "oh",   "no",   "good",   "great",
         "sure", "also",    "you know",  "i mean", "um",   "uh",   "mm-hmm", "hmm"});
    // Words that open a sentence even without a comma: "So we should" -> "We should".
    static constexpr auto bare_openers =
        std::to_array<std::string_view>({"so", "and", "but", "also", "um", "uh"});

    std::string_view rest = trim(sentence, " ,");
    for (bool again = true; again;) {
        again = false;
        auto const low = to_lower(rest.substr(0, 12));
        for (auto o : openers) {
            if (low.compare(0, o.size(), o) != 0 || o.size() >= rest.size())
                continue;
            char const after = rest[o.size()];
            bool const bare = after == ' ' && std::find(bare_openers.begin(), bare_openers.end(),
                                                        o) != bare_openers.end();
            if (after == ',' || after == '.' || after == '!' || bare) {
                rest = rest.substr(o.size() + 1);
                rest.remove_prefix(std::min(rest.find_first_not_of(" ,.!"), rest.size()));
                again = true;
                break;
            }
        }
    }
    return rest;
}

// Fillers inside the sentence, matched as whole words with the comma around them, and "--" (a
// stammer or a broken-off phrase in CART).
std::string without_fillers(std::string_view rest) {
    static constexpr auto fillers =
        std::to_array<std::string_view>({"you know", "i mean", "kind of", "sort of", "um", "uh",
                                         "er", "erm", "uhm", "mm-hmm", "mm", "hmm"});
    auto const lower = to_lower(rest);
    std::string out;
    out.reserve(rest.size());
    auto at_word_start = [&](std::size_t p) { return p == 0 || !is_word_byte(lower[p - 1]); };
    auto word_ends_at = [&](std::size_t p) { return p >= lower.size() || !is_word_byte(lower[p]); };
    std::size_t i = 0;
    while (i < rest.size()) {
        bool skipped = false;
        if (at_word_start(i)) {
            for (auto f : fillers) {
                if (f[0] != lower[i])
                    continue;
                // "let you know" is not a filler.
                bool const meant =
                    f == "you know" && i >= 4 && lower.compare(i - 4, 4, "let ") == 0;
                if (!meant && lower.compare(i, f.size(), f) == 0 && word_ends_at(i + f.size())) {
                    i += f.size();
                    while (i < rest.size() && (rest[i] == ',' || rest[i] == ' '))
                        ++i;
                    while (!out.empty() && (out.back() == ' ' || out.back() == ','))
                        out.pop_back();
                    if (!out.empty())
                        out.push_back(' ');
                    skipped = true;
                    break;
                }
            }
        }
        if (skipped)
            continue;
        // An em dash marks the same break as "--" in typed notes: "With—so with that".
        if (rest.compare(i, 2, "--") == 0 || rest.compare(i, 3, "\xE2\x80\x94") == 0) {
            i += rest[i] == '-' ? 2u : 3u;
            while (!out.empty() && out.back() == ' ')
                out.pop_back();
            out += ", ";
            while (i < rest.size() && rest[i] == ' ')
                ++i;
            continue;
        }
        out.push_back(rest[i++]);
    }
    return out;
}

// Repeated words ("the the"), double spaces and doubled punctuation.
std::string without_repeats(std::string_view o) {
    std::string result;
    std::string_view prev_word;
    std::size_t p = 0;
    while (p < o.size()) {
        auto const e = std::min(o.find(' ', p), o.size());
        auto const w = o.substr(p, e - p);
        p = e + 1;
        if (w.empty())
            continue;
        // ASCII without copying; other letters ("Été été") through to_lower's case mapping.
        auto const same_word = [](std::string_view a, std::string_view b) {
            auto const ascii = [](std::string_view s) {
                return std::all_of(s.begin(), s.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
            };
            if (!ascii(a) || !ascii(b))
                return to_lower(a) == to_lower(b);
            return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
                return std::tolower(static_cast<unsigned char>(x)) ==
                       std::tolower(static_cast<unsigned char>(y));
            });
        };
        if (!prev_word.empty() && same_word(prev_word, w) && is_word_byte(w.back()))
            continue;
        if (!result.empty())
            result.push_back(' ');
        result += w;
        prev_word = w;
    }
    std::string fixed;
    for (std::size_t k = 0; k < result.size(); ++k) {
        if (result[k] == ',' && k + 1 < result.size() &&
            (result[k + 1] == ',' || result[k + 1] == '.' || result[k + 1] == '?'))
            continue;
        if (result[k] == ' ' && k + 1 < result.size() && result[k + 1] == ',')
            continue;
        fixed.push_back(result[k]);
    }
    return fixed;
}

} // namespace

std::string clean_for_minutes(std::string_view sentence) {
    return capitalise(trim(without_repeats(without_fillers(without_openers(sentence))), " ,"));
}

std::string readable_name(std::string_view label) {
    static constexpr auto particles = std::to_array<std::string_view>({
        "DE",  "DA", "DAS", "DO", "DOS", "DU", "DEL", "DELLA", "DER", "DEN", "VAN",
        "VON", "LA", "LE",  "DI", "BIN", "AL", "EL",  "Y",     "TER", "TEN", "ZU",
    });
    auto const word_list = [&] {
        std::vector<std::string_view> ws;
        std::size_t p = 0;
        while (p <= label.size()) {
            auto const e = std::min(label.find(' ', p), label.size());
            if (e > p)
                ws.push_back(label.substr(p, e - p));
            p = e + 1;
        }
        return ws;
    }();
    // Typed in mixed case ("Courtney Rausch"): the captioner's choice stands. Lower-case
    // particles alone ("YASMIN CURZI de MENDONCA") do not make a label mixed case.
    bool const mixed = std::any_of(word_list.begin(), word_list.end(), [&](std::string_view w) {
        auto const cps = decode(w);
        return std::find(particles.begin(), particles.end(), to_upper_ascii(w)) ==
                   particles.end() &&
               std::any_of(cps.begin(), cps.end(), is_lower_case);
    });
    if (mixed)
        return std::string(label);
    auto const has_vowel = [](std::string_view w) {
        return w.find_first_of("AEIOUY") != std::string_view::npos ||
               std::any_of(w.begin(), w.end(),
                           [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    };
    std::string out;
    for (std::size_t k = 0; k < word_list.size(); ++k) {
        auto const w = word_list[k];
        if (!out.empty())
            out.push_back(' ');
        bool const acronym = (word_list.size() == 1 && w.size() <= 3) || !has_vowel(w) ||
                             (w.size() <= 3 && word_list.size() > 1 &&
                              std::find(particles.begin(), particles.end(), w) == particles.end() &&
                              k == 0 && w.size() == 3 && !has_vowel(w.substr(1)));
        if (acronym) {
            out += w;
            continue;
        }
        if (k > 0 && k + 1 < word_list.size() &&
            std::find(particles.begin(), particles.end(), to_upper_ascii(w)) != particles.end()) {
            out += to_lower(w);
            continue;
        }
        // Capitalise after the start and after '-', '\'' and '.': "Dell'Accio", "Crepin-Leblond".
        auto cps = decode(w);
        bool start = true;
        for (std::size_t i = 0; i < cps.size(); ++i) {
            auto const cp = cps[i];
            cps[i] = start ? protocol::simple_title(cp) : lower_at(cps, i);
            start = cp == '-' || cp == '\'' || cp == '.' || cp == 0x2019;
        }
        out += encode(cps);
    }
    return out;
}

} // namespace minuted::summariser

namespace minuted::summariser {

std::vector<token> tokenize(std::string_view text) {
    std::vector<token> out;
    std::size_t i = 0;
    while (i < text.size()) {
        char const c = text[i];
        if (is_word_byte(c)) {
            auto const b = i;
            while (i < text.size()) {
                if (is_word_byte(text[i])) {
                    ++i;
                    continue;
                }
                bool const joiner = text[i] == '\'' || text[i] == '-' || text[i] == '.';
                if (joiner && i + 1 < text.size() && is_word_byte(text[i + 1])) {
                    ++i;
                    continue;
                }
                break;
            }
            // A right single quote inside a word is an apostrophe: "it’s".
            auto lower = to_lower(text.substr(b, i - b));
            for (std::size_t p; (p = lower.find("\xE2\x80\x99")) != std::string::npos;) {
                lower[p] = '\'';
                lower.erase(p + 1, 2);
            }
            out.push_back({std::move(lower), b, i, true});
            continue;
        }
        if (c == ',' || c == '.' || c == '?' || c == '!' || c == ':' || c == ';' || c == '-') {
            out.push_back({std::string(1, c), i, i + 1, false});
            ++i;
            while (c == '-' && i < text.size() && text[i] == '-')
                out.back().end = ++i;
            continue;
        }
        if (text.compare(i, 3, "\xE2\x80\x94") == 0 || text.compare(i, 3, "\xE2\x80\x93") == 0) {
            out.push_back({"-", i, i + 3, false}); // em and en dashes
            i += 3;
            continue;
        }
        ++i;
    }
    return out;
}

namespace {

// A pattern compiled once: elements of alternatives, so matching compares words only.
struct compiled_phrase {
    struct element {
        std::vector<std::string_view> alternatives;
        bool optional = false;
        bool any_word = false; // '*'
        bool any_run = false;  // '#'
    };
    std::string text; // owns what the views point into
    std::vector<element> elements;

    compiled_phrase(compiled_phrase const&) = delete; // the views point into `text`
    compiled_phrase& operator=(compiled_phrase const&) = delete;

    explicit compiled_phrase(std::string_view pattern) : text(pattern) {
        std::string_view const t = text;
        std::size_t p = 0;
        while (p < t.size()) {
            auto const e = std::min(t.find(' ', p), t.size());
            auto item = t.substr(p, e - p);
            p = e + 1;
            if (item.empty())
                continue;
            element el;
            if (item.size() > 1 && item.back() == '?') {
                el.optional = true;
                item.remove_suffix(1);
            }
            el.any_word = item == "*";
            el.any_run = item == "#";
            std::size_t q = 0;
            while (q <= item.size()) {
                auto const bar = std::min(item.find('|', q), item.size());
                el.alternatives.push_back(item.substr(q, bar - q));
                q = bar + 1;
            }
            elements.push_back(std::move(el));
        }
    }

    bool matches(element const& el, token const& t) const {
        if (el.any_word)
            return t.is_word;
        return std::find(el.alternatives.begin(), el.alternatives.end(), t.lower) !=
               el.alternatives.end();
    }

    bool match_from(std::size_t ei, std::vector<token> const& tokens, std::size_t ti,
                    std::size_t& end) const {
        if (ei == elements.size()) {
            end = ti;
            return true;
        }
        auto const& el = elements[ei];
        if (el.any_run) {
            // Any number of words, shortest first, not across sentence punctuation.
            for (auto k = ti; k <= tokens.size(); ++k) {
                if (match_from(ei + 1, tokens, k, end))
                    return true;
                if (k < tokens.size() && !tokens[k].is_word && tokens[k].lower != ",")
                    break;
            }
            return false;
        }
        if (ti < tokens.size() && matches(el, tokens[ti]) &&
            match_from(ei + 1, tokens, ti + 1, end))
            return true;
        return el.optional && match_from(ei + 1, tokens, ti, end);
    }
};

// Patterns are string literals used over and over: compile each once per thread. The text is
// kept and compared, so a pattern built at run time at a reused address is never confused.
// A deque, because a compiled pattern's views point into its own string and must not move.
compiled_phrase const& compiled(std::string_view pattern) {
    thread_local std::deque<std::pair<char const*, compiled_phrase>> cache;
    for (auto const& [key, c] : cache)
        if (key == pattern.data() && c.text == pattern)
            return c;
    if (cache.size() > 512)
        cache.clear(); // bounded: patterns built at run time must not grow it forever
    cache.emplace_back(std::piecewise_construct, std::forward_as_tuple(pattern.data()),
                       std::forward_as_tuple(pattern));
    return cache.back().second;
}

} // namespace

std::optional<phrase_match> find_phrase(std::vector<token> const& tokens, std::string_view pattern,
                                        std::size_t from) {
    auto const& c = compiled(pattern);
    for (auto start = from; start < tokens.size(); ++start) {
        std::size_t end = 0;
        if (c.match_from(0, tokens, start, end) && end > start)
            return phrase_match{start, end};
    }
    return std::nullopt;
}

std::string_view token_text(std::string_view text, std::vector<token> const& tokens,
                            std::size_t first, std::size_t last) {
    if (first >= last || first >= tokens.size())
        return {};
    last = std::min(last, tokens.size());
    return text.substr(tokens[first].begin, tokens[last - 1].end - tokens[first].begin);
}

std::optional<int> parse_number(std::string_view w) {
    static constexpr std::array<std::string_view, 11> cardinals = {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
    static constexpr std::array<std::string_view, 11> ordinals = {
        "zeroth", "first",   "second", "third", "fourth", "fifth",
        "sixth",  "seventh", "eighth", "ninth", "tenth"};
    for (std::size_t i = 0; i < cardinals.size(); ++i)
        if (w == cardinals[i] || w == ordinals[i])
            return static_cast<int>(i);
    if (!w.empty() && w.size() <= 3 && std::all_of(w.begin(), w.end(), is_digit)) {
        int n = 0;
        for (char c : w)
            n = n * 10 + (c - '0');
        return n;
    }
    return std::nullopt;
}

} // namespace minuted::summariser
