// StreamText's caption API answer, `{"content":"...","lastPosition":N,"languageCode":"en"}`,
// as the pull feed reads it: used only when it can be trusted not to lose or repeat text.

#include "protocol/streamtext.hpp"

#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

TEST(streamtext_answer, reads_content_position_and_language) {
    auto const r = read_streamtext_answer(
        R"({"content":">> ANA: Hi\r\nthere\u007f","lastPosition":120,"languageCode":"en"})", 100,
        1000);
    ASSERT_TRUE(r.answer) << r.error;
    EXPECT_EQ(r.answer->content, ">> ANA: Hi\r\nthere\x7f");
    EXPECT_EQ(r.answer->last_position, 120u);
    EXPECT_EQ(r.answer->language, "en");
}

TEST(streamtext_answer, empty_content_and_a_missing_language_are_fine) {
    auto const r = read_streamtext_answer(R"({"content":"","lastPosition":7})", 7, 1000);
    ASSERT_TRUE(r.answer) << r.error;
    EXPECT_TRUE(r.answer->content.empty());
    EXPECT_TRUE(r.answer->language.empty());
    // last=-1: any position is where the event is now.
    EXPECT_TRUE(read_streamtext_answer(R"({"content":"","lastPosition":0})", {}, 10).answer);
}

TEST(streamtext_answer, refuses_what_would_lose_or_repeat_text_saying_why) {
    auto const error = [](std::string_view body) {
        return read_streamtext_answer(body, 10, 16).error;
    };
    EXPECT_NE(error("<html>busy</html>").find("not JSON"), std::string::npos);
    EXPECT_EQ(error("[1,2]"), "not a JSON object");
    EXPECT_EQ(error(R"({"lastPosition":12})"), "no \"content\" string");
    EXPECT_EQ(error(R"({"content":5,"lastPosition":12})"), "no \"content\" string");
    EXPECT_EQ(error(R"({"content":"ab"})"), "no \"lastPosition\" of 0 or more");
    EXPECT_EQ(error(R"({"content":"ab","lastPosition":-1})"), "no \"lastPosition\" of 0 or more");
    EXPECT_EQ(error(R"({"content":"ab","lastPosition":"12"})"), "no \"lastPosition\" of 0 or more");
    EXPECT_EQ(error(R"({"content":"ab","lastPosition":9})"), "lastPosition went back from 10 to 9");
    EXPECT_EQ(error(R"({"content":"ab","lastPosition":10})"),
              "text without a new lastPosition (10)");
    EXPECT_EQ(error(R"({"content":"0123456789abcdefg","lastPosition":27})"),
              "content of 17 bytes; at most 16 are taken");
    EXPECT_EQ(error(R"({"content":"ab","lastPosition":12,"languageCode":"e n"})"),
              "\"languageCode\" is not a language tag");
}

} // namespace
} // namespace minuted::protocol
