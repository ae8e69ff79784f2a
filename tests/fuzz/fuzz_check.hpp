#pragma once

// An invariant of a fuzz target: when it does not hold, the target says which (file, line and
// the condition) and aborts, so libFuzzer keeps the input as a crash.

#include <cstdio>
#include <cstdlib>

namespace minuted::fuzz {

[[noreturn]] inline void fail(char const* what, char const* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    std::abort();
}

} // namespace minuted::fuzz

#define MINUTED_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ::minuted::fuzz::fail(#cond, __FILE__, __LINE__);                                      \
    } while (false)
