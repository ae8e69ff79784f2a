#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

using std::chrono::seconds;

// Feeds `lines`, the i-th arriving at `times[i]` seconds. A line is final, and its turn timed,
// when the next one arrives; the last at the end, a second after it.
pipeline timed(std::vector<std::string> const& lines, std::vector<int> const& times) {
    pipeline p;
    change_set changes;
    for (std::size_t i = 0; i < lines.size(); ++i)
        p.put(lines[i] + "\n", time_point{seconds(times[i])}, changes);
    p.finish(time_point{seconds(times.back() + 1)}, changes);
    return p;
}

TEST(render_vtt, cues_are_timed_by_arrival_voiced_and_escaped) {
    auto const p = timed({">> MARKUS KUMMER: Good morning, <everyone> & welcome --> here.",
                          ">> JUTTA CROLL: Thank you.", ">> MARKUS KUMMER: Good."},
                         {96, 100, 104});
    // Final at 100, 104 and 105: the first turn lasts until the second, the last 400 ms a word.
    EXPECT_EQ(render_vtt(p.state()),
              "WEBVTT\n"
              "\n"
              "00:00:00.000 --> 00:00:04.000\n"
              "<v Markus Kummer>Good morning, &lt;everyone&gt; &amp; welcome "
              "--&gt; here.\n"
              "\n"
              "00:00:04.000 --> 00:00:05.000\n"
              "<v Jutta Croll>Thank you.\n"
              "\n"
              "00:00:05.000 --> 00:00:05.400\n"
              "<v Markus Kummer>Good.\n");
}

TEST(render_markdown, a_title_with_a_line_break_stays_one_heading) {
    auto const p = timed({">> A: Good morning."}, {1});
    auto const md = render_markdown(p.state(), "Plenary\r\n# injected");
    EXPECT_TRUE(md.starts_with("# Plenary  # injected\n\n")) << md;
}

TEST(render_vtt, the_meetings_language_heads_the_file_and_a_turn_in_another_is_marked) {
    pipeline p;
    change_set changes;
    p.set_language("fr");
    p.put(">> A: Bonjour.\n", time_point{seconds(1)}, changes);
    p.set_language("en");
    p.put(">> B: Hello.\n", time_point{seconds(2)}, changes);
    p.finish(time_point{seconds(3)}, changes);
    EXPECT_EQ(render_vtt(p.state()),
              "WEBVTT\n"
              "Language: en\n"
              "\n"
              "00:00:00.000 --> 00:00:01.000\n<v A><lang fr>Bonjour.</lang>\n"
              "\n"
              "00:00:01.000 --> 00:00:01.400\n<v B>Hello.\n");
}

TEST(render_vtt, long_turns_are_cut_into_cues_sharing_the_turn_time) {
    auto const p = timed({">> MARKUS KUMMER: one two three four five six", ">> JUTTA CROLL: Yes.",
                          ">> MARKUS KUMMER: Good."},
                         {0, 10, 3600 * 2 + 16});
    auto const vtt = render_vtt(p.state(), 4);
    EXPECT_NE(vtt.find("00:00:00.000 --> 01:20:04.000\n<v Markus Kummer>one two three four\n"),
              std::string::npos)
        << vtt;
    EXPECT_NE(vtt.find("01:20:04.000 --> 02:00:06.000\n<v Markus Kummer>five six\n"),
              std::string::npos)
        << vtt;
}

TEST(render_vtt, a_burst_of_turns_in_one_moment_still_gives_ordered_nonempty_cues) {
    // A and B final in the same moment, as after a large POST or a resend (C a second later, at
    // the end): A falls back to 400 ms a word, and B starts with it, not before.
    auto const p = timed({">> A: one two three", ">> B: four", ">> C: five"}, {5, 5, 5});
    EXPECT_EQ(render_vtt(p.state()), "WEBVTT\n"
                                     "\n"
                                     "00:00:00.000 --> 00:00:01.200\n<v A>one two three\n"
                                     "\n"
                                     "00:00:00.000 --> 00:00:01.000\n<v B>four\n"
                                     "\n"
                                     "00:00:01.000 --> 00:00:01.400\n<v C>five\n");
}

TEST(render_vtt, an_empty_meeting_is_just_the_header) {
    pipeline p;
    EXPECT_EQ(render_vtt(p.state()), "WEBVTT\n");
}

} // namespace
} // namespace minuted::summariser
