#include "common/errno_text.h"

#include <string.h>

namespace ringmq {

// strerrordesc_np and strerrorname_np are glibc 2.32+ (g++ defines _GNU_SOURCE, which declares
// them); they return static strings. Elsewhere the GNU strerror_r writes into our buffer, or
// returns a static string, and returns whichever it used.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define RINGMQ_HAVE_STRERRORDESC_NP 1
#else
#define RINGMQ_HAVE_STRERRORDESC_NP 0
#endif

std::string errno_text(int err) {
#if RINGMQ_HAVE_STRERRORDESC_NP
  if (const char* text = ::strerrordesc_np(err)) return text;
  return "Unknown error " + std::to_string(err);
#else
  char buffer[128];
  return ::strerror_r(err, buffer, sizeof buffer);
#endif
}

std::string errno_name(int err) {
#if RINGMQ_HAVE_STRERRORDESC_NP
  if (const char* name = ::strerrorname_np(err)) return name;
#endif
  return "errno " + std::to_string(err);
}

}  // namespace ringmq
