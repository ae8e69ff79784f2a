#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace minuted::testing {

/// Reads a file of tests/data whole.
inline std::string read_test_file(std::string const& name) {
    std::ifstream in(std::string(MINUTED_TEST_DATA) + "/" + name, std::ios::binary);
    if (!in)
        throw std::runtime_error("missing test data: " + name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace minuted::testing
