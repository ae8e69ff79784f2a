// minuted_eval: scores the engine against labelled real meetings.
//
// Runs the whole pipeline on each raw transcript (4 KB chunks, then finish), without an agenda
// and with the labelled agenda supplied (titles and presenters), and compares the result with
// hand labels: agenda items found (P/R/F1, and boundary-only F1 that ignores titles), Pk and
// WindowDiff over speaker turns, participants found, and ROUGE-1/2 of the key points and of
// the conclusions. Agenda items are matched by the rule of ../shared/eval/score.py, so the
// means agree with it. The minutes are scored as score.py scores them too (first or second
// person, ROUGE-2 of all bullets, conclusions with a decision, bullets traceable to the lines
// they cite), with words per item and, where the labels list next steps (DCCG), whether their
// owners were found. It measures and never judges: the exit code is 0 whatever the scores;
// 2 means the labelled data was not found, 64 a usage error.

#include "protocol/caption_event.hpp"
#include "summariser/participants.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/text.hpp"
#include "tests/bench/corpus.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace sm = minuted::summariser;
using minuted::protocol::line_number;

constexpr int exit_no_data = 2;
constexpr int exit_usage = 64;
constexpr std::size_t chunk_bytes = 4096;
// A produced item may start this many speaker turns away from the labelled line.
constexpr std::size_t max_turns_apart = 3;

constexpr std::string_view usage =
    "usage: minuted_eval [--eval-dir DIR] [--json] [--pair RAW LABELS]...\n"
    "  --eval-dir DIR    labelled meetings, default <source>/../shared/eval\n"
    "  --pair RAW LABELS evaluate only these pairs (repeatable)\n"
    "  --json            machine-readable output\n";

// ---------------------------------------------------------------------------------------
// Labels

struct labelled_topic {
    std::size_t n = 0;
    std::string title;
    line_number line = 0;
    std::string presenters;      ///< as the published agenda names them, ", " between; may be empty
    bool has_conclusion = false; ///< TC39: a non-empty `conclusion`
};

struct labelled_person {
    std::string name;
    std::vector<std::string> aliases;
};

struct labels {
    std::vector<labelled_topic> agenda;
    std::vector<labelled_person> participants;
    std::vector<std::string> key_points;  // TC39: all topics' key_points
    std::vector<std::string> conclusions; // TC39: topics' conclusion; DCCG: decisions + next_steps
    // score.py's ROUGE-2 reference: each topic's key_points, then its conclusion, topic by topic
    std::vector<std::string> scorer_reference;
    std::vector<std::string> next_steps; // DCCG: "Roman to ask Luis to ...", "Email to ..."
};

struct eval_case {
    std::string name;
    fs::path raw;
    fs::path labels;
};

std::vector<std::string> strings_at(json::object const& o, std::string_view key) {
    std::vector<std::string> out;
    if (auto const* v = o.if_contains(key); v && v->is_array())
        for (auto const& s : v->as_array())
            if (s.is_string())
                out.emplace_back(s.as_string());
    return out;
}

// Both label shapes: TC39 (agenda[{n,title,start_line,key_points,conclusion}],
// participants[{name,turns,aliases}]) and DCCG (agenda[{n,start_line,title,keywords}],
// participants[{name,aliases,kind?}], decisions[], next_steps[]). Throws on malformed JSON.
labels parse_labels(std::string const& text) {
    auto const root = json::parse(text).as_object();
    labels out;
    for (auto const& v : root.at("agenda").as_array()) {
        auto const& o = v.as_object();
        labelled_topic t;
        t.n = json::value_to<std::size_t>(o.at("n"));
        t.title = json::value_to<std::string>(o.at("title"));
        t.line = json::value_to<line_number>(o.at("start_line"));
        for (auto const& name : strings_at(o, "presenters"))
            t.presenters += (t.presenters.empty() ? "" : ", ") + name;
        auto const conclusion = strings_at(o, "conclusion");
        t.has_conclusion = !conclusion.empty();
        out.agenda.push_back(std::move(t));
        for (auto& s : strings_at(o, "key_points")) {
            out.scorer_reference.push_back(s);
            out.key_points.push_back(std::move(s));
        }
        for (auto const& s : conclusion) {
            out.scorer_reference.push_back(s);
            out.conclusions.push_back(s);
        }
    }
    for (auto& s : strings_at(root, "decisions"))
        out.conclusions.push_back(std::move(s));
    out.next_steps = strings_at(root, "next_steps");
    for (auto const& s : out.next_steps)
        out.conclusions.push_back(s);
    for (auto const& v : root.at("participants").as_array()) {
        auto const& o = v.as_object();
        out.participants.push_back(
            {json::value_to<std::string>(o.at("name")), strings_at(o, "aliases")});
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Scores

struct ratio {
    std::size_t hits = 0;
    std::size_t of = 0;
    double value() const {
        return of == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(of);
    }
};

struct prf {
    ratio recall;
    ratio precision;
    double f1() const {
        auto const r = recall.value();
        auto const p = precision.value();
        return r + p == 0 ? 0.0 : 2 * r * p / (r + p);
    }
    prf& operator+=(prf const& o) {
        recall.hits += o.recall.hits;
        recall.of += o.recall.of;
        precision.hits += o.precision.hits;
        precision.of += o.precision.of;
        return *this;
    }
};

// ROUGE-n with clipped counts: overlap / reference n-grams (recall), overlap / produced
// n-grams (precision). N-grams never span two key points.
using ngram_counts = std::map<std::string, std::size_t, std::less<>>;

ngram_counts ngrams(std::vector<std::string> const& texts, std::size_t n) {
    ngram_counts out;
    for (auto const& t : texts) {
        auto const w = sm::words(t);
        for (std::size_t i = 0; i + n <= w.size(); ++i) {
            std::string g = w[i];
            for (std::size_t k = 1; k < n; ++k)
                g += ' ' + w[i + k];
            ++out[g];
        }
    }
    return out;
}

prf rouge(std::vector<std::string> const& produced, std::vector<std::string> const& reference,
          std::size_t n) {
    auto const sys = ngrams(produced, n);
    auto const ref = ngrams(reference, n);
    prf out;
    for (auto const& [g, c] : ref) {
        out.recall.of += c;
        if (auto it = sys.find(g); it != sys.end())
            out.recall.hits += std::min(c, it->second);
    }
    out.precision.hits = out.recall.hits;
    for (auto const& [g, c] : sys)
        out.precision.of += c;
    return out;
}

struct rouge_pair {
    std::optional<prf> r1; // nullopt: nothing labelled to compare with
    std::optional<prf> r2;
};

rouge_pair rouge_both(std::vector<std::string> const& produced,
                      std::vector<std::string> const& reference) {
    if (reference.empty())
        return {};
    return {rouge(produced, reference, 1), rouge(produced, reference, 2)};
}

// ---------------------------------------------------------------------------------------
// Agenda matching

struct produced_topic {
    std::size_t n = 0;
    std::string title;
    line_number line = 0;
};

struct topic_row {
    std::optional<std::size_t> labelled; // index into labels::agenda
    std::optional<std::size_t> produced; // index into the produced agenda
    std::size_t carried = 0;             // labelled title words in the produced title
    std::size_t title_words = 0;         // content words of the labelled title
    std::size_t turns_apart = 0;
    bool matched = false;
};

// Lines that open a speaker turn, ascending.
std::vector<line_number> turn_lines(std::string_view raw) {
    std::vector<line_number> out;
    line_number n = 1;
    for (std::size_t pos = 0; pos <= raw.size(); ++n) {
        auto const end = std::min(raw.find('\n', pos), raw.size());
        if (sm::trim(raw.substr(pos, end - pos)).starts_with(">>"))
            out.push_back(n);
        pos = end + 1;
    }
    return out;
}

// ../shared/eval/score.py's STOP.
std::set<std::string, std::less<>> const& scorer_stopwords() {
    static std::set<std::string, std::less<>> const stop{
        "a",     "an",         "the",     "of",           "for",       "to",        "in",
        "on",    "and",        "or",      "with",         "is",        "are",       "be",
        "by",    "at",         "as",      "from",         "this",      "that",      "it",
        "its",   "into",       "about",   "over",         "under",     "up",        "down",
        "new",   "update",     "updates", "status",       "proposal",  "proposals", "item",
        "items", "discussion", "re",      "continuation", "continued", "cont",      "part"};
    return stop;
}

// A title's content words as ../shared/eval/score.py reads them: runs of ASCII letters and
// digits in lower case, two or more, none of its stopwords, a plural 's' stripped.
std::vector<std::string> scorer_words(std::string_view title) {
    auto const& stop = scorer_stopwords();
    std::vector<std::string> out;
    std::string w;
    auto const flush = [&] {
        if (w.size() >= 2 && !stop.contains(w)) {
            if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's')
                w.pop_back();
            out.push_back(w);
        }
        w.clear();
    };
    for (char c : title) {
        auto const lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9'))
            w.push_back(lower);
        else
            flush();
    }
    flush();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// How many labelled titles could be read off the transcript where their item starts: more
// than half of the title's content words are said in the item's first three speaker turns
// (speaker names left out). Without the agenda, no title made from what is said there can
// match more topics than this; it bounds agenda F1, boundaries aside.
std::size_t titles_said_at_start(std::string_view raw, std::vector<labelled_topic> const& agenda,
                                 std::vector<line_number> const& turns) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= raw.size();) {
        auto const end = std::min(raw.find('\n', pos), raw.size());
        lines.push_back(raw.substr(pos, end - pos));
        pos = end + 1;
    }
    std::size_t said = 0;
    for (auto const& topic : agenda) {
        auto first = std::lower_bound(turns.begin(), turns.end(), topic.line);
        auto const last = turns.end() - first > 3 ? *(first + 3) : lines.size() + 1;
        std::string text;
        for (auto n = topic.line; n < last && n <= lines.size(); ++n) {
            auto line = sm::trim(lines[n - 1]);
            if (line.starts_with(">>")) {
                auto const colon = line.find(':');
                line = colon != std::string_view::npos && colon < 60 ? line.substr(colon + 1)
                                                                     : line.substr(2);
            }
            text += line;
            text += ' ';
        }
        auto const want = scorer_words(topic.title);
        auto const heard = scorer_words(text);
        std::size_t carried = 0;
        for (auto const& w : want)
            carried += std::binary_search(heard.begin(), heard.end(), w) ? 1U : 0U;
        said += !want.empty() && 2 * carried > want.size() ? 1U : 0U;
    }
    return said;
}

