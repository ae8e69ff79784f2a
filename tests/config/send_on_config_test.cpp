// [[webhook]], [webhooks] and [mail]: what a meeting is sent on with, and the clear errors a
// config that cannot send gets, each naming the key.

#include "config/config.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace minuted::config {
namespace {

settings parse(std::string const& text) {
    return parse_config(text, "t.toml");
}

std::string error_of(std::string const& text) {
    try {
        parse(text);
    } catch (config_error const& e) {
        return e.what();
    }
    return "no error";
}

std::string const hook = "[[webhook]]\nurl = \"https://hooks.example.org/minutes?x=1\"\n";
std::string const secret = "secret = \"0123456789abcdef\"\n";

TEST(send_on_config, a_webhook_with_its_secret_and_the_default_events_and_retries) {
    auto const s = parse(hook + secret);
    ASSERT_EQ(s.webhooks.size(), 1u);
    EXPECT_EQ(s.webhooks[0].url, "https://hooks.example.org/minutes?x=1");
    EXPECT_EQ(s.webhooks[0].secret, "0123456789abcdef");
    EXPECT_EQ(s.webhooks[0].events, (std::vector<std::string>{"ended", "approved"}));
    EXPECT_EQ(s.webhook_retry, delivery_retry{});
    EXPECT_EQ(s.webhook_retry.attempts, 5u);
    EXPECT_FALSE(s.mail.enabled());
}

TEST(send_on_config, the_default_config_sends_nothing_and_names_every_key) {
    auto const s = parse_config(default_config_text());
    EXPECT_TRUE(s.webhooks.empty());
    EXPECT_FALSE(s.mail.enabled());
    EXPECT_EQ(s.webhook_retry, delivery_retry{});
    EXPECT_EQ(s.mail_retry, delivery_retry{});
    for (auto const* key : {"[webhooks]", "[[webhook]]", "secret_file", "[mail]",
                            "smtp =", "starttls", "password_file", "sendmail", "public_url"})
        EXPECT_NE(default_config_text().find(key), std::string_view::npos) << key;
}

TEST(send_on_config, a_secret_can_be_kept_in_a_file_of_its_own) {
    testing::temp_dir dir;
    auto const path = dir.path() / "hook.secret";
    std::ofstream(path) << "0123456789abcdefXYZ\n";
    auto const s =
        parse(hook + "secret_file = \"" + path.string() + "\"\nevents = [\"approved\"]\n");
    EXPECT_EQ(s.webhooks[0].secret, "0123456789abcdefXYZ");
    EXPECT_EQ(s.webhooks[0].events, (std::vector<std::string>{"approved"}));
    EXPECT_EQ(error_of(hook + "secret_file = \"" + (dir.path() / "none").string() + "\"\n"),
              "t.toml:3:15: webhook.secret_file: " + (dir.path() / "none").string() +
                  ": No such file or directory");
    EXPECT_NE(error_of(hook + secret + "secret_file = \"" + path.string() + "\"\n")
                  .find("webhook.secret and webhook.secret_file are two ways"),
              std::string::npos);
}

TEST(send_on_config, a_webhook_without_a_usable_url_or_secret_is_refused_by_name) {
    EXPECT_EQ(error_of("[[webhook]]\nurl = \"ftp://x\"\n" + secret),
              "t.toml:2:7: webhook.url must be an http:// or https:// URL such as "
              "\"https://hooks.example.org/minutes\", not \"ftp://x\"");
    EXPECT_NE(error_of("[[webhook]]\nurl = \"https://a b\"\n" + secret).find("webhook.url"),
              std::string::npos);
    EXPECT_NE(error_of(hook).find("webhook.secret (or webhook.secret_file) must give a shared "
                                  "secret of at least 16 characters"),
              std::string::npos);
    EXPECT_NE(error_of(hook + "secret = \"short\"\n").find("t.toml:3:10: webhook.secret"),
              std::string::npos);
    EXPECT_NE(error_of(hook + secret + "events = [\"started\"]\n")
                  .find("webhook.events may hold \"ended\" and \"approved\""),
              std::string::npos);
    EXPECT_NE(error_of(hook + secret + "colour = 1\n").find("unknown key 'webhook.colour'"),
              std::string::npos);
    EXPECT_NE(error_of("[webhooks]\nattempts = 0\n").find("webhooks.attempts must be from 1 to 20"),
              std::string::npos);
    EXPECT_NE(error_of("[webhooks]\nretry_initial = \"1m\"\nretry_max = \"1s\"\n")
                  .find("webhooks.retry_max must not be less than webhooks.retry_initial"),
              std::string::npos);
    EXPECT_NE(error_of("[webhooks]\npublic_url = \"https://m.example.org/\"\n")
                  .find("webhooks.public_url"),
              std::string::npos);
}

std::string const mail = "[mail]\nto = [\"clerk@example.org\"]\nfrom = \"minuted@example.org\"\n";

TEST(send_on_config, mail_through_a_relay_or_sendmail) {
    auto const relay = parse(mail + "smtp = \"smtp.example.org:587\"\nstarttls = \"require\"\n");
    EXPECT_TRUE(relay.mail.enabled());
    EXPECT_EQ(relay.mail.smtp_host, "smtp.example.org");
    EXPECT_EQ(relay.mail.smtp_port, 587);
    EXPECT_EQ(relay.mail.starttls, starttls_mode::require);
    auto const local = parse(mail + "sendmail = \"/usr/sbin/sendmail\"\nevents = [\"ended\"]\n");
    EXPECT_EQ(local.mail.sendmail, "/usr/sbin/sendmail");
    EXPECT_EQ(local.mail.events, (std::vector<std::string>{"ended"}));
    EXPECT_EQ(local.mail.starttls, starttls_mode::opportunistic);
}

TEST(send_on_config, mail_that_could_not_be_sent_is_refused_by_name) {
    EXPECT_NE(error_of("[mail]\nto = [\"Clerk <clerk@example.org>\"]\n")
                  .find("mail.to must hold addresses such as \"clerk@example.org\""),
              std::string::npos);
    EXPECT_NE(error_of("[mail]\nto = [\"clerk@example.org\\r\\nBcc: x@y\"]\n").find("mail.to"),
              std::string::npos);
    EXPECT_NE(error_of("[mail]\nfrom = \"nobody\"\n").find("mail.from must be an address"),
              std::string::npos);
    EXPECT_NE(error_of("[mail]\nto = [\"clerk@example.org\"]\nsmtp = \"localhost:25\"\n")
                  .find("mail.to needs mail.from"),
              std::string::npos);
    EXPECT_NE(error_of(mail).find("mail.to needs one way to send: mail.smtp"), std::string::npos);
    EXPECT_NE(error_of(mail + "smtp = \"localhost\"\n").find("mail.smtp must be a relay's"),
              std::string::npos);
    EXPECT_NE(error_of(mail + "smtp = \"localhost:25\"\nstarttls = \"yes\"\n")
                  .find("mail.starttls must be \"require\", \"opportunistic\" or \"off\""),
              std::string::npos);
    EXPECT_NE(
        error_of(mail + "sendmail = \"sendmail\"\n").find("mail.sendmail must be an absolute"),
        std::string::npos);
    testing::temp_dir dir;
    auto const password = dir.path() / "password";
    std::ofstream(password) << "hunter2hunter2\n";
    auto const with_login = mail +
                            "smtp = \"localhost:25\"\nusername = \"minuted\"\npassword_file = \"" +
                            password.string() + "\"\n";
    EXPECT_NE(error_of(with_login).find("mail.username needs mail.starttls = \"require\""),
              std::string::npos);
    EXPECT_EQ(parse(with_login + "starttls = \"require\"\n").mail.password, "hunter2hunter2");
    EXPECT_NE(error_of(mail + "smtp = \"localhost:25\"\nusername = \"minuted\"\n")
                  .find("mail.username and mail.password_file go together"),
              std::string::npos);
}

TEST(send_on_config, a_reload_takes_new_webhooks_and_mail) {
    std::vector<std::string> kept;
    auto const next =
        reloadable(parse(""), parse(hook + secret + mail + "smtp = \"h:25\"\n"), kept);
    EXPECT_TRUE(kept.empty());
    EXPECT_EQ(next.webhooks.size(), 1u);
    EXPECT_TRUE(next.mail.enabled());
}

} // namespace
} // namespace minuted::config
