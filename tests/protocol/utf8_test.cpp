#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {
namespace {

constexpr char32_t fffd = replacement_character;

/// Decodes `bytes` in one put and a finish.
std::u32string decode(std::string_view bytes, std::size_t* invalid = nullptr) {
    utf8_decoder d;
    std::u32string out;
    auto emit = [&](char32_t cp) { out.push_back(cp); };
    d.put(bytes, emit);
    d.finish(emit);
    if (invalid)
        *invalid = d.invalid();
    return out;
}

/// Decodes `bytes` in pieces cut at `cuts` (sorted offsets), then finishes.
std::u32string decode_split(std::string_view bytes, std::vector<std::size_t> const& cuts,
                            std::size_t* invalid = nullptr) {
    utf8_decoder d;
    std::u32string out;
    auto emit = [&](char32_t cp) { out.push_back(cp); };
    std::size_t from = 0;
    for (auto cut : cuts) {
        d.put(bytes.substr(from, cut - from), emit);
        from = cut;
    }
    d.put(bytes.substr(from), emit);
    d.finish(emit);
    if (invalid)
        *invalid = d.invalid();
    return out;
}

TEST(utf8_decoder, ascii_passes_through_unchanged) {
    std::size_t invalid = 99;
    EXPECT_EQ(decode(">> A: hi\n", &invalid), U">> A: hi\n");
    EXPECT_EQ(invalid, 0u);
}

TEST(utf8_decoder, decodes_two_three_and_four_byte_sequences) {
    std::size_t invalid = 99;
    // é U+00E9, ‑ U+2011, € U+20AC, 😀 U+1F600
    EXPECT_EQ(decode("\xC3\xA9\xE2\x80\x91\xE2\x82\xAC\xF0\x9F\x98\x80", &invalid),
              U"\u00E9\u2011\u20AC\U0001F600");
    EXPECT_EQ(invalid, 0u);
}

TEST(utf8_decoder, decodes_the_boundary_code_points) {
    std::size_t invalid = 99;
    EXPECT_EQ(decode("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
                     &invalid),
              (std::u32string{0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF}));
    EXPECT_EQ(invalid, 0u);
}

TEST(utf8_decoder, sequence_split_at_every_byte_gives_the_same_code_points) {
    std::string const text = "a\xC3\xA9z\xE2\x80\x91y\xF0\x9F\x98\x80x";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        std::size_t invalid = 99;
        EXPECT_EQ(decode_split(text, {cut}, &invalid), U"a\u00E9z\u2011y\U0001F600x")
            << "cut at " << cut;
        EXPECT_EQ(invalid, 0u);
    }
    // One byte per put.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < text.size(); ++i)
        every.push_back(i);
    EXPECT_EQ(decode_split(text, every), U"a\u00E9z\u2011y\U0001F600x");
}

TEST(utf8_decoder, stray_continuation_and_impossible_lead_bytes_become_one_fffd_each) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode("a\x80"
                     "b\xC0"
                     "c\xC1"
                     "d\xF5"
                     "e\xFF",
                     &invalid),
              (std::u32string{'a', fffd, 'b', fffd, 'c', fffd, 'd', fffd, 'e', fffd}));
    EXPECT_EQ(invalid, 5u);
}

TEST(utf8_decoder, overlong_forms_are_invalid) {
    std::size_t invalid = 0;
    // C0 AF is an overlong '/'; E0 80 AF too; F0 80 80 AF too.
    EXPECT_EQ(decode("\xC0\xAF", &invalid), (std::u32string{fffd, fffd}));
    EXPECT_EQ(invalid, 2u);
    EXPECT_EQ(decode("\xE0\x80\xAF", &invalid), (std::u32string{fffd, fffd, fffd}));
    EXPECT_EQ(invalid, 3u);
    EXPECT_EQ(decode("\xF0\x80\x80\xAF", &invalid), (std::u32string{fffd, fffd, fffd, fffd}));
    EXPECT_EQ(invalid, 4u);
}

TEST(utf8_decoder, surrogates_and_values_above_10ffff_are_invalid) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode("\xED\xA0\x80", &invalid), (std::u32string{fffd, fffd, fffd}));
    EXPECT_EQ(invalid, 3u);
    EXPECT_EQ(decode("\xF4\x90\x80\x80", &invalid), (std::u32string{fffd, fffd, fffd, fffd}));
    EXPECT_EQ(invalid, 4u);
}

// The example of Unicode 15, section 3.9, Table 3-8 ("U+FFFD for maximal subparts").
TEST(utf8_decoder, replaces_maximal_subparts_as_in_unicode_table_3_8) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", &invalid),
              (std::u32string{'a', fffd, fffd, fffd, 'b', fffd, 'c', fffd, fffd, 'd'}));
    EXPECT_EQ(invalid, 6u);
}