// Turn openings strictly between lines `a` and `b`.
std::size_t turns_between(std::vector<line_number> const& turns, line_number a, line_number b) {
    if (a > b)
        std::swap(a, b);
    auto const lo = std::upper_bound(turns.begin(), turns.end(), a);
    auto const hi = std::lower_bound(turns.begin(), turns.end(), b);
    return lo < hi ? static_cast<std::size_t>(hi - lo) : 0;
}

// One-to-one, greedy in labelled order: each labelled topic takes the qualifying produced
// item (title carries more than half its content words, within `max_turns_apart` turns)
// nearest in turns that no earlier topic took. A missed topic reports the nearest produced
// item, to show why it failed; other produced items nobody took are listed as extra.
// With `titles` false, only where items start counts (boundary F1).
std::vector<topic_row> match_agenda(std::vector<labelled_topic> const& labelled,
                                    std::vector<produced_topic> const& produced,
                                    std::vector<line_number> const& turns, prf& score,
                                    bool titles = true) {
    std::vector<std::vector<std::string>> produced_words;
    for (auto const& p : produced)
        produced_words.push_back(scorer_words(p.title));
    std::vector<bool> taken(produced.size(), false);
    std::vector<topic_row> rows;
    for (std::size_t i = 0; i < labelled.size(); ++i) {
        auto const want = scorer_words(labelled[i].title);
        topic_row best{i, std::nullopt, 0, want.size(), 0, false};
        std::optional<topic_row> nearest;
        for (std::size_t j = 0; j < produced.size(); ++j) {
            topic_row row{i,
                          j,
                          sm::overlap(want, produced_words[j]),
                          want.size(),
                          turns_between(turns, labelled[i].line, produced[j].line),
                          false};
            row.matched = !taken[j] && (!titles || 2 * row.carried > row.title_words) &&
                          row.turns_apart <= max_turns_apart;
            if (row.matched && (!best.matched || row.turns_apart < best.turns_apart))
                best = row;
            if (!nearest || row.turns_apart < nearest->turns_apart)
                nearest = row;
        }
        if (best.matched)
            taken[*best.produced] = true;
        else if (nearest)
            best = *nearest;
        rows.push_back(best);
    }
    // An unmatched item already shown as the nearest to a missed topic is not listed again.
    std::vector<bool> shown(produced.size(), false);
    for (auto const& r : rows)
        if (r.produced)
            shown[*r.produced] = true;
    for (std::size_t j = 0; j < produced.size(); ++j)
        if (!taken[j] && !shown[j])
            rows.push_back({std::nullopt, j, 0, 0, 0, false});
    auto const line_of_row = [&](topic_row const& r) {
        return r.labelled ? labelled[*r.labelled].line : produced[*r.produced].line;
    };
    std::stable_sort(rows.begin(), rows.end(),
                     [&](auto const& a, auto const& b) { return line_of_row(a) < line_of_row(b); });
    auto const matched = static_cast<std::size_t>(
        std::count_if(rows.begin(), rows.end(), [](auto const& r) { return r.matched; }));
    score.recall = {matched, labelled.size()};
    score.precision = {matched, produced.size()};
    return rows;
}

// The segment each turn is in, given where segments start (lines); turns before the first
// start are in the first.
std::vector<std::size_t> segment_of(std::vector<line_number> starts,
                                    std::vector<line_number> const& turns) {
    std::sort(starts.begin(), starts.end());
    std::vector<std::size_t> out;
    for (auto t : turns) {
        auto const after = std::upper_bound(starts.begin(), starts.end(), t) - starts.begin();
        out.push_back(after > 0 ? static_cast<std::size_t>(after - 1) : 0);
    }
    return out;
}

// Beeferman's Pk and Pevzner and Hearst's WindowDiff over turns, as score.py computes Pk: a
// window of half the mean reference segment; Pk counts windows where reference and hypothesis
// disagree on whether a boundary falls inside, WindowDiff where they disagree on how many.
std::pair<double, double> pk_windowdiff(std::vector<std::size_t> const& ref,
                                        std::vector<std::size_t> const& hyp) {
    auto const n = ref.size();
    std::set<std::size_t> const segments(ref.begin(), ref.end());
    // Half to even, as Python's round().
    auto const k = std::max<std::size_t>(
        2, static_cast<std::size_t>(std::nearbyint(
               static_cast<double>(n) /
               (2.0 * static_cast<double>(std::max<std::size_t>(1, segments.size()))))));
    if (n <= k)
        return {0.0, 0.0};
    std::size_t pk = 0, wd = 0;
    for (std::size_t i = 0; i + k < n; ++i) {
        pk += ((ref[i] != ref[i + k]) != (hyp[i] != hyp[i + k])) ? 1u : 0u;
        wd += (ref[i + k] - ref[i]) != (hyp[i + k] - hyp[i]) ? 1u : 0u;
    }
    auto const windows = static_cast<double>(n - k);
    return {static_cast<double>(pk) / windows, static_cast<double>(wd) / windows};
}

// ---------------------------------------------------------------------------------------
// Minutes quality, as ../shared/eval/score.py scores them

// A produced bullet as the JSON report gives it: its text, the line it cites and, for a next
// step or decision, who acts.
struct produced_bullet {
    std::string text;
    line_number line = 0;
    std::string who;
};

struct produced_minutes {
    std::vector<produced_bullet> key_points;
    std::vector<produced_bullet> decisions;
    std::vector<produced_bullet> next_steps;
};

