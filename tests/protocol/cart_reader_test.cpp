#include "protocol/cart_reader.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

// Readable failure messages: gtest would otherwise print the events as raw bytes.
void PrintTo(turn_event const& e, std::ostream* os) {
    *os << "turn{" << e.line << ", \"" << e.speaker << "\"}";
}
void PrintTo(text_event const& e, std::ostream* os) {
    *os << "text{" << e.line << ", \"" << e.text << "\"" << (e.paragraph ? ", paragraph" : "")
        << "}";
}
void PrintTo(annotation_event const& e, std::ostream* os) {
    *os << "annotation{" << e.line << ", \"" << e.text << "\"}";
}
void PrintTo(metadata_event const& e, std::ostream* os) {
    *os << (e.kind == metadata_kind::header ? "header{" : "boilerplate{") << e.line << ", \""
        << e.text << "\"}";
}
void PrintTo(caption_event const& e, std::ostream* os) {
    std::visit([os](auto const& v) { PrintTo(v, os); }, e);
}

namespace {

using namespace std::string_view_literals;
using events = std::vector<caption_event>;
using minuted::testing::read_test_file;

caption_event turn(line_number n, std::string speaker) {
    return turn_event{n, std::move(speaker)};
}
caption_event text(line_number n, std::string t, bool paragraph = false) {
    return text_event{n, std::move(t), paragraph};
}
caption_event note(line_number n, std::string t) {
    return annotation_event{n, std::move(t)};
}
caption_event header(line_number n, std::string t) {
    return metadata_event{n, metadata_kind::header, std::move(t)};
}
caption_event boilerplate(line_number n, std::string t) {
    return metadata_event{n, metadata_kind::boilerplate, std::move(t)};
}

struct reader_run {
    events out;
    reader_stats stats;
};

/// Feeds `input` in one put, then finishes.
reader_run read_whole(std::string_view input, reader_options options = {}) {
    cart_reader r(options);
    reader_run run;
    r.put(input, run.out);
    r.finish(run.out);
    run.stats = r.stats();
    return run;
}

events read_events(std::string_view input) {
    return read_whole(input).out;
}

bool is_speech(caption_event const& e) {
    return !std::holds_alternative<metadata_event>(e);
}

std::size_t pending_bytes(cart_reader const& r) {
    std::size_t n = 0;
    for (auto const& e : r.pending()) {
        if (auto const* t = std::get_if<text_event>(&e))
            n += t->text.size();
        else if (auto const* u = std::get_if<turn_event>(&e))
            n += u->speaker.size();
        else if (auto const* a = std::get_if<annotation_event>(&e))
            n += a->text.size() + 2;
        else
            n += std::get<metadata_event>(e).text.size();
    }
    return n;
}

void expect_same_stats(reader_stats const& a, reader_stats const& b) {
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.lines, b.lines);
    EXPECT_EQ(a.invalid_utf8, b.invalid_utf8);
    EXPECT_EQ(a.control_chars, b.control_chars);
    EXPECT_EQ(a.erased, b.erased);
    EXPECT_EQ(a.erase_rejected, b.erase_rejected);
    EXPECT_EQ(a.split_lines, b.split_lines);
}

// ---------------------------------------------------------------------------------------
// Speaker turns

TEST(cart_reader, upper_case_label_after_chevrons_is_a_named_turn) {
    EXPECT_EQ(read_events(">> MARKUS KUMMER: Hello, everyone! Markus here.\n"),
              (events{turn(1, "MARKUS KUMMER"), text(1, "Hello, everyone! Markus here.")}));
}

TEST(cart_reader, bare_chevrons_are_a_turn_with_empty_speaker) {
    EXPECT_EQ(read_events(">> Hi, everyone.\n>>\n>> MARKUS KUMMER: Hello!\n"),
              (events{turn(1, ""), text(1, "Hi, everyone."), turn(2, ""), turn(3, "MARKUS KUMMER"),
                      text(3, "Hello!")}));
}

TEST(cart_reader, mixed_case_full_name_is_a_speaker_label) {
    EXPECT_EQ(read_events(">> Courtney Rausch:  Thank you very much.\n"),
              (events{turn(1, "Courtney Rausch"), text(1, "Thank you very much.")}));
}

