// People's edits of the transcript: a speaker's name (merging two participants) and a final
// turn's text. The rules, and the changes they make to the meeting and its participants.

#include "summariser/transcript_edits.hpp"

#include "protocol/utf8.hpp"
#include "summariser/text.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace minuted::summariser {

namespace {

edit_result refuse(edit_refusal why, std::string text, std::uint64_t revision = 0) {
    return {why, std::move(text), revision, {}};
}

// A name is one line; a turn's text may hold paragraphs.
bool has_control(std::string_view text, bool lines_allowed) {
    return std::any_of(text.begin(), text.end(), [&](char c) {
        auto const b = static_cast<unsigned char>(c);
        return (b < 0x20 && !(lines_allowed && c == '\n')) || b == 0x7f;
    });
}

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \n") == std::string_view::npos;
}

// A byte that can be part of a word: letters, digits, and any byte of a non-ASCII character.
bool is_word_byte(char c) {
    auto const b = static_cast<unsigned char>(c);
    return b >= 0x80 || std::isalnum(b) != 0;
}

edit_result check_rename(minute_edit const& e, meeting const& m) {
    auto const& people = m.participants().all();
    if (!e.speaker || *e.speaker >= people.size())
        return refuse(edit_refusal::no_such_target, "no such speaker");
    auto const& p = people[*e.speaker];
    if (p.same_as)
        return refuse(edit_refusal::no_such_target,
                      "speaker " + std::to_string(p.id) + " speaks as speaker " +
                          std::to_string(*p.same_as) + " (" + p.name + ") now");
    if (e.revision != p.revision)
        return refuse(edit_refusal::stale,
                      "the speaker changed since revision " + std::to_string(e.revision),
                      p.revision);
    if (has_control(*e.text, false))
        return refuse(edit_refusal::invalid, "a name is one line, without control characters");
    if (*e.text == p.name)
        return refuse(edit_refusal::invalid, "the speaker is called " + p.name + " already");
    return {std::nullopt, {}, p.revision + 1, {}};
}

// Where the first `units` UTF-16 code units of `text` (valid UTF-8) end, in bytes; none past
// its end or within a character.
std::optional<std::size_t> byte_of_units(std::string_view text, std::size_t units) {
    std::size_t at = 0, counted = 0;
    while (counted < units && at < text.size()) {
        auto const lead = static_cast<unsigned char>(text[at]);
        std::size_t const bytes = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        counted += bytes == 4 ? 2 : 1; // outside the BMP: a surrogate pair
        at += bytes;
    }
    if (counted != units || at > text.size())
        return std::nullopt;
    return at;
}

struct correction {
    std::string text;     // the turn's whole text after it
    std::string replaced; // the part of it before that the edit replaced
};

// The turn's text `before` with the edit's text in place of the part it names (or all of it).
std::optional<correction> correction_of(minute_edit const& e, std::string_view before) {
    if (!e.offset && !e.length)
        return correction{*e.text, std::string(before)};
    auto const begin = byte_of_units(before, e.offset.value_or(0));
    auto const end =
        begin ? byte_of_units(before, e.offset.value_or(0) + e.length.value_or(0)) : std::nullopt;
    if (!end)
        return std::nullopt;
    auto const replaced = before.substr(*begin, *end - *begin);
    return correction{std::string(before.substr(0, *begin)) + *e.text +
                          std::string(before.substr(*end)),
                      std::string(replaced)};
}

