#include "summariser/agenda.hpp"

#include "summariser/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace minuted::summariser {

namespace {

// True if `w` is one of `list`'s words.
template <std::size_t N>
bool is_one_of(std::string_view w, std::array<std::string_view, N> const& list) {
    return std::find(list.begin(), list.end(), w) != list.end();
}

// Verbs of moving the meeting on.
constexpr std::string_view move_verbs =
    "go|move|turn|come|proceed|jump|switch|get|skip|pass|moving|going|turning|coming|"
    "proceeding|jumping|switching|passing|talk|talking";

bool is_question(std::vector<token> const& t) {
    return !t.empty() && t.back().lower == "?";
}

bool has_move_verb_before(std::vector<token> const& t, std::size_t end) {
    for (std::size_t i = 0; i < end && i < t.size(); ++i) {
        auto const& w = t[i].lower;
        std::size_t p = 0;
        while (p <= move_verbs.size()) {
            auto const e = std::min(move_verbs.find('|', p), move_verbs.size());
            if (move_verbs.substr(p, e - p) == w)
                return true;
            p = e + 1;
        }
    }
    return false;
}

std::string pattern(std::string_view before, std::string_view after) {
    std::string p(before);
    p += move_verbs;
    p += ' ';
    p += after;
    return p;
}

agenda_cue moved(std::vector<token> const& t, std::string title, std::optional<int> number = {}) {
    return {is_question(t) ? cue_kind::proposal : cue_kind::transition, std::move(title), number};
}

bool is_cut_word(std::string_view w) {
    static constexpr auto cut = std::to_array<std::string_view>({
        "because",
        "please",
        "which",
        "who",
        "where",
        "so",
        "since",
        "when",
        "but",
        "that",
        "as",
        "if",
        "while",
        "over",
    });
    return is_one_of(w, cut);
}

bool is_lead_word(std::string_view w) {
    static constexpr auto lead = std::to_array<std::string_view>({
        "to",     "that",   "is",      "this",    "it",   "it's",   "that's", "which",
        "we",     "have",   "there",   "there's", "will", "be",     "the",    "a",
        "an",     "on",     "about",   "for",     "now",  "then",   "number", "namely",
        "called", "titled", "matter",  "so",      "and",  "i",      "here",   "our",
        "my",     "let's",  "discuss", "talk",    "item", "agenda",
    });
    return is_one_of(w, lead);
}

bool is_trailing_word(std::string_view w) {
    static constexpr auto trailing = std::to_array<std::string_view>({
        "the",  "of", "and", "to",   "for", "a",  "an",  "now", "today", "please",
        "then", "in", "on",  "with", "our", "is", "are", "you", "again",
    });
    return is_one_of(w, trailing);
}

// Words that start a clause rather than a name.
bool is_verb_like(std::string_view w) {
    static constexpr auto verbs = std::to_array<std::string_view>(
        {"give",    "gave",  "given",     "think",    "thought", "using",  "use",     "used",
         "however", "get",   "gets",      "tell",     "told",    "said",   "says",    "wanted",
         "need",    "needs", "yesterday", "tomorrow", "try",     "trying", "tried",   "guess",
         "hope",    "feel",  "felt",      "believe",  "agree",   "agreed", "looks",   "seems",
         "seem",    "happy", "glad",      "ready",    "thought", "start",  "started", "continue"});
    return is_one_of(w, verbs);
}

// A one-word title is only a title when it reads as a name of a thing: "Math.sumPrecise",
// "AsyncContext", "JSSugar". "Specific" or "Trivial" are not.
bool is_name_like(std::string_view title) {
    auto const t = tokenize(title);
    std::size_t content = 0;
    for (auto const& x : t)
        content += x.is_word && !is_stopword(x.lower) ? 1u : 0u;
    if (content >= 2)
        return true;
    if (title.find('.') != std::string_view::npos && title.find('.') + 1 < title.size())
        return true;
    for (std::size_t i = 1; i < title.size(); ++i)
        if (std::isupper(static_cast<unsigned char>(title[i])) &&
            std::islower(static_cast<unsigned char>(title[i - 1])))
            return true;
    return false;
}

// A title names a thing; a phrase with a pronoun, an auxiliary or a gerund that goes on with
// a preposition is a piece of a sentence: "Kind of our job", "Intl.MessageFormat in
// September and now I'm back", "the conclusion being very critical", "Touching on a number
// of different topics", "Unrelated to the previous one".
bool reads_as_clause(std::string_view title) {
    static constexpr auto clause_words = std::to_array<std::string_view>(
        {"i",         "i'm",      "i've",  "i'd",     "i'll",   "me",     "my",     "we",
         "we're",     "we've",    "our",   "us",      "you",    "your",   "it",     "it's",
         "its",       "they",     "their", "them",    "he",     "she",    "his",    "her",
         "one",       "is",       "are",   "was",     "were",   "be",     "been",   "being",
         "am",        "have",     "has",   "had",     "do",     "does",   "did",    "will",
         "would",     "can",      "could", "should",  "shall",  "might",  "must",   "there",
         "here",      "now",      "this",  "that",    "these",  "those",  "what",   "which",
         "who",       "said",     "says",  "think",   "mostly", "fairly", "really", "actually",
         "basically", "probably", "maybe", "perhaps", "just",   "also",   "even",   "still",
         "already",   "kind",     "sort",  "pretty",  "quite",  "very"});
    auto const t = tokenize(title);
    for (auto const& x : t)
        if (x.is_word && is_one_of(x.lower, clause_words))
            return true;
    std::size_t first = 0;
    while (first < t.size() && !t[first].is_word)
        ++first;
    if (first + 1 < t.size() && t[first].lower.size() > 5 && t[first].lower.ends_with("ing")) {
        static constexpr auto prepositions = std::to_array<std::string_view>(
            {"on", "to", "about", "with", "through", "at", "in", "into", "over", "up"});
        auto const& next = t[first + 1].lower;
        return is_one_of(next, prepositions);
    }
    return false;
}

// The meeting's own machinery is not an item: "let's go to the queue", "the next slide",
// "the second part", "the next point".
bool names_procedure(std::string_view title) {
    static constexpr auto procedure = std::to_array<std::string_view>(
        {"queue", "slide", "slides", "next", "part", "point", "portion", "piece", "minute",
         "minutes", "first", "second", "third", "last", "topic", "thing", "bit"});
    auto const words = content_words(title);
    return std::all_of(words.begin(), words.end(),
                       [&](std::string const& w) { return is_one_of(w, procedure); });
}

} // namespace

