#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace minuted::daemon {

/// A finished session as the index keeps it.
struct archived_session {
    std::string archive; ///< folder name under state_dir/archive, the session's archive id
    std::string session; ///< the live session id it had
    std::string title;
    std::int64_t started_ms = 0; ///< milliseconds since the Unix epoch
    std::int64_t ended_ms = 0;
    std::int64_t words = 0;
    std::int64_t speakers = 0;
    std::int64_t items = 0;
    std::string end_reason;
};

/// One turn of a finished session, for the full-text index.
struct archived_utterance {
    std::int64_t n = 0;  ///< the utterance id within its session
    std::string speaker; ///< readable name; "" when unattributed
    std::int64_t at_ms = 0;
    std::string item; ///< title of the agenda item it belongs to
    std::string text;
};

/// What to look for. `text` uses SQLite FTS5 query syntax: words (all must occur), "a phrase",
/// prefix*, OR, NOT; matching ignores case and diacritics ("muller" finds "Müller").
struct archive_query {
    std::string text;
    std::string speaker;                 ///< part of the speaker's name, any case; "" for anyone
    std::optional<std::int64_t> from_ms; ///< turns at or after
    std::optional<std::int64_t> to_ms;   ///< turns before
    std::size_t limit = 50;
};

/// One match: the turn and a snippet around the matched words.
struct archive_hit {
    archived_session session;
    archived_utterance utterance;
    /// The snippet cut into runs of text, every odd-numbered one a match: {"before ", "match",
    /// " after"}. Callers mark the matches however their output needs, with no escaping to undo.
    std::vector<std::string> snippet;
};

/// "YYYY-MM-DD" as milliseconds since the Unix epoch at the start of that day (UTC), or of the
/// day after if `end_of_day`; nullopt if it is not a date.
std::optional<std::int64_t> parse_day(std::string_view text, bool end_of_day);

/// A query the index cannot run (FTS5 syntax error, such as an unbalanced quote).
class archive_query_error : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The archive's SQLite database (WAL), with FTS5 over every archived turn. It can always be
/// rebuilt from the archive folders. Thread-safe: one connection, used under a mutex.
class archive_index {
public:
    /// Opens or creates the database at `file`; throws std::runtime_error naming it.
    explicit archive_index(std::filesystem::path const& file);
    ~archive_index();
    archive_index(archive_index const&) = delete;
    archive_index& operator=(archive_index const&) = delete;

    /// Adds (or replaces) a session and its turns, in one transaction.
    void add(archived_session const& s, std::vector<archived_utterance> const& turns);

    /// Removes the session archived as `archive` and its turns, from the full-text index too,
    /// in one transaction; returns whether the index held it. Throws std::runtime_error if the
    /// database cannot be written (nothing is removed then).
    bool remove(std::string const& archive);

    /// Finished sessions, newest first.
    std::vector<archived_session> sessions(std::size_t limit = 1000) const;

    /// Turns matching `q`, best first. Throws archive_query_error for a malformed query.
    std::vector<archive_hit> search(archive_query const& q) const;

    /// Why the index cannot be used now, or "" if it can. A new read-only connection opens the
    /// file and reads its sessions: the daemon's own connection would go on answering from its
    /// open descriptor and its cache after the file was removed, replaced or overwritten. The
    /// answer is kept for a second, so that probes coming as often as they like cost at most
    /// one such read a second. A change is logged (a warning, then when it works again).
    std::string unavailable() const;

private:
    sqlite3* db_ = nullptr;
    mutable std::mutex mutex_;
    std::filesystem::path file_;
    mutable std::mutex probe_mutex_;
    mutable std::optional<std::chrono::steady_clock::time_point> probed_;
    mutable std::string unavailable_; // the last probe's answer
};

} // namespace minuted::daemon
