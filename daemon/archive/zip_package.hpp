#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace minuted::daemon {

/// A ZIP file made in memory, or why it could not be.
struct zip_result {
    std::string bytes;
    std::string error; ///< empty when `bytes` is the file
};

/// Zips `parts` (name, content) in their order, with libzip: the first stored uncompressed and
/// without extra fields, as an OpenDocument package needs its "mimetype" part; the others
/// deflated. Every entry is dated `modified`, so the same parts make the same bytes. Fails
/// only on what libzip cannot allocate or a name it refuses (said in `error`).
zip_result zip_package(std::vector<std::pair<std::string, std::string>> const& parts,
                       std::time_t modified);

} // namespace minuted::daemon