std::string title_from_phrase(std::string_view phrase) {
    auto const t = tokenize(phrase);
    std::size_t b = 0;
    while (b < t.size() && (!t[b].is_word || is_lead_word(t[b].lower) || is_stopword(t[b].lower) ||
                            parse_number(t[b].lower)))
        ++b;
    if (b < t.size() && is_verb_like(t[b].lower))
        return {}; // "Give me just one second" names nothing
    auto e = b;
    while (e < t.size() && t[e].is_word && !is_cut_word(t[e].lower) && e - b < 10)
        ++e;
    while (e > b && is_trailing_word(t[e - 1].lower))
        --e;
    auto const text = token_text(phrase, t, b, e);
    if (content_words(text).empty() || reads_as_clause(text) || names_procedure(text))
        return {};
    return capitalise(text);
}

namespace {

// The agenda or the last minutes adopted.
std::optional<agenda_cue> formality_cue(std::vector<token> const& t) {
    if (find_phrase(
            t, "adopt|adopted|adopting|approve|approved|approving|agree with? the? draft|current|"
               "proposed|revised? agenda") ||
        find_phrase(t, "agenda is|was|has adopted|approved") ||
        find_phrase(t, "adoption|approval of the? draft|current? agenda"))
        return agenda_cue{cue_kind::adoption, {}, {}};
    if (find_phrase(t, "minutes are|were|is approved|adopted") ||
        find_phrase(t, "approve|approved|approving|adopt|adopted the? previous|last? minutes") ||
        find_phrase(t, "approval of the? previous|last? minutes"))
        return agenda_cue{cue_kind::minutes_approval, {}, {}};
    return std::nullopt;
}

// nullopt if Any Other Business is not named; else the cue, if any, that it is.
std::optional<agenda_cue> any_other_business_cue(std::vector<token> const& t) {
    // Any Other Business is an item by name: moving to it, or the chair's bare question.
    if (auto const m = find_phrase(t, "any other business"); m || find_phrase(t, "aob")) {
        if (find_phrase(t, pattern("", "on|over|now|ahead|back? to|into the? any|aob")))
            return moved(t, "Any Other Business");
        std::size_t words = 0;
        for (auto const& x : t)
            words += x.is_word ? 1u : 0u;
        // The chair's bare question "..., Any Other Business?" ends with the item's name.
        bool const at_end = m ? m->last + 2 >= t.size() : t.size() <= 3;
        if (is_question(t) && words <= 20 && at_end)
            return agenda_cue{cue_kind::proposal, "Any Other Business", {}};
        return agenda_cue{};
    }
    return std::nullopt;
}

// A chair moving on to the next item or presenter; an empty cue if the floor only moves on
// within a discussion.
std::optional<agenda_cue> next_item_cue(std::string_view sentence, std::vector<token> const& t) {
    // "the next agenda item is the booth"
    if (auto const m = find_phrase(t, "the? next agenda? item|topic is|will")) {
        auto const slot = sentence.substr(t[m->last - 1].end);
        return moved(t, title_from_phrase(slot));
    }
    // "next up we have X", "next up is X": how a chair hands over to the next presenter.
    if (auto const m = find_phrase(t, "next up? we? have|is"); m && m->first <= 2) {
        // "Next up is SYG on the queue", "next is a reply by LCA": the floor in a discussion.
        if (find_phrase(t, "queue|reply|replies|question|questions|comment|comments|clarifying") ||
            find_phrase(t, "support|+1|reminder|response") || find_phrase(t, "topic by|from"))
            return agenda_cue{};
        auto cue = moved(t, title_from_phrase(sentence.substr(t[m->last - 1].end)));
        cue.next_call = true;
        return cue;
    }

    // "can we go to the next agenda item?", "we are moving to the next issue, to X"
    if (auto const m = find_phrase(
            t, pattern("", "on|over|now|ahead|back? to|into the? next|following agenda? item|issue|"
                           "topic|point|theme"))) {
        return moved(t, m->last < t.size() ? title_from_phrase(sentence.substr(t[m->last - 1].end))
                                           : std::string{});
    }

    // "let's move ahead to the secretary's report": a chair moving on to a named item.
    if (auto const m =
            find_phrase(t, "let's|now|so|then move|go|turn|proceed|jump on|ahead|now|over? to the");
        m && m->first <= 6) {
        if (auto title = title_from_phrase(sentence.substr(t[m->last - 1].end)); !title.empty())
            return moved(t, std::move(title));
    }
    return std::nullopt;
}

// A chair naming an item by its number, in the agenda's order or out of it.
std::optional<agenda_cue> numbered_item_cue(std::string_view sentence,
                                            std::vector<token> const& t) {
    // "let's take item 5 first", "can we do agenda item 5 before item 3": an item out of the
    // agenda's order, which the chair names by its number.
    if (auto const m = find_phrase(
            t, "take|do|discuss|hear|start|begin|go|move|jump with|to? the? agenda? item|point "
               "number|no? *")) {
        // The order word right after the item: "item 5 first", "item 5 before item 3", not
        // "item 5 before lunch".
        auto const next_word = [&](std::size_t from) {
            while (from < t.size() && !t[from].is_word)
                ++from;
            return from < t.size() ? std::string_view(t[from].lower) : std::string_view();
        };
        auto const after = next_word(m->last);
        bool const first = after == "first";
        bool const before = (after == "before" || after == "ahead") &&
                            find_phrase(t, "before|ahead of? the? agenda? item|point *", m->last);
        if (auto const n = parse_number(t[m->last - 1].lower);
            n && *n >= 1 && (first || before || find_phrase(t, "out of order"))) {
            auto cue = moved(t, {}, n);
            cue.ahead = true;
            return cue;
        }
    }

    // "we go to agenda item number 2", "moving to issue area 2, environmental sustainability"
    if (auto const m = find_phrase(
            t,
            "to|about|into|on the? agenda|issue? item|area|issue|point|topic|theme number|no? *")) {
        if (auto const n = parse_number(t[m->last - 1].lower);
            n && has_move_verb_before(t, m->first))
            return moved(t, title_from_phrase(sentence.substr(t[m->last - 1].end)), n);
    }
    return std::nullopt;
}

// A part of the session named as the item.
agenda_cue part_cue(std::string_view sentence, std::vector<token> const& t) {
    // "we're going to move to the second part of the session where ..."
    if (auto const m = find_phrase(
            t, pattern("", "on|over|now? to the second|third|last|final|next|closing part|half|"
                           "segment|section|round|session"))) {
        // "the second part of the session": the part is the title.
        std::string title = capitalise(token_text(sentence, t, m->last - 2, m->last));
        if (find_phrase(t, "of the session|meeting", m->last))
            title += " of the " + t[std::min(m->last + 2, t.size() - 1)].lower;
        return moved(t, title);
    }
    return {};
}

} // namespace

