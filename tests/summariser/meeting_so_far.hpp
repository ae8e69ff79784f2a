#pragma once

// A real meeting fed to the summariser in parts, so that tests of people's edits can edit the
// minutes halfway and see what the machine adds after.

#include "summariser/minutes_edits.hpp"
#include "summariser/pipeline.hpp"
#include "tests/support/test_data.hpp"

#include <string>
#include <string_view>

namespace minuted::summariser::testing {

/// DCCG meeting 90's transcript (tests/data).
inline std::string const& dccg() {
    static std::string const text = minuted::testing::read_test_file("dccg-90-2024-11-08.raw.txt");
    return text;
}

/// The meeting fed the first `fraction` of the transcript (cut at a line), or all of it.
struct meeting_so_far {
    pipeline p;
    std::size_t fed = 0;

    void feed_until(double fraction) {
        auto end = static_cast<std::size_t>(static_cast<double>(dccg().size()) * fraction);
        end = fraction >= 1 ? dccg().size() : dccg().find('\n', end) + 1;
        change_set changes;
        p.put(std::string_view(dccg()).substr(fed, end - fed), time_point{}, changes);
        fed = end;
        if (fed == dccg().size())
            p.finish(time_point{}, changes);
    }
    meeting const& m() const { return p.state(); }
};

/// An edit of `op` by `by`, the rest to fill in.
inline minute_edit edit(edit_op op, std::string by = "Ana") {
    minute_edit e;
    e.op = op;
    e.by = std::move(by);
    return e;
}

} // namespace minuted::summariser::testing
