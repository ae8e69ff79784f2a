#include "daemon/archive/archive_index.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace minuted::daemon {

namespace {

// Private-use characters around matches in snippets: they cannot occur in caption text, which
// the CART reader keeps to printable characters.
constexpr std::string_view match_open = "\xee\x80\x80";  // U+E000
constexpr std::string_view match_close = "\xee\x80\x81"; // U+E001

// How long one search may run.
constexpr std::chrono::milliseconds search_budget{500};

constexpr char const* schema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS sessions (
    archive TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    title TEXT NOT NULL,
    started INTEGER NOT NULL,
    ended INTEGER NOT NULL,
    words INTEGER NOT NULL,
    speakers INTEGER NOT NULL,
    items INTEGER NOT NULL,
    end_reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS utterances (
    id INTEGER PRIMARY KEY,
    archive TEXT NOT NULL REFERENCES sessions (archive) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    at INTEGER NOT NULL,
    item TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS utterances_by_archive ON utterances (archive, n);
CREATE VIRTUAL TABLE IF NOT EXISTS utterances_fts USING fts5 (
    text, speaker, content = 'utterances', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS utterances_deleted AFTER DELETE ON utterances BEGIN
    INSERT INTO utterances_fts (utterances_fts, rowid, text, speaker)
        VALUES ('delete', old.id, old.text, old.speaker);
END;
)sql";

// A prepared statement, finalised on scope exit.
class statement {
public:
    statement(sqlite3* db, char const* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("archive index: ") + sqlite3_errmsg(db));
    }
    ~statement() { sqlite3_finalize(stmt_); }
    statement(statement const&) = delete;
    statement& operator=(statement const&) = delete;

    statement& bind(int i, std::string_view text) {
        sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    statement& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    /// Ready to run again with new values.
    statement& reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        return *this;
    }
    /// True while there is a row; throws on an error.
    bool step() {
        auto const rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw std::runtime_error(sqlite3_errmsg(db_));
    }
    void run() {
        while (step()) {
        }
    }
    std::string text(int i) const {
        auto const* p = reinterpret_cast<char const*>(sqlite3_column_text(stmt_, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
                 : std::string();
    }
    std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, char const* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("archive index: " + message);
    }
}

constexpr char const* session_columns =
    "s.archive, s.session, s.title, s.started, s.ended, s.words, s.speakers, s.items, "
    "s.end_reason";

archived_session read_session(statement const& st) {
    return {st.text(0),    st.text(1),    st.text(2),    st.integer(3), st.integer(4),
            st.integer(5), st.integer(6), st.integer(7), st.text(8)};
}

std::vector<std::string> split_snippet(std::string_view s) {
    std::vector<std::string> runs(1);
    for (std::size_t i = 0; i < s.size();) {
        auto const marker = runs.size() % 2 == 1 ? match_open : match_close;
        if (s.substr(i).starts_with(marker)) {
            runs.emplace_back();
            i += marker.size();
        } else if (s[i] == '\n' || s[i] == '\r') {
            // Paragraph breaks within a turn: one line per hit reads better.
            if (!runs.back().empty() && runs.back().back() != ' ')
                runs.back() += ' ';
            ++i;
        } else {
            runs.back() += s[i++];
        }
    }
    return runs;
}

// The query as FTS5 runs it. A speaker filter becomes a filter on the speaker column, each
// of its words a quoted prefix ("kum" finds Markus Kummer), so the index does the filtering
// and the filter text can never be read as query syntax.
std::string match_expression(archive_query const& q) {
    // The query is put in parentheses below: it must not close them itself.
    int depth = 0;
    bool quoted = false;
    for (char c : q.text) {
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '(' || c == ')') && (depth += c == '(' ? 1 : -1) < 0)
            break;
    }
    if (depth != 0)
        throw archive_query_error("unbalanced parentheses");
    std::string speaker;
    for (std::size_t i = 0; i < q.speaker.size();) {
        auto const start = q.speaker.find_first_not_of(" \t", i);
        if (start == std::string::npos)
            break;
        auto const end = std::min(q.speaker.find_first_of(" \t", start), q.speaker.size());
        std::string word;
        bool letters = false; // "&" in "Smith & Jones" is no word of a name
        for (char c : q.speaker.substr(start, end - start)) {
            word += c == '"' ? std::string("\"\"") : std::string(1, c);
            letters |= std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80) != 0;
        }
        if (letters)
            speaker += (speaker.empty() ? "" : " AND ") + ("\"" + word + "\"*");
        i = end;
    }
    if (speaker.empty())
        return q.text;
    return "(" + q.text + ") AND speaker : (" + speaker + ")";
}

} // namespace

