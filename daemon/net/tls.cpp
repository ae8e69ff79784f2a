#include "daemon/net/tls.hpp"

#include <stdexcept>

namespace minuted::daemon {

namespace ssl = boost::asio::ssl;

namespace {

std::shared_ptr<ssl::context> modern_context(ssl::context::method method) {
    auto ctx = std::make_shared<ssl::context>(method);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    return ctx;
}

} // namespace

std::shared_ptr<ssl::context> load_server_tls(config::tls_settings const& tls) {
    auto ctx = modern_context(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(tls.certificate.string(), ec);
    if (ec)
        throw std::runtime_error("tls.certificate " + tls.certificate.string() + ": " +
                                 ec.message());
    // OpenSSL checks here that the key is the certificate's ("key values mismatch").
    ctx->use_private_key_file(tls.private_key.string(), ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error("tls.private_key " + tls.private_key.string() + ": " +
                                 ec.message());
    return ctx;
}

std::shared_ptr<ssl::context> load_client_tls(std::string const& ca_file) {
    auto ctx = modern_context(ssl::context::tls_client);
    boost::system::error_code ec;
    if (ca_file.empty())
        ctx->set_default_verify_paths(ec);
    else
        ctx->load_verify_file(ca_file, ec);
    if (ec)
        throw std::runtime_error(
            (ca_file.empty() ? std::string("the system's CA store") : "CA file " + ca_file) + ": " +
            ec.message());
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

} // namespace minuted::daemon
