// Which allocator serves malloc in this process, so the start-up log can say so. An
// executable gets jemalloc by linking the ringmq_jemalloc target (numa/CMakeLists.txt);
// everything else in the process — request buffers, strings, containers — then uses it.
#pragma once

#include <string>

namespace ringmq::numa {

// "jemalloc" when jemalloc is linked and really serves malloc, else "glibc malloc" (or
// "system malloc" off glibc). Checked once, then cached.
const char* heap_allocator_name();
// jemalloc's version ("5.3.0-0-g54eaed1..."), or empty when jemalloc is not the allocator.
std::string heap_allocator_version();

}  // namespace ringmq::numa
