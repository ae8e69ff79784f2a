#include "daemon/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace minuted::daemon {

namespace {

// Standard error as the journal reads it. One fwrite per message on an unbuffered stream: the
// lines of a message reach the journal together, never split by another thread's.
class journal_stream_sink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(spdlog::details::log_msg const& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        auto const text = journal_lines(syslog_priority(msg.level),
                                        std::string_view(formatted.data(), formatted.size()));
        std::fwrite(text.data(), 1, text.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }
};

// For the error handler, which spdlog takes as a plain function.
std::atomic<bool> to_journal{false};

template <class Number>
bool parse_whole(std::string_view text, Number& n) {
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

} // namespace

bool names_stream(std::string_view journal_stream, dev_t device, ino_t inode) {
    auto const colon = journal_stream.find(':');
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    return colon != std::string_view::npos && parse_whole(journal_stream.substr(0, colon), dev) &&
           parse_whole(journal_stream.substr(colon + 1), ino) &&
           dev == static_cast<std::uint64_t>(device) && ino == static_cast<std::uint64_t>(inode);
}

int syslog_priority(spdlog::level::level_enum level) noexcept {
    switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
        return 7;
    case spdlog::level::warn:
        return 4;
    case spdlog::level::err:
        return 3;
    case spdlog::level::critical:
        return 2;
    case spdlog::level::info:
    case spdlog::level::off:
    case spdlog::level::n_levels:
        break;
    }
    return 6;
}

std::string journal_lines(int priority, std::string_view text) {
    std::string const prefix = "<" + std::to_string(priority) + ">";
    std::string out;
    out.reserve(text.size() + prefix.size() + 1);
    std::size_t piece = 0; // bytes of the current line written since its prefix
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (piece == 0)
            out += prefix;
        if (c == '\n') {
            out += '\n';
            piece = 0;
            continue;
        }
        if (c == '\0') {
            out += "\\x00"; // journald ends a line at NUL too
            piece += 4;
        } else {
            out += c;
            ++piece;
        }
        // journald also cuts a line at LineMax and reads a priority where it cut: a long line
        // goes out in pieces of its own, cut before a byte that starts a character (not a
        // UTF-8 continuation byte) and is not the line's end.
        if (piece >= journal_piece_bytes && i + 1 < text.size() && text[i + 1] != '\n' &&
            (static_cast<unsigned char>(text[i + 1]) & 0xC0) != 0x80) {
            out += '\n';
            piece = 0;
        }
    }
    if (piece != 0)
        out += '\n';
    return out;
}

bool stderr_is_journal() {
    char const* const stream = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    return stream != nullptr && ::fstat(STDERR_FILENO, &st) == 0 &&
           names_stream(stream, st.st_dev, st.st_ino);
}

void print_error(std::string_view text) {
    if (text.empty())
        return;
    auto const out = stderr_is_journal() ? journal_lines(syslog_priority(spdlog::level::err), text)
                                         : std::string(text);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
}

void set_up_logging(std::string const& level) {
    bool const journal = stderr_is_journal();
    std::shared_ptr<spdlog::logger> logger;
    if (journal) {
        auto sink = std::make_shared<journal_stream_sink>();
        sink->set_pattern("%l %v");
        logger = std::make_shared<spdlog::logger>("minuted", std::move(sink));
        spdlog::register_logger(logger);
    } else {
        logger = spdlog::stderr_color_mt("minuted");
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    }
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
    // A line that cannot be logged (a bad format argument, stderr gone) never throws into the
    // code that logged it: it is said once on stderr, if that can be written at all.
    to_journal = journal;
    spdlog::set_error_handler([](std::string const& message) {
        static std::atomic<bool> said{false};
        if (!said.exchange(true))
            std::fprintf(stderr, "%sminuted: a log line could not be written: %s\n",
                         to_journal ? "<3>" : "", message.c_str());
    });
}

} // namespace minuted::daemon