agenda_cue detect_agenda_cue(std::string_view sentence, std::vector<token> const& t) {
    if (t.empty())
        return {};
    if (auto cue = formality_cue(t))
        return *cue;
    if (auto cue = any_other_business_cue(t))
        return *cue;
    if (auto cue = next_item_cue(sentence, t))
        return *cue;
    if (auto cue = numbered_item_cue(sentence, t))
        return *cue;
    return part_cue(sentence, t);
}

namespace {

// A title stops where the stage request starts: "structs for Stage 2" -> "structs".
std::string clipped_title(std::string_view phrase) {
    auto const pt = tokenize(phrase);
    if (auto const s = find_phrase(pt, "for|to|at|in? stage"))
        phrase = token_text(phrase, pt, 0, s->first);
    return title_from_phrase(phrase);
}

// The title named right after `pattern` in the opening `t` of `opening`; empty if none.
std::string title_after(std::string_view opening, std::vector<token> const& t,
                        std::string_view pattern) {
    if (auto const m = find_phrase(t, pattern); m && m->last < t.size())
        return clipped_title(opening.substr(t[m->last - 1].end));
    return {};
}

// A short opening fragment that is only a name: "Iterator chunking." "`Map.Emplace` Stage 2
// update."
std::string named_fragment(std::string_view opening) {
    for (auto s : split_sentences(opening.substr(0, std::min<std::size_t>(opening.size(), 400)))) {
        auto const st = tokenize(s);
        std::size_t n = 0;
        bool pronoun = false;
        for (auto const& x : st) {
            if (!x.is_word)
                continue;
            ++n;
            static constexpr auto pronouns = std::to_array<std::string_view>(
                {"i",       "we",      "you",      "it",        "this",  "that",  "so",
                 "i'm",     "we're",   "okay",     "ok",        "hello", "hi",    "thanks",
                 "thank",   "all",     "right",    "good",      "great", "yes",   "yeah",
                 "well",    "morning", "everyone", "everybody", "let's", "there", "afternoon",
                 "evening", "am",      "is",       "sorry"});
            pronoun = pronoun || is_one_of(x.lower, pronouns);
        }
        if (n == 0 || pronoun)
            continue;
        // A name is what the presenter goes on to talk about ("Iterator chunking. The problem
        // we're trying to solve with iterator chunking"); "Real quick." or "Makes sense." is not.
        auto const rest =
            opening.substr(static_cast<std::size_t>(s.data() + s.size() - opening.data()));
        if (n >= 2 && n <= 6 && overlap(content_words(s), content_words(rest)) > 0)
            return clipped_title(s);
        return {}; // a full sentence: the fragment, if any, came before it
    }
    return {};
}

// A name in backticks in the first sentence: "I am now going to discuss `Error.isError`".
std::optional<std::string> code_name(std::string_view opening) {
    auto const first = split_sentences(opening);
    auto const head = first.empty() ? std::string_view() : first.front();
    if (auto const b = head.find('`'); b != std::string_view::npos) {
        auto const e = head.find('`', b + 1);
        if (e != std::string_view::npos && e - b > 1 && e - b < 40)
            return std::string(head.substr(b + 1, e - b - 1));
    }
    return std::nullopt;
}

// "the RegExp modifiers proposal"
std::string named_proposal(std::string_view opening, std::vector<token> const& t) {
    std::string title;
    if (auto const m = find_phrase(t, "proposal")) {
        auto b = m->first;
        while (b > 0 && m->first - b < 4 && t[b - 1].is_word && !is_lead_word(t[b - 1].lower) &&
               !is_stopword(t[b - 1].lower))
            --b;
        if (b < m->first)
            title = capitalise(token_text(opening, t, b, m->first));
    }
    return title;
}

} // namespace

