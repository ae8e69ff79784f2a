#include "protocol/caption_file.hpp"

#include "protocol/caption_text.hpp"
#include "protocol/cart_reader.hpp"
#include "protocol/ingest.hpp"
#include "protocol/utf8.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <utility>

namespace minuted::protocol {

using namespace caption_detail;
using std::chrono::milliseconds;

namespace caption_detail {

bool decode_entity(std::string_view s, std::size_t& i, std::string& out) {
    // Looked for only as far as the longest reference goes: text with many '&' and no ';'
    // must not be scanned to its end once per '&'.
    auto const semi = s.substr(0, i + 12).find(';', i);
    if (semi == std::string_view::npos)
        return false;
    auto const name = s.substr(i + 1, semi - i - 1);
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> named{{
        {"amp", "&"},
        {"lt", "<"},
        {"gt", ">"},
        {"quot", "\""},
        {"apos", "'"},
        {"nbsp", " "},
        {"lrm", ""}, // direction marks: the viewer sets direction itself (dir="auto")
        {"rlm", ""},
    }};
    for (auto const& [n, v] : named)
        if (name == n) {
            out += v;
            i = semi + 1;
            return true;
        }
    if (name.size() < 2 || name[0] != '#')
        return false;
    bool const hex = name[1] == 'x' || name[1] == 'X';
    auto const digits = name.substr(hex ? 2 : 1);
    if (digits.empty())
        return false;
    char32_t cp = 0;
    for (char c : digits) {
        unsigned d = 0;
        if (is_digit(c))
            d = static_cast<unsigned>(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = static_cast<unsigned>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = static_cast<unsigned>(c - 'A' + 10);
        else
            return false;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF)
            return false;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
        cp = replacement_character;
    append_utf8(out, cp);
    i = semi + 1;
    return true;
}

void append_clean(std::string& out, std::string_view raw) {
    utf8_decoder decoder;
    auto emit = [&](char32_t cp) {
        if (cp == '\t' || cp == 0xA0 || cp == 0x2007 || cp == 0x202F)
            cp = ' ';
        if (cp == '\n' || cp == ' ') {
            if (cp == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n'))
                return;
            out.push_back(static_cast<char>(cp));
            return;
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF || cp == 0x200E || cp == 0x200F)
            return;
        if (cp == 0x2010 || cp == 0x2011)
            cp = '-';
        append_utf8(out, cp);
    };
    decoder.put(raw, emit);
    decoder.finish(emit);
}

std::string printable(std::string_view raw) {
    std::string out;
    append_clean(out, raw.substr(0, 60));
    return raw.size() > 60 ? out + "..." : out;
}

std::string tidy_lines(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        auto const nl = std::min(text.find('\n'), text.size());
        auto const line = trim(text.substr(0, nl));
        text.remove_prefix(std::min(nl + 1, text.size()));
        if (line.empty())
            continue;
        if (!out.empty())
            out.push_back('\n');
        out += line;
    }
    return out;
}

} // namespace caption_detail

namespace {

// Lines of a text file, '\r' removed, counted from 1.
class line_cursor {
public:
    explicit line_cursor(std::string_view text) : text_(text) {}

    bool at_end() const noexcept { return pos_ >= text_.size(); }
    line_number number() const noexcept { return number_; } // of the line `peek` gives