edit_result check_correction(minute_edit const& e, meeting const& m) {
    auto const& turns = m.utterances();
    if (!e.utterance || *e.utterance >= turns.size())
        return refuse(edit_refusal::no_such_target, "no such caption line");
    auto const& u = turns[*e.utterance];
    if (e.line && *e.line != u.line)
        return refuse(edit_refusal::no_such_target,
                      "turn " + std::to_string(u.id) + " starts at line " + std::to_string(u.line) +
                          ", not " + std::to_string(*e.line));
    if (u.text.empty())
        return refuse(edit_refusal::no_such_target,
                      "turn " + std::to_string(u.id) + " has no final text yet");
    if (e.revision != u.revision)
        return refuse(edit_refusal::stale,
                      "the line changed since revision " + std::to_string(e.revision), u.revision);
    if (has_control(*e.text, true))
        return refuse(edit_refusal::invalid,
                      "a caption's text has no control characters but new lines");
    auto const corrected = correction_of(e, u.text);
    if (!corrected)
        return refuse(edit_refusal::invalid,
                      "offset and length must name whole characters of the turn's text, of " +
                          std::to_string(protocol::utf16_length(u.text)) + " UTF-16 code units");
    if (is_blank(corrected->text))
        return refuse(edit_refusal::invalid, "the corrected text is needed");
    if (corrected->text == u.text)
        return refuse(edit_refusal::invalid, "the text is as it was");
    return {std::nullopt, {}, u.revision + 1, {}};
}

// The words a correction changed: from the first word that differs to the last, in the text
// before and after it. None when it only added words (nothing in a bullet to change).
std::optional<std::pair<std::string, std::string>> changed_words(std::string_view before,
                                                                 std::string_view after) {
    std::size_t head = 0;
    while (head < before.size() && head < after.size() && before[head] == after[head])
        ++head;
    while (head > 0 && is_word_byte(before[head - 1]))
        --head;
    std::size_t tail = 0;
    auto const most = std::min(before.size(), after.size()) - head;
    while (tail < most && before[before.size() - 1 - tail] == after[after.size() - 1 - tail])
        ++tail;
    while (tail > 0 && is_word_byte(before[before.size() - tail]))
        --tail;
    auto const was = before.substr(head, before.size() - tail - head);
    if (was.find_first_not_of(" \n") == std::string_view::npos)
        return std::nullopt;
    return std::pair{std::string(was), std::string(after.substr(head, after.size() - tail - head))};
}

} // namespace

bool is_transcript_edit(edit_op op) noexcept {
    return op == edit_op::speaker_rename || op == edit_op::caption_correct;
}

edit_result check_transcript_edit(minute_edit const& e, meeting const& m) {
    bool const rename = e.op == edit_op::speaker_rename;
    // A part of a turn may be replaced by nothing: a word taken out.
    bool const part = !rename && (e.offset || e.length);
    if (!e.text || (is_blank(*e.text) && !part))
        return refuse(edit_refusal::invalid,
                      rename ? "a new name is needed" : "the corrected text is needed");
    if (e.text->size() > max_edit_text_bytes)
        return refuse(edit_refusal::invalid, (rename ? "a name" : "a caption's text") +
                                                 std::string(" is at most ") +
                                                 std::to_string(max_edit_text_bytes) + " bytes");
    if (!protocol::is_valid_utf8(*e.text))
        return refuse(edit_refusal::invalid, "the text is not valid UTF-8");
    return rename ? check_rename(e, m) : check_correction(e, m);
}

edit_result apply_transcript_edit(minute_edit& e, meeting& m, change_set& changes) {
    auto result = check_transcript_edit(e, m);
    if (result.refused)
        return result;
    time_point const at{std::chrono::milliseconds(e.at_ms)};
    if (e.op == edit_op::speaker_rename) {
        m.rename_participant(*e.speaker, *e.text, e.by, changes);
        // Merged, the participant that stands is the other one: its revision is the answer.
        auto const& p = m.participants().at(*e.speaker);
        result.revision = m.participants().at(p.same_as.value_or(p.id)).revision;
        return result;
    }
    auto corrected = correction_of(e, m.utterances().at(*e.utterance).text);
    e.original = std::move(corrected->replaced);
    m.correct_utterance(*e.utterance, std::move(corrected->text), e.by, at, changes);
    return result;
}

