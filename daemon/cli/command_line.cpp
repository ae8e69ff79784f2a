#include "daemon/cli/command_line.hpp"

#include "config/config.hpp"
#include "daemon/cli/archive_command.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/man_page.hpp"
#include "daemon/cli/replay_command.hpp"
#include "daemon/cli/serve_command.hpp"
#include "daemon/cli/summarise_command.hpp"

// CLI11 is header-only and heavy to compile: this is the one translation unit that includes it.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef MINUTED_VERSION
#error "MINUTED_VERSION (the CMake project version) must be defined"
#endif

namespace minuted::daemon {

namespace {

// Every value the commands take, filled in as CLI11 reads the command line.
struct command_values {
    serve_options serve;
    serve_options attach;
    replay_command_options replay;
    archive_options archive;
    summarise_options summarise;
    bool is_print_default_config = false;
    std::string man_page; // the hidden --print-man-page PART
};

// An option whose value is only set when given: the commands tell "not given" from any value.
template <class T>
CLI::Option* add_optional(CLI::App& app, std::string const& name, std::optional<T>& to,
                          std::string const& description, std::string const& value_name) {
    return app
        .add_option_function<T>(
            name, [&to](T const& v) { to = v; }, description)
        ->type_name(value_name);
}

// --speed N|max: what set_speed refuses is a usage error naming the option.
CLI::Option* add_speed(CLI::App& app, std::string const& name, replay_options& replay,
                       std::string const& description) {
    return app
        .add_option_function<std::string>(
            name,
            [&replay, name](std::string const& v) {
                try {
                    set_speed(replay, v, name);
                } catch (std::invalid_argument const& e) {
                    throw CLI::ValidationError(e.what());
                }
            },
            description)
        ->type_name("N|max");
}

// The options serve and attach share: the config and what overrides it.
void add_daemon_options(CLI::App& app, serve_options& o) {
    add_optional(app, "--config", o.config_file, "the config file (default: the embedded one)",
                 "FILE");
    add_optional(app, "--listen", o.listen,
                 "address and port to listen on, instead of the "
                 "config's [server] listen",
                 "HOST:PORT");
    add_optional(app, "--state-dir", o.state_dir,
                 "where sessions, journals and the archive are kept, instead of the config's",
                 "DIR");
    add_optional(app, "--log-level", o.log_level,
                 "trace, debug, info, warn, error, critical or off", "LEVEL");
    add_optional(app, "--threads", o.io_threads,
                 "threads running the network and the sessions, 0 to 256; 0: one per CPU core", "N")
        ->check(CLI::Range(0, 256).description(""));
    add_optional(app, "--replay", o.replay_file,
                 "play a transcript into the daemon's own session, as minuted replay would",
                 "FILE");
    add_speed(app, "--replay-speed", o.replay,
              "--replay's pace: a multiple of real time (10), or max");
    app.add_option("--replay-session", o.replay_session, "the session --replay plays into")
        ->type_name("ID")
        ->default_str("demo");
    app.add_flag("--corrections", o.replay.corrections,
                 "--replay mistypes some words, then erases and retypes them");
    add_optional(app, "--agenda", o.agenda_file,
                 "the known agenda of the --replay or attached meeting: a title a line, "
                 "Markdown or JSON",
                 "FILE");
}

void add_serve(CLI::App& app, serve_options& o) {
    auto& serve = *app.add_subcommand("serve", "Run the daemon.");
    serve.footer("The daemon: caption ingest, live minutes for viewers, the HTTP API and the "
                 "archive. Runs until SIGTERM; SIGHUP reads the config again.");
    add_daemon_options(serve, o);
}

void add_attach(CLI::App& app, serve_options& o) {
    o.mode = serve_mode::attach;
    auto& attach = *app.add_subcommand("attach", "Run the daemon with one pull feed.");
    attach.footer("minuted connects to the caption feed at URL: ws:// or wss://, or "
                  "streamtext:EVENT[?language=L] for a StreamText event. Otherwise as serve.");
    add_optional(attach, "URL", o.attach_url, "the caption feed", "")->required();
    add_optional(attach, "--session", o.attach_session, "the session the captions go to", "ID")
        ->required();
    add_optional(attach, "--token", o.attach_token,
                 "sent to a ws:// or wss:// feed as Authorization: Bearer", "TOKEN");
    add_optional(attach, "--ca-file", o.attach_ca_file,
                 "verify a wss:// or https:// feed against the CAs in this PEM file", "PEM");
    add_optional(attach, "--url", o.attach_endpoint,
                 "a streamtext: feed's endpoint, instead of StreamText's", "URL");
    add_daemon_options(attach, o);
}

void add_replay(CLI::App& app, replay_command_options& o) {
    auto& replay = *app.add_subcommand("replay", "Play a transcript as a live caption feed.");
    replay.footer(
        "Plays a transcript, a caption file or an archived meeting as a live caption feed: "
        "pushed to a daemon (--to), or served to whoever connects (--serve). "
        "FILE (- for standard input) is typed a word at a time, at --wpm words per minute times "
        "--speed; a WebVTT, SRT or TTML FILE is played a cue at a time, at its cue times "
        "(divided by --speed), its speakers as >> Name: turns. --from-archive plays an archived "
        "meeting (an ID as minuted archive list shows it) from its journal, at its recorded "
        "pace times --speed. A wss:// receiver's certificate is verified against the system's "
        "CAs, or against those in --ca-file.");
    add_optional(replay, "FILE", o.file, "the transcript or caption file", "");
    add_optional(replay, "--from-archive", o.archived,
                 "an archived meeting's journal instead of a FILE", "ID");
    add_optional(replay, "--state-dir", o.state_dir, "--from-archive: the daemon's state directory",
                 "DIR");
    add_optional(replay, "--config", o.config_file,
                 "--from-archive: the config file that names the state directory", "FILE");
    add_optional(replay, "--to", o.to, "push to a daemon's ingest", "ws://HOST:PORT/ingest/ID");
    add_optional(replay, "--serve", o.serve, "serve as a feed on this address", "HOST:PORT");
    add_speed(replay, "--speed", o.replay,
              "a multiple of the pace (1), or max: as fast as "
              "the receiver acknowledges");
    replay.add_option("--wpm", o.replay.words_per_minute, "typing speed in words per minute")
        ->type_name("N")
        ->default_str("180")
        ->check(CLI::PositiveNumber.description(""));
    replay.add_flag("--corrections", o.replay.corrections,
                    "mistype some words, then erase and retype them");
    replay
        .add_option("--seed", o.replay.seed,
                    "the mistakes' random seed, for a replay that "
                    "repeats")
        ->type_name("N")
        ->default_str("1");
    add_optional(replay, "--title", o.title, "the session's title", "TEXT");
    add_optional(replay, "--agenda", o.agenda_file,
                 "the meeting's known agenda: a title a line, Markdown or JSON", "FILE");
    replay.add_flag("--keep-open", o.replay.keep_open, "leave the session live at the end");
    replay
        .add_option("--token", o.replay.token,
                    "the receiver's publish token (MINUTED_TOKEN keeps it out of the process "
                    "list)")
        ->type_name("TOKEN")
        ->envname("MINUTED_TOKEN");
    replay
        .add_option("--ca-file", o.replay.ca_file,
                    "verify a wss:// receiver against the CAs in this PEM file")
        ->type_name("PEM");
}

// --state-dir and --config on each archive command, so that each one's --help shows them.
void add_archive_source(CLI::App& app, archive_options& o) {
    add_optional(app, "--state-dir", o.state_dir,
                 "the daemon's state directory (default: the config's state_dir)", "DIR");
    add_optional(app, "--config", o.config_file,
                 "the config file that names the state directory and the [archive] limits", "FILE");
}

void add_archive_search(CLI::App& archive, archive_options& o) {
    auto& search = *archive.add_subcommand("search", "Search what was said in every meeting.");
    search.footer("QUERY: words (all must occur), \"a phrase\", prefix*, OR, NOT; case and "
                  "accents are ignored.");
    search.add_option("QUERY", o.query.text, "what to search for")->type_name("")->required();
    search
        .add_option("--speaker", o.query.speaker,
                    "only turns of a speaker with this in the "
                    "name")
        ->type_name("NAME");
    for (bool const is_to : {false, true}) {
        auto& field = is_to ? o.query.to_ms : o.query.from_ms;
        search
            .add_option_function<std::string>(
                is_to ? "--to" : "--from",
                [&field, is_to](std::string const& v) {
                    if (!(field = parse_day(v, is_to)))
                        throw CLI::ValidationError(std::string(is_to ? "--to" : "--from") +
                                                   " must be a date, YYYY-MM-DD, not " + v);
                },
                is_to ? "only turns on or before this day" : "only turns on or after this day")
            ->type_name("YYYY-MM-DD");
    }
    search.add_option("--limit", o.query.limit, "at most this many matches")
        ->type_name("N")
        ->default_str("50")
        ->check(CLI::PositiveNumber.description(""));
    add_archive_source(search, o);
}

void add_archive(CLI::App& app, archive_options& o) {
    auto& archive = *app.add_subcommand("archive", "Read the archive of finished meetings.");
    archive.footer("Finished meetings, while the daemon runs or not: list them, search what was "
                   "said, print or export one, remove the ones past the [archive] limits.");
    archive.require_subcommand(1);
    auto& list = *archive.add_subcommand("list", "List the archived meetings.");
    add_archive_source(list, o);
    add_archive_search(archive, o);
    auto& show = *archive.add_subcommand("show", "Print a meeting's report (Markdown).");
    show.add_option("ID", o.id, "the meeting, as archive list shows it")->type_name("")->required();
    add_archive_source(show, o);
    auto& exported = *archive.add_subcommand("export", "Print one of a meeting's files.");
    exported.add_option("ID", o.id, "the meeting, as archive list shows it")
        ->type_name("")
        ->required();
    exported.add_option("--format", o.format, "md, json, txt, vtt, html or odt")
        ->type_name("FORMAT")
        ->required()
        ->check(CLI::IsMember({"md", "json", "txt", "vtt", "html", "odt"}).description(""));
    add_archive_source(exported, o);
    auto& prune = *archive.add_subcommand(
        "prune", "Apply the config's [archive] limits now (max_age_days, max_megabytes).");
    prune.add_flag("--dry-run", o.is_dry_run, "only list what would be removed");
    add_archive_source(prune, o);
}

void add_summarise(CLI::App& app, summarise_options& o) {
    auto& summarise =
        *app.add_subcommand("summarise", "Write the summary report of a finished transcript.");
    summarise.alias("summarize");
    summarise.footer("The report is Markdown, JSON, WebVTT, HTML or OpenDocument text (.odt). "
                     "FILE is CART text, WebVTT, SRT or TTML/EBU-TT, told apart by its "
                     "content. The report goes to OUT (-o) or standard output; an .odt file "
                     "never to a terminal.");
    summarise.add_option("FILE", o.input, "the transcript, or - for standard input")
        ->type_name("")
        ->required();
    summarise.add_option("--format", o.format, "md, json, vtt, html or odt")
        ->type_name("FORMAT")
        ->default_str("md")
        ->check(CLI::IsMember({"md", "json", "vtt", "html", "odt"}).description(""));
    add_optional(summarise, "-o,--output", o.output_file, "write the report to this file", "OUT");
    add_optional(summarise, "--agenda", o.agenda_file,
                 "the meeting's known agenda: a title a line, Markdown or JSON", "FILE");
    add_optional(summarise, "--roster", o.roster_file,
                 "who is expected: JSON [{\"name\", \"organisation\"?, \"aliases\"?, \"role\"?}]",
                 "FILE");
}

// --help lists commands under "Commands:", as it names them in its usage line.
void name_command_groups(CLI::App& app) {
    for (auto* command : app.get_subcommands([](CLI::App*) { return true; })) {
        command->group("Commands");
        name_command_groups(*command);
    }
}

// The whole command line. `v` receives the values and must outlive the app.
void build_app(CLI::App& app, command_values& v) {
    auto const formatter = std::make_shared<CLI::Formatter>();
    formatter->label("Usage", "usage");
    formatter->column_width(34);
    formatter->label("Positionals", "Arguments");
    formatter->label("Subcommands", "Commands");
    formatter->label("SUBCOMMAND", "COMMAND");
    formatter->label("REQUIRED", "(required)");
    app.formatter(formatter); // before the commands are added: they take it over
    app.set_help_flag("-h,--help", "print this help and exit");
    // An option given twice takes its last value, as it always has: a script or unit can add
    // an override after the options it was given.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("-V,--version", "minuted " MINUTED_VERSION, "print the version and exit");
    app.require_subcommand(0, 1);
    app.add_flag("--print-default-config", v.is_print_default_config,
                 "print the commented default config and exit");
    // For the build: minuted(8) and minuted.toml(5) are made from this app and the default
    // config, so that the pages say what --help says.
    app.add_option("--print-man-page", v.man_page, "")
        ->check(CLI::IsMember({"synopsis", "commands", "config"}))
        ->group("");
    add_serve(app, v.serve);
    add_attach(app, v.attach);
    add_replay(app, v.replay);
    add_archive(app, v.archive);
    add_summarise(app, v.summarise);
    name_command_groups(app);
}

// "usage: minuted archive search [OPTIONS] QUERY", as --help starts.
std::string usage_line(CLI::App const& app, std::string const& name) {
    auto const formatter = std::dynamic_pointer_cast<CLI::Formatter>(app.get_formatter());
    return formatter ? formatter->make_usage(&app, name) : std::string();
}

// The command the parser was in when it stopped: `minuted archive search` for a bad search.
CLI::App const& deepest_command(CLI::App const& app) {
    auto const chosen = app.get_subcommands();
    return chosen.empty() ? app : deepest_command(*chosen.front());
}

std::string command_path(CLI::App const& app) {
    auto const* parent = app.get_parent();
    return parent ? command_path(*parent) + " " + app.get_name() : std::string("minuted");
}

option_doc describe(CLI::Option const& opt) {
    if (opt.get_positional())
        return {opt.get_name(true), "", opt.get_description()};
    std::string names;
    for (auto const& n : opt.get_snames())
        names += (names.empty() ? "-" : ", -") + n;
    for (auto const& n : opt.get_lnames())
        names += (names.empty() ? "--" : ", --") + n;
    auto const takes_value = opt.get_type_size_min() > 0;
    auto description = opt.get_description();
    if (!opt.get_default_str().empty())
        description += " (default: " + opt.get_default_str() + ")";
    return {names, takes_value ? opt.get_type_name() : "", description};
}

// `app` and its commands, depth first, as the man page documents them.
void describe_commands(CLI::App const& app, std::vector<command_doc>& out) {
    command_doc doc;
    auto path = command_path(app);
    doc.path = path == "minuted" ? "" : path.substr(8);
    doc.usage = usage_line(app, "");
    doc.usage = doc.usage.substr(doc.usage.find(':') + 1);
    while (!doc.usage.empty() && (doc.usage.back() == '\n' || doc.usage.back() == ' '))
        doc.usage.pop_back();
    while (!doc.usage.empty() && doc.usage.front() == ' ')
        doc.usage.erase(0, 1);
    doc.description = app.get_description();
    for (auto const& alias : app.get_aliases())
        doc.description += " Also spelt " + alias + ".";
    doc.footer = app.get_footer();
    for (auto const* opt : app.get_options()) {
        if (opt->get_group().empty())
            continue; // hidden
        (opt->get_positional() ? doc.arguments : doc.options).push_back(describe(*opt));
    }
    out.push_back(std::move(doc));
    for (auto const* sub : app.get_subcommands([](CLI::App const*) { return true; }))
        describe_commands(*sub, out);
}

int print_man_page(CLI::App const& app, std::string const& part, std::ostream& out) {
    if (part == "config") {
        write_man_config(config::default_config_text(), out);
        return exit_ok;
    }
    std::vector<command_doc> commands;
    describe_commands(app, commands);
    if (part == "synopsis")
        write_man_synopsis(commands, out);
    else
        write_man_commands(commands, out);
    return exit_ok;
}

// The chosen command, run with its values.
int run_chosen(CLI::App const& app, command_values& v, std::ostream& out, std::ostream& err) {
    auto const chosen = app.get_subcommands();
    if (chosen.empty()) {
        err << app.help();
        return exit_usage;
    }
    auto const& name = chosen.front()->get_name();
    if (name == "serve")
        return serve_command(std::move(v.serve));
    if (name == "attach")
        return serve_command(std::move(v.attach));
    if (name == "replay") {
        auto* const replay = chosen.front();
        v.replay.has_typing_options =
            replay->count("--wpm") + replay->count("--corrections") + replay->count("--seed") > 0;
        return replay_command(v.replay);
    }
    if (name == "archive") {
        // One of its commands is required, so the parser has chosen one.
        v.archive.verb = chosen.front()->get_subcommands().front()->get_name();
        return archive_command(v.archive, out, err);
    }
    return summarise_command(v.summarise, out, err);
}

} // namespace

int run_command_line(int argc, char const* const* argv, std::ostream& out, std::ostream& err) {
    CLI::App app("minuted: live minutes of a meeting from its CART captions", "minuted");
    command_values values;
    build_app(app, values);
    try {
        app.parse(argc, argv);
    } catch (CLI::CallForHelp const&) {
        out << app.help();
        return exit_ok;
    } catch (CLI::CallForAllHelp const&) {
        out << app.help("", CLI::AppFormatMode::All);
        return exit_ok;
    } catch (CLI::CallForVersion const& e) {
        out << e.what() << '\n';
        return exit_ok;
    } catch (CLI::ParseError const& e) {
        auto const& command = deepest_command(app);
        auto const path = command_path(command);
        err << path << ": " << e.what();
        // "A subcommand is required" when the word was not one: say which word that was.
        if (auto const left = command.remaining(); !left.empty() &&
                                                   command.get_require_subcommand_min() > 0 &&
                                                   command.get_subcommands().empty())
            err << ": " << left.front() << " is not one";
        err << '\n' << usage_line(command, path) << "(" << path << " --help lists the options)\n";
        return exit_usage;
    }
    if (!values.man_page.empty())
        return print_man_page(app, values.man_page, out);
    if (values.is_print_default_config) {
        out << config::default_config_text();
        return exit_ok;
    }
    return run_chosen(app, values, out, err);
}

} // namespace minuted::daemon
