#include "protocol/journal.hpp"

#include <boost/crc.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace minuted::protocol {

namespace {

// Appended to, never reordered: a journal names kinds, and old journals must read the same.
constexpr std::array<std::string_view, 9> kind_names = {
    "session", "epoch", "open", "text", "erase", "end", "agenda", "roster", "edit"};

std::uint32_t crc32(std::string_view bytes) {
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

std::uint32_t get_u32(std::string_view in) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= std::uint32_t{static_cast<unsigned char>(in[static_cast<std::size_t>(i)])} << (8 * i);
    return v;
}

// The payload's JSON back into a record; false if it is not one.
bool decode(std::string_view payload, journal_record& r) {
    boost::system::error_code ec;
    auto const v = boost::json::parse(payload, ec);
    if (ec || !v.is_object())
        return false;
    auto const& o = v.get_object();
    auto const* k = o.if_contains("k");
    if (!k || !k->is_string())
        return false;
    auto const name = std::string_view(k->get_string());
    auto const it = std::find(kind_names.begin(), kind_names.end(), name);
    if (it == kind_names.end())
        return false;
    r.kind = static_cast<journal_kind>(it - kind_names.begin());
    auto integer = [&](char const* key, auto& out) {
        if (auto const* f = o.if_contains(key)) {
            if (!(f->is_uint64() || (f->is_int64() && f->get_int64() >= 0)))
                return false;
            // A number the field cannot hold ("at" above INT64_MAX, a negative "seq") is not a
            // record this encoder wrote: damage, and the throwing to_number() must not see it.
            boost::system::error_code unfit;
            out = f->to_number<std::remove_reference_t<decltype(out)>>(unfit);
            if (unfit)
                return false;
        }
        return true;
    };
    auto string = [&](char const* key, std::string& out) {
        if (auto const* f = o.if_contains(key)) {
            if (!f->is_string())
                return false;
            out = f->get_string();
        }
        return true;
    };
    if (!integer("at", r.at_ms) || !integer("seq", r.seq) || !integer("count", r.count) ||
        !string("text", r.text) || !string("title", r.title) || !string("epoch", r.epoch) ||
        !string("instance", r.instance) || !string("lang", r.lang))
        return false;
    if (o.contains("position")) {
        std::uint64_t position = 0;
        if (!integer("position", position))
            return false;
        r.position = position;
    }
    if (auto const* f = o.if_contains("from_zero")) {
        if (!f->is_bool())
            return false;
        r.counts_from_zero = f->get_bool();
    }
    if (auto const* f = o.if_contains("source")) {
        if (!f->is_string())
            return false;
        if (f->get_string() == "live")
            r.source = text_source::live;
        else if (f->get_string() != "file")
            return false;
    }
    auto strings = [&](char const* key, std::vector<std::string>& out) {
        if (auto const* a = o.if_contains(key)) {
            if (!a->is_array())
                return false;
            for (auto const& item : a->get_array()) {
                if (!item.is_string())
                    return false;
                out.emplace_back(item.get_string());
            }
        }
        return true;
    };
    return strings("agenda", r.agenda) && strings("presenters", r.presenters) &&
           (r.presenters.empty() || r.presenters.size() == r.agenda.size());
}

} // namespace

std::vector<agenda_item> agenda_of(journal_record const& r) {
    std::vector<agenda_item> out;
    out.reserve(r.agenda.size());
    for (std::size_t i = 0; i < r.agenda.size(); ++i)
        out.push_back({r.agenda[i], i < r.presenters.size() ? r.presenters[i] : std::string(), {}});
    return out;
}

void put_agenda(journal_record& r, std::vector<agenda_item> agenda) {
    r.agenda.clear();
    r.presenters.clear();
    bool const presented = std::any_of(agenda.begin(), agenda.end(),
                                       [](auto const& a) { return !a.presenter.empty(); });
    for (auto& a : agenda) {
        r.agenda.push_back(std::move(a.title));
        if (presented)
            r.presenters.push_back(std::move(a.presenter));
    }
}

std::string encode_journal_record(journal_record const& r) {
    boost::json::object o;
    o["k"] = kind_names[static_cast<std::size_t>(r.kind)];
    o["at"] = r.at_ms;
    if (r.seq != 0)
        o["seq"] = r.seq;
    if (!r.text.empty())
        o["text"] = r.text;
    if (r.count != 0)
        o["count"] = r.count;
    if (!r.title.empty())
        o["title"] = r.title;
    if (!r.agenda.empty()) {
        boost::json::array a;
        for (auto const& t : r.agenda)
            a.emplace_back(t);
        o["agenda"] = std::move(a);
    }
    if (!r.presenters.empty()) {
        boost::json::array a;
        for (auto const& t : r.presenters)
            a.emplace_back(t);
        o["presenters"] = std::move(a);
    }
    if (!r.epoch.empty())
        o["epoch"] = r.epoch;
    if (!r.instance.empty())
        o["instance"] = r.instance;
    if (r.source == text_source::live)
        o["source"] = "live";
    if (!r.lang.empty())
        o["lang"] = r.lang;
    if (r.position)
        o["position"] = *r.position;
    if (r.counts_from_zero)
        o["from_zero"] = true;
    auto const payload = boost::json::serialize(o);
    std::string out;
    out.reserve(8 + payload.size());
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, crc32(payload));
    out += payload;
    return out;
}

journal_contents read_journal(std::string_view bytes) {
    journal_contents out;
    std::size_t at = 0;
    while (at < bytes.size()) {
        auto const rest = bytes.substr(at);
        if (rest.size() < 8) {
            out.damage = "a record header cut short";
            out.torn_tail = true;
            break;
        }
        auto const length = get_u32(rest);
        if (length > max_journal_record) {
            out.damage = "a record length of " + std::to_string(length) + " bytes";
            break;
        }
        if (rest.size() - 8 < length) {
            out.damage = "a record cut short (" + std::to_string(rest.size() - 8) + " of " +
                         std::to_string(length) + " bytes)";
            out.torn_tail = true;
            break;
        }
        out.torn_tail = rest.size() - 8 == length; // the last record: torn if it is damaged
        auto const payload = rest.substr(8, length);
        if (crc32(payload) != get_u32(rest.substr(4))) {
            out.damage = "a record whose checksum does not match";
            break;
        }
        journal_record r;
        if (!decode(payload, r)) {
            out.damage = "a record that is not a journal event";
            break;
        }
        out.torn_tail = false;
        out.records.push_back(std::move(r));
        at += 8 + length;
    }
    out.valid_bytes = at;
    return out;
}

} // namespace minuted::protocol
