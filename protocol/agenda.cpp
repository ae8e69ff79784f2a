#include "protocol/agenda.hpp"

#include "protocol/ingest.hpp"
#include "protocol/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace minuted::protocol {

namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

bool starts_with_word(std::string_view s, std::string_view word) noexcept {
    if (s.size() <= word.size() || s[word.size()] != ' ')
        return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if ((s[i] | 0x20) != word[i])
            return false;
    return true;
}

// `s` without the numbering it starts with, if it starts with numbering: "1.", "2)", "3.1",
// "(4)", "5 -", "6:", "a)", "Item 7:", "Agenda item 8". A number followed by a word alone is
// a title's own ("262 Editor's Update", "2024 budget").
std::string_view without_numbering(std::string_view s) noexcept {
    std::string_view rest = s;
    bool named = false; // "Item 7": the word says it is numbering
    for (std::string_view const word : {"agenda item", "item"})
        if (starts_with_word(rest, word)) {
            rest = trim(rest.substr(word.size()));
            named = true;
            break;
        }
    bool const parenthesised = !rest.empty() && rest.front() == '(';
    if (parenthesised)
        rest.remove_prefix(1);
    std::size_t n = 0;
    bool dotted = false;
    if (n < rest.size() && is_digit(rest[n])) {
        while (n < rest.size() && n < 3 && is_digit(rest[n]))
            ++n;
        // Sub-numbers: "3.1", "3.1.2" (a dot followed by a digit).
        while (n + 1 < rest.size() && rest[n] == '.' && is_digit(rest[n + 1])) {
            dotted = true;
            n += 1;
            while (n < rest.size() && is_digit(rest[n]))
                ++n;
        }
    } else if (n < rest.size() && ((rest[n] | 0x20) >= 'a' && (rest[n] | 0x20) <= 'z') &&
               n + 1 < rest.size() && (rest[n + 1] == ')' || rest[n + 1] == '.')) {
        n = 1; // "a)", "B."
    } else {
        return s;
    }
    if (n == 0 || (n < rest.size() && is_digit(rest[n])))
        return s; // more than three digits: a year, a count
    std::string_view after = rest.substr(n);
    bool marked = named || dotted;
    if (parenthesised) {
        if (!after.starts_with(')'))
            return s;
        after.remove_prefix(1);
        marked = true;
    } else if (after.starts_with('.') || after.starts_with(')') || after.starts_with(':')) {
        after.remove_prefix(1);
        marked = true;
    }
    if (!after.empty() && !is_blank(after.front()))
        return s; // "3rd", "1.5x", "e.g."
    after = trim(after);
    for (std::string_view const dash : {"- ", "\u2013 ", "\u2014 "})
        if (after.starts_with(dash)) {
            after.remove_prefix(dash.size());
            marked = true;
        }
    return marked ? trim(after) : s;
}

// A Markdown list item's text and its indent, if `line` is one.
std::optional<std::pair<std::size_t, std::string_view>> list_item(std::string_view line) noexcept {
    std::size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t'))
        indent += 1;
    auto const s = line.substr(indent);
    if (s.size() >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ')
        return std::pair{indent, trim(s.substr(2))};
    std::size_t n = 0;
    while (n < s.size() && n < 3 && is_digit(s[n]))
        ++n;
    if (n > 0 && n + 1 < s.size() && (s[n] == '.' || s[n] == ')') && s[n + 1] == ' ')
        return std::pair{indent, trim(s.substr(n + 2))};
    return std::nullopt;
}

// A title as a reader sees it: no checkbox, link markup, code quotes or strong emphasis, one
// space between words.
std::string clean_title(std::string_view s) {
    s = trim(s);
    if (s.starts_with("[ ] ") || s.starts_with("[x] ") || s.starts_with("[X] "))
        s = trim(s.substr(4));
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const c = s[i];
        // [text](url) -> text
        if (c == '[') {
            auto const close = s.find("](", i);
            auto const end = close == std::string_view::npos ? close : s.find(')', close);
            if (end != std::string_view::npos && s.find('[', i + 1) > close) {
                out += s.substr(i + 1, close - i - 1);
                i = end;
                continue;
            }
        }
        if (c == '`')
            continue;
        if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
            ++i;
            continue;
        }
        if (is_blank(c)) {
            if (!out.empty() && out.back() != ' ')
                out += ' ';
            continue;
        }
        out += c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

using parsed = std::variant<std::vector<agenda_item>, agenda_refusal>;

parsed refuse(std::string why) {
    return agenda_refusal{std::move(why)};
}

parsed from_json(std::string_view text) {
    boost::system::error_code ec;
    auto const v = boost::json::parse(text, ec);
    if (ec)
        return refuse("not valid JSON: " + ec.message());
    auto const* list = v.if_array();
    if (!list)
        return refuse("a JSON agenda is an array of titles or of {\"title\", \"presenter\", "
                      "\"minutes\"}");
    std::vector<agenda_item> items;
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto item = agenda_item_from_json((*list)[i]);
        if (auto const* no = std::get_if<agenda_refusal>(&item))
            return refuse("item " + std::to_string(i + 1) + ": " + no->why);
        items.push_back(std::get<agenda_item>(std::move(item)));
    }
    return items;
}

