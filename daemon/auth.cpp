#include "daemon/auth.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>

namespace minuted {

namespace {

bool same_text_ignoring_case(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Whether a request whose Origin is `origin` may write here or open a WebSocket.
bool origin_allowed(config::auth_settings const& a, credentials const& c) {
    if (same_text_ignoring_case(c.origin, c.own_origin))
        return true;
    return std::any_of(a.origins.begin(), a.origins.end(),
                       [&](auto const& o) { return same_text_ignoring_case(o, c.origin); });
}

} // namespace

std::optional<refusal> check_host(config::settings const& s, std::string_view host) {
    auto name = host;
    if (name.starts_with('[')) { // an IPv6 literal, with or without a port
        if (auto const close = name.find(']'); close != std::string_view::npos)
            name = name.substr(1, close - 1);
    } else if (auto const colon = name.rfind(':'); colon != std::string_view::npos) {
        name = name.substr(0, colon);
    }
    if (name.ends_with('.')) // "localhost." is "localhost"
        name.remove_suffix(1);
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(name), ec);
    if (!ec && !name.empty())
        return std::nullopt;
    auto const is = [&](std::string_view allowed) {
        return allowed == "*" || same_text_ignoring_case(name, allowed);
    };
    constexpr std::string_view localhost = ".localhost";
    if (is("localhost") || is(s.listen_host) ||
        (name.size() > localhost.size() &&
         same_text_ignoring_case(name.substr(name.size() - localhost.size()), localhost)) ||
        std::any_of(s.allowed_hosts.begin(), s.allowed_hosts.end(), is))
        return std::nullopt;
    return refusal{403, "host " + std::string(host.substr(0, 256)) +
                            " is not a name of this daemon ([server] allowed_hosts)"};
}

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
    bool const writes = what == access::publish || what == access::admin;
    if (!c.origin.empty() && (writes || c.websocket) && !origin_allowed(a, c))
        return refusal{403, "origin " + std::string(c.origin.substr(0, 64)) +
                                " is not allowed ([auth] origins)"};
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
