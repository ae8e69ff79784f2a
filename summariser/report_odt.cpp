#include "summariser/report_document.hpp"

namespace minuted::summariser {

namespace {

std::string escaped(std::string_view text) {
    std::string out;
    append_escaped(out, text);
    return out;
}

constexpr std::string_view namespaces =
    R"( xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0")"
    R"( xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0")"
    R"( xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0")"
    R"( xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0")"
    R"( xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0")"
    R"( xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0")"
    R"( xmlns:dc="http://purl.org/dc/elements/1.1/")"
    R"( xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0")"
    R"( office:version="1.3")";

constexpr std::string_view xml_declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// Named styles LibreOffice and Word both know by these names, so a secretariat restyling the
// document finds headings and lists where it expects them. Headings keep with what follows.
constexpr std::string_view named_styles = R"(<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:orphans="2" fo:widows="2"/><style:text-properties style:font-name="Liberation Serif" fo:font-size="11pt"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Subtitle" style:class="chapter"><style:paragraph-properties fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="18pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter"><style:paragraph-properties fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="13pt"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text"><style:paragraph-properties fo:margin-top="0.5cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-size="14pt"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="2" style:class="text"><style:paragraph-properties fo:margin-top="0.3cm"/><style:text-properties fo:font-size="11pt" fo:font-style="italic" fo:font-weight="normal"/></style:style>
<style:style style:name="List_20_Paragraph" style:display-name="List Paragraph" style:family="paragraph" style:parent-style-name="Standard" style:class="list"><style:paragraph-properties fo:margin-bottom="0.1cm"/></style:style>
<style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:text-properties fo:font-size="10pt"/></style:style>
<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="9pt"/></style:style>
<style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Emphasis" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
<text:list-style style:name="Bullets">
<text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.64cm" fo:text-indent="-0.64cm" fo:margin-left="0.64cm"/></style:list-level-properties></text:list-level-style-bullet>
</text:list-style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>
</office:automatic-styles>
<office:master-styles>
<style:master-page style:name="Standard" style:page-layout-name="A4"><style:footer><text:p text:style-name="Footer">Page <text:page-number text:select-page="current">1</text:page-number> of <text:page-count>1</text:page-count></text:p></style:footer></style:master-page>
</office:master-styles>
)";

// Table columns and cells get automatic styles of their own in content.xml.
constexpr std::string_view table_styles = R"(<office:automatic-styles>
<style:style style:name="People" style:family="table"><style:table-properties style:width="17cm" table:align="left"/></style:style>
<style:style style:name="People.Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="0.5pt solid #999999"/></style:style>
<style:style style:name="Numbers" style:family="paragraph" style:parent-style-name="Table_20_Contents"><style:paragraph-properties fo:text-align="end"/></style:style>
</office:automatic-styles>
)";

void put_paragraph(std::string& out, std::string_view style, std::string_view text) {
    out += "<text:p text:style-name=\"";
    out += style;
    out += "\">";
    append_escaped(out, text);
    out += "</text:p>\n";
}

void put_heading(std::string& out, int level, std::string_view text) {
    auto const n = std::to_string(level);
    out += "<text:h text:style-name=\"Heading_20_" + n + "\" text:outline-level=\"" + n + "\">";
    append_escaped(out, text);
    out += "</text:h>\n";
}

void put_bullets(std::string& out, std::string_view heading,
                 std::vector<document_bullet> const& list) {
    if (list.empty())
        return;
    put_heading(out, 2, heading);
    out += "<text:list text:style-name=\"Bullets\">\n";
    for (auto const& b : list) {
        out += "<text:list-item><text:p text:style-name=\"List_20_Paragraph\">";
        if (!b.who.empty())
            out += "<text:span text:style-name=\"Strong_20_Emphasis\">" + escaped(b.who) +
                   "</text:span>: ";
        append_escaped(out, b.text);
        if (!b.speaker.empty())
            out += " (" + escaped(b.speaker) + ")";
        if (!b.when.empty())
            out += " <text:span text:style-name=\"Emphasis\">(" + escaped(b.when) + ")</text:span>";
        out += "</text:p></text:list-item>\n";
    }
    out += "</text:list>\n";
}

void put_cell(std::string& out, std::string_view style, std::string_view text) {
    out += "<table:table-cell table:style-name=\"People.Cell\" office:value-type=\"string\">";
    put_paragraph(out, style, text);
    out += "</table:table-cell>";
}

