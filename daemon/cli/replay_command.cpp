#include "daemon/cli/replay_command.hpp"

#include "config/config.hpp"
#include "daemon/archive/archive_files.hpp"
#include "daemon/cli/command_line.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/client/replay.hpp"
#include "daemon/client/ws_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace minuted::daemon {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string read_file(std::string const& path) {
    if (path == "-") {
        std::ostringstream s;
        s << std::cin.rdbuf();
        return s.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": " + std::strerror(errno));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The name of an archived session's journal in its folder.
constexpr std::string_view archived_journal = "journal";

// Reads the journal of archived session `id` from `archive` (STATE_DIR/archive) into `out`,
// or says on standard error why it cannot and returns the exit code: a torn tail is a
// warning, and the intact records before it are played.
int read_archived_journal(std::filesystem::path const& archive, std::string const& id,
                          replay_options const& options, journal_replay& out) {
    auto const folder = archive / id;
    std::error_code ec;
    if (!is_archive_name(id) || !std::filesystem::is_directory(folder, ec)) {
        std::cerr << "minuted replay: no archived session " << id << " in " << archive.string()
                  << " (minuted archive list shows them)\n";
        return exit_no_input;
    }
    auto const path = folder / archived_journal;
    if (!std::filesystem::exists(path, ec)) {
        std::cerr << "minuted replay: " << folder.string()
                  << " has no journal: it was archived before journals were kept\n";
        return exit_no_input;
    }
    std::string bytes;
    try {
        bytes = read_file(path.string());
    } catch (std::exception const& e) {
        std::cerr << "minuted replay: " << e.what() << '\n';
        return exit_no_input;
    }
    auto const journal = protocol::read_journal(bytes);
    if (!journal.damage.empty())
        spdlog::warn("replay: {}: {} bytes dropped at the end ({}); playing the {} records "
                     "before them",
                     path.string(), bytes.size() - journal.valid_bytes, journal.damage,
                     journal.records.size());
    out = make_journal_replay(journal.records, options);
    if (out.frames.empty()) {
        std::cerr << "minuted replay: " << path.string() << " holds no captions to replay\n";
        return exit_data;
    }
    return exit_ok;
}

} // namespace

