#include "daemon/cli/command_line.hpp"
#include "daemon/logging.hpp"

#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
    if (!minuted::daemon::stderr_is_journal())
        return minuted::daemon::run_command_line(argc, argv, std::cout, std::cerr);
    // Under systemd, a bad command line reaches the journal as an error. Only a command line
    // that cannot be read writes here: the daemon itself logs through spdlog.
    std::ostringstream err;
    int const code = minuted::daemon::run_command_line(argc, argv, std::cout, err);
    minuted::daemon::print_error(err.str());
    return code;
}
