#include "protocol/journal.hpp"

#include <boost/crc.hpp>
#include <gtest/gtest.h>

namespace minuted::protocol {
namespace {

journal_record make(journal_kind kind, std::int64_t at, seq_number seq = 0, std::string text = {}) {
    journal_record r;
    r.kind = kind;
    r.at_ms = at;
    r.seq = seq;
    r.text = std::move(text);
    return r;
}

std::vector<journal_record> sample() {
    auto session = make(journal_kind::session, 1732350000000, 0, "dccg");
    session.epoch = "9f2c4e01d3a87b65";
    auto open = make(journal_kind::open, 1732350000100);
    open.title = "DCCG";
    open.agenda = {"Opening", "AOB"};
    auto erase = make(journal_kind::erase, 1732350000300, 2);
    erase.count = 4;
    auto epoch = make(journal_kind::epoch, 1732350000500);
    epoch.epoch = "00000000000000aa";
    auto roster = make(journal_kind::roster, 1732350000150, 0,
                       R"([{"name":"Markus Kummer","role":"chair"}])");
    // A pull feed's text: its language and where the feed stands after it; the first seq of a
    // source that counts from 0.
    auto pulled = make(journal_kind::text, 1732350000450, 0, "Buenos días\x7F.");
    pulled.lang = "es-419";
    pulled.position = 18446744073709551615u;
    auto zero = make(journal_kind::text, 1732350000460, 1, "from zero");
    zero.counts_from_zero = true;
    return {
        session,
        open,
        roster,
        make(journal_kind::text, 1732350000200, 1, ">> MARKUS KUMMER: Good morning, Zürich.\r\n"),
        erase,
        make(journal_kind::text, 1732350000400, 0, "raw text with no seq"),
        pulled,
        zero,
        epoch,
        make(journal_kind::end, 1732350000600, 3, "closed by the caption source")};
}

// `payload` with its true length and checksum in front, as the journal frames a record.
std::string framed(std::string const& payload) {
    boost::crc_32_type crc;
    crc.process_bytes(payload.data(), payload.size());
    std::string out;
    for (auto v : {static_cast<std::uint32_t>(payload.size()), crc.checksum()})
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
    return out + payload;
}

std::string encode_all(std::vector<journal_record> const& records) {
    std::string out;
    for (auto const& r : records)
        out += encode_journal_record(r);
    return out;
}

TEST(journal, records_read_back_as_written) {
    auto const bytes = encode_all(sample());
    auto const read = read_journal(bytes);
    EXPECT_EQ(read.records, sample());
    EXPECT_EQ(read.valid_bytes, bytes.size());
    EXPECT_EQ(read.damage, "");
}

TEST(journal, an_empty_journal_has_no_records_and_no_damage) {
    auto const read = read_journal("");
    EXPECT_TRUE(read.records.empty());
    EXPECT_EQ(read.damage, "");
}

TEST(journal, a_record_torn_at_any_byte_is_dropped_and_the_rest_kept) {
    auto const records = sample();
    auto const bytes = encode_all(records);
    auto const last = encode_journal_record(records.back()).size();
    for (std::size_t cut = bytes.size() - last + 1; cut < bytes.size(); ++cut) {
        auto const read = read_journal(std::string_view(bytes).substr(0, cut));
        ASSERT_EQ(read.records.size(), records.size() - 1) << "cut at " << cut;
        EXPECT_EQ(read.valid_bytes, bytes.size() - last);
        EXPECT_NE(read.damage, "");
        EXPECT_TRUE(read.torn_tail);
    }
}

TEST(journal, a_flipped_byte_stops_the_reading_at_that_record) {
    auto const records = sample();
    auto bytes = encode_all(records);
    auto const first_two =
        encode_journal_record(records[0]).size() + encode_journal_record(records[1]).size();
    bytes[first_two + 12] ^= 0x20; // inside the third record's payload
    auto const read = read_journal(bytes);
    EXPECT_EQ(read.records.size(), 2u);
    EXPECT_EQ(read.valid_bytes, first_two);
    EXPECT_EQ(read.damage, "a record whose checksum does not match");
    EXPECT_FALSE(read.torn_tail); // whole records follow: damage, not a crash mid-append
}

TEST(journal, a_garbled_last_record_is_a_torn_tail) {
    auto bytes = encode_all(sample());
    bytes[bytes.size() - 3] ^= 0x20;
    auto const read = read_journal(bytes);
    EXPECT_EQ(read.records.size(), sample().size() - 1);
    EXPECT_TRUE(read.torn_tail);
}

TEST(journal, negative_numbers_are_damage_not_an_exception) {
    journal_record r;
    r.kind = journal_kind::erase;
    auto bytes = encode_journal_record(r);
    auto const read = read_journal(bytes + framed(R"({"k":"erase","at":1,"count":-4})"));
    EXPECT_EQ(read.records.size(), 1u);
    EXPECT_EQ(read.damage, "a record that is not a journal event");
}

TEST(journal, an_absurd_length_is_damage_not_an_allocation) {
    std::string bytes = encode_all(sample());
    bytes += std::string("\xff\xff\xff\x7f\0\0\0\0", 8);
    auto const read = read_journal(bytes);
    EXPECT_EQ(read.records.size(), sample().size());
    EXPECT_NE(read.damage.find("record length"), std::string::npos);
}

TEST(journal, a_well_framed_payload_that_is_not_an_event_is_damage) {
    // Right length and checksum, but not a journal event: from another program or version.
    auto const good = encode_journal_record(sample()[0]);
    auto const read = read_journal(good + framed(R"({"k":"teleport","at":1})"));
    EXPECT_EQ(read.records.size(), 1u);
    EXPECT_EQ(read.valid_bytes, good.size());
    EXPECT_EQ(read.damage, "a record that is not a journal event");
}

TEST(journal, a_number_its_field_cannot_hold_is_damage_not_an_exception) {
    // Found by fuzz_journal (tests/fuzz/regressions/journal-at-above-int64-throws.jsonl): the
    // reader called the throwing to_number(), so one such record made read_journal throw.
    auto const good = encode_journal_record(sample()[0]);
    for (std::string const payload :
         {R"({"k":"session","at":17323500732350000000})", R"({"k":"text","at":1,"seq":-1})",
          R"({"k":"erase","at":1,"seq":2,"count":-4})"}) {
        journal_contents read;
        ASSERT_NO_THROW(read = read_journal(good + framed(payload))) << payload;
        EXPECT_EQ(read.records.size(), 1u) << payload;
        EXPECT_EQ(read.valid_bytes, good.size()) << payload;
        EXPECT_EQ(read.damage, "a record that is not a journal event") << payload;
    }
}

TEST(journal, a_session_read_as_live_captions_says_so_in_its_first_record) {
    auto session = sample()[0];
    session.source = text_source::live;
    auto const bytes = encode_journal_record(session);
    EXPECT_NE(bytes.find(R"("source":"live")"), std::string::npos);
    auto const read = read_journal(bytes);
    ASSERT_EQ(read.records.size(), 1u);
    EXPECT_EQ(read.records[0], session);
    EXPECT_EQ(read.records[0].source, text_source::live);
}

TEST(journal, a_session_record_without_a_source_was_written_before_live_reading_a_file) {
    // Journals written before live sessions read their text as live captions: their text is
    // read with a file's header, as it was when they were written.
    auto const read = read_journal(framed(R"({"k":"session","at":1,"text":"m","epoch":"e"})"));
    ASSERT_EQ(read.records.size(), 1u);
    EXPECT_EQ(read.records[0].source, text_source::file);
    EXPECT_EQ(encode_journal_record(read.records[0]).find("source"), std::string::npos);
    EXPECT_EQ(read_journal(framed(R"({"k":"session","at":1,"source":"file"})")).records[0].source,
              text_source::file);
}

TEST(journal, an_unknown_source_is_damage) {
    auto const good = encode_journal_record(sample()[0]);
    for (std::string const payload : {R"({"k":"session","at":1,"source":"telepathy"})",
                                      R"({"k":"session","at":1,"source":1})"}) {
        auto const read = read_journal(good + framed(payload));
        EXPECT_EQ(read.records.size(), 1u) << payload;
        EXPECT_EQ(read.damage, "a record that is not a journal event") << payload;
    }
}

} // namespace
} // namespace minuted::protocol