    std::string_view peek() const noexcept {
        auto const nl = std::min(text_.find('\n', pos_), text_.size());
        auto line = text_.substr(pos_, nl - pos_);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        return line;
    }
    std::string_view next() noexcept {
        auto const line = peek();
        auto const nl = text_.find('\n', pos_);
        pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
        ++number_;
        return line;
    }
    void skip_blank() noexcept {
        while (!at_end() && trim(peek()).empty())
            next();
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    line_number number_ = 1;
};

// Reads `[hh:]mm:ss.mmm` (SRT: `hh:mm:ss,mmm`; either separator is accepted in both) at
// `s[i]`, moving `i` past it.
std::optional<milliseconds> read_timestamp(std::string_view s, std::size_t& i) {
    std::array<long long, 3> parts{};
    std::array<std::size_t, 3> widths{};
    std::size_t n = 0;
    while (true) {
        auto const begin = i;
        long long v = 0;
        while (i < s.size() && is_digit(s[i]) && i - begin < 10)
            v = v * 10 + (s[i++] - '0');
        if (i == begin)
            return std::nullopt;
        parts[n] = v;
        widths[n++] = i - begin;
        if (i < s.size() && s[i] == ':' && n < 3) {
            ++i;
            continue;
        }
        break;
    }
    if (n < 2 || i >= s.size() || (s[i] != '.' && s[i] != ','))
        return std::nullopt;
    ++i;
    auto const begin = i;
    long long ms = 0;
    while (i < s.size() && is_digit(s[i]) && i - begin < 3)
        ms = ms * 10 + (s[i++] - '0');
    if (i - begin != 3)
        return std::nullopt;
    auto const hours = n == 3 ? parts[0] : 0;
    auto const minutes = parts[n - 2];
    auto const seconds = parts[n - 1];
    if (minutes > 59 || seconds > 59 || widths[n - 1] != 2 || widths[n - 2] != 2)
        return std::nullopt;
    return milliseconds(((hours * 60 + minutes) * 60 + seconds) * 1000 + ms);
}

// A timing line, `START --> END` followed by nothing or (WebVTT) cue settings.
std::optional<std::pair<milliseconds, milliseconds>> read_timing(std::string_view line) {
    line = trim(line);
    std::size_t i = 0;
    auto const start = read_timestamp(line, i);
    if (!start)
        return std::nullopt;
    while (i < line.size() && is_blank(line[i]))
        ++i;
    if (line.substr(i, 3) != "-->")
        return std::nullopt;
    i += 3;
    while (i < line.size() && is_blank(line[i]))
        ++i;
    auto const end = read_timestamp(line, i);
    if (!end || (i < line.size() && !is_blank(line[i])))
        return std::nullopt;
    return std::pair{*start, *end};
}

std::string quoted(std::string_view s) {
    return "'" + printable(s) + "'";
}

// Checks a cue's timing line; on failure records why at `line`.
std::optional<std::pair<milliseconds, milliseconds>>
timing_of(std::string_view text, line_number line, caption_file& f, std::string_view expected) {
    auto const timing = read_timing(text);
    if (!timing) {
        fail(f, line,
             "malformed cue timing " + quoted(trim(text)) + " (expected " + std::string(expected) +
                 ")");
        return std::nullopt;
    }
    if (timing->second < timing->first) {
        fail(f, line, "the cue ends before it starts");
        return std::nullopt;
    }
    return timing;
}

bool starts_word(std::string_view line, std::string_view word) {
    return line.starts_with(word) && (line.size() == word.size() || is_blank(line[word.size()]));
}

// WebVTT cue text: tags (`<v Name>`, `<c>`, `<i>`, timestamps) taken out, entities decoded. A
// `<v>` span starts a new piece with its voice. A '<' that is not closed on its line is broken
// markup (WebVTT writes a literal '<' as "&lt;").
struct vtt_payload {
    std::vector<std::pair<std::string, std::string>> pieces; // voice, raw text
};

bool read_vtt_tag(std::string_view tag, vtt_payload& p, std::size_t& repaired) {
    bool const closing = tag.starts_with('/');
    if (closing)
        tag.remove_prefix(1);
    if (!tag.empty() && is_digit(tag.front()))
        return true; // a karaoke timestamp <00:00:01.000>
    auto const name_end = std::min(tag.find_first_of(". \t"), tag.size());
    auto const name = tag.substr(0, name_end);
    static constexpr auto known =
        std::to_array<std::string_view>({"c", "i", "b", "u", "v", "lang", "ruby", "rt"});
    if (std::find(known.begin(), known.end(), name) == known.end()) {
        ++repaired;
        return true;
    }
    if (name != "v" || closing)
        return true;
    auto const space = tag.find_first_of(" \t");
    std::string voice;
    if (space != std::string_view::npos) {
        auto const raw = trim(tag.substr(space));
        for (std::size_t i = 0; i < raw.size();)
            if (raw[i] != '&' || !decode_entity(raw, i, voice))
                voice.push_back(raw[i++]);
    }
    std::string clean;
    append_clean(clean, voice);
    p.pieces.emplace_back(std::string(trim(clean)), std::string());
    return true;
}

bool read_vtt_line(std::string_view line, line_number n, vtt_payload& p, caption_file& f) {
    if (p.pieces.empty())
        p.pieces.emplace_back();
    else if (!p.pieces.back().second.empty())
        p.pieces.back().second.push_back('\n');
    for (std::size_t i = 0; i < line.size();) {
        char const c = line[i];
        if (c == '<') {
            auto const close = line.find('>', i);
            if (close == std::string_view::npos) {
                fail(f, n,
                     "a tag is not closed: " + quoted(line.substr(i)) +
                         " (a '<' in text is written &lt;)");
                return false;
            }
            read_vtt_tag(line.substr(i + 1, close - i - 1), p, f.repaired);
            i = close + 1;
        } else if (c == '&' && decode_entity(line, i, p.pieces.back().second)) {
            continue;
        } else {
            if (c == '&')
                ++f.repaired; // WebVTT writes a literal '&' as "&amp;"
            p.pieces.back().second.push_back(c);
            ++i;
        }
    }
    return true;
}

void add_cue(caption_file& f, line_number line, std::pair<milliseconds, milliseconds> timing,
             std::string speaker, std::string_view raw) {
    std::string clean;
    append_clean(clean, raw);
    auto text = tidy_lines(clean);
    if (text.empty())
        return;
    f.cues.push_back({line, timing.first, timing.second, std::move(speaker), std::move(text)});
}

// A NOTE, STYLE or REGION block (or the file header) is skipped up to the empty line ending
// it. In WebVTT only an empty line ends a block: YouTube's cues hold lines of one space.
void skip_block(line_cursor& in) {
    while (!in.at_end() && !in.peek().empty())
        in.next();
}

// The header after "WEBVTT": lines of `Name: value` up to the first empty line or cue. YouTube
// writes `Language: en`; the rest (Kind, X-TIMESTAMP-MAP) says nothing the minutes use.
void read_vtt_header(line_cursor& in, caption_file& f) {
    in.next(); // "WEBVTT", and a title after it
    // As WebVTT's parser does, a line with "-->" ends the header: it is the first cue's.
    while (!in.at_end() && !in.peek().empty() && in.peek().find("-->") == std::string_view::npos) {
        auto const line = in.next();
        if (!line.starts_with("Language:"))
            continue;
        auto const lang = trim(line.substr(9));
        if (is_valid_language_tag(lang))
            f.lang = std::string(lang);
    }
}

void read_vtt(std::string_view text, caption_file& f) {
    line_cursor in(without_bom(text));
    read_vtt_header(in, f);
    while (!f.error) {
        in.skip_blank();
        if (in.at_end())
            return;
        auto const first = in.peek();
        if (starts_word(first, "NOTE") || starts_word(first, "STYLE") ||
            starts_word(first, "REGION")) {
            skip_block(in);
            continue;
        }
        if (first.find("-->") == std::string_view::npos) {
            auto const id_line = in.number();
            in.next(); // a cue identifier
            if (in.at_end() || in.peek().find("-->") == std::string_view::npos) {
                fail(f, id_line,
                     "a cue block without a timing line (START --> END) after " + quoted(first));
                return;
            }
        }
        auto const line = in.number();
        auto const timing =
            timing_of(in.next(), line, f, "hh:mm:ss.ttt --> hh:mm:ss.ttt, or mm:ss.ttt");
        if (!timing)
            return;
        vtt_payload payload;
        // A line with "-->" starts the next cue even without a blank line before it.
        while (!in.at_end() && !in.peek().empty() &&
               in.peek().find("-->") == std::string_view::npos) {
            auto const n = in.number();
            if (!read_vtt_line(in.next(), n, payload, f))
                return;
        }
        for (auto& [voice, raw] : payload.pieces)
            add_cue(f, line, *timing, std::move(voice), raw);
    }
}

// SRT text: <i>, <b>, <u>, <font ...> and {\an8}-style position codes taken out. SRT has no
// escape for '<', so one that does not open a tag is text.
std::string srt_text(std::string_view line, std::size_t& repaired) {
    std::string out;
    // The next '>' and '}' at or after i, found again only once i has passed them, so a line
    // of many unclosed '<' is still read in one pass.
    std::size_t gt = line.find('>'), brace = line.find('}');
    for (std::size_t i = 0; i < line.size();) {
        char const c = line[i];
        if (gt != std::string_view::npos && gt < i)
            gt = line.find('>', i);
        if (brace != std::string_view::npos && brace < i)
            brace = line.find('}', i);
        auto const close = c == '<' ? gt : c == '{' ? brace : std::string_view::npos;
        if (close != std::string_view::npos && c == '{' && line.substr(i + 1, 1) == "\\") {
            i = close + 1;
            continue;
        }
        if (close != std::string_view::npos && c == '<') {
            auto tag = line.substr(i + 1, close - i - 1);
            if (tag.starts_with('/'))
                tag.remove_prefix(1);
            auto const name = tag.substr(0, std::min(tag.find_first_of(" \t"), tag.size()));
            bool const is_tag = !name.empty() && ((name[0] >= 'a' && name[0] <= 'z') ||
                                                  (name[0] >= 'A' && name[0] <= 'Z'));
            if (is_tag) {
                if (name != "i" && name != "b" && name != "u" && name != "s" && name != "font")
                    ++repaired;
                i = close + 1;
                continue;
            }
        }
        if (c == '&' && decode_entity(line, i, out))
            continue;
        out.push_back(c);
        ++i;
    }
    return out;
}

void read_srt(std::string_view text, caption_file& f) {
    line_cursor in(without_bom(text));
    while (!f.error) {
        in.skip_blank();
        if (in.at_end())
            return;
        auto const number_line = in.number();
        auto const number = trim(in.next());
        if (number.find("-->") != std::string_view::npos) {
            fail(f, number_line, "a subtitle without its number before the timing line");
            return;
        }
        if (!std::all_of(number.begin(), number.end(), is_digit) || number.size() > 9) {
            fail(f, number_line, "expected a subtitle number, found " + quoted(number));
            return;
        }
        auto const line = in.number();
        if (in.at_end() || trim(in.peek()).empty()) {
            fail(f, number_line, "subtitle " + std::string(number) + " has no timing line");
            return;
        }
        auto const timing = timing_of(in.next(), line, f, "hh:mm:ss,mmm --> hh:mm:ss,mmm");
        if (!timing)
            return;
        std::string raw;
        while (!in.at_end() && !trim(in.peek()).empty())
            raw.append(srt_text(in.next(), f.repaired)).push_back('\n');
        add_cue(f, line, *timing, {}, raw);
    }
}

bool is_name_start(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || is_digit(c) || static_cast<unsigned char>(c) >= 0x80;
}

// The `Name` of a first line `Name: text`, if it reads as a name: up to six words, each
// capitalised (or a lower-case particle such as "de"), letters, digits and . ' - ( ) , &.
// "10:30", "http://x" and "Note that: ..." are not names.
std::optional<std::string_view> name_prefix(std::string_view text) {
    auto const colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 64)
        return std::nullopt;
    if (colon + 1 < text.size() && !is_blank(text[colon + 1]))
        return std::nullopt;
    auto const label = trim(text.substr(0, colon));
    if (label.empty() || label.find('\n') != std::string_view::npos)
        return std::nullopt;
    std::size_t words = 0;
    bool has_letter = false;
    for (std::size_t pos = 0; pos < label.size();) {
        auto const end = std::min(label.find(' ', pos), label.size());
        auto const w = label.substr(pos, end - pos);
        pos = end + 1;
        if (w.empty())
            continue;
        if (++words > 6)
            return std::nullopt;
        bool const particle = w.size() <= 3 && std::all_of(w.begin(), w.end(), [](char c) {
                                  return c >= 'a' && c <= 'z';
                              });
        auto const first = w.find_first_not_of("('\"");
        if (!particle && (first == std::string_view::npos || !is_name_start(w[first])))
            return std::nullopt;
        for (char c : w) {
            bool const letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                static_cast<unsigned char>(c) >= 0x80;
            has_letter = has_letter || letter;
            if (!letter && !is_digit(c) &&
                std::string_view(".'-(),&\"").find(c) == std::string_view::npos)
                return std::nullopt;
        }
    }
    if (!has_letter)
        return std::nullopt;
    return label;
}

// Speakers named as `Name: text` (Zoom, SRT, TTML without agents). A one-word name must start
// at least two cues, so a lone "Note: ..." or "Question: ..." stays speech.
void read_name_prefixes(caption_file& f) {
    std::unordered_map<std::string, std::size_t> starts;
    for (auto const& c : f.cues)
        if (c.speaker.empty())
            if (auto const name = name_prefix(c.text))
                ++starts[std::string(*name)];
    for (auto& c : f.cues) {
        if (!c.speaker.empty())
            continue;
        auto const name = name_prefix(c.text);
        if (!name || (name->find(' ') == std::string_view::npos && starts[std::string(*name)] < 2))
            continue;
        std::string speaker(*name);
        auto rest = trim(std::string_view(c.text).substr(name->size()));
        rest.remove_prefix(1); // the colon
        c.text = std::string(trim(rest));
        c.speaker = std::move(speaker);
    }
}

// Rolling captions (YouTube, some Teams exports) show each line twice, in the cue that
// introduces it and again as the first line of the next; YouTube holds a finished line in a
// cue of 10 ms of its own; some exports repeat a whole cue. Only what a cue adds is kept. All
// of it happens only between cues that touch or overlap in time, and a short reply said again
// ("Aye." "Aye." in a vote) stays unless its cue is such a hold.
void drop_repeats(caption_file& f) {
    constexpr std::chrono::milliseconds hold{100}; // longest "hold" cue read as a repeat
    constexpr std::size_t sentence_words = 4;      // fewer words may well be said twice
    auto const words = [](std::string_view text) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < text.size(); ++i)
            n += text[i] != ' ' && text[i] != '\n' &&
                 (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n');
        return n;
    };
    std::vector<caption_cue> kept;
    kept.reserve(f.cues.size());
    std::string previous, previous_speaker;
    std::chrono::milliseconds previous_end{-1};
    for (auto& c : f.cues) {
        std::string const whole = c.text;
        if (c.speaker == previous_speaker && !previous.empty() && c.start <= previous_end) {
            auto const last_line = std::string_view(previous).substr(previous.rfind('\n') + 1);
            if (c.text == previous || c.text == last_line) {
                if (c.start < previous_end || c.end - c.start <= hold ||
                    words(c.text) >= sentence_words)
                    c.text.clear();
            } else if (c.text.size() > last_line.size() && c.text.starts_with(last_line) &&
                       c.text[last_line.size()] == '\n') {
                c.text.erase(0, last_line.size() + 1);
            }
        }
        previous = whole;
        previous_speaker = c.speaker;
        previous_end = c.end;
        if (!c.text.empty())
            kept.push_back(std::move(c));
    }
    f.cues = std::move(kept);
}

} // namespace

caption_format detect_caption_format(std::string_view text) noexcept {
    text = without_bom(text);
    if (text.starts_with("WEBVTT") && (text.size() == 6 || is_blank(text[6])))
        return caption_format::webvtt;
    auto const body = trim(text);
    if (body.starts_with('<')) {
        auto const head = body.substr(0, 8192);
        bool const tt_root = head.find("<tt ") != std::string_view::npos ||
                             head.find("<tt>") != std::string_view::npos ||
                             head.find(":tt ") != std::string_view::npos ||
                             head.find("<tt\n") != std::string_view::npos;
        if (tt_root && head.find("http://www.w3.org/ns/ttml") != std::string_view::npos)
            return caption_format::ttml;
        return caption_format::cart;
    }
    line_cursor in(text);
    in.skip_blank();
    auto const first = trim(in.next());
    if (read_timing(first) && first.find(',') != std::string_view::npos)
        return caption_format::srt; // one without its numbers: the reader says so
    if (first.empty() || first.size() > 9 || !std::all_of(first.begin(), first.end(), is_digit))
        return caption_format::cart;
    return read_timing(in.next()) ? caption_format::srt : caption_format::cart;
}

std::string_view format_name(caption_format f) noexcept {
    switch (f) {
    case caption_format::webvtt:
        return "WebVTT";
    case caption_format::srt:
        return "SRT";
    case caption_format::ttml:
        return "TTML";
    default:
        return "CART text";
    }
}

caption_file read_caption_file(std::string_view text) {
    caption_file f;
    f.format = detect_caption_format(text);
    switch (f.format) {
    case caption_format::webvtt:
        read_vtt(text, f);
        break;
    case caption_format::srt:
        read_srt(text, f);
        break;
    case caption_format::ttml:
        read_ttml(text, f);
        break;
    default:
        fail(f, 1, "not a WebVTT, SRT or TTML file");
    }
    if (f.error) {
        f.cues.clear();
        return f;
    }
    read_name_prefixes(f);
    drop_repeats(f);
    return f;
}

namespace {

// Walks the cues as a transcript: `on_cue(cue, at, is_new_turn)` per cue, with the time never
// going back and a new turn where a named speaker changes.
template <class OnCue>
void walk_cues(caption_file const& file, OnCue&& on_cue) {
    milliseconds at{0};
    std::optional<std::string> current;
    for (auto const& c : file.cues) {
        at = std::max(at, c.start);
        bool const new_turn = !c.speaker.empty() && c.speaker != current;
        if (new_turn)
            current = c.speaker;
        on_cue(c, at, new_turn);
    }
}

} // namespace

std::vector<timed_caption_event> caption_events(caption_file const& file) {
    std::vector<timed_caption_event> out;
    line_parser parser(text_source::live);
    std::vector<caption_event> events;
    walk_cues(file, [&](caption_cue const& c, milliseconds at, bool new_turn) {
        if (new_turn)
            events.emplace_back(turn_event{c.line, c.speaker});
        std::string_view text = c.text;
        while (!text.empty()) {
            auto const nl = std::min(text.find('\n'), text.size());
            parser.parse(text.substr(0, nl), c.line, false, events);
            text.remove_prefix(std::min(nl + 1, text.size()));
        }
        for (auto& e : events)
            out.push_back({at, std::move(e)});
        events.clear();
    });
    return out;
}

// `>> Name:` as a live session's CART reader reads it. A name it would take for speech
// ("Alice", "bob smith": CART labels are upper case or two or more capitalised words) goes
// in upper case, which reads as a label and is shown as the same name.
std::string turn_marker(std::string speaker) {
    // A colon would end the label early ("Dr. Smith: Chair" is one speaker, not a speaker
    // and the start of what was said).
    std::replace(speaker.begin(), speaker.end(), ':', ',');
    auto const marker = ">> " + speaker + ": ";
    line_parser parser(text_source::live);
    std::vector<caption_event> events;
    parser.parse(marker + "x", 1, false, events);
    auto const* turn = events.empty() ? nullptr : std::get_if<turn_event>(&events.front());
    if (turn && turn->speaker == speaker)
        return marker;
    std::string upper;
    utf8_decoder decoder;
    decoder.put(speaker, [&](char32_t cp) { append_utf8(upper, simple_upper(cp)); });
    return ">> " + upper + ": ";
}

std::vector<timed_caption_line> caption_lines(caption_file const& file) {
    std::vector<timed_caption_line> out;
    walk_cues(file, [&](caption_cue const& c, milliseconds at, bool new_turn) {
        std::string line = new_turn ? turn_marker(c.speaker) : std::string();
        for (char ch : c.text)
            line.push_back(ch == '\n' ? ' ' : ch);
        line.push_back('\n');
        out.push_back({at, std::move(line)});
    });
    return out;
}

} // namespace minuted::protocol
