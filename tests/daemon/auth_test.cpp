#include "daemon/http/auth.hpp"

#include <gtest/gtest.h>

namespace minuted::daemon {
namespace {

config::settings with_tokens() {
    config::settings s;
    s.auth.publish_token = "publish-0123456789";
    s.auth.session_tokens["plenary"] = "plenary-0123456789";
    s.auth.viewer_token = "viewer-0123456789";
    s.auth.admin_token = "admin-0123456789a";
    return s;
}

// What a request to the daemon at http://127.0.0.1:8080 shows.
credentials creds(std::string_view token, std::string_view origin, bool from_loopback,
                  bool websocket = false) {
    credentials c;
    c.token = token;
    c.origin = origin;
    c.from_loopback = from_loopback;
    c.websocket = websocket;
    c.own_origin = "http://127.0.0.1:8080";
    return c;
}

unsigned status_of(config::settings const& s, access what, std::string_view session,
                   credentials const& c) {
    auto const r = authorize(s, what, session, c);
    return r ? r->status : 200;
}

TEST(authorize, without_tokens_publishing_and_admin_are_for_loopback_and_viewing_for_all) {
    config::settings const s;
    EXPECT_EQ(status_of(s, access::publish, "m", creds("", "", true)), 200u);
    EXPECT_EQ(status_of(s, access::publish, "m", creds("", "", false)), 403u);
    EXPECT_EQ(authorize(s, access::publish, "m", creds("", "", false))->why,
              "publishing from other hosts needs a publish token");
    EXPECT_EQ(status_of(s, access::admin, "m", creds("", "", true)), 200u);
    EXPECT_EQ(status_of(s, access::admin, "m", creds("", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::view, "m", creds("", "", false)), 200u);
}

TEST(authorize, publish_token_or_the_sessions_own_token) {
    auto const s = with_tokens();
    EXPECT_EQ(status_of(s, access::publish, "m", creds("", "", true)), 401u); // loopback too
    EXPECT_EQ(status_of(s, access::publish, "m", creds("publish-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::publish, "plenary", creds("plenary-0123456789", "", false)),
              200u);
    EXPECT_EQ(status_of(s, access::publish, "other", creds("plenary-0123456789", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::publish, "m", creds("publish-0123456788", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::publish, "m", creds("publish-012345678", "", false)), 403u);
    auto only_sessions = s;
    only_sessions.auth.publish_token.clear();
    EXPECT_EQ(authorize(only_sessions, access::publish, "other", creds("x", "", true))->why,
              "no publish token is configured for session other");
}

TEST(authorize, viewer_token_or_admin_token_views) {
    auto const s = with_tokens();
    EXPECT_EQ(status_of(s, access::view, "m", creds("", "", true)), 401u);
    EXPECT_EQ(status_of(s, access::view, "m", creds("viewer-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::view, "m", creds("admin-0123456789a", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::view, "m", creds("publish-0123456789", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::admin, "m", creds("viewer-0123456789", "", true)), 403u);
    EXPECT_EQ(status_of(s, access::admin, "m", creds("admin-0123456789a", "", false)), 200u);
}

TEST(authorize, editors_edit_their_sessions_and_view_them) {
    auto s = with_tokens();
    s.auth.editors = {{"Ana", "ana-editor-0123456789"}};
    s.auth.session_editors = {{"m", {{"Bo", "bo-editor-0123456789"}}}};
    EXPECT_EQ(status_of(s, access::edit, "m", creds("", "", true)), 401u);
    EXPECT_EQ(status_of(s, access::edit, "m", creds("ana-editor-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::edit, "x", creds("ana-editor-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::edit, "m", creds("bo-editor-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::edit, "x", creds("bo-editor-0123456789", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::edit, "m", creds("viewer-0123456789", "", false)), 403u);
    EXPECT_EQ(editor_name(s, "m", creds("bo-editor-0123456789", "", false)), "Bo");
    // An editor's page holds the editor's token only: it views what it edits.
    EXPECT_EQ(status_of(s, access::view, "m", creds("bo-editor-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::view, "x", creds("bo-editor-0123456789", "", false)), 403u);
    EXPECT_EQ(status_of(s, access::view, "", creds("ana-editor-0123456789", "", false)), 200u);
    // Without editors, this machine edits as itself and nobody else does.
    auto const none = with_tokens();
    EXPECT_EQ(editor_name(none, "m", creds("", "", true)), "this machine");
    EXPECT_EQ(status_of(none, access::edit, "m", creds("", "", false)), 403u);
    EXPECT_EQ(status_of(none, access::view, "m", creds("", "", true)), 401u);
}

TEST(authorize, a_websocket_from_a_foreign_origin_is_refused_whatever_its_token) {
    auto s = with_tokens();
    s.auth.origins = {"https://captions.example.org"};
    auto const evil = creds("viewer-0123456789", "https://evil.example", true, true);
    EXPECT_EQ(status_of(s, access::view, "m", evil), 403u);
    EXPECT_EQ(authorize(s, access::view, "m", evil)->why,
              "origin https://evil.example is not allowed ([auth] origins)");
    EXPECT_EQ(status_of(s, access::view, "m",
                        creds("viewer-0123456789", "https://captions.example.org", false, true)),
              200u);
    EXPECT_EQ(status_of(s, access::view, "m",
                        creds("viewer-0123456789", "HTTPS://Captions.Example.org", false, true)),
              200u);
    EXPECT_EQ(status_of(s, access::view, "m", creds("viewer-0123456789", "", false, true)), 200u);
    // A page of another site may read what is public: the browser keeps the answer from it.
    EXPECT_EQ(status_of(s, access::view, "m",
                        creds("viewer-0123456789", "https://evil.example", false, false)),
              200u);
}

TEST(authorize, by_default_only_the_daemons_own_pages_may_write_or_open_websockets) {
    config::settings const s;
    auto const from = [](std::string_view origin, bool websocket) {
        return creds("", origin, true, websocket);
    };
    for (auto what : {access::publish, access::admin}) {
        EXPECT_EQ(status_of(s, what, "m", from("https://evil.example", false)), 403u);
        EXPECT_EQ(status_of(s, what, "m", from("null", false)), 403u);
        EXPECT_EQ(status_of(s, what, "m", from("http://127.0.0.1:8081", false)), 403u);
        EXPECT_EQ(status_of(s, what, "m", from("https://127.0.0.1:8080", false)), 403u);
        EXPECT_EQ(status_of(s, what, "m", from("http://127.0.0.1:8080", false)), 200u);
        EXPECT_EQ(status_of(s, what, "m", from("", false)), 200u); // not a browser
    }
    EXPECT_EQ(status_of(s, access::view, "m", from("https://evil.example", true)), 403u);
    EXPECT_EQ(status_of(s, access::view, "m", from("http://127.0.0.1:8080", true)), 200u);
}

TEST(check_host, ip_addresses_localhost_the_listen_host_and_allowed_names) {
    config::settings s;
    for (auto const* ok : {"127.0.0.1", "127.0.0.1:8080", "[::1]:8080", "[::1]", "10.1.2.3:80",
                           "localhost", "LOCALHOST:8080", "localhost.", "app.localhost:8080"})
        EXPECT_FALSE(check_host(s, ok)) << ok;
    for (auto const* no : {"evil.example", "evil.example:8080", "localhost.evil.example",
                           "127.0.0.1.evil.example", "", "evillocalhost", "[::1"})
        EXPECT_TRUE(check_host(s, no)) << no;
    EXPECT_EQ(check_host(s, "evil.example:80")->why,
              "host evil.example:80 is not a name of this daemon ([server] allowed_hosts)");
    s.listen_host = "minutes.internal";
    s.allowed_hosts = {"captions.example.org"};
    for (auto const* ok :
         {"minutes.internal:8080", "Captions.Example.ORG", "captions.example.org:443"})
        EXPECT_FALSE(check_host(s, ok)) << ok;
    EXPECT_TRUE(check_host(s, "sub.captions.example.org"));
    s.allowed_hosts = {"*"};
    EXPECT_FALSE(check_host(s, "anything.example"));
}

TEST(authorize, what_anyone_may_have_needs_no_token_host_or_origin) {
    auto s = with_tokens();
    s.auth.origins = {"https://captions.example.org"};
    EXPECT_EQ(status_of(s, access::anyone, "", creds("", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::anyone, "m", creds("wrong-token-0123456789", "", false)), 200u);
    EXPECT_EQ(status_of(s, access::anyone, "m", creds("", "https://evil.example", false)), 200u);
}

TEST(authorize, refusals_never_hold_the_token) {
    auto const s = with_tokens();
    for (auto what : {access::publish, access::view, access::admin}) {
        auto const r = authorize(s, what, "m", creds("secret-given-token", "", false));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->why.find("secret-given-token"), std::string::npos);
    }
}

TEST(bearer_token, only_the_bearer_scheme) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("Bearer abc  "), "abc");
    EXPECT_EQ(bearer_token("bearer abc"), "abc");
    EXPECT_EQ(bearer_token("Basic abc"), "");
    EXPECT_EQ(bearer_token(""), "");
}

TEST(cookie_value, finds_the_named_cookie_only) {
    EXPECT_EQ(cookie_value("a=1; minuted_token=xyz; b=2", "minuted_token"), "xyz");
    EXPECT_EQ(cookie_value("minuted_tokenx=1", "minuted_token"), "");
    EXPECT_EQ(cookie_value("", "minuted_token"), "");
}

TEST(same_token, compares_whole_tokens) {
    EXPECT_TRUE(same_token("abcdef", "abcdef"));
    EXPECT_FALSE(same_token("abcdef", "abcdeg"));
    EXPECT_FALSE(same_token("abcdef", "abcde"));
}

} // namespace
} // namespace minuted::daemon

namespace minuted::daemon {
namespace {

boost::asio::ip::address ip(char const* text) {
    return boost::asio::ip::make_address(text);
}

TEST(real_client, forwarding_headers_are_believed_from_trusted_proxies_only) {
    config::settings s;
    // None trusted: the peer is the client, whatever it says.
    auto c = real_client(s, ip("127.0.0.1"), false, {}, "203.0.113.9", "https");
    EXPECT_EQ(c.address, ip("127.0.0.1"));
    EXPECT_FALSE(c.https);
    EXPECT_FALSE(c.via_proxy);

    s.trusted_proxies = {"127.0.0.1", "::1", "10.0.0.0/8"};
    c = real_client(s, ip("127.0.0.1"), false, {}, "203.0.113.9", "https");
    EXPECT_EQ(c.address, ip("203.0.113.9"));
    EXPECT_TRUE(c.https);
    EXPECT_TRUE(c.via_proxy);
    EXPECT_FALSE(c.address.is_loopback()); // this machine's trust is not the proxy's
    // Another peer's headers are not read.
    c = real_client(s, ip("192.0.2.7"), false, {}, "127.0.0.1", "https");
    EXPECT_EQ(c.address, ip("192.0.2.7"));
    EXPECT_FALSE(c.https);
    // A chain: the nearest address that is not a trusted proxy; what the client itself wrote
    // further left is not believed.
    c = real_client(s, ip("::ffff:127.0.0.1"), false, {}, "127.0.0.1, 198.51.100.4, 10.1.2.3",
                    "http");
    EXPECT_EQ(c.address, ip("198.51.100.4"));
    EXPECT_FALSE(c.https);
    // RFC 7239 Forwarded wins over X-Forwarded-For; quoted, bracketed, with ports.
    c = real_client(s, ip("::1"), false,
                    R"(for=127.0.0.1, for="[2001:db8:cafe::17]:4711";proto=https;by=10.0.0.1)",
                    "192.0.2.1", {});
    EXPECT_EQ(c.address, ip("2001:db8:cafe::17"));
    EXPECT_TRUE(c.https);
    c = real_client(s, ip("10.9.9.9"), true, {}, "192.0.2.1:5555", {});
    EXPECT_EQ(c.address, ip("192.0.2.1"));
    EXPECT_TRUE(c.https); // TLS to here, no proto said
    // "unknown" or garbage is trusted as nothing, never as the proxy's own loopback.
    for (auto const* bad : {"unknown", "_hidden", "not an address", " , "}) {
        c = real_client(s, ip("127.0.0.1"), false, {}, bad, {});
        EXPECT_FALSE(c.address.is_loopback()) << bad;
    }
    // A proxy's own request (no header) is the proxy's.
    c = real_client(s, ip("127.0.0.1"), false, {}, {}, {});
    EXPECT_EQ(c.address, ip("127.0.0.1"));
    EXPECT_FALSE(c.via_proxy);
}

TEST(is_trusted_proxy, addresses_and_networks) {
    config::settings s;
    s.trusted_proxies = {"192.0.2.10", "10.0.0.0/8", "2001:db8::/32"};
    EXPECT_TRUE(is_trusted_proxy(s, ip("192.0.2.10")));
    EXPECT_FALSE(is_trusted_proxy(s, ip("192.0.2.11")));
    EXPECT_TRUE(is_trusted_proxy(s, ip("10.255.0.1")));
    EXPECT_TRUE(is_trusted_proxy(s, ip("::ffff:10.1.1.1")));
    EXPECT_FALSE(is_trusted_proxy(s, ip("11.0.0.1")));
    EXPECT_TRUE(is_trusted_proxy(s, ip("2001:db8:1::5")));
    EXPECT_FALSE(is_trusted_proxy(s, ip("2001:db9::5")));
}

} // namespace
} // namespace minuted::daemon
