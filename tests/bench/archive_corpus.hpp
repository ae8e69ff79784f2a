#pragma once

// An archive index of many meetings made from the corpus, for the benchmarks that search one:
// the transcripts of tests/data and ../shared/eval, each run through the engine once, then
// added again and again under new ids and dates with the daemon's own archive_index::add.

#include "daemon/archive/archive_index.hpp"
#include "summariser/pipeline.hpp"
#include "tests/bench/corpus.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace minuted::bench {

/// What one transcript gives the archive.
struct archived_text {
    std::string title;
    std::vector<daemon::archived_utterance> turns;
    std::int64_t words = 0;
    std::int64_t speakers = 0;
    std::int64_t items = 0;
};

/// `file` run through the engine, as the archive holds it.
inline archived_text archive_text_of(std::filesystem::path const& file) {
    summariser::pipeline p;
    summariser::change_set changes;
    summariser::time_point const t0{};
    p.put(read_file(file), t0, changes);
    p.finish(t0, changes);
    auto const& m = p.state();
    archived_text out{m.title().empty() ? file.filename().string() : m.title(), {}, 0, 0, 0};
    for (auto const& u : m.utterances())
        out.turns.push_back(
            {static_cast<std::int64_t>(u.id),
             u.speaker ? m.participants().at(*u.speaker).name : std::string(), 0,
             u.agenda_item < m.agenda().size() ? m.agenda()[u.agenda_item].title : std::string(),
             u.text});
    out.words = static_cast<std::int64_t>(m.total_words());
    for (auto const& person : m.participants().all())
        out.speakers += person.turns > 0 ? 1 : 0;
    out.items = static_cast<std::int64_t>(m.agenda().size());
    return out;
}

/// Every transcript of the corpus, run through the engine, in name order.
inline std::vector<archived_text> archive_corpus() {
    std::vector<std::filesystem::path> sources;
    for (auto const& dir :
         {test_data_dir(),
          test_data_dir().parent_path().parent_path().parent_path() / "shared" / "eval" / "tc39"})
        if (std::filesystem::is_directory(dir))
            for (auto const& e : std::filesystem::directory_iterator(dir))
                if (e.path().filename().string().ends_with(".raw.txt"))
                    sources.push_back(e.path());
    std::sort(sources.begin(), sources.end());
    std::vector<archived_text> texts;
    for (auto const& s : sources)
        texts.push_back(archive_text_of(s));
    return texts;
}

/// Adds `meetings` meetings made from `texts` in turn to the index at `file`, one a day,
/// 09:00 to 12:00, back from 2026-11-23, ids "meeting-0000" on. The turns added.
inline std::size_t build_archive(std::filesystem::path const& file,
                                 std::vector<archived_text> const& texts, std::size_t meetings) {
    std::size_t turns = 0;
    daemon::archive_index index(file);
    auto const last_day = *daemon::parse_day("2026-11-23", false);
    for (std::size_t i = 0; i < meetings && !texts.empty(); ++i) {
        auto const& t = texts[i % texts.size()];
        auto const start = last_day - static_cast<std::int64_t>(i) * 86'400'000 + 9 * 3'600'000;
        auto turns_of = t.turns;
        for (std::size_t k = 0; k < turns_of.size(); ++k)
            turns_of[k].at_ms = start + static_cast<std::int64_t>(k) * 10'000;
        char id[64];
        std::snprintf(id, sizeof id, "meeting-%04zu", i);
        index.add({id, "meeting", t.title, start, start + 3 * 3'600'000, t.words, t.speakers,
                   t.items, "closed by the caption source"},
                  turns_of);
        turns += turns_of.size();
    }
    return turns;
}

} // namespace minuted::bench
