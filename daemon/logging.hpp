#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace minuted::daemon {

/// The daemon's log on standard error, at `level` ("info", "debug", ...). When systemd's
/// journal reads standard error ($JOURNAL_STREAM names it), every line starts with its syslog
/// priority as `<N>` (journald's SyslogLevelPrefix) and carries no timestamp of its own, which
/// the journal adds; otherwise lines start with the time, as on a terminal or in a file.
/// Sets spdlog's default logger; call once, before anything logs.
void set_up_logging(std::string const& level);

/// Whether systemd's journal reads standard error: $JOURNAL_STREAM names it.
bool stderr_is_journal();

/// Writes `text` (whole lines) to standard error before the log is set up, as a bad command
/// line or config is reported: with the journal's error priority on each line when the journal
/// reads it, so that `journalctl -p err` shows why the service did not start.
void print_error(std::string_view text);

/// Whether $JOURNAL_STREAM's value ("DEVICE:INODE", both decimal, as sd_journal_stream_fd(3)
/// sets it) names the file with this device and inode: a stream the daemon inherited from a
/// parent that was itself logging to the journal does not count.
bool names_stream(std::string_view journal_stream, dev_t device, ino_t inode);

/// The syslog priority of a level (journald's 0 emerg ... 7 debug).
int syslog_priority(spdlog::level::level_enum level) noexcept;

/// The longest piece of a line `journal_lines` writes: below journald's LineMax (48 KiB by
/// default, 79 bytes at the least), so journald never cuts a line where the text chose.
inline constexpr std::size_t journal_piece_bytes = 4096;

/// `text` as the journal reads it: each of its lines, and each piece of `journal_piece_bytes`
/// of a longer line, prefixed with `<priority>`, and a NUL (where journald ends a line too)
/// written as "\x00", so that no text in a message can claim a priority of its own.
std::string journal_lines(int priority, std::string_view text);

} // namespace minuted::daemon
