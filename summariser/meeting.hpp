#pragma once

#include "protocol/agenda.hpp"
#include "protocol/caption_event.hpp"
#include "summariser/alignment.hpp"
#include "summariser/minutes.hpp"
#include "summariser/participants.hpp"
#include "summariser/segmentation.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

struct agenda_cue;

/// Wall-clock time of an event, passed in by the caller (the core never reads a clock).
using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

/// The most text one utterance holds. A turn that reaches it goes on in a new utterance of the
/// same speaker (`continues`), cut at a sentence's end (or at a line, for a sentence that runs
/// on for more than 4 KB past it), so a monologue never makes one ever-growing utterance.
inline constexpr std::size_t max_utterance_bytes = 64 * 1024;

/// The title of an item before the first one a meeting names.
inline constexpr std::string_view default_first_title = "Opening";

/// One speaker turn of the clean transcript, or a part of a long one.
struct utterance {
    std::size_t id = 0;
    std::optional<participant_id> speaker; ///< nullopt for a bare `>>` or text before any turn
    std::string text;               ///< speech; annotations in parentheses; paragraphs "\n\n"
    protocol::line_number line = 0; ///< input line where the turn starts
    protocol::line_number last_line = 0;
    time_point at{};             ///< when its first text arrived
    std::size_t agenda_item = 0; ///< index of the item it started in
    std::size_t words = 0;
    bool continues = false; ///< goes on with the turn before it, which reached max_utterance_bytes
    std::string lang;       ///< the language its source named when it started; may be empty
    std::uint64_t revision = 0; ///< how many times people corrected its text (caption.correct)
    std::string corrected_by;   ///< who corrected it last
    time_point corrected_at{};  ///< when
};

/// True if the roster names `p` a chair, co-chair or (co-)moderator.
bool chairs_by_roster(participant const& p);

/// One item of the agenda with its rolling minutes.
struct agenda_item {
    std::size_t n = 0; ///< 1-based
    std::string title;
    protocol::line_number start_line = 0;
    std::size_t first_utterance = 0;
    time_point started{};
    std::optional<std::size_t> known_index; ///< the known agenda entry it was aligned to
    bool ahead = false; ///< taken before entries that come earlier in the known agenda
    std::vector<key_point> key_points;
    std::vector<action_item> next_steps;
    std::vector<action_item> decisions;
};

/// Speech not yet final, for live display: one entry per turn in the provisional tail.
struct pending_turn {
    std::string speaker_label; ///< empty when it continues the current turn or is unnamed
    bool continues_current = false;
    std::string text;
};

/// What one call changed, so a live view can send only that. Indices may repeat.
struct change_set {
    std::vector<std::size_t> utterances;      ///< appended or revised
    std::vector<participant_id> participants; ///< added, renamed or counted
    std::vector<std::size_t> agenda;          ///< opened, retitled or minutes changed
    bool meta = false;                        ///< title or chair
    bool pending = false;                     ///< the provisional tail
    bool ended = false;
    bool known_agenda = false; ///< a new known agenda

    bool empty() const noexcept {
        return utterances.empty() && participants.empty() && agenda.empty() && !meta && !pending &&
               !ended && !known_agenda;
    }
    /// Sorts and removes repeated indices.
    void normalise();
};

/// The live state of one meeting, driven by caption events.
///
/// Feed it the final events of a `protocol::cart_reader` in order (`apply`), the reader's
/// provisional tail when it changes (`set_pending`), and `finish` at the end. Every call
/// leaves a consistent state that can be rendered at once. Minutes come from final text
/// only, so a correction typed live never leaves a trace in them. The work per call is
/// bounded by the new text and the open agenda item; closed items are never revisited.
/// Deterministic: the same events give the same state. Not thread-safe.
class meeting {
public:
    /// `known_agenda`: the meeting's agenda, if known; items are then placed on the transcript
    /// by `agenda_aligner` (a placement may move while the evidence comes in; items before
    /// the change are rebuilt, so the state equals that of a meeting fed everything at once).
    explicit meeting(std::vector<protocol::agenda_item> known_agenda = {});
    /// The same with titles only.
    explicit meeting(std::vector<std::string> known_titles);

    /// A new known agenda, before or during the meeting: everything heard is aligned again.
    /// Costs O(items x turns) plus rebuilding the minutes of the items that moved.
    void set_known_agenda(std::vector<protocol::agenda_item> agenda, change_set& changes);

    /// The meeting's roster (see participant_registry::set_roster): names, organisations and
    /// roles for those it lists, now and when they speak.
    void set_roster(std::vector<protocol::roster_person> roster, change_set& changes);

    void apply(protocol::caption_event const& event, time_point at, change_set& changes);
    void set_pending(std::vector<protocol::caption_event> const& events, change_set& changes);
    void finish(time_point at, change_set& changes);
    /// The language its source names now ("en", "fr-CA"): the meeting's language, the last one
    /// set. Turns take theirs from `set_turn_language`.
    void set_language(std::string lang) { language_ = std::move(lang); }
    std::string const& language() const noexcept { return language_; }
    /// The language of the utterances that start from now on.
    void set_turn_language(std::string lang) { turn_language_ = std::move(lang); }

