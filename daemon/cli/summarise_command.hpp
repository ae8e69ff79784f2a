#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace minuted::daemon {

/// What `minuted summarise` is told on its command line (command_line.cpp reads it).
struct summarise_options {
    std::string input;         ///< a file name, or "-" for standard input
    std::string format = "md"; ///< md, json, vtt, html or odt
    std::optional<std::string> agenda_file, roster_file, output_file;
};

/// `minuted summarise FILE|- [--format md|json|vtt|html|odt] [-o OUT] [--agenda FILE]
/// [--roster FILE]`: reads a finished transcript (CART text, or a WebVTT, SRT or TTML/EBU-TT
/// caption file, told apart by its content) and writes its summary report to `out`, or to the
/// file OUT. Errors go to `err` with a non-zero exit code from exit_codes.hpp: a missing file
/// (66), empty input, input that is not text or a caption file that cannot be read (65,
/// `FILE:LINE: why`), an .odt to a terminal (64), OUT not writable (73).
int summarise_command(summarise_options const& options, std::ostream& out, std::ostream& err);

} // namespace minuted::daemon
