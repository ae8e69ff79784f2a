// minuted's command line as a user types it: the real binary in a child process, its exit
// code, standard output and standard error.

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {
namespace {

using minuted::testing::run_minuted;

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

// A command and the options its --help must name.
struct command_case {
    std::vector<std::string> command;
    std::vector<std::string> options;
};

std::vector<command_case> const commands = {
    {{},
     {"--help", "--version", "--print-default-config", "serve", "attach", "replay", "archive",
      "summarise"}},
    {{"serve"},
     {"--config", "--listen", "--state-dir", "--log-level", "--threads", "--replay",
      "--replay-speed", "--replay-session", "--corrections", "--agenda"}},
    {{"attach"},
     {"URL", "--session", "--token", "--ca-file", "--url", "--config", "--listen", "--state-dir",
      "--log-level", "--threads", "--agenda"}},
    {{"replay"},
     {"FILE", "--from-archive", "--state-dir", "--config", "--to", "--serve", "--speed", "--wpm",
      "--corrections", "--seed", "--title", "--agenda", "--keep-open", "--token", "--ca-file"}},
    {{"archive"}, {"list", "search", "show", "export", "prune"}},
    {{"archive", "list"}, {"--state-dir", "--config"}},
    {{"archive", "search"},
     {"QUERY", "--speaker", "--from", "--to", "--limit", "--state-dir", "--config"}},
    {{"archive", "show"}, {"ID", "--state-dir", "--config"}},
    {{"archive", "export"}, {"ID", "--format", "--state-dir", "--config"}},
    {{"archive", "prune"}, {"--dry-run", "--state-dir", "--config"}},
    {{"summarise"}, {"FILE", "--format", "-o", "--output", "--agenda", "--roster"}},
    {{"summarize"}, {"FILE", "--format", "-o", "--output", "--agenda", "--roster"}},
};

std::string joined(std::vector<std::string> const& words) {
    std::string out;
    for (auto const& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

TEST(command_line, help_and_h_on_every_command_exit_0_on_stdout_and_name_its_options) {
    for (auto const& c : commands) {
        for (std::string const help : {"--help", "-h"}) {
            auto args = c.command;
            args.push_back(help);
            auto const r = run_minuted(args);
            auto const what = "minuted " + joined(args);
            EXPECT_EQ(r.exit_code, 0) << what << ": " << r.err;
            EXPECT_TRUE(r.err.empty()) << what << ": " << r.err;
            // summarize is summarise's alias, and says its name.
            auto const name = c.command == std::vector<std::string>{"summarize"}
                                  ? std::string("summarise")
                                  : joined(c.command);
            EXPECT_TRUE(contains(r.out, "usage: minuted" + (name.empty() ? "" : " " + name)))
                << what << ": " << r.out;
            for (auto const& option : c.options)
                EXPECT_TRUE(contains(r.out, option)) << what << " names no " << option;
        }
    }
}

TEST(command_line, version_prints_the_cmake_project_version) {
    for (std::string const flag : {"-V", "--version"}) {
        auto const r = run_minuted({flag});
        EXPECT_EQ(r.exit_code, 0) << flag;
        EXPECT_EQ(r.out, "minuted " MINUTED_PROJECT_VERSION "\n") << flag;
    }
}

TEST(command_line,
     an_option_takes_its_value_after_an_equals_sign_or_as_the_next_and_the_last_wins) {
    minuted::testing::temp_dir const dir("minuted-command-line-test");
    auto const transcript = dir.path() / "meeting.txt";
    std::ofstream(transcript) << ">> CHAIR: Welcome. We start with the budget.\n";
    auto const out = (dir.path() / "report.json").string();
    for (auto const& args : std::vector<std::vector<std::string>>{
             {"summarise", transcript.string(), "--format=json", "--output=" + out},
             {"summarize", transcript.string(), "--format", "json", "-o", out}}) {
        std::filesystem::remove(out);
        auto const r = run_minuted(args);
        EXPECT_EQ(r.exit_code, 0) << joined(args) << ": " << r.err;
        std::ifstream report(out);
        EXPECT_EQ(report.get(), '{') << joined(args);
    }
    // A state directory named with = is the one read; an option given twice takes the last
    // value, so that a script can add an override after the options it was given.
    auto const nowhere = (dir.path() / "nowhere").string();
    for (auto const& args : std::vector<std::vector<std::string>>{
             {"archive", "list", "--state-dir=" + nowhere},
             {"archive", "list", "--state-dir", dir.path().string(), "--state-dir", nowhere}}) {
        auto const r = run_minuted(args);
        EXPECT_EQ(r.exit_code, 66) << joined(args) << ": " << r.err;
        EXPECT_TRUE(contains(r.err, "no archive in " + nowhere + " ")) << r.err;
    }
}

TEST(command_line, unknown_commands_and_options_and_bad_values_exit_64_naming_them_on_stderr) {
    struct bad_case {
        std::vector<std::string> args;
        std::string named; // what the message must name
    };
    for (auto const& [args, named] : std::vector<bad_case>{
             {{"frobnicate"}, "frobnicate"},
             {{"--frobnicate"}, "--frobnicate"},
             {{"serve", "--frobnicate"}, "--frobnicate"},
             {{"serve", "--session", "x"}, "--session"}, // attach's option
             {{"serve", "--threads", "300"}, "--threads"},
             {{"serve", "--threads=many"}, "--threads"},
             {{"serve", "--listen"}, "--listen"},
             {{"attach", "ws://127.0.0.1:9/feed"}, "--session"},
             {{"replay", "x.txt", "--speed", "fast"}, "--speed"},
             {{"archive"}, "minuted archive"},
             {{"archive", "frobnicate"}, "frobnicate"},
             {{"archive", "search"}, "QUERY"},
             {{"archive", "search", "quorum", "--from", "2024-13-01"}, "--from"},
             {{"archive", "export", "m-20240101-090000", "--format", "pdf"}, "pdf"},
             {{"summarise"}, "FILE"},
         }) {
        auto const r = run_minuted(args);
        auto const what = "minuted " + joined(args);
        EXPECT_EQ(r.exit_code, 64) << what << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << what << ": " << r.out;
        EXPECT_TRUE(contains(r.err, named)) << what << ": " << r.err;
        EXPECT_TRUE(contains(r.err, "usage: minuted")) << what << ": " << r.err;
    }
    // No command at all: the usage, on stderr.
    auto const r = run_minuted({});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_TRUE(contains(r.err, "usage: minuted")) << r.err;
}

} // namespace
} // namespace minuted::daemon
