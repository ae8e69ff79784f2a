#pragma once

#include "protocol/roster.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

using participant_id = std::size_t;

enum class participant_kind {
    person,
    role ///< a function, not a person: "IGF SECRETARIAT", "MODERATOR", "AUDIENCE"
};

/// One person or role in the meeting, with every label the captioner used for them.
struct participant {
    participant_id id = 0;
    std::string label;                ///< canonical label, as typed: "AMALI DE SILVA MITCHELL"
    std::string name;                 ///< readable: "Amali de Silva Mitchell"
    std::vector<std::string> aliases; ///< other labels that were merged in: "AMALI"
    participant_kind kind = participant_kind::person;
    std::size_t turns = 0;
    std::size_t words = 0;
    std::string organisation; ///< from the roster, if it lists them
    std::string roster_role;  ///< their role as the roster says ("chair"); may be empty
    /// A role label that turned out to be this person ("IGF SECRETARIAT" was Roman Chukov):
    /// it carries the person's name, and its turns and words are counted as theirs.
    std::optional<participant_id> same_as;
    std::uint64_t revision = 0; ///< how many times people renamed or merged it (speaker.rename)
    std::string renamed_by;     ///< who did last
};

/// What `participant_registry::resolve` did.
struct resolution {
    participant_id id = 0;
    bool added = false;   ///< a new participant
    bool renamed = false; ///< an existing participant got a fuller canonical label
};

/// Maps the speaker labels of a transcript to participants, merging variants of one name.
///
/// Merges, only when exactly one person could be meant:
/// - a label whose words begin another's ("AMALI", "YASMIN CURZI") or are its surname
///   ("KUMMER") -> the fuller label becomes canonical and the shorter an alias;
/// - a label that differs from another by one typo in one long word
///   ("OLIVIER REPIN-LEBLOND" / "OLIVIER CREPIN-LEBLOND").
/// - a label whose last two or more words are a known person's label, after a title or a
///   function in any language ("CHAIR MARKUS KUMMER", "PRÉSIDENTE HÉLÈNE DUBOIS" and
///   "HÉLÈNE DUBOIS", in either order) -> an alias; the label seen first stays canonical,
///   unless it was a role ("MODERATOR JANE DOE"), which becomes the person "JANE DOE".
/// Roles never merge with people otherwise. When two people could match, a new participant
/// is made.
/// Deterministic: the result depends only on the order of labels.
class participant_registry {
public:
    /// The participant for `label`, creating or merging as described above. A participant
    /// the roster lists (by name or alias) takes its name, organisation and role from it.
    resolution resolve(std::string_view label);

    /// The meeting's roster: who is expected, under which names. Applies to everyone known
    /// and to everyone who speaks later.
    void set_roster(std::vector<protocol::roster_person> roster);

    /// Records that role label `role` was person `person`, as the meeting said: the role's
    /// label becomes one of the person's aliases and its turns and words theirs, and the
    /// label speaks as them from now on. False, changing nothing, unless `role` is an
    /// unidentified role and `person` a person.
    bool identify(participant_id role, participant_id person);

    /// A person's name for `id`: shown from now on (a roster given later does not replace it),
    /// and `name` typed as a label later speaks as them.
    void set_name(participant_id id, std::string name, std::string by);
    /// `from` and `into` are one participant, as a person said: `from`'s labels become
    /// `into`'s aliases and speak as them from now on, its turns and words are theirs, and it
    /// goes `same_as` them (as a role `identify` names). `from` != `into`, neither merged.
    void merge(participant_id from, participant_id into, std::string by);
    /// The participant called `name` (its name, label or an alias, compared as label_key
    /// does) who speaks as themself, if one is.
    std::optional<participant_id> named(std::string_view name) const;
    /// `id`'s words were counted as `before` and are `after` now (a corrected turn).
    void recount_words(participant_id id, std::size_t before, std::size_t after);

    /// Counts a turn of `words` words for `id`.
    void count_turn(participant_id id, std::size_t words);
    /// Adds words to `id`'s current turn.
    void count_words(participant_id id, std::size_t words);

    std::vector<participant> const& all() const noexcept { return participants_; }
    participant const& at(participant_id id) const { return participants_.at(id); }

    /// The participant a first name, surname or full name in speech refers to, if exactly one
    /// person matches ("Roman" -> ROMAN CHUKOV).
    std::optional<participant_id> find_by_name(std::string_view name) const;

    /// True if `text` is one of the speaker labels seen ("JHD", "MARKUS KUMMER").
    bool is_label(std::string_view text) const;

private:
    struct key_entry {
        std::string key; // upper case, normalised spaces and apostrophes
        participant_id id;
    };
    struct titled {
        participant_id id;
        bool known_is_titled; // the known label is the new one with words before it
    };
    std::optional<participant_id> exact(std::string_view key) const;
    std::optional<titled> find_titled(std::vector<std::string_view> const& words,
                                      bool is_role) const;
    void rename(participant& p, std::string_view label, std::string key);
    resolution resolve_label(std::string_view label);
    void apply_roster(participant& p) const;
    void share_names(); // a role identified as a person goes by the person's name

    std::vector<participant> participants_;
    std::vector<key_entry> keys_;
    std::vector<protocol::roster_person> roster_;
    std::vector<std::pair<std::string, std::size_t>> roster_keys_; // name or alias key -> person
};

/// Normalises a label for comparison: upper case (Unicode's simple mapping, so "Hélène" and
/// "HÉLÈNE" agree), single spaces, ASCII apostrophes.
std::string label_key(std::string_view label);

/// True if the label names a function rather than a person.
bool is_role_label(std::string_view key);

} // namespace minuted::summariser
