#pragma once

#include "summariser/text.hpp"

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <vector>

// What reading key points, next steps and decisions share. Private to summariser/.
namespace minuted::summariser::detail {

/// Sentences longer than this are run-ons (or garbage); they make poor minutes.
inline constexpr std::size_t max_sentence_bytes = 1200;

/// True if a word of `t` is one of `words`: a cheap test before a sentence's phrase patterns.
bool mentions_any(std::vector<token> const& t, std::initializer_list<std::string_view> words);

/// True if `t` ends with a question mark.
bool is_question(std::vector<token> const& t);

/// True if words before `end` make what follows conditional or uncertain. `strict` adds the
/// modals that hedge a promise ("I would send") but not a chair's ruling ("I would say
/// congratulations, you have Stage 4").
bool hedged_before(std::vector<token> const& t, std::size_t end, bool strict = true);

} // namespace minuted::summariser::detail
