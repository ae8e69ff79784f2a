#pragma once

#include "daemon/live/live_config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/net/address_counts.hpp"
#include "daemon/net/connection_set.hpp"
#include "daemon/net/flex_stream.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <string>

namespace minuted::daemon {

class session_registry;

/// /ingest/{id}: a caption source pushing frames. Answers the upgrade `request`; each frame is
/// applied on the session's strand before the next is read, so a flooding source is paced by
/// the engine. Its ack waits for the journal's fsync while later frames are read and applied:
/// replies go out in the order of the frames, each once the journal holds what it
/// acknowledges. `connection`: the connection's place, held by its client.
void run_ingest_socket(flex_stream&& stream, std::string id, session_registry& sessions,
                       live_config::settings_ptr settings, metrics& counters,
                       std::shared_ptr<connection_set> connections,
                       address_counts::place connection,
                       boost::beast::http::request<boost::beast::http::string_body> request);

} // namespace minuted::daemon
