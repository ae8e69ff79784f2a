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

// "have good support for Stage 2": how a chair says the room is behind a request.
// With the stage named, a bare "you have support for Stage 3" grants it too.
std::string const has_support_for_stage =
    "have|has ample|good|enough|sufficient|strong|broad|clear|overwhelming|explicit|unanimous? "
    "explicit? support for stage *";
std::string const has_support =
    "have|has ample|good|enough|sufficient|strong|broad|clear|overwhelming|explicit|unanimous "
    "explicit? support";

// A sentence read for a decision: what it says, and how to report it.
struct decision_reading {
    std::string_view sentence;
    std::vector<token> const& t;
    std::string_view speaker;
    participant_registry const& people;
    std::string_view title;
    sentence_ref from;

    bool said(std::string_view pattern) const { return find_phrase(t, pattern).has_value(); }

    // Said as a ruling: not hedged ("if we have consensus", "maybe we agree").
    bool ruling(std::string_view pattern) const {
        auto const m = find_phrase(t, pattern);
        return m && !hedged_before(t, m->first, false);
    }

    // In reported speech, or nothing: a decision is never published in the first person
    // ("I take it that there is no consensus on basing ourselves on ...").
    std::optional<action_item> reported() const {
        if (auto text = reported_speech(clean_for_minutes(sentence), speaker, people))
            return action_item{std::move(*text), {}, {}, from};
        return std::nullopt;
    }
};

// A stage granted: "Congratulations, you have Stage 4", "consensus for Stage 2.7".
// "I'd like to ask for consensus for Stage 2" asks; it grants nothing.
bool grants_stage(decision_reading const& d) {
    bool const asking =
        d.said("ask|asking|request|requesting|seek|seeking|like|want|call|calling|hoping|looking "
               "for") ||
        d.said("do|can|could we have|get") || d.said("to get|reach consensus");
    return d.ruling("congratulations") ||
           d.ruling("i|you|we|it|this|they have|has|got|reached|reaches "
                    "conditional? consensus? for? stage *") ||
           // The champion thanking the room for it: "Thanks, everyone, for Stage 4."
           d.ruling("thanks|thank you? ,? everyone|all? ,? for stage *") ||
           (!asking && (d.ruling("consensus for|on stage|advancing|advancement") ||
                        d.ruling(has_support_for_stage)));
}

// The opposite, said as plainly: "no consensus", "I am not going to ask for Stage 2".
bool refuses(decision_reading const& d) {
    return d.said("no consensus") ||
           d.said("not|don't|doesn't|didn't have|has|reach|reached|get consensus") ||
           d.said("not going to ask|seek|request") ||
           d.said("not|won't|didn't ask|asking|seek|seeking|request|requesting for? "
                  "stage|advancement|consensus");
}

std::optional<action_item> refusal(decision_reading const& d, std::string const& stage) {
    if (d.said("no consensus") && !stage.empty())
        return action_item{"No consensus for Stage " + stage + ".", {}, {}, d.from};
    if (auto r = d.reported())
        return r;
    // "we simply do not have consensus for it now"; not "I'm not going to ask for
    // consensus today", which settles nothing.
    if (d.said("no consensus") ||
        d.said("not|don't|doesn't|didn't have|has|reach|reached|get consensus"))
        return action_item{"No consensus was reached.", {}, {}, d.from};
    return std::nullopt;
}

std::optional<action_item> grant(decision_reading const& d, std::string stage) {
    if (stage.empty())
        stage = stage_named(tokenize(d.title));
    if (!stage.empty())
        return action_item{"Consensus for Stage " + stage + ".", {}, {}, d.from};
    if (!d.said("consensus"))
        return std::nullopt; // congratulated on something else
    return action_item{"Consensus was reached.", {}, {}, d.from};
}

// What the room agreed, if the sentence settles something: "we agree and adopt ...", "no
// objections", "it remains at Stage 2". `history`: told as past, so no new outcome.
std::optional<action_item> agreement(decision_reading const& d, std::string stage, bool history) {
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
    auto const none_against = find_phrase(d.t, "no objections|objection|opposition");
    static std::string const supported = "you|this|it|that " + has_support;
    bool const backed = d.ruling(supported); // the request the item's title makes
    bool const settled =
        (none_against && none_against->first == 0) || backed ||
        std::any_of(agreed.begin(), agreed.end(), [&](std::string_view p) { return d.ruling(p); });
    if (!settled)
        return std::nullopt;
    if (backed && stage.empty())
        stage = stage_named(tokenize(d.title));
    // "we agree and adopt the draft agenda as proposed" -> "It was agreed to adopt the
    // draft agenda as proposed": what was settled, in the words said.
    if (auto const m = find_phrase(d.t, "adopt|approve|accept|endorse|merge"); m && m->first > 0)
        return action_item{"It was agreed to " +
                               std::string(trim(d.sentence.substr(d.t[m->first].begin), " ")),
                           {},
                           {},
                           d.from};
    if (!stage.empty() && d.said("remains|remain|stays|stay at stage"))
        return action_item{"The proposal remains at Stage " + stage + ".", {}, {}, d.from};
    if (history)
        return std::nullopt;
    if (!stage.empty())
        return action_item{"Consensus for Stage " + stage + ".", {}, {}, d.from};
    if (word_count(d.sentence) <= 12)
        return action_item{"Consensus was reached.", {}, {}, d.from};
    if (auto r = d.reported())
        return r;
    // "With that, RKG, you had a number of statements of explicit support ..., so, yeah, you
    // have consensus": said to the presenter, so not reported, but settled all the same.
    if (backed || d.said("consensus"))
        return action_item{"Consensus was reached.", {}, {}, d.from};
    return std::nullopt;
}

} // namespace

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
    decision_reading const d{sentence, t, speaker, people, title, from};
    auto const stage = stage_named(t);
    // What is told as past is history, not a ruling: "So when we got Stage 2, we identified
    // ...", "the spec text is approved as part of getting to Stage 3".
    bool const history = d.said("when|once|after we|they|it|you got|reached|had|advanced|went") ||
                         d.said("getting|get to stage") || d.said("last|previous meeting|time");
    if (refuses(d))
        return refusal(d, stage);
    // Taken back for another meeting: "I will come back at the next meeting to request 2.7".
    if (d.said("come|bring|coming|bringing back") && !hedged_before(t, t.size(), false) &&
        d.said("next|future|another meeting|time|plenary"))
        return d.reported();
    if (grants_stage(d) && !history)
        return grant(d, stage);
    return agreement(d, stage, history);
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

} // namespace minuted::summariser
