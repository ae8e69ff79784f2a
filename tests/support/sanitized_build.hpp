#pragma once

// Whether this test was built with AddressSanitizer, as the binary under test is (the two are
// built with the same flags). Its shadow memory inflates every RSS figure, and it runs the
// daemon and the engine many times slower: some tests size their load for it.

namespace minuted::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized_build = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif
#else
inline constexpr bool sanitized_build = false;
#endif

} // namespace minuted::testing