TEST(cart_reader, lower_case_name_particle_inside_upper_case_label_is_kept) {
    EXPECT_EQ(
        read_events(">> YASMIN CURZI de MENDONCA:  It is a pleasure to be here.\n"),
        (events{turn(1, "YASMIN CURZI de MENDONCA"), text(1, "It is a pleasure to be here.")}));
}

TEST(cart_reader, runs_of_spaces_inside_a_label_collapse_to_one) {
    EXPECT_EQ(read_events(">>  CHRIS  MARSDEN :hi\n"),
              (events{turn(1, "CHRIS MARSDEN"), text(1, "hi")}));
}

TEST(cart_reader, colon_after_a_single_capitalised_word_is_speech_not_a_label) {
    EXPECT_EQ(read_events(">> Yes: we agree.\n>> Note: the call starts at 10:30.\n"),
              (events{turn(1, ""), text(1, "Yes: we agree."), turn(2, ""),
                      text(2, "Note: the call starts at 10:30.")}));
}

TEST(cart_reader, colon_of_a_url_is_speech_not_a_label) {
    EXPECT_EQ(read_events(">> See https://www.intgovforum.org/en for the agenda.\n"),
              (events{turn(1, ""), text(1, "See https://www.intgovforum.org/en for the agenda.")}));
}

TEST(cart_reader, colons_after_a_label_stay_in_the_speech) {
    EXPECT_EQ(read_events(">> ROMAN CHUKOV: It is at http://example.org:8080/dc: have a look.\n"),
              (events{turn(1, "ROMAN CHUKOV"),
                      text(1, "It is at http://example.org:8080/dc: have a look.")}));
}

TEST(cart_reader, sentence_before_a_colon_is_speech_not_a_label) {
    EXPECT_EQ(read_events(">> Roman said this: we wait.\n"),
              (events{turn(1, ""), text(1, "Roman said this: we wait.")}));
}

// ---------------------------------------------------------------------------------------
// Paragraphs, header and boilerplate

TEST(cart_reader, line_after_a_blank_line_starts_a_paragraph_and_next_line_continues_it) {
    EXPECT_EQ(read_events(">> MARKUS KUMMER: First paragraph.\n"
                          "\n"
                          "Second paragraph,\n"
                          "still the second.\n"
                          "\n"
                          ">> AMALI: Hi.\n"),
              (events{turn(1, "MARKUS KUMMER"), text(1, "First paragraph."),
                      text(3, "Second paragraph,", true), text(4, "still the second."),
                      turn(6, "AMALI"), text(6, "Hi.")}));
}

TEST(cart_reader, header_lines_before_the_first_turn_are_metadata_not_speech) {
    auto const in = "\n"
                    "\n"
                    "RAW FILE\n"
                    "\n"
                    "DYNAMIC COALITIONS COORDINATION GROUP MEETING 90  \n"
                    "NOVEMBER 8, 2024  \n"
                    "11:30 A.M. CT\n"
                    "\n"
                    "Services provided by:  \n"
                    "Caption First, Inc.  \n"
                    "[www.captionfirst.com](http://www.captionfirst.com)\n"
                    "\n"
                    ">> Hi, everyone.  \n"sv;
    EXPECT_EQ(read_events(in),
              (events{boilerplate(3, "RAW FILE"),
                      header(5, "DYNAMIC COALITIONS COORDINATION GROUP MEETING 90"),
                      header(6, "NOVEMBER 8, 2024"), header(7, "11:30 A.M. CT"),
                      boilerplate(9, "Services provided by:"), header(10, "Caption First, Inc."),
                      header(11, "[www.captionfirst.com](http://www.captionfirst.com)"),
                      turn(13, ""), text(13, "Hi, everyone.")}));
}

TEST(cart_reader, cart_disclaimer_is_boilerplate_before_and_after_the_speech) {
    std::string const disclaimer =
        "This text is being provided in a rough draft format. Communication Access Realtime "
        "Translation (CART) is provided in order to facilitate communication accessibility and "
        "may not be a totally verbatim record of the proceedings.";
    auto const in = disclaimer + "\n\n>> AVRI DORIA: Thank you!\n\n" + disclaimer;
    EXPECT_EQ(read_events(in), (events{boilerplate(1, disclaimer), turn(3, "AVRI DORIA"),
                                       text(3, "Thank you!"), boilerplate(5, disclaimer)}));
}

