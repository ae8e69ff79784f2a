// Search over a large archive (issue 5): builds an index of 500 archived meetings from the
// corpus (tests/data and ../shared/eval transcripts, each run through the engine once, then
// archived again and again under new ids and dates), and times typical searches on it as the
// daemon runs them: archive_index::search with the API's default limit of 50 hits.
//
// usage: minuted_archive_bench [--meetings N] [--runs N] [--index PATH]
//
// Prints Markdown; it measures and never fails on the numbers.

#include "daemon/archive_index.hpp"
#include "summariser/pipeline.hpp"
#include "tests/bench/corpus.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace minuted;
using steady = std::chrono::steady_clock;

struct meeting_text {
    std::string title;
    std::vector<archived_utterance> turns;
    std::int64_t words = 0;
    std::int64_t speakers = 0;
    std::int64_t items = 0;
};

meeting_text run(std::filesystem::path const& file) {
    summariser::pipeline p;
    summariser::change_set changes;
    summariser::time_point const t0{};
    p.put(bench::read_file(file), t0, changes);
    p.finish(t0, changes);
    auto const& m = p.state();
    meeting_text out{m.title().empty() ? file.filename().string() : m.title(), {}, 0, 0, 0};
    for (auto const& u : m.utterances())
        out.turns.push_back(
            {static_cast<std::int64_t>(u.id),
             u.speaker ? m.participants().at(*u.speaker).name : std::string(), 0,
             u.agenda_item < m.agenda().size() ? m.agenda()[u.agenda_item].title : std::string(),
             u.text});
    out.words = static_cast<std::int64_t>(m.total_words());
    for (auto const& p2 : m.participants().all())
        out.speakers += p2.turns > 0 ? 1 : 0;
    out.items = static_cast<std::int64_t>(m.agenda().size());
    return out;
}

double ms_since(steady::time_point t) {
    return std::chrono::duration<double, std::milli>(steady::now() - t).count();
}

} // namespace

int main(int argc, char** argv) {
    std::size_t meetings = 500;
    int runs = 30;
    std::filesystem::path file;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const a = argv[i];
        if (a == "--meetings")
            meetings = std::strtoul(argv[i + 1], nullptr, 10);
        else if (a == "--runs")
            runs = std::atoi(argv[i + 1]);
        else if (a == "--index")
            file = argv[i + 1];
    }
    if (meetings == 0 || runs <= 0) {
        std::fprintf(stderr,
                     "usage: minuted_archive_bench [--meetings N] [--runs N] [--index PATH]\n");
        return 64;
    }

    std::vector<std::filesystem::path> sources;
    for (auto const& dir :
         {bench::test_data_dir(), bench::test_data_dir().parent_path().parent_path().parent_path() /
                                      "shared" / "eval" / "tc39"})
        if (std::filesystem::is_directory(dir))
            for (auto const& e : std::filesystem::directory_iterator(dir))
                if (e.path().filename().string().ends_with(".raw.txt"))
                    sources.push_back(e.path());
    std::sort(sources.begin(), sources.end());
    std::vector<meeting_text> texts;
    for (auto const& s : sources)
        texts.push_back(run(s));

    auto const dir = std::filesystem::temp_directory_path() / "minuted-archive-bench";
    if (file.empty()) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        file = dir / "index.sqlite";
    }
    std::size_t turns = 0;
    auto const build_start = steady::now();
    {
        archive_index index(file);
        // One meeting a day, 09:00 to 12:00, back from 2026-11-23.
        auto const last_day = *parse_day("2026-11-23", false);
        for (std::size_t i = 0; i < meetings; ++i) {
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
    }
    auto const build_s = ms_since(build_start) / 1000;

    struct probe {
        char const* what;
        archive_query q;
    };
    auto query = [](char const* text, char const* speaker = "", char const* from = nullptr) {
        archive_query q;
        q.text = text;
        q.speaker = speaker;
        if (from)
            q.from_ms = parse_day(from, false);
        return q;
    };
    std::vector<probe> probes = {
        {"a common word", query("agenda")},
        {"a rare word", query("Riyadh")},
        {"two words", query("working group")},
        {"a phrase", query("\"next agenda item\"")},
        {"a prefix", query("neutral*")},
        {"a name without accents", query("crepin")},
        {"OR", query("decorator OR iterator")},
        {"a word, one speaker", query("proposal", "kummer")},
        {"a word, the last 30 days", query("agenda", "", "2026-10-24")},
    };

    archive_index index(file);
    std::vector<double> all;
    std::printf("### Archive search: %zu meetings, %zu turns, %zu transcripts (index %.1f MiB, "
                "built in %.1f s)\n\n",
                meetings, turns, texts.size(),
                static_cast<double>(std::filesystem::file_size(file)) / 1048576.0, build_s);
    std::printf("| query | hits | p50 ms | p95 ms | max ms |\n|---|--:|--:|--:|--:|\n");
    for (auto const& p : probes) {
        std::vector<double> times;
        std::size_t hits = 0;
        for (int r = 0; r < runs; ++r) {
            auto const t = steady::now();
            hits = index.search(p.q).size();
            times.push_back(ms_since(t));
        }
        all.insert(all.end(), times.begin(), times.end());
        std::sort(times.begin(), times.end());
        std::printf("| %s: `%s`%s | %zu | %.2f | %.2f | %.2f |\n", p.what, p.q.text.c_str(),
                    p.q.speaker.empty() ? "" : (", speaker " + p.q.speaker).c_str(), hits,
                    times[times.size() / 2], times[times.size() * 95 / 100], times.back());
    }
    std::sort(all.begin(), all.end());
    std::printf("\nAll %zu searches: p50 %.2f ms, p95 %.2f ms, max %.2f ms (target: p95 under 20 "
                "ms)\n",
                all.size(), all[all.size() / 2], all[all.size() * 95 / 100], all.back());
    if (dir / "index.sqlite" == file)
        std::filesystem::remove_all(dir);
    return 0;
}
