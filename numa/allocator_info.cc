#include "numa/allocator_info.h"

#include <cstdint>
#include <cstdlib>

// Resolved only when jemalloc is linked into the process; null otherwise. Weak, so that
// linking ringmq_numa never pulls jemalloc in by itself.
extern "C" int mallctl(const char* name, void* old_value, size_t* old_length, void* new_value, size_t new_length)
    __attribute__((weak));

namespace ringmq::numa {

namespace {

uint64_t thread_allocated_bytes() {
  uint64_t allocated = 0;
  size_t length = sizeof(allocated);
  if (mallctl("thread.allocated", &allocated, &length, nullptr, 0) != 0) return 0;
  return allocated;
}

// jemalloc can be linked yet bypassed (a sanitizer interposing malloc, a prefixed build), so
// check that a malloc() shows up in jemalloc's own per-thread counter.
bool jemalloc_serves_malloc() {
  if (mallctl == nullptr) return false;
  uint64_t before = thread_allocated_bytes();
  // volatile: the compiler may otherwise drop a malloc/free pair whose result is unused.
  void* volatile probe = std::malloc(4096);
  uint64_t after = thread_allocated_bytes();
  std::free(probe);
  return after > before;
}

}  // namespace

const char* heap_allocator_name() {
  static const char* const name = jemalloc_serves_malloc() ? "jemalloc"
#ifdef __GLIBC__
                                                           : "glibc malloc";
#else
                                                           : "system malloc";
#endif
  return name;
}

std::string heap_allocator_version() {
  if (std::string(heap_allocator_name()) != "jemalloc") return "";
  const char* version = nullptr;
  size_t length = sizeof(version);
  if (mallctl("version", &version, &length, nullptr, 0) != 0 || version == nullptr) return "";
  return version;
}

}  // namespace ringmq::numa