TEST(cart_reader, captioning_outputs_notice_is_boilerplate) {
    std::string const notice =
        "The following are the outputs of the captioning taken during an IGF virtual "
        "intervention. Although it is largely accurate, in some cases it may be incomplete.";
    EXPECT_EQ(read_events("IGF 2021 Day 2\n\n" + notice + "\n>> A B: Good morning.\n"),
              (events{header(1, "IGF 2021 Day 2"), boilerplate(3, notice), turn(4, "A B"),
                      text(4, "Good morning.")}));
}

TEST(cart_reader, long_line_before_any_turn_is_speech_not_header) {
    std::string const line(150, 'x');
    EXPECT_EQ(read_events("TITLE\n" + line + "\nmore\n"),
              (events{header(1, "TITLE"), text(2, line), text(3, "more")}));
}

TEST(cart_reader, live_captions_without_turns_are_speech_not_a_header) {
    // As StreamText or Zoom's caption API send them: no ">>", short lines.
    auto const in = "Good morning, everyone.\nWelcome to the budget committee.\n\nFirst item.\n"sv;
    reader_options live;
    live.source = text_source::live;
    EXPECT_EQ(read_whole(in, live).out,
              (events{text(1, "Good morning, everyone."),
                      text(2, "Welcome to the budget committee."), text(4, "First item.", true)}));
    // The same text read as a file is its header.
    EXPECT_EQ(read_events(in),
              (events{header(1, "Good morning, everyone."),
                      header(2, "Welcome to the budget committee."), header(4, "First item.")}));
    // Live, a provider's disclaimer is still not speech, as after a file's first turn.
    auto const disclaimer = "This text is being provided in a rough draft format. "
                            "Communication Access Realtime Translation (CART) is provided.";
    EXPECT_EQ(read_whole(std::string(disclaimer) + "\nRAW FILE\n>> A B: Hi.\n", live).out,
              (events{boilerplate(1, disclaimer), boilerplate(2, "RAW FILE"), turn(3, "A B"),
                      text(3, "Hi.")}));
}

// A speaker may well say "services provided by"; only a disclaimer is not speech.
TEST(cart_reader, speech_paragraph_quoting_a_disclaimer_phrase_stays_speech) {
    EXPECT_EQ(read_events(">> WOUT DE NATRIS: Let me explain.\n"
                          "\n"
                          "The services provided by the secretariat are excellent.\n"),
              (events{turn(1, "WOUT DE NATRIS"), text(1, "Let me explain."),
                      text(3, "The services provided by the secretariat are excellent.", true)}));
}

// ---------------------------------------------------------------------------------------
// Annotations

TEST(cart_reader, parenthesised_note_on_its_own_line_is_an_annotation) {
    EXPECT_EQ(read_events(">> A B: Hello.\n(Talking at the same time)\n"),
              (events{turn(1, "A B"), text(1, "Hello."), note(2, "Talking at the same time")}));
}

TEST(cart_reader, annotation_at_the_start_of_a_turn_precedes_its_text) {
    EXPECT_EQ(read_events(">> AMALI: (Laughing) It's actually the middle of the night.\n"),
              (events{turn(1, "AMALI"), note(1, "Laughing"),
                      text(1, "It's actually the middle of the night.")}));
}

TEST(cart_reader, question_mark_in_parentheses_is_an_annotation_inside_speech) {
    EXPECT_EQ(read_events(">> MARKO PALOSKI: I am here instead of (?) so I joined on Friday.\n"),
              (events{turn(1, "MARKO PALOSKI"), text(1, "I am here instead of"), note(1, "?"),
                      text(1, "so I joined on Friday.")}));
}

TEST(cart_reader, bracketed_inaudible_is_an_annotation) {
    EXPECT_EQ(
        read_events(">> A B: It was [inaudible] yesterday.\n"),
        (events{turn(1, "A B"), text(1, "It was"), note(1, "inaudible"), text(1, "yesterday.")}));
}

TEST(cart_reader, parenthesised_words_that_are_not_a_note_stay_text) {
    EXPECT_EQ(read_events(">> A B: Slides (when provided) go to the list.\n"),
              (events{turn(1, "A B"), text(1, "Slides (when provided) go to the list.")}));
}

