#include "daemon/archive/archive_files.hpp"

#include "protocol/time_text.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace minuted::daemon {

namespace {

std::error_code last_error() {
    return {errno, std::generic_category()};
}

// Writes all of `data` to `fd`, retrying short writes and interruptions.
std::error_code write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        auto const n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return last_error();
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

std::error_code write_durably(std::filesystem::path const& path, std::string_view data) {
    auto const temporary = path.string() + ".tmp";
    int const fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return last_error();
    auto ec = write_all(fd, data);
    if (!ec && ::fsync(fd) != 0)
        ec = last_error();
    if (::close(fd) != 0 && !ec)
        ec = last_error();
    if (!ec && ::rename(temporary.c_str(), path.c_str()) != 0)
        ec = last_error();
    if (ec)
        ::unlink(temporary.c_str());
    return ec;
}

} // namespace

std::error_code sync_folder(std::filesystem::path const& folder) {
    int const fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return last_error();
    std::error_code ec;
    if (::fsync(fd) != 0)
        ec = last_error();
    ::close(fd);
    return ec;
}

std::filesystem::path archive_folder(std::filesystem::path const& state_dir, std::string_view id,
                                     std::chrono::system_clock::time_point started,
                                     std::string_view instance) {
    auto const t = std::chrono::system_clock::to_time_t(started);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    auto const base = std::string(id) + "-" + stamp;
    auto folder = state_dir / "archive" / base;
    std::error_code ec;
    auto const holds_another = [&](std::filesystem::path const& f) {
        if (!std::filesystem::exists(f, ec))
            return false;
        std::ifstream in(f / "state.json", std::ios::binary);
        if (!in)
            return false; // left without its state by a crash: reused
        std::ostringstream text;
        text << in.rdbuf();
        boost::system::error_code json_ec;
        auto const state = boost::json::parse(text.str(), json_ec);
        auto const* archived =
            !json_ec && state.is_object() ? state.get_object().if_contains("archived") : nullptr;
        auto const* held = archived && archived->is_object()
                               ? archived->get_object().if_contains("instance")
                               : nullptr;
        return !(held && held->is_string() && held->get_string() == instance);
    };
    for (int n = 2; holds_another(folder); ++n)
        folder = state_dir / "archive" / (base + "-" + std::to_string(n));
    return folder;
}

std::error_code move_into_archive(std::filesystem::path const& file,
                                  std::filesystem::path const& folder) {
    std::error_code ec;
    std::filesystem::rename(file, folder / "journal", ec);
    if (ec)
        return ec;
    if ((ec = sync_folder(folder)))
        return ec;
    return sync_folder(file.parent_path());
}

std::error_code write_archive(std::filesystem::path const& folder,
                              std::vector<archive_file> const& files) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec)
        return ec;
    for (auto const& [name, content] : files)
        if ((ec = write_durably(folder / name, content)))
            return ec;
    if ((ec = sync_folder(folder)))
        return ec;
    return sync_folder(folder.parent_path());
}

std::string edits_for_api(std::string_view edits_jsonl) {
    std::string out;
    out.reserve(edits_jsonl.size() + edits_jsonl.size() / 8);
    while (!edits_jsonl.empty()) {
        auto const end = edits_jsonl.find('\n');
        auto const line = edits_jsonl.substr(0, end);
        edits_jsonl.remove_prefix(end == std::string_view::npos ? edits_jsonl.size() : end + 1);
        boost::system::error_code ec;
        auto edit = boost::json::parse(line, ec);
        auto* at = !ec && edit.is_object() ? edit.get_object().if_contains("at") : nullptr;
        if (at && at->is_int64())
            *at = protocol::rfc3339(at->get_int64());
        out += at ? boost::json::serialize(edit) : std::string(line);
        out += '\n';
    }
    return out;
}

namespace {

// A time of a state.json, as RFC 3339 or (written before that) milliseconds.
std::int64_t unix_ms(boost::json::value const& v) {
    if (auto const ms = protocol::unix_ms_of(v))
        return *ms;
    throw std::runtime_error("state.json: a time that is neither RFC 3339 nor milliseconds");
}

} // namespace

std::pair<archived_session, std::vector<archived_utterance>>
index_entry(std::string const& archive, std::string_view state_json) {
    auto const state = boost::json::parse(state_json).as_object();
    auto const& meta = state.at("archived").as_object();
    archived_session s{archive,
                       std::string(state.at("session").as_string()),
                       std::string(state.at("title").as_string()),
                       unix_ms(meta.at("started")),
                       unix_ms(meta.at("ended")),
                       state.at("words").to_number<std::int64_t>(),
                       0,
                       static_cast<std::int64_t>(state.at("agenda").as_array().size()),
                       std::string(meta.at("end_reason").as_string())};
    std::map<std::int64_t, std::string> names;
    for (auto const& p : state.at("participants").as_array()) {
        names[p.at("id").to_number<std::int64_t>()] = p.at("name").as_string().c_str();
        s.speakers += p.at("turns").to_number<std::int64_t>() > 0 ? 1 : 0;
    }
    auto const& agenda = state.at("agenda").as_array();
    std::vector<archived_utterance> turns;
    // A turn's item is the published one that holds it (the last to start at or before it, or
    // the first), so hits carry the titles of the agenda as people left it, merged or split. A
    // state that does not say where its items start names each turn's item by its index.
    bool const placed = std::all_of(agenda.begin(), agenda.end(), [](auto const& a) {
        return a.is_object() && a.as_object().contains("first_utterance");
    });
    std::size_t started = 0; // items starting at or before the turn
    for (auto const& u : state.at("utterances").as_array()) {
        auto const id = u.at("id").to_number<std::size_t>();
        while (placed && started < agenda.size() &&
               agenda[started].at("first_utterance").to_number<std::size_t>() <= id)
            ++started;
        auto const item =
            placed ? (started > 0 ? started - 1 : 0) : u.at("item").to_number<std::size_t>();
        turns.push_back({u.at("id").to_number<std::int64_t>(),
                         u.at("speaker").is_null()
                             ? std::string()
                             : names[u.at("speaker").to_number<std::int64_t>()],
                         unix_ms(u.at("at")),
                         item < agenda.size() ? std::string(agenda[item].at("title").as_string())
                                              : std::string(),
                         std::string(u.at("text").as_string())});
    }
    return {std::move(s), std::move(turns)};
}

std::size_t index_missing(archive_index& index, std::filesystem::path const& archive_dir) {
    std::set<std::string> held;
    for (auto const& s : index.sessions(std::numeric_limits<std::size_t>::max() / 2))
        held.insert(s.archive);
    std::size_t added = 0;
    std::error_code ec;
    for (auto const& entry : std::filesystem::directory_iterator(archive_dir, ec)) {
        auto const name = entry.path().filename().string();
        // Dot names are not archives: retention renames a folder to ".deleting-..." before
        // removing it, so a crash in between must not bring that meeting back.
        if (!entry.is_directory() || name.starts_with('.') || held.contains(name))
            continue;
        std::ifstream in(entry.path() / "state.json", std::ios::binary);
        if (!in)
            continue; // an archive whose writing failed
        std::ostringstream text;
        text << in.rdbuf();
        try {
            auto const [session, turns] = index_entry(name, text.str());
            index.add(session, turns);
            ++added;
        } catch (std::exception const& e) {
            spdlog::warn("archive {}: not indexed, its state.json cannot be read: {}",
                         entry.path().string(), e.what());
        }
    }
    return added;
}

} // namespace minuted::daemon