// One code point of UTF-8 text from `at`, which it moves past it. As Python's
// errors="replace" decodes: a sequence cut short or a byte that starts none is one U+FFFD,
// and decoding goes on at the byte that broke it.
char32_t next_code_point(std::string_view s, std::size_t& at) {
    auto const b = static_cast<unsigned char>(s[at++]);
    if (b < 0x80)
        return b;
    std::size_t const more = b >= 0xC2 && b <= 0xDF   ? 1
                             : b >= 0xE0 && b <= 0xEF ? 2
                             : b >= 0xF0 && b <= 0xF4 ? 3
                                                      : 0;
    if (more == 0)
        return 0xFFFD;
    // Overlong forms, surrogates and code points past U+10FFFF show in the second byte.
    unsigned char const lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
    unsigned char const hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
    char32_t c = b & (0x3FU >> more);
    for (std::size_t k = 0; k < more; ++k) {
        unsigned const next = at < s.size() ? static_cast<unsigned char>(s[at]) : 0U;
        if (next < (k == 0 ? lo : 0x80) || next > (k == 0 ? hi : 0xBF))
            return 0xFFFD;
        c = (c << 6) | (next & 0x3FU);
        ++at;
    }
    return c;
}

// score.py's words(): runs of [a-z0-9] in the text as Python's str.lower() leaves it. Of all
// non-ASCII characters only two lower to ASCII: 'İ' to "i" and a combining dot (which ends the
// word), the Kelvin sign to "k".
std::vector<std::string> scorer_tokens(std::string_view text) {
    std::vector<std::string> out;
    std::string w;
    auto const flush = [&] {
        if (!w.empty())
            out.push_back(std::move(w));
        w.clear();
    };
    for (std::size_t at = 0; at < text.size();) {
        auto const c = next_code_point(text, at);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            w.push_back(static_cast<char>(c));
        } else if (c >= 'A' && c <= 'Z') {
            w.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (c == 0x212A) {
            w.push_back('k');
        } else if (c == 0x130) {
            w.push_back('i');
            flush();
        } else {
            flush();
        }
    }
    flush();
    return out;
}

// Python's \w outside ASCII, near enough for \b: letters and digits of any script are word
// characters; the punctuation, symbols, combining marks and spaces below are not.
bool is_word_char(char32_t c) {
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    static constexpr std::pair<char32_t, char32_t> not_word[] = {
        {0x80, 0xA9},     {0xAB, 0xB1},     {0xB4, 0xB4},       {0xB6, 0xB8},
        {0xBB, 0xBB},     {0xBF, 0xBF},     {0xD7, 0xD7},       {0xF7, 0xF7},
        {0x2C2, 0x2C5},   {0x2D2, 0x2DF},   {0x2E5, 0x2EB},     {0x2ED, 0x2ED},
        {0x2EF, 0x36F},   {0x375, 0x375},   {0x37E, 0x37E},     {0x384, 0x385},
        {0x387, 0x387},   {0x3F6, 0x3F6},   {0x482, 0x489},     {0x2000, 0x206F},
        {0x207A, 0x207E}, {0x208A, 0x208E}, {0x20A0, 0x20FF},   {0x2190, 0x245F},
        {0x249C, 0x24E9}, {0x2500, 0x2775}, {0x2794, 0x2BFF},   {0x2E00, 0x2E2E},
        {0x2E30, 0x2E7F}, {0x3000, 0x3004}, {0x3008, 0x3020},   {0xFE00, 0xFE6F},
        {0xFEFF, 0xFEFF}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20},   {0xFF3B, 0xFF40},
        {0xFF5B, 0xFF65}, {0xFFE0, 0xFFFF}, {0x1F000, 0x1F0FF}, {0x1F10D, 0x1FAFF}};
    return std::none_of(std::begin(not_word), std::end(not_word),
                        [c](auto const& r) { return c >= r.first && c <= r.second; });
}

// Whether score.py's FIRST matches: one of these words, in any case, between word boundaries.
bool in_first_or_second_person(std::string_view text) {
    static constexpr std::string_view first[] = {"i",   "i'm", "i've",  "i'd",   "i'll",  "me",
                                                 "my",  "we",  "we're", "we've", "we'll", "us",
                                                 "our", "you", "your",  "you're"};
    // re.IGNORECASE beyond ASCII, for these letters: 'İ' and 'ı' match 'i', 'ſ' matches 's'.
    auto const fold = [](char32_t c) -> char32_t {
        if (c >= 'A' && c <= 'Z')
            return c - 'A' + 'a';
        if (c == 0x130 || c == 0x131)
            return 'i';
        return c == 0x17F ? 's' : c;
    };
    std::u32string s;
    for (std::size_t at = 0; at < text.size();)
        s.push_back(next_code_point(text, at));
    // Every word here begins and ends with a letter, so \b is a non-word character (or the
    // end of the text) on either side.
    for (std::size_t p = 0; p < s.size(); ++p) {
        if (p > 0 && is_word_char(s[p - 1]))
            continue;
        for (auto const w : first) {
            if (p + w.size() > s.size())
                continue;
            bool same = true;
            for (std::size_t k = 0; k < w.size() && same; ++k)
                same = fold(s[p + k]) == static_cast<char32_t>(w[k]);
            if (same && (p + w.size() == s.size() || !is_word_char(s[p + w.size()])))
                return true;
        }
    }
    return false;
}

// score.py's rouge2() of the produced texts joined by spaces against the reference texts
// joined by spaces: bigrams run on from one text into the next.
double scorer_rouge2(std::vector<std::string> const& produced,
                     std::vector<std::string> const& reference) {
    auto const bigrams = [](std::vector<std::string> const& texts) {
        std::vector<std::string> w;
        for (auto const& t : texts)
            for (auto& x : scorer_tokens(t))
                w.push_back(std::move(x));
        std::map<std::pair<std::string, std::string>, std::size_t> out;
        for (std::size_t i = 0; i + 1 < w.size(); ++i)
            ++out[{w[i], w[i + 1]}];
        return std::pair{out, w.size() < 2 ? std::size_t{0} : w.size() - 1};
    };
    auto const [a, a_total] = bigrams(produced);
    auto const [b, b_total] = bigrams(reference);
    std::size_t overlap = 0;
    for (auto const& [g, n] : a)
        if (auto const it = b.find(g); it != b.end())
            overlap += std::min(n, it->second);
    if (overlap == 0)
        return 0.0;
    auto const p = static_cast<double>(overlap) / static_cast<double>(a_total);
    auto const r = static_cast<double>(overlap) / static_cast<double>(b_total);
    return 2 * p * r / (p + r);
}

// Whether score.py's `ref.strip()` is non-empty: some text has more than blanks.
bool has_text(std::vector<std::string> const& texts) {
    return std::any_of(texts.begin(), texts.end(), [](std::string const& t) {
        return t.find_first_not_of(" \t\n\r\f\v\x1c\x1d\x1e\x1f") != std::string::npos;
    });
}

// The transcript as score.py's traceable() reads it, each line as its words: Python's
// universal newlines end a line at "\r\n" and at a lone "\r" too.
std::vector<std::vector<std::string>> scorer_lines(std::string_view raw) {
    std::vector<std::vector<std::string>> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\n' && raw[i] != '\r')
            continue;
        out.push_back(scorer_tokens(raw.substr(start, i - start)));
        if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')
            ++i;
        start = i + 1;
    }
    out.push_back(scorer_tokens(raw.substr(start)));
    return out;
}

// score.py's FRAME, verbatim: words a rewritten bullet may add that the transcript need not
// contain.
std::set<std::string, std::less<>> const& frame_words() {
    static std::set<std::string, std::less<>> const frame = [] {
        std::set<std::string, std::less<>> out;
        for (auto& w : scorer_tokens(
                 "noted said says stated raised concern concerns suggested suggestion proposed "
                 "proposal agreed agreement asked question questions explained explanation "
                 "reported report reports added adding argued pointed point mentioned "
                 "highlighted emphasised emphasized stressed welcomed thanked recalled clarified "
                 "confirmed presented presenter presentation discussed discussion item items "
                 "meeting participants participant members group groups chair chairs "
                 "secretariat also that which their there they them this these those with "
                 "would should could will been have were being from into about after before "
                 "other further next steps step decided decision decisions consensus reached "
                 "reach stage within without while where when what then than some such only "
                 "more most very following follow"))
            out.insert(std::move(w));
        return out;
    }();
    return frame;
}

