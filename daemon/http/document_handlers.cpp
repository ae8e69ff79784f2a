#include "daemon/http/http_session.hpp"
#include "daemon/live/session_registry.hpp"
#include "summariser/report_document.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace minuted::daemon {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// The title an archived session was shown under, from its state.json; "" if unreadable.
std::string archived_title(std::filesystem::path const& folder) {
    std::ifstream in(folder / "state.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto const state = boost::json::parse(text.str(), ec);
    auto const* title =
        !ec && state.is_object() ? state.get_object().if_contains("title") : nullptr;
    return title && title->is_string() ? std::string(title->get_string()) : std::string();
}

} // namespace

// A document of the report is downloaded, named after the meeting's title: the name is ASCII
// (document_file_name), so it needs no quoting beyond the quotes.
void http_session::respond_download(request const& req, std::string body, std::string_view type,
                                    std::string_view title, std::string_view extension) {
    auto res = text_response(http::status::ok, std::move(body), req, type);
    res.set(http::field::content_disposition,
            "attachment; filename=\"" + summariser::document_file_name(title, extension) + "\"");
    write(std::move(res));
}

// GET /api/sessions/{id}/report.html|report.odt, live or recently ended: made on the
// session's strand, like report.md.
void http_session::respond_document(std::shared_ptr<live_session> session, request req,
                                    bool is_odt) {
    net::post(session->strand(), [self = shared_from_this(), session, req = std::move(req),
                                  is_odt]() mutable {
        auto body = is_odt ? session->report_odt() : session->report_html();
        auto title = session->info().title;
        net::post(self->ex_, [self, req = std::move(req), is_odt, body = std::move(body),
                              title = std::move(title)]() mutable {
            if (body.empty()) // zipping failed, which the session logged
                return self->respond_error(req, http::status::internal_server_error,
                                           "the report's OpenDocument file could not be made; "
                                           "see the daemon's log");
            if (is_odt)
                self->respond_download(req, std::move(body), summariser::odt_media_type, title,
                                       "odt");
            else
                self->respond_download(req, std::move(body), "text/html; charset=utf-8", title,
                                       "html");
        });
    });
}

// An archived report.html or report.odt, named after the title the session was archived with.
void http_session::respond_archived_document(request const& req, std::string const& archive,
                                             std::string body, std::string_view type,
                                             std::string_view extension) {
    auto const title = archived_title(settings_->state_dir / "archive" / archive);
    respond_download(req, std::move(body), type, title.empty() ? archive : title, extension);
}

} // namespace minuted::daemon
