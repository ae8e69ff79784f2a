#include "daemon/client/replay_frames.hpp"

#include "protocol/cart_reader.hpp"
#include "summariser/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <stdexcept>
#include <variant>

namespace minuted::daemon {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// A typo a stenographer's machine might produce: two letters swapped, or one doubled.
std::string mistype(std::string_view word, std::mt19937& rng) {
    std::string w(word);
    std::uniform_int_distribution<std::size_t> pos(0, w.size() - 2);
    auto const i = pos(rng);
    if (rng() % 2 == 0)
        std::swap(w[i], w[i + 1]);
    else
        w.insert(i, 1, w[i]);
    return w;
}

bool is_plain_word(std::string_view w) {
    return w.size() >= 3 && std::all_of(w.begin(), w.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
           });
}

// A journal written before live sessions read their text as live captions: its session read
// the lines before the first speech as a header, shown nowhere, and took the meeting's title
// from it. A live session reads every line, so the replay sends the header's title in the open
// and its lines as blank lines, as `make_transcript_replay` does with a file. The header is
// what the session's reader found: the same frames through a file's reader, finished only if
// the session ended. One that found no speech is played as it was recorded.
void play_header_as_live(journal_replay& replay) {
    protocol::cart_reader reader;
    summariser::meeting m;
    summariser::change_set changes;
    std::vector<protocol::caption_event> events;
    std::optional<protocol::line_number> speech;
    for (auto const& f : replay.frames) {
        if (f.kind == protocol::ingest_kind::text)
            reader.put(f.text, events);
        else if (f.kind == protocol::ingest_kind::erase)
            reader.erase(f.count);
        else
            reader.finish(events);
        for (auto const& e : events) {
            if (!std::holds_alternative<protocol::metadata_event>(e)) {
                speech = protocol::line_of(e);
                break;
            }
            m.apply(e, summariser::time_point{}, changes);
        }
        events.clear();
        if (speech)
            break;
    }
    if (!speech || *speech == 1)
        return;
    if (!m.title().empty())
        replay.title = m.title();
    std::vector<replay_frame> frames;
    protocol::line_number line = 1;
    for (auto& f : replay.frames) {
        if (line >= *speech) {
            frames.push_back(std::move(f));
            continue;
        }
        if (f.kind == protocol::ingest_kind::erase)
            continue; // a correction of the header
        if (f.kind == protocol::ingest_kind::text) {
            std::string kept;
            for (char const c : f.text) {
                if (line >= *speech)
                    kept.push_back(c);
                else if (c == '\n') {
                    kept.push_back(c);
                    ++line;
                }
            }
            if (kept.empty())
                continue;
            f.text = std::move(kept);
        }
        frames.push_back(std::move(f));
    }
    replay.frames = std::move(frames);
}

} // namespace

std::vector<replay_frame> make_replay_frames(std::string_view transcript,
                                             replay_options const& options) {
    std::vector<replay_frame> frames;
    std::mt19937 rng(options.seed);
    double const seconds_per_word =
        60.0 / (options.words_per_minute * std::max(options.speed, 1e-6));
    std::size_t i = 0;
    std::size_t word = 0;
    while (i < transcript.size()) {
        auto const begin = i;
        while (i < transcript.size() && is_space(transcript[i]))
            ++i;
        auto const word_begin = i;
        while (i < transcript.size() && !is_space(transcript[i]))
            ++i;
        auto const word_end = i;
        while (i < transcript.size() && is_space(transcript[i]) && transcript[i] != '\n')
            ++i;
        while (i < transcript.size() && (transcript[i] == '\n' || transcript[i] == '\r'))
            ++i;
        double const at = static_cast<double>(word++) * seconds_per_word;
        auto const w = transcript.substr(word_begin, word_end - word_begin);
        if (options.corrections && is_plain_word(w) && rng() % 25 == 0) {
            // The typo goes out as typed; the fix follows a moment later.
            auto const typo = mistype(w, rng);
            frames.push_back({protocol::ingest_kind::text,
                              std::string(transcript.substr(begin, word_begin - begin)) + typo, 0,
                              at});
            if (rng() % 2 == 0) {
                frames.push_back(
                    {protocol::ingest_kind::erase, {}, typo.size(), at + seconds_per_word / 3});
                frames.push_back({protocol::ingest_kind::text,
                                  std::string(transcript.substr(word_begin, i - word_begin)), 0,
                                  at + seconds_per_word / 2});
            } else {
                frames.push_back({protocol::ingest_kind::text,
                                  std::string(typo.size(), '\b') +
                                      std::string(transcript.substr(word_begin, i - word_begin)),
                                  0, at + seconds_per_word / 2});
            }
            continue;
        }
        frames.push_back(
            {protocol::ingest_kind::text, std::string(transcript.substr(begin, i - begin)), 0, at});
    }
    if (!options.keep_open)
        frames.push_back(
            {protocol::ingest_kind::close, {}, 0, static_cast<double>(word) * seconds_per_word});
    return frames;
}

