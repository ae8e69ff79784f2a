// The report as documents against the real daemon: report.html and report.odt of a live and
// an archived session (who may fetch them, their names and types), the .odt read by tools that
// are not minuted's own (Python's zipfile and XML parser, odt2txt), and `minuted summarise`.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace minuted::testing {
namespace {

std::string const config = "[auth]\npublish_token = \"" + publish_token + "\"\nviewer_token = \"" +
                           viewer_token + "\"\n[auth.editors]\nAna = \"" + ana_token + "\"\n";
std::string const html_hostile_title = "DCCG <script>alert(\"x\")</script> & 'co'";

// Checks an OpenDocument text as ODF 1.3 packages it (section 3.3 of part 2): the mimetype
// entry first, stored, without extra field; every entry intact; the manifest listing the parts;
// every XML part well-formed. Prints the document's title and its headings.
constexpr char const* check_odt = R"(
import sys, zipfile, xml.dom.minidom as dom
data = open(sys.argv[1], 'rb').read()
assert data[30:38] == b'mimetype' and data[28:30] == b'\0\0', 'mimetype is not first or has an extra field'
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, 'a corrupt entry'
first = z.infolist()[0]
assert first.filename == 'mimetype' and first.compress_type == zipfile.ZIP_STORED
assert z.read('mimetype') == b'application/vnd.oasis.opendocument.text'
parts = {n: dom.parseString(z.read(n)) for n in z.namelist() if n.endswith('.xml')}
assert set(parts) == {'content.xml', 'styles.xml', 'meta.xml', 'META-INF/manifest.xml'}, parts
listed = {e.getAttribute('manifest:full-path') for e in parts['META-INF/manifest.xml'].getElementsByTagName('manifest:file-entry')}
assert listed == {'/', 'content.xml', 'styles.xml', 'meta.xml'}, listed
text = lambda e: ''.join(n.data if n.nodeType == n.TEXT_NODE else text(n) for n in e.childNodes)
print('title:', text(parts['meta.xml'].getElementsByTagName('dc:title')[0]))
for h in parts['content.xml'].getElementsByTagName('text:h'):
    print('h%s: %s' % (h.getAttribute('text:outline-level'), text(h)))
)";

