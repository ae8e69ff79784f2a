#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {

/// One option or argument of a command as its --help describes it.
struct option_doc {
    std::string names;       ///< "-o, --output", or an argument's name ("FILE")
    std::string value;       ///< what follows the option ("FILE"), or "" for a flag
    std::string description; ///< the --help text
};

/// One command of minuted (`path` is "" for minuted itself, "archive search" for a
/// sub-subcommand) as its --help describes it.
struct command_doc {
    std::string path;
    std::string usage;       ///< what follows the command: "[OPTIONS] FILE"
    std::string description; ///< the summary line
    std::string footer;      ///< the text after the options, if any
    std::vector<option_doc> arguments, options;
};

/// The generated parts of minuted(8), in roff (man(7) macros): `.SH SYNOPSIS` with a line per
/// command, or `.SH COMMANDS` with every command's description, arguments and options.
void write_man_synopsis(std::span<command_doc const> commands, std::ostream& out);
void write_man_commands(std::span<command_doc const> commands, std::ostream& out);

/// minuted.toml(5)'s body, in roff, from the commented default config (the text
/// `--print-default-config` prints): a subsection per [table], each key tagged with its default
/// and described by the comment above it; commented-out tables and keys are shown as examples.
void write_man_config(std::string_view default_config, std::ostream& out);

/// `text` as roff text: backslashes, minus signs, quotes and a leading period or apostrophe
/// escaped so that groff prints them as written.
std::string roff_text(std::string_view text);

} // namespace minuted::daemon
