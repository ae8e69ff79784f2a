#include "daemon/live/session_registry.hpp"

#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace minuted::daemon {
namespace {

TEST(session_registry, archive_searches_queue_on_their_pool_up_to_search_queue) {
    boost::asio::io_context ioc;
    boost::asio::thread_pool disk(1);
    boost::asio::thread_pool search(1);
    config::settings s;
    s.search_queue = 2;
    live_config config(s);
    metrics counters;
    session_registry sessions(ioc,
                              {disk.get_executor(), disk.get_executor(), search.get_executor()},
                              config, counters, nullptr);

    std::promise<void> release;
    auto const held = release.get_future().share();
    std::promise<bool> elsewhere;
    auto const caller = std::this_thread::get_id();
    ASSERT_TRUE(sessions.try_search([&] {
        elsewhere.set_value(std::this_thread::get_id() != caller);
        held.wait(); // a search that takes its time
    }));
    std::promise<void> second;
    ASSERT_TRUE(sessions.try_search([&] { second.set_value(); }));
    EXPECT_FALSE(sessions.try_search([] {})); // two wait or run already
    EXPECT_TRUE(elsewhere.get_future().get());
    release.set_value();
    second.get_future().wait();
    // Room again once they are done (the count drops just after a job returns).
    bool accepted = false;
    for (int i = 0; i < 1000 && !accepted; ++i) {
        std::promise<void> third;
        accepted = sessions.try_search([&] { third.set_value(); });
        if (accepted)
            third.get_future().wait();
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(accepted);
    search.join();
    disk.join();
}

} // namespace
} // namespace minuted::daemon
