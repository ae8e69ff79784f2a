// Search over a large archive: builds an index of 500 archived meetings from the
// corpus (tests/data and ../shared/eval transcripts, each run through the engine once, then
// archived again and again under new ids and dates), and times typical searches on it as the
// daemon runs them: archive_index::search with the API's default limit of 50 hits.
//
// usage: minuted_archive_bench [--meetings N] [--runs N] [--index PATH]
//
// Prints Markdown; it measures and never fails on the numbers.

#include "tests/bench/archive_corpus.hpp"
#include "tests/support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace minuted;
using namespace minuted::daemon;
using steady = std::chrono::steady_clock;

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

    auto const texts = bench::archive_corpus();

    // Without --index, a fresh index of its own, removed at the end.
    std::optional<minuted::testing::temp_dir> dir;
    if (file.empty()) {
        dir.emplace("minuted-archive-bench");
        file = *dir / "index.sqlite";
    }
    auto const build_start = steady::now();
    auto const turns = bench::build_archive(file, texts, meetings);
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
    return 0;
}
