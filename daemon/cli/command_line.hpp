#pragma once

#include "config/config.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace minuted::daemon {

/// `minuted COMMAND [OPTIONS]`: reads the command line (argv as main gets it) and runs the
/// command it names. `--help` on any command, and `-V`/`--version`, print to `out` and
/// return 0; a command line that cannot be read says why on `err`, naming the option, and
/// returns 64 (exit_usage). Otherwise returns the command's exit code (exit_codes.hpp).
/// The command line parser lives in this one function's translation unit only.
int run_command_line(int argc, char const* const* argv, std::ostream& out, std::ostream& err);

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
