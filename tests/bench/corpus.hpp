#pragma once

#include "summariser/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::bench {

/// Reads a whole file as bytes. Throws `std::runtime_error` naming the file if it cannot.
inline std::string read_file(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// tests/data of the source tree (MINUTED_SOURCE_DIR is set by tests/bench/CMakeLists.txt).
inline std::filesystem::path test_data_dir() {
    return std::filesystem::path(MINUTED_SOURCE_DIR) / "tests" / "data";
}

/// The DCCG meeting 90 transcript (85 KB), the corpus's reference meeting.
inline std::filesystem::path dccg_transcript() {
    return test_data_dir() / "dccg-90-2024-11-08.raw.txt";
}

/// Words a captioner writes in three hours at 150 words per minute.
inline constexpr std::size_t three_hour_words = 27'000;

/// Length of the meeting `long_meeting` stands for.
inline constexpr std::chrono::hours three_hours{3};

/// A long meeting for throughput and latency: the corpus transcripts (tests/data/*.raw.txt,
/// in name order) concatenated and repeated, cut at the end of the line where `words`
/// words (as `summariser::word_count` counts them) are reached. Throws if there are none.
inline std::string long_meeting(std::size_t words = three_hour_words) {
    std::vector<std::filesystem::path> files;
    for (auto const& entry : std::filesystem::directory_iterator(test_data_dir()))
        if (entry.path().filename().string().ends_with(".raw.txt"))
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> texts;
    for (auto const& f : files)
        texts.push_back(read_file(f));
    if (texts.empty())
        throw std::runtime_error("no *.raw.txt in " + test_data_dir().string());

    std::string out;
    std::size_t count = 0;
    while (count < words) {
        auto const before = count;
        for (auto const& text : texts) {
            std::string_view rest = text;
            while (!rest.empty() && count < words) {
                auto const end = rest.find('\n');
                auto const line = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
                count += summariser::word_count(line);
                out += line;
                out += '\n';
                rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
            }
        }
        if (count == before)
            throw std::runtime_error("the corpus transcripts hold no words");
    }
    return out;
}

} // namespace minuted::bench
