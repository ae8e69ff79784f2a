#pragma once

#include "summariser/participants.hpp"
#include "summariser/text.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace minuted::summariser {

/// A sentence judged as material for the minutes, with where it came from.
struct sentence_ref {
    std::size_t utterance = 0; ///< index of the utterance in the transcript
    std::uint32_t line = 0;    ///< input line where the sentence starts
    std::optional<std::size_t> speaker;
    /// Its place among the sentences of the utterance that start on that line (0: the first),
    /// so that two sentences of one line are two different bullets.
    std::uint32_t part = 0;
    /// Which of the bullets of one kind read from that sentence (a sentence may give two next
    /// steps), from 0.
    std::uint32_t nth = 0;
    friend bool operator==(sentence_ref const&, sentence_ref const&) = default;
};

/// A key point: one sentence of the discussion in reported speech ("DE noted that ...").
struct key_point {
    std::string text;
    sentence_ref from;
    friend bool operator==(key_point const&, key_point const&) = default;
};

/// A next step or a decision: what was agreed or promised, by whom, by when.
struct action_item {
    std::string text; ///< the cleaned sentence
    std::string who;  ///< readable name of who will act; empty when nobody is named
    std::string when; ///< the deadline as said ("by tomorrow noon"); may be empty
    sentence_ref from;
    bool of_call = false; ///< a call for consensus's outcome: redone as the item changes
    friend bool operator==(action_item const&, action_item const&) = default;
};

/// Where a candidate's reported text names its speaker, filled in when it is chosen.
inline constexpr std::string_view speaker_mark = "\x01";

/// A key-point candidate: a sentence with the features that do not change as the item grows.
struct candidate {
    std::string text;               ///< in reported speech, `speaker_mark` for the speaker's name
    std::vector<std::string> words; ///< its content words (sorted, unique)
    double base = 0;                ///< score from the sentence alone
    sentence_ref from;
};

/// Scores one sentence as a key-point candidate; nullopt if it cannot be one (too short,
/// a question, a greeting, procedure, spoken to someone).
/// `tokens` are the sentence's, from `tokenize`; `people` keep their names' capitals.
std::optional<candidate> make_candidate(std::string_view sentence, std::vector<token> const& tokens,
                                        sentence_ref from, participant_registry const& people);

/// The key-point candidates of one agenda item, with how central each one is: how many words
/// it shares with the others. Kept up to date as sentences arrive, so that choosing the key
/// points costs time linear in the candidates, not in all their words. Deterministic.
class key_point_pool {
public:
    void add(candidate c);

    /// Removes and returns the candidates from `line` on: they belong to an item that turned
    /// out to start there.
    std::vector<candidate> take_from(std::uint32_t line);

    /// Picks at most `limit` key points: the most central sentences (sharing words with many
    /// others and with the title), no two saying the same thing, no more than two from one
    /// speaker. Indices into `candidates()`, in transcript order.
    std::vector<std::size_t> select(std::vector<std::string> const& title_words, std::size_t limit,
                                    std::vector<sentence_ref> const& shown = {}) const;

    std::vector<candidate> const& candidates() const noexcept { return candidates_; }
    std::size_t size() const noexcept { return candidates_.size(); }
    /// Spells `from` as `to` in the candidates (of utterance `utterance` only, if given): a
    /// person renamed someone or corrected a turn (summariser/transcript_edits.cpp).
    void respell(std::optional<std::size_t> utterance, std::string_view from, std::string_view to);

private:
    // How much a point already shown is preferred to one that would replace it.
    static constexpr double sticky_bonus = 0.25;
    // A word shared with more than this many other sentences adds no more to centrality.
    static constexpr int max_shared = 6;

    std::vector<candidate> candidates_;
    std::vector<int> shared_; // per candidate: sum over its words of min(df - 1, max_shared)
    // word -> the first max_shared + 1 candidates using it; later ones need no updates
    std::unordered_map<std::string, std::vector<std::size_t>> postings_;
};

/// The number of key points an item of `sentences` sentences deserves: a handful at most.
std::size_t key_point_limit(std::size_t sentences);

