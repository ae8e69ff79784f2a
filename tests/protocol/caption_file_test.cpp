#include "protocol/caption_file.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace minuted::protocol {
void PrintTo(caption_cue const& c, std::ostream* os) {
    *os << "{line " << c.line << ", " << c.start.count() << "-" << c.end.count() << " ms, '"
        << c.speaker << "': '" << c.text << "'}";
}
} // namespace minuted::protocol

namespace {

using namespace minuted::protocol;
using minuted::testing::read_test_file;
using std::chrono::milliseconds;

caption_file read_sample(std::string const& name) {
    auto f = read_caption_file(read_test_file("captions/" + name));
    EXPECT_FALSE(f.error) << name << ":" << f.error->line << ": " << f.error->why;
    return f;
}

caption_cue cue(line_number line, long long start, long long end, std::string speaker,
                std::string text) {
    return {line, milliseconds(start), milliseconds(end), std::move(speaker), std::move(text)};
}

caption_file_error error_of(std::string const& text) {
    auto const f = read_caption_file(text);
    EXPECT_TRUE(f.error) << text;
    EXPECT_TRUE(f.cues.empty());
    return f.error.value_or(caption_file_error{});
}

TEST(CaptionFormat, IsDetectedFromContent) {
    EXPECT_EQ(detect_caption_format("WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n"),
              caption_format::webvtt);
    EXPECT_EQ(detect_caption_format("\xEF\xBB\xBFWEBVTT - a title\n"), caption_format::webvtt);
    EXPECT_EQ(detect_caption_format("WEBVTTX\n"), caption_format::cart);
    EXPECT_EQ(detect_caption_format("\n1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n"),
              caption_format::srt);
    EXPECT_EQ(detect_caption_format("00:00:01,000 --> 00:00:02,000\nhi\n"), caption_format::srt);
    EXPECT_EQ(detect_caption_format("<?xml version=\"1.0\"?>\n<tt "
                                    "xmlns=\"http://www.w3.org/ns/ttml\"></tt>"),
              caption_format::ttml);
    EXPECT_EQ(detect_caption_format("<html><body>hi</body></html>"), caption_format::cart);
    EXPECT_EQ(detect_caption_format(">> MARKUS KUMMER: Good morning.\n"), caption_format::cart);
    EXPECT_EQ(detect_caption_format("2022\nA meeting\n"), caption_format::cart);
    EXPECT_EQ(detect_caption_format(""), caption_format::cart);
}

TEST(WebVtt, ZoomNamePrefixesNameSpeakersAndAnUnnamedCueContinuesTheTurn) {
    auto const f = read_sample("zoom.vtt");
    EXPECT_EQ(f.format, caption_format::webvtt);
    EXPECT_EQ(f.lang, ""); // names none
    std::vector<caption_cue> const expected{
        cue(4, 1000, 4500, "Amal Haddad",
            "Good morning everyone and welcome to the working group."),
        cue(8, 4500, 9000, "Amal Haddad",
            "The first item on our agenda is the budget for next year."),
        cue(12, 9200, 13000, "Jonas Berg", "Thank you Amal. We reviewed the numbers last week."),
        cue(16, 13000, 17250, "", "the travel line is lower & the venue costs are the same."),
        cue(20, 17500, 21000, "Amal Haddad", "Thank you Jonas. We agree to adopt the budget."),
    };
    EXPECT_EQ(f.cues, expected);

    auto const events = caption_events(f);
    std::vector<std::string> turns;
    for (auto const& e : events)
        if (auto const* t = std::get_if<turn_event>(&e.event))
            turns.push_back(t->speaker + "@" + std::to_string(e.at.count()));
    EXPECT_EQ(turns, (std::vector<std::string>{"Amal Haddad@1000", "Jonas Berg@9200",
                                               "Amal Haddad@17500"}));
}

TEST(WebVtt, TeamsVoiceSpansIdsNotesStylesAndRepeatedCues) {
    auto const f = read_sample("teams.vtt");
    std::vector<caption_cue> const expected{
        cue(13, 500, 3000, "Priya Raman", "Let us start with the security review."),
        cue(17, 3000, 6000, "Priya Raman", "The audit found two issues in the login flow."),
        cue(21, 6500, 10000, "Tomás Ortega", "I can take the first one <the token expiry>."),
        cue(31, 12500, 16000, "Priya Raman", "Great, and Tomás will report next week."),
    };
    EXPECT_EQ(f.cues, expected);
}

TEST(WebVtt, YouTubeRollingCuesKeepOnlyWhatEachAdds) {
    auto const f = read_sample("youtube.vtt");
    EXPECT_EQ(f.lang, "en"); // its "Language:" header
    std::vector<std::string> texts;
    for (auto const& c : f.cues)
        texts.push_back(c.text + "@" + std::to_string(c.start.count()));
    EXPECT_EQ(texts,
              (std::vector<std::string>{"so welcome to the channel@0",
                                        "today we talk about captions@2510", "[Music]@5010"}));
    auto const events = caption_events(f);
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(std::holds_alternative<annotation_event>(events.back().event));
}

TEST(WebVtt, ShortTimingsSeveralVoicesInOneCueAndEntities) {
    auto const f = read_caption_file("WEBVTT\n\n01:02.500 --> 01:03.000 line:0\n"
                                     "<v A&amp;B Team>Yes.</v>\n<v.x Bo Li>No &#233;&#x263A;&nbsp;!"
                                     "&lrm;</v>\n");
    ASSERT_FALSE(f.error);
    std::vector<caption_cue> const expected{cue(3, 62500, 63000, "A&B Team", "Yes."),
                                            cue(3, 62500, 63000, "Bo Li", "No é☺ !")};
    EXPECT_EQ(f.cues, expected);
}

TEST(WebVtt, ACueRightAfterTheHeaderLineIsACue) {
    auto const f = read_caption_file("WEBVTT\n00:00.000 --> 00:01.000\nFirst words.\n\n"
                                     "00:01.000 --> 00:02.000\nSecond words.\n");
    ASSERT_FALSE(f.error) << f.error->why;
    std::vector<caption_cue> const expected{cue(2, 0, 1000, "", "First words."),
                                            cue(5, 1000, 2000, "", "Second words.")};
    EXPECT_EQ(f.cues, expected);
}

TEST(Srt, TheSameWordsSaidAgainAreKept) {
    // Only rolling captions repeat a cue's text in the next; a vote repeats it for real.
    auto const f = read_caption_file("1\n00:00:01,000 --> 00:00:02,000\nAye.\n\n"
                                     "2\n00:00:02,000 --> 00:00:03,000\nAye.\n\n"
                                     "3\n00:00:04,000 --> 00:00:05,000\nAye.\nCarried.\n");
    ASSERT_FALSE(f.error) << f.error->why;
    std::vector<std::string> texts;
    for (auto const& c : f.cues)
        texts.push_back(c.text);
    EXPECT_EQ(texts, (std::vector<std::string>{"Aye.", "Aye.", "Aye.\nCarried."}));
}

TEST(WebVtt, UnknownTagsAreDroppedAndCounted) {
    auto const f = read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\n<blink>Hi</blink>\n");
    ASSERT_FALSE(f.error);
    EXPECT_EQ(f.cues.at(0).text, "Hi");
    EXPECT_EQ(f.repaired, 2u);
}

TEST(WebVtt, OneWordPrefixNamesASpeakerOnlyWhenItRecurs) {
    auto const once = read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\nNote: we agree.\n");
    EXPECT_EQ(once.cues.at(0).speaker, "");
    EXPECT_EQ(once.cues.at(0).text, "Note: we agree.");
    auto const twice = read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\nAlice: Hi.\n\n"
                                         "00:01.000 --> 00:02.000\nAlice: Bye.\n\n"
                                         "00:02.000 --> 00:03.000\nAt 10:30 we meet.\n");
    ASSERT_EQ(twice.cues.size(), 3u);
    EXPECT_EQ(twice.cues[0].speaker, "Alice");
    EXPECT_EQ(twice.cues[1].text, "Bye.");
    EXPECT_EQ(twice.cues[2].speaker, "");
}