std::string replaced_text(minute_edit const& e, meeting const& m) {
    auto const c = correction_of(e, m.utterances().at(*e.utterance).text);
    return c ? c->replaced : std::string{};
}

void put_transcript_fields(boost::json::object& o, minute_edit const& e) {
    if (e.speaker)
        o["speaker"] = *e.speaker;
    if (e.line) // the utterance is written with the agenda edits' fields, which share it
        o["line"] = *e.line;
    if (e.original)
        o["original"] = *e.original;
    if (e.offset)
        o["offset"] = *e.offset;
    if (e.length)
        o["length"] = *e.length;
}

bool read_transcript_fields(boost::json::object const& o, minute_edit& e) {
    auto const number = [&](char const* key) -> std::optional<std::uint64_t> {
        auto const* f = o.if_contains(key);
        if (f && f->is_uint64())
            return f->get_uint64();
        if (f && f->is_int64() && f->get_int64() >= 0)
            return static_cast<std::uint64_t>(f->get_int64());
        return std::nullopt;
    };
    for (auto const key : {"speaker", "utterance", "line", "offset", "length"})
        if (o.contains(key) && !number(key))
            return false;
    if (auto const n = number("offset"))
        e.offset = static_cast<std::size_t>(*n);
    if (auto const n = number("length"))
        e.length = static_cast<std::size_t>(*n);
    if (auto const n = number("speaker"))
        e.speaker = static_cast<std::size_t>(*n);
    if (auto const n = number("line")) {
        if (*n > UINT32_MAX)
            return false;
        e.line = static_cast<std::uint32_t>(*n);
    }
    if (auto const* f = o.if_contains("original")) {
        if (!f->is_string())
            return false;
        e.original = std::string(f->get_string());
    }
    return true;
}

std::string respell(std::string_view text, std::string_view from, std::string_view to) {
    if (from.empty() || from == to)
        return std::string(text);
    std::string out;
    std::size_t done = 0;
    for (auto at = text.find(from); at != std::string_view::npos; at = text.find(from, at + 1)) {
        auto const end = at + from.size();
        bool const whole = (at == 0 || !is_word_byte(text[at - 1])) &&
                           (end == text.size() || !is_word_byte(text[end]));
        if (!whole || at < done)
            continue;
        out.append(text.substr(done, at - done)).append(to);
        done = end;
    }
    return out.append(text.substr(done));
}

// The participants' side: names and merges a person made.

void participant_registry::set_name(participant_id id, std::string name, std::string by) {
    auto& p = participants_.at(id);
    auto key = label_key(name);
    if (!exact(key))
        keys_.push_back({std::move(key), id});
    p.name = std::move(name);
    p.renamed_by = std::move(by);
    ++p.revision;
    share_names();
}

void participant_registry::merge(participant_id from, participant_id into, std::string by) {
    auto& f = participants_.at(from);
    auto& p = participants_.at(into);
    p.aliases.push_back(f.label);
    p.aliases.insert(p.aliases.end(), f.aliases.begin(), f.aliases.end());
    p.turns += std::exchange(f.turns, 0);
    p.words += std::exchange(f.words, 0);
    if (p.organisation.empty())
        p.organisation = f.organisation;
    if (p.roster_role.empty())
        p.roster_role = f.roster_role;
    p.renamed_by = std::move(by);
    ++p.revision;
    f.same_as = into;
    for (auto& r : participants_)
        if (r.same_as == from)
            r.same_as = into;
    for (auto& k : keys_)
        if (k.id == from)
            k.id = into;
    share_names();
}

std::optional<participant_id> participant_registry::named(std::string_view name) const {
    auto const key = label_key(name);
    for (auto const& p : participants_) {
        if (p.same_as)
            continue;
        bool const alias = std::any_of(p.aliases.begin(), p.aliases.end(),
                                       [&](std::string const& a) { return label_key(a) == key; });
        if (label_key(p.name) == key || label_key(p.label) == key || alias)
            return p.id;
    }
    return std::nullopt;
}

