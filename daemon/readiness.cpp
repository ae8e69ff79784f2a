#include "daemon/readiness.hpp"

#include "daemon/archive/archive_index.hpp"
#include "daemon/live/session_registry.hpp"

#include <string>

namespace minuted::daemon {

readiness check_readiness(session_registry& sessions) {
    readiness r;
    for (auto const& s : sessions.all()) {
        if (s->is_ending())
            continue;
        if (auto const why = s->journal().failure_now(); !why.empty()) {
            ++r.journals_failing;
            r.reasons.push_back("the journal of session " + s->id() + " cannot be written: " + why);
        }
    }
    auto const* index = sessions.index();
    auto const why = index ? index->unavailable()
                           : std::string("it could not be opened when the daemon started (see "
                                         "its log); a restart opens or rebuilds it");
    if (!why.empty()) {
        r.index_available = false;
        r.reasons.push_back("the archive index is unavailable: " + why);
    }
    return r;
}

boost::json::object readiness_json(readiness const& r, bool detailed) {
    if (r.ready())
        return {{"ready", true}};
    boost::json::array reasons;
    if (detailed) {
        for (auto const& why : r.reasons)
            reasons.emplace_back(why);
    } else {
        if (r.journals_failing == 1)
            reasons.emplace_back("a live session's journal cannot be written");
        else if (r.journals_failing > 1)
            reasons.emplace_back(std::to_string(r.journals_failing) +
                                 " live sessions' journals cannot be written");
        if (!r.index_available)
            reasons.emplace_back("the archive index is unavailable");
    }
    return {{"ready", false}, {"reasons", std::move(reasons)}};
}

std::string render_readiness(readiness const& r) {
    return "# HELP minuted_ready Whether GET /readyz answers 200: journals writable, archive "
           "index readable.\n# TYPE minuted_ready gauge\nminuted_ready " +
           std::string(r.ready() ? "1" : "0") +
           "\n# HELP minuted_journals_failing Live sessions whose journal cannot be written now "
           "(new captions are refused).\n# TYPE minuted_journals_failing gauge\n"
           "minuted_journals_failing " +
           std::to_string(r.journals_failing) +
           "\n# HELP minuted_archive_index_up Whether the archive index (search, listing) can be "
           "read.\n# TYPE minuted_archive_index_up gauge\nminuted_archive_index_up " +
           std::string(r.index_available ? "1" : "0") + "\n";
}

} // namespace minuted::daemon
