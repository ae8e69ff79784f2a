#pragma once

// What a test reads from the daemon's live stream (GET /live/ID): the state a viewer keeps
// by merging each update into the last snapshot, and how two such states differ.

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace minuted::testing {

/// A subscriber's view: a snapshot with updates merged in, as a viewer keeps it.
class merged_view {
public:
    /// Applies one /live message; false if it breaks the rev sequence.
    bool apply(boost::json::object const& m) {
        auto const rev = m.at("rev").to_number<std::uint64_t>();
        if (m.at("type") == "snapshot") {
            state_ = m;
            state_.erase("type");
            rev_ = rev;
            ++snapshots;
            return true;
        }
        if (rev != rev_ + 1)
            return false;
        rev_ = rev;
        state_["rev"] = rev;
        for (auto const* key :
             {"title", "chair", "chairs", "ended", "words", "summary", "pending", "seq"})
            if (auto const* v = m.if_contains(key))
                state_[key] = *v;
        return merge(m, "utterances", "id") && merge(m, "participants", "id") &&
               merge(m, "agenda", "n");
    }
    boost::json::object const& state() const { return state_; }
    std::uint64_t rev() const { return rev_; }
    bool ended() const { return state_.contains("ended") && state_.at("ended").as_bool(); }
    int snapshots = 0;

private:
    // False if an utterance's text changes from further on than the text it has.
    bool merge(boost::json::object const& m, char const* key, char const* index_key) {
        auto const* list = m.if_contains(key);
        if (!list)
            return true;
        auto& target = state_[key].as_array();
        for (auto const& item : list->as_array()) {
            auto i = item.at(index_key).to_number<std::size_t>();
            if (std::string_view(index_key) == "n")
                --i;
            if (i >= target.size())
                target.resize(i + 1);
            auto const* from = item.as_object().if_contains("from");
            if (!from) {
                target[i] = item;
                continue;
            }
            // Only what changed: the text from the UTF-16 offset `from` on is `tail`.
            if (!target[i].is_object())
                return false;
            auto& u = target[i].as_object();
            std::string_view const text = u.at("text").as_string();
            auto const units = from->to_number<std::size_t>();
            auto const cut = utf8_bytes_of_utf16_prefix(text, units);
            if (utf16_units(text.substr(0, cut)) != units)
                return false;
            std::string next(text.substr(0, cut));
            next += item.at("tail").as_string();
            for (auto const& [k, v] : item.as_object())
                if (k != "from" && k != "tail")
                    u[k] = v;
            u["text"] = next;
        }
        return true;
    }
    // What a JavaScript viewer counts: UTF-16 code units.
    static std::size_t utf16_units(std::string_view utf8) {
        std::size_t n = 0;
        for (char const c : utf8) {
            auto const b = static_cast<unsigned char>(c);
            n += (b & 0xC0) == 0x80 ? 0 : b >= 0xF0 ? 2 : 1;
        }
        return n;
    }
    // Bytes of `utf8` holding its first `units` UTF-16 code units (JavaScript's slice(0, units)).
    static std::size_t utf8_bytes_of_utf16_prefix(std::string_view utf8, std::size_t units) {
        std::size_t i = 0;
        for (std::size_t n = 0; i < utf8.size() && n < units;) {
            auto const b = static_cast<unsigned char>(utf8[i]);
            n += b >= 0xF0 ? 2 : 1;
            i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        }
        return std::min(i, utf8.size());
    }
    boost::json::object state_;
    std::uint64_t rev_ = 0;
};

/// Where two JSON values first differ, as a path ("agenda[2].title"), or "" if equal.
inline std::string first_difference(boost::json::value const& a, boost::json::value const& b,
                                    std::string path = "") {
    if (a == b)
        return {};
    if (a.is_object() && b.is_object()) {
        for (auto const& [k, v] : a.as_object()) {
            auto const* w = b.as_object().if_contains(k);
            if (!w)
                return path + "." + std::string(k) + " (missing on the right)";
            if (auto d = first_difference(v, *w, path + "." + std::string(k)); !d.empty())
                return d;
        }
        return path + " (keys missing on the left)";
    }
    if (a.is_array() && b.is_array()) {
        auto const& x = a.as_array();
        auto const& y = b.as_array();
        for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
            if (auto d = first_difference(x[i], y[i], path + "[" + std::to_string(i) + "]");
                !d.empty())
                return d;
        return path + " (sizes " + std::to_string(x.size()) + " and " + std::to_string(y.size()) +
               ")";
    }
    return path + ": " + boost::json::serialize(a) + " vs " + boost::json::serialize(b);
}

/// The parts of a snapshot two viewers must agree on.
inline boost::json::object comparable(boost::json::object s) {
    s.erase("type");
    s.erase("session");
    return s;
}

} // namespace minuted::testing
