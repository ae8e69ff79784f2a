#include "protocol/ingest.hpp"

#include "protocol/ingest_json.hpp"
#include "protocol/utf8.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace minuted::protocol {

namespace {

class ingest_category_impl : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "minuted.ingest"; }
    std::string message(int ev) const override {
        switch (static_cast<ingest_error>(ev)) {
        case ingest_error::invalid_json:
            return "frame starts with '{' but is not valid JSON";
        case ingest_error::unknown_type:
            return "unknown or missing message type (open, text, erase, close, resume)";
        case ingest_error::missing_seq:
            return "message needs a seq";
        case ingest_error::bad_seq:
            return "seq must be a non-negative integer";
        case ingest_error::missing_text:
            return "text message needs a string field 'text'";
        case ingest_error::bad_count:
            return "erase needs a positive integer 'count'";
        case ingest_error::bad_field:
            return "a field has the wrong type";
        case ingest_error::invalid_utf8:
            return "frame is not valid UTF-8";
        case ingest_error::bad_lang:
            return "lang must be a language tag: 1-35 of [A-Za-z0-9-], starting with a letter";
        }
        return "ingest error";
    }
};

std::string_view type_name(ingest_kind kind) {
    switch (kind) {
    case ingest_kind::open:
        return "open";
    case ingest_kind::text:
        return "text";
    case ingest_kind::erase:
        return "erase";
    case ingest_kind::close:
        return "close";
    case ingest_kind::resume:
        return "resume";
    case ingest_kind::raw:
        break;
    }
    return "raw";
}

// An agenda as an open sends it: an item is its title, or an object when it says more.
boost::json::array agenda_json(std::vector<agenda_item> const& agenda) {
    boost::json::array a;
    for (auto const& item : agenda) {
        if (item.presenter.empty() && !item.minutes) {
            a.emplace_back(item.title);
            continue;
        }
        boost::json::object i{{"title", item.title}};
        if (!item.presenter.empty())
            i["presenter"] = item.presenter;
        if (item.minutes)
            i["minutes"] = *item.minutes;
        a.emplace_back(std::move(i));
    }
    return a;
}

// The object of a frame that may be JSON: past blanks and a UTF-8 byte-order mark, as editors
// and some HTTP clients on Windows put before a document. boost::json would refuse the mark,
// and a '{' after it would be taken for raw text, so a JSON "open" became the meeting's title.
std::string_view json_of(std::string_view frame) {
    std::string_view json = frame;
    auto const first = json.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && json.substr(first).starts_with("\xEF\xBB\xBF"))
        json.remove_prefix(first + 3);
    json.remove_prefix(std::min(json.find_first_not_of(" \t\r\n"), json.size()));
    return json;
}

// {"type":"open"}: the title, the agenda and the instance, each if given.
boost::system::result<ingest_message> read_open(boost::json::object const& o, ingest_message m) {
    m.kind = ingest_kind::open;
    if (auto const* title = o.if_contains("title")) {
        if (!title->is_string())
            return ingest_error::bad_field;
        m.title = title->get_string();
    }
    if (auto const* agenda = o.if_contains("agenda")) {
        if (!agenda->is_array())
            return ingest_error::bad_field;
        // A title, or an item as an agenda file's JSON gives one: {title, presenter?,
        // minutes?}, taken as sent. An empty title is refused, as in an agenda file.
        for (auto const& item : agenda->get_array()) {
            auto a = agenda_item_from_json(item, false);
            if (std::holds_alternative<agenda_refusal>(a))
                return ingest_error::bad_field;
            m.agenda.push_back(std::get<agenda_item>(std::move(a)));
        }
    }
    if (auto const* instance = o.if_contains("instance")) {
        if (!instance->is_string() || !is_valid_session_id(instance->get_string()))
            return ingest_error::bad_field;
        m.instance = instance->get_string();
    }
    return m;
}

// {"type":"text"|"erase"|"close"}: a change to the captions, which needs its seq.
boost::system::result<ingest_message> read_change(boost::json::object const& o, std::string_view t,
                                                  ingest_message m) {
    if (!m.seq)
        return ingest_error::missing_seq;
    if (t == "text") {
        m.kind = ingest_kind::text;
        auto const* text = o.if_contains("text");
        if (!text || !text->is_string())
            return ingest_error::missing_text;
        m.text = text->get_string();
        if (auto const* lang = o.if_contains("lang")) {
            if (!lang->is_string() || !is_valid_language_tag(lang->get_string()))
                return ingest_error::bad_lang;
            m.lang = lang->get_string();
        }
    } else if (t == "erase") {
        m.kind = ingest_kind::erase;
        bool bad = false;
        auto const count = detail::unsigned_field(o, "count", bad);
        if (bad || !count || *count == 0 || *count > 1'000'000)
            return ingest_error::bad_count;
        m.count = static_cast<std::size_t>(*count);
    } else {
        m.kind = ingest_kind::close;
    }
    return m;
}

} // namespace