std::optional<std::string> presentation_title(std::string_view opening, bool strong_only) {
    auto const t = tokenize(opening);
    // The presenter says what they ask for or present; without that it is just a long turn.
    // A strong intro names a request or a proposal; a weak one says "I will talk about".
    auto const stage = find_phrase(t, "stage *");
    bool const strong = stage || find_phrase(t, "proposal|presentation|normative|update|updates") ||
                        find_phrase(t, "asking|seeking|request|requesting for|consensus");
    bool const weak =
        find_phrase(
            t, "will|to|i'm|am|we're|are talk|talking|present|presenting|introduce|introducing|"
               "discuss|discussing") ||
        find_phrase(t, "this is for|about");
    if (!strong && (strong_only || !weak))
        return std::nullopt;

    std::string stage_text;
    if (stage) {
        auto const& n = t[stage->last - 1].lower;
        if (parse_number(n) ||
            (n.find('.') != std::string::npos && std::isdigit(static_cast<unsigned char>(n[0]))))
            stage_text = "Stage " + n;
    }

    // 1. A name alone; 2. "this is for extractors", "we are asking for Stage 2.7 for iterator
    // sequencing"
    auto title = named_fragment(opening);
    if (title.empty())
        title = title_after(opening, t, "this is for|about");
    if (title.empty())
        title = title_after(opening, t, "for|to stage * for|of|on");
    // 3. A code name is a name even as one word: "Promise.try".
    if (title.empty()) {
        if (auto name = code_name(opening)) {
            title = std::move(*name);
            if (!stage_text.empty() && to_lower(title).find("stage") == std::string::npos)
                title += " for " + stage_text;
            return title;
        }
    }
    // 4. "updates on the web integration of AsyncContext", "an update about the decimal proposal"
    if (title.empty()) {
        title = title_after(opening, t, "update|updates on|about|regarding|for|of");
        if (!title.empty())
            title += " update";
    }
    // 5. "a presentation for X", "talk about X"
    if (title.empty())
        title = title_after(
            opening, t,
            "presentation|talk|talking|present|presenting|introduce|introducing for|on|about|of?");
    if (title.empty())
        title = named_proposal(opening, t);
    if (title.empty() || !is_name_like(title) || reads_as_clause(title))
        return std::nullopt;
    if (!stage_text.empty() && to_lower(title).find("stage") == std::string::npos)
        title += " for " + stage_text;
    return title;
}