TEST(cart_reader, double_bracketed_code_stays_text) {
    EXPECT_EQ(read_events(">> A B: Press [[Get]] to download.\n"),
              (events{turn(1, "A B"), text(1, "Press [[Get]] to download.")}));
}

// ---------------------------------------------------------------------------------------
// Normalisation and repair

TEST(cart_reader, no_break_space_becomes_space_and_non_breaking_hyphen_becomes_hyphen) {
    auto const run = read_whole(">> OLIVIER REPIN\xE2\x80\x91LEBLOND:\xC2\xA0"
                                "The Secretary\xE2\x80\x91General\xC2\xA0said so.\xC2\xA0\n");
    EXPECT_EQ(run.out, (events{turn(1, "OLIVIER REPIN-LEBLOND"),
                               text(1, "The Secretary-General said so.")}));
    EXPECT_EQ(run.stats.invalid_utf8, 0u);
}

TEST(cart_reader, tab_becomes_space) {
    EXPECT_EQ(read_events(">> A B:\tone\ttwo\n"), (events{turn(1, "A B"), text(1, "one two")}));
}

TEST(cart_reader, crlf_line_ends_read_like_lf) {
    auto const crlf = read_whole(">> A B: one\r\n\r\ntwo\r\n>> C D: three\r\n");
    auto const lf = read_whole(">> A B: one\n\ntwo\n>> C D: three\n");
    EXPECT_EQ(crlf.out, lf.out);
    EXPECT_EQ(crlf.out, (events{turn(1, "A B"), text(1, "one"), text(3, "two", true),
                                turn(4, "C D"), text(4, "three")}));
    EXPECT_EQ(crlf.stats.lines, 4u);
    EXPECT_EQ(crlf.stats.control_chars, 0u);
}

TEST(cart_reader, invalid_utf8_is_replaced_and_counted) {
    auto const run = read_whole(">> A B: caf\xFF bar \xC0\xAF!\n");
    EXPECT_EQ(run.out,
              (events{turn(1, "A B"), text(1, "caf\xEF\xBF\xBD bar \xEF\xBF\xBD\xEF\xBF\xBD!")}));
    EXPECT_EQ(run.stats.invalid_utf8, 3u);
}

TEST(cart_reader, valid_sequence_split_across_two_puts_is_decoded_whole) {
    cart_reader r;
    events out;
    r.put(">> A B: caf\xC3", out);
    r.put("\xA9 ok\n", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "caf\xC3\xA9 ok")}));
    EXPECT_EQ(r.stats().invalid_utf8, 0u);
}

TEST(cart_reader, invalid_sequence_split_across_two_puts_is_replaced_once) {
    cart_reader r;
    events out;
    r.put(">> A B: x\xE2\x82", out);
    r.put("y\n", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "x\xEF\xBF\xBDy")}));
    EXPECT_EQ(r.stats().invalid_utf8, 1u);
    EXPECT_EQ(r.stats().bytes, 13u);
}

TEST(cart_reader, incomplete_sequence_at_end_of_stream_is_replaced_by_finish) {
    cart_reader r;
    events out;
    r.put(">> A B: end\xF0\x9F\x98", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "end\xEF\xBF\xBD")}));
    EXPECT_EQ(r.stats().invalid_utf8, 1u);
}

TEST(cart_reader, nul_and_control_characters_are_dropped_and_counted) {
    auto const run = read_whole(">> A B: a\0b\x01"
                                "c\x1B[0md\x1F e\xC2\x85"
                                "f\x0C\n"sv);
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "abc[0md ef")}));
    EXPECT_EQ(run.stats.control_chars, 6u);
    EXPECT_EQ(run.stats.invalid_utf8, 0u);
}

TEST(cart_reader, byte_order_mark_is_not_text) {
    auto const run = read_whole("\xEF\xBB\xBF>> A B: hi\n");
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "hi")}));
}

// ---------------------------------------------------------------------------------------
// Corrections: backspace and erase()

TEST(cart_reader, backspace_corrects_provisional_text) {
    auto const run = read_whole(">> A B: Helx\blo wrld\b\b\borld\n");
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "Hello world")}));
    EXPECT_EQ(run.stats.erased, 4u);
    EXPECT_EQ(run.stats.erase_rejected, 0u);
}

