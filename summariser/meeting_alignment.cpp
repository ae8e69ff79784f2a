// meeting's part that follows an agenda_aligner: the turns it is fed, a known agenda given
// late, and the items rebuilt when a placement moves.
#include "protocol/utf8.hpp"
#include "summariser/agenda.hpp"
#include "summariser/meeting.hpp"
#include "summariser/text.hpp"

#include <algorithm>

namespace minuted::summariser {

void meeting::add_cue(std::size_t utterance, item_cue cue) {
    if (open_ && utterance + 1 == utterances_.size())
        return turn_cues_.push_back(std::move(cue));
    auto const turn = turn_from(utterance);
    if (turn == turns_.end() || turn->utterance != utterance)
        return;
    turn->cues.push_back(std::move(cue));
    if (aligned())
        aligner_.add_cue(static_cast<std::size_t>(turn - turns_.begin()), turn->cues.back());
}

std::vector<meeting::turn_record>::iterator meeting::turn_from(std::size_t utterance) {
    return std::lower_bound(turns_.begin(), turns_.end(), utterance,
                            [](turn_record const& r, std::size_t u) { return r.utterance < u; });
}

turn_evidence meeting::evidence_of(turn_record const& r, std::size_t max_bytes) const {
    auto const& u = utterances_[r.utterance];
    turn_evidence turn;
    turn.speaker = speaker_name(u.speaker);
    turn.words = evidence_words(protocol::utf8_prefix(u.text, max_bytes));
    turn.word_count = u.words;
    auto const head =
        tokenize(std::string_view(u.text).substr(0, std::min<std::size_t>(u.text.size(), 300)));
    turn.opens = find_phrase(head, "this is a|an|about|for|the|just|not|literally|continuing") ||
                 find_phrase(head, "i'm|am going|here|coming to") ||
                 find_phrase(head, "present|presenting|update|slide|proposal") ||
                 find_phrase(head, "share my screen") ||
                 find_phrase(head, "good morning|afternoon|evening") ||
                 find_phrase(head, "hello") || find_phrase(head, "hi everyone|everybody");
    if (u.words <= 120) {
        auto const t = tokenize(u.text);
        turn.moves_on = find_phrase(t, "next up|topic|item|presenter") ||
                        find_phrase(t, "move|moving|go|continue on|ahead") ||
                        find_phrase(t, "the floor is yours") || find_phrase(t, "take it away") ||
                        find_phrase(t, "over to you");
        turn.queue = find_phrase(t, "queue|reply|replies") || find_phrase(t, "clarifying question");
        if (u.words <= 50)
            turn.closes =
                find_phrase(t, "thank|thanks|congratulations|done|next|conclusion|summary") ||
                find_phrase(t, "that's|that is all") || find_phrase(t, "move|moving on") ||
                find_phrase(t, "on|in the queue");
    }
    turn.cues = r.cues;
    return turn;
}

void meeting::record_turn(utterance const& u, change_set& changes) {
    turns_.push_back({u.id, std::move(turn_cues_)});
    turn_cues_.clear();
    if (aligned()) {
        aligner_.add(evidence_of(turns_.back()));
        return;
    }
    // Once a chair numbers the items, their cues place them: nothing more to weigh.
    if (numbered_)
        return;
    // A turn's first words tell whether it brings new ones; a monologue's rest adds nothing.
    auto turn = evidence_of(turns_.back(), 2000);
    turn.titled = u.words >= 40 && u.speaker && presentation_title(opening_of(u)).has_value();
    if (auto const start = starts_.add(std::move(turn)))
        start_found_item(*start, changes);
}

void meeting::set_known_agenda(std::vector<protocol::agenda_item> agenda, change_set& changes) {
    known_ = protocol::titles_of(agenda);
    known_presenters_.clear();
    for (auto const& a : agenda)
        known_presenters_.push_back(a.presenter);
    changes.known_agenda = true;
    // Weighed again from the start, as if the agenda had been known all along.
    aligner_ = agenda_aligner(std::move(agenda));
    if (!aligned())
        return;
    for (auto const& r : turns_)
        aligner_.add(evidence_of(r));
    if (ended_)
        aligner_.finish();
    if (!agenda_.empty())
        follow_alignment(changes);
}

void meeting::follow_alignment(change_set& changes) {
    // The items the alignment places, and an opening before the first if it starts later.
    struct wanted {
        std::optional<std::size_t> known;
        std::size_t first_utterance = 0;
        bool ahead = false;
    };
    std::vector<wanted> want;
    auto const path = aligner_.path();
    if (path.empty() && aligner_.scored() == 0)
        return; // nothing weighed yet: the first item stays as it began
    if (path.empty() || turns_[path.front().turn].utterance != 0)
        want.push_back({std::nullopt, 0});
    for (auto const& p : path)
        want.push_back({p.item, turns_[p.turn].utterance, p.ahead});

    std::size_t same = 0;
    while (same < want.size() && same < agenda_.size() &&
           agenda_[same].known_index == want[same].known &&
           agenda_[same].first_utterance == want[same].first_utterance &&
           agenda_[same].ahead == want[same].ahead)
        ++same;
    if (same == want.size() && same == agenda_.size())
        return;
    // The item before the first that changed may end elsewhere now. Items from there on are
    // made again; one that spans the same utterances as before keeps its minutes, so a
    // revision costs the items it really moved.
    auto const from = same > 0 ? same - 1 : 0;
    auto const end_of = [&](std::size_t i) {
        return i + 1 < agenda_.size() ? agenda_[i + 1].first_utterance : utterances_.size();
    };
    struct span {
        std::size_t first = 0, last = 0;
        agenda_item item;
    };
    std::vector<span> before;
    for (auto i = from; i < agenda_.size(); ++i)
        before.push_back({agenda_[i].first_utterance, end_of(i), std::move(agenda_[i])});
    agenda_.resize(from);
    for (auto i = from; i < want.size(); ++i) {
        agenda_item item;
        item.n = i + 1;
        item.known_index = want[i].known;
        item.ahead = want[i].ahead;
        item.title = want[i].known ? known_[*want[i].known] : std::string(default_first_title);
        item.first_utterance = want[i].first_utterance;
        item.start_line = utterances_.at(item.first_utterance).line;
        item.started = utterances_.at(item.first_utterance).at;
        agenda_.push_back(std::move(item));
    }
    for (auto i = agenda_[from].first_utterance, item = from; i < utterances_.size(); ++i) {
        while (item + 1 < agenda_.size() && agenda_[item + 1].first_utterance <= i)
            ++item;
        if (utterances_[i].agenda_item != item) {
            utterances_[i].agenda_item = item;
            changes.utterances.push_back(i);
        }
    }
    for (auto i = from; i < agenda_.size(); ++i) {
        changes.agenda.push_back(i);
        auto const kept = std::find_if(before.begin(), before.end(), [&](span const& s) {
            return s.first == agenda_[i].first_utterance && s.last == end_of(i) &&
                   s.item.known_index == agenda_[i].known_index;
        });
        if (kept == before.end()) {
            rebuild_minutes(i);
            continue;
        }
        // The open item kept its span too: pool_ is still its own.
        agenda_[i].key_points = std::move(kept->item.key_points);
        agenda_[i].decisions = std::move(kept->item.decisions);
        agenda_[i].next_steps = std::move(kept->item.next_steps);
    }
    changes.meta = true;
}

void meeting::rebuild_minutes(std::size_t index) {
    // The same adds in the same order as when the sentences came, so a rebuilt item equals
    // one that was never moved.
    auto& item = agenda_[index];
    auto const first = item.first_utterance;
    auto const last =
        index + 1 < agenda_.size() ? agenda_[index + 1].first_utterance : utterances_.size();
    key_point_pool pool;
    std::size_t sentences = 0;
    for (auto i = first; i < last; ++i)
        sentences += sentence_counts_[i];
    auto it =
        std::lower_bound(sources_.begin(), sources_.end(), first,
                         [](minute_source const& s, std::size_t u) { return s.utterance < u; });
    item.decisions.clear();
    item.next_steps.clear();
    consensus_call call;
    for (; it != sources_.end() && it->utterance < last; ++it) {
        if (it->key_point)
            pool.add(*it->key_point);
        if (it->decision)
            add_action(item.decisions, *it->decision);
        for (auto const& a : it->next_steps)
            add_action(item.next_steps, a);
        if (it->move)
            call.read(*it->move);
    }
    auto const closed = index + 1 < agenda_.size() || ended_;
    set_outcome(item.decisions,
                call.outcome(stage_named(tokenize(item.title)),
                             closed ? std::optional<std::size_t>(last) : std::nullopt));
    item.key_points = choose_key_points(pool, item.title, sentences, people_);
    if (index + 1 == agenda_.size()) {
        // The open item goes on taking sentences.
        pool_ = std::move(pool);
        call_ = call;
        item_sentences_ = sentences;
        minutes_dirty_ = false;
        next_refresh_ = std::max(pool_.size() + 1, pool_.size() * 5 / 4);
    }
}

} // namespace minuted::summariser
