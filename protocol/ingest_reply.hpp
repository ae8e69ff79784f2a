#pragma once

#include "protocol/ingest.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace minuted::protocol {

/// The answer to an `open`: the last seq minuted holds for the meeting, from which the source
/// resumes. `ended`: the meeting has ended; what the source resends up to `last` is
/// acknowledged, anything new refused.
struct welcome {
    welcome() = default;
    explicit welcome(seq_number last_held, bool has_ended = false)
        : last(last_held), ended(has_ended) {}
    seq_number last = 0;
    bool ended = false;
    bool operator==(welcome const&) const = default;
};

/// Everything up to `seq` is on disk: the source may forget it.
struct ack {
    ack() = default;
    explicit ack(seq_number held) : seq(held) {}
    seq_number seq = 0;
    bool operator==(ack const&) const = default;
};

/// A gap: minuted holds everything before `expected` and nothing after it.
struct nack {
    nack() = default;
    explicit nack(seq_number next) : expected(next) {}
    seq_number expected = 0;
    bool operator==(nack const&) const = default;
};

/// A message minuted could not take, or took only in part, and why.
struct error_reply {
    error_reply() = default;
    explicit error_reply(std::string why) : message(std::move(why)) {}
    std::string message;
    bool operator==(error_reply const&) const = default;
};

// Each has a constructor, not only aggregate initialisation, so a reply can be built in place
// in a vector of replies (`emplace_back(std::in_place_type<ack>, seq)`) with clang 14 too.

/// One reply minuted sends a caption source (protocol/PROTOCOL.md).
using ingest_reply = std::variant<welcome, ack, nack, error_reply>;

/// The reply as the JSON text frame the source reads.
std::string encode(ingest_reply const& reply);

/// Reads a reply from minuted, as replay and other sources do. An unknown `type` or a field
/// of the wrong type is an error (ingest_error::unknown_type, bad_seq, bad_field). Never
/// throws; pure.
boost::system::result<ingest_reply> parse_ingest_reply(std::string_view text);

} // namespace minuted::protocol
