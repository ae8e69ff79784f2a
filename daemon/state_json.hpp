#pragma once

#include "summariser/meeting.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace minuted {

/// Revision of a session's state: rises by one with every update sent to subscribers.
using revision = std::uint64_t;

/// The whole state of a session for a subscriber joining (`{"type":"snapshot",...}`), with
/// every utterance, participant and agenda item. Layout in protocol/PROTOCOL.md.
boost::json::object make_snapshot(std::string_view session, summariser::meeting const& m,
                                  revision rev);

/// Only what `changes` touched (`{"type":"update",...}`): each changed utterance, participant
/// and agenda item whole, so a client replaces it by id or index. `summary` is the catch-up
/// text if it changed since the last update, else empty (and left out).
boost::json::object make_update(summariser::meeting const& m, summariser::change_set const& changes,
                                revision rev, std::string const& summary);

/// JSON of one utterance, participant or agenda item, as in snapshots and updates.
boost::json::object utterance_json(summariser::utterance const& u);
boost::json::object participant_json(summariser::meeting const& m,
                                     summariser::participant const& p);
boost::json::object agenda_item_json(summariser::meeting const& m,
                                     summariser::agenda_item const& item);

} // namespace minuted