TEST(cart_reader, del_deletes_like_backspace) {
    // What StreamText's caption URL sends for a stenographer's deletions.
    auto const run = read_whole(">> A B: Helx\x7Flo wrld\x7F\x7F\x7Forld\n"sv);
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "Hello world")}));
    EXPECT_EQ(run.stats.erased, 4u);
    EXPECT_EQ(run.stats.control_chars, 0u);
}

TEST(cart_reader, backspace_removes_a_whole_multibyte_character) {
    auto const run = read_whole(">> A B: caf\xC3\xA9\be \xE2\x80\x94\b-\n");
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "cafe -")}));
    EXPECT_EQ(run.stats.erased, 2u);
}

TEST(cart_reader, backspace_after_a_newline_joins_the_lines) {
    auto const run = read_whole(">> A B: one\n\b two\nnext\n");
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "one two"), text(2, "next")}));
    EXPECT_EQ(run.stats.lines, 2u);
    EXPECT_EQ(run.stats.erased, 1u);
}

TEST(cart_reader, backspace_at_the_start_of_the_stream_is_refused) {
    auto const run = read_whole("\b>> A B: hi\n");
    EXPECT_EQ(run.out, (events{turn(1, "A B"), text(1, "hi")}));
    EXPECT_EQ(run.stats.erased, 0u);
    EXPECT_EQ(run.stats.erase_rejected, 1u);
}

TEST(cart_reader, backspace_into_committed_line_is_refused_and_counted) {
    cart_reader r;
    events out;
    r.put(">> A B: one\n>> C D: two\n", out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "one")})); // line 1 is final
    r.put(std::string(13, '\b'), out); // the tail holds 12 characters: ">> C D: two\n"
    r.put("x\n", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "one"), text(2, "x")}));
    EXPECT_EQ(r.stats().erased, 12u);
    EXPECT_EQ(r.stats().erase_rejected, 1u);
}

TEST(cart_reader, erase_removes_characters_of_the_tail) {
    cart_reader r;
    events out;
    r.put(">> A B: hello w\xC3\xB6rld", out);
    EXPECT_EQ(r.erase(5), 5u);
    r.put("there\n", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "hello there")}));
    EXPECT_EQ(r.stats().erased, 5u);
    EXPECT_EQ(r.stats().erase_rejected, 0u);
}

TEST(cart_reader, erase_of_nothing_changes_nothing) {
    cart_reader r;
    events out;
    r.put(">> A B: hi", out);
    EXPECT_EQ(r.erase(0), 0u);
    EXPECT_EQ(r.stats().erased, 0u);
    EXPECT_EQ(r.stats().erase_rejected, 0u);
}

TEST(cart_reader, erase_reaching_into_committed_text_is_refused_and_returns_fewer) {
    cart_reader r;
    events out;
    r.put(">> A B: first\nsecond\nthird", out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "first")}));
    EXPECT_EQ(r.erase(20), 12u); // "second\nthird"
    EXPECT_EQ(r.stats().erased, 12u);
    EXPECT_EQ(r.stats().erase_rejected, 8u);
    EXPECT_TRUE(r.pending().empty());
    r.put("fixed\n", out);
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "first"), text(2, "fixed")}));
}

// ---------------------------------------------------------------------------------------
// pending() and finish()

