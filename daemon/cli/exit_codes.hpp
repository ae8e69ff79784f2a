#pragma once

namespace minuted::daemon {

/// Process exit codes, after sysexits(3), so scripts and systemd can tell failures apart.
enum exit_code : int {
    exit_ok = 0,
    exit_usage = 64,       ///< EX_USAGE: bad command line
    exit_data = 65,        ///< EX_DATAERR: input that is empty or not caption text
    exit_no_input = 66,    ///< EX_NOINPUT: a file that does not exist or cannot be read
    exit_unavailable = 69, ///< EX_UNAVAILABLE: cannot listen on the configured address
    exit_software = 70,    ///< EX_SOFTWARE: an internal failure (a library that failed)
    exit_cant_create = 73, ///< EX_CANTCREAT: the state directory cannot be created
    exit_io = 74,          ///< EX_IOERR
    exit_config = 78,      ///< EX_CONFIG: a bad configuration
};

} // namespace minuted::daemon