std::string with_long_forms(std::string_view title) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> forms{{
        {"aob", "any other business"},
        {"q&a", "questions and answers"},
        {"q & a", "questions and answers"},
        {"a.o.b.", "any other business"},
    }};
    auto const lower = to_lower(title);
    std::string out(title);
    for (auto const& [abbreviation, long_form] : forms) {
        // A whole word: not "aobx" nor "baob".
        for (auto at = lower.find(abbreviation); at != std::string::npos;
             at = lower.find(abbreviation, at + 1)) {
            auto const end = at + abbreviation.size();
            auto const letter = [&](std::size_t i) {
                return std::isalnum(static_cast<unsigned char>(lower[i])) != 0;
            };
            if ((at > 0 && letter(at - 1)) || (end < lower.size() && letter(end)))
                continue;
            out += " (";
            out += long_form;
            out += ')';
            break;
        }
    }
    return out;
}

std::optional<std::size_t> match_known_title(std::string_view title,
                                             std::vector<std::string> const& known) {
    // Shared words over the shorter title: "Booth" names "DC booth", "Any Other Business"
    // names "Any Other Business: WSIS+20 letter" and "AOB".
    auto const words = content_words(with_long_forms(title));
    std::optional<std::size_t> best;
    double best_score = 0;
    for (std::size_t i = 0; i < known.size(); ++i) {
        auto const k = content_words(with_long_forms(known[i]));
        auto const small = std::min(k.size(), words.size());
        if (small == 0)
            continue;
        auto const score = static_cast<double>(overlap(words, k)) / static_cast<double>(small);
        if (score >= 0.5 && score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

bool same_title(std::string_view a, std::string_view b) {
    auto const wa = content_words(with_long_forms(a));
    auto const wb = content_words(with_long_forms(b));
    auto const small = std::min(wa.size(), wb.size());
    return small > 0 && static_cast<double>(overlap(wa, wb)) >= 0.6 * static_cast<double>(small);
}

} // namespace minuted::summariser
