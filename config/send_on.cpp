#include "config/config.hpp"
#include "config/toml_reader.hpp"

#include <algorithm>
#include <cctype>

// [[webhook]], [webhooks], [mail]: where a meeting's end and approval are announced.
namespace minuted::config::detail {

namespace {

// addr-spec only ("clerk@example.org"): no display name, comments or quoting, so an address
// can go into a header and an SMTP command as it is, and cannot carry a line break.
bool is_mail_address(std::string_view a) {
    auto const at = a.find('@');
    if (a.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 == a.size() ||
        a.find('@', at + 1) != std::string_view::npos)
        return false;
    return std::all_of(a.begin(), a.end(), [](unsigned char c) {
        return c > ' ' && c < 0x7f &&
               std::string_view("<>()[]\\,;:\"").find(char(c)) == std::string_view::npos;
    });
}

bool is_http_url(std::string_view url) {
    auto const rest = url.starts_with("https://")  ? url.substr(8)
                      : url.starts_with("http://") ? url.substr(7)
                                                   : std::string_view();
    return !rest.empty() && rest.front() != '/' && rest.front() != ':' &&
           std::none_of(url.begin(), url.end(),
                        [](unsigned char c) { return c <= ' ' || c >= 0x7f || c == '#'; });
}

std::vector<std::string> read_events(table_reader& r, std::vector<std::string> fallback,
                                     std::string_view source) {
    auto const list = r.get<toml::array const*>("events");
    if (!list)
        return fallback;
    std::vector<std::string> events;
    for (auto const& node : **list) {
        auto const v = node.value<std::string>();
        if (!node.is_string() ||
            std::find(std::begin(send_events), std::end(send_events), *v) == std::end(send_events))
            fail(source, node.source(), r.name("events") + " may hold \"ended\" and \"approved\"");
        if (std::find(events.begin(), events.end(), *v) == events.end())
            events.push_back(*v);
    }
    return events;
}

std::string read_secret(table_reader& r, std::string_view key, std::string_view file_key,
                        std::string_view source) {
    auto secret = r.get<std::string>(key);
    auto const file = r.get<std::string>(file_key);
    if (secret && file)
        fail(source, r.where(file_key),
             r.name(key) + " and " + r.name(file_key) +
                 " are two ways to give one secret: "
                 "set one of them");
    if (file) {
        try {
            return read_secret_file(*file);
        } catch (std::exception const& e) {
            fail(source, r.where(file_key), r.name(file_key) + ": " + e.what());
        }
    }
    return secret.value_or("");
}

webhook read_webhook(table_reader& r, std::string_view source) {
    webhook w;
    auto const url = r.get<std::string>("url");
    if (!url || !is_http_url(*url))
        fail(source, r.where("url"),
             "webhook.url must be an http:// or https:// URL such as "
             "\"https://hooks.example.org/minutes\"" +
                 (url ? ", not \"" + *url + "\"" : std::string()));
    w.url = *url;
    w.secret = read_secret(r, "secret", "secret_file", source);
    if (w.secret.size() < 16)
        fail(source, r.where("secret"),
             "webhook.secret (or webhook.secret_file) must give a shared secret of at least 16 "
             "characters: receivers check each notification's signature with it");
    w.events = read_events(r, w.events, source);
    w.ca_file = r.get<std::string>("ca_file").value_or("");
    r.reject_unknown();
    return w;
}

void read_retry(table_reader& r, delivery_retry& d, std::string_view source) {
    if (auto const n = r.get<std::int64_t>("attempts")) {
        if (*n < 1 || *n > 20)
            fail(source, r.where("attempts"), r.name("attempts") + " must be from 1 to 20");
        d.attempts = static_cast<unsigned>(*n);
    }
    d.retry_initial = duration(r, "retry_initial", d.retry_initial, source);
    d.retry_max = duration(r, "retry_max", d.retry_max, source);
    at_most(r, "retry_max", d.retry_max, std::chrono::hours(6), "6h", source);
    if (d.retry_max < d.retry_initial)
        fail(source, r.where("retry_max"),
             r.name("retry_max") + " must not be less than " + r.name("retry_initial"));
    d.timeout = duration(r, "timeout", d.timeout, source);
    at_most(r, "timeout", d.timeout, std::chrono::minutes(5), "5m", source);
}

void read_smtp(table_reader& r, mail_settings& m, std::string_view source) {
    auto const smtp = r.get<std::string>("smtp");
    if (!smtp)
        return;
    try {
        std::tie(m.smtp_host, m.smtp_port) = parse_listen(*smtp);
    } catch (std::invalid_argument const& e) {
        fail(source, r.where("smtp"),
             "mail.smtp must be a relay's \"host:port\" such as \"localhost:25\": " +
                 std::string(e.what()));
    }
    if (m.smtp_port == 0)
        fail(source, r.where("smtp"), "mail.smtp needs a port other than 0");
    auto const tls = r.get<std::string>("starttls").value_or("opportunistic");
    if (tls == "require")
        m.starttls = starttls_mode::require;
    else if (tls == "opportunistic")
        m.starttls = starttls_mode::opportunistic;
    else if (tls == "off")
        m.starttls = starttls_mode::off;
    else
        fail(source, r.where("starttls"),
             "mail.starttls must be \"require\", \"opportunistic\" or \"off\", not \"" + tls +
                 "\"");
    m.username = r.get<std::string>("username").value_or("");
    if (auto const file = r.get<std::string>("password_file")) {
        try {
            m.password = read_secret_file(*file);
        } catch (std::exception const& e) {
            fail(source, r.where("password_file"), "mail.password_file: " + std::string(e.what()));
        }
    }
    if (m.username.empty() != m.password.empty())
        fail(source, r.where(m.username.empty() ? "password_file" : "username"),
             "mail.username and mail.password_file go together: set both or neither");
    if (!m.username.empty() && m.starttls != starttls_mode::require)
        fail(source, r.where("starttls"),
             "mail.username needs mail.starttls = \"require\": a password is only sent over TLS");
    m.ca_file = r.get<std::string>("ca_file").value_or("");
}

void read_mail(table_reader& r, settings& s, std::string_view source) {
    auto& m = s.mail;
    if (auto const to = r.get<toml::array const*>("to")) {
        for (auto const& node : **to) {
            auto const v = node.value<std::string>();
            if (!node.is_string() || !is_mail_address(*v))
                fail(source, node.source(),
                     "mail.to must hold addresses such as \"clerk@example.org\" (no name, no "
                     "brackets)");
            m.to.push_back(*v);
        }
    }
    auto const from = r.get<std::string>("from");
    if (from && !is_mail_address(*from))
        fail(source, r.where("from"),
             "mail.from must be an address such as \"minuted@example.org\", not \"" + *from + "\"");
    m.from = from.value_or("");
    read_smtp(r, m, source);
    m.sendmail = r.get<std::string>("sendmail").value_or("");
    if (!m.sendmail.empty() && !m.sendmail.starts_with("/"))
        fail(source, r.where("sendmail"),
             "mail.sendmail must be an absolute path such as \"/usr/sbin/sendmail\"");
    m.events = read_events(r, m.events, source);
    read_retry(r, s.mail_retry, source);
    if (!m.enabled())
        return;
    if (m.from.empty())
        fail(source, r.where("to"), "mail.to needs mail.from, the address mail is sent from");
    if (m.smtp_host.empty() == m.sendmail.empty())
        fail(source, r.where("to"),
             "mail.to needs one way to send: mail.smtp (a relay's \"host:port\") or "
             "mail.sendmail (\"/usr/sbin/sendmail\")");
}

} // namespace

void read_send_on(table_reader& top, settings& s, std::string_view source) {
    if (auto const hooks = top.get<toml::table const*>("webhooks")) {
        table_reader r(**hooks, source, "webhooks");
        read_retry(r, s.webhook_retry, source);
        s.public_url = r.get<std::string>("public_url").value_or("");
        if (!s.public_url.empty() && (!is_http_url(s.public_url) || s.public_url.ends_with("/")))
            fail(source, r.where("public_url"),
                 "webhooks.public_url must be the daemon's http:// or https:// address as its "
                 "users reach it, without a trailing '/', such as \"https://minutes.example.org\"");
        r.reject_unknown();
    }
    if (auto const list = top.get<toml::array const*>("webhook")) {
        for (auto const& node : **list) {
            auto const* t = node.as_table();
            if (!t)
                fail(source, node.source(), "each [[webhook]] must be a table");
            table_reader r(*t, source, "webhook");
            s.webhooks.push_back(read_webhook(r, source));
        }
    }
    if (auto const mail = top.get<toml::table const*>("mail")) {
        table_reader r(**mail, source, "mail");
        read_mail(r, s, source);
        r.reject_unknown();
    }
}

} // namespace minuted::config::detail