TEST(cart_reader, pending_shows_provisional_text_until_the_next_line_is_complete) {
    cart_reader r;
    events out;
    r.put(">> MARKUS KUMMER: Hello", out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(r.pending(), (events{turn(1, "MARKUS KUMMER"), text(1, "Hello")}));

    r.put("\n>> AMALI: Hi", out);
    EXPECT_TRUE(out.empty()); // line 1 is final only once line 2 is complete
    EXPECT_EQ(r.pending(), (events{turn(1, "MARKUS KUMMER"), text(1, "Hello"), turn(2, "AMALI"),
                                   text(2, "Hi")}));
    EXPECT_EQ(r.tail_line(), 1u);

    r.put("\n", out);
    EXPECT_EQ(out, (events{turn(1, "MARKUS KUMMER"), text(1, "Hello")}));
    EXPECT_EQ(r.pending(), (events{turn(2, "AMALI"), text(2, "Hi")}));
    EXPECT_EQ(r.tail_line(), 2u);

    EXPECT_EQ(r.erase(3), 3u); // "Hi\n"
    EXPECT_EQ(r.pending(), (events{turn(2, "AMALI")}));
    r.put("Hello, Markus.", out);
    EXPECT_EQ(r.pending(), (events{turn(2, "AMALI"), text(2, "Hello, Markus.")}));

    auto const shown = r.pending();
    EXPECT_EQ(r.pending(), shown); // looking does not consume
    out.clear();
    r.finish(out);
    EXPECT_EQ(out, shown);
    EXPECT_TRUE(r.pending().empty());
}

TEST(cart_reader, pending_parses_with_the_state_of_committed_lines) {
    cart_reader r;
    events out;
    r.put("MEETING TITLE\nDATE\n", out);
    EXPECT_EQ(r.pending(), (events{header(2, "DATE")})); // still in the header
    r.put(">> A B: hi\n\nparagraph\nmore\n", out);
    EXPECT_EQ(r.pending(), (events{text(6, "more")})); // speech now, not header
    r.put("\n\n(Laughing)", out);
    EXPECT_EQ(out.back(), text(6, "more"));
    EXPECT_EQ(r.pending(), (events{note(9, "Laughing")}));
}

TEST(cart_reader, finish_commits_a_last_line_without_newline) {
    cart_reader r;
    events out;
    r.put(">> A B: one\n>> C D: two", out);
    EXPECT_TRUE(out.empty());
    r.finish(out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "one"), turn(2, "C D"), text(2, "two")}));
    EXPECT_EQ(r.stats().lines, 2u);
    EXPECT_EQ(r.stats().bytes, 23u);
    EXPECT_TRUE(r.pending().empty());
}

TEST(cart_reader, empty_stream_gives_no_events) {
    auto const run = read_whole("");
    EXPECT_TRUE(run.out.empty());
    EXPECT_EQ(run.stats.lines, 0u);
    EXPECT_EQ(run.stats.bytes, 0u);
}

// ---------------------------------------------------------------------------------------
// Over-long lines

TEST(cart_reader, over_long_line_is_committed_in_pieces_with_words_whole_and_tail_bounded) {
    reader_options const options{256};
    std::string words;
    for (int i = 0; i < 5000; ++i)
        words += (i ? " w" : "w") + std::to_string(i);
    std::string const in = ">> A B: " + words;

    cart_reader r(options);
    events out;
    std::size_t max_pending = 0;
    for (char c : in) {
        r.put(std::string_view(&c, 1), out);
        max_pending = std::max(max_pending, pending_bytes(r));
    }
    EXPECT_LE(max_pending, options.max_tail_bytes + 4);
    EXPECT_GT(out.size(), 100u); // committed while the line is still going on
    r.finish(out);

    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.front(), turn(1, "A B"));
    std::string joined;
    for (std::size_t i = 1; i < out.size(); ++i) {
        auto const* t = std::get_if<text_event>(&out[i]);
        ASSERT_NE(t, nullptr);
        EXPECT_EQ(t->line, 1u);
        EXPECT_FALSE(t->paragraph);
        joined += (joined.empty() ? "" : " ") + t->text;
    }
    EXPECT_EQ(joined, words);
    EXPECT_GT(r.stats().split_lines, 100u);
    EXPECT_EQ(r.stats().lines, 1u);
}

TEST(cart_reader, full_tail_makes_the_previous_line_final_before_the_next_line_ends) {
    cart_reader r(reader_options{256});
    events out;
    r.put(">> A B: short line\n" + std::string(200, 'x'), out);
    EXPECT_TRUE(out.empty()); // both lines fit in the tail
    r.put(std::string(50, 'x'), out);
    EXPECT_EQ(out, (events{turn(1, "A B"), text(1, "short line")}));
    EXPECT_EQ(r.tail_line(), 2u);
    EXPECT_EQ(r.pending(), (events{text(2, std::string(250, 'x'))}));
}

TEST(cart_reader, over_long_line_without_spaces_is_cut_between_characters) {
    reader_options const options{256};
    std::string body;
    for (int i = 0; i < 3000; ++i)
        body += "\xC3\xA9\xE2\x80\x94"; // é—
    cart_reader r(options);
    events out;
    r.put(">> A B: " + body + "\n>> C D: next\n", out);
    r.finish(out);

    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(out.front(), turn(1, "A B"));
    std::string joined;
    std::size_t i = 1;
    for (; i < out.size() && std::holds_alternative<text_event>(out[i]); ++i) {
        auto const& t = std::get<text_event>(out[i]);
        EXPECT_TRUE(is_valid_utf8(t.text)) << "piece " << i;
        EXPECT_LE(t.text.size(), options.max_tail_bytes);
        joined += t.text;
    }
    EXPECT_EQ(joined, body);
    EXPECT_EQ(std::vector<caption_event>(out.begin() + static_cast<std::ptrdiff_t>(i), out.end()),
              (events{turn(2, "C D"), text(2, "next")}));
    EXPECT_GT(r.stats().split_lines, 20u);
}

