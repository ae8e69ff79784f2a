// libFuzzer target for protocol::cart_reader: random bytes in random chunks, with erase() and
// pending() calls in between. Beyond "no crash" it checks what cart_reader.hpp promises: the
// counters add up, the tail stays bounded, every event is clean UTF-8 without control
// characters, and a second reader fed the same bytes in one piece per stretch between two
// erase() calls gives exactly the same events and counters.

#include "protocol/cart_reader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace minuted::protocol;

/// One call made on the fuzzed reader, replayed on the reference reader.
struct step {
    bool is_erase = false;
    std::string bytes;   // put
    std::size_t n = 0;   // erase
    std::size_t ret = 0; // what erase returned
};

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto const u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

void check_string(std::string_view s, bool may_be_empty) {
    MINUTED_CHECK(may_be_empty || !s.empty());
    MINUTED_CHECK(is_valid_utf8(s));
    MINUTED_CHECK(!has_control(s));
}

// Bytes of the tail that `pending()` shows, as an upper bound of what it holds.
std::size_t shown_bytes(std::vector<caption_event> const& events) {
    std::size_t n = 0;
    for (auto const& e : events)
        n += std::visit(
            [](auto const& v) -> std::size_t {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, turn_event>)
                    return v.speaker.size();
                else
                    return v.text.size();
            },
            e);
    return n;
}

void check_events(std::vector<caption_event> const& events, line_number first_line,
                  line_number last_line) {
    line_number previous = first_line;
    for (auto const& e : events) {
        auto const line = line_of(e);
        MINUTED_CHECK(line >= previous); // events come in input order
        MINUTED_CHECK(line <= last_line);
        previous = line;
        if (auto const* t = std::get_if<turn_event>(&e)) {
            check_string(t->speaker, true);
            MINUTED_CHECK(t->speaker.find("  ") == std::string::npos);
        } else if (auto const* x = std::get_if<text_event>(&e)) {
            check_string(x->text, false);
            MINUTED_CHECK(x->text.front() != ' ' && x->text.back() != ' ');
        } else if (auto const* a = std::get_if<annotation_event>(&e)) {
            check_string(a->text, false);
        } else {
            check_string(std::get<metadata_event>(e).text, false);
        }
    }
}

bool same_stats(reader_stats const& a, reader_stats const& b) {
    return a.bytes == b.bytes && a.lines == b.lines && a.invalid_utf8 == b.invalid_utf8 &&
           a.control_chars == b.control_chars && a.erased == b.erased &&
           a.erase_rejected == b.erase_rejected && a.split_lines == b.split_lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    // Integral values come from the end of the input, bytes from the front: a text seed keeps
    // its text together.
    reader_options options;
    if (!fdp.ConsumeBool())
        options.max_tail_bytes = fdp.ConsumeIntegralInRange<std::size_t>(0, 600);
    auto const max_tail = std::max<std::size_t>(options.max_tail_bytes, 64);

    cart_reader reader(options);
    std::vector<caption_event> out;
    std::vector<step> steps;
    std::size_t total = 0, backspaces = 0, newlines = 0, erase_asked = 0;
    line_number tail_line = 1;

    while (fdp.remaining_bytes() > 0) {
        auto const op = fdp.ConsumeIntegral<std::uint8_t>();
        if (op < 16) {
            step s{true, {}, fdp.ConsumeIntegralInRange<std::size_t>(0, 80), 0};
            s.ret = reader.erase(s.n);
            MINUTED_CHECK(s.ret <= s.n);
            erase_asked += s.n;
            steps.push_back(std::move(s));
        } else if (op < 40) {
            auto const shown = reader.pending();
            MINUTED_CHECK(shown_bytes(shown) <= max_tail + 4);
            check_events(shown, reader.tail_line(), static_cast<line_number>(newlines + 1));
        } else {
            auto bytes = fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<std::size_t>(1, 512));
            if (bytes.empty())
                break;
            auto const before = out.size();
            reader.put(bytes, out);
            total += bytes.size();
            // DEL deletes as backspace does (caption services send it).
            backspaces += static_cast<std::size_t>(std::count_if(
                bytes.begin(), bytes.end(), [](char c) { return c == '\b' || c == '\x7F'; }));
            newlines += static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
            check_events({out.begin() + static_cast<std::ptrdiff_t>(before), out.end()}, tail_line,
                         static_cast<line_number>(newlines + 1));
            MINUTED_CHECK(reader.tail_line() >= tail_line);
            tail_line = reader.tail_line();
            if (!steps.empty() && !steps.back().is_erase)
                steps.back().bytes += bytes;
            else
                steps.push_back(step{false, std::move(bytes), 0, 0});
        }
    }
    reader.finish(out);
    MINUTED_CHECK(reader.pending().empty());
    check_events(out, 1, static_cast<line_number>(newlines + 1));

    auto const& stats = reader.stats();
    MINUTED_CHECK(stats.bytes == total);
    MINUTED_CHECK(stats.erased + stats.erase_rejected == erase_asked + backspaces);
    MINUTED_CHECK(stats.invalid_utf8 <= total);
    MINUTED_CHECK(stats.control_chars <= total);
    MINUTED_CHECK(stats.lines <= newlines + 1);
    MINUTED_CHECK(stats.split_lines <= 3 * total);

    // Chunking must not matter: the same bytes in one piece per stretch between erasures.
    cart_reader reference(options);
    std::vector<caption_event> expected;
    for (auto const& s : steps) {
        if (s.is_erase)
            MINUTED_CHECK(reference.erase(s.n) == s.ret);
        else
            reference.put(s.bytes, expected);
    }
    reference.finish(expected);
    MINUTED_CHECK(expected == out);
    MINUTED_CHECK(same_stats(reference.stats(), stats));
    return 0;
}
