#include "daemon/archive/zip_package.hpp"

#include <memory>
#include <zip.h>

namespace minuted::daemon {

namespace {

struct source_deleter {
    void operator()(zip_source_t* s) const noexcept { zip_source_free(s); }
};
using source_ptr = std::unique_ptr<zip_source_t, source_deleter>;

std::string what_failed(char const* step, zip_error_t* error) {
    return std::string(step) + ": " + zip_error_strerror(error);
}

// The bytes libzip wrote into `source`, an in-memory buffer, once its archive was closed.
zip_result read_back(zip_source_t* source) {
    zip_result r;
    if (zip_source_open(source) < 0)
        return {{}, what_failed("reading the package", zip_source_error(source))};
    zip_source_seek(source, 0, SEEK_END);
    auto const size = zip_source_tell(source);
    zip_source_seek(source, 0, SEEK_SET);
    if (size < 0) {
        r.error = what_failed("sizing the package", zip_source_error(source));
    } else {
        r.bytes.resize(static_cast<std::size_t>(size));
        if (zip_source_read(source, r.bytes.data(), static_cast<zip_uint64_t>(size)) != size)
            r = {{}, what_failed("reading the package", zip_source_error(source))};
    }
    zip_source_close(source);
    return r;
}

} // namespace

zip_result zip_package(std::vector<std::pair<std::string, std::string>> const& parts,
                       std::time_t modified) {
    zip_error_t error;
    zip_error_init(&error);
    source_ptr buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
    if (!buffer) {
        zip_result r{{}, what_failed("making a buffer", &error)};
        zip_error_fini(&error);
        return r;
    }
    zip_t* zip = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error);
    if (!zip) {
        zip_result r{{}, what_failed("opening the package", &error)};
        zip_error_fini(&error);
        return r;
    }
    // The archive frees its source when closed; the buffer's bytes are read after that.
    zip_source_keep(buffer.get());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto const& [name, content] = parts[i];
        // The parts outlive zip_close, which is when libzip reads them.
        auto* part = zip_source_buffer(zip, content.data(), content.size(), 0);
        auto const index = part ? zip_file_add(zip, name.c_str(), part, ZIP_FL_ENC_UTF_8) : -1;
        if (index < 0) {
            if (part)
                zip_source_free(part);
            zip_result r{{}, "adding " + name + ": " + zip_strerror(zip)};
            zip_discard(zip);
            return r;
        }
        auto const at = static_cast<zip_uint64_t>(index);
        zip_set_file_compression(zip, at, i == 0 ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
        zip_file_set_mtime(zip, at, modified, 0);
    }
    if (zip_close(zip) < 0) {
        zip_result r{{}, std::string("writing the package: ") + zip_strerror(zip)};
        zip_discard(zip);
        return r;
    }
    return read_back(buffer.get());
}

} // namespace minuted::daemon
