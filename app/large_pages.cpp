// The quakeprint program's operator new: large blocks are asked to be
// backed by transparent huge pages (madvise; where the system allows it).
// The stages hold days of samples and fingerprints in buffers they fill
// once: on 4 KiB pages the first touch of such a buffer (a page fault per
// page, the kernel zeroing it) cost more than the work on it (about half of
// preprocess's CPU time on a 1-day record). Contents and results are the
// same; only the page size differs.
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
constexpr std::size_t kLarge = std::size_t{8} << 20;

void* allocate(std::size_t n) {
  void* p = std::malloc(n != 0 ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  if (n >= kLarge) {
    // The whole huge pages inside the block (glibc maps such blocks on their own).
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kHugePage - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  return p;
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
