#pragma once

#include "protocol/agenda.hpp"

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

/// Caption sequence number: rises by one per text, erase or close message of a session.
using seq_number = std::uint64_t;

enum class ingest_kind {
    open,   ///< starts or resumes a session; minuted answers `welcome` with the last seq it holds
    text,   ///< appends CART text (`>>` markers and backspaces included)
    erase,  ///< removes the last `count` characters not yet final
    close,  ///< ends the session
    resume, ///< pull feeds: minuted, as the client, asks the feed for what follows `after`
    raw     ///< a frame that is not JSON: CART text with no seq
};

/// One message from a caption source (see protocol/PROTOCOL.md).
struct ingest_message {
    ingest_kind kind = ingest_kind::raw;
    std::optional<seq_number> seq; ///< text, erase, close; absent for raw text
    std::string text;              ///< text and raw
    /// text: the language of the text, a BCP 47 tag as the source names it ("en", "es-MX");
    /// empty if the source does not say. Kept per turn and shown with the text.
    std::string lang;
    /// text from a pull feed that counts in its own positions (StreamText's `lastPosition`):
    /// the position after this text, journaled with it so the feed resumes there after a
    /// restart. Not part of the wire protocol.
    std::optional<std::uint64_t> position;
    std::size_t count = 0;           ///< erase
    std::string title;               ///< open
    std::vector<agenda_item> agenda; ///< open: the known agenda (titles, presenters)
    /// open: the source's name for this meeting (a session id's characters). Another name than
    /// the ended meeting's starts a new meeting under a reused session id; none, or the same,
    /// resumes the meeting, ended or not.
    std::string instance;
    seq_number after = 0; ///< resume
};

enum class ingest_error {
    invalid_json = 1,
    unknown_type,
    missing_seq,
    bad_seq,
    missing_text,
    bad_count,
    bad_field,
    invalid_utf8,
    bad_lang,
};

boost::system::error_category const& ingest_category() noexcept;
boost::system::error_code make_error_code(ingest_error e) noexcept;

/// Parses one WebSocket text frame of the ingest protocol. A frame whose first character
/// after blanks and a UTF-8 byte-order mark is not '{' is raw CART text. A frame that starts
/// with '{' must be a valid message. Never throws; pure.
boost::system::result<ingest_message> parse_ingest_frame(std::string_view frame);

/// Longest title an `open` may give, and longest title or presenter of its agenda, in bytes.
inline constexpr std::size_t max_title_bytes = 256;
/// Most agenda titles an `open` may give.
inline constexpr std::size_t max_agenda_items = 500;

/// Cuts an `open` message's title and agenda titles and presenters to `max_title_bytes` (at a UTF-8
/// character's boundary) and its agenda to `max_agenda_items`. Returns what it cut, as one
/// line for the source and the log ("title of 900257 bytes cut to 255"), or "" if nothing.
std::string bound_open(ingest_message& m);

/// `m` as the frame a source sends it (minuted itself sends `resume`, as a feed's client): what
/// parse_ingest_frame reads back as `m`. A title and an agenda left empty are left out; raw
/// text is the frame as it is. Pure.
std::string encode(ingest_message const& m);

/// True for a usable language tag: 1-35 of [A-Za-z0-9-], starting with a letter (BCP 47's
/// characters; its grammar is not checked, as sources send tags like "en_US" rarely and
/// "en-us" often, and a tag is only shown, never interpreted).
bool is_valid_language_tag(std::string_view tag) noexcept;

/// True for a usable session id: 1-64 of [A-Za-z0-9._-], not starting with '.'.
bool is_valid_session_id(std::string_view id) noexcept;

} // namespace minuted::protocol

template <>
struct boost::system::is_error_code_enum<minuted::protocol::ingest_error> : std::true_type {};