// The archive folder of the session `id` once it has ended (wait_archived, with the viewer's
// token).
std::string archive_of(unsigned short port, std::string const& id) {
    for (int tries = 0; tries < 1200; ++tries) {
        auto const list = boost::json::parse(get(port, "/api/sessions", viewer_token).body);
        for (auto const& s : list.at("sessions").as_array())
            if (s.at("id").as_string() == id && !s.at("live").as_bool())
                if (auto const* archive = s.as_object().if_contains("archive"))
                    return std::string(archive->as_string());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("session " + id + " was not archived");
}

std::string write_file(std::filesystem::path const& p, std::string const& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
}

TEST(documents, report_html_and_odt_of_a_live_and_an_archived_meeting_read_by_other_tools) {
    temp_dir scratch;
    daemon_process d({.config = config});
    auto const r =
        run_minuted({"replay", dccg_file, "--to", d.url("/ingest/m"), "--speed", "max",
                     "--keep-open", "--token", publish_token, "--title", html_hostile_title});
    ASSERT_EQ(r.exit_code, 0) << r.output();

    // As report.md: for viewers only.
    EXPECT_EQ(get(d.port(), "/api/sessions/m/report.odt", "").status, 401u);
    EXPECT_EQ(get(d.port(), "/api/sessions/m/report.html", "").status, 401u);
    EXPECT_EQ(get(d.port(), "/api/sessions/m/report.md", "").status, 401u);

    auto const renamed = http_request(
        d.port(), http::verb::post, "/api/sessions/m/minutes/edits",
        R"({"op":"item.rename","item":1,"text":"Opening <b>& adoption</b>","revision":0})", [] {
            http::fields f;
            f.set(http::field::authorization, "Bearer " + ana_token);
            return f;
        }());
    ASSERT_EQ(renamed.status, 200u) << renamed.body;

    auto const html = get(d.port(), "/api/sessions/m/report.html", viewer_token);
    ASSERT_EQ(html.status, 200u) << html.body;
    EXPECT_EQ(html.headers[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(html.headers[http::field::content_disposition],
              "attachment; filename=\"DCCG-script-alert-x-script-co.html\"");
    EXPECT_EQ(html.body.find("<script"), std::string::npos);
    EXPECT_NE(html.body.find("<h1>DCCG &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                             "&#39;co&#39;</h1>"),
              std::string::npos);
    EXPECT_NE(html.body.find("1. Opening &lt;b&gt;&amp; adoption&lt;/b&gt;"), std::string::npos);

    auto const live_odt = get(d.port(), "/api/sessions/m/report.odt", viewer_token);
    ASSERT_EQ(live_odt.status, 200u);
    EXPECT_EQ(live_odt.headers[http::field::content_type],
              "application/vnd.oasis.opendocument.text");
    EXPECT_EQ(live_odt.headers[http::field::content_disposition],
              "attachment; filename=\"DCCG-script-alert-x-script-co.odt\"");

    ASSERT_EQ(http_request(d.port(), http::verb::post, "/api/sessions/m/end").status, 200u);
    auto const archive = archive_of(d.port(), "m");
    EXPECT_EQ(get(d.port(), "/api/archive/" + archive + "/report.odt", "").status, 401u);
    auto const odt = get(d.port(), "/api/archive/" + archive + "/report.odt", viewer_token);
    ASSERT_EQ(odt.status, 200u) << odt.body;
    EXPECT_EQ(odt.headers[http::field::content_disposition],
              "attachment; filename=\"DCCG-script-alert-x-script-co.odt\"");
    auto const odt_path = write_file(scratch.path() / "archived.odt", odt.body);
    auto const checked = run_child({"/usr/bin/python3", "-c", check_odt, odt_path});
    ASSERT_EQ(checked.exit_code, 0) << checked.output();
    EXPECT_NE(checked.out.find("title: " + html_hostile_title + "\n"), std::string::npos)
        << checked.out;
    EXPECT_NE(checked.out.find("h1: 1. Opening <b>& adoption</b>\n"), std::string::npos)
        << checked.out;
    EXPECT_NE(checked.out.find("h2: Key points raised\n"), std::string::npos) << checked.out;
    EXPECT_NE(checked.out.find("h1: Participants\n"), std::string::npos) << checked.out;
    auto const text = run_child({"/usr/bin/odt2txt", odt_path});
    ASSERT_EQ(text.exit_code, 0) << text.output();
    EXPECT_NE(text.out.find("Summary report"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("Markus Kummer"), std::string::npos) << text.out;

    auto const archived_html =
        get(d.port(), "/api/archive/" + archive + "/report.html", viewer_token);
    ASSERT_EQ(archived_html.status, 200u);
    EXPECT_NE(archived_html.body.find("1. Opening &lt;b&gt;&amp; adoption&lt;/b&gt;"),
              std::string::npos);
    auto const exported = run_minuted(
        {"archive", "export", archive, "--format", "odt", "--state-dir", d.state_dir().string()});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_EQ(exported.out, odt.body) << "the same bytes from the archive command";
}

TEST(documents, summarise_writes_html_to_standard_output_and_odt_to_a_file) {
    temp_dir scratch;
    auto const html = run_minuted({"summarise", dccg_file, "--format", "html"});
    ASSERT_EQ(html.exit_code, 0) << html.err;
    EXPECT_TRUE(html.out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">")) << html.out;
    auto const odt_path = (scratch.path() / "minutes.odt").string();
    auto const odt = run_minuted({"summarise", dccg_file, "--format", "odt", "-o", odt_path});
    ASSERT_EQ(odt.exit_code, 0) << odt.err;
    EXPECT_EQ(odt.out, "");
    auto const checked = run_child({"/usr/bin/python3", "-c", check_odt, odt_path});
    ASSERT_EQ(checked.exit_code, 0) << checked.output();
    EXPECT_NE(checked.out.find("h1: 1. "), std::string::npos) << checked.out;
    auto const nowhere =
        run_minuted({"summarise", dccg_file, "--format", "odt", "-o", "/nonexistent/x.odt"});
    EXPECT_EQ(nowhere.exit_code, 73) << nowhere.err;
}

} // namespace
} // namespace minuted::testing