// ---------------------------------------------------------------------------------------
// Chunking does not matter

reader_run read_chunked(std::string_view input, std::uint32_t seed, reader_options options = {},
                        std::size_t* split_sequences = nullptr) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> size(1, 200);
    cart_reader r(options);
    reader_run run;
    std::size_t pos = 0;
    while (pos < input.size()) {
        auto const n = std::min(size(rng), input.size() - pos);
        r.put(input.substr(pos, n), run.out);
        pos += n;
        if (split_sequences && pos < input.size() &&
            (static_cast<unsigned char>(input[pos]) & 0xC0) == 0x80)
            ++*split_sequences;
        if (rng() % 8 == 0)
            (void)r.pending(); // looking at the tail must not change what becomes final
    }
    r.finish(run.out);
    run.stats = r.stats();
    return run;
}

void expect_chunking_does_not_matter(std::string const& input, reader_options options) {
    auto const whole = read_whole(input, options);
    ASSERT_GT(whole.out.size(), 100u);
    for (std::uint32_t seed : {1u, 2u, 3u, 42u, 2024u, 90210u}) {
        auto const chunked = read_chunked(input, seed, options);
        ASSERT_EQ(chunked.out.size(), whole.out.size()) << "seed " << seed;
        for (std::size_t i = 0; i < whole.out.size(); ++i)
            ASSERT_EQ(chunked.out[i], whole.out[i]) << "seed " << seed << ", event " << i;
        expect_same_stats(chunked.stats, whole.stats);
    }
}

TEST(cart_reader_chunking, dccg_transcript_in_random_chunks_gives_the_same_events) {
    expect_chunking_does_not_matter(read_test_file("dccg-90-2024-11-08.raw.txt"), {});
}

TEST(cart_reader_chunking, igf_transcript_in_random_chunks_gives_the_same_events) {
    auto const input = read_test_file("igf2021-dc-main-session.raw.txt");
    std::size_t split = 0;
    (void)read_chunked(input, 1, {}, &split);
    EXPECT_GT(split, 0u) << "the chunking should cut inside UTF-8 sequences";
    expect_chunking_does_not_matter(input, {});
}

TEST(cart_reader_chunking, split_long_lines_do_not_depend_on_chunking) {
    reader_options const small{300};
    auto const dccg = read_test_file("dccg-90-2024-11-08.raw.txt");
    auto const igf = read_test_file("igf2021-dc-main-session.raw.txt");
    EXPECT_GT(read_whole(dccg, small).stats.split_lines, 0u);
    EXPECT_GT(read_whole(igf, small).stats.split_lines, 0u);
    expect_chunking_does_not_matter(dccg, small);
    expect_chunking_does_not_matter(igf, small);
}

TEST(cart_reader_chunking, damaged_transcript_in_random_chunks_gives_the_same_events) {
    // Invalid bytes, truncated sequences, NULs, CRs and backspaces at random places.
    auto input = read_test_file("igf2021-dc-main-session.raw.txt");
    std::mt19937 rng(7);
    constexpr std::string_view damage[] = {"\xFF", "\xE2\x82", "\0"sv, "\r", "\b", "\xC3"};
    for (int i = 0; i < 400; ++i) {
        auto const at = rng() % input.size();
        input.insert(at, damage[rng() % std::size(damage)]);
    }
    auto const whole = read_whole(input);
    EXPECT_GT(whole.stats.invalid_utf8, 50u);
    EXPECT_GT(whole.stats.control_chars, 20u);
    EXPECT_GT(whole.stats.erased, 20u);
    expect_chunking_does_not_matter(input, {});
}

// ---------------------------------------------------------------------------------------
// The real transcripts against their hand labels

