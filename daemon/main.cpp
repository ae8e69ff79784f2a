#include "daemon/cli/command_line.hpp"

#include <iostream>

int main(int argc, char** argv) {
    return minuted::daemon::run_command_line(argc, argv, std::cout, std::cerr);
}
