#pragma once

#include <string_view>

namespace minuted::daemon {

/// One of the viewer's static files (daemon/web), compiled into the binary.
struct web_asset {
    std::string_view name; ///< file name, e.g. "session.js"
    std::string_view body;
    std::string_view etag; ///< quoted, from the content's hash
};

/// The asset called `name`, or null. Thread-safe: the table is immutable.
web_asset const* find_web_asset(std::string_view name) noexcept;

/// The API's description (protocol/openapi.json, protocol/report.schema.json,
/// protocol/schemas/*.json), compiled into the binary: `name` is the path under protocol/, or
/// null.
web_asset const* find_contract_file(std::string_view name) noexcept;

/// The Content-Type to serve `name` with, from its extension.
inline std::string_view web_content_type(std::string_view name) noexcept {
    if (name.ends_with(".html"))
        return "text/html; charset=utf-8";
    if (name.ends_with(".css"))
        return "text/css; charset=utf-8";
    if (name.ends_with(".js"))
        return "text/javascript; charset=utf-8";
    if (name.ends_with(".svg"))
        return "image/svg+xml";
    return "application/octet-stream";
}

} // namespace minuted::daemon
