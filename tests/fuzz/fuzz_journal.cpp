// libFuzzer target for protocol::read_journal. Each input is read twice:
//
// - as journal bytes, as a restart reads a file: random bytes rarely pass the CRC, so this
//   mostly exercises the framing and the damage reports;
// - as payloads, one per line, each framed here with its true length and CRC-32: this gets
//   mutated JSON past the checksum and into the record decoder.
//
// Beyond "no crash" it checks what journal.hpp promises: `valid_bytes` is a prefix made of
// whole records and `damage` says why the rest was not read; the records written back with
// encode_journal_record read back the same, undamaged; and where those bytes differ from the
// input, the payloads differ only in what the encoding normalises (key order, spacing, escapes,
// fields left at their default, keys the reader does not know), never in a value.

#include "protocol/journal.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/crc.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace minuted::protocol;

std::string frame(std::string_view payload) {
    boost::crc_32_type crc;
    crc.process_bytes(payload.data(), payload.size());
    std::string out;
    for (auto v : {static_cast<std::uint32_t>(payload.size()), crc.checksum()})
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
    out += payload;
    return out;
}

std::uint32_t length_of(std::string_view record) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v |= std::uint32_t{static_cast<unsigned char>(record[i])} << (8 * i);
    return v;
}

// A payload as the encoder would write its values: the known keys only, the ones left at
// their default dropped, "at" always there, numbers as plain integers.
boost::json::object normalised(std::string_view payload) {
    auto const v = boost::json::parse(payload); // read_journal accepted it: it parses
    MINUTED_CHECK(v.is_object());
    boost::json::object out;
    for (auto const& [key, value] : v.get_object()) {
        if (key == "k" || key == "text" || key == "title" || key == "epoch") {
            MINUTED_CHECK(value.is_string());
            if (key == "k" || !value.get_string().empty())
                out[key] = value;
        } else if (key == "at" || key == "seq" || key == "count") {
            MINUTED_CHECK(value.is_int64() || value.is_uint64());
            bool const zero = value.is_int64() ? value.get_int64() == 0 : value.get_uint64() == 0;
            if (key == "at" || !zero) {
                // 5 and 5u are the same number; the encoder writes what fits in an int64 as one.
                if (value.is_uint64() && value.get_uint64() <= INT64_MAX)
                    out[key] = static_cast<std::int64_t>(value.get_uint64());
                else
                    out[key] = value;
            }
        } else if (key == "agenda") {
            MINUTED_CHECK(value.is_array());
            if (!value.get_array().empty())
                out[key] = value;
        }
    }
    if (!out.contains("at"))
        out["at"] = std::int64_t{0};
    return out;
}

void check_strings(journal_record const& r) {
    MINUTED_CHECK(is_valid_utf8(r.text));
    MINUTED_CHECK(is_valid_utf8(r.title));
    MINUTED_CHECK(is_valid_utf8(r.epoch));
    for (auto const& item : r.agenda)
        MINUTED_CHECK(is_valid_utf8(item));
}

// Checks one reading of `bytes`; returns it.
journal_contents check(std::string_view bytes) {
    auto contents = read_journal(bytes);
    MINUTED_CHECK(contents.valid_bytes <= bytes.size());
    MINUTED_CHECK(contents.damage.empty() == (contents.valid_bytes == bytes.size()));

    // The records written back: the valid prefix, record by record, modulo normalisation.
    std::string again;
    std::size_t at = 0;
    for (auto const& r : contents.records) {
        check_strings(r);
        auto const encoded = encode_journal_record(r);
        MINUTED_CHECK(at + 8 <= contents.valid_bytes);
        auto const original = bytes.substr(at, 8 + std::size_t{length_of(bytes.substr(at))});
        MINUTED_CHECK(at + original.size() <= contents.valid_bytes);
        if (encoded != original) {
            auto const p = normalised(original.substr(8));
            auto const q = normalised(std::string_view(encoded).substr(8));
            if (p != q) {
                std::fprintf(stderr, "fuzz_journal: read %.*s\nwritten back as %.*s\n",
                             static_cast<int>(original.size() - 8), original.data() + 8,
                             static_cast<int>(encoded.size() - 8), encoded.data() + 8);
                ::minuted::fuzz::fail("a record written back has the values it was read with",
                                      __FILE__, __LINE__);
            }
        }
        at += original.size();
        again += encoded;
    }
    MINUTED_CHECK(at == contents.valid_bytes);

    auto const reread = read_journal(again);
    MINUTED_CHECK(reread.records == contents.records);
    MINUTED_CHECK(reread.valid_bytes == again.size());
    MINUTED_CHECK(reread.damage.empty());
    return contents;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check(input);

    // One payload per line, framed right: only the JSON can be wrong.
    std::vector<std::string> payloads;
    std::size_t start = 0;
    while (start < input.size()) {
        auto end = input.find('\n', start);
        if (end == std::string_view::npos)
            end = input.size();
        payloads.emplace_back(input.substr(start, end - start));
        start = end + 1;
    }
    std::string framed;
    std::vector<std::size_t> ends; // where each framed record ends
    for (auto const& p : payloads) {
        framed += frame(p);
        ends.push_back(framed.size());
    }
    auto const contents = check(framed);
    MINUTED_CHECK(contents.records.size() <= payloads.size());
    if (contents.records.size() == payloads.size()) {
        MINUTED_CHECK(contents.damage.empty());
    } else {
        // Framed right, so the only thing that can stop the reading is a payload that is not
        // a journal event, and it stops right before it.
        MINUTED_CHECK(contents.damage == "a record that is not a journal event");
        MINUTED_CHECK(contents.valid_bytes ==
                      (contents.records.empty() ? 0 : ends[contents.records.size() - 1]));
    }
    return 0;
}
