#include "summariser/text.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

TEST(split_sentences, splits_at_terminal_punctuation_but_not_decimals_or_abbreviations) {
    auto const s = split_sentences("We go to stage 2.7 now. Dr. Smith agrees! Is that okay? Yes");
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s[0], "We go to stage 2.7 now.");
    EXPECT_EQ(s[1], "Dr. Smith agrees!");
    EXPECT_EQ(s[2], "Is that okay?");
    EXPECT_EQ(s[3], "Yes");
}

TEST(clean_for_minutes, removes_fillers_stammers_and_leading_discourse_markers) {
    EXPECT_EQ(clean_for_minutes("So, you know, we should um send the the letter."),
              "We should send the letter.");
    EXPECT_EQ(
        clean_for_minutes("Okay, yes, I mean, the booth -- the booth needs a chief coordinator."),
        "The booth, the booth needs a chief coordinator.");
}

TEST(clean_for_minutes, keeps_let_you_know) {
    EXPECT_EQ(clean_for_minutes("I will let you know by Friday."),
              "I will let you know by Friday.");
}

TEST(readable_name, title_cases_upper_case_labels_and_keeps_particles_and_acronyms) {
    EXPECT_EQ(readable_name("MARKUS KUMMER"), "Markus Kummer");
    EXPECT_EQ(readable_name("DINO DELL'ACCIO"), "Dino Dell'Accio");
    EXPECT_EQ(readable_name("WOUT DE NATRIS"), "Wout de Natris");
    EXPECT_EQ(readable_name("OLIVIER CREPIN-LEBLOND"), "Olivier Crepin-Leblond");
    EXPECT_EQ(readable_name("IGF SECRETARIAT"), "IGF Secretariat");
    EXPECT_EQ(readable_name("YASMIN CURZI de MENDONCA"), "Yasmin Curzi de Mendonca");
    EXPECT_EQ(readable_name("DEBARATI DAS"), "Debarati Das");
    EXPECT_EQ(readable_name("Courtney Rausch"), "Courtney Rausch");
    EXPECT_EQ(readable_name("RPR"), "RPR");
    EXPECT_EQ(readable_name("NICOL\xC3\x92 RIBAUDO"), "Nicol\xC3\xB2 Ribaudo");
}

TEST(readable_name, cases_latin_greek_and_cyrillic_capitals_by_unicode_case_mapping) {
    EXPECT_EQ(readable_name("ŁUKASZ"), "Łukasz");
    EXPECT_EQ(readable_name("ĽUBOŠ ŇAŤO"), "Ľuboš Ňaťo");
    EXPECT_EQ(readable_name("ŞAHİN"), "Şahin");
    EXPECT_EQ(readable_name("ŁUKASZ ŻÓŁĆ-ŚWIĘTOCHOWSKI"), "Łukasz Żółć-Świętochowski");
    EXPECT_EQ(readable_name("ĐẶNG THỊ NGỌC THỊNH"), "Đặng Thị Ngọc Thịnh");
    EXPECT_EQ(readable_name("ŐRSÉG ÜLKÜ ĞÖKÇE"), "Őrség Ülkü Ğökçe");
    EXPECT_EQ(readable_name("ИВАН ПЕТРОВ"), "Иван Петров");
    EXPECT_EQ(readable_name("ЮЛІЯ ҐАЛЄЇВ-ЩЕРБАЧЁВА"), "Юлія Ґалєїв-Щербачёва");
    EXPECT_EQ(readable_name("ΣΩΚΡΑΤΗΣ ΠΑΠΑΔΟΠΟΥΛΟΣ"), "Σωκρατης Παπαδοπουλος");
    EXPECT_EQ(readable_name("ΟΔΥΣΣΕΑΣ ΕΛΎΤΗΣ"), "Οδυσσεας Ελύτης"); // medial sigma stays σ
    EXPECT_EQ(readable_name("ǄEMAL"), "ǅemal");
    // Typed in mixed case: kept as typed, also when no letter is ASCII.
    EXPECT_EQ(readable_name("Σωκράτης Παππάς"), "Σωκράτης Παππάς");
    EXPECT_EQ(readable_name("Łukasz ŁUCZAK"), "Łukasz ŁUCZAK");
}

TEST(to_lower, lowers_latin_greek_and_cyrillic_with_a_final_sigma_at_word_end) {
    EXPECT_EQ(to_lower("ŁÓDŹ İSTANBUL"), "łódź istanbul");
    EXPECT_EQ(to_lower("ΣΩΚΡΑΤΗΣ, ΣΑΣ Σ"), "σωκρατης, σας σ");
    EXPECT_EQ(to_lower("МОСКВА"), "москва");
    EXPECT_EQ(to_upper("łódź ß σωκρατης"), "ŁÓDŹ ß ΣΩΚΡΑΤΗΣ");
}

TEST(content_words, drops_stopwords_and_plural_s_and_sorts) {
    auto const w = content_words("The Dynamic Coalitions and the booth, the booths!");
    EXPECT_EQ(w, (std::vector<std::string>{"booth", "coalition", "dynamic"}));
}

TEST(find_phrase, matches_alternatives_optionals_and_wildcards) {
    auto const t = tokenize("Can we go to the next agenda item?");
    auto const m = find_phrase(t, "go|move to the? next agenda? item");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->first, 2u);
    EXPECT_EQ(m->last, 8u); // up to "item", before "?"
    EXPECT_FALSE(find_phrase(t, "move to the next"));
    EXPECT_TRUE(find_phrase(t, "next * item"));
}

TEST(parse_number, reads_digits_cardinals_and_ordinals) {
    EXPECT_EQ(parse_number("2"), 2);
    EXPECT_EQ(parse_number("three"), 3);
    EXPECT_EQ(parse_number("second"), 2);
    EXPECT_FALSE(parse_number("booth"));
}

} // namespace
} // namespace minuted::summariser
