// GET /readyz's body: what it says to whom.

#include "daemon/readiness.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace minuted::daemon {
namespace {

readiness failing(std::size_t journals, bool index) {
    readiness r;
    for (std::size_t i = 0; i < journals; ++i)
        r.reasons.push_back("the journal of session s" + std::to_string(i) +
                            " cannot be written: No space left on device");
    r.journals_failing = journals;
    if (!index)
        r.reasons.emplace_back("the archive index is unavailable: /var/lib/minuted/archive/"
                               "index.sqlite: file is not a database");
    r.index_available = index;
    return r;
}

TEST(readiness_json, ready_says_only_so) {
    EXPECT_EQ(boost::json::serialize(readiness_json(readiness{}, true)), R"({"ready":true})");
    EXPECT_EQ(boost::json::serialize(readiness_json(readiness{}, false)), R"({"ready":true})");
}

TEST(readiness_json, names_sessions_and_files_only_to_whom_may_view_them) {
    EXPECT_EQ(boost::json::serialize(readiness_json(failing(1, false), true)),
              R"({"ready":false,"reasons":["the journal of session s0 cannot be written: No )"
              R"(space left on device","the archive index is unavailable: /var/lib/minuted/)"
              R"(archive/index.sqlite: file is not a database"]})");
    EXPECT_EQ(boost::json::serialize(readiness_json(failing(1, false), false)),
              R"({"ready":false,"reasons":["a live session's journal cannot be written",)"
              R"("the archive index is unavailable"]})");
    EXPECT_EQ(boost::json::serialize(readiness_json(failing(3, true), false)),
              R"({"ready":false,"reasons":["3 live sessions' journals cannot be written"]})");
}

} // namespace
} // namespace minuted::daemon
