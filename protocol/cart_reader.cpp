#include "protocol/cart_reader.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace minuted::protocol {

namespace {

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t';
}
bool is_upper(char c) noexcept {
    return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) noexcept {
    return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) noexcept {
    return is_upper(c) || is_lower(c) || static_cast<unsigned char>(c) >= 0x80;
}
char to_lower(char c) noexcept {
    return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
    auto const it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                                [](char a, char b) { return to_lower(a) == to_lower(b); });
    return it != hay.end();
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return to_lower(x) == to_lower(y);
           });
}

// Phrases of the disclaimers and headers that CART providers put around a transcript.
constexpr auto boilerplate_phrases = std::to_array<std::string_view>({
    "services provided by",
    "this text is being provided in a",
    "communication access realtime translation",
    "totally verbatim record",
    "not to be distributed or used",
    "outputs of the captioning",
    "captioning taken during",
});

// Before the speech one phrase is enough. Once people speak, one of them may well say
// "the services provided by the secretariat"; a disclaimer then needs two phrases, as every
// provider's disclaimer has.
bool is_boilerplate(std::string_view line, bool in_header) noexcept {
    if (iequals(line, "RAW FILE") || iequals(line, "ROUGH DRAFT") ||
        iequals(line, "ROUGH EDITED COPY"))
        return true;
    auto const phrases = std::count_if(boilerplate_phrases.begin(), boilerplate_phrases.end(),
                                       [&](std::string_view p) { return icontains(line, p); });
    return phrases >= (in_header ? 1 : 2);
}

// Lower-case words that may stand inside an upper-case name: "YASMIN CURZI de MENDONCA".
constexpr auto name_particles = std::to_array<std::string_view>({
    "de",  "da", "das", "do", "dos", "du", "del", "della", "der", "den", "van",
    "von", "la", "le",  "di", "bin", "al", "el",  "y",     "ter", "ten", "zu",
});

bool is_particle(std::string_view w) noexcept {
    return std::find(name_particles.begin(), name_particles.end(), w) != name_particles.end();
}

// A speaker label is what stands between ">>" and the first ':' when it reads as a name or a
// role: upper case ("MARKUS KUMMER", "IGF SECRETARIAT"), or two or more capitalised words
// ("Courtney Rausch"). "Yes: we agree" or "http://..." are speech, not labels.
bool is_speaker_label(std::string_view label) noexcept {
    if (label.empty() || label.size() > 80)
        return false;
    bool has_letter = false;
    for (char c : label) {
        if (is_alpha(c)) {
            has_letter = true;
            continue;
        }
        if ((c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '\'' || c == '.' || c == '(' ||
            c == ')' || c == '&' || c == '/' || c == ',')
            continue;
        return false;
    }
    if (!has_letter)
        return false;

    std::size_t words = 0;
    bool all_upper = true;
    bool all_capitalised = true;
    std::size_t pos = 0;
    while (pos < label.size()) {
        auto const end = std::min(label.find(' ', pos), label.size());
        auto const w = label.substr(pos, end - pos);
        pos = end + 1;
        if (w.empty())
            continue;
        ++words;
        if (is_particle(w))
            continue;
        if (std::any_of(w.begin(), w.end(), is_lower))
            all_upper = false;
        auto const first = std::find_if(w.begin(), w.end(), is_alpha);
        if (first != w.end() && is_lower(*first))
            all_capitalised = false;
    }
    if (words == 0 || words > 8)
        return false;
    return all_upper || (all_capitalised && words >= 2);
}

// Parenthesised notes that captioners type instead of speech.
constexpr auto annotation_words = std::to_array<std::string_view>({
    "laughing",    "laughter",      "laughs",         "applause",  "talking",     "crosstalk",
    "inaudible",   "indiscernible", "unintelligible", "silence",   "pause",       "music",
    "audio",       "poor",          "coughing",       "chuckling", "chuckles",    "speaking",
    "overlapping", "multiple",      "background",     "off",       "muted",       "no",
    "video",       "technical",     "break",          "recess",    "interpreter", "interpretation",
    "captioner",   "sound",
});

bool is_annotation(char open, std::string_view inner) noexcept {
    inner = trim(inner);
    if (inner.empty() || inner.size() > 40)
        return false;
    if (inner.find_first_not_of('?') == std::string_view::npos)
        return true; // "(?)": the captioner is unsure of the word before
    if (open == '[')
        return std::all_of(inner.begin(), inner.end(), [](char c) {
            return is_alpha(c) || c == ' ' || c == '-' || c == '\'' || c == '?';
        });
    auto const first = inner.substr(0, std::min(inner.find(' '), inner.size()));
    std::string lowered(first);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), to_lower);
    if (lowered == "no" || lowered == "off")
        return inner.size() > first.size(); // "(no audio)", "(off mic)", not "(no)"
    return std::find(annotation_words.begin(), annotation_words.end(), lowered) !=
           annotation_words.end();
}