namespace detail {

boost::system::result<typed_object> parse_typed(std::string_view text) {
    if (!is_valid_utf8(text))
        return ingest_error::invalid_utf8;
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec)
        return ingest_error::invalid_json;
    auto* o = value.if_object();
    auto const* type = o ? o->if_contains("type") : nullptr;
    if (!type || !type->is_string())
        return ingest_error::unknown_type;
    std::string t(type->get_string());
    return typed_object{std::move(*o), std::move(t)};
}

std::optional<seq_number> unsigned_field(boost::json::object const& o, std::string_view key,
                                         bool& bad) {
    auto const* v = o.if_contains(key);
    if (!v)
        return std::nullopt;
    if (v->is_uint64())
        return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0)
        return static_cast<seq_number>(v->as_int64());
    bad = true;
    return std::nullopt;
}

} // namespace detail

boost::system::error_category const& ingest_category() noexcept {
    static ingest_category_impl const instance;
    return instance;
}

boost::system::error_code make_error_code(ingest_error e) noexcept {
    return {static_cast<int>(e), ingest_category()};
}

boost::system::result<ingest_message> parse_ingest_frame(std::string_view frame) {
    auto const json = json_of(frame);
    if (!json.starts_with('{')) {
        // Raw CART text: invalid UTF-8 is repaired later by the CART reader, like any feed.
        ingest_message m;
        m.kind = ingest_kind::raw;
        m.text = std::string(frame);
        return m;
    }
    auto const message = detail::parse_typed(json);
    if (!message)
        return message.error();
    auto const& o = message->fields;
    std::string_view const t = message->type;

    ingest_message m;
    bool bad = false;
    m.seq = detail::unsigned_field(o, "seq", bad);
    if (bad)
        return ingest_error::bad_seq;
    if (t == "open")
        return read_open(o, std::move(m));
    if (t == "resume") {
        m.kind = ingest_kind::resume;
        m.after = detail::unsigned_field(o, "after", bad).value_or(0);
        if (bad)
            return ingest_error::bad_seq;
        return m;
    }
    if (t != "text" && t != "erase" && t != "close")
        return ingest_error::unknown_type;
    return read_change(o, t, std::move(m));
}

std::string bound_open(ingest_message& m) {
    std::string cut;
    auto const note = [&](std::string what) { cut += (cut.empty() ? "" : "; ") + std::move(what); };
    auto const bound = [&](std::string& title, std::string_view what) {
        if (title.size() <= max_title_bytes)
            return;
        auto const before = title.size();
        title.resize(utf8_prefix(title, max_title_bytes).size());
        note(std::string(what) + " of " + std::to_string(before) + " bytes cut to " +
             std::to_string(title.size()) + " (at most " + std::to_string(max_title_bytes) + ")");
    };
    bound(m.title, "title");
    if (m.agenda.size() > max_agenda_items) {
        note("agenda of " + std::to_string(m.agenda.size()) + " items cut to " +
             std::to_string(max_agenda_items));
        m.agenda.resize(max_agenda_items);
    }
    for (auto& item : m.agenda) {
        bound(item.title, "agenda title");
        bound(item.presenter, "agenda presenter");
    }
    return cut;
}

std::string encode(ingest_message const& m) {
    if (m.kind == ingest_kind::raw)
        return m.text;
    boost::json::object o{{"type", type_name(m.kind)}};
    if (m.seq)
        o["seq"] = *m.seq;
    switch (m.kind) {
    case ingest_kind::open:
        if (!m.title.empty())
            o["title"] = m.title;
        if (!m.agenda.empty())
            o["agenda"] = agenda_json(m.agenda);
        if (!m.instance.empty())
            o["instance"] = m.instance;
        break;
    case ingest_kind::text:
        o["text"] = m.text;
        if (!m.lang.empty())
            o["lang"] = m.lang;
        break;
    case ingest_kind::erase:
        o["count"] = m.count;
        break;
    case ingest_kind::resume:
        o["after"] = m.after;
        break;
    case ingest_kind::close:
    case ingest_kind::raw:
        break;
    }
    return boost::json::serialize(o);
}

bool is_valid_language_tag(std::string_view tag) noexcept {
    auto const letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (tag.empty() || tag.size() > 35 || !letter(tag.front()))
        return false;
    return std::all_of(tag.begin(), tag.end(),
                       [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-'; });
}

bool is_valid_session_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64 || id.front() == '.')
        return false;
    for (char c : id) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace minuted::protocol
