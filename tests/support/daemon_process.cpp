#include "tests/support/daemon_process.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace minuted::testing {

daemon_process::daemon_process(daemon_options options)
    : dir_("minuted-daemon"), options_(std::move(options)) {
    if (options_.as_user) // the daemon reads its config from here
        std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
    if (options_.prepare)
        options_.prepare(state_dir());
    args_ = {options_.binary, "serve",       "--listen",
             "127.0.0.1:0",   "--state-dir", state_dir().string()};
    if (!options_.config.empty()) {
        write_config(options_.config);
        args_.insert(args_.end(), {"--config", config_path().string()});
    }
    if (auto const* threads = std::getenv("MINUTED_TEST_SERVER_THREADS"))
        args_.insert(args_.end(), {"--threads", threads});
    args_.insert(args_.end(), options_.args.begin(), options_.args.end());
    restart();
}

daemon_process::~daemon_process() {
    stop();
}

void daemon_process::restart() {
    process_.reset();
    process_.emplace(args_, child_options{.env = options_.env,
                                          .as_user = options_.as_user,
                                          .output_limit = options_.output_limit});
    port_ = static_cast<unsigned short>(
        std::stoi(process_->wait_for(R"(listening on https?://\S+:(\d+))")));
}

void daemon_process::kill() {
    process_->signal(SIGKILL);
    process_->wait();
}

int daemon_process::stop() {
    process_->signal(SIGTERM);
    if (auto const code = process_->wait_for_exit(options_.stop_timeout))
        return *code;
    process_->signal(SIGKILL);
    return process_->wait();
}

void daemon_process::reload(std::string const& config_text) {
    write_config(config_text);
    process_->signal(SIGHUP);
}

std::string daemon_process::url(std::string const& path) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> daemon_process::complaints() const {
    std::vector<std::string> lines;
    std::istringstream in(process_->output());
    for (std::string line; std::getline(in, line);)
        if (line.find(" warning ") != std::string::npos ||
            line.find(" error ") != std::string::npos ||
            line.find(" critical ") != std::string::npos)
            lines.push_back(line);
    return lines;
}

void daemon_process::write_config(std::string const& text) const {
    // Written beside it and renamed: a reload never reads half a file.
    auto const temp = config_path().string() + ".new";
    std::ofstream(temp) << text;
    std::filesystem::rename(temp, config_path());
}

} // namespace minuted::testing
