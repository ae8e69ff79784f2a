// libFuzzer target for protocol::parse_ingest_frame: the whole input is one WebSocket text
// frame. Beyond "no crash" it checks what ingest.hpp and PROTOCOL.md promise: a frame whose
// first character after blanks and a byte-order mark is not '{' is raw text, unchanged; one
// that is '{' and not valid UTF-8 is refused with invalid_utf8; a message has the fields its
// kind needs, all valid UTF-8; and the message written back (protocol::encode) parses to the
// same message.
//
// The same JSON-shaped inputs go to protocol::parse_roster too (a roster is what
// PUT /api/sessions/{id}/roster takes from the same clients): a roster it accepts is within
// its limits, all valid UTF-8, and protocol::roster_json writes it back as one that reads the
// same. And to protocol::read_streamtext_answer, as a caption service's answer to a poll: one
// it takes has content within its bound, in valid UTF-8, a language tag or none, and a
// position that does not go back.

#include "protocol/ingest.hpp"
#include "protocol/roster.hpp"
#include "protocol/streamtext.hpp"
#include "protocol/utf8.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace minuted::protocol;

void check_roster(std::string_view text) {
    auto parsed = parse_roster(text);
    auto const* roster = std::get_if<std::vector<roster_person>>(&parsed);
    if (!roster) {
        MINUTED_CHECK(!std::get<roster_refusal>(parsed).why.empty());
        return;
    }
    MINUTED_CHECK(text.size() <= max_roster_bytes);
    MINUTED_CHECK(roster->size() <= max_roster_people);
    for (auto const& p : *roster) {
        MINUTED_CHECK(!p.name.empty() && p.name.size() <= max_roster_field_bytes);
        MINUTED_CHECK(is_valid_utf8(p.name) && is_valid_utf8(p.organisation) &&
                      is_valid_utf8(p.role));
        for (auto const& a : p.aliases)
            MINUTED_CHECK(is_valid_utf8(a));
    }
    auto again = parse_roster(roster_json(*roster));
    auto const* reread = std::get_if<std::vector<roster_person>>(&again);
    MINUTED_CHECK(reread && *reread == *roster);
}

bool same(ingest_message const& a, ingest_message const& b) {
    return a.kind == b.kind && a.seq == b.seq && a.text == b.text && a.count == b.count &&
           a.title == b.title && a.agenda == b.agenda && a.instance == b.instance &&
           a.after == b.after && a.lang == b.lang;
}

void check_streamtext(std::string_view body) {
    constexpr std::size_t max_content = 4096;
    for (auto const asked : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{7}}) {
        auto const r = read_streamtext_answer(body, asked, max_content);
        MINUTED_CHECK(r.answer.has_value() == r.error.empty());
        if (!r.answer)
            continue;
        MINUTED_CHECK(r.answer->content.size() <= max_content);
        MINUTED_CHECK(is_valid_utf8(r.answer->content));
        MINUTED_CHECK(r.answer->language.empty() || is_valid_language_tag(r.answer->language));
        MINUTED_CHECK(!asked || r.answer->last_position > *asked ||
                      (r.answer->last_position == *asked && r.answer->content.empty()));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const frame(reinterpret_cast<char const*>(data), size);
    // Blanks, one UTF-8 byte-order mark, blanks, then '{' (a BOM is how Windows tools begin
    // a UTF-8 document).
    auto rest = frame.substr(std::min(frame.find_first_not_of(" \t\r\n"), frame.size()));
    if (rest.starts_with("\xEF\xBB\xBF"))
        rest.remove_prefix(3);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t\r\n"), rest.size()));
    bool const is_json = rest.starts_with('{');

    check_roster(frame);
    check_streamtext(frame);
    auto const parsed = parse_ingest_frame(frame);
    if (!parsed) {
        auto const ec = parsed.error();
        MINUTED_CHECK(is_json); // anything else is raw text, never an error
        MINUTED_CHECK(ec.category() == ingest_category());
        MINUTED_CHECK(ec.value() >= static_cast<int>(ingest_error::invalid_json) &&
                      ec.value() <= static_cast<int>(ingest_error::invalid_utf8));
        MINUTED_CHECK(!ec.message().empty());
        // 1007 for bad UTF-8, 1008 for the rest: the reason must not depend on anything else.
        MINUTED_CHECK((ec == ingest_error::invalid_utf8) == !is_valid_utf8(frame));
        return 0;
    }
    MINUTED_CHECK(is_valid_utf8(frame) || !is_json);

    auto const& m = *parsed;
    if (!is_json) {
        MINUTED_CHECK(m.kind == ingest_kind::raw);
        MINUTED_CHECK(!m.seq);
        MINUTED_CHECK(m.text == frame);
        return 0;
    }
    MINUTED_CHECK(m.kind != ingest_kind::raw);
    switch (m.kind) {
    case ingest_kind::text:
        MINUTED_CHECK(m.seq.has_value());
        break;
    case ingest_kind::erase:
        MINUTED_CHECK(m.seq.has_value());
        MINUTED_CHECK(m.count >= 1 && m.count <= 1'000'000);
        break;
    case ingest_kind::close:
        MINUTED_CHECK(m.seq.has_value());
        break;
    default:
        break;
    }
    // JSON escapes such as a lone "\ud800" must not smuggle invalid UTF-8 past the check of
    // the frame's bytes: the text goes on into the CART reader and the journal.
    MINUTED_CHECK(is_valid_utf8(m.text));
    MINUTED_CHECK(is_valid_utf8(m.title));
    MINUTED_CHECK(m.lang.empty() || is_valid_language_tag(m.lang));
    for (auto const& item : m.agenda) {
        MINUTED_CHECK(is_valid_utf8(item.title));
        MINUTED_CHECK(is_valid_utf8(item.presenter));
    }

    auto const again = encode(m);
    auto const reparsed = parse_ingest_frame(again);
    if (!reparsed) {
        std::fprintf(stderr, "fuzz_ingest: %s does not parse: %s\n", again.c_str(),
                     reparsed.error().message().c_str());
        ::minuted::fuzz::fail("the message written back parses", __FILE__, __LINE__);
    }
    MINUTED_CHECK(same(*reparsed, m));
    return 0;
}
