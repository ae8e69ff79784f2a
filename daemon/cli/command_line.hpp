#pragma once

#include "config/config.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace minuted::daemon {

/// The value after option `args[i]`, advancing `i` past it; throws std::invalid_argument
/// ("--to needs a value") when the option is last.
inline std::string option_value(std::span<char const* const> args, std::size_t& i) {
    if (i + 1 >= args.size())
        throw std::invalid_argument(std::string(args[i]) + " needs a value");
    return args[++i];
}

/// The settings a command that reads the archive works with: `config_file`'s (--config) or
/// the embedded default config's, with `state_dir` (--state-dir) instead of theirs if given.
/// A config that cannot be read or parsed throws config::config_error, even with `state_dir`.
inline config::settings command_settings(std::optional<std::string> const& state_dir,
                                         std::optional<std::string> const& config_file) {
    auto settings = config_file ? config::load_config_file(*config_file) : config::settings{};
    if (state_dir)
        settings.state_dir = *state_dir;
    return settings;
}

} // namespace minuted::daemon
