#include "daemon/net/address_counts.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace minuted::daemon {
namespace {

using boost::asio::ip::make_address;

TEST(address_counts, an_ipv6_client_is_its_64_and_an_ipv4_mapped_one_its_ipv4_address) {
    EXPECT_EQ(address_counts::client_key(make_address("192.0.2.7")), make_address("192.0.2.7"));
    EXPECT_EQ(address_counts::client_key(make_address("::ffff:192.0.2.7")),
              make_address("192.0.2.7"));
    EXPECT_EQ(address_counts::client_key(make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
              make_address("2001:db8:1:2::"));
    EXPECT_NE(address_counts::client_key(make_address("2001:db8:1:3::1")),
              address_counts::client_key(make_address("2001:db8:1:2::1")));
}

TEST(address_counts, a_client_holds_up_to_the_cap_and_a_place_given_back_is_free_again) {
    auto const counts = address_counts::make();
    std::vector<address_counts::place> held;
    for (auto const* a : {"2001:db8::1", "2001:db8::2", "2001:db8::3"}) {
        auto p = counts->try_take(make_address(a), 3);
        ASSERT_TRUE(p) << a;
        held.push_back(std::move(*p));
    }
    // Another address of the same /64 is the same client; another /64 or IPv4 is not.
    EXPECT_FALSE(counts->try_take(make_address("2001:db8::ffff"), 3));
    EXPECT_TRUE(counts->try_take(make_address("2001:db8:0:1::1"), 3));
    EXPECT_TRUE(counts->try_take(make_address("192.0.2.1"), 3));
    held.erase(held.begin());
    auto again = counts->try_take(make_address("2001:db8::4"), 3);
    ASSERT_TRUE(again);
    // A place moved is held once: the moved-from one gives nothing back.
    address_counts::place moved = std::move(*again);
    again.reset();
    EXPECT_FALSE(counts->try_take(make_address("2001:db8::5"), 3));
    moved = address_counts::place{};
    EXPECT_TRUE(counts->try_take(make_address("2001:db8::5"), 3));
}

TEST(address_counts, a_cap_of_zero_counts_nothing) {
    auto const counts = address_counts::make();
    std::vector<address_counts::place> held;
    for (int i = 0; i < 100; ++i) {
        auto p = counts->try_take(make_address("192.0.2.1"), 0);
        ASSERT_TRUE(p);
        held.push_back(std::move(*p));
    }
    EXPECT_TRUE(counts->try_take(make_address("192.0.2.1"), 1));
}

} // namespace
} // namespace minuted::daemon
