#include "daemon/http/cors.hpp"

#include "daemon/http/http_session.hpp"
#include "daemon/http/web_assets.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <cctype>

namespace minuted::daemon {

namespace http = boost::beast::http;

namespace {

// What every route under /api takes between them: a preflight is answered before its path
// is read, since it carries no token to read it with.
constexpr std::string_view api_methods = "GET, HEAD, POST, PUT";

// Seconds for which a browser may send a page's cross-origin requests without asking again.
constexpr std::string_view preflight_max_age = "600";

bool same_origin(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::string_view cors_origin(config::settings const& s, std::string_view origin) noexcept {
    if (origin.empty())
        return {};
    auto const& allowed = s.auth.origins;
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](auto const& o) { return same_origin(o, origin); })
               ? origin
               : std::string_view();
}

void add_cors_headers(http::fields& answer, std::string_view origin) {
    // Whether a header is sent depends on the Origin: a cache must keep the answers apart.
    answer.set(http::field::vary, "Origin");
    if (origin.empty())
        return;
    answer.set(http::field::access_control_allow_origin, origin);
    answer.set(http::field::access_control_expose_headers, "Allow, Retry-After, WWW-Authenticate");
}

void add_preflight_headers(http::fields& answer, std::string_view origin) {
    answer.set(http::field::allow, std::string(api_methods) + ", OPTIONS");
    add_cors_headers(answer, origin);
    if (origin.empty())
        return;
    answer.set(http::field::access_control_allow_methods, api_methods);
    answer.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
    answer.set(http::field::access_control_max_age, preflight_max_age);
}

// OPTIONS /api/...: 204, with what a page of an allowed origin may send.
void http_session::respond_preflight(request const& req) {
    auto res = text_response(http::status::no_content, {}, req);
    // A 204 has no body, and says nothing about one (RFC 9110 8.6).
    res.erase(http::field::content_type);
    res.erase(http::field::content_length);
    add_preflight_headers(res, cors_origin_);
    write(std::move(res));
}

// GET /api/openapi.json, /api/report.schema.json, /api/schemas/{name}: from the binary, as
// protocol/ holds them, so their relative references resolve alike on disk and here.
void http_session::respond_contract(request const& req, std::string const& name) {
    auto const* file = find_contract_file(name);
    if (!file)
        return respond_error(req, http::status::not_found, "no such description: " + name);
    auto const match = req[http::field::if_none_match] == file->etag;
    auto res = text_response(match ? http::status::not_modified : http::status::ok,
                             match ? std::string() : std::string(file->body), req,
                             name == "openapi.json" ? "application/vnd.oai.openapi+json"
                                                    : "application/schema+json");
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::etag, file->etag);
    write(std::move(res));
}

} // namespace minuted::daemon
