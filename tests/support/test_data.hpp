#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace minuted::testing {

/// Reads a file whole; throws if it cannot be read.
inline std::string read_file(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Reads a file of tests/data whole.
inline std::string read_test_file(std::string const& name) {
    return read_file(std::string(MINUTED_TEST_DATA) + "/" + name);
}

} // namespace minuted::testing
