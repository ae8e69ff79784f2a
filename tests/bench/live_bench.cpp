// minuted_live_bench: per-update latency and memory of one live three-hour meeting.
//
// Replays the three-hour meeting of `minuted::bench::long_meeting` (27,000 words) into one
// pipeline in small chunks, as a live caption feed arrives, timing every put(). Prints the
// latency distribution for the whole meeting and for its first and last hour (the cost of an
// update must not grow with the meeting), and the heap the finished meeting holds.
//
// With --transcript, that file is the meeting instead; with --agenda, its known agenda (any
// form `minuted summarise --agenda` reads), and at the end the time to align the whole meeting
// again to that agenda, as when an agenda is changed late in a meeting.
//
// Then, untimed, the same replay once more to count bullet churn: the key points, decisions
// and next steps a viewer was shown and that were later taken back while their item went on.
//
// usage: minuted_live_bench [--chunk BYTES] [--words N] [--transcript FILE] [--agenda FILE]

#include "protocol/agenda.hpp"
#include "summariser/pipeline.hpp"
#include "tests/bench/corpus.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <malloc.h>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <variant>
#include <vector>

namespace {

namespace sm = minuted::summariser;
using clock_type = std::chrono::steady_clock;

// Targets: an update must cost the engine far less than a caption line takes to arrive.
constexpr double target_p99_us = 200;
// A changed agenda is aligned again, over the whole meeting, in this time.
constexpr double target_realign_ms = 50;
constexpr double target_heap_mb = 20;

struct sample {
    double micros = 0;
    std::size_t offset = 0; // where the chunk starts in the meeting
};

// Nearest-rank percentile of sorted values.
double percentile(std::vector<double> const& sorted, double p) {
    if (sorted.empty())
        return 0;
    auto const rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void print_latencies(char const* what, std::vector<sample> const& samples, std::size_t from,
                     std::size_t to) {
    std::vector<double> v;
    for (auto const& s : samples)
        if (s.offset >= from && s.offset < to)
            v.push_back(s.micros);
    std::sort(v.begin(), v.end());
    std::printf("%-12s %8zu %10.2f %10.2f %10.2f %10.2f\n", what, v.size(), percentile(v, 0.50),
                percentile(v, 0.99), percentile(v, 0.999), v.empty() ? 0.0 : v.back());
}

// Heap in use: small blocks from the arenas plus large blocks glibc maps on their own
// (a growing vector of utterances soon exceeds the mmap threshold).
std::size_t heap_in_use() {
    auto const info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

bool parse_size(std::string_view s, std::size_t& out) {
    auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && out > 0;
}

// Bullets of one agenda item as a viewer sees them, and those it saw taken back.
struct item_bullets {
    std::set<std::string> shown;
    std::size_t withdrawn = 0;
    std::size_t ever = 0;
};

void follow_bullets(sm::meeting const& m, sm::change_set const& changes,
                    std::vector<item_bullets>& items) {
    std::set<std::size_t> const changed(changes.agenda.begin(), changes.agenda.end());
    for (auto const index : changed) {
        if (index >= m.agenda().size())
            continue;
        if (items.size() <= index)
            items.resize(index + 1);
        auto const& a = m.agenda()[index];
        std::set<std::string> now;
        for (auto const& k : a.key_points)
            now.insert("k " + k.text);
        for (auto const& d : a.decisions)
            now.insert("d " + d.text);
        for (auto const& n : a.next_steps)
            now.insert("n " + n.text);
        auto& seen = items[index];
        for (auto const& b : seen.shown)
            seen.withdrawn += now.count(b) ? 0u : 1u;
        for (auto const& b : now)
            seen.ever += seen.shown.count(b) ? 0u : 1u;
        seen.shown = std::move(now);
    }
}

// Replays `text` again, untimed, and prints how many bullets each item showed and took back.
void print_churn(std::string_view text, std::vector<minuted::protocol::agenda_item> const& agenda,
                 std::size_t chunk, std::chrono::milliseconds duration) {
    sm::pipeline p(agenda);
    std::vector<item_bullets> items;
    for (std::size_t at = 0; at < text.size(); at += chunk) {
        sm::change_set changes;
        sm::time_point const t{std::chrono::duration_cast<std::chrono::milliseconds>(
            duration * (static_cast<double>(at) / static_cast<double>(text.size())))};
        p.put(text.substr(at, chunk), t, changes);
        follow_bullets(p.state(), changes, items);
    }
    sm::change_set changes;
    p.finish(sm::time_point{duration}, changes);
    follow_bullets(p.state(), changes, items);

    std::size_t withdrawn = 0, final_bullets = 0, worst = 0, ever = 0;
    for (auto const& i : items) {
        withdrawn += i.withdrawn;
        final_bullets += i.shown.size();
        ever += i.ever;
        worst = std::max(worst, i.withdrawn);
    }
    auto const n = std::max<std::size_t>(items.size(), 1);
    std::printf("bullet churn over %zu items: %zu bullets at the end, %zu ever shown, %zu "
                "taken back (%.2f per item, at most %zu in one item)\n\n",
                items.size(), final_bullets, ever, withdrawn,
                static_cast<double>(withdrawn) / static_cast<double>(n), worst);
}

} // namespace

int main(int argc, char** argv) {
    std::size_t chunk = 40;
    std::size_t words = minuted::bench::three_hour_words;
    std::string transcript, agenda_file;
    for (int i = 1; i < argc; ++i) {
        std::string_view const a = argv[i];
        if ((a == "--chunk" || a == "--words") && i + 1 < argc &&
            parse_size(argv[i + 1], a == "--chunk" ? chunk : words)) {
            ++i;
        } else if ((a == "--transcript" || a == "--agenda") && i + 1 < argc) {
            (a == "--transcript" ? transcript : agenda_file) = argv[++i];
        } else {
            std::fprintf(stderr, "usage: minuted_live_bench [--chunk BYTES] [--words N] "
                                 "[--transcript FILE] [--agenda FILE]\n");
            return 64;
        }
    }

    std::string text;
    std::vector<minuted::protocol::agenda_item> agenda;
    try {
        text = transcript.empty() ? minuted::bench::long_meeting(words)
                                  : minuted::bench::read_file(transcript);
        if (!agenda_file.empty()) {
            auto parsed = minuted::protocol::parse_agenda(minuted::bench::read_file(agenda_file));
            if (auto const* no = std::get_if<minuted::protocol::agenda_refusal>(&parsed))
                throw std::runtime_error(agenda_file + ": not an agenda: " + no->why);
            agenda = std::get<std::vector<minuted::protocol::agenda_item>>(std::move(parsed));
        }
        if (!transcript.empty())
            words = minuted::summariser::word_count(text);
    } catch (std::exception const& e) {
        std::fprintf(stderr, "minuted_live_bench: %s\n", e.what());
        return 2;
    }
    auto const total = text.size();
    // At 150 words a minute the meeting lasts words / 150 minutes (27,000 words: 3 hours); a
    // chunk arrives at its share of that.
    auto const duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        minuted::bench::three_hours * static_cast<double>(words) /
        static_cast<double>(minuted::bench::three_hour_words));

    std::vector<sample> samples;
    samples.reserve(total / chunk + 1);
    auto const heap_before = heap_in_use();

    sm::pipeline p(agenda);
    sm::change_set changes;
    for (std::size_t at = 0; at < total; at += chunk) {
        sm::time_point const t{std::chrono::duration_cast<std::chrono::milliseconds>(
            duration * (static_cast<double>(at) / static_cast<double>(total)))};
        auto const bytes = std::string_view(text).substr(at, chunk);
        auto const start = clock_type::now();
        p.put(bytes, t, changes);
        auto const stop = clock_type::now();
        samples.push_back({std::chrono::duration<double, std::micro>(stop - start).count(), at});
        // A live session sends the change set and reuses it.
        changes.utterances.clear();
        changes.participants.clear();
        changes.agenda.clear();
        changes.meta = changes.pending = changes.ended = false;
    }
    auto const finish_start = clock_type::now();
    p.finish(sm::time_point{duration}, changes);
    auto const finish_us =
        std::chrono::duration<double, std::micro>(clock_type::now() - finish_start).count();

    auto const heap_after = heap_in_use();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);