int replay_command(std::span<char const* const> args) {
    constexpr std::string_view usage =
        "usage: minuted replay FILE (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT)\n"
        "                      [--speed N|max] [--wpm N] [--corrections] [--seed N]\n"
        "                      [--title TEXT] [--agenda FILE] [--keep-open] [--token TOKEN]\n"
        "                      [--ca-file PEM]\n"
        "       minuted replay --from-archive ID [--state-dir DIR | --config FILE]\n"
        "                      (--to ws://HOST:PORT/ingest/ID | --serve HOST:PORT)\n"
        "                      [--speed N|max] [--title TEXT] [--keep-open] [--token TOKEN]\n"
        "                      [--ca-file PEM]\n"
        "FILE (- for standard input) is typed a word at a time, at --wpm (180) words per minute\n"
        "times --speed; --from-archive plays an archived meeting (an ID as minuted archive list\n"
        "shows it) from its journal, at its recorded pace times --speed. --speed max sends as\n"
        "fast as the receiver acknowledges. --keep-open leaves the session live at the end.\n"
        "--token is the receiver's publish token (also read from MINUTED_TOKEN, which keeps it\n"
        "out of the process list). A wss:// receiver's certificate is verified against the\n"
        "system's CAs, or against those in --ca-file (a private CA).\n";
    std::optional<std::string> file, archived, state_dir, config_file, to, serve, title,
        agenda_file;
    bool typing_options = false;
    replay_options options;
    if (auto const* token = std::getenv("MINUTED_TOKEN"))
        options.token = token;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            std::string_view const a = args[i];
            auto value = [&] { return option_value(args, i); };
            if (a == "--help" || a == "-h") {
                std::cout << usage;
                return exit_ok;
            }
            if (a == "--to")
                to = value();
            else if (a == "--serve")
                serve = value();
            else if (a == "--title")
                title = value();
            else if (a == "--agenda")
                agenda_file = value();
            else if (a == "--from-archive")
                archived = value();
            else if (a == "--state-dir")
                state_dir = value();
            else if (a == "--config")
                config_file = value();
            else if (a == "--speed")
                set_speed(options, value(), a);
            else if (a == "--wpm") {
                if ((options.words_per_minute = std::stod(value())) <= 0)
                    throw std::invalid_argument("--wpm must be positive");
                typing_options = true;
            } else if (a == "--corrections")
                options.corrections = typing_options = true;
            else if (a == "--keep-open")
                options.keep_open = true;
            else if (a == "--token")
                options.token = value();
            else if (a == "--ca-file")
                options.ca_file = value();
            else if (a == "--seed") {
                options.seed = static_cast<std::uint32_t>(std::stoul(value()));
                typing_options = true;
            } else if (a.starts_with("--"))
                throw std::invalid_argument("unknown option " + std::string(a));
            else if (file)
                throw std::invalid_argument("one file at a time");
            else
                file = std::string(a);
        }
        if (!file == !archived)
            throw std::invalid_argument("need a FILE or --from-archive ID (one of them)");
        if (!to == !serve)
            throw std::invalid_argument("need exactly one of --to or --serve");
        if (file && (state_dir || config_file))
            throw std::invalid_argument("--state-dir and --config go with --from-archive");
        if (archived && typing_options)
            throw std::invalid_argument(
                "--wpm, --corrections and --seed type a FILE; an archived meeting plays as "
                "recorded");
    } catch (std::exception const& e) {
        std::cerr << "minuted replay: " << e.what() << "\n" << usage;
        return exit_usage;
    }

    journal_replay replay;
    if (file) {
        std::string text;
        try {
            text = read_file(*file);
        } catch (std::exception const& e) {
            std::cerr << "minuted: " << e.what() << '\n';
            return exit_no_input;
        }
        replay = make_transcript_replay(text, options);
        // The header's title, else a pushed session is named after its file; a served feed
        // with neither keeps its [[feed]] title.
        if (title)
            replay.title = *title;
        else if (replay.title.empty() && to)
            replay.title = *file;
    } else {
        std::filesystem::path dir;
        try {
            dir = command_settings(state_dir, config_file).state_dir;
        } catch (config::config_error const& e) {
            std::cerr << "minuted replay: " << e.what() << '\n';
            return exit_config;
        }
        if (auto const code = read_archived_journal(dir / "archive", *archived, options, replay);
            code != exit_ok)
            return code;
        if (title)
            replay.title = *title;
    }
    // A known agenda replaces what the archived meeting's open had.
    if (agenda_file) {
        try {
            replay.agenda = config::read_agenda_file(*agenda_file);
        } catch (config::agenda_file_error const& e) {
            std::cerr << "minuted: " << e.what() << '\n';
            return e.unreadable ? exit_no_input : exit_data;
        }
    }
    auto const& frames = replay.frames;
    auto const what = file ? *file : "archived session " + *archived;

    net::io_context ioc;
    int result = exit_ok;
    auto done = [&](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            std::cerr << "minuted replay: " << describe(x) << "\n";
            result = exit_io;
        }
    };
    std::optional<tcp::acceptor> acceptor;
    if (to) {
        try {
            parse_ws_url(*to);
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: " << e.what() << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, push_replay(*to, replay.title, frames, options, replay.agenda), done);
    } else {
        try {
            auto const [host, port] = config::parse_listen(*serve);
            acceptor.emplace(ioc, tcp::endpoint(net::ip::make_address(host), port));
            spdlog::info("replay: serving {} as a feed on ws://{}:{}/", what, host,
                         acceptor->local_endpoint().port());
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: --serve " << *serve << ": " << describe(e) << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, serve_replay(*acceptor, frames, options, replay.title, replay.agenda),
                      done);
    }
    ioc.run();
    return result;
}

} // namespace minuted::daemon
