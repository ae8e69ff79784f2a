#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace minuted::daemon {

/// `minuted summarise FILE|- [--format md|json|vtt|html|odt] [-o OUT] [--agenda FILE]
/// [--roster FILE]`: reads a finished transcript (CART text, or a WebVTT, SRT or TTML/EBU-TT
/// caption file, told apart by its content) and writes its summary report to `out`, or to the
/// file OUT. Errors go to `err` with a non-zero exit code from exit_codes.hpp: a missing file
/// (66), empty input, input that is not text or a caption file that cannot be read (65,
/// `FILE:LINE: why`), bad arguments or an .odt to a terminal (64), OUT not writable (73).
int summarise_command(std::span<char const* const> args, std::ostream& out, std::ostream& err);

} // namespace minuted::daemon