parsed from_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at <= text.size();) {
        auto end = text.find('\n', at);
        if (end == std::string_view::npos)
            end = text.size();
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    // A text with a Markdown list: its least indented list items are the agenda, with lines
    // numbered otherwise ("3 - Reports"); the rest (a heading, a note, sub-items) is not.
    std::optional<std::size_t> indent;
    for (auto const line : lines)
        if (auto const item = list_item(line))
            indent = std::min(indent.value_or(item->first), item->first);
    std::vector<agenda_item> items;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view title;
        if (indent) {
            if (auto const item = list_item(lines[i]))
                title = item->first == *indent ? item->second : std::string_view();
            else if (auto const line = trim(lines[i]);
                     line.data() == lines[i].data() && without_numbering(line) != line)
                title = line;
            else
                continue;
        } else {
            title = trim(lines[i]);
            if (title.starts_with('#'))
                title = trim(title.substr(title.find_first_not_of('#')));
        }
        auto t = clean_title(without_numbering(title));
        if (t.empty())
            continue;
        if (t.size() > max_title_bytes)
            return refuse("line " + std::to_string(i + 1) + ": a title of " +
                          std::to_string(t.size()) + " bytes; at most " +
                          std::to_string(max_title_bytes));
        items.push_back({std::move(t), {}, std::nullopt});
    }
    return items;
}

} // namespace

std::variant<agenda_item, agenda_refusal> agenda_item_from_json(boost::json::value const& v,
                                                                bool markdown) {
    auto const clean = [&](std::string_view s) {
        return markdown ? clean_title(s) : std::string(s);
    };
    agenda_item item;
    if (auto const* s = v.if_string()) {
        item.title = clean(*s);
    } else if (auto const* o = v.if_object()) {
        auto const* title = o->if_contains("title");
        if (!title || !title->is_string())
            return agenda_refusal{"\"title\" must be a string"};
        item.title = clean(title->get_string());
        if (auto const* p = o->if_contains("presenter"); p && !p->is_null()) {
            if (!p->is_string())
                return agenda_refusal{"\"presenter\" must be a string"};
            item.presenter = clean(p->get_string());
        }
        if (auto const* m = o->if_contains("minutes"); m && !m->is_null()) {
            auto const* n = m->if_int64();
            if (!n || *n < 0 || *n > 24 * 60)
                return agenda_refusal{"\"minutes\" must be a whole number from 0 to 1440"};
            item.minutes = static_cast<int>(*n);
        }
    } else {
        return agenda_refusal{"must be a title or {\"title\", \"presenter\", \"minutes\"}"};
    }
    if (item.title.empty())
        return agenda_refusal{"its title is empty"};
    return item;
}

std::variant<std::vector<agenda_item>, agenda_refusal> parse_agenda(std::string_view text) {
    if (text.size() > max_agenda_text_bytes)
        return refuse("an agenda of " + std::to_string(text.size()) + " bytes; at most " +
                      std::to_string(max_agenda_text_bytes));
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    for (std::size_t i = 0; i < text.size(); ++i)
        if (auto const c = static_cast<unsigned char>(text[i]);
            c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return refuse("binary data, not text (byte " + std::to_string(c) + " at offset " +
                          std::to_string(i) + ")");
    if (!is_valid_utf8(text))
        return refuse("not UTF-8 text");
    auto const start = text.find_first_not_of(" \t\r\n");
    auto result =
        start != std::string_view::npos && text[start] == '[' ? from_json(text) : from_lines(text);
    if (auto* items = std::get_if<std::vector<agenda_item>>(&result)) {
        if (items->empty())
            return refuse("no agenda items: give one title per line, a Markdown list or JSON");
        if (items->size() > max_agenda_file_items)
            return refuse(std::to_string(items->size()) + " agenda items; at most " +
                          std::to_string(max_agenda_file_items));
        for (std::size_t i = 0; i < items->size(); ++i)
            if ((*items)[i].title.size() > max_title_bytes)
                return refuse("item " + std::to_string(i + 1) + ": a title of " +
                              std::to_string((*items)[i].title.size()) + " bytes; at most " +
                              std::to_string(max_title_bytes));
    }
    return result;
}

std::vector<std::string> titles_of(std::vector<agenda_item> const& agenda) {
    std::vector<std::string> out;
    out.reserve(agenda.size());
    for (auto const& a : agenda)
        out.push_back(a.title);
    return out;
}

} // namespace minuted::protocol
