// Caption files for `minuted summarise` (Google Benchmark, in minuted_bench).
//
// - caption_file_read_3h_vtt: reading a three-hour meeting's WebVTT into timed caption events
//   (protocol::read_caption_file + caption_events), what `summarise` does before the meeting
//   state sees anything. The budget is 50 ms.
// - caption_file_summarise_3h_vtt: the same plus the whole meeting (speakers, agenda, minutes)
//   and its Markdown report: `minuted summarise meeting.vtt` without the file's I/O.
//
// The file is made in memory from the corpus meeting `long_meeting` (27,000 words, real
// speakers): Zoom-style cues of about nine words, `Name: text`, 3 s apart over three hours,
// with cue identifiers, some cue settings and escaped characters, as Zoom writes them.

#include "protocol/caption_file.hpp"
#include "protocol/cart_reader.hpp"
#include "summariser/meeting.hpp"
#include "summariser/report.hpp"
#include "tests/bench/corpus.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace sm = minuted::summariser;
namespace pr = minuted::protocol;

std::string vtt_time(long long ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", ms / 3'600'000, ms / 60'000 % 60,
                  ms / 1000 % 60, ms % 1000);
    return buf;
}

std::string escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out.push_back(c);
    }
    return out;
}

struct three_hour_vtt {
    std::string text;
    std::size_t cues = 0;
    std::size_t words = 0;
};

three_hour_vtt const& meeting_vtt() {
    static three_hour_vtt const vtt = [] {
        pr::cart_reader reader;
        std::vector<pr::caption_event> events;
        reader.put(minuted::bench::long_meeting(), events);
        reader.finish(events);
        // (speaker, words) in order, cut into cues of nine words.
        std::vector<std::pair<std::string, std::string>> cues;
        std::string speaker = "Unknown Speaker";
        std::size_t words_in_cue = 0, words = 0;
        for (auto const& e : events) {
            if (auto const* t = std::get_if<pr::turn_event>(&e)) {
                speaker = t->speaker.empty() ? "Unknown Speaker" : t->speaker;
                words_in_cue = 9;
                continue;
            }
            auto const* x = std::get_if<pr::text_event>(&e);
            if (!x)
                continue;
            std::string_view rest = x->text;
            while (!rest.empty()) {
                auto const end = std::min(rest.find(' '), rest.size());
                if (words_in_cue >= 9 || cues.empty()) {
                    cues.emplace_back(speaker, std::string());
                    words_in_cue = 0;
                }
                auto& cue_text = cues.back().second;
                cue_text += (cue_text.empty() ? "" : " ") + std::string(rest.substr(0, end));
                ++words_in_cue;
                ++words;
                rest.remove_prefix(std::min(end + 1, rest.size()));
            }
        }
        three_hour_vtt out;
        out.text = "WEBVTT\n\n";
        long long const step = std::chrono::milliseconds(minuted::bench::three_hours).count() /
                               static_cast<long long>(cues.size());
        for (std::size_t i = 0; i < cues.size(); ++i) {
            auto const start = static_cast<long long>(i) * step;
            out.text += std::to_string(i + 1) + "\n" + vtt_time(start) + " --> " +
                        vtt_time(start + step - 40) + (i % 7 == 0 ? " align:start" : "") + "\n" +
                        cues[i].first + ": " + escaped(cues[i].second) + "\n\n";
        }
        out.cues = cues.size();
        out.words = words;
        return out;
    }();
    return vtt;
}

void set_counters(benchmark::State& state) {
    auto const& vtt = meeting_vtt();
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(vtt.text.size()));
    state.counters["cues"] = static_cast<double>(vtt.cues);
    state.counters["words"] = static_cast<double>(vtt.words);
    state.counters["bytes"] = static_cast<double>(vtt.text.size());
}

void caption_file_read_3h_vtt(benchmark::State& state) {
    auto const& vtt = meeting_vtt();
    for (auto _ : state) {
        auto const file = pr::read_caption_file(vtt.text);
        auto const events = pr::caption_events(file);
        if (file.error)
            state.SkipWithError(file.error->why.c_str());
        benchmark::DoNotOptimize(events.data());
    }
    set_counters(state);
}

void caption_file_summarise_3h_vtt(benchmark::State& state) {
    auto const& vtt = meeting_vtt();
    for (auto _ : state) {
        auto const file = pr::read_caption_file(vtt.text);
        sm::meeting m;
        sm::change_set changes;
        for (auto const& e : pr::caption_events(file)) {
            m.apply(e.event, sm::time_point{} + e.at, changes);
            changes = {};
        }
        m.finish(sm::time_point{} + file.cues.back().end, changes);
        auto report = sm::render_markdown(m);
        benchmark::DoNotOptimize(report.data());
    }
    set_counters(state);
}

} // namespace

BENCHMARK(caption_file_read_3h_vtt)->Unit(benchmark::kMillisecond);
BENCHMARK(caption_file_summarise_3h_vtt)->Unit(benchmark::kMillisecond);
