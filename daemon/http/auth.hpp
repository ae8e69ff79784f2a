#pragma once

#include "config/config.hpp"
#include "protocol/route.hpp"

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace minuted::daemon {

/// What a request wants to do with a session; protocol::route_request says which for each
/// request: anyone, view (/live, /api/... but the end, /metrics), publish (/ingest) or admin
/// (/api/sessions/{id}/end).
using protocol::access;

/// What a request shows of itself.
struct credentials {
    /// The bearer token: the Authorization header's, else the `token` query parameter's, else
    /// the `minuted_token` cookie's (which a page opened with ?token= sets, so a browser's
    /// scripts and WebSockets carry it without knowing it). Empty if none.
    std::string token;
    /// The Origin header: the site of the page that sent the request, if a browser sent it.
    std::string_view origin;
    /// The client (behind a trusted proxy: the forwarded one) is on this machine.
    bool from_loopback = false;
    /// A WebSocket handshake: every one is origin-checked, as a page can open it cross-site.
    bool websocket = false;
    /// This daemon's own origin as the request names it: the scheme it came in by (the
    /// original one behind a trusted proxy) and its Host header, "http://127.0.0.1:8080".
    std::string own_origin;
};

/// A refused request: the HTTP status (401: no token; 403: wrong token, origin or host) and why,
/// for the peer and the log. `why` never holds a token.
struct refusal {
    unsigned status = 403;
    std::string why;
};

/// Whether `c` may do `what` with session `session` under `s`'s [auth]. Pure.
/// - anyone: always.
/// - publish: with no publish token configured, from loopback only; otherwise
///   `auth.publish_token` or the session's own `[auth.sessions]` token.
/// - view: anyone, unless `auth.viewer_token` is set: then it, or the admin token.
/// - admin: `auth.admin_token`; with none configured, from loopback only.
/// A request with an Origin header that is neither the daemon's own origin nor in
/// `auth.origins` is refused whatever its token if it is a WebSocket or publishes or ends
/// something: a page of another site must not write here through the visitor's browser.
std::optional<refusal> authorize(config::settings const& s, access what, std::string_view session,
                                 credentials const& c);

/// Who an edit of session `session`'s minutes comes from: the name of the [auth.editors] entry
/// (of any session, or of this one) whose token `c` shows; "this machine" from loopback when no
/// editor is configured; empty if none of these. Pure.
std::string editor_name(config::settings const& s, std::string_view session, credentials const& c);

/// Why a request whose Host header is `host` does not name this daemon, if it does not: a page
/// reached by a DNS name rebound to this machine carries that name. Names the daemon: an IP
/// address, `localhost` and its subdomains, the listen address's host, and the names in
/// `[server] allowed_hosts` ("*": any). `host` may carry a port. Pure.
std::optional<refusal> check_host(config::settings const& s, std::string_view host);

/// Who sent a request, as far as the daemon believes it.
struct client_address {
    /// The peer's address, or the one a trusted proxy names; unspecified (`::`) when a trusted
    /// proxy says it does not know ("unknown"), so it is trusted as nothing.
    boost::asio::ip::address address;
    bool https = false;     ///< the scheme the client used: TLS here, or https at the proxy
    bool via_proxy = false; ///< named by a trusted proxy
};

/// Whether `a` is one of `[server] trusted_proxies` (an address, or inside a network). Pure.
bool is_trusted_proxy(config::settings const& s, boost::asio::ip::address a);

/// The client of a request from `peer` (over TLS here if `tls`): `peer` itself, unless it is a
/// trusted proxy. Then it is the first address, reading from the right, of the `Forwarded`
/// header's for= list (else X-Forwarded-For's) that is not a trusted proxy itself, and the
/// scheme is the nearest proxy's proto= (else X-Forwarded-Proto). A trusted proxy that sends
/// neither header is the client. Pure.
client_address real_client(config::settings const& s, boost::asio::ip::address peer, bool tls,
                           std::string_view forwarded, std::string_view x_forwarded_for,
                           std::string_view x_forwarded_proto);

/// Compares two tokens in a time that does not depend on where they differ.
bool same_token(std::string_view a, std::string_view b) noexcept;

/// The token of an `Authorization: Bearer TOKEN` header value; empty if it is not one.
std::string_view bearer_token(std::string_view authorization) noexcept;

/// The value of cookie `name` in a Cookie header value; empty if absent.
std::string_view cookie_value(std::string_view cookies, std::string_view name) noexcept;

} // namespace minuted::daemon