// score.py's traceable(): the share of bullets whose words of four letters or more (FRAME
// words and participants' names and aliases excepted) all occur, or differ by a plural 's'
// from one that occurs, within 40 lines of the line they cite. -1 when there is no bullet.
double traceable_share(std::vector<std::vector<std::string>> const& lines,
                       std::vector<produced_minutes> const& minutes,
                       std::set<std::string, std::less<>> const& names) {
    auto const& frame = frame_words();
    std::size_t ok = 0, total = 0;
    auto const check = [&](produced_bullet const& b) {
        auto const cited = static_cast<std::int64_t>(b.line);
        auto const lo = std::max<std::int64_t>(0, cited - 41);
        auto const hi = std::min<std::int64_t>(static_cast<std::int64_t>(lines.size()), cited + 40);
        std::set<std::string, std::less<>> span;
        for (auto i = lo; i < hi; ++i)
            for (auto const& w : lines[static_cast<std::size_t>(i)])
                span.insert(w);
        bool all = true;
        for (auto const& w : scorer_tokens(b.text)) {
            if (w.size() < 4 || frame.contains(w) || names.contains(w))
                continue;
            all =
                all &&
                (span.contains(w) ||
                 (w.back() == 's' && span.contains(std::string_view(w).substr(0, w.size() - 1))) ||
                 span.contains(w + 's'));
        }
        ++total;
        ok += all ? 1U : 0U;
    };
    for (auto const& item : minutes)
        for (auto const* list : {&item.key_points, &item.decisions, &item.next_steps})
            for (auto const& b : *list)
                check(b);
    return total == 0 ? -1.0 : static_cast<double>(ok) / static_cast<double>(total);
}

// The minutes figures of one run. -1: the labels (or the minutes) give nothing to score, and
// the meeting is left out of the mean, as score.py does.
struct minutes_scores {
    std::size_t key_points = 0;
    double fp = 0; // share of key points in the first or second person; 0 without key points
    double r2 = -1;
    double dc = -1;
    double tr = -1;
    std::size_t items = 0;
    std::size_t bullet_words = 0; // score.py's words in all bullets of all items
    std::optional<double> words_per_item() const {
        if (items == 0)
            return std::nullopt;
        return static_cast<double>(bullet_words) / static_cast<double>(items);
    }
};

// `pairs`: for each labelled topic, the produced item matched to it ignoring titles (bF1).
minutes_scores score_minutes(labels const& truth, std::vector<produced_minutes> const& minutes,
                             std::vector<std::optional<std::size_t>> const& pairs,
                             std::vector<std::vector<std::string>> const& lines,
                             std::set<std::string, std::less<>> const& names) {
    minutes_scores out;
    std::vector<std::string> key_points, rest;
    std::size_t first_person = 0;
    for (auto const& item : minutes) {
        for (auto const& k : item.key_points) {
            key_points.push_back(k.text);
            first_person += in_first_or_second_person(k.text) ? 1U : 0U;
        }
        for (auto const* list : {&item.decisions, &item.next_steps})
            for (auto const& b : *list)
                rest.push_back(b.text);
        for (auto const* list : {&item.key_points, &item.decisions, &item.next_steps})
            for (auto const& b : *list)
                out.bullet_words += scorer_tokens(b.text).size();
    }
    out.items = minutes.size();
    out.key_points = key_points.size();
    if (!key_points.empty())
        out.fp = static_cast<double>(first_person) / static_cast<double>(key_points.size());
    if (has_text(truth.scorer_reference)) {
        auto all = key_points;
        all.insert(all.end(), rest.begin(), rest.end());
        out.r2 = scorer_rouge2(all, truth.scorer_reference);
    }
    std::size_t concluded = 0, decided = 0;
    for (std::size_t i = 0; i < truth.agenda.size(); ++i) {
        if (!truth.agenda[i].has_conclusion)
            continue;
        ++concluded;
        decided += pairs[i] && !minutes[*pairs[i]].decisions.empty() ? 1U : 0U;
    }
    if (concluded > 0)
        out.dc = static_cast<double>(decided) / static_cast<double>(concluded);
    out.tr = traceable_share(lines, minutes, names);
    return out;
}

// A labelled next step, the owner it names and the produced next step credited to it.
struct owner_check {
    std::string step;
    std::string owner; // empty: the step names nobody
    std::optional<produced_bullet> credited;
};

// The owner a labelled next step names before its first " to ": "Roman to ask Luis ..." gives
// "Roman", "Marko Paloski to tell Jutta ..." gives "Marko Paloski". Capitalised words whose
// first is the first word of a labelled participant's name or alias make a name: "Email to
// the DC list ..." names nobody.
std::string labelled_owner(std::string_view step, std::vector<labelled_person> const& people) {
    auto const to = step.find(" to ");
    if (to == std::string_view::npos)
        return {};
    auto const owner = sm::trim(step.substr(0, to));
    bool capitalised = !owner.empty();
    for (std::size_t at = 0; at < owner.size() && capitalised;) {
        capitalised = owner[at] >= 'A' && owner[at] <= 'Z';
        at = std::min(owner.find(' ', at), owner.size());
        at = std::min(owner.find_first_not_of(' ', at), owner.size());
    }
    auto const words = scorer_tokens(owner);
    if (!capitalised || words.empty())
        return {};
    for (auto const& person : people) {
        std::vector<std::string> names{person.name};
        names.insert(names.end(), person.aliases.begin(), person.aliases.end());
        for (auto const& n : names)
            if (auto const w = scorer_tokens(n); !w.empty() && w.front() == words.front())
                return std::string(owner);
    }
    return {};
}

// Whether the produced next steps name the owners of the labelled ones. A labelled step is
// credited with a produced step (each used once) whose `who` includes the owner's first word
// and which shares two or more content words (four letters or more, not score.py's STOP)
// with it; the most steps so credited (augmenting paths), the best-sharing step tried first.
std::vector<owner_check> check_owners(labels const& truth,
                                      std::vector<produced_minutes> const& minutes) {
    std::vector<produced_bullet const*> produced;
    for (auto const& item : minutes)
        for (auto const& b : item.next_steps)
            produced.push_back(&b);
    auto const content = [](std::string_view text) {
        std::set<std::string, std::less<>> out;
        for (auto& w : scorer_tokens(text))
            if (w.size() >= 4 && !scorer_stopwords().contains(w))
                out.insert(std::move(w));
        return out;
    };
    std::vector<owner_check> out;
    std::vector<std::vector<std::size_t>> candidates; // per labelled step, best first
    for (auto const& step : truth.next_steps) {
        out.push_back({step, labelled_owner(step, truth.participants), std::nullopt});
        candidates.emplace_back();
        if (out.back().owner.empty())
            continue;
        auto const first = scorer_tokens(out.back().owner).front();
        auto const want = content(step);
        std::vector<std::pair<std::size_t, std::size_t>> shared; // (words shared, step)
        for (std::size_t j = 0; j < produced.size(); ++j) {
            auto const who = scorer_tokens(produced[j]->who);
            if (std::find(who.begin(), who.end(), first) == who.end())
                continue;
            std::size_t n = 0;
            for (auto const& w : content(produced[j]->text))
                n += want.contains(w) ? 1U : 0U;
            if (n >= 2)
                shared.emplace_back(n, j);
        }
        std::stable_sort(shared.begin(), shared.end(),
                         [](auto const& a, auto const& b) { return a.first > b.first; });
        for (auto const& [n, j] : shared)
            candidates.back().push_back(j);
    }
    std::vector<std::optional<std::size_t>> credited_to(produced.size());
    auto const take = [&](auto const& self, std::size_t i, std::vector<bool>& seen) -> bool {
        for (auto const j : candidates[i]) {
            if (seen[j])
                continue;
            seen[j] = true;
            if (!credited_to[j] || self(self, *credited_to[j], seen)) {
                credited_to[j] = i;
                return true;
            }
        }
        return false;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::vector<bool> seen(produced.size(), false);
        take(take, i, seen);
    }
    for (std::size_t j = 0; j < produced.size(); ++j)
        if (credited_to[j])
            out[*credited_to[j]].credited = *produced[j];
    return out;
}