    /// A person's correction of utterance `id`'s final text (summariser/transcript_edits.hpp
    /// checks it first): the text is `text` from now on, with later text of the turn added
    /// after it; words are counted again. The minutes are not read again (that would mean
    /// reading the meeting again), but the words the correction changed (from the first word
    /// that differs to the last) are changed in the bullets read from the turn that hold them.
    /// Costs the turn's length plus the meeting's bullets.
    void correct_utterance(std::size_t id, std::string text, std::string by, time_point at,
                           change_set& changes);
    /// A person's name for participant `from` (checked first, as above): if `to` is the name,
    /// label or an alias of another participant, the two are one from now on (`from` goes
    /// `same_as` it, its turns become theirs, and its label speaks as them later); otherwise
    /// `from` is called `to`, and `to` typed as a label later speaks as them. The minutes'
    /// sentences and owners that named the old name name the new one. Costs O(turns + bullets).
    void rename_participant(participant_id from, std::string const& to, std::string by,
                            change_set& changes);

    std::string const& title() const noexcept { return title_; }
    std::vector<utterance> const& utterances() const noexcept { return utterances_; }
    participant_registry const& participants() const noexcept { return people_; }
    std::vector<agenda_item> const& agenda() const noexcept { return agenda_; }
    std::vector<pending_turn> const& pending() const noexcept { return pending_; }
    std::vector<std::string> const& known_agenda() const noexcept { return known_; }
    /// Who chairs: most procedural cues (moving the agenda, giving the floor), then turns.
    std::optional<participant_id> chair() const;
    /// Everyone who chaired: the chair and whoever moved the meeting on at least a third as
    /// often (a committee that rotates its chairs, two co-moderators). The chair first.
    std::vector<participant_id> chairs() const;
    /// True if a speaker label is a place, not a person: the meeting calls it a hub ("take
    /// the question from the Bangladesh Hub" makes DHAKA BANGLADESH one). A hub neither
    /// chairs nor presents.
    bool is_hub(participant const& p) const;

    /// Who carried agenda item `index`: its presenter (as the known agenda names them, else
    /// who spoke most in it, a chair only when nobody else spoke) and the others who spoke,
    /// most words first.
    struct item_people {
        std::string presenter;
        std::optional<participant_id> presenter_id; ///< when the presenter spoke
        bool named_by_agenda = false;
        std::vector<participant_id> others;
        std::size_t turns = 0;
    };
    item_people people_of(std::size_t index) const;

    /// One line on who carried item `index`: "Presented by Jordan Harband, with Shu-Yu Guo,
    /// MF and KG (14 turns)." Empty while nobody has spoken in it.
    std::string context_of(std::size_t index) const;
    bool ended() const noexcept { return ended_; }
    /// Words spoken by everyone, for shares of talk.
    std::size_t total_words() const noexcept { return total_words_; }

    /// "Catch me up", under 120 words: the current item with who carries it and its latest
    /// points, the items before it in a line each (a decision, else the main point), and
    /// the next steps still open.
    std::string catch_up() const;

private:
    struct proposal {
        std::string title;
        std::optional<int> number; // "can we take item 5 first?"
        bool ahead = false;
        protocol::line_number line = 0;
        std::size_t utterance = 0;
        std::size_t utterances_after = 0;
        std::vector<std::string> old_words;
        std::vector<std::string> new_words;
    };

    void open_utterance(std::optional<participant_id> speaker, protocol::line_number line,
                        time_point at, change_set& changes, bool continues = false);
    /// Before `bytes` more text is added to the open utterance: goes on in a new one if it
    /// would hold more than max_utterance_bytes.
    void bound_utterance(std::size_t bytes, protocol::line_number line, time_point at,
                         change_set& changes);
    void close_utterance(change_set& changes);
    void add_text(std::string_view text, protocol::line_number line, bool paragraph,
                  change_set& changes);
    void process_sentence(std::string_view sentence, protocol::line_number line,
                          change_set& changes);
    // The steps of process_sentence, in its order.
    void follow_proposal(std::string_view sentence, std::vector<token> const& t,
                         protocol::line_number line, change_set& changes);
    void title_awaited_item(std::string_view sentence, change_set& changes);
    /// Acts on an agenda cue; true if the sentence is procedure, not a point of the discussion.
    bool follow_cue(agenda_cue const& cue, std::vector<token> const& t, protocol::line_number line,
                    change_set& changes);
    void note_topic_words(std::string_view sentence, protocol::line_number line);
    void read_minutes(std::string_view sentence, std::vector<token> const& t, sentence_ref ref,
                      bool procedure, change_set& changes);
    void open_item(std::string title, protocol::line_number line, std::size_t first_utterance,
                   std::optional<int> number, change_set& changes);
    void confirm_proposal(change_set& changes);
    void set_title(agenda_item& item, std::string title);
    void refresh_minutes();
    void check_presentation_start(change_set& changes);
    /// The first sentences of an utterance, where a presenter says what they present.
    std::string opening_of(utterance const& u) const;
    /// Starts an item at turn `turn`, which item_start_detector found.
    void start_found_item(std::size_t turn, change_set& changes);
    std::string speaker_name(std::optional<participant_id> id) const;
    /// Spells `from` as `to` in every bullet the machine wrote or may write again (read from
    /// utterance `utterance` only, if given).
    void respell_minutes(std::string_view from, std::string_view to,
                         std::optional<std::size_t> utterance = std::nullopt);
    bool names_presenter(std::string_view title) const;

