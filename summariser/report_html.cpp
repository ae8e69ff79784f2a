#include "summariser/report_document.hpp"

namespace minuted::summariser {

namespace {

// Screen first, then print: on paper the page is A4 with margins and page numbers, the text
// black on white, and a heading never ends a page away from the list it introduces.
constexpr std::string_view stylesheet = R"css(
:root { color-scheme: light; }
body { font-family: "Liberation Serif", "Times New Roman", serif; font-size: 12pt;
  line-height: 1.4; color: #111; background: #fff; max-width: 46em; margin: 2em auto;
  padding: 0 1em; }
header { border-bottom: 1px solid #888; margin-bottom: 1.5em; }
h1 { font-size: 18pt; margin: 0 0 .3em; }
h2 { font-size: 14pt; margin: 1.6em 0 .4em; }
h3 { font-size: 12pt; font-style: italic; font-weight: normal; margin: 1em 0 .3em; }
.subtitle { font-size: 13pt; margin: 0 0 .4em; }
.status { font-size: 10pt; color: #444; margin: 0 0 1em; }
.context { color: #333; }
.approved { font-size: 10pt; font-weight: normal; color: #2d5a27; }
ul { margin: .2em 0 .6em; padding-left: 1.4em; }
li { margin: .2em 0; }
.speaker, .deadline { color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
thead { display: table-header-group; }
footer { margin-top: 2em; font-size: 9pt; color: #555; border-top: 1px solid #ccc; }
@page { size: A4; margin: 2cm 2cm 2.2cm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
    font-family: "Liberation Serif", serif; font-size: 9pt; color: #555; } }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  h3 + ul > li:first-child, h2 + p { break-before: avoid; }
  li, tr { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 9pt; }
}
)css";

void put_bullets(std::string& out, std::string_view heading,
                 std::vector<document_bullet> const& list) {
    if (list.empty())
        return;
    out += "<h3>";
    out += heading;
    out += "</h3>\n<ul>\n";
    for (auto const& b : list) {
        out += "<li>";
        if (!b.who.empty()) {
            out += "<strong>";
            append_escaped(out, b.who);
            out += "</strong>: ";
        }
        append_escaped(out, b.text);
        if (!b.speaker.empty()) {
            out += " <span class=\"speaker\">(";
            append_escaped(out, b.speaker);
            out += ")</span>";
        }
        if (!b.when.empty()) {
            out += " <em class=\"deadline\">(";
            append_escaped(out, b.when);
            out += ")</em>";
        }
        out += "</li>\n";
    }
    out += "</ul>\n";
}

void put_item(std::string& out, document_item const& item) {
    auto const id = "item-" + std::to_string(item.n);
    out += "<section aria-labelledby=\"" + id + "\">\n<h2 id=\"" + id + "\">";
    out += std::to_string(item.n) + ". ";
    append_escaped(out, item.title);
    if (item.approved)
        out += " <span class=\"approved\">(approved)</span>";
    out += "</h2>\n";
    if (!item.context.empty()) {
        out += "<p class=\"context\">";
        append_escaped(out, item.context);
        out += "</p>\n";
    }
    put_bullets(out, "Key points raised", item.key_points);
    put_bullets(out, "Decisions", item.decisions);
    put_bullets(out, "Next steps", item.next_steps);
    out += "</section>\n";
}

void put_people(std::string& out, report_outline const& r) {
    out += "<section aria-labelledby=\"participants\">\n<h2 id=\"participants\">Participants</h2>\n"
           "<table>\n<thead><tr><th scope=\"col\">Name</th>";
    if (r.has_organisations)
        out += "<th scope=\"col\">Organisation</th>";
    out += "<th scope=\"col\">Role</th><th scope=\"col\" class=\"n\">Turns</th>"
           "<th scope=\"col\" class=\"n\">Words</th><th scope=\"col\" class=\"n\">Share of "
           "talk</th></tr></thead>\n<tbody>\n";
    for (auto const& p : r.people) {
        out += "<tr><td>";
        append_escaped(out, p.name);
        if (r.has_organisations) {
            out += "</td><td>";
            append_escaped(out, p.organisation);
        }
        out += "</td><td>" + p.role + "</td><td class=\"n\">" + std::to_string(p.turns) +
               "</td><td class=\"n\">" + std::to_string(p.words) + "</td><td class=\"n\">" +
               p.share + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n</section>\n";
}

} // namespace

std::string render_html(report_outline const& r) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"" + r.language +
                      "\">\n<head>\n"
                      "<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"generator\" content=\"minuted\">\n<title>";
    append_escaped(out, r.title);
    out += " – Summary report</title>\n<style>";
    out += stylesheet;
    out += "</style>\n</head>\n<body>\n<header>\n<h1>";
    append_escaped(out, r.title);
    out += "</h1>\n<p class=\"subtitle\">Summary report";
    if (!r.date.empty()) {
        out += " · <time datetime=\"";
        append_escaped(out, r.started);
        out += "\">" + r.date + "</time>";
    }
    out += "</p>\n";
    if (r.approved)
        out += "<p class=\"status\">Approved by the rapporteurs.</p>\n";
    else if (r.edited)
        out += "<p class=\"status\">Draft: edited by the rapporteurs, not yet approved.</p>\n";
    else
        out += "<p class=\"status\">Draft: drafted from the captions, not yet reviewed.</p>\n";
    out += "</header>\n<main>\n";
    for (auto const& item : r.items)
        put_item(out, item);
    put_people(out, r);
    out += "</main>\n<footer>\n<p>Written by minuted from the meeting's live captions";
    out += r.edited ? ", with the rapporteurs' edits.</p>\n" : ".</p>\n";
    out += "</footer>\n</body>\n</html>\n";
    return out;
}

} // namespace minuted::summariser
