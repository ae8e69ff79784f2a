#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace minuted::testing {

/// A fresh directory under the system's temporary directory, named `prefix-XXXXXX`, removed
/// with its contents by the destructor. Throws if it cannot be made.
class temp_dir {
public:
    explicit temp_dir(std::string const& prefix = "minuted-test") {
        auto templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(templ.data()) == nullptr)
            throw std::runtime_error("mkdtemp " + templ + ": " +
                                     std::generic_category().message(errno));
        path_ = templ;
    }
    ~temp_dir() {
        // Tests make parts of it read-only; give the owner its rights back so all of it goes.
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->is_directory(ec))
                std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                             std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;

    std::filesystem::path const& path() const { return path_; }
    /// `path() / name`.
    std::filesystem::path operator/(std::filesystem::path const& name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

} // namespace minuted::testing
