#pragma once

#include "summariser/meeting.hpp"
#include "summariser/minutes_edits.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {

/// Revision of a session's state: rises by one with every update sent to subscribers.
using revision = std::uint64_t;

/// The edits of minutes nobody edited.
summariser::minutes_edits const& no_edits();

/// The whole state of a session for a subscriber joining (`{"type":"snapshot",...}`), with
/// every utterance, participant and agenda item. Layout in protocol/PROTOCOL.md. The minutes
/// are published with what people did to them (`edits`), each bullet with its key and marks.
boost::json::object make_snapshot(std::string_view session, summariser::meeting const& m,
                                  revision rev,
                                  summariser::minutes_edits const& edits = no_edits());

/// How much of one utterance's text the updates so far have carried, in bytes and in the
/// UTF-16 code units a viewer counts.
struct sent_text {
    std::size_t bytes = 0;
    std::size_t units = 0;
};

/// Only what `changes` touched (`{"type":"update",...}`): each changed participant and agenda
/// item whole, so a client replaces it by id or index; a new utterance whole, and one sent
/// before as the text it gained (`from`, `tail`), so a long turn costs a line an update, not
/// the whole turn. `sent` (indexed by utterance id) holds what earlier updates carried and is
/// brought up to date. `summary` is the catch-up text if it changed since the last update,
/// else empty (and left out).
boost::json::object make_update(summariser::meeting const& m, summariser::change_set const& changes,
                                revision rev, std::string const& summary,
                                std::vector<sent_text>& sent,
                                summariser::minutes_edits const& edits = no_edits());

/// Each agenda item's `context` (`meeting::context_of`: who carried it) as the updates last
/// sent it, so that an update carries every item whose context changed, not only those the
/// meeting reports as opened, retitled or with new minutes: new turns in an item, turns moved
/// to another item, another leader, a participant renamed or merged. A context costs a scan
/// of its item's turns, so only the items `changes` can have touched are looked at again: the
/// items of its utterances, items whose span of turns moved, and all of them when a
/// participant's name, the roles (`meta`) or the known agenda changed, or the meeting ended.
/// Owned by the live session next to the `sent_text` of its updates; on its strand.
class sent_contexts {
public:
    /// Adds to `changes.agenda` each item whose context differs from the one last noted, and
    /// notes the contexts now. Call with every change set that is published, before
    /// `change_set::normalise` and `make_update`.
    void add_changed(summariser::meeting const& m, summariser::change_set& changes);

private:
    struct item {
        std::size_t first = 0; ///< its first utterance
        std::size_t end = 0;   ///< the next item's first utterance; npos for the last item
        std::string context;
    };
    std::vector<item> items_;
    std::vector<std::string> names_; ///< per participant id, the name last looked at
    std::vector<bool> touched_;      ///< add_changed's items to look at again
};

/// JSON of one utterance, participant or agenda item, as in snapshots and updates.
boost::json::object utterance_json(summariser::utterance const& u);
/// `chairs`: meeting::chairs(), computed once for all the participants sent.
boost::json::object participant_json(summariser::meeting const& m, summariser::participant const& p,
                                     std::vector<summariser::participant_id> const& chairs);
/// `published`: an item of minutes_edits::publish.
boost::json::object agenda_item_json(summariser::meeting const& m,
                                     summariser::published_item const& published);

} // namespace minuted::daemon
