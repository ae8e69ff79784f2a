#include "daemon/auth.hpp"

#include <gtest/gtest.h>

namespace minuted {
namespace {

config::settings with_tokens() {
    config::settings s;
    s.auth.publish_token = "publish-0123456789";
    s.auth.session_tokens["plenary"] = "plenary-0123456789";
    s.auth.viewer_token = "viewer-0123456789";
    s.auth.admin_token = "admin-0123456789a";
    return s;
}

unsigned status_of(config::settings const& s, access what, std::string_view session,
                   credentials const& c) {
    auto const r = authorize(s, what, session, c);
    return r ? r->status : 200;
}

TEST(authorize, without_tokens_publishing_and_admin_are_for_loopback_and_viewing_for_all) {
    config::settings const s;
    EXPECT_EQ(status_of(s, access::publish, "m", {"", "", true}), 200u);
    EXPECT_EQ(status_of(s, access::publish, "m", {"", "", false}), 403u);
    EXPECT_EQ(authorize(s, access::publish, "m", {"", "", false})->why,
              "publishing from other hosts needs a publish token");
    EXPECT_EQ(status_of(s, access::admin, "m", {"", "", true}), 200u);
    EXPECT_EQ(status_of(s, access::admin, "m", {"", "", false}), 403u);
    EXPECT_EQ(status_of(s, access::view, "m", {"", "", false}), 200u);
}

TEST(authorize, publish_token_or_the_sessions_own_token) {
    auto const s = with_tokens();
    EXPECT_EQ(status_of(s, access::publish, "m", {"", "", true}), 401u); // loopback too
    EXPECT_EQ(status_of(s, access::publish, "m", {"publish-0123456789", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::publish, "plenary", {"plenary-0123456789", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::publish, "other", {"plenary-0123456789", "", false}), 403u);
    EXPECT_EQ(status_of(s, access::publish, "m", {"publish-0123456788", "", false}), 403u);
    EXPECT_EQ(status_of(s, access::publish, "m", {"publish-012345678", "", false}), 403u);
    auto only_sessions = s;
    only_sessions.auth.publish_token.clear();
    EXPECT_EQ(authorize(only_sessions, access::publish, "other", {"x", "", true})->why,
              "no publish token is configured for session other");
}

TEST(authorize, viewer_token_or_admin_token_views) {
    auto const s = with_tokens();
    EXPECT_EQ(status_of(s, access::view, "m", {"", "", true}), 401u);
    EXPECT_EQ(status_of(s, access::view, "m", {"viewer-0123456789", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::view, "m", {"admin-0123456789a", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::view, "m", {"publish-0123456789", "", false}), 403u);
    EXPECT_EQ(status_of(s, access::admin, "m", {"viewer-0123456789", "", true}), 403u);
    EXPECT_EQ(status_of(s, access::admin, "m", {"admin-0123456789a", "", false}), 200u);
}

TEST(authorize, a_websocket_from_a_foreign_origin_is_refused_whatever_its_token) {
    auto s = with_tokens();
    s.auth.origins = {"https://captions.example.org"};
    EXPECT_EQ(status_of(s, access::view, "m", {"viewer-0123456789", "https://evil.example", true}),
              403u);
    EXPECT_EQ(
        authorize(s, access::view, "m", {"viewer-0123456789", "https://evil.example", true})->why,
        "origin https://evil.example is not allowed");
    EXPECT_EQ(status_of(s, access::view, "m",
                        {"viewer-0123456789", "https://captions.example.org", false}),
              200u);
    EXPECT_EQ(status_of(s, access::view, "m", {"viewer-0123456789", "", false}), 200u);
}

TEST(authorize, what_anyone_may_have_needs_no_token_host_or_origin) {
    auto s = with_tokens();
    s.auth.origins = {"https://captions.example.org"};
    EXPECT_EQ(status_of(s, access::anyone, "", {"", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::anyone, "m", {"wrong-token-0123456789", "", false}), 200u);
    EXPECT_EQ(status_of(s, access::anyone, "m", {"", "https://evil.example", false}), 200u);
}

TEST(authorize, refusals_never_hold_the_token) {
    auto const s = with_tokens();
    for (auto what : {access::publish, access::view, access::admin}) {
        auto const r = authorize(s, what, "m", {"secret-given-token", "", false});
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
} // namespace minuted
