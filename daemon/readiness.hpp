#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace minuted::daemon {

class session_registry;

/// Whether the daemon can do its work now (GET /readyz), as opposed to merely running
/// (GET /healthz): every live session's journal can be written, and the archive index can be
/// read.
struct readiness {
    std::vector<std::string> reasons; ///< why not, one sentence each; none when ready
    std::size_t journals_failing = 0; ///< live sessions whose journal cannot be written
    bool index_available = true;

    bool ready() const noexcept { return reasons.empty(); }
};

/// Asks the live sessions' journals and the archive index (see archive_index::unavailable).
/// Any thread.
readiness check_readiness(session_registry& sessions);

/// GET /readyz's body: {"ready":true}, or {"ready":false,"reasons":[...]}. The reasons name
/// sessions and files only if `detailed` (the request may view sessions): /readyz answers
/// anyone, and the rest of the API does not say which sessions exist to whom it does not show
/// them. The log names them always.
boost::json::object readiness_json(readiness const& r, bool detailed);

/// The gauges minuted_ready, minuted_journals_failing and minuted_archive_index_up, in the
/// Prometheus text format.
std::string render_readiness(readiness const& r);

} // namespace minuted::daemon
