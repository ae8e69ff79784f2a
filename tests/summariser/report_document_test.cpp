// The report as documents (summariser/report_document.hpp): what captions and editors send is
// only ever text in them, they keep the report's shape, and the published minutes (people's
// edits and approvals) are what they print.

#include "summariser/pipeline.hpp"
#include "summariser/report_document.hpp"
#include "tests/support/test_data.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <gtest/gtest.h>

#include <sstream>

namespace minuted::summariser {
namespace {

constexpr std::string_view hostile = "<script>alert(\"x\")</script> & 'quotes' \x01 \xC3\x28 ok";

// An outline whose every text is hostile.
report_outline hostile_outline() {
    report_outline r;
    r.title = clean_text(hostile);
    r.language = "en";
    r.started = "2026-12-07T09:30:00Z";
    r.date = "7 December 2026";
    document_item item;
    item.n = 1;
    item.title = clean_text(hostile);
    item.context = clean_text(hostile);
    document_bullet b{clean_text(hostile), clean_text(hostile), clean_text(hostile),
                      clean_text(hostile)};
    item.key_points = {b};
    item.decisions = {b};
    item.next_steps = {b};
    r.items = {item};
    r.people = {{clean_text(hostile), clean_text(hostile), "chair", 3, 40, "100%"}};
    r.has_organisations = true;
    return r;
}

std::size_t count(std::string_view text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Throws if `xml` is not well-formed.
boost::property_tree::ptree parse_xml(std::string const& xml) {
    std::istringstream in(xml);
    boost::property_tree::ptree tree;
    boost::property_tree::read_xml(in, tree);
    return tree;
}

TEST(clean_text, repairs_invalid_utf8_and_blanks_control_characters) {
    EXPECT_EQ(clean_text("a\x01"
                         "b\nc\x7f"),
              "a b c ");
    EXPECT_EQ(clean_text("caf\xC3\xA9 \xC3\x28"), "caf\xC3\xA9 \xEF\xBF\xBD(");
    EXPECT_EQ(clean_text("\xEF\xBF\xBE"), " "); // U+FFFE, which XML refuses
    EXPECT_EQ(clean_text("\xE2\x80\x91 non-breaking"), "\xE2\x80\x91 non-breaking");
}

TEST(render_html, escapes_every_text_and_runs_no_script) {
    auto const html = render_html(hostile_outline());
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("\"x\""), std::string::npos);
    EXPECT_EQ(html.find("'quotes'"), std::string::npos);
    EXPECT_EQ(html.find('\x01'), std::string::npos);
    // Title, heading, item title, context, 3 bullets with 4 texts each, one table row of 2.
    EXPECT_EQ(count(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                          "&#39;quotes&#39;   \xEF\xBF\xBD( ok"),
              2u + 1u + 1u + 3u * 4u + 2u);
}

TEST(render_html, is_a_standalone_document_with_a_print_stylesheet) {
    auto const html = render_html(hostile_outline());
    EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_NE(html.find("@page"), std::string::npos);
    EXPECT_NE(html.find("counter(page)"), std::string::npos);
    EXPECT_NE(html.find("break-after: avoid"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos); // nothing fetched
    EXPECT_EQ(html.find(" src="), std::string::npos);
    EXPECT_EQ(count(html, "<h1>"), 1u);
    EXPECT_EQ(count(html, "<h2 id=\"item-1\">1. "), 1u);
    for (auto const* heading : {"Key points raised", "Decisions", "Next steps"})
        EXPECT_EQ(count(html, std::string("<h3>") + heading + "</h3>\n<ul>\n<li>"), 1u) << heading;
    EXPECT_NE(html.find("<time datetime=\"2026-12-07T09:30:00Z\">7 December 2026</time>"),
              std::string::npos);
    EXPECT_EQ(count(html, "<section"), count(html, "</section>"));
    EXPECT_EQ(count(html, "<ul>"), count(html, "</ul>"));
    EXPECT_EQ(count(html, "<li>"), count(html, "</li>"));
    EXPECT_TRUE(html.ends_with("</html>\n"));
}

TEST(render_odt_parts, are_well_formed_xml_in_the_package_order_with_every_text_escaped) {
    auto const parts = render_odt_parts(hostile_outline());
    ASSERT_EQ(parts.size(), 5u);
    EXPECT_EQ(parts[0].first, "mimetype");
    EXPECT_EQ(parts[0].second, odt_media_type);
    EXPECT_EQ(parts[1].first, "content.xml");
    EXPECT_EQ(parts[2].first, "styles.xml");
    EXPECT_EQ(parts[3].first, "meta.xml");
    EXPECT_EQ(parts[4].first, "META-INF/manifest.xml");
    for (std::size_t i = 1; i < parts.size(); ++i) {
        EXPECT_NO_THROW(parse_xml(parts[i].second)) << parts[i].first;
        EXPECT_EQ(parts[i].second.find("<script"), std::string::npos) << parts[i].first;
    }
    auto const content = parse_xml(parts[1].second);
    auto const& text = content.get_child("office:document-content.office:body.office:text");
    std::size_t headings = 0, lists = 0;
    for (auto const& [name, child] : text) {
        headings += name == "text:h" ? 1u : 0u;
        lists += name == "text:list" ? 1u : 0u;
    }
    EXPECT_EQ(headings, 1u + 3u + 1u); // the item, its three lists' headings, participants
    EXPECT_EQ(lists, 3u);
    EXPECT_EQ(text.get<std::string>("text:p"), clean_text(hostile)); // the title, as text

    auto const meta = parse_xml(parts[3].second);
    EXPECT_EQ(meta.get<std::string>("office:document-meta.office:meta.dc:title"),
              clean_text(hostile));
    EXPECT_EQ(meta.get<std::string>("office:document-meta.office:meta.dc:date"),
              "2026-12-07T09:30:00Z");
    auto const manifest = parse_xml(parts[4].second);
    std::size_t entries = 0;
    for (auto const& [name, child] : manifest.get_child("manifest:manifest"))
        entries += name == "manifest:file-entry" ? 1u : 0u;
    EXPECT_EQ(entries, 4u);
    auto const styles = parts[2].second;
    for (auto const* style : {"\"Heading_20_1\"", "\"Heading_20_2\"", "\"Bullets\"", "\"Title\""})
        EXPECT_NE(styles.find(style), std::string::npos) << style;
}

TEST(document_file_name, is_ascii_from_the_title) {
    EXPECT_EQ(document_file_name("DCCG meeting #90: \"WSIS+20\"", "odt"),
              "DCCG-meeting-90-WSIS-20.odt");
    EXPECT_EQ(document_file_name("Réunion du comité", "html"), "R-union-du-comit.html");
    EXPECT_EQ(document_file_name("\"/\\;", "odt"), "minutes.odt");
    EXPECT_EQ(document_file_name(std::string(300, 'a'), "odt"), std::string(80, 'a') + ".odt");
}

struct dccg_meeting : ::testing::Test {
    pipeline p;
    void SetUp() override {
        change_set changes;
        p.put(minuted::testing::read_test_file("dccg-90-2024-11-08.raw.txt"), time_point{},
              changes);
        p.finish(time_point{}, changes);
    }
    meeting const& m() const { return p.state(); }
};

TEST_F(dccg_meeting, the_outline_is_the_published_minutes_with_edits_and_approvals) {
    minutes_edits edits;
    auto const& first = m().agenda().at(0);
    minute_edit rename;
    rename.op = edit_op::item_rename;
    rename.item = anchor_of(first);
    rename.text = "Opening <b>& adoption</b>";
    rename.by = "Ana";
    ASSERT_FALSE(edits.apply(rename, m()).refused);
    minute_edit add;
    add.op = edit_op::bullet_add;
    add.item = anchor_of(first);
    add.kind = bullet_kind::next_step;
    add.text = "Secretariat to circulate the revised charter.";
    add.who = "Secretariat";
    add.when = "by Friday";
    add.by = "Ana";
    ASSERT_FALSE(edits.apply(add, m()).refused);
    minute_edit approve_item;
    approve_item.op = edit_op::item_approve;
    approve_item.item = anchor_of(first);
    approve_item.revision = 1;
    approve_item.by = "Chair";
    ASSERT_FALSE(edits.apply(approve_item, m()).refused);

    auto r = outline_report(m(), {"DCCG 90", "2024-11-08T14:00:00Z"}, &edits);
    EXPECT_EQ(r.title, "DCCG 90");
    EXPECT_EQ(r.date, "8 November 2024");
    EXPECT_TRUE(r.edited);
    EXPECT_FALSE(r.approved);
    ASSERT_EQ(r.items.size(), m().agenda().size());
    EXPECT_EQ(r.items[0].title, "Opening <b>& adoption</b>");
    EXPECT_TRUE(r.items[0].approved);
    EXPECT_FALSE(r.items[1].approved);
    ASSERT_FALSE(r.items[0].next_steps.empty());
    auto const& added = r.items[0].next_steps.back();
    EXPECT_EQ(added.text, "Secretariat to circulate the revised charter.");
    EXPECT_EQ(added.when, "by Friday");
    EXPECT_FALSE(r.people.empty());
    EXPECT_EQ(r.people.front().role, "chair");

    auto const html = render_html(r);
    EXPECT_NE(html.find("1. Opening &lt;b&gt;&amp; adoption&lt;/b&gt; <span class=\"approved\">"),
              std::string::npos);
    EXPECT_NE(html.find("Draft: edited by the rapporteurs"), std::string::npos);

    minute_edit approve_report;
    approve_report.op = edit_op::report_approve;
    approve_report.revision = edits.report_revision();
    approve_report.by = "Chair";
    ASSERT_FALSE(edits.apply(approve_report, m()).refused);
    r = outline_report(m(), {"DCCG 90", ""}, &edits);
    EXPECT_TRUE(r.approved);
    EXPECT_EQ(r.date, "");
    EXPECT_NE(render_html(r).find("Approved by the rapporteurs."), std::string::npos);
    auto const content = render_odt_parts(r)[1].second;
    EXPECT_NE(content.find("Approved by the rapporteurs."), std::string::npos);
    EXPECT_NO_THROW(parse_xml(content));
}

TEST_F(dccg_meeting, a_language_or_date_that_is_not_one_is_not_printed) {
    auto const r = outline_report(m(), {"", "\" onload=\"x"}, nullptr);
    EXPECT_EQ(r.title, "Meeting");
    EXPECT_EQ(r.language, "en");
    EXPECT_EQ(r.date, "");
    EXPECT_EQ(r.started, "");
    EXPECT_FALSE(r.edited);
    EXPECT_EQ(render_html(r).find("onload"), std::string::npos);
}

} // namespace
} // namespace minuted::summariser
