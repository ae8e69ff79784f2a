#include "protocol/ingest.hpp"
#include "protocol/ingest_reply.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

TEST(parse_ingest_frame, text_erase_close_and_open) {
    auto t = parse_ingest_frame(R"({"type":"text","seq":3,"text":">> JUTTA CROLL: Hello."})");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->kind, ingest_kind::text);
    EXPECT_EQ(t->seq, 3u);
    EXPECT_EQ(t->text, ">> JUTTA CROLL: Hello.");
    auto e = parse_ingest_frame(R"({"type":"erase","seq":4,"count":5})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, ingest_kind::erase);
    EXPECT_EQ(e->count, 5u);
    auto c = parse_ingest_frame(R"({"type":"close","seq":5})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, ingest_kind::close);
    auto o =
        parse_ingest_frame(R"({"type":"open","title":"DCCG 90","agenda":["Opening","Booth"]})");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->title, "DCCG 90");
    EXPECT_EQ(protocol::titles_of(o->agenda), (std::vector<std::string>{"Opening", "Booth"}));
    // Items as an agenda file's JSON gives them, with presenters and time boxes.
    auto p = parse_ingest_frame(
        R"({"type":"open","agenda":["Opening",{"title":"Booth","presenter":"Roman Chukov","minutes":10},)"
        R"({"title":"AOB","presenter":null}]})");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->agenda,
              (std::vector<agenda_item>{
                  {"Opening", "", std::nullopt}, {"Booth", "Roman Chukov", 10}, {"AOB", "", {}}}));
    auto r = parse_ingest_frame(R"({"type":"resume","after":41})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->after, 41u);
}

TEST(parse_ingest_frame, a_frame_that_is_not_json_is_raw_cart_text) {
    auto m = parse_ingest_frame(">> MARKUS KUMMER: Good morning.\r\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, ingest_kind::raw);
    EXPECT_FALSE(m->seq);
    EXPECT_EQ(m->text, ">> MARKUS KUMMER: Good morning.\r\n");
}

TEST(parse_ingest_frame, a_byte_order_mark_and_blanks_before_the_brace_still_make_a_message) {
    auto o = parse_ingest_frame("\xEF\xBB\xBF{\"type\":\"open\",\"title\":\"DCCG 90\"}");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->kind, ingest_kind::open);
    EXPECT_EQ(o->title, "DCCG 90");
    auto t =
        parse_ingest_frame(" \r\n\xEF\xBB\xBF \t{\"type\":\"text\",\"seq\":1,\"text\":\"Hi\"}\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->kind, ingest_kind::text);
    EXPECT_EQ(t->text, "Hi");
    EXPECT_EQ(parse_ingest_frame("\xEF\xBB\xBF{\"type\":").error(), ingest_error::invalid_json);
    auto raw = parse_ingest_frame("\xEF\xBB\xBF>> MARKUS KUMMER: Hello.");
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->kind, ingest_kind::raw); // the CART reader drops the mark
}

TEST(parse_ingest_frame, malformed_messages_say_what_is_wrong) {
    EXPECT_EQ(parse_ingest_frame("{\"type\":\"text\",").error(), ingest_error::invalid_json);
    EXPECT_EQ(parse_ingest_frame("{\"type\":\"text\",\"seq\":1,\"text\":\"\xff\"}").error(),
              ingest_error::invalid_utf8);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"shout","seq":1})").error(),
              ingest_error::unknown_type);
    EXPECT_EQ(parse_ingest_frame(R"({"seq":1})").error(), ingest_error::unknown_type);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"text","text":"x"})").error(),
              ingest_error::missing_seq);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"text","seq":-1,"text":"x"})").error(),
              ingest_error::bad_seq);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"text","seq":"1","text":"x"})").error(),
              ingest_error::bad_seq);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"text","seq":1})").error(), ingest_error::missing_text);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"erase","seq":1,"count":0})").error(),
              ingest_error::bad_count);
    EXPECT_EQ(parse_ingest_frame(R"({"type":"open","agenda":"Opening"})").error(),
              ingest_error::bad_field);
    for (auto const* bad : {R"({"type":"open","agenda":[{"presenter":"Ann"}]})",
                            R"({"type":"open","agenda":[{"title":7}]})",
                            R"({"type":"open","agenda":[{"title":"A","presenter":["Ann"]}]})",
                            R"({"type":"open","agenda":[{"title":"A","minutes":-5}]})",
                            R"({"type":"open","agenda":[{"title":"A","minutes":"ten"}]})",
                            R"({"type":"open","agenda":[3]})"})
        EXPECT_EQ(parse_ingest_frame(bad).error(), ingest_error::bad_field) << bad;
    for (auto const* bad : {R"({"type":"text","seq":1,"text":"x","lang":7})",
                            R"({"type":"text","seq":1,"text":"x","lang":""})",
                            R"({"type":"text","seq":1,"text":"x","lang":"en US"})",
                            R"({"type":"text","seq":1,"text":"x","lang":"1en"})"})
        EXPECT_EQ(parse_ingest_frame(bad).error(), ingest_error::bad_lang) << bad;
    EXPECT_EQ(parse_ingest_frame(R"({"type":"text","seq":1,"text":"x","lang":"zh-Hant-TW"})")->lang,
              "zh-Hant-TW");
    EXPECT_EQ(parse_ingest_frame("[1,2]")->kind, ingest_kind::raw); // only '{' starts a message
    EXPECT_NE(make_error_code(ingest_error::bad_seq).message().find("non-negative integer"),
              std::string::npos);
}

