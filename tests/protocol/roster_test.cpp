#include "protocol/roster.hpp"

#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

std::string refusal(std::string_view text) {
    auto parsed = parse_roster(text);
    auto const* no = std::get_if<roster_refusal>(&parsed);
    return no ? no->why : std::string("(taken)");
}

TEST(parse_roster, reads_names_organisations_aliases_and_roles) {
    auto parsed = parse_roster(R"([{"name": "Kevin Gibbons", "organisation": "F5",
                                    "aliases": ["KG"], "role": "chair"},
                                   {"name": "Shu-yu Guo"}])");
    auto const* people = std::get_if<std::vector<roster_person>>(&parsed);
    ASSERT_NE(people, nullptr);
    ASSERT_EQ(people->size(), 2u);
    EXPECT_EQ(people->at(0), (roster_person{"Kevin Gibbons", "F5", {"KG"}, "chair"}));
    EXPECT_EQ(people->at(1), (roster_person{"Shu-yu Guo", "", {}, ""}));
}

TEST(parse_roster, refuses_with_the_reason) {
    EXPECT_NE(refusal("not json"), "(taken)");
    EXPECT_NE(refusal(R"({"name": "A"})"), "(taken)");
    EXPECT_NE(refusal(R"([{"name": ""}])"), "(taken)");
    EXPECT_NE(refusal(R"([{"name": "A", "email": "a@example.org"}])").find("email"),
              std::string::npos); // an unknown field is named, not ignored
    EXPECT_NE(refusal(R"([{"name": "A"}, {"name": "B", "aliases": ["a"]}])"), "(taken)");
    EXPECT_NE(refusal("[{\"name\": \"\xff\"}]"), "(taken)"); // not UTF-8
    std::string many = "[";
    for (std::size_t i = 0; i <= max_roster_people; ++i)
        many += (i ? ",{\"name\":\"P" : "{\"name\":\"P") + std::to_string(i) + "\"}";
    EXPECT_NE(refusal(many + "]"), "(taken)");
    EXPECT_NE(refusal(std::string(max_roster_bytes + 1, ' ')), "(taken)");
}

TEST(roster_json, reads_back_as_the_same_roster) {
    std::vector<roster_person> const roster{{"Kevin Gibbons", "F5", {"KG"}, "chair"},
                                            {"Zoë Ünal", "", {}, ""}};
    auto const json = roster_json(roster);
    EXPECT_EQ(json, R"([{"name":"Kevin Gibbons","organisation":"F5","aliases":["KG"],)"
                    R"("role":"chair"},{"name":"Zoë Ünal"}])");
    auto parsed = parse_roster(json);
    auto const* people = std::get_if<std::vector<roster_person>>(&parsed);
    ASSERT_NE(people, nullptr);
    EXPECT_EQ(*people, roster);
}

} // namespace
} // namespace minuted::protocol
