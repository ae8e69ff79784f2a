#include "daemon/auth.hpp"

#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>

namespace minuted {

bool same_token(std::string_view a, std::string_view b) noexcept {
    // The length is not secret (a token's is in the config's documentation); the bytes are.
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view bearer_token(std::string_view authorization) noexcept {
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), authorization.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        }))
        return {}; // the scheme is case-insensitive (RFC 7235)
    auto token = authorization.substr(scheme.size());
    while (!token.empty() && token.back() == ' ')
        token.remove_suffix(1);
    return token;
}

std::string_view cookie_value(std::string_view cookies, std::string_view name) noexcept {
    while (!cookies.empty()) {
        auto const end = cookies.find(';');
        auto pair = cookies.substr(0, end);
        while (!pair.empty() && pair.front() == ' ')
            pair.remove_prefix(1);
        if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
            return pair.substr(name.size() + 1);
        if (end == std::string_view::npos)
            break;
        cookies.remove_prefix(end + 1);
    }
    return {};
}

std::optional<refusal> authorize(config::settings const& s, access what, std::string_view session,
                                 credentials const& c) {
    if (what == access::anyone)
        return std::nullopt;
    auto const& a = s.auth;
    if (!c.origin.empty() && !a.origins.empty() &&
        std::find(a.origins.begin(), a.origins.end(), c.origin) == a.origins.end())
        return refusal{403, "origin " + std::string(c.origin) + " is not allowed"};
    auto const missing = [](std::string_view need) {
        return refusal{401, std::string(need) + " needs a token"};
    };
    switch (what) {
    case access::anyone: // answered above, before the origin
        return std::nullopt;
    case access::publish: {
        if (a.publish_token.empty() && a.session_tokens.empty()) {
            if (c.from_loopback)
                return std::nullopt;
            return refusal{403, "publishing from other hosts needs a publish token"};
        }
        auto const own = a.session_tokens.find(std::string(session));
        if (a.publish_token.empty() && own == a.session_tokens.end())
            return refusal{403,
                           "no publish token is configured for session " + std::string(session)};
        if (c.token.empty())
            return missing("publishing");
        if ((!a.publish_token.empty() && same_token(c.token, a.publish_token)) ||
            (own != a.session_tokens.end() && same_token(c.token, own->second)))
            return std::nullopt;
        return refusal{403, "wrong publish token for session " + std::string(session)};
    }
    case access::view:
        if (a.viewer_token.empty())
            return std::nullopt;
        if (c.token.empty())
            return missing("viewing");
        if (same_token(c.token, a.viewer_token) ||
            (!a.admin_token.empty() && same_token(c.token, a.admin_token)))
            return std::nullopt;
        return refusal{403, "wrong viewer token"};
    case access::admin:
        if (a.admin_token.empty()) {
            if (c.from_loopback)
                return std::nullopt;
            return refusal{403, "admin requests from other hosts need [auth] admin_token"};
        }
        if (c.token.empty())
            return missing("an admin request");
        if (same_token(c.token, a.admin_token))
            return std::nullopt;
        return refusal{403, "wrong admin token"};
    }
    return refusal{403, "refused"};
}

} // namespace minuted