TEST(WebVtt, BrokenTimingsAndMarkupNameTheirLine) {
    auto e = error_of("WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nHello\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_NE(e.why.find("without a timing line"), std::string::npos) << e.why;

    e = error_of("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\n00:00:03 --> 00:00:04.000\n");
    EXPECT_EQ(e.line, 6u);
    EXPECT_NE(e.why.find("malformed cue timing '00:00:03 --> 00:00:04.000'"), std::string::npos)
        << e.why;

    e = error_of("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\n00:01:75.000 --> 00:02:00.000\n");
    EXPECT_EQ(e.line, 6u);

    e = error_of("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nHi\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.why, "the cue ends before it starts");

    e = error_of("WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nfine\r\n<v Bo Li Hello\r\n");
    EXPECT_EQ(e.line, 5u);
    EXPECT_NE(e.why.find("a tag is not closed"), std::string::npos) << e.why;
}

TEST(Srt, NumberedBlocksNamePrefixesAndTags) {
    auto const f = read_sample("meeting.srt");
    EXPECT_EQ(f.format, caption_format::srt);
    std::vector<caption_cue> const expected{
        cue(2, 2000, 5000, "CHAIR", "Welcome to the plenary session."),
        cue(6, 5500, 9000, "CHAIR", "We begin with the report of the\ntechnical committee."),
        cue(11, 10000, 14000, "MARIA LOPEZ", "Thank you, Chair. The committee met twice."),
        cue(15, 14000, 18000, "", "We recommend adopting the new standard."),
    };
    EXPECT_EQ(f.cues, expected);
    auto const lines = caption_lines(f);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0].text, ">> CHAIR: Welcome to the plenary session.\n");
    EXPECT_EQ(lines[1].text, "We begin with the report of the technical committee.\n");
    EXPECT_EQ(lines[2].text, ">> MARIA LOPEZ: Thank you, Chair. The committee met twice.\n");
    EXPECT_EQ(lines[3].at, milliseconds(14000));
}

