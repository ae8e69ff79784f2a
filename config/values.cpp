#include "config/config.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <stdexcept>

namespace minuted::config {

bool is_address_or_network(std::string_view text) {
    auto const slash = text.find('/');
    std::string const address(text.substr(0, slash));
    unsigned char bytes[16];
    int bits = 0;
    if (::inet_pton(AF_INET, address.c_str(), bytes) == 1)
        bits = 32;
    else if (::inet_pton(AF_INET6, address.c_str(), bytes) == 1)
        bits = 128;
    else
        return false;
    if (slash == std::string_view::npos)
        return true;
    auto const prefix = text.substr(slash + 1);
    int n = -1;
    auto const [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), n);
    return ec == std::errc{} && end == prefix.data() + prefix.size() && n >= 0 && n <= bits;
}

std::pair<std::string, std::uint16_t> parse_listen(std::string_view text) {
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        throw std::invalid_argument("expected HOST:PORT");
    auto host = text.substr(0, colon);
    if (host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto const port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto const [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        throw std::invalid_argument("port must be a number from 0 to 65535");
    if (host.empty())
        throw std::invalid_argument("expected HOST:PORT");
    return {std::string(host), static_cast<std::uint16_t>(port)};
}

std::chrono::milliseconds parse_duration(std::string_view text) {
    std::int64_t n = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data() || n < 0)
        throw std::invalid_argument("not a duration");
    std::string_view const unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::int64_t ms_per_unit = 0;
    if (unit == "ms")
        ms_per_unit = 1;
    else if (unit == "s")
        ms_per_unit = 1000;
    else if (unit == "m")
        ms_per_unit = 60'000;
    else if (unit == "h")
        ms_per_unit = 3'600'000;
    else
        throw std::invalid_argument("unit must be ms, s, m or h");
    // The daemon adds settings to steady_clock's time points (nanoseconds): a duration longer
    // than those can hold (292 years) would overflow there, or here in the multiplication.
    constexpr auto max_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds::max())
            .count();
    if (n > max_ms / ms_per_unit)
        throw std::invalid_argument("duration too long");
    return std::chrono::milliseconds(n * ms_per_unit);
}

} // namespace minuted::config