TEST(utf8_decoder, truncated_sequence_before_ascii_is_one_fffd_and_keeps_the_ascii) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode("x\xE2\x82y", &invalid), (std::u32string{'x', fffd, 'y'}));
    EXPECT_EQ(invalid, 1u);
}

TEST(utf8_decoder, invalid_sequence_split_across_puts_is_replaced_once) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode_split("x\xE2\x82y", {2}, &invalid), (std::u32string{'x', fffd, 'y'}));
    EXPECT_EQ(invalid, 1u);
    EXPECT_EQ(decode_split("x\xE2\x82y", {3}, &invalid), (std::u32string{'x', fffd, 'y'}));
    EXPECT_EQ(invalid, 1u);
}

// Regression: a sequence with a narrowed second-byte range (E0, ED, F0, F4) that broke off
// left the narrowed range in place, so the next two-byte sequence was rejected.
TEST(utf8_decoder, broken_off_sequence_does_not_narrow_the_next_sequence) {
    std::size_t invalid = 0;
    EXPECT_EQ(decode("\xE0"
                     "A\xC3\x80\xF4"
                     "B\xC3\xA9\xED"
                     "C\xC2\xBF",
                     &invalid),
              (std::u32string{fffd, 'A', 0xC0, fffd, 'B', 0xE9, fffd, 'C', 0xBF}));
    EXPECT_EQ(invalid, 3u);
}

TEST(utf8_decoder, finish_replaces_an_incomplete_trailing_sequence_once) {
    utf8_decoder d;
    std::u32string out;
    auto emit = [&](char32_t cp) { out.push_back(cp); };
    d.put("ok\xF0\x9F\x98", emit);
    EXPECT_EQ(out, U"ok");
    d.finish(emit);
    EXPECT_EQ(out, (std::u32string{'o', 'k', fffd}));
    EXPECT_EQ(d.invalid(), 1u);
    d.finish(emit); // nothing left to replace
    EXPECT_EQ(d.invalid(), 1u);
}

// Regression companion: finish() must leave the decoder ready for a fresh sequence too.
TEST(utf8_decoder, decodes_normally_after_finish_of_a_narrowed_sequence) {
    utf8_decoder d;
    std::u32string out;
    auto emit = [&](char32_t cp) { out.push_back(cp); };
    d.put("\xF4", emit);
    d.finish(emit);
    d.put("\xC3\xA9", emit);
    EXPECT_EQ(out, (std::u32string{fffd, 0xE9}));
    EXPECT_EQ(d.invalid(), 1u);
}

TEST(append_utf8, encodes_what_the_decoder_decodes) {
    for (char32_t cp : {char32_t{0}, char32_t{0x41}, char32_t{0x7F}, char32_t{0x80}, char32_t{0xA0},
                        char32_t{0x7FF}, char32_t{0x800}, char32_t{0x2011}, char32_t{0xD7FF},
                        char32_t{0xE000}, char32_t{0xFFFD}, char32_t{0xFFFF}, char32_t{0x10000},
                        char32_t{0x1F600}, char32_t{0x10FFFF}}) {
        std::string bytes;
        append_utf8(bytes, cp);
        std::size_t invalid = 99;
        EXPECT_EQ(decode(bytes, &invalid), std::u32string(1, cp))
            << std::hex << static_cast<std::uint32_t>(cp);
        EXPECT_EQ(invalid, 0u);
    }
}

TEST(append_utf8, uses_the_shortest_form) {
    std::string s;
    append_utf8(s, 0xE9);
    EXPECT_EQ(s, "\xC3\xA9");
    s.clear();
    append_utf8(s, 0x2011);
    EXPECT_EQ(s, "\xE2\x80\x91");
    s.clear();
    append_utf8(s, 0x1F600);
    EXPECT_EQ(s, "\xF0\x9F\x98\x80");
}

TEST(is_valid_utf8, accepts_valid_text_and_rejects_each_kind_of_invalid_input) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("Secretary\xE2\x80\x91General\xC2\xA0said"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("abc\xE2\x82"));      // truncated at the end
}

