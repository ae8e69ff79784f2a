#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace minuted {

/// The value after option `args[i]`, advancing `i` past it; throws std::invalid_argument
/// ("--to needs a value") when the option is last.
inline std::string option_value(std::span<char const* const> args, std::size_t& i) {
    if (i + 1 >= args.size())
        throw std::invalid_argument(std::string(args[i]) + " needs a value");
    return args[++i];
}

} // namespace minuted
