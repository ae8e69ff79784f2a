#pragma once

#include "config/config.hpp"

// toml++ 3.3 asserts, in builds without NDEBUG, that a table header's first key starts with a
// key's character ("[|x]" fails it), then reports that very case as a parse error, as it does
// in every build with NDEBUG: its own debug checks, not minuted's, must not abort a Debug
// build's daemon on a bad config.
#ifndef NDEBUG
#define TOML_ASSERT(expr) static_assert(true)
#endif
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// How parse_config reads TOML: the text into a table, and a table's keys into typed values,
// every error a config_error naming the file, line and column. Private to config/.
namespace minuted::config::detail {

/// Throws config_error naming `source` and the start of `where`.
[[noreturn]] void fail(std::string_view source, toml::source_region const& where,
                       std::string const& what);

/// Parses TOML `text` (named `source` in errors) into a table. Text toml++ cannot read safely
/// and TOML syntax errors throw config_error with the line and column. Pure.
toml::table parse_toml(std::string_view text, std::string_view source);

// Reads a table with a fixed set of keys: every key is visited once and unknown keys are
// errors, so a typo never silently falls back to a default.
class table_reader {
public:
    table_reader(toml::table const& table, std::string_view source, std::string prefix)
        : table_(table), source_(source), prefix_(std::move(prefix)) {}

    template <class T>
    std::optional<T> get(std::string_view key) {
        seen_.emplace_back(key);
        auto const* node = table_.get(key);
        if (!node)
            return std::nullopt;
        if constexpr (std::is_same_v<T, toml::table const*>) {
            if (auto const* t = node->as_table())
                return t;
            fail(source_, node->source(), name(key) + " must be a table");
        } else if constexpr (std::is_same_v<T, toml::array const*>) {
            if (auto const* a = node->as_array())
                return a;
            fail(source_, node->source(), name(key) + " must be an array");
        } else {
            // The type first: toml++ converts a float such as 61e36 to an integer with
            // undefined behaviour.
            if ((std::is_same_v<T, std::int64_t> && !node->is_integer()) ||
                (std::is_same_v<T, std::string> && !node->is_string()))
                fail(source_, node->source(), name(key) + " must be " + type_name<T>());
            auto const v = node->value<T>();
            if (!v)
                fail(source_, node->source(), name(key) + " must be " + type_name<T>());
            return v;
        }
    }

    toml::source_region where(std::string_view key) const {
        auto const* node = table_.get(key);
        return node ? node->source() : table_.source();
    }

    std::string name(std::string_view key) const {
        return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    }

    void reject_unknown() const {
        for (auto const& [key, node] : table_) {
            if (std::find(seen_.begin(), seen_.end(), key.str()) == seen_.end())
                fail(source_, key.source(), "unknown key '" + name(key.str()) + "'");
        }
    }

private:
    template <class T>
    static std::string type_name() {
        if constexpr (std::is_same_v<T, std::string>)
            return "a string";
        else
            return "an integer";
    }

    toml::table const& table_;
    std::string_view source_;
    std::string prefix_;
    std::vector<std::string> seen_;
};

/// A count that must be greater than 0; `fallback` when the key is absent.
std::size_t positive(table_reader& r, std::string_view key, std::size_t fallback,
                     std::string_view source);

/// A limit that may be 0 (none); `fallback` when the key is absent.
std::size_t zero_or_more(table_reader& r, std::string_view key, std::size_t fallback,
                         std::string_view source);

/// A positive duration written as parse_duration reads it ("500ms", "30s"), kept in
/// `Duration`; `fallback` when the key is absent.
template <class Duration>
Duration duration(table_reader& r, std::string_view key, Duration fallback,
                  std::string_view source) {
    auto const v = r.get<std::string>(key);
    if (!v)
        return fallback;
    std::chrono::milliseconds d{};
    try {
        d = parse_duration(*v);
        if (d.count() <= 0)
            throw std::invalid_argument("must be positive");
    } catch (std::invalid_argument const&) {
        fail(source, r.where(key),
             r.name(key) +
                 " must be a positive duration such as \"500ms\", \"30s\", \"5m\" or \"1h\", not "
                 "\"" +
                 *v + "\"");
    }
    // A setting kept in seconds would truncate "500ms" to 0s: an idle timeout of zero.
    auto const kept = std::chrono::duration_cast<Duration>(d);
    if (kept.count() <= 0)
        fail(source, r.where(key),
             r.name(key) + " must be at least 1" +
                 (std::is_same_v<Duration, std::chrono::seconds> ? "s" : "ms") + ", not \"" + *v +
                 "\"");
    return kept;
}

/// Refuses `value` (read from `key`) above `max`, spelled `max_text` in the error.
void at_most(table_reader& r, std::string_view key, std::chrono::milliseconds value,
             std::chrono::milliseconds max, std::string_view max_text, std::string_view source);

/// A token: empty (none), or at least 16 printable characters with no spaces.
std::string token(table_reader& r, std::string_view key, std::string_view source);

/// Reads [webhooks], [[webhook]] and [mail] of `top` into `s` (config/send_on.cpp).
void read_send_on(table_reader& top, settings& s, std::string_view source);

} // namespace minuted::config::detail