TEST(Srt, ABlockWithoutItsNumberOrTimingIsAnError) {
    auto e = error_of("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n00:00:03,000 --> 00:00:04,000\n"
                      "There\n");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.why, "a subtitle without its number before the timing line");

    e = error_of("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nTwo\n00:00:03,000 --> 00:00:04,000\n");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.why, "expected a subtitle number, found 'Two'");

    e = error_of("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 --> 00:00:0x,000\n");
    EXPECT_EQ(e.line, 6u);

    e = error_of("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.why, "subtitle 2 has no timing line");
}

TEST(Ttml, AgentsNameSpeakersAndTimesAreClockOrOffset) {
    auto const f = read_sample("agents.ttml");
    EXPECT_EQ(f.format, caption_format::ttml);
    EXPECT_EQ(f.lang, "en"); // xml:lang on <tt>
    std::vector<caption_cue> const expected{
        cue(17, 1000, 4000, "Kenji Watanabe", "Good afternoon and welcome to the review."),
        cue(19, 4500, 8000, "Kenji Watanabe", "Our first topic is the\nnew caption guidelines."),
        cue(21, 9000, 13000, "Fatima Zahra Benali", "Thank you Kenji & thanks to the team."),
        cue(22, 13000, 16000, "", "Unattributed: a note read into the record."),
    };
    EXPECT_EQ(f.cues, expected);
}

TEST(Ttml, EbuTtFrameTimesAndNamePrefixes) {
    auto const f = read_sample("ebu-tt.xml");
    std::vector<caption_cue> const expected{
        cue(14, 2000, 5480, "ANNA SCHMIDT", "The council will now vote\non the proposal."),
        cue(17, 5480, 8200, "ANNA SCHMIDT", "All in favour?"),
        cue(20, 9000, 10800, "PETER NOVAK", "The motion is carried."),
    };
    EXPECT_EQ(f.cues, expected);
}

TEST(Ttml, OffsetsInheritFromTheirParentAndTicksFollowTheTickRate) {
    auto const f = read_caption_file(
        "<tt xmlns='http://www.w3.org/ns/ttml' ttp:tickRate='10000000' ttp:frameRate='30' "
        "ttp:frameRateMultiplier='1000 1001'><body><div begin='10s'>"
        "<p begin='1h' end='3600.5s'>a</p><p begin='20000000t' dur='15f'>b</p>"
        "<p begin='0.25m' end='00:00:30:15'>c<![CDATA[ <d> ]]></p></div></body></tt>");
    ASSERT_FALSE(f.error) << f.error->why;
    std::vector<caption_cue> const expected{
        cue(1, 3610000, 3610500, "", "a"),
        cue(1, 12000, 12501, "", "b"),
        cue(1, 25000, 40501, "", "c <d>"),
    };
    EXPECT_EQ(f.cues, expected);
}

TEST(Ttml, AnEmptyAgentNameNamesNobodyAndKeepsTheCues) {
    auto const f = read_caption_file(
        "<tt xmlns='http://www.w3.org/ns/ttml' xmlns:ttm='http://www.w3.org/ns/ttml#metadata'>"
        "<head><metadata><ttm:agent xml:id='a'><ttm:name/></ttm:agent><ttm:agent xml:id='b'/>"
        "</metadata></head><body><div><p begin='1s' end='2s' ttm:agent='a'>Hello there.</p>"
        "</div></body></tt>");
    ASSERT_FALSE(f.error) << f.error->why;
    std::vector<caption_cue> const expected{cue(1, 1000, 2000, "a", "Hello there.")};
    EXPECT_EQ(f.cues, expected);
}