void participant_registry::recount_words(participant_id id, std::size_t before, std::size_t after) {
    auto& p = participants_.at(participants_.at(id).same_as.value_or(id));
    p.words = p.words - std::min(before, p.words) + after;
}

// The meeting's side.

void meeting::correct_utterance(std::size_t id, std::string text, std::string by, time_point at,
                                change_set& changes) {
    auto& u = utterances_.at(id);
    auto const words = word_count(text);
    total_words_ = total_words_ - std::min(u.words, total_words_) + words;
    if (u.speaker) {
        people_.recount_words(*u.speaker, u.words, words);
        changes.participants.push_back(*u.speaker);
    }
    u.words = words;
    auto const change = changed_words(u.text, text);
    u.text = std::move(text);
    u.corrected_by = std::move(by);
    u.corrected_at = at;
    ++u.revision;
    changes.utterances.push_back(id);
    if (change) {
        respell_minutes(change->first, change->second, id);
        for (std::size_t i = 0; i < agenda_.size(); ++i)
            changes.agenda.push_back(i);
    }
}

void meeting::rename_participant(participant_id from, std::string const& to, std::string by,
                                 change_set& changes) {
    auto const old_name = people_.at(from).name;
    auto into = people_.named(to);
    if (into && *into != from) {
        people_.merge(from, *into, std::move(by));
        for (auto& u : utterances_)
            if (u.speaker == from) {
                u.speaker = *into;
                changes.utterances.push_back(u.id);
            }
        // Who chairs counts what both did.
        auto const most = std::max(from, *into) + 1;
        if (procedural_.size() < most)
            procedural_.resize(most);
        if (procedural_item_.size() < most)
            procedural_item_.resize(most);
        procedural_[*into] += std::exchange(procedural_[from], 0);
        auto& moves = procedural_item_[*into];
        moves.items = std::max(moves.items, std::exchange(procedural_item_[from], {}).items);
    } else {
        people_.set_name(from, to, std::move(by));
    }
    respell_minutes(old_name, people_.at(from).name);
    for (auto const& p : people_.all())
        changes.participants.push_back(p.id);
    for (std::size_t i = 0; i < agenda_.size(); ++i)
        changes.agenda.push_back(i);
    changes.meta = true; // the chair's name, and roles
}

void meeting::respell_minutes(std::string_view from, std::string_view to,
                              std::optional<std::size_t> utterance) {
    auto const mine = [&](sentence_ref const& r) {
        return !utterance || r.utterance == *utterance;
    };
    auto const point = [&](key_point& k) {
        if (mine(k.from))
            k.text = respell(k.text, from, to);
    };
    auto const action = [&](action_item& a) {
        if (!mine(a.from))
            return;
        a.text = respell(a.text, from, to);
        a.who = respell(a.who, from, to);
    };
    for (auto& item : agenda_) {
        std::for_each(item.key_points.begin(), item.key_points.end(), point);
        std::for_each(item.decisions.begin(), item.decisions.end(), action);
        std::for_each(item.next_steps.begin(), item.next_steps.end(), action);
    }
    // What the open item chooses from, and what an item rebuilt after an alignment moves it
    // reads again.
    pool_.respell(utterance, from, to);
    for (auto& s : sources_) {
        if (s.key_point && mine(s.key_point->from))
            s.key_point->text = respell(s.key_point->text, from, to);
        if (s.decision)
            action(*s.decision);
        std::for_each(s.next_steps.begin(), s.next_steps.end(), action);
    }
}

void key_point_pool::respell(std::optional<std::size_t> utterance, std::string_view from,
                             std::string_view to) {
    for (auto& c : candidates_)
        if (!utterance || c.from.utterance == *utterance)
            c.text = summariser::respell(c.text, from, to);
}

} // namespace minuted::summariser
