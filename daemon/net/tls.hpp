#pragma once

#include "config/config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace minuted::daemon {

/// The server's TLS context from `[tls]`: TLS 1.2 or later, the certificate and its chain, and
/// the private key, which must be the certificate's. Throws std::runtime_error naming the
/// setting, the file and the reason.
std::shared_ptr<boost::asio::ssl::context> load_server_tls(config::tls_settings const& tls);

/// A client's TLS context: TLS 1.2 or later, the peer's certificate verified against the CAs in
/// `ca_file`, or the system's store if it is empty. Throws std::runtime_error if they cannot
/// be read.
std::shared_ptr<boost::asio::ssl::context> load_client_tls(std::string const& ca_file);

} // namespace minuted::daemon
