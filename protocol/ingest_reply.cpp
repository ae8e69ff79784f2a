#include "protocol/ingest_reply.hpp"

#include "protocol/ingest_json.hpp"

#include <boost/json.hpp>

namespace minuted::protocol {

namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>; // clang 14 deduces no aggregate's template arguments

// A field that must be there, a non-negative integer.
boost::system::result<seq_number> seq_field(boost::json::object const& o, std::string_view key) {
    bool bad = false;
    auto const n = detail::unsigned_field(o, key, bad);
    if (!n)
        return ingest_error::bad_seq;
    return *n;
}

} // namespace

std::string encode(ingest_reply const& reply) {
    auto const message = std::visit(
        overloaded{[](welcome const& w) {
                       boost::json::object o{{"type", "welcome"}, {"ack", w.last}};
                       if (w.ended)
                           o["ended"] = true;
                       return o;
                   },
                   [](ack const& a) {
                       return boost::json::object{{"type", "ack"}, {"seq", a.seq}};
                   },
                   [](nack const& n) {
                       return boost::json::object{{"type", "nack"}, {"expected", n.expected}};
                   },
                   [](error_reply const& e) {
                       return boost::json::object{{"type", "error"}, {"message", e.message}};
                   }},
        reply);
    return boost::json::serialize(message);
}

boost::system::result<ingest_reply> parse_ingest_reply(std::string_view text) {
    auto const reply = detail::parse_typed(text);
    if (!reply)
        return reply.error();
    auto const& o = reply->fields;
    std::string_view const t = reply->type;
    if (t == "welcome") {
        auto const last = seq_field(o, "ack");
        if (!last)
            return last.error();
        auto const* ended = o.if_contains("ended");
        if (ended && !ended->is_bool())
            return ingest_error::bad_field;
        return welcome{*last, ended && ended->get_bool()};
    }
    if (t == "ack") {
        auto const seq = seq_field(o, "seq");
        if (!seq)
            return seq.error();
        return ack{*seq};
    }
    if (t == "nack") {
        auto const expected = seq_field(o, "expected");
        if (!expected)
            return expected.error();
        return nack{*expected};
    }
    if (t == "error") {
        auto const* message = o.if_contains("message");
        if (!message || !message->is_string())
            return ingest_error::bad_field;
        return error_reply{std::string(message->get_string())};
    }
    return ingest_error::unknown_type;
}

} // namespace minuted::protocol
