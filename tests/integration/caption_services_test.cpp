// Caption services' pushes as they send them, byte for byte: StreamText's caption URL (seq from
// 1, DEL characters, the token in the URL because it cannot send headers) and Zoom-style caption
// APIs (seq from 0, a language), against the real daemon.

#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"

#include <gtest/gtest.h>

#include <string>

namespace minuted::testing {
namespace {

using namespace std::string_literals;

// A POST as a caption service writes it: text/plain in the charset it names.
std::string caption_post(std::string const& target, std::string const& body,
                         std::string const& charset = "utf-8") {
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
           "Content-Type: text/plain; charset=" + charset + "\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

// The status line's code and the body of a raw exchange.
std::pair<unsigned, std::string> post_raw(unsigned short port, std::string const& target,
                                          std::string const& body,
                                          std::string const& charset = "utf-8") {
    auto const raw = exchange_raw(port, caption_post(target, body, charset));
    auto const code = raw.size() > 12 ? static_cast<unsigned>(std::stoul(raw.substr(9, 3))) : 0u;
    auto const head_end = raw.find("\r\n\r\n");
    return {code, head_end == std::string::npos ? raw : raw.substr(head_end + 4)};
}

// Ends session `id` as an administrator on loopback would and returns its archived transcript.
std::string end_and_read_transcript(unsigned short port, std::string const& id) {
    EXPECT_EQ(http_request(port, http::verb::post, "/api/sessions/" + id + "/end").status, 200u);
    wait_archived(port, id);
    return http_get(port, "/api/sessions/" + id + "/transcript.txt").body;
}

std::size_t count_of(std::string const& text, std::string const& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

std::string const session_token = "st-caption-url-0123456789";

TEST(caption_services, streamtext_posts_with_deletions_and_the_token_in_the_url) {
    daemon_process d({.config = "[auth]\npublish_token = \"publish-0123456789\"\n"
                                "[auth.sessions]\nst = \"" +
                                session_token + "\"\n"});
    auto const url = "/ingest/st?token=" + session_token + "&lang=en&seq=";
    // What a stenographer's corrections look like on StreamText's caption URL: DEL characters
    // that delete what came before, in the same request or an earlier one.
    auto r = post_raw(d.port(), url + "1",
                      "Good mornimg\x7F\x7Fng everyone.\r\nWe begin with the budge");
    EXPECT_EQ(r.first, 200u) << r.second;
    EXPECT_EQ(boost::json::parse(r.second).at("seq"), 1);
    r = post_raw(d.port(), url + "2",
                 "t.\r\nThe accounts are in ordr\x7F\x7F"
                 "der.\r\n");
    EXPECT_EQ(r.first, 200u) << r.second;
    // The service retries a request whose answer it lost: acknowledged, not applied twice.
    r = post_raw(d.port(), url + "2",
                 "t.\r\nThe accounts are in ordr\x7F\x7F"
                 "der.\r\n");
    EXPECT_EQ(r.first, 200u) << r.second;
    r = post_raw(d.port(), url + "3", "Next item.\r\n");
    EXPECT_EQ(r.first, 200u) << r.second;

    // The token is checked: another session's or a wrong one is refused.
    EXPECT_EQ(post_raw(d.port(), "/ingest/st?token=wrong&seq=4", "x\n").first, 403u);
    EXPECT_EQ(post_raw(d.port(), "/ingest/other?token=" + session_token + "&seq=1", "x\n").first,
              403u);

    auto const state = boost::json::parse(http_get(d.port(), "/api/sessions/st").body).as_object();
    EXPECT_EQ(state.at("lang"), "en");
    for (auto const& u : state.at("utterances").as_array())
        EXPECT_EQ(u.at("lang"), "en") << u;

    auto const transcript = end_and_read_transcript(d.port(), "st");
    for (auto const* line : {"Good morning everyone.", "We begin with the budget.",
                             "The accounts are in order.", "Next item."})
        EXPECT_EQ(count_of(transcript, line), 1u) << line << "\n" << transcript;
    EXPECT_EQ(metric(d.port(), "minuted_ingest_duplicates_total"), 1u);
    // The token in a caption URL must not reach the log (it does reach any proxy's access log:
    // PROTOCOL.md says so).
    d.stop();
    EXPECT_EQ(d.process().output().find(session_token), std::string::npos);
}

TEST(caption_services, a_source_that_counts_from_zero_is_answered_in_its_numbers_across_a_crash) {
    daemon_process d;
    auto const post = [&](unsigned seq, std::string const& body) {
        return post_raw(d.port(), "/ingest/z?lang=en-US&seq=" + std::to_string(seq), body);
    };
    // Nothing held yet is not "0 held": a source that counts from 0 starts at 0.
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/ingest/z/seq").body),
              boost::json::parse(R"({"seq":0,"empty":true})"));
    auto r = post(2, "Too far ahead.\n");
    EXPECT_EQ(r.first, 409u);
    EXPECT_EQ(boost::json::parse(r.second).at("empty"), true) << r.second;
    r = post(0, "Hello from the first caption.\n");
    EXPECT_EQ(r.first, 200u) << r.second;
    EXPECT_EQ(boost::json::parse(r.second), boost::json::parse(R"({"seq":0})"));
    r = post(1, "And the second.\n");
    EXPECT_EQ(boost::json::parse(r.second).at("seq"), 1);
    EXPECT_EQ(post(0, "Hello from the first caption.\n").first, 200u); // a resend
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/ingest/z/seq").body).at("seq"), 1);

    d.kill(); // acknowledged means on disk: the count from 0 too
    d.restart();
    EXPECT_EQ(boost::json::parse(http_get(d.port(), "/ingest/z/seq").body).at("seq"), 1);
    EXPECT_EQ(post(1, "And the second.\n").first, 200u); // a resend after the crash
    r = post(2, "The third, after the restart.\n");
    EXPECT_EQ(r.first, 200u) << r.second;
    EXPECT_EQ(boost::json::parse(r.second).at("seq"), 2);
    r = post(5, "A gap.\n");
    EXPECT_EQ(r.first, 409u) << r.second;
    EXPECT_EQ(boost::json::parse(r.second).at("expected"), 3);

    auto const transcript = end_and_read_transcript(d.port(), "z");
    for (auto const* line :
         {"Hello from the first caption.", "And the second.", "The third, after the restart."})
        EXPECT_EQ(count_of(transcript, line), 1u) << line << "\n" << transcript;
    EXPECT_EQ(count_of(transcript, "A gap."), 0u);
}

TEST(caption_services, seq_zero_after_seqs_started_at_one_is_refused) {
    daemon_process d;
    EXPECT_EQ(post_raw(d.port(), "/ingest/one?seq=1", "first\n").first, 200u);
    auto const r = post_raw(d.port(), "/ingest/one?seq=0", "zero\n");
    EXPECT_EQ(r.first, 400u) << r.second;
    EXPECT_NE(r.second.find("seq 0 comes only first"), std::string::npos) << r.second;
}

TEST(caption_services, charsets_and_languages_are_read_or_refused_with_the_reason) {
    daemon_process d;
    // ISO-8859-1, as some older caption encoders send it.
    auto r =
        post_raw(d.port(), "/ingest/cs?seq=1", "Caf\xE9 cr\xE8me for everyone.\n", "ISO-8859-1");
    EXPECT_EQ(r.first, 200u) << r.second;
    r = post_raw(d.port(), "/ingest/cs?seq=2", "x\n", "shift_jis");
    EXPECT_EQ(r.first, 400u);
    EXPECT_NE(r.second.find("charset shift_jis is not read"), std::string::npos) << r.second;
    r = post_raw(d.port(), "/ingest/cs?seq=2&lang=en_US%21", "x\n");
    EXPECT_EQ(r.first, 400u);
    EXPECT_NE(r.second.find("lang must be a language tag"), std::string::npos) << r.second;
    // Right to left: kept as sent, with its language.
    r = post_raw(d.port(), "/ingest/cs?seq=2&lang=ar",
                 "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7\n");
    EXPECT_EQ(r.first, 200u) << r.second;
    auto const transcript = end_and_read_transcript(d.port(), "cs");
    EXPECT_NE(transcript.find("Caf\xC3\xA9 cr\xC3\xA8me for everyone."), std::string::npos)
        << transcript;
    EXPECT_NE(transcript.find("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"), std::string::npos)
        << transcript;
}

} // namespace
} // namespace minuted::testing
