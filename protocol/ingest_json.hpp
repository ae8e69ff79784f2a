#pragma once

// What reading the ingest protocol's messages (ingest.cpp) and replies (ingest_reply.cpp)
// share; not for other users.

#include "protocol/ingest.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace minuted::protocol::detail {

/// A message or reply as JSON: an object and its "type".
struct typed_object {
    boost::json::object fields;
    std::string type;
};

/// `text` as a typed object: invalid_utf8 or invalid_json if it is not JSON, unknown_type
/// unless it is an object with a string "type".
boost::system::result<typed_object> parse_typed(std::string_view text);

/// A field that must be a non-negative integer: none if absent; `bad` set if it is another
/// kind of value.
std::optional<seq_number> unsigned_field(boost::json::object const& o, std::string_view key,
                                         bool& bad);

} // namespace minuted::protocol::detail