std::size_t right_owners(std::vector<owner_check> const& steps) {
    return static_cast<std::size_t>(
        std::count_if(steps.begin(), steps.end(), [](auto const& s) { return s.credited; }));
}

// ---------------------------------------------------------------------------------------
// One meeting

struct result {
    std::string name;
    bool with_agenda = false;
    prf boundaries; // agenda matched without titles
    double pk = 0;
    double windowdiff = 0;
    std::vector<labelled_topic> labelled_agenda;
    std::vector<produced_topic> produced_agenda;
    std::vector<topic_row> rows;
    std::size_t titles_said = 0; // labelled titles said in their item's first three turns
    prf agenda;
    prf people;
    std::vector<std::string> people_missed;
    std::vector<std::string> people_extra;
    rouge_pair key_points;
    rouge_pair conclusions;
    std::size_t produced_key_points = 0;
    std::size_t produced_conclusions = 0;
    std::size_t labelled_key_points = 0;
    std::size_t labelled_conclusions = 0;
    minutes_scores minutes;
    std::optional<std::vector<owner_check>> owners; // labels that list next steps (DCCG) only
    double milliseconds = 0;
};

result evaluate(eval_case const& c, bool with_agenda) {
    auto const raw = minuted::bench::read_file(c.raw);
    labels truth;
    try {
        truth = parse_labels(minuted::bench::read_file(c.labels));
    } catch (std::exception const& e) {
        throw std::runtime_error(c.labels.string() + ": not in a known label shape (" + e.what() +
                                 ")");
    }

    std::vector<minuted::protocol::agenda_item> agenda;
    if (with_agenda)
        for (auto const& t : truth.agenda)
            agenda.push_back({t.title, t.presenters, std::nullopt});
    auto const started = std::chrono::steady_clock::now();
    sm::pipeline p(std::move(agenda));
    sm::change_set changes;
    for (std::size_t at = 0; at < raw.size(); at += chunk_bytes) {
        // A caption writer at 150 words per minute types about 15 bytes a second.
        sm::time_point const t{std::chrono::milliseconds(at * 1000 / 15)};
        p.put(std::string_view(raw).substr(at, chunk_bytes), t, changes);
        changes = {};
    }
    p.finish(sm::time_point{std::chrono::milliseconds(raw.size() * 1000 / 15)}, changes);
    auto const elapsed = std::chrono::steady_clock::now() - started;
    auto const& m = p.state();

    result r;
    r.name = c.name;
    r.milliseconds = std::chrono::duration<double, std::milli>(elapsed).count();
    r.labelled_agenda = truth.agenda;
    for (auto const& item : m.agenda())
        r.produced_agenda.push_back({item.n, item.title, item.start_line});
    r.with_agenda = with_agenda;
    auto const turns = turn_lines(raw);
    r.rows = match_agenda(r.labelled_agenda, r.produced_agenda, turns, r.agenda);
    std::vector<std::optional<std::size_t>> pairs(truth.agenda.size());
    for (auto const& row :
         match_agenda(r.labelled_agenda, r.produced_agenda, turns, r.boundaries, false))
        if (row.matched)
            pairs[*row.labelled] = row.produced;
    r.titles_said = titles_said_at_start(raw, truth.agenda, turns);
    if (!truth.agenda.empty()) {
        std::vector<line_number> from_first, labelled_starts, produced_starts;
        for (auto t : turns)
            if (t >= truth.agenda.front().line)
                from_first.push_back(t);
        for (auto const& t : truth.agenda)
            labelled_starts.push_back(t.line);
        for (auto const& t : r.produced_agenda)
            produced_starts.push_back(t.line);
        std::tie(r.pk, r.windowdiff) = pk_windowdiff(segment_of(labelled_starts, from_first),
                                                     segment_of(produced_starts, from_first));
    }

    // Participants: a labelled person is found when a produced participant's label, name or
    // alias equals the person's name or an alias, ignoring case and spacing.
    std::vector<std::set<std::string>> produced_keys;
    for (auto const& person : m.participants().all()) {
        std::set<std::string> keys{sm::label_key(person.label), sm::label_key(person.name)};
        for (auto const& a : person.aliases)
            keys.insert(sm::label_key(a));
        produced_keys.push_back(std::move(keys));
    }
    std::vector<bool> produced_found(produced_keys.size(), false);
    for (auto const& person : truth.participants) {
        std::vector<std::string> names{sm::label_key(person.name)};
        for (auto const& a : person.aliases)
            names.push_back(sm::label_key(a));
        bool found = false;
        for (std::size_t j = 0; j < produced_keys.size(); ++j)
            for (auto const& n : names)
                if (produced_keys[j].contains(n)) {
                    found = true;
                    produced_found[j] = true;
                }
        r.people.recall.of += 1;
        r.people.recall.hits += found ? 1U : 0U;
        if (!found)
            r.people_missed.push_back(person.name);
    }
    r.people.precision.of = produced_keys.size();
    for (std::size_t j = 0; j < produced_keys.size(); ++j) {
        r.people.precision.hits += produced_found[j] ? 1U : 0U;
        if (!produced_found[j])
            r.people_extra.push_back(m.participants().all()[j].label);
    }

    std::vector<std::string> key_points;
    std::vector<std::string> conclusions;
    for (auto const& item : m.agenda()) {
        for (auto const& k : item.key_points)
            key_points.push_back(k.text);
        for (auto const& a : item.next_steps)
            conclusions.push_back(a.text);
        for (auto const& a : item.decisions)
            conclusions.push_back(a.text);
    }
    r.key_points = rouge_both(key_points, truth.key_points);
    r.conclusions = rouge_both(conclusions, truth.conclusions);
    r.produced_key_points = key_points.size();
    r.produced_conclusions = conclusions.size();
    r.labelled_key_points = truth.key_points.size();
    r.labelled_conclusions = truth.conclusions.size();

    std::vector<produced_minutes> minutes;
    for (auto const& item : m.agenda()) {
        auto& to = minutes.emplace_back();
        for (auto const& k : item.key_points)
            to.key_points.push_back({k.text, k.from.line, {}});
        for (auto const& a : item.decisions)
            to.decisions.push_back({a.text, a.from.line, a.who});
        for (auto const& a : item.next_steps)
            to.next_steps.push_back({a.text, a.from.line, a.who});
    }
    std::set<std::string, std::less<>> names;
    for (auto const& person : m.participants().all()) {
        for (auto& w : scorer_tokens(person.name))
            names.insert(std::move(w));
        for (auto const& a : person.aliases)
            for (auto& w : scorer_tokens(a))
                names.insert(std::move(w));
    }
    r.minutes = score_minutes(truth, minutes, pairs, scorer_lines(raw), names);
    if (!truth.next_steps.empty())
        r.owners = check_owners(truth, minutes);
    return r;
}

// ---------------------------------------------------------------------------------------
// Output

std::string fixed(double v, int decimals = 3) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// Markdown table cells must not contain '|' or line breaks.
std::string cell(std::string_view s) {
    std::string out;
    for (char const ch : s)
        out += ch == '|' ? std::string("\\|") : ch == '\n' ? std::string(" ") : std::string(1, ch);
    return out;
}

struct totals {
    prf agenda;
    prf people;
    std::optional<prf> kp1, kp2, c1, c2;
    static void add(std::optional<prf>& to, std::optional<prf> const& x) {
        if (!x)
            return;
        if (!to)
            to = prf{};
        *to += *x;
    }
};

totals sum(std::vector<result> const& results) {
    totals t;
    for (auto const& r : results) {
        t.agenda += r.agenda;
        t.people += r.people;
        totals::add(t.kp1, r.key_points.r1);
        totals::add(t.kp2, r.key_points.r2);
        totals::add(t.c1, r.conclusions.r1);
        totals::add(t.c2, r.conclusions.r2);
    }
    return t;
}

// Per-meeting agenda scores averaged over meetings, for one way of running them.
struct agenda_means {
    std::size_t meetings = 0;
    double f1 = 0, boundary_f1 = 0, pk = 0, windowdiff = 0;
};

