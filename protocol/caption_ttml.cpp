// TTML and EBU-TT: a small XML tokenizer (elements, attributes, text, comments, CDATA,
// processing instructions, a DOCTYPE) and the part of TTML that carries a transcript: timed
// <p> elements, <span> and <br/> inside them, and speakers from ttm:agent.

#include "protocol/caption_text.hpp"
#include "protocol/ingest.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace minuted::protocol::caption_detail {

namespace {

using std::chrono::milliseconds;

// Deeper than any real document; keeps the element stack bounded on hostile input.
constexpr std::size_t max_depth = 256;

struct xml_attribute {
    std::string_view name; // local name, without its prefix
    std::string_view value;
};

struct xml_token {
    enum class kind { start, end, text, done } type = kind::done;
    std::string_view name; // local name
    std::vector<xml_attribute> attributes;
    bool self_closing = false;
    std::string text; // text: decoded
    line_number line = 0;
};

std::string_view local_name(std::string_view qname) noexcept {
    auto const colon = qname.rfind(':');
    return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// Tokens of an XML document, one at a time, in one pass: each byte is looked at a bounded
// number of times. Errors are recorded in the file with their line.
class xml_scanner {
public:
    xml_scanner(std::string_view text, caption_file& f) : s_(text), f_(f) {}

    // False at the end of the document or on an error (then in f_.error).
    bool next(xml_token& t) {
        while (pos_ < s_.size()) {
            t.line = line_;
            if (s_[pos_] != '<')
                return read_text(t);
            if (s_.substr(pos_, 4) == "<!--") {
                if (!skip_past("-->", "a comment is not closed"))
                    return false;
            } else if (s_.substr(pos_, 9) == "<![CDATA[") {
                auto const end = s_.find("]]>", pos_ + 9);
                if (end == std::string_view::npos)
                    return error("a CDATA section is not closed");
                t.type = xml_token::kind::text;
                t.text = std::string(s_.substr(pos_ + 9, end - pos_ - 9));
                std::replace_if(
                    t.text.begin(), t.text.end(), [](char c) { return is_blank(c); }, ' ');
                advance_to(end + 3);
                return true;
            } else if (s_.substr(pos_, 2) == "<?") {
                if (!skip_past("?>", "a processing instruction is not closed"))
                    return false;
            } else if (s_.substr(pos_, 2) == "<!") {
                // A DOCTYPE, its internal subset in brackets if it has one.
                auto const bracket = s_.find_first_of("[>", pos_);
                if (bracket != std::string_view::npos && s_[bracket] == '[') {
                    if (!skip_past("]>", "a DOCTYPE is not closed"))
                        return false;
                } else if (!skip_past(">", "a DOCTYPE is not closed")) {
                    return false;
                }
            } else {
                return read_tag(t);
            }
        }
        t.type = xml_token::kind::done;
        return false;
    }

    std::size_t repaired = 0;

private:
    bool error(std::string why) {
        fail(f_, line_, std::move(why));
        pos_ = s_.size();
        return false;
    }

    void advance_to(std::size_t end) {
        line_ += static_cast<line_number>(std::count(s_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                                     s_.begin() + static_cast<std::ptrdiff_t>(end),
                                                     '\n'));
        pos_ = end;
    }

    bool skip_past(std::string_view end, std::string const& why) {
        auto const at = s_.find(end, pos_ + 2);
        if (at == std::string_view::npos)
            return error(why);
        advance_to(at + end.size());
        return true;
    }

    bool read_text(xml_token& t) {
        auto const end = std::min(s_.find('<', pos_), s_.size());
        auto const raw = s_.substr(pos_, end - pos_);
        std::string decoded;
        for (std::size_t i = 0; i < raw.size();) {
            if (raw[i] == '&' && !decode_entity(raw, i, decoded)) {
                ++repaired; // an unknown entity stays as it was written
                decoded.push_back(raw[i++]);
            } else if (raw[i] != '&') {
                decoded.push_back(raw[i++]);
            }
        }
        // Line breaks in the source are white space; only <br/> breaks a line.
        std::replace_if(
            decoded.begin(), decoded.end(), [](char c) { return is_blank(c); }, ' ');
        t.type = xml_token::kind::text;
        t.text = std::move(decoded);
        advance_to(end);
        return true;
    }

    static bool is_name_char(char c) noexcept {
        return !is_blank(c) && c != '>' && c != '/' && c != '=' && c != '<' && c != '"' &&
               c != '\'';
    }

    bool read_tag(xml_token& t) {
        std::size_t i = pos_ + 1;
        bool const closing = i < s_.size() && s_[i] == '/';
        if (closing)
            ++i;
        auto const name_begin = i;
        while (i < s_.size() && is_name_char(s_[i]))
            ++i;
        if (i == name_begin)
            return error("a '<' that starts no element");
        t.type = closing ? xml_token::kind::end : xml_token::kind::start;
        t.name = local_name(s_.substr(name_begin, i - name_begin));
        t.attributes.clear();
        t.self_closing = false;
        while (true) {
            while (i < s_.size() && is_blank(s_[i]))
                ++i;
            if (i >= s_.size())
                return error("the tag <" + printable(t.name) + "> is not closed");
            if (s_[i] == '>')
                break;
            if (s_.substr(i, 2) == "/>" && !closing) {
                t.self_closing = true;
                ++i;
                break;
            }
            if (closing || !read_attribute(i, t))
                return error("malformed attribute in <" + printable(t.name) + ">");
        }
        advance_to(i + 1);
        return true;
    }

    bool read_attribute(std::size_t& i, xml_token& t) {
        auto const begin = i;
        while (i < s_.size() && is_name_char(s_[i]))
            ++i;
        auto const name = s_.substr(begin, i - begin);
        while (i < s_.size() && is_blank(s_[i]))
            ++i;
        if (name.empty() || i >= s_.size() || s_[i] != '=')
            return false;
        ++i;
        while (i < s_.size() && is_blank(s_[i]))
            ++i;
        if (i >= s_.size() || (s_[i] != '"' && s_[i] != '\''))
            return false;
        auto const end = s_.find(s_[i], i + 1);
        if (end == std::string_view::npos ||
            s_.substr(i + 1, end - i - 1).find('<') != std::string_view::npos)
            return false;
        t.attributes.push_back({local_name(name), s_.substr(i + 1, end - i - 1)});
        i = end + 1;
        return true;
    }

    std::string_view s_;
    caption_file& f_;
    std::size_t pos_ = 0;
    line_number line_ = 1;
};

std::optional<std::string_view> attribute(xml_token const& t, std::string_view name) {
    for (auto const& a : t.attributes)
        if (a.name == name)
            return a.value;
    return std::nullopt;
}

// The document's time base (ttp:frameRate, ttp:frameRateMultiplier, ttp:tickRate).
struct time_base {
    double frame_rate = 30;
    double tick_rate = 1;
};

std::optional<double> read_number(std::string_view s, std::size_t& i) {
    auto const begin = i;
    double v = 0;
    while (i < s.size() && is_digit(s[i]) && i - begin < 12)
        v = v * 10 + (s[i++] - '0');
    if (i == begin)
        return std::nullopt;
    if (i < s.size() && s[i] == '.') {
        double scale = 0.1;
        auto const frac = ++i;
        while (i < s.size() && is_digit(s[i]) && i - frac < 9) {
            v += (s[i++] - '0') * scale;
            scale /= 10;
        }
        while (i < s.size() && is_digit(s[i]))
            ++i;
    }
    return v;
}

// A TTML time expression: clock time `hh:mm:ss(.fff)`, `hh:mm:ss:ff(.sub)` in frames, or an
// offset `12.5s`, `300ms`, `2m`, `1h`, `10f`, `90t`.
std::optional<milliseconds> read_time(std::string_view s, time_base const& base) {
    s = trim(s);
    std::size_t i = 0;
    auto const first = read_number(s, i);
    if (!first)
        return std::nullopt;
    double seconds = 0;
    if (i < s.size() && s[i] == ':') {
        std::array<double, 4> parts{*first, 0, 0, 0};
        std::size_t n = 1;
        while (i < s.size() && s[i] == ':' && n < 4) {
            ++i;
            auto const begin = i;
            auto const v = read_number(s, i);
            if (!v || i - begin < 2)
                return std::nullopt;
            parts[n++] = *v;
        }
        if (n < 3 || parts[1] >= 60 || parts[2] >= 61)
            return std::nullopt;
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2];
        if (n == 4)
            seconds += std::floor(parts[3]) / base.frame_rate;
    } else {
        auto const metric = s.substr(i);
        if (metric == "h")
            seconds = *first * 3600;
        else if (metric == "m")
            seconds = *first * 60;
        else if (metric == "s")
            seconds = *first;
        else if (metric == "ms")
            seconds = *first / 1000;
        else if (metric == "f")
            seconds = *first / base.frame_rate;
        else if (metric == "t")
            seconds = *first / base.tick_rate;
        else
            return std::nullopt;
        i = s.size();
    }
    if (i != s.size() || !(seconds < 1e9))
        return std::nullopt;
    return milliseconds(std::llround(seconds * 1000));
}

time_base read_time_base(xml_token const& root) {
    time_base b;
    std::size_t i = 0;
    if (auto const rate = attribute(root, "frameRate"))
        if (auto const v = read_number(*rate, i = 0); v && *v > 0)
            b.frame_rate = *v;
    if (auto const m = attribute(root, "frameRateMultiplier")) {
        auto const s = trim(*m);
        auto const num = read_number(s, i = 0);
        while (i < s.size() && is_blank(s[i]))
            ++i;
        auto const den = read_number(s, i);
        if (num && den && *num > 0 && *den > 0)
            b.frame_rate = b.frame_rate * *num / *den;
    }
    if (auto const rate = attribute(root, "tickRate"))
        if (auto const v = read_number(*rate, i = 0); v && *v > 0)
            b.tick_rate = *v;
    return b;
}

// One open element: its name, where it began, and what its children inherit.
struct open_element {
    std::string_view name;
    line_number line = 0;
    milliseconds begin{};
    std::optional<milliseconds> end;
    std::string_view agent;
};

// What the reader keeps between tokens.
struct ttml_state {
    time_base base;
    std::vector<open_element> stack;
    std::unordered_map<std::string, std::string> agents; // xml:id -> ttm:name
    std::string agent_id;                                // of the <ttm:agent> being read
    std::string agent_name;
    bool in_agent_name = false;
    std::optional<caption_cue> cue; // the <p> being read
    std::string cue_agent;
};

bool open_timed(xml_token const& t, ttml_state& st, open_element& e, caption_file& f) {
    auto const parent_begin = st.stack.empty() ? milliseconds(0) : st.stack.back().begin;
    auto const parent_end = st.stack.empty() ? std::nullopt : st.stack.back().end;
    auto time_of = [&](std::string_view attr) -> std::optional<std::optional<milliseconds>> {
        auto const v = attribute(t, attr);
        if (!v)
            return std::optional<milliseconds>();
        auto const time = read_time(*v, st.base);
        if (!time) {
            std::string shown;
            append_clean(shown, v->substr(0, 40));
            fail(f, t.line,
                 "malformed time " + printable(attr) + "=\"" + shown + "\" in <" +
                     printable(t.name) + ">");
            return std::nullopt;
        }
        return time;
    };
    auto const begin = time_of("begin");
    auto const end = time_of("end");
    auto const dur = time_of("dur");
    if (!begin || !end || !dur)
        return false;
    e.begin = parent_begin + begin->value_or(milliseconds(0));
    if (*end)
        e.end = parent_begin + **end;
    else if (*dur)
        e.end = e.begin + **dur;
    else
        e.end = parent_end;
    if (e.end && *e.end < e.begin) {
        fail(f, t.line, "<" + printable(t.name) + "> ends before it begins");
        return false;
    }
    return true;
}

bool on_start(xml_token const& t, ttml_state& st, caption_file& f) {
    if (st.stack.size() >= max_depth) {
        fail(f, t.line, "elements nested deeper than " + std::to_string(max_depth));
        return false;
    }
    if (st.stack.empty()) {
        if (t.name != "tt") {
            fail(f, t.line, "the document's root is <" + printable(t.name) + ">, not <tt>");
            return false;
        }
        st.base = read_time_base(t);
        if (auto const lang = attribute(t, "lang"); lang && is_valid_language_tag(*lang))
            f.lang = std::string(*lang);
    }
    open_element e{t.name, t.line, {}, {}, st.stack.empty() ? "" : st.stack.back().agent};
    if (auto const agent = attribute(t, "agent")) {
        // Several agents may speak a line together; the first is its speaker.
        auto const ids = trim(*agent);
        e.agent = ids.substr(0, std::min(ids.find(' '), ids.size()));
    }
    if (!open_timed(t, st, e, f))
        return false;
    // An empty <ttm:agent/> or <ttm:name/> names nobody, and has no end tag to wait for.
    if (t.name == "agent" && !st.cue) {
        if (!t.self_closing) {
            st.agent_id = std::string(attribute(t, "id").value_or(""));
            st.agent_name.clear();
        }
    } else if (t.name == "name" && !st.agent_id.empty()) {
        st.in_agent_name = !t.self_closing;
    } else if (t.name == "p" && !st.cue) {
        st.cue = caption_cue{t.line, e.begin, e.end.value_or(e.begin), {}, {}};
        st.cue_agent = std::string(e.agent);
    } else if (t.name == "br" && st.cue) {
        st.cue->text.push_back('\n');
    }
    if (!t.self_closing)
        st.stack.push_back(e);
    return true;
}

void finish_cue(ttml_state& st, caption_file& f) {
    auto& c = *st.cue;
    if (!st.cue_agent.empty()) {
        auto const it = st.agents.find(st.cue_agent);
        // An agent that names nobody in <head> is shown by its id.
        if (it != st.agents.end())
            c.speaker = it->second;
        else
            c.speaker = printable(st.cue_agent);
    }
    std::string clean;
    append_clean(clean, c.text);
    c.text = tidy_lines(clean);
    if (!c.text.empty())
        f.cues.push_back(std::move(c));
    st.cue.reset();
}

bool on_end(xml_token const& t, ttml_state& st, caption_file& f) {
    if (st.stack.empty() || st.stack.back().name != t.name) {
        fail(f, t.line,
             st.stack.empty()
                 ? "</" + printable(t.name) + "> closes nothing"
                 : "</" + printable(t.name) + "> closes <" + printable(st.stack.back().name) +
                       "> opened at line " + std::to_string(st.stack.back().line));
        return false;
    }
    st.stack.pop_back();
    if (t.name == "name" && st.in_agent_name) {
        st.in_agent_name = false;
    } else if (t.name == "agent" && !st.agent_id.empty()) {
        std::string name;
        append_clean(name, st.agent_name);
        name = std::string(trim(name));
        if (!name.empty())
            st.agents.emplace(st.agent_id, std::move(name));
        st.agent_id.clear();
        st.in_agent_name = false;
    } else if (t.name == "p" && st.cue) {
        finish_cue(st, f);
    }
    return true;
}

} // namespace

void read_ttml(std::string_view text, caption_file& f) {
    xml_scanner scanner(without_bom(text), f);
    ttml_state st;
    xml_token t;
    bool seen_root = false;
    while (!f.error && scanner.next(t)) {
        if (t.type == xml_token::kind::text) {
            if (st.in_agent_name)
                st.agent_name += t.text;
            else if (st.cue)
                st.cue->text += t.text;
            continue;
        }
        if (t.type == xml_token::kind::start) {
            if (seen_root && st.stack.empty()) {
                fail(f, t.line, "an element after the root <tt> ended");
                break;
            }
            seen_root = true;
            if (!on_start(t, st, f))
                break;
        } else if (!on_end(t, st, f)) {
            break;
        }
    }
    f.repaired += scanner.repaired;
    if (f.error)
        return;
    if (!st.stack.empty())
        fail(f, st.stack.back().line,
             "<" + printable(st.stack.back().name) + "> is not closed at the end of the file");
    else if (!seen_root)
        fail(f, 1, "no <tt> element");
}

} // namespace minuted::protocol::caption_detail
