#include "protocol/agenda.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minuted::protocol {
namespace {

std::vector<std::string> titles(std::string_view text) {
    auto const r = parse_agenda(text);
    if (auto const* no = std::get_if<agenda_refusal>(&r)) {
        ADD_FAILURE() << "refused: " << no->why;
        return {};
    }
    std::vector<std::string> out;
    for (auto const& item : std::get<std::vector<agenda_item>>(r))
        out.push_back(item.title);
    return out;
}

std::string refusal(std::string_view text) {
    auto const r = parse_agenda(text);
    auto const* no = std::get_if<agenda_refusal>(&r);
    return no ? no->why : "(accepted)";
}

using list = std::vector<std::string>;

TEST(agenda, numbering_is_taken_off_only_when_it_is_numbering) {
    EXPECT_EQ(titles("1. Opening\n2) Adoption of the agenda\n\n3 - Reports\n(4) AOB\n"),
              (list{"Opening", "Adoption of the agenda", "Reports", "AOB"}));
    EXPECT_EQ(titles("262 Editor's Update\n2024 budget\n10 years of Test262\n"),
              (list{"262 Editor's Update", "2024 budget", "10 years of Test262"}));
    EXPECT_EQ(titles("3.1 Intl update\nItem 7: Closing\nAgenda item 8 Next meeting\na) Q&A\n"),
              (list{"Intl update", "Closing", "Next meeting", "Q&A"}));
    EXPECT_EQ(titles("3rd party cookies\n1.5x speed\ne.g. examples\nItem pricing\n"),
              (list{"3rd party cookies", "1.5x speed", "e.g. examples", "Item pricing"}));
    EXPECT_EQ(titles("5 \u2013 Any other business\n"), (list{"Any other business"}));
}

TEST(agenda, a_markdown_list_is_the_agenda_and_its_headings_notes_and_sub_items_are_not) {
    EXPECT_EQ(titles("# Draft agenda, DCCG 90\n\nCirculated on 1 November.\n\n"
                     "1. **Welcome** and introductions\n"
                     "2. [Adoption of the agenda](https://example.org/agenda)\n"
                     "   - chair's remarks\n"
                     "   * timing\n"
                     "3. `Intl.Locale` info\n"
                     "- [ ] Any other business\n"),
              (list{"Welcome and introductions", "Adoption of the agenda", "Intl.Locale info",
                    "Any other business"}));
    EXPECT_EQ(titles("**Opening**\n  Reports   of the   chairs  \n"),
              (list{"Opening", "Reports of the chairs"}));
}

TEST(agenda, json_gives_titles_presenters_and_time_boxes) {
    auto const r = parse_agenda(R"([{"title":"Temporal update","presenter":"Philip Chimento",
        "minutes":15},"AOB",{"title":"Decorators","minutes":null}])");
    auto const& items = std::get<std::vector<agenda_item>>(r);
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].title, "Temporal update");
    EXPECT_EQ(items[0].presenter, "Philip Chimento");
    EXPECT_EQ(items[0].minutes, 15);
    EXPECT_EQ(items[1].title, "AOB");
    EXPECT_FALSE(items[2].minutes);
    EXPECT_EQ(refusal("[{\"presenter\":\"x\"}]"), "item 1: \"title\" must be a string");
    EXPECT_EQ(refusal("[{\"title\":\"x\",\"minutes\":-5}]"),
              "item 1: \"minutes\" must be a whole number from 0 to 1440");
    EXPECT_EQ(refusal("[\"a\", 3]"),
              "item 2: must be a title or {\"title\", \"presenter\", \"minutes\"}");
    EXPECT_EQ(refusal("[\"  \"]"), "item 1: its title is empty");
    EXPECT_NE(refusal("[\"a\",").find("not valid JSON"), std::string::npos);
}

TEST(agenda, bad_input_is_refused_saying_why) {
    EXPECT_EQ(refusal(""), "no agenda items: give one title per line, a Markdown list or JSON");
    EXPECT_EQ(refusal("\n  \n1.\n"),
              "no agenda items: give one title per line, a Markdown list or JSON");
    EXPECT_EQ(refusal(std::string("PK\x03\x04zip", 7)),
              "binary data, not text (byte 3 at offset 2)");
    EXPECT_EQ(refusal("Caf\xe9\n"), "not UTF-8 text");
    std::string many;
    for (int i = 0; i < 501; ++i)
        many += "Item number " + std::to_string(i) + " title\n";
    EXPECT_EQ(refusal(many), "501 agenda items; at most 500");
    EXPECT_EQ(refusal(std::string(64 * 1024 + 1, 'a')), "an agenda of 65537 bytes; at most 65536");
    EXPECT_EQ(refusal("Opening\n" + std::string(300, 'x') + "\n"),
              "line 2: a title of 300 bytes; at most 256");
    // A byte-order mark and Windows line ends are text.
    EXPECT_EQ(titles("\xEF\xBB\xBF"
                     "1. Opening\r\n2. Close\r\n"),
              (list{"Opening", "Close"}));
}

} // namespace
} // namespace minuted::protocol
