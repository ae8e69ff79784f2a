#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

// The report as a mail message (RFC 5322, MIME per RFC 2045-2047). Pure: the date and the
// unique parts are given.
namespace minuted::daemon {

/// `markdown` (a report as summariser::render_markdown writes it) as a small HTML document:
/// headings, paragraphs, lists, tables, **bold** and _emphasis_. Every other character is
/// text: `<`, `&` and quotes are escaped, so nothing in a title or caption becomes markup.
std::string report_html(std::string_view markdown, std::string_view title);

/// `text` as a header field's value: control characters (CR and LF above all, which would start
/// another header) become spaces; non-ASCII text becomes RFC 2047 encoded words
/// (`=?UTF-8?B?...?=`, each under 76 characters, never splitting a character), folded.
std::string header_text(std::string_view text);

/// `text` in quoted-printable (RFC 2045): CRLF line ends, lines of at most 76 characters,
/// `=` and bytes outside printable ASCII encoded, a line's leading '.' and trailing space too.
std::string quoted_printable(std::string_view text);

/// `bytes` in base64 (RFC 4648), on one line.
std::string base64(std::string_view bytes);

/// "Sun, 06 Dec 2026 23:15:02 +0000".
std::string mail_date(std::chrono::system_clock::time_point t);

struct mail_message {
    std::string from;
    std::vector<std::string> to;
    std::string subject;
    std::chrono::system_clock::time_point date;
    std::string message_id; ///< "<unique@domain>"
    std::string boundary;   ///< unique; "=_" in it keeps it out of quoted-printable text
    std::string text;       ///< text/plain, UTF-8
    std::string html;       ///< text/html, UTF-8
};

/// The message as it goes to sendmail or SMTP's DATA (before dot-stuffing), CRLF line ends:
/// From, To, Subject, Date, Message-ID, MIME-Version and a multipart/alternative body with the
/// text first and the HTML last (the one a reader shows, if it can).
std::string compose_mail(mail_message const& m);

} // namespace minuted::daemon
