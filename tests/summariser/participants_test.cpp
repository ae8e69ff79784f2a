#include "summariser/participants.hpp"

#include <gtest/gtest.h>

namespace minuted::summariser {
namespace {

TEST(participant_registry, merges_a_first_name_into_the_full_name_that_follows) {
    participant_registry r;
    auto const a = r.resolve("AMALI");
    EXPECT_TRUE(a.added);
    r.resolve("MARKUS KUMMER");
    auto const b = r.resolve("AMALI DE SILVA MITCHELL");
    EXPECT_EQ(b.id, a.id);
    EXPECT_TRUE(b.renamed);
    auto const& p = r.at(a.id);
    EXPECT_EQ(p.label, "AMALI DE SILVA MITCHELL");
    EXPECT_EQ(p.name, "Amali de Silva Mitchell");
    EXPECT_EQ(p.aliases, std::vector<std::string>{"AMALI"});
    EXPECT_EQ(r.resolve("AMALI").id, a.id);
}

TEST(participant_registry, merges_a_first_name_that_follows_the_full_name) {
    participant_registry r;
    auto const full = r.resolve("WOUT DE NATRIS");
    auto const short_form = r.resolve("WOUT");
    EXPECT_EQ(short_form.id, full.id);
    EXPECT_FALSE(short_form.added);
    EXPECT_EQ(r.at(full.id).aliases, std::vector<std::string>{"WOUT"});
}

TEST(participant_registry, merges_one_letter_typo_in_a_long_surname) {
    participant_registry r;
    auto const typo = r.resolve("OLIVIER REPIN-LEBLOND");
    auto const right = r.resolve("OLIVIER CREPIN-LEBLOND");
    EXPECT_EQ(typo.id, right.id);
    EXPECT_EQ(r.at(right.id).label, "OLIVIER CREPIN-LEBLOND");
}

TEST(participant_registry, never_merges_when_two_people_could_match) {
    participant_registry r;
    auto const carvell = r.resolve("MARK CARVELL");
    auto const other = r.resolve("MARK JONES");
    EXPECT_NE(carvell.id, other.id);
    auto const mark = r.resolve("MARK");
    EXPECT_TRUE(mark.added);
    EXPECT_NE(mark.id, carvell.id);
    EXPECT_NE(mark.id, other.id);
}

TEST(participant_registry, does_not_merge_different_short_surnames) {
    participant_registry r;
    EXPECT_NE(r.resolve("JOHN SMITH").id, r.resolve("JOHN SMYTH").id);
}

TEST(participant_registry, keeps_roles_apart_from_people) {
    participant_registry r;
    auto const role = r.resolve("IGF SECRETARIAT");
    EXPECT_EQ(r.at(role.id).kind, participant_kind::role);
    auto const igf = r.resolve("IGF");
    EXPECT_NE(igf.id, role.id);
    EXPECT_EQ(r.at(igf.id).kind, participant_kind::person);
}

TEST(participant_registry, merges_a_name_typed_after_a_title_in_any_language) {
    participant_registry r;
    auto const name = r.resolve("HÉLÈNE DUBOIS");
    auto const titled = r.resolve("PRÉSIDENTE HÉLÈNE DUBOIS");
    EXPECT_EQ(titled.id, name.id);
    EXPECT_FALSE(titled.added);
    EXPECT_EQ(r.at(name.id).name, "Hélène Dubois");
    EXPECT_EQ(r.at(name.id).aliases, std::vector<std::string>{"PRÉSIDENTE HÉLÈNE DUBOIS"});
    EXPECT_EQ(r.resolve("ПРЕДСЕДАТЕЛЬ HÉLÈNE DUBOIS").id, name.id);
    EXPECT_EQ(r.resolve("Présidente Hélène Dubois").id, name.id); // typed in mixed case
    EXPECT_EQ(r.all().size(), 1u);
}

TEST(participant_registry, merges_a_name_typed_bare_after_it_was_typed_with_a_title) {
    participant_registry r;
    auto const titled = r.resolve("PRÉSIDENTE HÉLÈNE DUBOIS");
    auto const name = r.resolve("HÉLÈNE DUBOIS");
    EXPECT_EQ(name.id, titled.id);
    EXPECT_EQ(r.at(titled.id).label, "PRÉSIDENTE HÉLÈNE DUBOIS");
    EXPECT_EQ(r.at(titled.id).aliases, std::vector<std::string>{"HÉLÈNE DUBOIS"});
}

TEST(participant_registry, a_role_word_before_a_known_name_is_that_person) {
    participant_registry r;
    auto const kummer = r.resolve("MARKUS KUMMER");
    EXPECT_EQ(r.resolve("CHAIR MARKUS KUMMER").id, kummer.id);
    EXPECT_EQ(r.at(kummer.id).kind, participant_kind::person);

    // Known first as a role with a name: the bare name makes it that person.
    auto const moderator = r.resolve("MODERATOR JANE DOE");
    EXPECT_EQ(r.at(moderator.id).kind, participant_kind::role);
    auto const jane = r.resolve("JANE DOE");
    EXPECT_EQ(jane.id, moderator.id);
    EXPECT_TRUE(jane.renamed);
    EXPECT_EQ(r.at(jane.id).kind, participant_kind::person);
    EXPECT_EQ(r.at(jane.id).name, "Jane Doe");
    EXPECT_EQ(r.at(jane.id).aliases, std::vector<std::string>{"MODERATOR JANE DOE"});
}

TEST(participant_registry, does_not_merge_a_title_before_a_one_word_or_shared_name) {
    participant_registry r;
    auto const smith = r.resolve("SMITH");
    auto const moderator = r.resolve("MODERATOR SMITH");
    EXPECT_NE(moderator.id, smith.id);
    EXPECT_EQ(r.at(moderator.id).kind, participant_kind::role);

    auto const john = r.resolve("JOHN PAUL JONES");
    auto const mary = r.resolve("MARY PAUL JONES");
    EXPECT_NE(john.id, mary.id);
    auto const paul = r.resolve("PAUL JONES");
    EXPECT_TRUE(paul.added); // either could be meant
}

TEST(participant_registry, finds_people_by_first_name_in_speech_only_when_unique) {
    participant_registry r;
    r.resolve("ROMAN CHUKOV");
    r.resolve("MARK CARVELL");
    r.resolve("MARK JONES");
    ASSERT_TRUE(r.find_by_name("Roman"));
    EXPECT_EQ(r.at(*r.find_by_name("Roman")).name, "Roman Chukov");
    EXPECT_FALSE(r.find_by_name("Mark"));
}

TEST(participant_registry, counts_turns_and_words) {
    participant_registry r;
    auto const id = r.resolve("JUTTA CROLL").id;
    r.count_turn(id, 3);
    r.count_words(id, 4);
    EXPECT_EQ(r.at(id).turns, 1u);
    EXPECT_EQ(r.at(id).words, 7u);
}

TEST(participant_registry, a_role_identified_as_a_person_speaks_as_them) {
    participant_registry r;
    auto const role = r.resolve("IGF SECRETARIAT").id;
    auto const roman = r.resolve("ROMAN").id;
    auto const other = r.resolve("JUDITH HELLERSTEIN").id;
    r.count_turn(role, 5);
    r.count_turn(roman, 2);
    EXPECT_FALSE(r.identify(roman, other)); // two people are not one
    EXPECT_FALSE(r.identify(role, role));
    ASSERT_TRUE(r.identify(role, roman));
    EXPECT_FALSE(r.identify(role, other)); // once
    EXPECT_EQ(r.at(roman).aliases, std::vector<std::string>{"IGF SECRETARIAT"});
    EXPECT_EQ(r.at(roman).turns, 2u);
    EXPECT_EQ(r.at(roman).words, 7u);
    EXPECT_EQ(r.at(role).turns, 0u);
    EXPECT_EQ(r.resolve("IGF SECRETARIAT").id, roman);
    // A fuller label for the person renames the role's display name too.
    EXPECT_EQ(r.resolve("ROMAN CHUKOV").id, roman);
    EXPECT_EQ(r.at(role).name, "Roman Chukov");
}

} // namespace
} // namespace minuted::summariser