std::optional<std::int64_t> parse_day(std::string_view text, bool end_of_day) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    if (text.size() != 10 ||
        std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
        return std::nullopt;
    std::chrono::year_month_day const date{std::chrono::year(y), std::chrono::month(m),
                                           std::chrono::day(d)};
    if (!date.ok())
        return std::nullopt;
    auto const day = std::chrono::sys_days(date) + std::chrono::days(end_of_day ? 1 : 0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count();
}

archive_index::archive_index(std::filesystem::path const& file) : file_(file) {
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error(file.string() + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000); // a CLI reading while the daemon writes
    try {
        exec(db_, schema);
    } catch (std::exception const& e) {
        sqlite3_close(db_);
        throw std::runtime_error(file.string() + ": " + e.what());
    }
}

archive_index::~archive_index() {
    sqlite3_close(db_);
}

void archive_index::add(archived_session const& s, std::vector<archived_utterance> const& turns) {
    std::lock_guard lock(mutex_);
    exec(db_, "BEGIN IMMEDIATE");
    try {
        statement(db_, "DELETE FROM utterances WHERE archive = ?1").bind(1, s.archive).run();
        statement(db_,
                  "INSERT OR REPLACE INTO sessions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .bind(1, s.archive)
            .bind(2, s.session)
            .bind(3, s.title)
            .bind(4, s.started_ms)
            .bind(5, s.ended_ms)
            .bind(6, s.words)
            .bind(7, s.speakers)
            .bind(8, s.items)
            .bind(9, s.end_reason)
            .run();
        statement row(db_, "INSERT INTO utterances (archive, n, speaker, at, item, text) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        statement fts(db_, "INSERT INTO utterances_fts (rowid, text, speaker) VALUES (?1, ?2, ?3)");
        for (auto const& u : turns) {
            row.reset()
                .bind(1, s.archive)
                .bind(2, u.n)
                .bind(3, u.speaker)
                .bind(4, u.at_ms)
                .bind(5, u.item)
                .bind(6, u.text)
                .run();
            fts.reset()
                .bind(1, sqlite3_last_insert_rowid(db_))
                .bind(2, u.text)
                .bind(3, u.speaker)
                .run();
        }
        exec(db_, "COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

bool archive_index::remove(std::string const& archive) {
    std::lock_guard lock(mutex_);
    exec(db_, "BEGIN IMMEDIATE");
    try {
        // The turns first and explicitly: their delete trigger is what takes them out of the
        // full-text index, whether or not foreign keys would cascade.
        statement(db_, "DELETE FROM utterances WHERE archive = ?1").bind(1, archive).run();
        statement(db_, "DELETE FROM sessions WHERE archive = ?1").bind(1, archive).run();
        bool const held = sqlite3_changes(db_) > 0;
        exec(db_, "COMMIT");
        return held;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<archived_session> archive_index::sessions(std::size_t limit) const {
    std::lock_guard lock(mutex_);
    statement st(db_, (std::string("SELECT ") + session_columns +
                       " FROM sessions s ORDER BY s.started DESC, s.archive LIMIT ?1")
                          .c_str());
    st.bind(1, static_cast<std::int64_t>(limit));
    std::vector<archived_session> out;
    while (st.step())
        out.push_back(read_session(st));
    return out;
}

std::vector<archive_hit> archive_index::search(archive_query const& q) const {
    std::lock_guard lock(mutex_);
    auto const sql = std::string("SELECT ") + session_columns +
                     ", u.n, u.speaker, u.at, u.item, u.text, "
                     "snippet(utterances_fts, 0, char(57344), char(57345), '…', 24) "
                     "FROM utterances_fts JOIN utterances u ON u.id = utterances_fts.rowid "
                     "JOIN sessions s ON s.archive = u.archive "
                     "WHERE utterances_fts MATCH ?1 "
                     "AND u.at >= ?2 AND u.at < ?3 ORDER BY rank LIMIT ?4";
    statement st(db_, sql.c_str());
    st.bind(1, match_expression(q))
        .bind(2, q.from_ms.value_or(INT64_MIN))
        .bind(3, q.to_ms.value_or(INT64_MAX))
        .bind(4, static_cast<std::int64_t>(q.limit));
    // A query that matches nearly everything ("a* OR e*") is stopped rather than left to hold
    // the index, and the io thread running it, for seconds.
    auto const deadline = std::chrono::steady_clock::now() + search_budget;
    sqlite3_progress_handler(
        db_, 1000,
        [](void* until) {
            return std::chrono::steady_clock::now() >
                           *static_cast<std::chrono::steady_clock::time_point const*>(until)
                       ? 1
                       : 0;
        },
        const_cast<std::chrono::steady_clock::time_point*>(&deadline));
    struct clear_handler {
        sqlite3* db;
        ~clear_handler() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
    } const clear{db_};
    std::vector<archive_hit> out;
    try {
        while (st.step()) {
            archive_hit h;
            h.session = read_session(st);
            h.utterance = {st.integer(9), st.text(10), st.integer(11), st.text(12), st.text(13)};
            h.snippet = split_snippet(st.text(14));
            out.push_back(std::move(h));
        }
    } catch (std::runtime_error const& e) {
        if (sqlite3_errcode(db_) == SQLITE_INTERRUPT)
            throw archive_query_error("the search took too long; narrow it (longer prefixes, "
                                      "fewer alternatives, a speaker or dates)");
        throw archive_query_error(e.what());
    }
    return out;
}

namespace {

std::string probe(std::filesystem::path const& file) {
    sqlite3* db = nullptr;
    std::string why;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        why = db ? sqlite3_errmsg(db) : "out of memory";
    } else {
        // A writer never blocks a reader of a WAL database for long; an answer that does not
        // come within this is as good as none for a readiness probe.
        sqlite3_busy_timeout(db, 200);
        if (sqlite3_exec(db, "SELECT count(*) FROM sessions", nullptr, nullptr, nullptr) !=
            SQLITE_OK)
            why = sqlite3_errmsg(db);
    }
    sqlite3_close(db);
    return why.empty() ? why : file.string() + ": " + why;
}

} // namespace

std::string archive_index::unavailable() const {
    std::lock_guard lock(probe_mutex_);
    auto const now = std::chrono::steady_clock::now();
    if (probed_ && now - *probed_ < std::chrono::seconds(1))
        return unavailable_;
    auto why = probe(file_);
    if (!why.empty() && unavailable_.empty())
        spdlog::warn("archive index unavailable: {}", why);
    else if (why.empty() && !unavailable_.empty())
        spdlog::info("archive index available again after: {}", unavailable_);
    unavailable_ = std::move(why);
    probed_ = now;
    return unavailable_;
}

} // namespace minuted::daemon