TEST(Ttml, BrokenDocumentsNameTheirLine) {
    std::string const head = "<tt xmlns=\"http://www.w3.org/ns/ttml\">\n<body>\n";
    auto e = error_of(head + "<p begin=\"00:00:01.000\" end=\"soon\">Hi</p>\n</body></tt>");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.why, "malformed time end=\"soon\" in <p>");

    e = error_of(head + "<p begin=\"5s\" end=\"4s\">Hi</p>\n</body></tt>");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.why, "<p> ends before it begins");

    e = error_of(head + "<p begin=\"1s\">\n<span>Hi</p>\n</body></tt>");
    EXPECT_EQ(e.line, 4u);
    EXPECT_EQ(e.why, "</p> closes <span> opened at line 4");

    e = error_of(head + "<p begin=\"1s\">Hi</p>\n");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.why, "<body> is not closed at the end of the file");

    e = error_of(head + "<p begin=1s>Hi</p></body></tt>");
    EXPECT_EQ(e.line, 3u);

    e = error_of(head + "<!-- never closed\n\n");
    EXPECT_EQ(e.line, 3u);
}

TEST(Ttml, DeepNestingIsRefusedNotRecursed) {
    std::string text = "<tt xmlns=\"http://www.w3.org/ns/ttml\">";
    for (int i = 0; i < 100000; ++i)
        text += "<span>";
    auto const e = error_of(text);
    EXPECT_EQ(e.line, 1u);
    EXPECT_NE(e.why.find("nested deeper"), std::string::npos);
}

TEST(CaptionFile, LinesOfUnclosedMarkupAreReadInLinearTime) {
    // 2 MB lines of '<' and '&' with nothing closing them: quadratic scanning would take
    // minutes; one pass takes milliseconds.
    std::string const srt = "1\n00:00:01,000 --> 00:00:02,000\n" + std::string(1 << 21, '<') +
                            std::string(1 << 21, '&') + "{" + std::string(1 << 20, '{') + "\n";
    auto const f = read_caption_file(srt);
    ASSERT_FALSE(f.error);
    EXPECT_EQ(f.cues.at(0).text.size(), (5u << 20) + 1);
    auto const vtt =
        read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\n" + std::string(1 << 21, '&') + "\n");
    EXPECT_EQ(vtt.repaired, 1u << 21);
}

TEST(CaptionEvents, TimesNeverGoBackAndUnnamedTextBeforeAnyTurnIsUnattributed) {
    auto const f = read_caption_file("WEBVTT\n\n00:05.000 --> 00:06.000\nhello there\n\n"
                                     "00:04.000 --> 00:07.000\n<v Ana Silva>Hi (laughing)\n");
    auto const events = caption_events(f);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(std::get<text_event>(events[0].event).text, "hello there");
    EXPECT_EQ(std::get<turn_event>(events[1].event).speaker, "Ana Silva");
    EXPECT_EQ(events[1].at, milliseconds(5000));
    EXPECT_EQ(std::get<annotation_event>(events[3].event).text, "laughing");
}

TEST(CaptionFile, AFileEndingWithoutANewlineIsReadToItsLastLine) {
    auto const f = read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\nlast words");
    ASSERT_EQ(f.cues.size(), 1u);
    EXPECT_EQ(f.cues[0].text, "last words");
    EXPECT_EQ(detect_caption_format("6"), caption_format::cart);
    auto const e = error_of("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.why, "subtitle 2 has no timing line");
}

TEST(CaptionLines, ANameCartWouldTakeForSpeechIsSentInUpperCase) {
    auto const f = read_caption_file("WEBVTT\n\n00:00.000 --> 00:01.000\n<v Zoë>Hi.\n\n"
                                     "00:01.000 --> 00:02.000\n<v Bo Li>Hello.\n");
    auto const lines = caption_lines(f);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].text, ">> ZOË: Hi.\n");
    EXPECT_EQ(lines[1].text, ">> Bo Li: Hello.\n");
}

TEST(CaptionFile, CartTextIsNotReadHere) {
    auto const e = error_of(">> MARKUS KUMMER: Good morning.\n");
    EXPECT_EQ(e.line, 1u);
}

} // namespace
