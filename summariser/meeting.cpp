#include "summariser/meeting.hpp"

#include "protocol/utf8.hpp"
#include "summariser/agenda.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

namespace minuted::summariser {

namespace {

// A sentence still open after this many bytes is processed as it stands, so a line that
// never ends costs linear time, not quadratic.
constexpr std::size_t max_carry_bytes = 4096;

// A question that proposes a move is taken up unless the next turns go back to the old item.
constexpr std::size_t proposal_window = 3;

bool is_procedural(std::vector<token> const& t) {
    return find_phrase(t, "over to you") || find_phrase(t, "floor is yours") ||
           find_phrase(t, "give|giving|hand you the floor") ||
           find_phrase(t, "any objections|objection") || find_phrase(t, "consensus") ||
           find_phrase(t, "your hand up") || find_phrase(t, "let's|let us start|begin") ||
           find_phrase(t, "on the queue") || find_phrase(t, "congratulations") ||
           find_phrase(t, "the agenda");
}

} // namespace

void change_set::normalise() {
    for (auto* v : {&utterances, &participants, &agenda}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
    }
}

meeting::meeting(std::vector<protocol::agenda_item> known_agenda) {
    for (auto const& a : known_agenda) {
        known_.push_back(a.title);
        known_presenters_.push_back(a.presenter);
    }
    aligner_ = agenda_aligner(std::move(known_agenda));
}

meeting::meeting(std::vector<std::string> known_titles)
    : meeting([&] {
          std::vector<protocol::agenda_item> items;
          for (auto& t : known_titles)
              items.push_back({std::move(t), {}, {}});
          return items;
      }()) {}

bool meeting::names_presenter(std::string_view title) const {
    // A known name, an initialism as chairs use for delegates ("JHD", "RPR"), or one or two
    // capitalised words with nothing else ("Dan", "Ron Buckton"): a person, not a topic.
    auto const t = tokenize(title);
    bool const initialism =
        t.size() == 1 && title.size() <= 4 &&
        std::all_of(title.begin(), title.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    bool const name_like =
        !t.empty() && t.size() <= 2 && std::all_of(t.begin(), t.end(), [&](token const& x) {
            auto const w = title.substr(x.begin, x.end - x.begin);
            return x.is_word && std::isupper(static_cast<unsigned char>(w.front())) &&
                   !is_stopword(x.lower) && w.find('.') == std::string_view::npos &&
                   std::none_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
        });
    return initialism || name_like || people_.find_by_name(title) || people_.is_label(title);
}

std::string meeting::speaker_name(std::optional<participant_id> id) const {
    return id ? people_.at(*id).name : std::string{};
}

std::optional<participant_id> meeting::chair() const {
    // A chair the roster names, once they have spoken, before anyone the talk suggests.
    bool const listed =
        std::any_of(people_.all().begin(), people_.all().end(),
                    [](participant const& p) { return chairs_by_roster(p) && p.turns > 0; });
    std::optional<participant_id> best;
    for (auto const& p : people_.all()) {
        if (listed ? !chairs_by_roster(p) || p.turns == 0 : p.turns < 2 || is_hub(p))
            continue;
        auto const score = p.id < procedural_.size() ? procedural_[p.id] : 0;
        if (!best) {
            best = p.id;
            continue;
        }
        auto const best_score = *best < procedural_.size() ? procedural_[*best] : 0;
        auto const& b = people_.at(*best);
        if (score > best_score || (score == best_score && p.turns > b.turns))
            best = p.id;
    }
    return best;
}

void meeting::apply(protocol::caption_event const& event, time_point at, change_set& changes) {
    if (ended_)
        return;
    std::visit(
        [&](auto const& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, protocol::turn_event>) {
                std::optional<participant_id> who;
                if (!e.speaker.empty()) {
                    auto const r = people_.resolve(e.speaker);
                    who = r.id;
                    if (procedural_.size() < people_.all().size())
                        procedural_.resize(people_.all().size());
                    changes.participants.push_back(r.id);
                    if (r.renamed)
                        changes.meta = true;
                }
                close_utterance(changes);
                open_utterance(who, e.line, at, changes);
            } else if constexpr (std::is_same_v<T, protocol::text_event>) {
                if (!open_)
                    open_utterance(std::nullopt, e.line, at, changes);
                bound_utterance(e.text.size() + 2, e.line, at, changes);
                add_text(e.text, e.line, e.paragraph, changes);
            } else if constexpr (std::is_same_v<T, protocol::annotation_event>) {
                if (!open_)
                    open_utterance(std::nullopt, e.line, at, changes);
                bound_utterance(e.text.size() + 3, e.line, at, changes);
                auto& u = utterances_.back();
                if (!u.text.empty())
                    u.text.push_back(' ');
                u.text += '(' + e.text + ')';
                u.last_line = e.line;
                changes.utterances.push_back(u.id);
            } else {
                if (e.kind == protocol::metadata_kind::header && title_.empty() &&
                    word_count(e.text) >= 2) {
                    title_ = readable_name(e.text);
                    changes.meta = true;
                }
            }
        },
        event);
}

void meeting::bound_utterance(std::size_t bytes, protocol::line_number line, time_point at,
                              change_set& changes) {
    auto const& u = utterances_.back();
    if (u.text.empty() || u.text.size() + bytes <= max_utterance_bytes)
        return;
    // At a sentence's end, so no sentence (and no key point) is split between two; a sentence
    // that runs on for more than max_carry_bytes past the limit is cut at a line anyway.
    if (!carry_.empty() && u.text.size() + bytes <= max_utterance_bytes + max_carry_bytes)
        return;
    auto const speaker = u.speaker;
    close_utterance(changes);
    open_utterance(speaker, line, at, changes, true);
}

void meeting::open_utterance(std::optional<participant_id> speaker, protocol::line_number line,
                             time_point at, change_set& changes, bool continues) {
    if (agenda_.empty()) {
        agenda_item first;
        first.n = 1;
        first.title = known_.empty() ? std::string(default_first_title) : known_.front();
        first.known_index = known_.empty() ? std::nullopt : std::optional<std::size_t>{0};
        first.start_line = line;
        first.started = at;
        agenda_.push_back(std::move(first));
        last_known_ = known_.empty() ? 0 : 1;
        changes.agenda.push_back(0);
    }
    utterance u;
    u.id = utterances_.size();
    u.speaker = speaker;
    u.line = line;
    u.last_line = line;
    u.at = at;
    u.agenda_item = agenda_.size() - 1;
    u.continues = continues;
    u.lang = continues ? utterances_.back().lang : turn_language_;
    utterances_.push_back(std::move(u));
    sentence_counts_.push_back(0);
    turn_cues_.clear();
    open_ = true;
    if (speaker && !continues)
        people_.count_turn(*speaker, 0);
    changes.utterances.push_back(utterances_.back().id);
}

void meeting::add_text(std::string_view text, protocol::line_number line, bool paragraph,
                       change_set& changes) {
    auto& u = utterances_.back();
    if (!u.text.empty())
        u.text += paragraph && ends_sentence(u.text) ? "\n\n" : " ";
    u.text += text;
    u.last_line = line;
    auto const n = word_count(text);
    u.words += n;
    total_words_ += n;
    if (u.speaker) {
        people_.count_words(*u.speaker, n);
        changes.participants.push_back(*u.speaker);
    }
    changes.utterances.push_back(u.id);

    if (carry_.empty())
        carry_line_ = line;
    else
        carry_.push_back(' ');
    carry_ += text;
    auto const sentences = split_sentences(carry_);
    std::size_t done = 0;
    for (std::size_t i = 0; i < sentences.size(); ++i) {
        bool const last = i + 1 == sentences.size();
        if (last && !ends_sentence(sentences[i]) && carry_.size() <= max_carry_bytes)
            break;
        process_sentence(sentences[i], i == 0 ? carry_line_ : line, changes);
        done = i + 1;
    }
    if (done == sentences.size()) {
        carry_.clear();
    } else if (done > 0) {
        carry_ = std::string(sentences[done]);
        carry_line_ = line;
    }
}

void meeting::close_utterance(change_set& changes) {
    if (!open_)
        return;
    if (!carry_.empty()) {
        auto const rest = std::move(carry_);
        carry_.clear();
        process_sentence(rest, carry_line_, changes);
    }
    open_ = false;
    auto const& u = utterances_.back();
    if (proposal_ && u.id > proposal_->utterance && !u.continues &&
        ++proposal_->utterances_after >= proposal_window)
        confirm_proposal(changes);
    if (!u.continues)
        record_turn(u, changes);
    if (aligned()) {
        if (minutes_dirty_ && pool_.size() >= next_refresh_) {
            refresh_minutes();
            changes.agenda.push_back(agenda_.size() - 1);
        }
        follow_alignment(changes);
        return;
    }
    check_presentation_start(changes);
    check_topic_shift(changes);
    if (minutes_dirty_ && pool_.size() >= next_refresh_) {
        refresh_minutes();
        changes.agenda.push_back(agenda_.size() - 1);
    }
}

void meeting::process_sentence(std::string_view sentence, protocol::line_number line,
                               change_set& changes) {
    auto const& u = utterances_.back();
    auto const speaker = u.speaker;
    // Sentences longer than this are run-ons or garbage: no cue or minute is read from them.
    if (sentence.size() > 2000)
        sentence = sentence.substr(0, 2000);
    auto const t = tokenize(sentence);
    if (speaker && *speaker >= procedural_.size())
        procedural_.resize(*speaker + 1);

    follow_proposal(sentence, t, line, changes);
    if (awaiting_title_ && *awaiting_title_ == u.id)
        title_awaited_item(sentence, changes);
    bool const procedure = follow_cue(detect_agenda_cue(sentence, t), t, line, changes);
    note_hubs(t, changes);
    note_identity(sentence, t, speaker, changes);
    ++item_sentences_;
    ++sentence_counts_[u.id];
    if (!has_cues_)
        note_topic_words(sentence, line);
    // A line may start several sentences: each is a bullet of its own.
    auto const part = last_sentence_.utterance == u.id && last_sentence_.line == line
                          ? last_sentence_.part + 1
                          : 0u;
    last_sentence_ = {u.id, line, speaker, part};
    read_minutes(sentence, t, last_sentence_, procedure, changes);
}

void meeting::follow_proposal(std::string_view sentence, std::vector<token> const& t,
                              protocol::line_number line, change_set& changes) {
    auto const& u = utterances_.back();
    // A proposer who goes straight on in the same turn has moved the meeting on.
    if (proposal_ && u.id == proposal_->utterance && line >= proposal_->line && !t.empty() &&
        t.back().lower != "?") {
        confirm_proposal(changes);
    } else if (proposal_ && u.id > proposal_->utterance) {
        // Others going back to the old item means the proposal was not taken up.
        auto const words = content_words(sentence);
        if (overlap(words, proposal_->old_words) > 0 && overlap(words, proposal_->new_words) == 0) {
            if (!proposal_->title.empty() || proposal_->number)
                add_cue(proposal_->utterance,
                        {proposal_->title, proposal_->number, true, proposal_->ahead});
            proposal_.reset();
        }
    }
}

void meeting::title_awaited_item(std::string_view sentence, change_set& changes) {
    // The sentence after "we go to agenda item number 2" names it: "That is the DC main
    // session".
    auto title = presentation_title(sentence).value_or(title_from_phrase(sentence));
    if (!title.empty()) {
        set_title(agenda_.back(), std::move(title));
        changes.agenda.push_back(agenda_.size() - 1);
    }
    awaiting_title_.reset();
}

bool meeting::follow_cue(agenda_cue const& cue, std::vector<token> const& t,
                         protocol::line_number line, change_set& changes) {
    auto const& u = utterances_.back();
    auto const speaker = u.speaker;
    auto& current = agenda_.back();
    bool const same = !cue.title.empty() && same_title(cue.title, current.title);
    // A chair's cue is evidence for the item it names, a proposal once it is taken up; with
    // a known agenda the alignment places the items.
    if (cue.kind == cue_kind::transition && (!cue.title.empty() || cue.number))
        turn_cues_.push_back({cue.title, cue.number, false, cue.ahead});
    // A sentence that moves the agenda, or runs the meeting ("over to you", "the agenda",
    // "any objections?"), is procedure, not a point of the discussion.
    bool procedure = true;
    switch (cue.kind) {
    case cue_kind::transition:
        if (!same && !aligned()) {
            // "Next we have Dan": the chair gives the floor in a discussion, not a new item.
            if (cue.next_call && names_presenter(cue.title))
                break;
            has_cues_ = true;
            // A chair who numbers the items moves the meeting through them: their cues place
            // the items, and how the talk moves on no longer does.
            numbered_ = numbered_ || cue.number.value_or(0) >= 1;
            open_item(cue.title, line, u.id, cue.number, changes);
            if (agenda_.back().title.empty())
                awaiting_title_ = u.id;
        }
        if (speaker)
            count_procedural(*speaker, 3);
        break;
    case cue_kind::proposal:
        if (!same) {
            proposal_ = proposal{cue.title,
                                 cue.number,
                                 cue.ahead,
                                 line,
                                 u.id,
                                 0,
                                 content_words(current.title),
                                 content_words(cue.title)};
        }
        if (speaker)
            count_procedural(*speaker, 2);
        break;
    case cue_kind::adoption:
    case cue_kind::minutes_approval:
        has_cues_ = true; // a meeting that adopts an agenda moves through it by cues
        // The opening item is named after the formalities it settles.
        if (!aligned() && agenda_.size() == 1 && !current.known_index &&
            opening_formalities_ != title_state::presented) {
            bool const minutes = cue.kind == cue_kind::minutes_approval ||
                                 opening_formalities_ == title_state::minutes ||
                                 opening_formalities_ == title_state::both;
            bool const agenda = cue.kind == cue_kind::adoption ||
                                opening_formalities_ == title_state::agenda ||
                                opening_formalities_ == title_state::both;
            opening_formalities_ = minutes && agenda ? title_state::both
                                   : minutes         ? title_state::minutes
                                                     : title_state::agenda;
            current.title = minutes && agenda ? "Approval of the minutes and adoption of the agenda"
                            : agenda          ? "Opening and adoption of the agenda"
                                              : "Approval of the minutes";
        }
        if (speaker)
            count_procedural(*speaker, 2);
        changes.agenda.push_back(agenda_.size() - 1);
        break;
    case cue_kind::none:
        procedure = is_procedural(t);
        if (speaker && procedure)
            count_procedural(*speaker, 1);
        break;
    }
    return procedure;
}

void meeting::count_procedural(participant_id speaker, int points) {
    // A chair moves every item on; a presenter who talks about procedure moves only theirs.
    constexpr int per_item = 4;
    if (procedural_item_.size() < procedural_.size())
        procedural_item_.resize(procedural_.size());
    auto& [item, so_far, items] = procedural_item_[speaker];
    if (items == 0 || item != agenda_.size()) {
        item = agenda_.size();
        so_far = 0;
        ++items;
    }
    auto const counted = std::min(points, per_item - so_far);
    so_far += counted;
    procedural_[speaker] += counted;
}

void meeting::set_title(agenda_item& item, std::string title) {
    if (known_.empty()) {
        item.title = std::move(title);
        return;
    }
    // A title that names no known item still moves the meeting on: to the next known one.
    auto k = match_known_title(title, known_);
    if (!k && last_known_ < known_.size() && !item.known_index)
        k = last_known_;
    if (k) {
        item.known_index = *k;
        item.title = known_[*k];
        last_known_ = std::max(last_known_, *k + 1);
    } else if (!item.known_index) {
        item.title = std::move(title);
    }
}

void meeting::open_item(std::string title, protocol::line_number line, std::size_t first_utterance,
                        std::optional<int> number, change_set& changes) {
    // Sentences from `line` on belong to the new item; the old one's minutes are settled
    // without them.
    auto moved = pool_.take_from(line);
    minutes_dirty_ = true;
    refresh_minutes();
    auto& old = agenda_.back();
    if (old.title.empty())
        old.title = "Item " + std::to_string(old.n);

    // No item is found by how the meeting moves on right after one a cue started.
    starts_.started(static_cast<std::size_t>(turn_from(first_utterance) - turns_.begin()));
    agenda_item item;
    item.n = agenda_.size() + 1;
    item.start_line = line;
    item.first_utterance = first_utterance;
    item.started = utterances_.at(first_utterance).at;
    // Text spoken since the item started moves with it (a transition found late).
    auto const moves = [&](auto const& x) { return x.from.line >= line; };
    for (auto* list : {&old.next_steps, &old.decisions}) {
        for (auto const& a : *list)
            if (moves(a))
                (list == &old.next_steps ? item.next_steps : item.decisions).push_back(a);
        std::erase_if(*list, moves);
    }
    pool_ = {};
    for (auto& c : moved)
        pool_.add(std::move(c));
    item_sentences_ = pool_.size();
    // Each item's calls for consensus over again, with only its own sentences.
    consensus_call kept;
    call_ = {};
    for (auto it =
             std::lower_bound(sources_.begin(), sources_.end(), old.first_utterance,
                              [](minute_source const&m, std::size_t u) { return m.utterance < u; });
         it != sources_.end(); ++it)
        if (it->move)
            (moves(*it->move) ? call_ : kept).read(*it->move);
    set_outcome(old.decisions, kept.outcome(stage_named(tokenize(old.title)), first_utterance));
    for (auto i = first_utterance + 1; i < utterances_.size(); ++i) {
        utterances_[i].agenda_item = agenda_.size();
        changes.utterances.push_back(i); // a live view shows them under the new item
    }

    if (!known_.empty()) {
        // A numbered cue names the known item; otherwise the title, else the next in order.
        if (number && *number >= 1 && static_cast<std::size_t>(*number) <= known_.size()) {
            item.known_index = static_cast<std::size_t>(*number - 1);
            item.title = known_[*item.known_index];
            last_known_ = *item.known_index + 1;
        } else if (!title.empty() || last_known_ < known_.size()) {
            set_title(item, std::move(title));
        }
    } else {
        item.title = std::move(title);
    }
    set_outcome(item.decisions, call_.outcome(stage_named(tokenize(item.title))));
    agenda_.push_back(std::move(item));
    std::erase_if(recent_, [&](auto const& r) { return r.line < line; });
    valley_.reset();
    item_words_ = 0;
    minutes_dirty_ = true;
    refresh_minutes();
    proposal_.reset();
    changes.agenda.push_back(agenda_.size() - 2);
    changes.agenda.push_back(agenda_.size() - 1);
    changes.meta = true;
}

void meeting::confirm_proposal(change_set& changes) {
    auto const p = std::move(*proposal_);
    proposal_.reset();
    if (!p.title.empty() || p.number)
        add_cue(p.utterance, {p.title, p.number, false, p.ahead});
    if (aligned())
        return;
    has_cues_ = true;
    numbered_ = numbered_ || p.number.has_value();
    open_item(p.title, p.line, p.utterance, p.number, changes);
    if (p.title.empty())
        awaiting_title_ = p.utterance;
}

std::string meeting::opening_of(utterance const& u) const {
    // Five sentences of at most 800 bytes in all are read: the rest of a long turn is not.
    auto const sentences = split_sentences(protocol::utf8_prefix(u.text, 2000));
    std::string opening;
    for (std::size_t i = 0; i < sentences.size() && i < 5 && opening.size() < 800; ++i) {
        opening += sentences[i];
        opening += ' ';
    }
    return opening;
}

void meeting::check_presentation_start(change_set& changes) {
    auto const& u = utterances_.back();
    auto& item = agenda_.back();
    // A continuation is the middle of a turn: it presents nothing the turn's start did not.
    if (!u.speaker || u.words < 40 || u.continues)
        return;
    // An item that has no name yet takes it from its first presenter.
    bool const untitled =
        item.title.empty() ||
        (agenda_.size() == 1 && opening_formalities_ == title_state::none && !item.known_index);
    if (!untitled || u.id > item.first_utterance + 3)
        return;
    // The first item is "Opening" unless its first speaker clearly presents something.
    if (auto t = presentation_title(opening_of(u), agenda_.size() == 1)) {
        set_title(item, std::move(*t));
        if (agenda_.size() == 1)
            opening_formalities_ = title_state::presented;
        changes.agenda.push_back(agenda_.size() - 1);
    }
}

void meeting::start_found_item(std::size_t turn, change_set& changes) {
    auto const& u = utterances_[turns_[turn].utterance];
    if (u.id <= agenda_.back().first_utterance)
        return;
    // Named by what its presenter says it presents, else by who presents it.
    auto title = presentation_title(opening_of(u));
    if (!title && u.speaker)
        title = "Presentation by " + people_.at(*u.speaker).name;
    if (!title)
        return; // an item nobody could name is no help to a reader
    has_cues_ = true;
    open_item(std::move(*title), u.line, u.id, std::nullopt, changes);
    // The turn that starts the item is its first (it is closed: turns are weighed later).
    utterances_[u.id].agenda_item = agenda_.size() - 1;
    changes.utterances.push_back(u.id);
}

void meeting::refresh_minutes() {
    if (!minutes_dirty_ || agenda_.empty())
        return;
    minutes_dirty_ = false;
    auto& item = agenda_.back();
    item.key_points =
        choose_key_points(pool_, item.title, item_sentences_, people_, item.key_points);
    // Chosen again once the item has a quarter more candidates (and when it closes): a
    // viewer's key points change a few times as an item unfolds, not with every sentence.
    next_refresh_ = std::max(pool_.size() + 1, pool_.size() * 5 / 4);
}

void meeting::set_pending(std::vector<protocol::caption_event> const& events, change_set& changes) {
    std::vector<pending_turn> next;
    for (auto const& e : events) {
        if (auto const* t = std::get_if<protocol::turn_event>(&e)) {
            next.push_back({t->speaker, false, {}});
            continue;
        }
        std::string piece;
        if (auto const* x = std::get_if<protocol::text_event>(&e))
            piece = x->text;
        else if (auto const* a = std::get_if<protocol::annotation_event>(&e))
            piece = '(' + a->text + ')';
        else
            continue;
        if (next.empty())
            next.push_back({{}, open_, {}});
        if (!next.back().text.empty())
            next.back().text.push_back(' ');
        next.back().text += piece;
    }
    bool const changed =
        next.size() != pending_.size() ||
        !std::equal(next.begin(), next.end(), pending_.begin(), [](auto const& a, auto const& b) {
            return a.speaker_label == b.speaker_label && a.text == b.text &&
                   a.continues_current == b.continues_current;
        });
    if (changed) {
        pending_ = std::move(next);
        changes.pending = true;
    }
}

void meeting::finish(time_point, change_set& changes) {
    if (ended_)
        return;
    close_utterance(changes);
    if (proposal_ && proposal_->utterances_after > 0)
        confirm_proposal(changes);
    proposal_.reset();
    if (!aligned())
        for (auto const start : starts_.finish())
            if (!numbered_)
                start_found_item(start, changes);
    if (aligned()) {
        aligner_.finish();
        follow_alignment(changes);
    }
    refresh_minutes();
    if (!agenda_.empty()) {
        auto& last = agenda_.back();
        set_outcome(last.decisions,
                    call_.outcome(stage_named(tokenize(last.title)), utterances_.size()));
    }
    for (std::size_t i = 0; i < agenda_.size(); ++i) {
        if (agenda_[i].title.empty()) {
            agenda_[i].title = "Item " + std::to_string(agenda_[i].n);
            changes.agenda.push_back(i);
        }
    }
    if (!agenda_.empty())
        changes.agenda.push_back(agenda_.size() - 1);
    pending_.clear();
    ended_ = true;
    changes.ended = true;
    changes.pending = true;
}

} // namespace minuted::summariser
