// minuted_eval: scores the engine against labelled real meetings.
//
// Runs the whole pipeline on each raw transcript (4 KB chunks, then finish), without an agenda
// and with the labelled agenda supplied (titles and presenters), and compares the result with
// hand labels: agenda items found (P/R/F1, and boundary-only F1 that ignores titles), Pk and
// WindowDiff over speaker turns, participants found, and ROUGE-1/2 of the key points and of
// the conclusions. Agenda items are matched by the rule of ../shared/eval/score.py, so the
// means agree with it. It measures and never judges: the exit code is 0 whatever the scores;
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
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
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
    std::string presenters; ///< as the published agenda names them, ", " between; may be empty
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
        out.agenda.push_back(std::move(t));
        for (auto& s : strings_at(o, "key_points"))
            out.key_points.push_back(std::move(s));
        for (auto& s : strings_at(o, "conclusion"))
            out.conclusions.push_back(std::move(s));
    }
    for (auto& s : strings_at(root, "decisions"))
        out.conclusions.push_back(std::move(s));
    for (auto& s : strings_at(root, "next_steps"))
        out.conclusions.push_back(std::move(s));
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

// A title's content words as ../shared/eval/score.py reads them: runs of ASCII letters and
// digits in lower case, two or more, none of its stopwords, a plural 's' stripped.
std::vector<std::string> scorer_words(std::string_view title) {
    static std::set<std::string, std::less<>> const stop{
        "a",     "an",         "the",     "of",           "for",       "to",        "in",
        "on",    "and",        "or",      "with",         "is",        "are",       "be",
        "by",    "at",         "as",      "from",         "this",      "that",      "it",
        "its",   "into",       "about",   "over",         "under",     "up",        "down",
        "new",   "update",     "updates", "status",       "proposal",  "proposals", "item",
        "items", "discussion", "re",      "continuation", "continued", "cont",      "part"};
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
    match_agenda(r.labelled_agenda, r.produced_agenda, turns, r.boundaries, false);
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
                                          {"rouge2", prf_json(r.conclusions.r2)}}}});
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
    json::object doc{{"source", source},
                     {"agenda_means", std::move(mean)},
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
