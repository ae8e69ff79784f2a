// minuted_bench: throughput of the engine, single thread (Google Benchmark).
//
// - pipeline_dccg: the whole pipeline (CART reader + meeting state + minutes) on the 85 KB
//   DCCG transcript, fed in 4 KB chunks as a socket would deliver them, then finish().
// - cart_reader_dccg: only reading and splitting the same text into caption events, to show
//   what share of the pipeline's time is the reader.
// - pipeline_3h: the whole pipeline on a three-hour meeting (27,000 words, the corpus
//   transcripts concatenated), to show the cost per byte does not grow with the meeting.
// - render_*_dccg: rendering the finished DCCG report, for scale.

#include "protocol/cart_reader.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"
#include "summariser/text.hpp"
#include "tests/bench/corpus.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sm = minuted::summariser;

constexpr std::size_t chunk_bytes = 4096;

std::string const& dccg() {
    static std::string const text = minuted::bench::read_file(minuted::bench::dccg_transcript());
    return text;
}

std::string const& three_hours() {
    static std::string const text = minuted::bench::long_meeting();
    return text;
}

void run_pipeline(benchmark::State& state, std::string const& text) {
    for (auto _ : state) {
        sm::pipeline p;
        sm::change_set changes;
        for (std::size_t at = 0; at < text.size(); at += chunk_bytes) {
            p.put(std::string_view(text).substr(at, chunk_bytes), sm::time_point{}, changes);
            changes = {};
        }
        p.finish(sm::time_point{}, changes);
        benchmark::DoNotOptimize(p.state().agenda().data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
    auto const words = static_cast<double>(sm::word_count(text));
    state.counters["words"] = words;
    state.counters["words_per_s"] =
        benchmark::Counter(words, benchmark::Counter::kIsIterationInvariantRate);
}

void pipeline_dccg(benchmark::State& state) {
    run_pipeline(state, dccg());
}

void pipeline_3h(benchmark::State& state) {
    run_pipeline(state, three_hours());
}

void cart_reader_dccg(benchmark::State& state) {
    auto const& text = dccg();
    std::vector<minuted::protocol::caption_event> events;
    for (auto _ : state) {
        minuted::protocol::cart_reader reader;
        std::size_t count = 0;
        for (std::size_t at = 0; at < text.size(); at += chunk_bytes) {
            reader.put(std::string_view(text).substr(at, chunk_bytes), events);
            count += events.size();
            events.clear();
        }
        reader.finish(events);
        count += events.size();
        events.clear();
        benchmark::DoNotOptimize(count);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

sm::pipeline const& finished_dccg() {
    static sm::pipeline const p = [] {
        sm::pipeline q;
        sm::change_set changes;
        q.put(dccg(), sm::time_point{}, changes);
        q.finish(sm::time_point{}, changes);
        return q;
    }();
    return p;
}

void render_markdown_dccg(benchmark::State& state) {
    auto const& m = finished_dccg().state();
    for (auto _ : state) {
        auto md = sm::render_markdown(m);
        benchmark::DoNotOptimize(md.data());
    }
}

void render_json_dccg(benchmark::State& state) {
    auto const& m = finished_dccg().state();
    for (auto _ : state) {
        auto v = sm::render_json(m);
        benchmark::DoNotOptimize(&v);
    }
}

} // namespace

BENCHMARK(pipeline_dccg)->Unit(benchmark::kMillisecond);
BENCHMARK(cart_reader_dccg)->Unit(benchmark::kMillisecond);
BENCHMARK(pipeline_3h)->Unit(benchmark::kMillisecond);
BENCHMARK(render_markdown_dccg)->Unit(benchmark::kMicrosecond);
BENCHMARK(render_json_dccg)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