agenda_means means(std::vector<result> const& results, bool with_agenda) {
    agenda_means m;
    for (auto const& r : results) {
        if (r.with_agenda != with_agenda)
            continue;
        ++m.meetings;
        m.f1 += r.agenda.f1();
        m.boundary_f1 += r.boundaries.f1();
        m.pk += r.pk;
        m.windowdiff += r.windowdiff;
    }
    if (m.meetings > 0) {
        auto const n = static_cast<double>(m.meetings);
        m.f1 /= n;
        m.boundary_f1 /= n;
        m.pk /= n;
        m.windowdiff /= n;
    }
    return m;
}

// A figure as score.py prints it per meeting, read back: its means average these.
double as_printed(double v, int decimals) {
    return std::strtod(fixed(v, decimals).c_str(), nullptr);
}

// The minutes figures averaged over meetings, for one way of running them, as score.py
// averages them: the figures as it prints them (fp, dc, tr to 2 decimals, r2 to 3), a
// meeting's -1 (nothing to score) left out.
struct minutes_means {
    struct mean {
        double sum = 0;
        std::size_t meetings = 0;
        void add(double v) {
            if (v < 0)
                return;
            sum += v;
            ++meetings;
        }
        double value() const { return meetings ? sum / static_cast<double>(meetings) : 0.0; }
    };
    std::size_t meetings = 0;
    mean fp, r2, dc, tr, words_per_item;
    std::size_t right_owners = 0;
    std::size_t labelled_next_steps = 0;
};

minutes_means minutes_mean(std::vector<result> const& results, bool with_agenda) {
    minutes_means m;
    for (auto const& r : results) {
        if (r.with_agenda != with_agenda)
            continue;
        ++m.meetings;
        m.fp.add(as_printed(r.minutes.fp, 2));
        m.r2.add(as_printed(r.minutes.r2, 3));
        m.dc.add(as_printed(r.minutes.dc, 2));
        m.tr.add(as_printed(r.minutes.tr, 2));
        if (auto const w = r.minutes.words_per_item())
            m.words_per_item.add(*w);
        if (r.owners) {
            m.right_owners += right_owners(*r.owners);
            m.labelled_next_steps += r.owners->size();
        }
    }
    return m;
}

// score.py's last line, from the same figures: each mean over meetings of the figure as it
// prints it per meeting, without the agenda / with it.
std::string score_py_mean_line(std::vector<result> const& results) {
    auto const agenda_mean = [&](bool given, auto const& figure) {
        minutes_means::mean m;
        for (auto const& r : results)
            if (r.with_agenda == given)
                m.add(as_printed(figure(r), 2));
        return fixed(m.value());
    };
    auto const both = [&](char const* name, auto const& figure) {
        return std::string(name) + "=" + agenda_mean(false, figure) + "/" +
               agenda_mean(true, figure);
    };
    auto const a = minutes_mean(results, false);
    auto const b = minutes_mean(results, true);
    auto const pair = [](char const* name, minutes_means::mean const& x,
                         minutes_means::mean const& y) {
        return std::string(name) + "=" + fixed(x.value()) + "/" + fixed(y.value());
    };
    return "MEAN " + both("F1", [](result const& r) { return r.agenda.f1(); }) + " " +
           both("bF1", [](result const& r) { return r.boundaries.f1(); }) + " " +
           both("Pk", [](result const& r) { return r.pk; }) + " " + pair("fp", a.fp, b.fp) + " " +
           pair("r2", a.r2, b.r2) + " " + pair("dc", a.dc, b.dc) + " " + pair("tr", a.tr, b.tr) +
           " n=" + std::to_string(a.meetings);
}

std::string figure_or_na(double v, int decimals = 3) {
    return v < 0 ? "n/a" : fixed(v, decimals);
}

std::string owners_cell(std::optional<std::vector<owner_check>> const& owners) {
    if (!owners)
        return "n/a";
    return std::to_string(right_owners(*owners)) + " of " + std::to_string(owners->size());
}

std::string f1_or_na(std::optional<prf> const& x) {
    return x ? fixed(x->f1()) : "n/a";
}

std::string rouge_cells(std::optional<prf> const& x) {
    if (!x)
        return "n/a | n/a | n/a";
    return fixed(x->recall.value()) + " | " + fixed(x->precision.value()) + " | " + fixed(x->f1());
}

