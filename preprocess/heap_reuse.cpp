#include "preprocess/heap_reuse.hpp"

#include <limits>  // first: it defines __GLIBC__ where glibc is the C library

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace qp::pre {

HeapReuse::HeapReuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
}

HeapReuse::~HeapReuse() {
#if defined(__GLIBC__)
  // glibc's defaults again, and the kept memory back to the system.
  mallopt(M_MMAP_MAX, 65536);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  malloc_trim(0);
#endif
}

}  // namespace qp::pre
