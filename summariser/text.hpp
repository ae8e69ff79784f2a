#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::summariser {

/// Lower-cases the letters of the Latin, Greek and Cyrillic scripts by Unicode's simple case
/// mapping ("Ò" -> "ò", "Ł" -> "ł", "İ" -> "i", "Ж" -> "ж"); a capital sigma that ends a word
/// becomes "ς". Invalid UTF-8 becomes U+FFFD.
std::string to_lower(std::string_view s);

/// Upper-cases as `to_lower` lower-cases ("ł" -> "Ł", "ς" -> "Σ"); "ß" stays "ß".
std::string to_upper(std::string_view s);

/// Words of `s` in lower case: letters, digits and inner '-', '\'', '.' ("stage 2.7",
/// "dell'accio"). Punctuation and spaces separate words.
std::vector<std::string> words(std::string_view s);

/// Number of words in `s`, as `words` would count them.
std::size_t word_count(std::string_view s);

/// True for English function words that carry no topic ("the", "we", "would", ...).
bool is_stopword(std::string_view lower_word) noexcept;

/// Content words of `s`: lower case, no stopwords, a plural 's' stripped, deduplicated and
/// sorted, so two texts can be compared by overlap.
std::vector<std::string> content_words(std::string_view s);

/// |a ∩ b| for two sorted, deduplicated word lists.
std::size_t overlap(std::vector<std::string> const& a, std::vector<std::string> const& b);

/// Splits speech into sentences at '.', '?' and '!' that end one ("Mr.", "e.g.", "2.7" and
/// "U.S." do not). Views point into `text`; whitespace is trimmed.
std::vector<std::string_view> split_sentences(std::string_view text);

/// True if `s` ends a sentence (terminal punctuation, possibly followed by a quote).
bool ends_sentence(std::string_view s) noexcept;

/// Removes spoken fillers ("you know", "I mean", "um", "uh") and stammers ("-- ",
/// repeated words) and a leading discourse marker ("So,", "Okay,", "Yes,"); capitalises the
/// first letter. For minutes, not for the transcript.
std::string clean_for_minutes(std::string_view sentence);

/// A speaker label in readable case: "MARKUS KUMMER" -> "Markus Kummer",
/// "DINO DELL'ACCIO" -> "Dino Dell'Accio", "WOUT DE NATRIS" -> "Wout de Natris",
/// "ĽUBOŠ ŇAŤO" -> "Ľuboš Ňaťo", "ИВАН ПЕТРОВ" -> "Иван Петров", "ΣΩΚΡΑΤΗΣ" -> "Σωκρατης".
/// Labels already in mixed case are kept; short acronyms ("RPR", "IGF") stay upper case.
std::string readable_name(std::string_view label);

/// Capitalises the first letter of `s`.
std::string capitalise(std::string_view s);

/// Trims spaces and the punctuation `chars` from both ends.
std::string_view trim(std::string_view s, std::string_view chars = " \t") noexcept;

} // namespace minuted::summariser

namespace minuted::summariser {

/// A word or a punctuation mark of a sentence, with its place in the original text.
struct token {
    std::string lower;     ///< lower-case word, or the punctuation character
    std::size_t begin = 0; ///< byte offset in the original text
    std::size_t end = 0;
    bool is_word = false;
};

/// Words and punctuation marks (, . ? ! : ; and dashes) of `text`.
std::vector<token> tokenize(std::string_view text);

/// Finds `pattern` in `tokens` at or after `from`. The pattern is space-separated elements;
/// an element is alternatives joined by '|', '*' matches any one word, '#' any number, and a
/// trailing '?' makes the element optional: "go|move to the? next agenda? item".
/// Returns [first, last) token indices of the first match.
struct phrase_match {
    std::size_t first = 0;
    std::size_t last = 0;
};
std::optional<phrase_match> find_phrase(std::vector<token> const& tokens, std::string_view pattern,
                                        std::size_t from = 0);

/// The original text of tokens [first, last).
std::string_view token_text(std::string_view text, std::vector<token> const& tokens,
                            std::size_t first, std::size_t last);

/// Parses "2", "two", "second", "ii" as a number.
std::optional<int> parse_number(std::string_view lower_word);

} // namespace minuted::summariser
