#pragma once

// What reading the ingest protocol's messages (ingest.cpp) and replies (ingest_reply.cpp)
// share; not for other users.

#include "protocol/ingest.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string_view>

namespace minuted::protocol::detail {

/// `text` as JSON: invalid_utf8 or invalid_json if it is not.
boost::system::result<boost::json::value> parse_json(std::string_view text);

/// The message's type: unknown_type unless `value` is an object with a string "type".
boost::system::result<std::string_view> type_of(boost::json::value const& value);

/// A field that must be a non-negative integer: none if absent; `bad` set if it is another
/// kind of value.
std::optional<seq_number> unsigned_field(boost::json::object const& o, std::string_view key,
                                         bool& bad);

} // namespace minuted::protocol::detail
