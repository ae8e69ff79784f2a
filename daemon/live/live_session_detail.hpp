#pragma once

// What live_session's source files share; not for other users.

#include "summariser/meeting.hpp"

#include <spdlog/fmt/fmt.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace minuted::daemon::detail {

/// Now, to the millisecond, as journal records and the engine take it.
inline summariser::time_point wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

inline std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// A new name for an instance of a session (see live_session::epoch).
inline std::string random_epoch() {
    std::random_device device;
    std::uint64_t const bits = (std::uint64_t{device()} << 32) | device();
    return fmt::format("{:016x}", bits);
}

} // namespace minuted::daemon::detail
