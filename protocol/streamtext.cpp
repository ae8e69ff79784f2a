#include "protocol/streamtext.hpp"

#include "protocol/ingest.hpp"

#include <boost/json.hpp>

namespace minuted::protocol {

namespace {

streamtext_reading refused(std::string why) {
    return {std::nullopt, std::move(why)};
}

} // namespace

streamtext_reading read_streamtext_answer(std::string_view body,
                                          std::optional<std::uint64_t> asked_after,
                                          std::size_t max_content) {
    boost::system::error_code ec;
    // The content's own bound comes later; the parser's depth limit keeps nesting cheap.
    auto const value = boost::json::parse(body, ec);
    if (ec)
        return refused("not JSON: " + ec.message());
    auto const* o = value.if_object();
    if (!o)
        return refused("not a JSON object");
    auto const* content = o->if_contains("content");
    if (!content || !content->is_string())
        return refused("no \"content\" string");
    auto const* position = o->if_contains("lastPosition");
    if (!position || !(position->is_int64() || position->is_uint64()) ||
        (position->is_int64() && position->as_int64() < 0))
        return refused("no \"lastPosition\" of 0 or more");
    streamtext_answer a;
    a.last_position = position->is_uint64() ? position->as_uint64()
                                            : static_cast<std::uint64_t>(position->as_int64());
    if (auto const* language = o->if_contains("languageCode"); language && !language->is_null()) {
        if (!language->is_string() ||
            (!language->as_string().empty() && !is_valid_language_tag(language->as_string())))
            return refused("\"languageCode\" is not a language tag");
        a.language = language->as_string();
    }
    auto const& text = content->as_string();
    if (text.size() > max_content)
        return refused("content of " + std::to_string(text.size()) + " bytes; at most " +
                       std::to_string(max_content) + " are taken");
    if (asked_after && a.last_position < *asked_after)
        return refused("lastPosition went back from " + std::to_string(*asked_after) + " to " +
                       std::to_string(a.last_position));
    if (asked_after && a.last_position == *asked_after && !text.empty())
        return refused("text without a new lastPosition (" + std::to_string(a.last_position) + ")");
    a.content = text;
    return {std::move(a), {}};
}

} // namespace minuted::protocol