void print_markdown(std::vector<result> const& results, std::string const& source,
                    std::ostream& out) {
    auto const t = sum(results);
    out << "# minuted evaluation\n\n"
        << "Labelled meetings: " << source << "; pipeline fed in " << chunk_bytes
        << "-byte chunks. A topic is found when a produced item (one-to-one, greedy "
        << "in labelled order) carries more than half of its title's content words and starts "
        << "within " << max_turns_apart << " speaker turns of its line. Overall scores are "
        << "micro-averaged (summed counts); the means below average the meetings, as "
        << "../shared/eval/score.py does. Each meeting runs without an agenda and with its "
        << "labelled agenda (titles and presenters) given.\n\n";

    out << "## Summary\n\n"
        << "| meeting | agenda given | topics labelled | topics produced | found | agenda P | "
           "agenda R | agenda F1 | boundary F1 | Pk | WindowDiff "
           "| people R | people P | key points R-1 F1 | key points R-2 F1 | conclusions R-1 F1 "
           "| conclusions R-2 F1 | run ms |\n"
        << "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    auto const row = [&](std::string const& name, std::string const& given, prf const& agenda,
                         std::string const& segmentation, prf const& people, rouge_pair const& kp,
                         rouge_pair const& c, std::string const& ms) {
        out << "| " << name << " | " << given << " | " << agenda.recall.of << " | "
            << agenda.precision.of << " | " << agenda.recall.hits << " | "
            << fixed(agenda.precision.value()) << " | " << fixed(agenda.recall.value()) << " | "
            << fixed(agenda.f1()) << " | " << segmentation << " | " << fixed(people.recall.value())
            << " | " << fixed(people.precision.value()) << " | " << f1_or_na(kp.r1) << " | "
            << f1_or_na(kp.r2) << " | " << f1_or_na(c.r1) << " | " << f1_or_na(c.r2) << " | " << ms
            << " |\n";
    };
    double total_ms = 0;
    for (auto const& r : results) {
        row(r.name, r.with_agenda ? "yes" : "no", r.agenda,
            fixed(r.boundaries.f1()) + " | " + fixed(r.pk) + " | " + fixed(r.windowdiff), r.people,
            r.key_points, r.conclusions, fixed(r.milliseconds, 1));
        total_ms += r.milliseconds;
    }
    row("**overall**", "both", t.agenda, "| |", t.people, {t.kp1, t.kp2}, {t.c1, t.c2},
        fixed(total_ms, 1));

    out << "\n## Agenda means over meetings (as ../shared/eval/score.py reports them)\n\n"
        << "| agenda given | meetings | agenda F1 | boundary F1 | Pk | WindowDiff |\n"
        << "|---|--:|--:|--:|--:|--:|\n";
    for (bool const given : {false, true}) {
        auto const m = means(results, given);
        out << "| " << (given ? "yes" : "no") << " | " << m.meetings << " | " << fixed(m.f1)
            << " | " << fixed(m.boundary_f1) << " | " << fixed(m.pk) << " | " << fixed(m.windowdiff)
            << " |\n";
    }
    std::size_t said = 0, titles = 0;
    double said_share = 0;
    for (auto const& r : results) {
        if (r.with_agenda)
            continue;
        said += r.titles_said;
        titles += r.labelled_agenda.size();
        said_share += r.labelled_agenda.empty() ? 0.0
                                                : static_cast<double>(r.titles_said) /
                                                      static_cast<double>(r.labelled_agenda.size());
    }
    auto const meetings =
        static_cast<double>(std::max<std::size_t>(1, means(results, false).meetings));
    out << "\nTitles said where their item starts (more than half of a labelled title's content "
           "words in the item's first three turns): "
        << said << " of " << titles << ", mean over meetings " << fixed(said_share / meetings)
        << ". Without the agenda, no title made from what is said there matches more: this "
           "bounds agenda F1 whatever the boundaries.\n";

    out << "\n## ROUGE (recall | precision | F1)\n\n"
        << "Key points: all produced key points of a meeting against all labelled key points. "
           "Conclusions: produced decisions and next steps against labelled conclusions "
           "(TC39 `conclusion`, DCCG `decisions` + `next_steps`).\n\n"
        << "| meeting | key points (produced/labelled) | KP R-1 R | KP R-1 P | KP R-1 F1 | KP R-2 "
           "R "
           "| KP R-2 P | KP R-2 F1 | conclusions (produced/labelled) | C R-1 R | C R-1 P | C R-1 "
           "F1 | C R-2 R | C R-2 P | C R-2 F1 |\n"
        << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    std::size_t pk = 0, lk = 0, pc = 0, lc = 0;
    for (auto const& r : results) {
        out << "| " << r.name << " | " << r.produced_key_points << "/" << r.labelled_key_points
            << " | " << rouge_cells(r.key_points.r1) << " | " << rouge_cells(r.key_points.r2)
            << " | " << r.produced_conclusions << "/" << r.labelled_conclusions << " | "
            << rouge_cells(r.conclusions.r1) << " | " << rouge_cells(r.conclusions.r2) << " |\n";
        pk += r.produced_key_points;
        lk += r.labelled_key_points;
        pc += r.produced_conclusions;
        lc += r.labelled_conclusions;
    }
    out << "| **overall** | " << pk << "/" << lk << " | " << rouge_cells(t.kp1) << " | "
        << rouge_cells(t.kp2) << " | " << pc << "/" << lc << " | " << rouge_cells(t.c1) << " | "
        << rouge_cells(t.c2) << " |\n";

    out << "\n## Minutes (as ../shared/eval/score.py scores them)\n\n"
        << "fp: share of key points in the first or second person. r2: ROUGE-2 F1 of all bullets "
           "(key points, decisions, next steps, joined) against the labelled key points and "
           "conclusions joined. dc: share of labelled topics with a conclusion whose item "
           "(matched ignoring titles) has a decision. tr: share of bullets whose content words "
           "all occur within 40 lines of the line they cite. Words per item: score.py's words in "
           "all bullets of the produced items, per item. Next-step owners (labels that list next "
           "steps): labelled steps credited with a produced next step whose `who` includes the "
           "owner's first name and which shares two or more content words with it. n/a: nothing "
           "to score (score.py's -1), left out of the means.\n\n"
        << "| meeting | agenda given | key points | fp | r2 | dc | tr | items | words per item "
           "| next steps with the right owner |\n"
        << "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for (auto const& r : results) {
        auto const wpi = r.minutes.words_per_item();
        out << "| " << r.name << " | " << (r.with_agenda ? "yes" : "no") << " | "
            << r.minutes.key_points << " | " << fixed(r.minutes.fp) << " | "
            << figure_or_na(r.minutes.r2) << " | " << figure_or_na(r.minutes.dc) << " | "
            << figure_or_na(r.minutes.tr) << " | " << r.minutes.items << " | "
            << (wpi ? fixed(*wpi, 1) : "n/a") << " | " << owners_cell(r.owners) << " |\n";
    }
    out << "\nMeans over meetings, as score.py takes them (of each meeting's figure as it prints "
           "it: fp, dc, tr to 2 decimals, r2 to 3):\n\n"
        << "| agenda given | meetings | fp | r2 | dc | tr | words per item | next steps with the "
           "right owner |\n"
        << "|---|--:|--:|--:|--:|--:|--:|--:|\n";
    for (bool const given : {false, true}) {
        auto const m = minutes_mean(results, given);
        auto const counted = [&](minutes_means::mean const& x) {
            return fixed(x.value()) + " (" + std::to_string(x.meetings) + ")";
        };
        out << "| " << (given ? "yes" : "no") << " | " << m.meetings << " | " << counted(m.fp)
            << " | " << counted(m.r2) << " | " << counted(m.dc) << " | " << counted(m.tr) << " | "
            << fixed(m.words_per_item.value(), 1) << " | "
            << (m.labelled_next_steps ? std::to_string(m.right_owners) + " of " +
                                            std::to_string(m.labelled_next_steps)
                                      : std::string("n/a"))
            << " |\n";
    }
    out << "\nscore.py's MEAN line (no agenda/agenda) from these figures:\n\n    "
        << score_py_mean_line(results) << '\n';

    for (auto const& r : results) {
        out << "\n## " << r.name << (r.with_agenda ? ", agenda given" : ", no agenda") << "\n\n"
            << "Agenda: " << r.agenda.recall.hits << " of " << r.agenda.recall.of
            << " labelled topics found; " << r.agenda.precision.of << " items produced.\n\n"
            << "| labelled | line | produced | line | turns apart | title words carried | "
               "match |\n"
            << "|---|--:|---|--:|--:|--:|---|\n";
        std::vector<bool> used(r.produced_agenda.size(), false);
        for (auto const& row_ : r.rows)
            if (row_.matched)
                used[*row_.produced] = true;
        for (auto const& row_ : r.rows) {
            std::vector<std::string> cells(7);
            if (row_.labelled) {
                auto const& l = r.labelled_agenda[*row_.labelled];
                cells[0] = std::to_string(l.n) + ". " + cell(l.title);
                cells[1] = std::to_string(l.line);
            }
            if (row_.produced) {
                auto const& p = r.produced_agenda[*row_.produced];
                cells[2] = (row_.labelled && !row_.matched ? "_nearest:_ " : "") +
                           std::to_string(p.n) + ". " + cell(p.title);
                cells[3] = std::to_string(p.line);
            }
            if (row_.labelled && row_.produced) {
                cells[4] = std::to_string(row_.turns_apart);
                cells[5] = std::to_string(row_.carried) + "/" + std::to_string(row_.title_words);
            }
            cells[6] = row_.matched                             ? "yes"
                       : !row_.labelled                         ? "extra"
                       : row_.produced && !used[*row_.produced] ? "**missed** (nearest is extra)"
                                                                : "**missed**";
            out << '|';
            for (auto const& c : cells)
                out << ' ' << c << " |";
            out << '\n';
        }
        out << "\nParticipants: " << r.people.recall.hits << " of " << r.people.recall.of
            << " labelled found, " << r.people.precision.hits << " of " << r.people.precision.of
            << " produced are labelled.";
        auto const list = [&](char const* what, std::vector<std::string> const& names) {
            if (names.empty())
                return;
            out << " " << what << ": ";
            for (std::size_t i = 0; i < names.size(); ++i)
                out << (i ? ", " : "") << names[i];
            out << ".";
        };
        list("Missed", r.people_missed);
        list("Not labelled", r.people_extra);
        out << '\n';
        if (r.owners) {
            out << "\nNext steps with the right owner: " << owners_cell(r.owners)
                << " labelled.\n\n"
                << "| labelled next step | owner | produced next step credited |\n"
                << "|---|---|---|\n";
            for (auto const& s : *r.owners)
                out << "| " << cell(s.step) << " | " << (s.owner.empty() ? "_none_" : s.owner)
                    << " | "
                    << (s.credited ? "**" + cell(s.credited->who) + "**: " + cell(s.credited->text)
                                   : std::string())
                    << " |\n";
        }
    }
}

json::value prf_json(std::optional<prf> const& x) {
    if (!x)
        return nullptr;
    return json::object{{"recall", x->recall.value()},
                        {"precision", x->precision.value()},
                        {"f1", x->f1()},
                        {"overlap", x->recall.hits},
                        {"reference_ngrams", x->recall.of},
                        {"produced_ngrams", x->precision.of}};
}

json::object counts_json(prf const& x) {
    return {{"found", x.recall.hits},
            {"labelled", x.recall.of},
            {"produced", x.precision.of},
            {"precision", x.precision.value()},
            {"recall", x.recall.value()},
            {"f1", x.f1()},
            {"produced_matched", x.precision.hits}};
}

// -1 where score.py gives -1 (nothing to score).
json::object minutes_json(minutes_scores const& m) {
    auto const wpi = m.words_per_item();
    return {{"key_points", m.key_points},
            {"fp", m.fp},
            {"r2", m.r2},
            {"dc", m.dc},
            {"tr", m.tr},
            {"items", m.items},
            {"bullet_words", m.bullet_words},
            {"words_per_item", wpi ? json::value(*wpi) : json::value(nullptr)}};
}

