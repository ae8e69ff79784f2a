#include "config/config.hpp"
#include "protocol/agenda.hpp"
#include "protocol/roster.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

// The only I/O of config/: reading the files a configuration names, and the configuration.
namespace minuted::config {

namespace {

// The first `max_bytes + 1` bytes of the file at `path`: one byte more than it may have, so
// that a larger file is refused without being read whole. Throws Error(why, true) if the
// file cannot be opened or read.
template <class Error>
std::string read_bounded(std::filesystem::path const& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": " + std::strerror(errno), true);
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
        throw Error(path.string() + ": cannot be read", true);
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

} // namespace

std::vector<protocol::agenda_item> read_agenda_file(std::filesystem::path const& path) {
    auto const text = read_bounded<agenda_file_error>(path, protocol::max_agenda_text_bytes);
    auto parsed = protocol::parse_agenda(text);
    if (auto const* no = std::get_if<protocol::agenda_refusal>(&parsed))
        throw agenda_file_error(path.string() + ": not an agenda: " + no->why, false);
    return std::get<std::vector<protocol::agenda_item>>(std::move(parsed));
}

std::vector<protocol::roster_person> read_roster_file(std::filesystem::path const& path) {
    auto const text = read_bounded<roster_file_error>(path, protocol::max_roster_bytes);
    auto parsed = protocol::parse_roster(text);
    if (auto const* no = std::get_if<protocol::roster_refusal>(&parsed))
        throw roster_file_error(path.string() + ": not a roster: " + no->why, false);
    return std::get<std::vector<protocol::roster_person>>(std::move(parsed));
}

std::string read_secret_file(std::filesystem::path const& path) {
    struct unreadable : std::runtime_error {
        unreadable(std::string what, bool) : std::runtime_error(std::move(what)) {}
    };
    auto text = read_bounded<unreadable>(path, 4096);
    if (text.size() > 4096)
        throw std::runtime_error(path.string() + ": more than 4096 bytes; a secret is one line");
    // Written by `echo` or an editor: the line ends with a newline that is not the secret's.
    text = text.substr(0, text.find_first_of("\r\n"));
    if (text.empty())
        throw std::runtime_error(path.string() +
                                 ": empty; it must hold the secret on its first line");
    return text;
}

settings load_config_file(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw config_error(path.string(), 0, 0, "cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path.string());
}

} // namespace minuted::config