void put_people(std::string& out, report_outline const& r) {
    put_heading(out, 1, "Participants");
    std::vector<std::string_view> columns = {"Name"};
    if (r.has_organisations)
        columns.push_back("Organisation");
    for (auto const* c : {"Role", "Turns", "Words", "Share of talk"})
        columns.push_back(c);
    out += "<table:table table:name=\"Participants\" table:style-name=\"People\">\n"
           "<table:table-column table:number-columns-repeated=\"" +
           std::to_string(columns.size()) + "\"/>\n<table:table-header-rows><table:table-row>";
    for (auto const c : columns)
        put_cell(out, "Table_20_Heading", c);
    out += "</table:table-row></table:table-header-rows>\n";
    for (auto const& p : r.people) {
        out += "<table:table-row>";
        put_cell(out, "Table_20_Contents", p.name);
        if (r.has_organisations)
            put_cell(out, "Table_20_Contents", p.organisation);
        put_cell(out, "Table_20_Contents", p.role);
        put_cell(out, "Numbers", std::to_string(p.turns));
        put_cell(out, "Numbers", std::to_string(p.words));
        put_cell(out, "Numbers", p.share);
        out += "</table:table-row>\n";
    }
    out += "</table:table>\n";
}

std::string content_xml(report_outline const& r) {
    std::string out(xml_declaration);
    out += "<office:document-content";
    out += namespaces;
    out += ">\n";
    out += table_styles;
    out += "<office:body>\n<office:text>\n";
    put_paragraph(out, "Title", r.title);
    put_paragraph(out, "Subtitle",
                  r.date.empty() ? "Summary report" : "Summary report · " + r.date);
    put_paragraph(out, "Text_20_body",
                  r.approved ? "Approved by the rapporteurs."
                  : r.edited ? "Draft: edited by the rapporteurs, not yet approved."
                             : "Draft: drafted from the captions, not yet reviewed.");
    for (auto const& item : r.items) {
        put_heading(out, 1,
                    std::to_string(item.n) + ". " + item.title +
                        (item.approved ? " (approved)" : ""));
        if (!item.context.empty())
            put_paragraph(out, "Text_20_body", item.context);
        put_bullets(out, "Key points raised", item.key_points);
        put_bullets(out, "Decisions", item.decisions);
        put_bullets(out, "Next steps", item.next_steps);
    }
    put_people(out, r);
    out += "</office:text>\n</office:body>\n</office:document-content>\n";
    return out;
}

std::string styles_xml() {
    std::string out(xml_declaration);
    out += "<office:document-styles";
    out += namespaces;
    out += ">\n<office:font-face-decls><style:font-face style:name=\"Liberation Serif\" "
           "svg:font-family=\"'Liberation Serif'\" style:font-family-generic=\"roman\"/>"
           "</office:font-face-decls>\n";
    out += named_styles;
    out += "</office:document-styles>\n";
    return out;
}

std::string meta_xml(report_outline const& r) {
    std::string out(xml_declaration);
    out += "<office:document-meta";
    out += namespaces;
    out += ">\n<office:meta>\n<meta:generator>minuted</meta:generator>\n<dc:title>";
    append_escaped(out, r.title);
    out += "</dc:title>\n<dc:subject>Summary report</dc:subject>\n<dc:language>" + r.language +
           "</dc:language>\n";
    if (!r.started.empty()) {
        // xsd:dateTime as ODF takes it; the meeting's start is the document's date.
        auto const stamp = escaped(r.started);
        out += "<meta:creation-date>" + stamp + "</meta:creation-date>\n<dc:date>" + stamp +
               "</dc:date>\n";
    }
    out += "</office:meta>\n</office:document-meta>\n";
    return out;
}

std::string manifest_xml() {
    std::string out(xml_declaration);
    out += "<manifest:manifest "
           "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" "
           "manifest:version=\"1.3\">\n";
    out += " <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" "
           "manifest:media-type=\"";
    out += odt_media_type;
    out += "\"/>\n";
    for (auto const* part : {"content.xml", "styles.xml", "meta.xml"})
        out += std::string(" <manifest:file-entry manifest:full-path=\"") + part +
               "\" manifest:media-type=\"text/xml\"/>\n";
    out += "</manifest:manifest>\n";
    return out;
}

} // namespace

std::vector<std::pair<std::string, std::string>> render_odt_parts(report_outline const& r) {
    return {{"mimetype", std::string(odt_media_type)},
            {"content.xml", content_xml(r)},
            {"styles.xml", styles_xml()},
            {"meta.xml", meta_xml(r)},
            {"META-INF/manifest.xml", manifest_xml()}};
}

} // namespace minuted::summariser
