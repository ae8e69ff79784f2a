// meeting's minutes of each sentence: key points, decisions, calls for consensus and next steps
// of the item under way.
#include "summariser/meeting.hpp"
#include "summariser/minutes.hpp"
#include "summariser/text.hpp"

namespace minuted::summariser {

void meeting::read_minutes(std::string_view sentence, std::vector<token> const& t, sentence_ref ref,
                           bool procedure, change_set& changes) {
    auto const speaker = ref.speaker;
    auto& item = agenda_.back();
    minute_source source{ref.utterance, {}, {}, {}, {}};
    source.key_point = !procedure ? make_candidate(sentence, t, ref, people_) : std::nullopt;
    if (source.key_point) {
        pool_.add(*source.key_point);
        minutes_dirty_ = true;
    }
    source.decision =
        extract_decision(sentence, t, speaker_name(speaker), people_, item.title, ref);
    source.move = read_consensus_move(sentence, t, ref);
    if (source.move) {
        call_.read(*source.move);
        if (set_outcome(item.decisions, call_.outcome(stage_named(tokenize(item.title)))))
            changes.agenda.push_back(agenda_.size() - 1);
    }
    if (source.decision) {
        add_action(item.decisions, *source.decision);
        changes.agenda.push_back(agenda_.size() - 1);
    } else {
        source.next_steps = extract_next_steps(sentence, t, speaker_name(speaker), people_, ref);
        for (std::size_t i = 0; i < source.next_steps.size(); ++i)
            source.next_steps[i].from.nth = static_cast<std::uint32_t>(i);
        for (auto const& a : source.next_steps)
            add_action(item.next_steps, a);
        if (!source.next_steps.empty())
            changes.agenda.push_back(agenda_.size() - 1);
    }
    if (source.key_point || source.decision || !source.next_steps.empty() || source.move)
        sources_.push_back(std::move(source));
}

} // namespace minuted::summariser
