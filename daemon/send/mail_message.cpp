#include "daemon/send/mail_message.hpp"

#include "summariser/report_document.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <ctime>

namespace minuted::daemon {

namespace {

// Escaped text with **bold** and _emphasis_: a pair on one line, an underscore only at the start
// of a word (snake_case stays text); a marker without its pair is text.
std::string inline_html(std::string_view text) {
    std::string out;
    std::size_t from = 0; // where the next marker is looked for
    for (;;) {
        auto const bold = text.find("**", from);
        auto em = text.find('_', from);
        while (em != std::string_view::npos && em > 0 &&
               std::isalnum(static_cast<unsigned char>(text[em - 1])))
            em = text.find('_', em + 1);
        auto const at = std::min(bold, em);
        if (at == std::string_view::npos) {
            summariser::append_escaped(out, text);
            return out;
        }
        auto const marker = at == bold ? std::string_view("**") : std::string_view("_");
        auto const close = text.find(marker, at + marker.size());
        if (close == std::string_view::npos || close == at + marker.size()) {
            from = at + marker.size();
            continue;
        }
        auto const tag = std::string(marker == "**" ? "strong" : "em");
        summariser::append_escaped(out, text.substr(0, at));
        out += "<" + tag + ">";
        summariser::append_escaped(out,
                                   text.substr(at + marker.size(), close - at - marker.size()));
        out += "</" + tag + ">";
        text.remove_prefix(close + marker.size());
        from = 0;
    }
}

std::vector<std::string_view> table_cells(std::string_view line) {
    std::vector<std::string_view> cells;
    line.remove_prefix(1);
    if (line.ends_with('|'))
        line.remove_suffix(1);
    for (std::size_t start = 0;;) {
        auto const bar = line.find('|', start);
        auto cell = line.substr(start, bar == std::string_view::npos ? bar : bar - start);
        while (cell.starts_with(' '))
            cell.remove_prefix(1);
        while (cell.ends_with(' '))
            cell.remove_suffix(1);
        cells.push_back(cell);
        if (bar == std::string_view::npos)
            return cells;
        start = bar + 1;
    }
}

bool is_table_rule(std::string_view line) {
    return line.starts_with("|") && line.find_first_not_of("|-: ") == std::string_view::npos;
}

bool is_utf8_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

std::string report_html(std::string_view markdown, std::string_view title) {
    std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
    summariser::append_escaped(out, title);
    out += "</title></head>\n<body>\n";
    enum class block { none, paragraph, list, table } open = block::none;
    auto close = [&] {
        static constexpr std::array<char const*, 4> ends = {"", "</p>\n", "</ul>\n",
                                                            "</tbody></table>\n"};
        out += ends[static_cast<std::size_t>(open)];
        open = block::none;
    };
    bool table_head = false;
    for (std::size_t start = 0; start < markdown.size();) {
        auto const end = std::min(markdown.find('\n', start), markdown.size());
        auto const line = markdown.substr(start, end - start);
        start = end + 1;
        auto const level = line.find_first_not_of('#');
        if (line.starts_with('#') && level <= 6 && level < line.size() && line[level] == ' ') {
            close();
            auto const h = std::to_string(level);
            out += "<h" + h + ">" + inline_html(line.substr(level + 1)) + "</h" + h + ">\n";
        } else if (line.starts_with("- ")) {
            if (open != block::list) {
                close();
                out += "<ul>\n";
                open = block::list;
            }
            out += "<li>" + inline_html(line.substr(2)) + "</li>\n";
        } else if (line.starts_with('|')) {
            if (is_table_rule(line))
                continue;
            if (open != block::table) {
                close();
                out += "<table border=\"1\" cellpadding=\"4\"><tbody>\n";
                open = block::table;
                table_head = true;
            }
            auto const cell = table_head ? std::string("th") : std::string("td");
            out += "<tr>";
            for (auto const c : table_cells(line))
                out += "<" + cell + ">" + inline_html(c) + "</" + cell + ">";
            out += "</tr>\n";
            table_head = false;
        } else if (line.find_first_not_of(' ') == std::string_view::npos) {
            close();
        } else {
            if (open != block::paragraph) {
                close();
                out += "<p>";
                open = block::paragraph;
            } else {
                out += "<br>\n";
            }
            out += inline_html(line);
        }
    }
    close();
    out += "</body></html>\n";
    return out;
}

std::string header_text(std::string_view text) {
    std::string clean;
    bool ascii = true;
    for (char c : text) {
        auto const u = static_cast<unsigned char>(c);
        clean += u < 0x20 || u == 0x7f ? ' ' : c;
        ascii = ascii && u < 0x80;
    }
    // An ASCII text that looks like an encoded word is encoded too, so it reads as itself.
    if (ascii && clean.find("=?") == std::string::npos)
        return clean;
    // Each encoded word holds at most 45 bytes (60 in base64): with "=?UTF-8?B?" and "?=",
    // under the 75 characters RFC 2047 allows.
    std::string out;
    for (std::size_t i = 0; i < clean.size();) {
        auto n = std::min<std::size_t>(45, clean.size() - i);
        while (i + n < clean.size() && n > 1 && is_utf8_continuation(clean[i + n]))
            --n;
        // Bytes that are not UTF-8 (a run of continuation bytes) are cut anywhere: never
        // a word of none, which would never end.
        if (i + n < clean.size() && is_utf8_continuation(clean[i + n]) && n == 1)
            n = std::min<std::size_t>(45, clean.size() - i);
        if (!out.empty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view(clean).substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

std::string quoted_printable(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t column = 0;
    auto put = [&](std::string_view piece) {
        if (column + piece.size() > 75) { // room for the soft break's '='
            out += "=\r\n";
            column = 0;
        }
        out += piece;
        column += piece.size();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto const c = static_cast<unsigned char>(text[i]);
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            continue;
        if (c == '\n') {
            out += "\r\n";
            column = 0;
            continue;
        }
        bool const line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
        bool const plain = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && column == 0)) ||
                           (c == ' ' && !line_end);
        if (plain) {
            put(text.substr(i, 1));
        } else {
            char const encoded[3] = {'=', hex[c >> 4], hex[c & 15]};
            put(std::string_view(encoded, 3));
        }
    }
    return out;
}

std::string base64(std::string_view bytes) {
    static constexpr char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
        if (i + 1 < bytes.size())
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        if (i + 2 < bytes.size())
            n |= static_cast<unsigned char>(bytes[i + 2]);
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? digits[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? digits[n & 63] : '=';
    }
    return out;
}

std::string mail_date(std::chrono::system_clock::time_point t) {
    auto const seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    auto const n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return std::string(buf, n);
}

std::string compose_mail(mail_message const& m) {
    std::string to;
    for (auto const& a : m.to)
        to += (to.empty() ? "" : ",\r\n ") + a;
    std::string out;
    out += "From: " + m.from + "\r\n";
    out += "To: " + to + "\r\n";
    out += "Subject: " + header_text(m.subject) + "\r\n";
    out += "Date: " + mail_date(m.date) + "\r\n";
    out += "Message-ID: " + m.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "Content-Type: multipart/alternative; boundary=\"" + m.boundary + "\"\r\n\r\n";
    out += "This is the report in Markdown and in HTML.\r\n";
    for (auto const& [type, body] :
         {std::pair<char const*, std::string const*>{"text/plain", &m.text},
          {"text/html", &m.html}}) {
        out += "\r\n--" + m.boundary + "\r\n";
        out += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
        out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        out += quoted_printable(*body);
        if (!out.ends_with("\r\n"))
            out += "\r\n";
    }
    out += "\r\n--" + m.boundary + "--\r\n";
    return out;
}

} // namespace minuted::daemon
