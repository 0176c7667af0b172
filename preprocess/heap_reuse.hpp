// Keeping freed large blocks in the heap while a stage runs (glibc).
#pragma once

namespace qp::pre {

/// While one lives, freed large blocks stay in the heap for reuse. A stage
/// that works unit after unit fills and frees buffers of a channel-day each
/// time (preprocess: decoded samples, the merged record, the filters' work,
/// the output; fingerprint: the unit's samples, its fingerprints, the
/// median/MAD sample). glibc hands such blocks to mmap and gives them
/// back to the kernel on free, so every channel paid again for the kernel
/// zeroing fresh pages (a third of the stage's CPU time); kept, they are
/// reused and peak RSS stays that of one channel-day. Process-wide (glibc
/// only; elsewhere nothing): the destructor restores glibc's defaults and
/// returns the kept memory, so later stages of `quakeprint run` allocate as
/// before. One at a time.
class HeapReuse {
 public:
  HeapReuse();
  ~HeapReuse();
  HeapReuse(const HeapReuse&) = delete;
  HeapReuse& operator=(const HeapReuse&) = delete;
};

}  // namespace qp::pre
