#include "daemon/http/auth.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>
#include <vector>

namespace minuted::daemon {

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

namespace ip = boost::asio::ip;

ip::address unmapped(ip::address a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// An address as a forwarding header writes it: 192.0.2.1, "[2001:db8::1]:4711",
// 192.0.2.1:80; nullopt for "unknown", an obfuscated name, or anything else.
std::optional<ip::address> forwarded_address(std::string_view v) {
    v = trim(v);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
    if (v.starts_with('[')) {
        auto const close = v.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        v = v.substr(1, close - 1);
    } else if (v.find(':') == v.rfind(':') && v.find(':') != std::string_view::npos) {
        v = v.substr(0, v.find(':')); // IPv4 with a port
    }
    boost::system::error_code ec;
    auto const a = ip::make_address(std::string(v), ec);
    if (ec)
        return std::nullopt;
    return unmapped(a);
}

// The comma-separated entries of a header, in order.
std::vector<std::string_view> entries(std::string_view list) {
    std::vector<std::string_view> out;
    while (!list.empty()) {
        auto const comma = list.find(',');
        out.push_back(trim(list.substr(0, comma)));
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return out;
}

// The value of `name`= in one element of a Forwarded header ("for=1.2.3.4;proto=https").
std::string_view forwarded_pair(std::string_view element, std::string_view name) {
    while (!element.empty()) {
        auto const semi = element.find(';');
        auto const pair = trim(element.substr(0, semi));
        if (auto const eq = pair.find('=');
            eq != std::string_view::npos && same_text_ignoring_case(trim(pair.substr(0, eq)), name))
            return trim(pair.substr(eq + 1));
        if (semi == std::string_view::npos)
            break;
        element.remove_prefix(semi + 1);
    }
    return {};
}

} // namespace

bool is_trusted_proxy(config::settings const& s, ip::address a) {
    a = unmapped(a);
    for (auto const& entry : s.trusted_proxies) {
        boost::system::error_code ec;
        if (entry.find('/') == std::string::npos) {
            if (auto const p = ip::make_address(entry, ec); !ec && unmapped(p) == a)
                return true;
        } else if (a.is_v4()) {
            auto const net = ip::make_network_v4(entry, ec);
            if (!ec && (a.to_v4().to_uint() & net.netmask().to_uint()) ==
                           (net.network().to_uint() & net.netmask().to_uint()))
                return true;
        } else {
            auto const net = ip::make_network_v6(entry, ec);
            if (!ec &&
                ip::make_network_v6(a.to_v6(), net.prefix_length()).canonical() == net.canonical())
                return true;
        }
    }
    return false;
}

client_address real_client(config::settings const& s, ip::address peer, bool tls,
                           std::string_view forwarded, std::string_view x_forwarded_for,
                           std::string_view x_forwarded_proto) {
    client_address c{unmapped(peer), tls, false};
    if (s.trusted_proxies.empty() || !is_trusted_proxy(s, c.address))
        return c;
    std::vector<std::string_view> hops; // the addresses the proxies saw, the nearest last
    std::string_view proto = trim(x_forwarded_proto);
    if (!forwarded.empty()) {
        auto const elements = entries(forwarded);
        for (auto const element : elements)
            hops.push_back(forwarded_pair(element, "for"));
        if (!elements.empty())
            proto = forwarded_pair(elements.back(), "proto");
    } else {
        hops = entries(x_forwarded_for);
    }
    if (hops.empty())
        return c; // nothing forwarded: the proxy's own request
    c.via_proxy = true;
    c.https = same_text_ignoring_case(proto, "https") || (proto.empty() && tls);
    c.address = ip::address(ip::address_v6::any());
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        auto const a = forwarded_address(*it);
        if (!a)
            return c; // unknown: trusted as nothing
        c.address = *a;
        if (!is_trusted_proxy(s, *a))
            break;
    }
    return c;
}

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

std::string editor_name(config::settings const& s, std::string_view session, credentials const& c) {
    auto const& a = s.auth;
    if (a.editors.empty() && a.session_editors.empty())
        return c.from_loopback ? "this machine" : "";
    auto const named = [&](std::map<std::string, std::string> const& editors) {
        for (auto const& [name, token] : editors)
            if (!c.token.empty() && same_token(c.token, token))
                return name;
        return std::string();
    };
    if (auto name = named(a.editors); !name.empty())
        return name;
    auto const own = a.session_editors.find(std::string(session));
    return own == a.session_editors.end() ? std::string() : named(own->second);
}

std::optional<refusal> authorize(config::settings const& s, access what, std::string_view session,
                                 credentials const& c) {
    if (what == access::anyone)
        return std::nullopt;
    auto const& a = s.auth;
    if (what == access::publish_or_admin) {
        // The source's token or the admin's; a refusal names the publish token, which a
        // source is more likely to hold.
        auto const as_publisher = authorize(s, access::publish, session, c);
        if (!as_publisher || !authorize(s, access::admin, session, c))
            return std::nullopt;
        return as_publisher;
    }
    bool const writes = what == access::publish || what == access::admin || what == access::edit;
    if (!c.origin.empty() && (writes || c.websocket) && !origin_allowed(a, c))
        return refusal{403, "origin " + std::string(c.origin.substr(0, 64)) +
                                " is not allowed ([auth] origins)"};
    auto const missing = [](std::string_view need) {
        return refusal{401, std::string(need) + " needs a token"};
    };
    switch (what) {
    case access::anyone: // answered above, before the origin
    case access::publish_or_admin:
        return std::nullopt;
    case access::edit:
        if (a.editors.empty() && a.session_editors.empty()) {
            if (c.from_loopback)
                return std::nullopt;
            return refusal{403, "editing the minutes from other hosts needs an editor token "
                                "([auth.editors])"};
        }
        if (c.token.empty())
            return missing("editing the minutes");
        if (!editor_name(s, session, c).empty())
            return std::nullopt;
        return refusal{403,
                       "this token may not edit the minutes of session " + std::string(session)};
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
        // An editor reads what they edit: a page opened with their token keeps only it.
        if (same_token(c.token, a.viewer_token) ||
            (!a.admin_token.empty() && same_token(c.token, a.admin_token)) ||
            ((!a.editors.empty() || !a.session_editors.empty()) &&
             !editor_name(s, session, c).empty()))
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

} // namespace minuted::daemon
