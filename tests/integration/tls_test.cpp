// HTTPS and WSS on the daemon's port ([tls]), and wss:// clients that verify it; a certificate
// that cannot be used stops the start with its reason.

#include "tests/integration/fixtures.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <optional>

namespace minuted::testing {
namespace {

std::string const tls_dir = std::string(MINUTED_TEST_DATA) + "/tls/";
std::string const ca = tls_dir + "ca.pem";

std::string tls_config(std::string const& key = "server.key") {
    return "[tls]\ncertificate = \"" + tls_dir + "server.pem\"\nprivate_key = \"" + tls_dir + key +
           "\"\n";
}

std::string wss(daemon_process const& d, std::string const& path) {
    return "wss://127.0.0.1:" + std::to_string(d.port()) + path;
}

// An IPv4 address of this machine other than loopback, if it has one.
std::optional<std::string> other_local_address() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return std::nullopt;
    std::optional<std::string> found;
    for (auto* a = list; a && !found; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
            continue;
        auto const* in = reinterpret_cast<sockaddr_in const*>(a->ifa_addr);
        auto const address = net::ip::address_v4(ntohl(in->sin_addr.s_addr));
        if (!address.is_loopback())
            found = address.to_string();
    }
    ::freeifaddrs(list);
    return found;
}

TEST(tls, captions_in_over_wss_and_minutes_out_over_https_and_wss) {
    daemon_process d({.config = tls_config()});
    d.process().wait_for(R"(listening on https://127\.0\.0\.1:\d+)");
    auto const r = run_minuted({"replay", dccg_file, "--to", wss(d, "/ingest/t"), "--speed", "max",
                                "--keep-open", "--ca-file", ca});
    ASSERT_EQ(r.exit_code, 0) << r.output();

    ws_client viewer(d.port(), "/live/t", ca);
    auto const snapshot = viewer.receive_json();
    EXPECT_EQ(snapshot.at("type"), "snapshot");
    EXPECT_GT(snapshot.at("words").to_number<int>(), 1000);
    // Live updates over wss:// too: one more caption, after the last the daemon holds (on a
    // line of its own: the transcript ends in the middle of its closing disclaimer).
    auto const held = boost::json::parse(http_get(d.port(), "/ingest/t/seq").body);
    auto const next = std::to_string(held.at("seq").to_number<int>() + 1);
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/t?seq=" + next,
                           "\n>> CHAIR: One more thing.\n")
                  .status,
              200u);
    EXPECT_EQ(viewer.receive_json().at("type"), "update");

    auto const state = https_request(d.port(), ca, http::verb::get, "/api/sessions/t");
    EXPECT_EQ(state.status, 200u);
    EXPECT_EQ(boost::json::parse(state.body).at("agenda").as_array().size(), 5u);
    EXPECT_EQ(metric(d.port(), "minuted_tls_handshake_failures_total"), 0u);
}

TEST(tls, plain_http_from_this_machine_is_still_served) {
    daemon_process d({.config = tls_config()});
    EXPECT_EQ(http_request(d.port(), http::verb::post, "/ingest/t?seq=1", "Hello.\n").status, 200u);
    ws_client viewer(d.port(), "/live/t"); // ws://, as local tools and the README's demo use
    EXPECT_EQ(viewer.receive_json().at("type"), "snapshot");
}

TEST(tls, plain_http_from_another_machine_is_told_to_use_https) {
    auto const address = other_local_address();
    if (!address)
        GTEST_SKIP() << "this machine has no address but loopback";
    daemon_process d({.config = tls_config() + "[auth]\npublish_token = \"publish-0123456789\"\n",
                      .args = {"--listen", "0.0.0.0:0"}});
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address(*address), d.port()));
    net::write(socket,
               net::buffer(std::string("GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
    std::string answer;
    boost::system::error_code ec;
    net::read(socket, net::dynamic_buffer(answer), ec); // to the end: the daemon closes
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
    EXPECT_NE(answer.find("use https://"), std::string::npos) << answer;
    EXPECT_EQ(metric(d.port(), "minuted_plain_http_refused_total"), 1u);
    d.process().wait_for(R"(plain HTTP refused)");
}

TEST(tls, a_client_that_does_not_trust_the_certificate_gets_no_connection) {
    daemon_process d({.config = tls_config()});
    // The system's CAs do not know the test CA.
    EXPECT_THROW(https_request(d.port(), "", http::verb::get, "/api/sessions"),
                 boost::system::system_error);
    child_process replay({MINUTED_BINARY, "replay", dccg_file, "--to", wss(d, "/ingest/t")});
    replay.wait_for(R"(replay: wss://\S+: certificate verify failed)");
    replay.signal(SIGTERM);
    // The daemon sees each refusal as the client's alert: counted once it has read it.
    EXPECT_GE(metric_reaching(d.port(), "minuted_tls_handshake_failures_total", 2,
                              std::chrono::seconds(10)),
              2u);
    EXPECT_EQ(http_get(d.port(), "/api/sessions/t").status, 404u); // nothing was published
}

TEST(tls, a_key_that_is_not_the_certificates_stops_the_daemon_with_78) {
    temp_dir dir;
    auto const write = [&](std::string const& name, std::string const& text) {
        std::ofstream(dir.path() / name) << text;
        return (dir.path() / name).string();
    };
    auto const mismatched = write("a.toml", tls_config("other.key"));
    auto r = run_minuted({"serve", "--listen", "127.0.0.1:0", "--config", mismatched, "--state-dir",
                          (dir.path() / "s").string()});
    EXPECT_EQ(r.exit_code, 78) << r.output();
    EXPECT_NE(r.output().find("tls.private_key " + tls_dir + "other.key: "), std::string::npos)
        << r.output();
    // Said before anything is started: no state directory, no archive, no journal touched.
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "s"));

    auto const missing = write("b.toml", "[tls]\ncertificate = \"/nonexistent/cert.pem\"\n"
                                         "private_key = \"/nonexistent/key.pem\"\n");
    r = run_minuted({"serve", "--listen", "127.0.0.1:0", "--config", missing, "--state-dir",
                     (dir.path() / "s").string()});
    EXPECT_EQ(r.exit_code, 78) << r.output();
    EXPECT_NE(r.output().find("tls.certificate /nonexistent/cert.pem"), std::string::npos)
        << r.output();
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "s"));
}

TEST(tls, sighup_turns_tls_on_and_keeps_it_when_the_new_files_are_unusable) {
    daemon_process d({.config = "[limits]\nmax_sessions = 10\n"});
    EXPECT_THROW(https_request(d.port(), ca, http::verb::get, "/api/sessions"),
                 boost::system::system_error);
    d.reload(tls_config());
    d.process().wait_for(R"(config reloaded)");
    EXPECT_EQ(https_request(d.port(), ca, http::verb::get, "/api/sessions").status, 200u);

    d.reload(tls_config("other.key"));
    d.process().wait_for(R"(config reload failed: tls.private_key \S+other.key)");
    EXPECT_EQ(metric(d.port(), "minuted_config_reload_failures_total"), 1u);
    EXPECT_EQ(https_request(d.port(), ca, http::verb::get, "/api/sessions").status, 200u);
}

} // namespace
} // namespace minuted::testing
