// What a meeting is sent on as: the webhook signature (checked against RFC 4231's HMAC-SHA256
// vectors), the notification's JSON, and the mail message's pieces: header encoding that no
// title can break out of, quoted-printable within its line length, and HTML in which nothing
// from a meeting becomes markup.

#include "daemon/send/mail_message.hpp"
#include "daemon/send/notification.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace minuted::daemon {
namespace {

TEST(webhook_signature, is_hmac_sha256_of_the_timestamp_a_dot_and_the_body) {
    // RFC 4231, test case 2.
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(webhook_signature("key", 1700000000, "{}"),
              "sha256=" + hmac_sha256_hex("key", "1700000000.{}"));
    EXPECT_NE(random_id(), random_id());
    EXPECT_EQ(random_id().size(), 32u);
}

TEST(notification, carries_the_meeting_and_its_report_unless_it_is_too_large) {
    announced_meeting m;
    m.session = "plenary";
    m.title = "Plenary";
    m.archive = "plenary-20261206-231502";
    m.started_ms = 1'796'598'902'123;
    m.ended_ms = 1'796'602'502'000;
    m.report_json = R"({"schema":"minuted.report/1"})";
    auto const n = boost::json::parse(notification_body("ended", m, "")).as_object();
    EXPECT_EQ(n.at("event"), "ended");
    EXPECT_EQ(n.at("session"), "plenary");
    EXPECT_EQ(n.at("started"), "2026-12-06T23:15:02.123Z");
    EXPECT_EQ(n.at("ended"), "2026-12-07T00:15:02.000Z");
    EXPECT_EQ(n.at("report").at("schema"), "minuted.report/1");
    EXPECT_FALSE(n.contains("report_url"));
    m.report_json = std::string(max_notified_report_bytes + 1, ' ');
    auto const big =
        boost::json::parse(notification_body("approved", m, "https://m.example.org")).as_object();
    EXPECT_FALSE(big.contains("report"));
    EXPECT_NE(big.at("report_omitted").as_string().find("/api/archive/plenary-20261206-231502/"),
              boost::json::string::npos);
    EXPECT_EQ(big.at("report_url"), "https://m.example.org/archive/plenary-20261206-231502");
}

TEST(mail_header, a_title_cannot_start_a_header_of_its_own) {
    EXPECT_EQ(header_text("Plenary\r\nBcc: x@example.org"), "Plenary  Bcc: x@example.org");
    EXPECT_EQ(header_text("Plenary"), "Plenary");
    // Non-ASCII: encoded words of whole characters, each within RFC 2047's 75 characters.
    std::string title;
    for (int i = 0; i < 40; ++i)
        title += "é";
    auto const h = header_text(title);
    EXPECT_EQ(h.find('\n') == std::string::npos ? 0u : 1u, 1u);
    for (std::size_t start = 0; start < h.size();) {
        auto const end = std::min(h.find("\r\n ", start), h.size());
        auto const word = h.substr(start, end - start);
        EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
        EXPECT_LE(word.size(), 75u);
        start = end + 3;
    }
    // Bytes that are not UTF-8 are encoded too, and the encoding ends.
    auto const broken = header_text(std::string(100, '\x80'));
    EXPECT_TRUE(broken.starts_with("=?UTF-8?B?"));
    EXPECT_LT(broken.size(), 300u);
    // Text that looks encoded is encoded, so that it reads as itself.
    EXPECT_TRUE(header_text("=?UTF-8?B?QQ==?=").starts_with("=?UTF-8?B?"));
}

TEST(quoted_printable, keeps_lines_short_and_encodes_what_must_be) {
    EXPECT_EQ(quoted_printable("a=b\nc"), "a=3Db\r\nc");
    EXPECT_EQ(quoted_printable("é"), "=C3=A9");
    EXPECT_EQ(quoted_printable(".\n"), "=2E\r\n");
    EXPECT_EQ(quoted_printable("trailing \n"), "trailing=20\r\n");
    auto const long_line = quoted_printable(std::string(200, 'x'));
    for (std::size_t start = 0; start < long_line.size();) {
        auto const end = std::min(long_line.find("\r\n", start), long_line.size());
        EXPECT_LE(end - start, 76u);
        start = end + 2;
    }
}

TEST(report_html, escapes_everything_and_keeps_headings_lists_and_tables) {
    auto const html = report_html("# A <script>alert(1)</script> & co\n\nSummary report\n\n"
                                  "- **Ana**: to send \"it\" _(Friday)_\n- snake_case_name\n\n"
                                  "| Name | Role |\n|---|---|\n| Ana | chair |\n",
                                  "A <b>");
    EXPECT_NE(html.find("<title>A &lt;b&gt;</title>"), std::string::npos);
    EXPECT_NE(html.find("<h1>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h1>"),
              std::string::npos);
    EXPECT_NE(html.find("<p>Summary report</p>"), std::string::npos);
    EXPECT_NE(html.find("<li><strong>Ana</strong>: to send &quot;it&quot; <em>(Friday)</em></li>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<li>snake_case_name</li>"), std::string::npos);
    EXPECT_NE(html.find("<tr><th>Name</th><th>Role</th></tr>"), std::string::npos);
    EXPECT_NE(html.find("<tr><td>Ana</td><td>chair</td></tr>"), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
}

TEST(compose_mail, is_multipart_alternative_with_the_text_first) {
    mail_message m;
    m.from = "minuted@example.org";
    m.to = {"a@example.org", "b@example.org"};
    m.subject = "Minutes: Plenary";
    m.date = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'598'902));
    m.message_id = "<1@example.org>";
    m.boundary = "=_b";
    m.text = "# Plenary\n";
    m.html = "<h1>Plenary</h1>\n";
    EXPECT_EQ(compose_mail(m),
              "From: minuted@example.org\r\nTo: a@example.org,\r\n b@example.org\r\n"
              "Subject: Minutes: Plenary\r\nDate: Sun, 06 Dec 2026 23:15:02 +0000\r\n"
              "Message-ID: <1@example.org>\r\nMIME-Version: 1.0\r\n"
              "Auto-Submitted: auto-generated\r\n"
              "Content-Type: multipart/alternative; boundary=\"=_b\"\r\n\r\n"
              "This is the report in Markdown and in HTML.\r\n"
              "\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n# Plenary\r\n"
              "\r\n--=_b\r\nContent-Type: text/html; charset=utf-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n<h1>Plenary</h1>\r\n"
              "\r\n--=_b--\r\n");
}

} // namespace
} // namespace minuted::daemon