TEST(cart_reader_transcripts, dccg_unattributed_turns_header_and_footer_match_the_labels) {
    auto const labels =
        boost::json::parse(read_test_file("dccg-90-2024-11-08.labels.json")).as_object();
    auto const run = read_whole(read_test_file("dccg-90-2024-11-08.raw.txt"));

    std::set<line_number> expected_unattributed;
    for (auto const& v : labels.at("unattributed_turn_lines").as_array())
        expected_unattributed.insert(static_cast<line_number>(v.to_number<int>()));
    ASSERT_EQ(expected_unattributed.size(), 9u);

    std::set<line_number> unattributed;
    std::size_t turns = 0;
    for (auto const& e : run.out)
        if (auto const* t = std::get_if<turn_event>(&e)) {
            ++turns;
            if (t->speaker.empty())
                unattributed.insert(t->line);
        }
    EXPECT_EQ(unattributed, expected_unattributed);
    EXPECT_EQ(turns, 270u); // every line starting with ">>"

    auto const& not_speech = labels.at("not_speech").as_object();
    auto const header_last =
        static_cast<line_number>(not_speech.at("header_lines").as_array().at(1).to_number<int>());
    auto const footer_from =
        static_cast<line_number>(not_speech.at("footer_from_line").to_number<int>());
    ASSERT_EQ(header_last, 13u);
    for (auto const& e : run.out) {
        auto const n = line_of(e);
        if (n <= header_last || n >= footer_from) {
            EXPECT_FALSE(is_speech(e)) << "line " << n;
        }
    }
    std::set<line_number> metadata_lines;
    for (auto const& e : run.out)
        if (!is_speech(e))
            metadata_lines.insert(line_of(e));
    EXPECT_EQ(metadata_lines, (std::set<line_number>{3, 5, 6, 7, 9, 10, 11, 12, 13, 15, 735}));
    ASSERT_TRUE(std::holds_alternative<metadata_event>(run.out.back()));
    EXPECT_EQ(std::get<metadata_event>(run.out.back()).kind, metadata_kind::boilerplate);
    EXPECT_EQ(std::get<metadata_event>(run.out.back()).line, 735u);
    EXPECT_EQ(run.stats.lines, 735u);
    EXPECT_EQ(run.stats.invalid_utf8, 0u);
}

TEST(cart_reader_transcripts, dccg_annotations_are_found_where_the_captioner_typed_them) {
    auto const run = read_whole(read_test_file("dccg-90-2024-11-08.raw.txt"));
    events notes;
    std::copy_if(run.out.begin(), run.out.end(), std::back_inserter(notes),
                 [](auto const& e) { return std::holds_alternative<annotation_event>(e); });
    EXPECT_EQ(notes, (events{note(30, "Laughing"), note(345, "?"),
                             note(397, "Talking at the same time"), note(583, "Coughing")}));
}

TEST(cart_reader_transcripts, igf_labels_and_normalisation) {
    auto const run = read_whole(read_test_file("igf2021-dc-main-session.raw.txt"));
    auto speaker_at = [&](line_number n) {
        for (auto const& e : run.out)
            if (auto const* t = std::get_if<turn_event>(&e); t && t->line == n)
                return t->speaker;
        return std::string("<no turn>");
    };
    EXPECT_EQ(speaker_at(7), "JENNIFER CHUNG");
    EXPECT_EQ(speaker_at(163), "YASMIN CURZI de MENDONCA");
    EXPECT_EQ(speaker_at(247), "OLIVIER REPIN-LEBLOND");
    EXPECT_EQ(speaker_at(442), "Courtney Rausch");
    EXPECT_EQ(speaker_at(421), "");
    ASSERT_GE(run.out.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<metadata_event>(run.out[0]));
    EXPECT_EQ(line_of(run.out[0]), 1u);
    EXPECT_EQ(run.out[1], boilerplate(3, std::get<metadata_event>(run.out[1]).text));
    for (auto const& e : run.out)
        if (auto const* t = std::get_if<text_event>(&e)) {
            EXPECT_EQ(t->text.find("\xC2\xA0"), std::string::npos) << "line " << t->line;
            EXPECT_EQ(t->text.find("\xE2\x80\x91"), std::string::npos) << "line " << t->line;
            EXPECT_TRUE(std::none_of(t->text.begin(), t->text.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
                << "line " << t->line;
            EXPECT_FALSE(t->text.empty());
        }
}

} // namespace
} // namespace minuted::protocol
