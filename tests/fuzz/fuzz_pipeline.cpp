// libFuzzer target for the whole engine: bytes in random chunks (with erasures) into
// summariser::pipeline, then every report renderer. Checks that the reports are valid UTF-8
// and that the JSON report parses back with its documented top-level shape.

#include "protocol/utf8.hpp"
#include "summariser/pipeline.hpp"
#include "summariser/report.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

namespace {

using namespace minuted;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    std::vector<std::string> agenda;
    if (fdp.ConsumeBool())
        agenda = {"Opening and adoption of the agenda", "DC main session", "DC booth",
                  "Any Other Business"};

    summariser::pipeline p(std::move(agenda));
    summariser::change_set changes;
    summariser::time_point at{};
    while (fdp.remaining_bytes() > 0) {
        auto const op = fdp.ConsumeIntegral<std::uint8_t>();
        if (op < 12) {
            auto const n = fdp.ConsumeIntegralInRange<std::size_t>(0, 40);
            MINUTED_CHECK(p.erase(n, changes) <= n);
        } else {
            auto const bytes =
                fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<std::size_t>(1, 1024));
            if (bytes.empty())
                break;
            p.put(bytes, at, changes);
        }
        changes.normalise();
        changes = {};
        at += std::chrono::milliseconds(fdp.ConsumeIntegralInRange<int>(0, 5000));
    }
    p.finish(at, changes);
    MINUTED_CHECK(p.state().ended());

    auto const markdown = summariser::render_markdown(p.state());
    MINUTED_CHECK(protocol::is_valid_utf8(markdown));
    auto const transcript = summariser::render_transcript(p.state());
    MINUTED_CHECK(protocol::is_valid_utf8(transcript));
    auto const catch_up = p.state().catch_up();
    MINUTED_CHECK(protocol::is_valid_utf8(catch_up));

    auto const json = boost::json::serialize(summariser::render_json(p.state()));
    boost::json::error_code ec;
    auto const parsed = boost::json::parse(json, ec); // rejects invalid UTF-8 too
    MINUTED_CHECK(!ec);
    MINUTED_CHECK(parsed.is_object());
    auto const& report = parsed.as_object();
    MINUTED_CHECK(report.contains("participants") && report.at("participants").is_array());
    MINUTED_CHECK(report.contains("agenda") && report.at("agenda").is_array());
    for (auto const& item : report.at("agenda").as_array())
        MINUTED_CHECK(item.is_object() && item.as_object().contains("key_points"));
    return 0;
}
