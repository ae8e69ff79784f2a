// The report mailed when a meeting ends: to a real SMTP server on loopback (Debian's
// python3-aiosmtpd, which tests/install-deps installs), and through a sendmail that keeps
// what it is given (the interface Debian's MTAs offer). The message is checked as a mail
// reader would read it: its headers, its two alternatives, a UTF-8 title.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

namespace minuted::testing {
namespace {

using namespace std::chrono_literals;

// A title that tries to add a header of its own, in a language that needs UTF-8.
std::string const mail_hostile_title = "Réunion <b>budget</b>\r\nBcc: evil@example.org";

// A port no one listens on now, for a server started next.
unsigned short free_port() {
    boost::asio::io_context ioc;
    tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

bool accepts(unsigned short port) {
    boost::asio::io_context ioc;
    tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

std::string decode_base64(std::string_view in) {
    std::string out;
    std::uint32_t bits = 0;
    int n = 0;
    for (char c : in) {
        auto const* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        auto const* at = std::strchr(digits, c);
        if (c == '=' || !at || c == '\0')
            continue;
        bits = (bits << 6) | static_cast<std::uint32_t>(at - digits);
        if ((n += 6) >= 8) {
            n -= 8;
            out += static_cast<char>((bits >> n) & 0xff);
        }
    }
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
        } else if (i + 1 < in.size() && in[i + 1] == '\n') {
            ++i; // a soft line break
        } else if (i + 2 < in.size()) {
            out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        }
    }
    return out;
}

// A received message with LF line ends: its header block, and the decoded body of the part
// of type `type`.
struct received_mail {
    std::string headers;
    std::string text, html;
    std::string subject; // decoded
};

received_mail read_mail(std::string message) {
    std::erase(message, '\r');
    received_mail m;
    auto const head_end = message.find("\n\n");
    m.headers = message.substr(0, head_end + 1);
    // The Subject's encoded words, unfolded.
    auto const s = m.headers.find("\nSubject: ");
    auto e = m.headers.find('\n', s + 1);
    while (e + 1 < m.headers.size() && m.headers[e + 1] == ' ')
        e = m.headers.find('\n', e + 1);
    auto const value = m.headers.substr(s + 10, e - s - 10);
    for (auto at = value.find("=?UTF-8?B?"); at != std::string::npos;
         at = value.find("=?UTF-8?B?", at + 1))
        m.subject += decode_base64(value.substr(at + 10, value.find("?=", at + 10) - at - 10));
    for (auto const* type : {"text/plain", "text/html"}) {
        auto const part = message.find(std::string("Content-Type: ") + type + "; charset=utf-8");
        if (part == std::string::npos)
            continue;
        auto const body = message.find("\n\n", part) + 2;
        auto const end = message.find("\n--=_minuted_", body);
        (std::string_view(type) == "text/plain" ? m.text : m.html) =
            decode_quoted_printable(message.substr(body, end - body));
    }
    return m;
}

// `report_md` as a mail carries it: text/plain's lines end in CRLF on the wire, in LF once read.
void expect_report_mail(received_mail const& m, std::string report_md) {
    std::erase(report_md, '\r');
    EXPECT_NE(m.headers.find("From: minuted@example.org\n"), std::string::npos) << m.headers;
    EXPECT_NE(m.headers.find("To: clerk@example.org,\n chair@example.org\n"), std::string::npos);
    EXPECT_NE(m.headers.find("MIME-Version: 1.0\n"), std::string::npos);
    EXPECT_NE(m.headers.find("Content-Type: multipart/alternative;"), std::string::npos);
    EXPECT_TRUE(std::regex_search(m.headers, std::regex(R"(\nDate: \w{3}, \d\d \w{3} \d{4} )")));
    EXPECT_TRUE(
        std::regex_search(m.headers, std::regex(R"(\nMessage-ID: <[0-9a-f]{32}@example\.org>\n)")));
    // The title's line break did not start a header of its own.
    EXPECT_EQ(m.headers.find("\nBcc:"), std::string::npos);
    EXPECT_EQ(m.subject, "Minutes: Réunion <b>budget</b>  Bcc: evil@example.org");
    EXPECT_EQ(m.text + (m.text.ends_with("\n") ? "" : "\n"), report_md);
    EXPECT_NE(m.html.find("<h1>Réunion &lt;b&gt;budget&lt;/b&gt;"), std::string::npos) << m.html;
    EXPECT_EQ(m.html.find("<b>"), std::string::npos);
    EXPECT_NE(m.html.find("<li>"), std::string::npos);
}

std::string const mail_keys = "to = [\"clerk@example.org\", \"chair@example.org\"]\n"
                              "from = \"minuted@example.org\"\n"
                              "retry_initial = \"100ms\"\nretry_max = \"200ms\"\n";

// Debian's aiosmtpd on loopback, keeping what it receives in a maildir: `extra` adds its
// options (STARTTLS with a certificate).
class smtp_server {
public:
    explicit smtp_server(std::vector<std::string> const& extra = {}) : port_(free_port()) {
        EXPECT_EQ(run_child({"/usr/bin/python3", "-c", "import aiosmtpd"}).exit_code, 0)
            << "python3-aiosmtpd is missing: run tests/install-deps";
        std::vector<std::string> args = {
            "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_)};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), {"-c", "aiosmtpd.handlers.Mailbox", mailbox().string()});
        process_.emplace(args);
        auto const until = std::chrono::steady_clock::now() + 20s;
        while (!accepts(port_) && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(50ms);
    }

    unsigned short port() const { return port_; }
    std::filesystem::path mailbox() const { return dir_.path() / "mailbox"; }
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        std::error_code ec;
        for (auto const& f : std::filesystem::directory_iterator(mailbox() / "new", ec))
            out.push_back(read_text(f.path()));
        return out;
    }

private:
    temp_dir dir_;
    unsigned short port_;
    std::optional<child_process> process_;
};

std::string relay_keys(smtp_server const& smtp) {
    return "smtp = \"127.0.0.1:" + std::to_string(smtp.port()) + "\"\n";
}

TEST(mail, the_report_reaches_an_smtp_server_as_text_and_html) {
    smtp_server smtp;
    daemon_process d({.config = "[mail]\n" + mail_keys + relay_keys(smtp)});
    auto const archive = hold_meeting(d.port(), "mailed", mail_hostile_title);
    ASSERT_EQ(metric_reaching(d.port(), "minuted_mail_sent_total", 1, 20s), 1u)
        << d.process().output();
    auto const messages = smtp.messages();
    ASSERT_EQ(messages.size(), 1u);
    // Both recipients were given to the server.
    EXPECT_NE(messages[0].find("X-RcptTo: clerk@example.org, chair@example.org"), std::string::npos)
        << messages[0].substr(0, 400);
    expect_report_mail(read_mail(messages[0]),
                       http_get(d.port(), "/api/archive/" + archive + "/report.md").body);
}

TEST(mail, starttls_protects_the_report_when_the_relay_requires_it) {
    std::string const tls = MINUTED_TEST_DATA "/tls/";
    // aiosmtpd, given a certificate, refuses MAIL before STARTTLS.
    smtp_server smtp({"--tlscert", tls + "server.pem", "--tlskey", tls + "server.key"});
    daemon_process d({.config = "[mail]\n" + mail_keys + relay_keys(smtp) +
                                "starttls = \"require\"\nca_file = \"" + tls + "ca.pem\"\n"});
    hold_meeting(d.port(), "secured", mail_hostile_title);
    ASSERT_EQ(metric_reaching(d.port(), "minuted_mail_sent_total", 1, 20s), 1u)
        << d.process().output();
    ASSERT_EQ(smtp.messages().size(), 1u);
}

TEST(mail, a_relay_without_starttls_gets_nothing_when_it_is_required) {
    smtp_server smtp;
    daemon_process d({.config = "[mail]\n" + mail_keys + "attempts = 2\n" + relay_keys(smtp) +
                                "starttls = \"require\"\n"});
    hold_meeting(d.port(), "refused", mail_hostile_title);
    EXPECT_EQ(metric_reaching(d.port(), "minuted_mail_given_up_total", 1, 20s), 1u);
    EXPECT_EQ(metric(d.port(), "minuted_mail_failures_total"), 2u);
    EXPECT_TRUE(smtp.messages().empty());
    auto const complaints = d.complaints();
    EXPECT_TRUE(std::any_of(complaints.begin(), complaints.end(), [](std::string const& line) {
        return line.find("the relay does not offer STARTTLS") != std::string::npos;
    }));
}

TEST(mail, the_report_is_given_to_sendmail_with_its_recipients_in_the_message) {
    temp_dir dir;
    auto const script = dir.path() / "sendmail";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\necho \"$@\" > " << (dir.path() / "args").string() << "\ncat > "
            << (dir.path() / "message").string() << "\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    daemon_process d(
        {.config = "[mail]\n" + mail_keys + "sendmail = \"" + script.string() + "\"\n"});
    auto const archive = hold_meeting(d.port(), "local", mail_hostile_title);
    ASSERT_EQ(metric_reaching(d.port(), "minuted_mail_sent_total", 1, 20s), 1u)
        << d.process().output();
    EXPECT_EQ(read_text(dir.path() / "args"), "-t -oi\n");
    auto const message = read_text(dir.path() / "message");
    EXPECT_EQ(message.find('\r'), std::string::npos); // local programs read LF text
    expect_report_mail(read_mail(message),
                       http_get(d.port(), "/api/archive/" + archive + "/report.md").body);
}

TEST(mail, a_sendmail_that_fails_is_tried_again_then_given_up_and_counted) {
    temp_dir dir;
    auto const script = dir.path() / "sendmail";
    {
        std::ofstream out(script);
        out << "#!/bin/sh\ncat > /dev/null\nexit 75\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    daemon_process d({.config = "[mail]\n" + mail_keys + "attempts = 2\nsendmail = \"" +
                                script.string() + "\"\n"});
    hold_meeting(d.port(), "unmailed", mail_hostile_title);
    EXPECT_EQ(metric_reaching(d.port(), "minuted_mail_given_up_total", 1, 20s), 1u);
    EXPECT_EQ(metric(d.port(), "minuted_mail_failures_total"), 2u);
    EXPECT_EQ(metric(d.port(), "minuted_mail_sent_total"), 0u);
}

} // namespace
} // namespace minuted::testing