json::value owners_json(std::optional<std::vector<owner_check>> const& owners) {
    if (!owners)
        return nullptr;
    json::array steps;
    for (auto const& s : *owners) {
        json::object o{{"labelled", s.step},
                       {"owner", s.owner.empty() ? json::value(nullptr) : json::value(s.owner)}};
        o["credited"] = s.credited ? json::value(json::object{{"who", s.credited->who},
                                                              {"text", s.credited->text},
                                                              {"line", s.credited->line}})
                                   : json::value(nullptr);
        steps.push_back(std::move(o));
    }
    return json::object{{"right", right_owners(*owners)},
                        {"labelled", owners->size()},
                        {"steps", std::move(steps)}};
}

void print_json(std::vector<result> const& results, std::string const& source, std::ostream& out) {
    json::array meetings;
    for (auto const& r : results) {
        json::array topics;
        for (auto const& row : r.rows) {
            json::object o;
            if (row.labelled) {
                auto const& l = r.labelled_agenda[*row.labelled];
                o["labelled"] = {{"n", l.n}, {"title", l.title}, {"line", l.line}};
            } else {
                o["labelled"] = nullptr;
            }
            if (row.produced) {
                auto const& p = r.produced_agenda[*row.produced];
                o["produced"] = {{"n", p.n}, {"title", p.title}, {"line", p.line}};
            } else {
                o["produced"] = nullptr;
            }
            if (row.labelled && row.produced) {
                o["turns_apart"] = row.turns_apart;
                o["title_words_carried"] = row.carried;
                o["title_words"] = row.title_words;
            }
            o["matched"] = row.matched;
            topics.push_back(std::move(o));
        }
        auto agenda = counts_json(r.agenda);
        agenda["topics"] = std::move(topics);
        auto people = counts_json(r.people);
        people["missed"] = json::value_from(r.people_missed);
        people["not_labelled"] = json::value_from(r.people_extra);
        agenda["boundary_f1"] = r.boundaries.f1();
        agenda["pk"] = r.pk;
        agenda["windowdiff"] = r.windowdiff;
        agenda["titles_said_at_start"] = r.titles_said;
        meetings.push_back(json::object{{"name", r.name},
                                        {"agenda_given", r.with_agenda},
                                        {"run_ms", r.milliseconds},
                                        {"agenda", std::move(agenda)},
                                        {"participants", std::move(people)},
                                        {"key_points",
                                         {{"produced", r.produced_key_points},
                                          {"labelled", r.labelled_key_points},
                                          {"rouge1", prf_json(r.key_points.r1)},
                                          {"rouge2", prf_json(r.key_points.r2)}}},
                                        {"conclusions",
                                         {{"produced", r.produced_conclusions},
                                          {"labelled", r.labelled_conclusions},
                                          {"rouge1", prf_json(r.conclusions.r1)},
                                          {"rouge2", prf_json(r.conclusions.r2)}}},
                                        {"minutes", minutes_json(r.minutes)},
                                        {"next_step_owners", owners_json(r.owners)}});
    }
    auto const t = sum(results);
    json::object mean;
    for (bool const given : {false, true}) {
        auto const m = means(results, given);
        mean[given ? "agenda_given" : "no_agenda"] = {{"meetings", m.meetings},
                                                      {"f1", m.f1},
                                                      {"boundary_f1", m.boundary_f1},
                                                      {"pk", m.pk},
                                                      {"windowdiff", m.windowdiff}};
    }
    json::object minutes_mean_json;
    for (bool const given : {false, true}) {
        auto const m = minutes_mean(results, given);
        auto const figure = [](minutes_means::mean const& x) {
            return json::object{{"mean", x.value()}, {"meetings", x.meetings}};
        };
        minutes_mean_json[given ? "agenda_given" : "no_agenda"] = {
            {"meetings", m.meetings},
            {"fp", figure(m.fp)},
            {"r2", figure(m.r2)},
            {"dc", figure(m.dc)},
            {"tr", figure(m.tr)},
            {"words_per_item", figure(m.words_per_item)},
            {"next_steps_right_owner", m.right_owners},
            {"next_steps_labelled", m.labelled_next_steps}};
    }
    json::object doc{{"source", source},
                     {"agenda_means", std::move(mean)},
                     {"minutes_means", std::move(minutes_mean_json)},
                     {"score_py_mean", score_py_mean_line(results)},
                     {"chunk_bytes", chunk_bytes},
                     {"max_turns_apart", max_turns_apart},
                     {"meetings", std::move(meetings)},
                     {"overall",
                      {{"agenda", counts_json(t.agenda)},
                       {"participants", counts_json(t.people)},
                       {"key_points", {{"rouge1", prf_json(t.kp1)}, {"rouge2", prf_json(t.kp2)}}},
                       {"conclusions", {{"rouge1", prf_json(t.c1)}, {"rouge2", prf_json(t.c2)}}}}}};
    out << json::serialize(doc) << '\n';
}

// Every NAME.labels.json under `dir`, with the NAME.raw.txt beside it.
std::vector<eval_case> find_cases(fs::path const& dir) {
    std::vector<eval_case> out;
    for (auto const& entry : fs::recursive_directory_iterator(dir)) {
        auto const file = entry.path().filename().string();
        if (!entry.is_regular_file() || !file.ends_with(".labels.json"))
            continue;
        auto const base = file.substr(0, file.size() - std::string_view(".labels.json").size());
        out.push_back({base, entry.path().parent_path() / (base + ".raw.txt"), entry.path()});
    }
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.name < b.name; });
    return out;
}

} // namespace

int main(int argc, char** argv) {
    fs::path eval_dir = fs::path(MINUTED_SOURCE_DIR) / ".." / "shared" / "eval";
    bool as_json = false;
    std::vector<eval_case> pairs;
    for (int i = 1; i < argc; ++i) {
        std::string_view const a = argv[i];
        if (a == "--eval-dir" && i + 1 < argc) {
            eval_dir = argv[++i];
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "--pair" && i + 2 < argc) {
            fs::path const raw = argv[i + 1];
            auto name = raw.filename().string();
            if (name.ends_with(".raw.txt"))
                name.resize(name.size() - std::string_view(".raw.txt").size());
            pairs.push_back({std::move(name), raw, argv[i + 2]});
            i += 2;
        } else if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        } else {
            std::cerr << "minuted_eval: unexpected argument '" << a << "'\n" << usage;
            return exit_usage;
        }
    }
    eval_dir = eval_dir.lexically_normal();
    bool const given_pairs = !pairs.empty();

    if (pairs.empty()) {
        std::error_code ec;
        if (!fs::is_directory(eval_dir, ec)) {
            std::cerr << "minuted_eval: evaluation data not found: " << eval_dir.string()
                      << " is not a directory.\n"
                         "It should hold the labelled TC39 days (tc39/*.raw.txt and "
                         "*.labels.json); pass --eval-dir DIR if it is elsewhere.\n";
            return exit_no_data;
        }
        pairs = find_cases(eval_dir);
        if (pairs.empty()) {
            std::cerr << "minuted_eval: no *.labels.json under " << eval_dir.string() << '\n';
            return exit_no_data;
        }
        for (auto& c : find_cases(minuted::bench::test_data_dir()))
            pairs.push_back(std::move(c));
    }
    for (auto const& c : pairs) {
        for (auto const& f : {c.raw, c.labels}) {
            std::error_code ec;
            if (!fs::is_regular_file(f, ec)) {
                std::cerr << "minuted_eval: missing " << f.string() << '\n';
                return exit_no_data;
            }
        }
    }

    std::vector<result> results;
    try {
        for (auto const& c : pairs)
            for (bool const with_agenda : {false, true})
                results.push_back(evaluate(c, with_agenda));
    } catch (std::exception const& e) {
        std::cerr << "minuted_eval: " << e.what() << '\n';
        return exit_no_data;
    }
    auto const source =
        given_pairs ? std::string("the pairs given")
                    : eval_dir.string() + " and " + minuted::bench::test_data_dir().string();
    if (as_json)
        print_json(results, source, std::cout);
    else
        print_markdown(results, source, std::cout);
    return 0;
}
