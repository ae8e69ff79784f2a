#include "daemon/archive_files.hpp"

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace minuted {

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

} // namespace

std::filesystem::path archive_folder(std::filesystem::path const& state_dir, std::string_view id,
                                     std::chrono::system_clock::time_point started) {
    auto const t = std::chrono::system_clock::to_time_t(started);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    auto const base = std::string(id) + "-" + stamp;
    auto folder = state_dir / "archive" / base;
    std::error_code ec;
    for (int n = 2; std::filesystem::exists(folder, ec); ++n)
        folder = state_dir / "archive" / (base + "-" + std::to_string(n));
    return folder;
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

} // namespace minuted
