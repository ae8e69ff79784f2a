#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace minuted::daemon {

/// `minuted summarise FILE|- [--format md|json] [--agenda FILE]`: reads a finished CART
/// transcript and writes its summary report to `out`. Errors go to `err` with a non-zero
/// exit code from exit_codes.hpp: a missing file (66), empty input or input that is not
/// text (65), bad arguments (64).
int summarise_command(std::span<char const* const> args, std::ostream& out, std::ostream& err);

} // namespace minuted::daemon
