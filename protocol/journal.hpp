#pragma once

#include "protocol/agenda.hpp"
#include "protocol/cart_reader.hpp"
#include "protocol/ingest.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::protocol {

/// What a journal record says happened to a session.
enum class journal_kind {
    session, ///< the first record: `id`, `epoch` (the instance), `at` = start, `source`
    epoch,   ///< the daemon restarted and took the session over: `epoch` is the new one
    open,    ///< a source's open: `title`, `agenda`
    text,    ///< caption text with `seq` (0 for raw text with no seq)
    erase,   ///< `count` characters erased, with `seq`
    end,     ///< the meeting ended: `text` is the reason, `seq` the close message's (or 0)
    agenda,  ///< a known agenda given for the meeting: `agenda` and `presenters`
    roster,  ///< the meeting's roster: `text` holds it as protocol::roster_json writes it
    edit     ///< a person's edit of the minutes: `text` holds it as JSON (summariser/minutes_edits)
};

/// One event of a session's journal. Applying a session's records in order to a fresh session
/// rebuilds the same state, the same revisions and the same minutes.
struct journal_record {
    journal_kind kind = journal_kind::text;
    std::int64_t at_ms = 0; ///< wall clock when it arrived, ms since the Unix epoch
    seq_number seq = 0;
    std::string text;      ///< text: caption bytes; end: reason; session: session id; roster: JSON
    std::size_t count = 0; ///< erase
    std::string title;     ///< open
    std::vector<std::string> agenda; ///< open, agenda: the titles
    /// open, agenda: each item's presenters as the agenda names them ("" if it does not);
    /// empty when no item names one.
    std::vector<std::string> presenters;
    std::string epoch;    ///< session, epoch
    std::string instance; ///< open: the source's name for the meeting
    /// session: how the session's text is read. Journals written before live sessions read
    /// their text as live captions have no such field: file, so they rebuild as they were.
    text_source source = text_source::file;
    std::string lang; ///< text: the text's language as its source named it
    /// text: where a pull feed that counts in its own positions stands after this text.
    std::optional<std::uint64_t> position;
    /// text, erase, end: the first seq of a source that counts from 0. Its seqs are held one
    /// higher, so that 0 still means "nothing held"; what it is told is in its own numbers.
    bool counts_from_zero = false;

    bool operator==(journal_record const&) const = default;
};

/// The known agenda an open or agenda record gives.
std::vector<agenda_item> agenda_of(journal_record const& r);
/// Puts a known agenda in an open or agenda record: its titles, and presenters if any has one.
void put_agenda(journal_record& r, std::vector<agenda_item> agenda);

/// Largest record a journal holds; a length above it is damage, not a record.
inline constexpr std::size_t max_journal_record = 64u << 20;

/// The bytes of one record as appended to a journal file: a little-endian 32-bit payload
/// length, the CRC-32 of the payload, and the payload (one JSON object). Pure.
std::string encode_journal_record(journal_record const& r);

/// What `read_journal` found.
struct journal_contents {
    std::vector<journal_record> records;
    std::size_t valid_bytes = 0; ///< the length of the prefix that holds whole, intact records
    /// Empty when every byte was used; otherwise why the rest was not.
    std::string damage;
    /// The damage is the last record, cut short or garbled up to the end: what a crash in the
    /// middle of an append leaves. False for damage with whole records after it.
    bool torn_tail = false;
};

/// Reads records from the start of `bytes` up to the first one that is cut short, fails its
/// checksum or does not parse: a crash mid-append leaves such a torn tail, which is reported in
/// `damage` and not read past. Never throws; pure.
journal_contents read_journal(std::string_view bytes);

} // namespace minuted::protocol
