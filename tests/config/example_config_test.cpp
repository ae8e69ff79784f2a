// systemd/minuted.toml, the config the package installs as /etc/minuted/minuted.toml: the
// embedded default config with the service's state directory, so it documents every key and
// never drifts from what `minuted --print-default-config` says.

#include "config/config.hpp"
#include "tests/support/test_data.hpp"

#include <gtest/gtest.h>

namespace minuted::config {
namespace {

std::string const example_path = std::string(MINUTED_SOURCE_DIR) + "/systemd/minuted.toml";

TEST(example_config, is_the_default_config_with_the_services_state_dir) {
    std::string expected(default_config_text());
    std::string const line = "state_dir = \"minuted-state\"\n";
    auto const at = expected.find(line);
    ASSERT_NE(at, std::string::npos) << "the default config no longer sets state_dir";
    expected.replace(at, line.size(), "state_dir = \"/var/lib/minuted\"\n");
    EXPECT_EQ(minuted::testing::read_file(example_path), expected)
        << "systemd/minuted.toml is out of date: it must be `minuted --print-default-config` "
           "with state_dir = \"/var/lib/minuted\"";
}

TEST(example_config, parses_to_the_defaults_but_the_state_dir) {
    auto const s = load_config_file(example_path);
    settings const d;
    EXPECT_EQ(s.state_dir, "/var/lib/minuted");
    EXPECT_EQ(s.listen_host, d.listen_host);
    EXPECT_EQ(s.listen_port, d.listen_port);
    EXPECT_EQ(s.idle_timeout, d.idle_timeout);
    EXPECT_EQ(s.commit_interval, d.commit_interval);
    EXPECT_TRUE(s.auth.admin_token.empty());
    EXPECT_FALSE(s.auth.has_publish_tokens());
    EXPECT_TRUE(s.feeds.empty());
}

} // namespace
} // namespace minuted::config