    std::vector<std::string> known_;
    std::vector<std::string> known_presenters_; // per known entry, "" if the agenda names none
    std::vector<std::string> hub_words_;        // sorted: words the meeting put before "hub"
    std::string title_;
    std::vector<utterance> utterances_;
    participant_registry people_;
    std::vector<agenda_item> agenda_;
    std::vector<pending_turn> pending_;
    bool open_ = false; // the last utterance still takes text
    bool ended_ = false;
    std::string language_;
    std::string turn_language_;
    std::size_t total_words_ = 0;

    // Sentence assembly across lines of one turn.
    std::string carry_;
    protocol::line_number carry_line_ = 0;

    // Agenda tracking.
    std::optional<proposal> proposal_;
    std::optional<std::size_t> awaiting_title_; // utterance whose next sentence titles the item
    std::vector<int> procedural_;               // per participant
    struct procedural_items {
        std::size_t item = 0; // the item of the last procedural move
        int points = 0;       // counted in that item
        int items = 0;        // items with procedural moves
    };
    std::vector<procedural_items> procedural_item_; // per participant
    void count_procedural(participant_id speaker, int points);
    void note_hubs(std::vector<token> const& t, change_set& changes);
    void note_identity(std::string_view sentence, std::vector<token> const& t,
                       std::optional<participant_id> speaker, change_set& changes);
    std::size_t last_known_ = 0; // next known agenda entry to expect
    enum class title_state { none, minutes, agenda, both, presented };
    title_state opening_formalities_ = title_state::none; // what named the first item

    // Fallback segmentation by vocabulary, for meetings without any agenda cue.
    struct sentence_words {
        std::vector<std::string> words; // content words, for similarity
        std::vector<std::string> terms; // words and word pairs in order, for titles
        std::size_t utterance = 0;
        protocol::line_number line = 0;
    };
    void check_topic_shift(change_set& changes);
    // Topic segmentation without cues compares blocks of this many sentences.
    static constexpr std::size_t topic_block = 30;

    // Alignment to a known agenda. Every sentence's contribution to the minutes is kept, so
    // an item whose start moves is rebuilt from its utterances' share without reading them
    // again.
    struct minute_source {
        std::size_t utterance = 0;
        std::optional<candidate> key_point;
        std::optional<action_item> decision;
        std::vector<action_item> next_steps;
        std::optional<consensus_move> move;
    };
    struct turn_record {
        std::size_t utterance = 0;
        std::vector<item_cue> cues;
    };
    void record_turn(utterance const& u, change_set& changes);
    /// The first turn recorded at or after `utterance`.
    std::vector<turn_record>::iterator turn_from(std::size_t utterance);
    /// A cue in the turn of `utterance`, found after it was said (a proposal taken up or not).
    void add_cue(std::size_t utterance, item_cue cue);
    /// What the alignment or item_start_detector weighs of a turn; its words from the first
    /// `max_bytes` of its text.
    turn_evidence evidence_of(turn_record const& r,
                              std::size_t max_bytes = std::string_view::npos) const;
    void follow_alignment(change_set& changes);
    void rebuild_minutes(std::size_t item);
    bool aligned() const noexcept { return !known_.empty(); }
    agenda_aligner aligner_;
    item_start_detector starts_;                     // without a known agenda
    bool numbered_ = false;                          // a chair's cue named an item by its number
    std::vector<turn_record> turns_;                 // the aligner's turns
    std::vector<item_cue> turn_cues_;                // cues naming items in the open turn
    std::vector<minute_source> sources_;             // in utterance order
    std::vector<std::uint32_t> sentence_counts_;     // per utterance
    sentence_ref last_sentence_{SIZE_MAX, 0, {}, 0}; // where the last sentence started
    bool has_cues_ = false;                          // an item was opened by a cue or a presenter
    std::vector<sentence_words> recent_; // the open item's last sentences, at most 2 blocks
    std::size_t item_words_ = 0;
    std::map<std::string, int, std::less<>> document_frequency_; // sentences using each word
    std::size_t sentences_seen_ = 0;
    struct valley {
        double similarity = 0;
        std::size_t utterance = 0;
        protocol::line_number line = 0;
    };
    std::optional<valley> valley_; // the least similar point since the last split

    // Minutes of the open item.
    key_point_pool pool_;
    consensus_call call_; // the open item's calls for consensus
    std::size_t item_sentences_ = 0;
    bool minutes_dirty_ = false;
    std::size_t next_refresh_ = 0; // the open item's pool size at which its key points are redone
};

} // namespace minuted::summariser
