#pragma once

#include "config/config.hpp"

#include <boost/beast/http/fields.hpp>

#include <string_view>

// What the API tells browsers about other sites' pages (PROTOCOL.md, "CORS"): a page of an
// origin in [auth] origins may already open WebSockets and write here, and it may read the
// API's answers too; a page of any other site gets no CORS header, so its scripts cannot.

namespace minuted::daemon {

/// `origin` (a request's Origin header) if it is one of `s`'s [auth] origins, else empty. The
/// daemon's own origin needs none: its pages are not cross-origin. Pure.
std::string_view cors_origin(config::settings const& s, std::string_view origin) noexcept;

/// The headers of an answer to an /api request whose allowed origin is `origin` (empty: none).
void add_cors_headers(boost::beast::http::fields& answer, std::string_view origin);

/// The headers of the answer to a preflight (OPTIONS) from `origin` (empty: none allowed).
void add_preflight_headers(boost::beast::http::fields& answer, std::string_view origin);

} // namespace minuted::daemon
