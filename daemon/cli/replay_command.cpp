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
#include <optional>
#include <sstream>
#include <stdexcept>

namespace minuted::daemon {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Throws std::invalid_argument, saying what is wrong.
void check_replay_options(replay_command_options const& o) {
    if (!o.file == !o.archived)
        throw std::invalid_argument("need a FILE or --from-archive ID (one of them)");
    if (!o.to == !o.serve)
        throw std::invalid_argument("need exactly one of --to or --serve");
    if (o.file && (o.state_dir || o.config_file))
        throw std::invalid_argument("--state-dir and --config go with --from-archive");
    if (o.archived && o.has_typing_options)
        throw std::invalid_argument("--wpm, --corrections and --seed type a FILE; an archived "
                                    "meeting plays as recorded");
}

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

// FILE typed a word at a time, or a caption file cue by cue at its recorded pace. The header's
// title, else a pushed session is named after its file; a served feed with neither keeps its
// [[feed]] title.
int read_transcript_replay(replay_command_options const& o, journal_replay& replay) {
    std::string text;
    try {
        text = read_file(*o.file);
    } catch (std::exception const& e) {
        std::cerr << "minuted: " << e.what() << '\n';
        return exit_no_input;
    }
    if (protocol::detect_caption_format(text) == protocol::caption_format::cart) {
        replay = make_transcript_replay(text, o.replay);
    } else {
        auto const file = protocol::read_caption_file(text);
        auto const name = *o.file == "-" ? std::string("standard input") : *o.file;
        if (file.error) {
            std::cerr << "minuted: " << name << ':' << file.error->line << ": " << file.error->why
                      << '\n';
            return exit_data;
        }
        if (file.cues.empty()) {
            std::cerr << "minuted: " << name << ": no cues with text\n";
            return exit_data;
        }
        replay = make_caption_replay(file, o.replay);
    }
    if (o.title)
        replay.title = *o.title;
    else if (replay.title.empty() && o.to)
        replay.title = *o.file;
    return exit_ok;
}

// --from-archive ID: the archived meeting's journal, from the state directory that
// --state-dir or --config names.
int read_archive_replay(replay_command_options const& o, journal_replay& replay) {
    std::filesystem::path dir;
    try {
        dir = command_settings(o.state_dir, o.config_file).state_dir;
    } catch (config::config_error const& e) {
        std::cerr << "minuted replay: " << e.what() << '\n';
        return exit_config;
    }
    if (auto const code = read_archived_journal(dir / "archive", *o.archived, o.replay, replay);
        code != exit_ok)
        return code;
    if (o.title)
        replay.title = *o.title;
    return exit_ok;
}

// A known agenda (--agenda) replaces what the archived meeting's open had.
int read_agenda(replay_command_options const& o, journal_replay& replay) {
    if (!o.agenda_file)
        return exit_ok;
    try {
        replay.agenda = config::read_agenda_file(*o.agenda_file);
    } catch (config::agenda_file_error const& e) {
        std::cerr << "minuted: " << e.what() << '\n';
        return e.unreadable ? exit_no_input : exit_data;
    }
    return exit_ok;
}

// Plays `replay` to its receiver (--to) or as a feed to whoever connects (--serve), until every
// frame is acknowledged.
int play(replay_command_options const& o, journal_replay const& replay) {
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
    if (o.to) {
        try {
            parse_ws_url(*o.to);
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: " << e.what() << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc, push_replay(*o.to, replay.title, replay.frames, o.replay, replay.agenda),
                      done);
    } else {
        auto const what = o.file ? *o.file : "archived session " + *o.archived;
        try {
            auto const [host, port] = config::parse_listen(*o.serve);
            acceptor.emplace(ioc, tcp::endpoint(net::ip::make_address(host), port));
            spdlog::info("replay: serving {} as a feed on ws://{}:{}/", what, host,
                         acceptor->local_endpoint().port());
        } catch (std::exception const& e) {
            std::cerr << "minuted replay: --serve " << *o.serve << ": " << describe(e) << '\n';
            return exit_usage;
        }
        net::co_spawn(ioc,
                      serve_replay(*acceptor, replay.frames, o.replay, replay.title, replay.agenda),
                      done);
    }
    ioc.run();
    return result;
}

} // namespace

int replay_command(replay_command_options const& o) {
    try {
        check_replay_options(o);
    } catch (std::invalid_argument const& e) {
        std::cerr << "minuted replay: " << e.what() << "\n(minuted replay --help)\n";
        return exit_usage;
    }
    journal_replay replay;
    if (auto const code =
            o.file ? read_transcript_replay(o, replay) : read_archive_replay(o, replay);
        code != exit_ok)
        return code;
    if (auto const code = read_agenda(o, replay); code != exit_ok)
        return code;
    return play(o, replay);
}

} // namespace minuted::daemon