TEST(replies, are_json_with_their_fields) {
    EXPECT_EQ(boost::json::parse(encode(ack{7})), boost::json::parse(R"({"type":"ack","seq":7})"));
    EXPECT_EQ(boost::json::parse(encode(nack{8})),
              boost::json::parse(R"({"type":"nack","expected":8})"));
    EXPECT_EQ(boost::json::parse(encode(welcome{0})),
              boost::json::parse(R"({"type":"welcome","ack":0})"));
    EXPECT_EQ(boost::json::parse(encode(welcome{5, true})),
              boost::json::parse(R"({"type":"welcome","ack":5,"ended":true})"));
    EXPECT_EQ(boost::json::parse(encode(error_reply{"bad \"x\""})).at("message"), "bad \"x\"");
}

TEST(replies, read_back_as_written) {
    for (ingest_reply const& r : std::vector<ingest_reply>{
             welcome{0}, welcome{41, true}, ack{1}, ack{18446744073709551615u}, nack{3},
             error_reply{""}, error_reply{"seq went backwards: 2 after 5 \u00e9\n"}}) {
        auto const back = parse_ingest_reply(encode(r));
        ASSERT_TRUE(back) << encode(r);
        EXPECT_EQ(*back, r) << encode(r);
    }
}

TEST(replies, refuse_what_is_not_one) {
    EXPECT_EQ(parse_ingest_reply("ack").error(), ingest_error::invalid_json);
    EXPECT_EQ(parse_ingest_reply("[]").error(), ingest_error::unknown_type);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"hello"})").error(), ingest_error::unknown_type);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"ack"})").error(), ingest_error::bad_seq);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"ack","seq":-1})").error(), ingest_error::bad_seq);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"nack","expected":"2"})").error(),
              ingest_error::bad_seq);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"welcome","ack":1,"ended":1})").error(),
              ingest_error::bad_field);
    EXPECT_EQ(parse_ingest_reply(R"({"type":"error"})").error(), ingest_error::bad_field);
    EXPECT_EQ(parse_ingest_reply("{\"type\":\"error\",\"message\":\"\xff\"}").error(),
              ingest_error::invalid_utf8);
}

TEST(encode, writes_what_parse_reads_back) {
    auto message = [](ingest_kind kind, std::optional<seq_number> seq = std::nullopt) {
        ingest_message m;
        m.kind = kind;
        m.seq = seq;
        return m;
    };
    std::vector<ingest_message> messages{
        message(ingest_kind::open),     message(ingest_kind::open),
        message(ingest_kind::text, 1),  message(ingest_kind::erase, 2),
        message(ingest_kind::close, 3), message(ingest_kind::resume),
        message(ingest_kind::raw)};
    messages[1].title = "IGF \"Main\" session";
    messages[1].agenda = {{"Opening", "Chair", std::nullopt}, {"Panel", "", 20}, {"Close", "", {}}};
    messages[1].instance = "day-2";
    messages[2].text = ">> CHAIR: Welcome.\n\b";
    messages[2].lang = "pt-BR";
    messages[3].count = 3;
    messages[5].after = 17;
    messages[6].text = ">> plain CART text";
    for (auto const& m : messages) {
        auto const back = parse_ingest_frame(encode(m));
        ASSERT_TRUE(back) << encode(m);
        EXPECT_EQ(back->kind, m.kind) << encode(m);
        EXPECT_EQ(back->seq, m.seq) << encode(m);
        EXPECT_EQ(back->text, m.text) << encode(m);
        EXPECT_EQ(back->count, m.count) << encode(m);
        EXPECT_EQ(back->title, m.title) << encode(m);
        EXPECT_EQ(back->agenda, m.agenda) << encode(m);
        EXPECT_EQ(back->instance, m.instance) << encode(m);
        EXPECT_EQ(back->after, m.after) << encode(m);
        EXPECT_EQ(back->lang, m.lang) << encode(m);
    }
}

TEST(is_valid_session_id, letters_digits_dot_dash_underscore_only) {
    EXPECT_TRUE(is_valid_session_id("dccg-90_2024.11"));
    EXPECT_FALSE(is_valid_session_id(""));
    EXPECT_FALSE(is_valid_session_id(".hidden"));
    EXPECT_FALSE(is_valid_session_id("a/b"));
    EXPECT_FALSE(is_valid_session_id(".."));
    EXPECT_FALSE(is_valid_session_id(std::string(65, 'a')));
    EXPECT_FALSE(is_valid_session_id("caf\xC3\xA9"));
}

TEST(bound_open, cuts_long_titles_and_agendas_and_says_what_it_cut) {
    ingest_message m;
    m.kind = ingest_kind::open;
    m.title = "Budget";
    m.agenda = {{"Opening", "", {}}, {"Budget", "Ann", {}}};
    EXPECT_EQ(bound_open(m), "");
    EXPECT_EQ(m.title, "Budget");

    m.title = std::string(max_title_bytes - 1, 'a') + "\xC3\xA9" + "tail";
    m.agenda.assign(max_agenda_items + 5, {"Item", "", {}});
    m.agenda[0].title = std::string(1000, 'c');
    m.agenda[1].presenter = std::string(300, 'p');
    auto const said = bound_open(m);
    EXPECT_EQ(m.title, std::string(max_title_bytes - 1, 'a'));
    EXPECT_EQ(m.agenda.size(), max_agenda_items);
    EXPECT_EQ(m.agenda[0].title, std::string(max_title_bytes, 'c'));
    EXPECT_EQ(m.agenda[1].presenter, std::string(max_title_bytes, 'p'));
    EXPECT_EQ(said, "title of 261 bytes cut to 255 (at most 256); agenda of 505 items cut to "
                    "500; agenda title of 1000 bytes cut to 256 (at most 256); agenda presenter of "
                    "300 bytes cut to 256 (at most 256)");
}

} // namespace
} // namespace minuted::protocol
