#pragma once

#include "config/config.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

// The two ways a report leaves as mail: an SMTP relay, or the local MTA's sendmail.
namespace minuted::daemon {

/// Sends `message` (compose_mail's, CRLF line ends) from `m.from` to `m.to` through the SMTP
/// relay `m.smtp_host`:`m.smtp_port`: EHLO, STARTTLS as `m.starttls` says (the relay's
/// certificate verified against `m.ca_file` or the system's CAs, and its name), AUTH PLAIN
/// with `m.username` (only over TLS), MAIL, RCPT, DATA (dot-stuffed), QUIT. Each step must be
/// done within `timeout`. Throws std::runtime_error with the reason, the relay's reply
/// included.
boost::asio::awaitable<void> send_smtp(config::mail_settings const& m, std::string const& message,
                                       std::chrono::milliseconds timeout);

/// Runs `sendmail -t -oi` (Debian's MTA interface: the recipients are the message's To), the
/// message on its standard input (LF line ends, as local programs read text), and waits for it
/// to exit, at most `timeout` (then it is killed). No shell: the program is spawned directly.
/// Blocks: call on a disk thread. Throws std::runtime_error saying why it failed (the
/// program cannot be run, its exit status).
void run_sendmail(std::string const& program, std::string const& message,
                  std::chrono::milliseconds timeout);

} // namespace minuted::daemon