live_transcript as_live_captions(std::string_view transcript) {
    auto const header = summariser::read_header(transcript);
    return {header.title,
            std::string(header.lines, '\n') + std::string(transcript.substr(header.bytes))};
}

journal_replay make_transcript_replay(std::string_view transcript, replay_options const& options) {
    auto live = as_live_captions(transcript);
    journal_replay out;
    out.title = std::move(live.title);
    out.frames = make_replay_frames(live.text, options);
    return out;
}

journal_replay make_caption_replay(protocol::caption_file const& file,
                                   replay_options const& options) {
    journal_replay out;
    double const speed = std::max(options.speed, 1e-6);
    auto const lines = protocol::caption_lines(file);
    if (lines.empty())
        return out;
    auto const first = lines.front().at;
    auto seconds = [&](std::chrono::milliseconds t) {
        return static_cast<double>((t - first).count()) / 1000.0 / speed;
    };
    for (auto const& l : lines)
        out.frames.push_back({protocol::ingest_kind::text, l.text, 0, seconds(l.at), file.lang});
    if (!options.keep_open) {
        auto end = lines.back().at;
        for (auto const& c : file.cues)
            end = std::max(end, c.end);
        out.frames.push_back({protocol::ingest_kind::close, {}, 0, seconds(end)});
    }
    return out;
}

journal_replay make_journal_replay(std::span<protocol::journal_record const> records,
                                   replay_options const& options) {
    using protocol::journal_kind;
    journal_replay out;
    double const speed = std::max(options.speed, 1e-6);
    std::optional<std::int64_t> first_ms; // the first caption's: the replay's start
    double at = 0;
    for (auto const& r : records) {
        if (r.kind == journal_kind::open) {
            // The agenda only counts before the first captions, so later opens are not played.
            if (!first_ms) {
                out.title = r.title;
                out.agenda = protocol::agenda_of(r);
            }
            continue;
        }
        if (r.kind != journal_kind::text && r.kind != journal_kind::erase &&
            r.kind != journal_kind::end)
            continue;
        if (!first_ms)
            first_ms = r.at_ms;
        // A wall clock stepped back (NTP) must not reorder what was recorded in order.
        at = std::max(at, static_cast<double>(r.at_ms - *first_ms) / 1000.0 / speed);
        if (r.kind == journal_kind::end) {
            if (!options.keep_open)
                out.frames.push_back({protocol::ingest_kind::close, {}, 0, at});
            break;
        }
        if (r.kind == journal_kind::text)
            out.frames.push_back({protocol::ingest_kind::text, r.text, 0, at, r.lang});
        else
            out.frames.push_back({protocol::ingest_kind::erase, {}, r.count, at});
    }
    bool const read_as_file = records.empty() || records.front().kind != journal_kind::session ||
                              records.front().source == protocol::text_source::file;
    if (read_as_file)
        play_header_as_live(out);
    return out;
}

void set_speed(replay_options& options, std::string_view value, std::string_view option) {
    if (value == "max") {
        options.as_fast_as_acked = true;
        return;
    }
    std::size_t end = 0;
    double speed = 0;
    try {
        speed = std::stod(std::string(value), &end);
    } catch (std::exception const&) {
    }
    if (speed <= 0 || end != value.size())
        throw std::invalid_argument(std::string(option) + " must be a positive number or max");
    options.speed = speed;
}

std::string frame_json(replay_frame const& frame, protocol::seq_number seq) {
    protocol::ingest_message m;
    m.kind = frame.kind;
    m.seq = seq;
    switch (frame.kind) {
    case protocol::ingest_kind::erase:
        m.count = frame.count;
        break;
    case protocol::ingest_kind::close:
        break;
    default:
        m.kind = protocol::ingest_kind::text;
        m.text = frame.text;
        m.lang = frame.lang;
    }
    return protocol::encode(m);
}
} // namespace minuted::daemon