/// The key points of an item titled `title` of `sentences` sentences, from its pool, as
/// reported speech attributed to their speakers in `people`. Those `shown` before keep their
/// place unless another candidate is clearly better, so that a live view changes little.
std::vector<key_point> choose_key_points(key_point_pool const& pool, std::string_view title,
                                         std::size_t sentences, participant_registry const& people,
                                         std::vector<key_point> const& shown = {});

/// Next steps and decisions kept per item: precision first, a handful not dozens.
inline constexpr std::size_t max_actions = 8;

/// Adds a next step or decision to an item's list unless the list is full or already says
/// the same (most content words shared).
void add_action(std::vector<action_item>& list, action_item a);

/// Reads the commitments in a sentence, one per owner, phrased as minutes do: "Roman will
/// ask Celine and report back" -> "Roman Chukov to ask Celine and report back."; "I will share
/// the document" -> "SPEAKER to share the document."; "Roman, could you find out from Luis"
/// -> "Roman Chukov to find out from Luis." Precision first: a plain future of an action
/// verb with an owner (the speaker for "I" and "we", a named or addressed person), no
/// condition or hedge. `speaker` is the readable name of who said it; names in the sentence
/// are resolved through `people`.
std::vector<action_item> extract_next_steps(std::string_view sentence,
                                            std::vector<token> const& tokens,
                                            std::string_view speaker,
                                            participant_registry const& people, sentence_ref from);

/// The stage a sentence or title names: "for Stage 2.7" -> "2.7", "stage three" -> "3".
std::string stage_named(std::vector<token> const& tokens);

/// Reads a decision from a sentence and says what it settled: "Congratulations, you have
/// Stage 4" -> "Consensus for Stage 4." (the stage from the sentence, else the one the item's
/// `title` asks for); "we agree and adopt the draft agenda as proposed" -> "It
/// was agreed to adopt the draft agenda as proposed"; "I am not going to ask for Stage 2" ->
/// "EAO is not going to ask for Stage 2." Rulings only: hedged, conditional or asked, it is
/// not one. `speaker` and `people` attribute what is reported.
std::optional<action_item> extract_decision(std::string_view sentence,
                                            std::vector<token> const& tokens,
                                            std::string_view speaker,
                                            participant_registry const& people,
                                            std::string_view title, sentence_ref from);

/// What a sentence does in a call for consensus.
struct consensus_move {
    enum kind_t : std::uint8_t { request, support, objection };
    kind_t kind = request;
    std::string stage; ///< what a request asks for ("2.7"); empty for a change or a PR
    sentence_ref from;
    /// A request that asks the room for its verdict ("any objections?", "I would like to ask
    /// for consensus"), not only names a stage ("are you requesting that we delay our 2.7
    /// request?").
    bool asks_verdict = false;
    friend bool operator==(consensus_move const&, consensus_move const&) = default;
};

/// Reads a sentence as a move in a call for consensus: a request ("I would like to ask for
/// Stage 2", "any objections?"), support ("+1 from DLM", "explicit support from MF") or an
/// objection ("I object", "I withhold consensus").
std::optional<consensus_move>
read_consensus_move(std::string_view sentence, std::vector<token> const& tokens, sentence_ref from);

/// Follows the calls for consensus of one item. A request met with support and no objection
/// is the item's outcome, as the chair records it even when nobody says "consensus" ("Lots
/// of plus ones ... you got over the line").
class consensus_call {
public:
    void read(consensus_move const& move);

    /// "Consensus for Stage 2." (the stage asked for, else `title_stage`) or "Consensus was
    /// reached.", cited at the support that carried it; nullopt while no request has been
    /// supported, or after an objection. Once the item has closed (`closed_at`, the first
    /// utterance after it), a request the meeting moved on from within a few turns, with
    /// neither support nor objection heard, is recorded as such: "Consensus for Stage 2 was
    /// asked, and no concerns were raised."
    std::optional<action_item> outcome(std::string_view title_stage,
                                       std::optional<std::size_t> closed_at = std::nullopt) const;

private:
    std::optional<consensus_move> request_;
    std::optional<sentence_ref> support_;
    bool objected_ = false;
};

/// Puts a call's `outcome` in `decisions` in place of the one there before, if any. True if
/// `decisions` changed.
bool set_outcome(std::vector<action_item>& decisions, std::optional<action_item> outcome);

} // namespace minuted::summariser