/// Each letter of `upper` lower-cases to the letter at the same place in `lower` and back.
void expect_case_pairs(std::u32string_view upper, std::u32string_view lower) {
    ASSERT_EQ(upper.size(), lower.size());
    for (std::size_t i = 0; i < upper.size(); ++i) {
        EXPECT_EQ(simple_lower(upper[i]), lower[i]) << "U+" << std::hex << +upper[i];
        EXPECT_EQ(simple_upper(lower[i]), upper[i]) << "U+" << std::hex << +lower[i];
        EXPECT_EQ(simple_lower(lower[i]), lower[i]) << "U+" << std::hex << +lower[i];
        EXPECT_EQ(simple_upper(upper[i]), upper[i]) << "U+" << std::hex << +upper[i];
    }
}

TEST(simple_case, maps_the_letters_of_latin_alphabets_both_ways) {
    expect_case_pairs(U"ABCDEFGHIJKLMNOPQRSTUVWXYZ", U"abcdefghijklmnopqrstuvwxyz");
    expect_case_pairs(U"ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ", U"àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ");
    expect_case_pairs(U"ĄĆĘŁŃŚŹŻ", U"ąćęłńśźż");         // Polish
    expect_case_pairs(U"ČĎĚĽĹŇŔŘŠŤŮŽ", U"čďěľĺňŕřšťůž"); // Czech, Slovak
    expect_case_pairs(U"ĞŞŐŰĂȘȚŢ", U"ğşőűășțţ");         // Turkish, Hungarian, Romanian
    expect_case_pairs(U"ĀĒĢĪĶĻŅŪĖĮŲ", U"āēģīķļņūėįų");   // Latvian, Lithuanian
    expect_case_pairs(U"ĈĜĤĴŜŬŊŒĦĐ", U"ĉĝĥĵŝŭŋœħđ");     // Esperanto, Sami, Maltese
    expect_case_pairs(U"ƏƁƊƐƆƔƝƩƱƲƳƷǍǏǑǓǕǗǙǛǞǠǢǤǦǨǪǬǮǴǸǺǼǾȀȂȄȆȈȊȌȎȐȒȔȖȘȚȜȞȠȢȤȦȨȪȬȮȰȲȺȻȽȾɁɃɄɅɆɈɊɌɎ",
                      U"əɓɗɛɔɣɲʃʊʋƴʒǎǐǒǔǖǘǚǜǟǡǣǥǧǩǫǭǯǵǹǻǽǿȁȃȅȇȉȋȍȏȑȓȕȗșțȝȟƞȣȥȧȩȫȭȯȱȳⱥȼƚⱦɂƀʉʌɇɉɋɍɏ");
    expect_case_pairs(U"ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸƠƯ",
                      U"ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹơư"); // Vietnamese
    expect_case_pairs(U"ḂḊḞṀṖṠṪẀẂẄ", U"ḃḋḟṁṗṡṫẁẃẅ");                       // Irish, Welsh
}

TEST(simple_case, maps_the_letters_of_greek_and_cyrillic_both_ways) {
    expect_case_pairs(U"ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΆΈΉΊΌΎΏΪΫ", U"αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋ");
    expect_case_pairs(U"ἈἘἨἸὈὙὨᾺΈῊΊῸΎῺ", U"ἀἐἠἰὀὑὠὰέὴίὸύὼ"); // polytonic
    expect_case_pairs(U"ϘϚϜϞϠϢϷϺͰͲͶ", U"ϙϛϝϟϡϣϸϻͱͳͷ");       // archaic and Coptic
    expect_case_pairs(U"АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁ",
                      U"абвгдежзийклмнопрстуфхцчшщъыьэюяё");       // Russian
    expect_case_pairs(U"ҐЄІЇЂЈЉЊЋЏЃЅЌЎЀЍ", U"ґєіїђјљњћџѓѕќўѐѝ");   // Ukrainian, Serbian, ...
    expect_case_pairs(U"ӘҒҚҢӨҰҮҺӀӁӜӞӤӦӲӸ", U"әғқңөұүһӏӂӝӟӥӧӳӹ");   // Kazakh, Chuvash, ...
    expect_case_pairs(U"ѠѢѤѦѨѪѬѮѰѲѴѶѸѺѼѾҀ", U"ѡѣѥѧѩѫѭѯѱѳѵѷѹѻѽѿҁ"); // historic
    expect_case_pairs(U"ԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮ",
                      U"ԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯ");
    expect_case_pairs(U"ꙀꙂꙄꙆꙈꙊꙌꙎ", U"ꙁꙃꙅꙇꙉꙋꙍꙏ"); // Cyrillic Extended-B
}