// Finds the next annotation in `s` at or after `from`: [begin, end) including brackets.
std::optional<std::pair<std::size_t, std::size_t>> find_annotation(std::string_view s,
                                                                   std::size_t from) noexcept {
    for (auto i = s.find_first_of("([", from); i != std::string_view::npos;
         i = s.find_first_of("([", i + 1)) {
        char const open = s[i];
        char const close = open == '(' ? ')' : ']';
        if (open == '[' && ((i > 0 && s[i - 1] == '[') || (i + 1 < s.size() && s[i + 1] == '[')))
            continue; // [[Get]]: code, not a note
        auto const end = s.find_first_of(open == '(' ? "()" : "[]", i + 1);
        if (end == std::string_view::npos || s[end] != close || end - i > 42)
            continue;
        if (open == '[' && end + 1 < s.size() && (s[end + 1] == '(' || s[end + 1] == ']'))
            continue; // a Markdown link
        if (is_annotation(open, s.substr(i + 1, end - i - 1)))
            return std::pair{i, end + 1};
    }
    return std::nullopt;
}

void append_normalised(std::string& out, char32_t cp) {
    switch (cp) {
    case 0x00A0: // no-break space
    case 0x2007: // figure space
    case 0x202F: // narrow no-break space
        out.push_back(' ');
        return;
    case 0x2010: // hyphen
    case 0x2011: // non-breaking hyphen
        out.push_back('-');
        return;
    default:
        append_utf8(out, cp);
    }
}

} // namespace

void line_parser::parse(std::string_view line, line_number n, bool continues,
                        std::vector<caption_event>& out) {
    if (continues) {
        // The rest of an over-long line: more of the same speech, no markers to look for.
        emit_speech(line, n, false, out);
        return;
    }
    line = trim(line);
    if (line.empty()) {
        blank_before_ = true;
        return;
    }
    if (line.starts_with(">>")) {
        in_header_ = false;
        blank_before_ = false;
        auto rest = trim(line.substr(2));
        std::string speaker;
        if (auto const colon = rest.find(':'); colon != std::string_view::npos) {
            auto const label = trim(rest.substr(0, colon));
            if (is_speaker_label(label)) {
                // Collapse runs of spaces so "CHRIS  MARSDEN" and "CHRIS MARSDEN" agree.
                for (char c : label)
                    if (c != ' ' || (!speaker.empty() && speaker.back() != ' '))
                        speaker.push_back(c);
                rest = trim(rest.substr(colon + 1));
            }
        }
        out.emplace_back(turn_event{n, std::move(speaker)});
        emit_speech(rest, n, false, out);
        return;
    }
    if (is_boilerplate(line, in_header_)) {
        out.emplace_back(metadata_event{n, metadata_kind::boilerplate, std::string(line)});
        return;
    }
    // Before the first turn, short lines are the file's header: title, date, provider.
    if (in_header_ && line.size() <= 100) {
        out.emplace_back(metadata_event{n, metadata_kind::header, std::string(line)});
        return;
    }
    in_header_ = false;
    emit_speech(line, n, std::exchange(blank_before_, false), out);
}

void line_parser::emit_speech(std::string_view text, line_number n, bool paragraph,
                              std::vector<caption_event>& out) {
    std::size_t pos = 0;
    auto emit_text = [&](std::string_view piece) {
        piece = trim(piece);
        if (piece.empty())
            return;
        out.emplace_back(text_event{n, std::string(piece), std::exchange(paragraph, false)});
    };
    while (auto const a = find_annotation(text, pos)) {
        emit_text(text.substr(pos, a->first - pos));
        auto const inner = trim(text.substr(a->first + 1, a->second - a->first - 2));
        out.emplace_back(annotation_event{n, std::string(inner)});
        pos = a->second;
    }
    emit_text(text.substr(pos));
}

