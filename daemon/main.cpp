#include "daemon/exit_codes.hpp"
#include "daemon/summarise_command.hpp"

#include <iostream>
#include <span>
#include <string_view>

namespace {

constexpr std::string_view usage = R"(minuted: live minutes of a meeting from its CART captions

usage:
  minuted summarise FILE|- [--format md|json] [--agenda FILE]
      Summary report of a finished transcript (Markdown or JSON).
  minuted --version
)";

} // namespace

int main(int argc, char** argv) {
    std::span<char const* const> const args(argv, static_cast<std::size_t>(argc));
    if (args.size() < 2) {
        std::cerr << usage;
        return minuted::exit_usage;
    }
    std::string_view const command = args[1];
    if (command == "summarise" || command == "summarize")
        return minuted::summarise_command(args.subspan(2), std::cout, std::cerr);
    if (command == "--version") {
        std::cout << "minuted 0.1.0\n";
        return minuted::exit_ok;
    }
    if (command == "--help" || command == "-h") {
        std::cout << usage;
        return minuted::exit_ok;
    }
    std::cerr << "minuted: unknown command '" << command << "'\n" << usage;
    return minuted::exit_usage;
}