    auto const& m = p.state();
    std::printf("minuted_live_bench: %zu bytes, %zu words (%.1f h at 150 words/min), "
                "%zu-byte chunks\n",
                total, minuted::summariser::word_count(text),
                static_cast<double>(duration.count()) / 3.6e6, chunk);
    std::printf("meeting: %zu utterances, %zu participants, %zu agenda items\n\n",
                m.utterances().size(), m.participants().all().size(), m.agenda().size());

    std::printf("per-update latency of put(), microseconds\n");
    std::printf("%-12s %8s %10s %10s %10s %10s\n", "span", "updates", "p50", "p99", "p99.9", "max");
    print_latencies("whole", samples, 0, total);
    // Text arrives at an even pace, so an hour is its share of the bytes.
    double const hour_share = std::chrono::duration<double>(std::chrono::hours(1)) / duration;
    auto const hour =
        std::min(total, static_cast<std::size_t>(static_cast<double>(total) * hour_share));
    print_latencies("first hour", samples, 0, hour);
    print_latencies("last hour", samples, total - hour, total);
    std::printf("finish(): %.2f us\n\n", finish_us);
    if (!agenda.empty()) {
        // The whole meeting aligned again, as after a late change of its agenda.
        sm::change_set moved;
        auto const start = clock_type::now();
        p.set_known_agenda(agenda, moved);
        auto const ms =
            std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        std::printf("re-alignment to the %zu-item agenda after the meeting: %.2f ms "
                    "(target < %.0f ms)\n\n",
                    agenda.size(), ms, target_realign_ms);
    }

    auto const heap_bytes = heap_after > heap_before ? heap_after - heap_before : 0;
    auto const heap_mb = static_cast<double>(heap_bytes) / (1024.0 * 1024.0);
    std::printf("heap in use by the finished meeting: %zu bytes (%.2f MiB; mallinfo2 "
                "uordblks+hblkhd after minus before)\n",
                heap_bytes, heap_mb);
    if (heap_bytes == 0)
        std::printf("(mallinfo2 saw no change: the allocator is not glibc's, e.g. under a "
                    "sanitizer; use the peak RSS)\n");
    std::printf("peak RSS of the process: %ld KiB (getrusage ru_maxrss; includes the %zu-byte "
                "input and the program)\n\n",
                usage.ru_maxrss, total);

    print_churn(text, agenda, chunk, duration);

    std::vector<double> all;
    for (auto const& s : samples)
        all.push_back(s.micros);
    std::sort(all.begin(), all.end());
    auto const p99 = percentile(all, 0.99);
    std::printf("target per-update p99 < %.0f us: %s (%.2f us)\n", target_p99_us,
                p99 < target_p99_us ? "met" : "MISSED", p99);
    std::printf("target memory < %.0f MB for 3 hours: %s (%.2f MiB heap)\n", target_heap_mb,
                heap_mb < target_heap_mb ? "met" : "MISSED", heap_mb);
    return 0;
}