cart_reader::cart_reader(reader_options options) : options_(options), parser_(options.source) {
    options_.max_tail_bytes = std::max<std::size_t>(options_.max_tail_bytes, 64);
}

void cart_reader::put(std::string_view bytes, std::vector<caption_event>& out) {
    stats_.bytes += bytes.size();
    decoder_.put(bytes, [&](char32_t cp) { on_code_point(cp, out); });
    stats_.invalid_utf8 = decoder_.invalid();
}

void cart_reader::on_code_point(char32_t cp, std::vector<caption_event>& out) {
    if (cp == '\r' || cp == 0xFEFF)
        return; // CRLF counts as one line break; a byte-order mark is not text
    // Caption services (StreamText's caption URL) send DEL for a deleted character, as
    // stenography software sends backspace.
    if (cp == '\b' || cp == 0x7F) {
        if (erase_one())
            ++stats_.erased;
        else
            ++stats_.erase_rejected;
        return;
    }
    if (cp == '\t')
        cp = ' ';
    if (cp == '\n') {
        tail_.push_back('\n');
        if (++tail_newlines_ >= 2)
            commit_line(out);
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
        ++stats_.control_chars;
        return;
    } else {
        append_normalised(tail_, cp);
    }
    if (tail_.size() > options_.max_tail_bytes) {
        if (tail_newlines_ > 0)
            commit_line(out);
        else
            commit_piece(out);
    }
}

bool cart_reader::erase_one() {
    if (tail_.empty())
        return false;
    // Step back over UTF-8 continuation bytes to the start of the last code point.
    auto i = tail_.size() - 1;
    while (i > 0 && (static_cast<unsigned char>(tail_[i]) & 0xC0) == 0x80)
        --i;
    if (tail_[i] == '\n')
        --tail_newlines_;
    tail_.resize(i);
    return true;
}

std::size_t cart_reader::erase(std::size_t n) {
    std::size_t done = 0;
    while (done < n && erase_one())
        ++done;
    stats_.erased += done;
    if (done < n)
        stats_.erase_rejected += n - done;
    return done;
}

void cart_reader::commit_line(std::vector<caption_event>& out) {
    auto const nl = tail_.find('\n');
    parser_.parse(std::string_view(tail_).substr(0, nl), tail_line_, tail_continues_, out);
    tail_.erase(0, nl + 1);
    --tail_newlines_;
    ++tail_line_;
    tail_continues_ = false;
    ++stats_.lines;
}

void cart_reader::commit_piece(std::vector<caption_event>& out) {
    // A line longer than the tail: commit its first half, cut at a space when there is one
    // (never inside a UTF-8 sequence), so memory stays bounded and words stay whole.
    auto const half = options_.max_tail_bytes / 2;
    auto cut = tail_.rfind(' ', half);
    if (cut == std::string::npos || cut == 0) {
        cut = half;
        while (cut > 0 && (static_cast<unsigned char>(tail_[cut]) & 0xC0) == 0x80)
            --cut;
    }
    parser_.parse(std::string_view(tail_).substr(0, cut), tail_line_, tail_continues_, out);
    tail_.erase(0, cut);
    tail_continues_ = true;
    ++stats_.split_lines;
}

void cart_reader::finish(std::vector<caption_event>& out) {
    decoder_.finish([&](char32_t cp) { on_code_point(cp, out); });
    stats_.invalid_utf8 = decoder_.invalid();
    while (tail_newlines_ > 0)
        commit_line(out);
    if (!tail_.empty()) {
        parser_.parse(tail_, tail_line_, tail_continues_, out);
        tail_.clear();
        tail_continues_ = false;
        ++stats_.lines;
    }
}

std::vector<caption_event> cart_reader::pending() const {
    std::vector<caption_event> out;
    auto parser = parser_;
    std::string_view rest = tail_;
    auto n = tail_line_;
    bool continues = tail_continues_;
    while (!rest.empty()) {
        auto const nl = std::min(rest.find('\n'), rest.size());
        parser.parse(rest.substr(0, nl), n++, std::exchange(continues, false), out);
        rest.remove_prefix(std::min(nl + 1, rest.size()));
    }
    return out;
}

} // namespace minuted::protocol