TEST(simple_case, follows_unicode_data_where_a_mapping_is_one_way) {
    EXPECT_EQ(simple_lower(U'İ'), U'i'); // SpecialCasing's "i̇" is two code points
    EXPECT_EQ(simple_upper(U'ı'), U'I');
    EXPECT_EQ(simple_upper(U'ß'), U'ß'); // "SS" is two
    EXPECT_EQ(simple_lower(U'ẞ'), U'ß');
    EXPECT_EQ(simple_upper(U'ς'), U'Σ');
    EXPECT_EQ(simple_lower(U'Σ'), U'σ');
    EXPECT_EQ(simple_upper(U'ſ'), U'S');
    EXPECT_EQ(simple_lower(U'\u2126'), U'ω'); // ohm sign
    EXPECT_EQ(simple_lower(U'\u212A'), U'k'); // kelvin sign
    EXPECT_EQ(simple_upper(U'ᵽ'), U'Ᵽ');
    EXPECT_EQ(simple_upper(U'ａ'), U'Ａ');
    EXPECT_EQ(simple_upper(U'ᾀ'), U'ᾈ'); // with ypogegrammeni: titlecase, not "ἈΙ"
    EXPECT_EQ(simple_upper(U'ŉ'), U'ŉ');
    EXPECT_EQ(simple_upper(U'ǆ'), U'Ǆ');
    EXPECT_EQ(simple_title(U'ǆ'), U'ǅ');
    EXPECT_EQ(simple_title(U'Ǳ'), U'ǲ');
    EXPECT_EQ(simple_title(U'ł'), U'Ł');
    for (char32_t cp : {U'7', U'-', U' ', U'中', U'😀', U'ª', U'ʰ', U'\u0301'}) {
        EXPECT_EQ(simple_lower(cp), cp);
        EXPECT_EQ(simple_upper(cp), cp);
    }
}

TEST(simple_case, covers_every_letter_of_the_latin_greek_and_cyrillic_blocks) {
    // Counted in UnicodeData.txt 14.0 over the blocks gen_utf8_case.py reads: a table that
    // lost or gained a run changes these.
    struct block {
        char32_t first, last;
    };
    constexpr block blocks[] = {{0x0000, 0x052F}, {0x1C80, 0x1C8F}, {0x1D00, 0x1DBF},
                                {0x1E00, 0x1FFF}, {0x2126, 0x2126}, {0x212A, 0x212B},
                                {0x2C60, 0x2C7F}, {0xA640, 0xA69F}, {0xA720, 0xA7FF},
                                {0xAB30, 0xAB6F}, {0xFF21, 0xFF5A}};
    // Letters whose case pair maps back elsewhere: symbols, titlecase digraphs, long s.
    constexpr std::u32string_view one_way =
        U"µİıſǅǈǋǲͅςϐϑϕϖϰϱϴϵᲀᲁᲂᲃᲄᲅᲆᲇᲈẛẞ\u1FBE"
        U"\u2126\u212A\u212B";
    std::size_t lowered = 0;
    std::size_t uppered = 0;
    for (auto const b : blocks) {
        for (char32_t cp = b.first; cp <= b.last; ++cp) {
            auto const l = simple_lower(cp);
            auto const u = simple_upper(cp);
            lowered += l != cp;
            uppered += u != cp;
            if (one_way.find(cp) != std::u32string_view::npos)
                continue;
            if (l != cp) {
                EXPECT_EQ(simple_upper(l), cp) << "U+" << std::hex << +cp;
            }
            if (u != cp) {
                EXPECT_EQ(simple_lower(u), cp) << "U+" << std::hex << +cp;
            }
        }
    }
    EXPECT_EQ(lowered, 818u);
    EXPECT_EQ(uppered, 835u);
}

TEST(utf16_length, counts_as_javascript_does) {
    EXPECT_EQ(utf16_length(""), 0u);
    EXPECT_EQ(utf16_length("abc"), 3u);
    EXPECT_EQ(utf16_length("r\xC3\xA9sum\xC3\xA9"), 6u); // résumé: two-byte é count 1
    EXPECT_EQ(utf16_length("\xE2\x82\xAC"), 1u);         // €
    EXPECT_EQ(utf16_length("a\xF0\x9D\x84\x9E"
                           "b"),
              4u); // a𝄞b: a surrogate pair
}

TEST(utf8_prefix, cuts_on_a_character_boundary_within_the_bytes) {
    EXPECT_EQ(utf8_prefix("abc", 5), "abc");
    EXPECT_EQ(utf8_prefix("abc", 2), "ab");
    EXPECT_EQ(utf8_prefix("a\xC3\xA9", 2), "a"); // not half of the é
    EXPECT_EQ(utf8_prefix("a\xC3\xA9", 3), "a\xC3\xA9");
    EXPECT_EQ(utf8_prefix("\xF0\x9D\x84\x9E", 3), "");
    EXPECT_EQ(utf8_prefix("ab", 0), "");
}

} // namespace
} // namespace minuted::protocol
