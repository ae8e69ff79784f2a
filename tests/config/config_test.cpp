#include "config/config.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace minuted::config {
namespace {

settings parse(std::string const& text) {
    return parse_config(text, "t.toml");
}

std::string error_of(std::string const& text) {
    try {
        parse(text);
    } catch (config_error const& e) {
        return e.what();
    }
    return "no error";
}

TEST(parse_config, the_embedded_default_gives_the_default_settings) {
    auto const s = parse_config(default_config_text());
    settings const d;
    EXPECT_EQ(s.listen_host, d.listen_host);
    EXPECT_EQ(s.listen_port, 8080);
    EXPECT_EQ(s.state_dir, d.state_dir);
    EXPECT_EQ(s.idle_timeout, d.idle_timeout);
    EXPECT_EQ(s.max_frame_bytes, d.max_frame_bytes);
    EXPECT_EQ(s.subscriber_queue, d.subscriber_queue);
    EXPECT_EQ(s.update_history_bytes, 16u << 20);
    EXPECT_EQ(s.reconnect_initial, d.reconnect_initial);
    EXPECT_EQ(s.reconnect_max, d.reconnect_max);
    EXPECT_EQ(s.commit_interval, std::chrono::milliseconds(50));
    EXPECT_EQ(s.archive_max_age_days, 0u);
    EXPECT_EQ(s.archive_max_megabytes, 0u);
    EXPECT_TRUE(s.feeds.empty());
}

TEST(parse_config, a_huge_float_for_an_integer_is_a_type_error) {
    EXPECT_EQ(error_of("[limits]\nmax_body_bytes = 61e36\n"),
              "t.toml:2:18: limits.max_body_bytes must be an integer");
}

TEST(parse_config, frames_are_capped_so_each_fits_in_a_journal_record) {
    EXPECT_EQ(parse("[limits]\nmax_frame_bytes = 8388608\n").max_frame_bytes, 8u << 20);
    EXPECT_NE(error_of("[limits]\nmax_body_bytes = 8388609\n")
                  .find("limits.max_body_bytes must be at most 8388608"),
              std::string::npos);
}

TEST(parse_config, the_resume_history_is_bounded_in_bytes_as_well_as_updates) {
    auto const s = parse("[limits]\nupdate_history = 100\nupdate_history_bytes = 65536\n");
    EXPECT_EQ(s.update_history, 100u);
    EXPECT_EQ(s.update_history_bytes, 65536u);
    EXPECT_EQ(error_of("[limits]\nupdate_history_bytes = 0\n"),
              "t.toml:2:24: limits.update_history_bytes must be greater than 0");
    EXPECT_EQ(error_of("[limits]\nupdate_history_bytes = \"16M\"\n"),
              "t.toml:2:24: limits.update_history_bytes must be an integer");
}

TEST(parse_config, reads_tokens_and_origins_and_refuses_weak_tokens) {
    EXPECT_FALSE(parse("").auth.has_publish_tokens());
    auto const s = parse(R"([auth]
publish_token = "0123456789abcdef"
viewer_token = "viewer-0123456789"
admin_token = "admin-0123456789a"
origins = ["https://captions.example.org", "http://localhost:8080"]
[auth.sessions]
plenary = "plenary-0123456789"
[[feed]]
session = "remote"
url = "wss://captions.example.org/feed"
token = "feed-token-0123456789"
)");
    EXPECT_EQ(s.auth.publish_token, "0123456789abcdef");
    EXPECT_EQ(s.auth.viewer_token, "viewer-0123456789");
    EXPECT_EQ(s.auth.admin_token, "admin-0123456789a");
    EXPECT_EQ(s.auth.origins.size(), 2u);
    EXPECT_EQ(s.auth.session_tokens.at("plenary"), "plenary-0123456789");
    EXPECT_EQ(s.feeds.at(0).token, "feed-token-0123456789");
    auto const short_token = error_of("[auth]\nadmin_token = \"secret\"\n");
    EXPECT_NE(short_token.find("t.toml:2:15: auth.admin_token must be at least 16 printable"),
              std::string::npos)
        << short_token;
    EXPECT_NE(error_of("[auth]\npublish_token = \"has a space in it!!\"\n")
                  .find("auth.publish_token must be at least 16 printable characters"),
              std::string::npos);
    EXPECT_NE(error_of("[auth]\norigins = [\"captions.example.org\"]\n")
                  .find("auth.origins must hold origins"),
              std::string::npos);
    // An origin is echoed to browsers in CORS answers: only what an Origin header can be.
    for (auto const* bad : {"https://captions.example.org/", "https://captions.example.org/x",
                            "https://", "*", "https://a b", "https://x.example?q", "null"})
        EXPECT_NE(error_of("[auth]\norigins = [\"" + std::string(bad) + "\"]\n")
                      .find("t.toml:2:12: auth.origins must hold origins"),
                  std::string::npos)
            << bad;
    EXPECT_NE(
        error_of("[auth.sessions]\n\"../x\" = \"0123456789abcdef\"\n").find("is not a session id"),
        std::string::npos);
}

TEST(parse_config, reads_allowed_hosts_trusted_proxies_and_the_search_queue) {
    auto const s = parse("[server]\nallowed_hosts = [\"captions.example.org\", \"*\"]\n"
                         "trusted_proxies = [\"127.0.0.1\", \"::1\", \"10.0.0.0/8\", "
                         "\"2001:db8::/32\"]\n[limits]\nsearch_queue = 3\n");
    EXPECT_EQ(s.allowed_hosts, (std::vector<std::string>{"captions.example.org", "*"}));
    EXPECT_EQ(s.trusted_proxies.size(), 4u);
    EXPECT_EQ(s.search_queue, 3u);
    for (auto const* bad :
         {"\"10.0.0.0/33\"", "\"proxy.example\"", "\"10.0.0.1/\"", "1", "\"::1/129\"", "\"\""})
        EXPECT_NE(error_of(std::string("[server]\ntrusted_proxies = [") + bad + "]\n")
                      .find("server.trusted_proxies must hold IP addresses or networks"),
                  std::string::npos)
            << bad;
    for (auto const* bad : {"\"https://captions.example.org\"", "\"host:8080\"", "\"\""})
        EXPECT_NE(error_of(std::string("[server]\nallowed_hosts = [") + bad + "]\n")
                      .find("server.allowed_hosts must hold host names"),
                  std::string::npos)
            << bad;
    EXPECT_NE(error_of("[limits]\nsearch_queue = 0\n").find("limits.search_queue"),
              std::string::npos);
}

TEST(parse_config, a_feeds_roster_is_read_from_its_file_and_a_bad_one_is_refused_saying_why) {
    minuted::testing::temp_dir const dir;
    auto const write = [&](std::string const& name, std::string const& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    };
    auto const feed = [](std::string const& roster) {
        return "[[feed]]\nsession = \"p\"\nurl = \"ws://127.0.0.1:9/f\"\nroster = \"" + roster +
               "\"\n";
    };
    auto const good = write("roster.json", R"([{"name":"Kevin Gibbons","aliases":["KG"]}])");
    auto const roster = parse(feed(good)).feeds.at(0).roster;
    ASSERT_EQ(roster.size(), 1u);
    EXPECT_EQ(roster[0].aliases, std::vector<std::string>{"KG"});
    auto const bad = write("bad.json", R"([{"name":"A","phone":"1"}])");
    EXPECT_NE(error_of(feed(bad)).find("feed.roster: " + bad + ": not a roster: "),
              std::string::npos)
        << error_of(feed(bad));
}

TEST(parse_config, a_feeds_agenda_is_read_from_its_file_and_a_bad_one_is_refused_saying_why) {
    minuted::testing::temp_dir const dir;
    auto const write = [&](std::string const& name, std::string const& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    };
    auto const feed = [](std::string const& agenda) {
        return "[[feed]]\nsession = \"p\"\nurl = \"ws://127.0.0.1:9/f\"\nagenda = \"" + agenda +
               "\"\n";
    };
    auto const good = write("agenda.md", "# Plenary\n1. Opening\n2. 262 Editor's Update\n");
    EXPECT_EQ(protocol::titles_of(parse(feed(good)).feeds.at(0).agenda),
              (std::vector<std::string>{"Opening", "262 Editor's Update"}));
    auto const presented = write(
        "agenda.json", R"([{"title":"Opening"},{"title":"Booth","presenter":"Roman Chukov"}])");
    EXPECT_EQ(parse(feed(presented)).feeds.at(0).agenda.at(1).presenter, "Roman Chukov");
    auto const bad = write("agenda.txt", "\n\n");
    EXPECT_NE(error_of(feed(bad)).find("feed.agenda: " + bad + ": not an agenda: no agenda items"),
              std::string::npos)
        << error_of(feed(bad));
    auto const missing = (dir / "none.md").string();
    EXPECT_NE(error_of(feed(missing)).find("feed.agenda: " + missing + ": No such file"),
              std::string::npos)
        << error_of(feed(missing));
}

TEST(parse_config, reads_the_caps_per_client_where_0_is_none) {
    auto const defaults = parse("");
    EXPECT_EQ(defaults.max_address_connections, 1000u);
    EXPECT_EQ(defaults.max_address_viewers, 1000u);
    auto const s = parse("[limits]\nmax_address_connections = 0\nmax_address_viewers = 7\n");
    EXPECT_EQ(s.max_address_connections, 0u);
    EXPECT_EQ(s.max_address_viewers, 7u);
    EXPECT_NE(error_of("[limits]\nmax_address_viewers = -1\n")
                  .find("limits.max_address_viewers must be 0 (no limit) or more"),
              std::string::npos);
    EXPECT_NE(error_of("[limits]\nmax_address_connections = \"many\"\n")
                  .find("limits.max_address_connections"),
              std::string::npos);
}

TEST(parse_config, reads_the_journal_and_archive_limits) {
    auto const s = parse("[journal]\ncommit_interval = \"10ms\"\n"
                         "[archive]\nmax_age_days = 365\nmax_megabytes = 2048\n");
    EXPECT_EQ(s.commit_interval, std::chrono::milliseconds(10));
    EXPECT_EQ(s.archive_max_age_days, 365u);
    EXPECT_EQ(s.archive_max_megabytes, 2048u);
    EXPECT_NE(error_of("[journal]\ncommit_interval = \"1m\"\n")
                  .find("journal.commit_interval must be at most 10s"),
              std::string::npos);
    EXPECT_NE(error_of("[journal]\ncommit_interval = \"0ms\"\n")
                  .find("journal.commit_interval must be a positive duration"),
              std::string::npos);
    EXPECT_NE(error_of("[archive]\nmax_age_days = -1\n")
                  .find("archive.max_age_days must be 0 (no limit)"),
              std::string::npos);
    EXPECT_NE(error_of("[archive]\nmax_megabytes = \"1GB\"\n")
                  .find("archive.max_megabytes must be an integer"),
              std::string::npos);
}

TEST(parse_config, reads_the_connection_and_session_limits) {
    auto const s = parse("[server]\nshutdown_grace = \"30s\"\n"
                         "[limits]\nmax_header_bytes = 8192\ningest_rate = 200\nmax_sessions = 4\n"
                         "max_subscribers = 50\nmax_session_subscribers = 20\n"
                         "handshake_timeout = \"2s\"\nconnection_idle_timeout = \"5m\"\n");
    EXPECT_EQ(s.shutdown_grace, std::chrono::seconds(30));
    EXPECT_EQ(s.max_header_bytes, 8192u);
    EXPECT_EQ(s.ingest_rate, 200u);
    EXPECT_EQ(s.max_sessions, 4u);
    EXPECT_EQ(s.max_subscribers, 50u);
    EXPECT_EQ(s.max_session_subscribers, 20u);
    EXPECT_EQ(s.handshake_timeout, std::chrono::seconds(2));
    EXPECT_EQ(s.connection_idle_timeout, std::chrono::minutes(5));

    EXPECT_EQ(error_of("[server]\nshutdown_grace = \"1h\"\n"),
              "t.toml:2:18: server.shutdown_grace must be at most 10m");
    EXPECT_EQ(error_of("[limits]\nmax_header_bytes = 100\n"),
              "t.toml:2:20: limits.max_header_bytes must be from 1024 to 1048576");
    EXPECT_EQ(error_of("[limits]\ningest_rate = 2000000\n"),
              "t.toml:2:15: limits.ingest_rate must be at most 1000000 frames per second");
    EXPECT_NE(error_of("[limits]\nmax_sessions = 0\n").find("must be greater than 0"),
              std::string::npos);
    EXPECT_EQ(error_of("[limits]\nconnection_idle_timeout = \"1s\"\n"),
              "t.toml:2:27: limits.connection_idle_timeout must be at least 2s: WebSockets are "
              "pinged at half of it");
    EXPECT_EQ(error_of("[limits]\nhandshake_timeout = \"11m\"\n"),
              "t.toml:2:21: limits.handshake_timeout must be at most 10m");
}

TEST(reloadable, takes_everything_but_what_is_bound_at_start_and_names_what_it_kept) {
    auto const running = parse("[server]\nlisten = \"127.0.0.1:8080\"\nthreads = 2\n");
    auto const next = parse(R"([server]
listen = "0.0.0.0:9000"
state_dir = "/elsewhere"
threads = 4
log_level = "debug"
[limits]
max_sessions = 7
[archive]
max_age_days = 30
[auth]
publish_token = "another-token-0123456789"
)");
    std::vector<std::string> kept;
    auto const s = reloadable(running, next, kept);
    EXPECT_EQ(kept, (std::vector<std::string>{"server.listen", "server.state_dir", "server.threads",
                                              "archive.max_age_days"}));
    EXPECT_EQ(s.listen_host, "127.0.0.1");
    EXPECT_EQ(s.listen_port, 8080);
    EXPECT_EQ(s.state_dir, running.state_dir);
    EXPECT_EQ(s.threads, 2u);
    EXPECT_EQ(s.archive_max_age_days, 0u);
    EXPECT_EQ(s.log_level, "debug");
    EXPECT_EQ(s.max_sessions, 7u);
    EXPECT_EQ(s.auth.publish_token, "another-token-0123456789");

    kept.clear();
    reloadable(running, running, kept);
    EXPECT_TRUE(kept.empty());
}

TEST(parse_config, an_empty_file_is_the_default) {
    EXPECT_EQ(parse("").listen_port, 8080);
}

TEST(parse_config, reads_every_section_and_feeds) {
    auto const s = parse(R"(
[server]
listen = "[::1]:9000"
state_dir = "/var/lib/minuted"
log_level = "debug"
threads = 3
[limits]
max_frame_bytes = 2048
subscriber_queue = 8
[sessions]
idle_timeout = "5m"
[feeds]
reconnect_initial = "100ms"
reconnect_max = "2s"
[[feed]]
session = "plenary"
url = "wss://captions.example.org/feed"
title = "Plenary"
)");
    EXPECT_EQ(s.listen_host, "::1");
    EXPECT_EQ(s.listen_port, 9000);
    EXPECT_EQ(s.log_level, "debug");
    EXPECT_EQ(s.threads, 3u);
    EXPECT_EQ(s.max_frame_bytes, 2048u);
    EXPECT_EQ(s.idle_timeout, std::chrono::minutes(5));
    EXPECT_EQ(s.reconnect_initial, std::chrono::milliseconds(100));
    ASSERT_EQ(s.feeds.size(), 1u);
    EXPECT_EQ(s.feeds[0].url, "wss://captions.example.org/feed");
    EXPECT_EQ(s.feeds[0].title, "Plenary");
}

TEST(parse_config, wrong_types_are_errors_not_defaults) {
    EXPECT_EQ(error_of("[server]\nlisten = 8080\n"), "t.toml:2:10: server.listen must be a string");
    EXPECT_EQ(error_of("[limits]\nmax_frame_bytes = \"big\"\n"),
              "t.toml:2:19: limits.max_frame_bytes must be an integer");
    EXPECT_EQ(error_of("server = 1\n"), "t.toml:1:10: server must be a table");
}

TEST(parse_config, unknown_keys_are_errors) {
    EXPECT_EQ(error_of("[server]\nlisen = \"x:1\"\n"), "t.toml:2:1: unknown key 'server.lisen'");
    EXPECT_EQ(error_of("[srever]\n"),
              "t.toml:1:2: unknown key 'srever'"); // the key, inside the brackets
}

TEST(parse_config, bad_values_are_errors) {
    EXPECT_NE(
        error_of("[server]\nlisten = \"localhost\"\n").find("server.listen: expected HOST:PORT"),
        std::string::npos);
    EXPECT_NE(
        error_of("[server]\nlisten = \"a:70000\"\n").find("port must be a number from 0 to 65535"),
        std::string::npos);
    EXPECT_NE(error_of("[server]\nlog_level = \"loud\"\n").find("log_level must be one of"),
              std::string::npos);
    EXPECT_EQ(error_of("[server]\nthreads = -1\n"),
              "t.toml:2:11: server.threads must be from 0 (one per CPU core) to 256");
    EXPECT_NE(error_of("[limits]\nsubscriber_queue = 0\n").find("must be greater than 0"),
              std::string::npos);
    EXPECT_NE(error_of("[sessions]\nidle_timeout = \"10 minutes\"\n").find("positive duration"),
              std::string::npos);
    EXPECT_NE(error_of("[[feed]]\nsession = \"a/b\"\nurl = \"ws://x/\"\n").find("feed.session"),
              std::string::npos);
    EXPECT_NE(error_of("[[feed]]\nsession = \"a\"\nurl = \"http://x/\"\n").find("ws:// or wss://"),
              std::string::npos);
    EXPECT_NE(error_of("[[feed]]\nsession = \"a\"\nurl = \"ws://x/\"\n[[feed]]\nsession = "
                       "\"a\"\nurl = \"ws://y/\"\n")
                  .find("two feeds"),
              std::string::npos);
    EXPECT_NE(error_of("[feeds]\nreconnect_initial = \"5s\"\nreconnect_max = \"1s\"\n")
                  .find("must not be less"),
              std::string::npos);
}

TEST(parse_config, a_streamtext_feed_takes_its_event_language_interval_length_and_url) {
    auto const s = parse("[[feed]]\nkind = \"streamtext\"\nsession = \"plenary\"\n"
                         "event = \"IGF-Plenary\"\nlanguage = \"pt-BR\"\n"
                         "poll_interval = \"200ms\"\nlength = 5000\n"
                         "url = \"http://127.0.0.1:9/captions\"\ntitle = \"Plenary\"\n");
    ASSERT_EQ(s.feeds.size(), 1u);
    auto const& f = s.feeds[0];
    EXPECT_EQ(f.kind, feed_kind::streamtext);
    EXPECT_EQ(f.event, "IGF-Plenary");
    EXPECT_EQ(f.language, "pt-BR");
    EXPECT_EQ(f.poll_interval, std::chrono::milliseconds(200));
    EXPECT_EQ(f.length, 5000u);
    EXPECT_EQ(f.url, "http://127.0.0.1:9/captions");
    EXPECT_EQ(f.title, "Plenary");

    auto const d =
        parse("[[feed]]\nkind = \"streamtext\"\nsession = \"p\"\nevent = \"E\"\n").feeds.at(0);
    EXPECT_EQ(d.url, "https://www.streamtext.net/captions");
    EXPECT_EQ(d.poll_interval, std::chrono::seconds(1));
    EXPECT_EQ(d.length, 0u);
    EXPECT_TRUE(d.language.empty());
    EXPECT_EQ(parse("[[feed]]\nsession = \"p\"\nurl = \"ws://x/\"\n").feeds.at(0).kind,
              feed_kind::minuted);
}

TEST(parse_config, a_streamtext_feeds_bad_values_are_refused_naming_the_key) {
    auto const feed = [](std::string const& lines) {
        return error_of("[[feed]]\nkind = \"streamtext\"\nsession = \"p\"\n" + lines);
    };
    EXPECT_EQ(feed("event = \"E\"\nkind2 = 1\n"), "t.toml:5:1: unknown key 'feed.kind2'");
    EXPECT_NE(feed("").find("feed.event must be a StreamText event name"), std::string::npos);
    EXPECT_NE(feed("event = \"a&last=0\"\n").find("feed.event"), std::string::npos);
    EXPECT_NE(feed("event = \"E\"\nlanguage = \"en us\"\n").find("feed.language"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\npoll_interval = \"50ms\"\n")
                  .find("feed.poll_interval must be from 100ms to 60s"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\npoll_interval = \"2m\"\n").find("feed.poll_interval"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\npoll_interval = \"soon\"\n").find("positive duration"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\nlength = 0\n").find("feed.length must be from 1"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\nurl = \"ws://x/\"\n").find("http:// or https://"),
              std::string::npos);
    EXPECT_NE(feed("event = \"E\"\nurl = \"https://x/c?event=F\"\n").find("without a query"),
              std::string::npos);
    EXPECT_NE(
        feed("event = \"E\"\ntoken = \"0123456789abcdef0\"\n").find("unknown key 'feed.token'"),
        std::string::npos);
    EXPECT_NE(error_of("[[feed]]\nkind = \"rss\"\nsession = \"p\"\n").find("feed.kind must be"),
              std::string::npos);
    EXPECT_NE(error_of("[[feed]]\nsession = \"p\"\nurl = \"ws://x/\"\nevent = \"E\"\n")
                  .find("unknown key 'feed.event'"),
              std::string::npos);
}

TEST(parse_config, tls_needs_a_certificate_and_its_key_together) {
    EXPECT_FALSE(parse("").tls.enabled());
    auto const s = parse("[tls]\ncertificate = \"/etc/c.pem\"\nprivate_key = \"/etc/k.pem\"\n");
    EXPECT_TRUE(s.tls.enabled());
    EXPECT_EQ(s.tls.certificate, "/etc/c.pem");
    EXPECT_EQ(s.tls.private_key, "/etc/k.pem");
    EXPECT_EQ(error_of("[tls]\ncertificate = \"/etc/c.pem\"\n"),
              "t.toml:2:15: tls.certificate and tls.private_key go together: set both or neither");
    EXPECT_NE(error_of("[tls]\nprivate_key = \"/etc/k.pem\"\n").find("go together"),
              std::string::npos);
    EXPECT_NE(error_of("[tls]\ncert = \"/etc/c.pem\"\n").find("tls.cert"), std::string::npos);
}

TEST(parse_config, a_feed_takes_its_own_ca_file_or_the_one_of_feeds) {
    auto const s =
        parse("[feeds]\nca_file = \"/etc/ca.pem\"\n"
              "[[feed]]\nsession = \"a\"\nurl = \"wss://x/\"\n"
              "[[feed]]\nsession = \"b\"\nurl = \"wss://y/\"\nca_file = \"/etc/b.pem\"\n");
    ASSERT_EQ(s.feeds.size(), 2u);
    EXPECT_EQ(s.feeds[0].ca_file, "/etc/ca.pem");
    EXPECT_EQ(s.feeds[1].ca_file, "/etc/b.pem");
    EXPECT_EQ(parse("[[feed]]\nsession = \"a\"\nurl = \"wss://x/\"\n").feeds[0].ca_file, "");
}

TEST(parse_config, toml_syntax_errors_carry_the_position) {
    auto const e = error_of("[server\nlisten = 1\n");
    EXPECT_EQ(e.rfind("t.toml:1:", 0), 0u) << e;
}

TEST(parse_config, an_idle_timeout_below_a_second_is_an_error_not_zero) {
    // Found by fuzz_config (tests/fuzz/regressions/config-idle-timeout-below-1s-truncated-to-0
    // .toml): "500ms" passed as positive, then became 0s in the seconds the setting keeps, so
    // every session would end as soon as it started.
    EXPECT_EQ(error_of("[sessions]\nidle_timeout = \"500ms\"\n"),
              "t.toml:2:16: sessions.idle_timeout must be at least 1s, not \"500ms\"");
    EXPECT_EQ(parse("[sessions]\nidle_timeout = \"1000ms\"\n").idle_timeout,
              std::chrono::seconds(1));
    EXPECT_EQ(parse("[journal]\ncommit_interval = \"1ms\"\n").commit_interval,
              std::chrono::milliseconds(1));
}

TEST(parse_config, a_table_header_that_starts_with_no_key_is_an_error_naming_its_place) {
    for (auto const* text : {"[|imits]\n", "[[ |x]]\n", "[a.|b]\n", "a.|b = 1\n"}) {
        try {
            parse_config(text, "t.toml");
            ADD_FAILURE() << text << " was read";
        } catch (config_error const& e) {
            EXPECT_NE(std::string(e.what()).find("t.toml:1:"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("saw '|'"), std::string::npos) << e.what();
        }
    }
}

TEST(parse_config, an_error_at_the_end_of_the_text_names_a_place_in_it) {
    // Found by fuzz_config (tests/fuzz/regressions/config-eof-after-newline-position.toml):
    // toml++ puts the end of a text that ends in a newline one column past that newline, so
    // "a = [1,\n" was reported at 1:9 although line 1 has 7 columns.
    EXPECT_EQ(error_of("\"\n"), "t.toml:2:1: Error while parsing string: encountered end-of-file");
    EXPECT_EQ(error_of("a = [1,\n"),
              "t.toml:2:1: Error while parsing array: encountered end-of-file");
    EXPECT_EQ(error_of("s = \"\"\"abc\n\n"),
              "t.toml:3:1: Error while parsing string: encountered end-of-file");
    // Where toml++ names a place inside the text, it stays.
    EXPECT_EQ(error_of("a = \"\xC3\xA9"),
              "t.toml:1:7: Error while parsing string: encountered end-of-file");
    EXPECT_EQ(error_of("[server\n"),
              "t.toml:1:8: Error while parsing table header: expected ']', saw '\\n'");
}

TEST(parse_config, non_ascii_outside_strings_and_comments_is_refused_before_toml_reads_it) {
    // Found by fuzz_config (tests/fuzz/regressions/config-non-ascii-bare-key-unreachable.toml):
    // toml++ 3.3 reaches __builtin_unreachable() when it asks whether U+00A1-U+0499 or
    // U+2C1E-U+3017 is whitespace (UBSan: "execution reached an unreachable program point").
    EXPECT_EQ(error_of("\xC3\xA9 = 1\n"),
              "t.toml:1:1: a non-ASCII character outside a string or comment: '\xC3\xA9'");
    EXPECT_EQ(error_of("[server]\nlisten = \"a:1\" \xC3\xA9\n"),
              "t.toml:2:16: a non-ASCII character outside a string or comment: '\xC3\xA9'");
    EXPECT_EQ(error_of("server.lis\xCC\x9A = 1\n"),
              "t.toml:1:11: a non-ASCII character outside a string or comment: '\xCC\x9A'");
    EXPECT_EQ(error_of("s = \"\"\"\\\xC3\xA9\"\"\"\n"),
              "t.toml:1:9: a non-ASCII character right after a backslash in a \"\"\" string: "
              "'\xC3\xA9'");
    // toml++ reads a bare value up to a blank, ']', '}', ',' or '#', quotes and all.
    EXPECT_EQ(error_of("[server]\nlisten = 808'''.1.1:808\xD0\x8C\n"),
              "t.toml:2:24: a non-ASCII character outside a string or comment: '\xD0\x8C'");
    EXPECT_EQ(error_of("a = [1,\n2\"\xC3\xA9\"]\n"),
              "t.toml:2:3: a non-ASCII character outside a string or comment: '\xC3\xA9'");
    EXPECT_EQ(error_of("a = 1979-05-27 07:32:00\"\xC3\xA9\"\n"),
              "t.toml:1:25: a non-ASCII character outside a string or comment: '\xC3\xA9'");
    // Valid TOML, but toml++ 3.3 cannot read it (marzer/tomlplusplus#190).
    EXPECT_NE(error_of("s = \"\"\"\\\n  \xC2\xA7\"\"\"\n")
                  .find("t.toml:2:3: a non-ASCII character first after a line-ending backslash"),
              std::string::npos);
}

TEST(parse_config, non_ascii_in_strings_and_comments_is_read) {
    auto const s = parse("\xEF\xBB\xBF# R\xC3\xA9union, caf\xC3\xA9\n"
                         "[server]\nstate_dir = '/srv/r\xC3\xA9union' # \xC2\xA7\n"
                         "[[feed]]\nsession = \"a\"\nurl = \"ws://x/\"\n"
                         "title = \"\"\"R\xC3\xA9union \\\"pl\xC3\xA9ni\xC3\xA8re\\\"\n"
                         "\xC2\xA7 \\\n  and more\"\"\"\n");
    EXPECT_EQ(s.state_dir, "/srv/r\xC3\xA9union");
    ASSERT_EQ(s.feeds.size(), 1u);
    EXPECT_EQ(s.feeds[0].title, "R\xC3\xA9union \"pl\xC3\xA9ni\xC3\xA8re\"\n\xC2\xA7 and more");

    // Strings as values in inline tables and arrays, with and without blanks around them.
    auto const inline_feeds =
        parse("feed = [{session=\"a\", url=\"ws://x/\", title=\"\xC3\xA9\"},\n"
              "  { session = 'b', url = 'ws://y/', title = '''\xC2\xA7''' }]\n");
    ASSERT_EQ(inline_feeds.feeds.size(), 2u);
    EXPECT_EQ(inline_feeds.feeds[0].title, "\xC3\xA9");
    EXPECT_EQ(inline_feeds.feeds[1].title, "\xC2\xA7");
}

TEST(parse_duration, units) {
    EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
    EXPECT_EQ(parse_duration("30s"), std::chrono::seconds(30));
    EXPECT_EQ(parse_duration("2h"), std::chrono::hours(2));
    EXPECT_THROW(parse_duration("5"), std::invalid_argument);
    EXPECT_THROW(parse_duration("-5s"), std::invalid_argument);
    // Up to what steady_clock's nanoseconds hold (292 years); beyond, refused, not wrapped.
    EXPECT_EQ(parse_duration("9223372036854ms"), std::chrono::milliseconds(9223372036854));
    EXPECT_EQ(parse_duration("2562047h"), std::chrono::hours(2562047));
    EXPECT_THROW(parse_duration("9223372036855ms"), std::invalid_argument);
    EXPECT_THROW(parse_duration("2562048h"), std::invalid_argument);
    EXPECT_THROW(parse_duration("9223372036854776s"), std::invalid_argument);
    EXPECT_THROW(parse_config("[sessions]\nidle_timeout = \"005332912425086746614s\"\n", "t"),
                 config_error);
}

} // namespace
} // namespace minuted::config
