#include "fingerprint/numpy_argsort.hpp"

#include <utility>

namespace qp::fp {

namespace {

// NumPy's ordering of doubles: NaN after everything.
inline bool less(double a, double b) { return a < b || (b != b && a == a); }

// Heapsort on the index range [0, n) of `tosort` (NumPy's aheapsort, used
// when the introsort depth limit is reached).
void heapsort(const double* v, std::int64_t* tosort, std::int64_t n) {
  std::int64_t* a = tosort - 1;  // 1-based
  std::int64_t i, j, l, tmp;
  for (l = n >> 1; l > 0; --l) {
    tmp = a[l];
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && less(v[a[j]], v[a[j + 1]])) j += 1;
      if (less(v[tmp], v[a[j]])) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
  for (; n > 1;) {
    tmp = a[n];
    a[n] = a[1];
    n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && less(v[a[j]], v[a[j + 1]])) j++;
      if (less(v[tmp], v[a[j]])) {
        a[i] = a[j];
        i = j;
        j += j;
      } else {
        break;
      }
    }
    a[i] = tmp;
  }
}

int msb(std::size_t n) {
  int d = 0;
  while (n >>= 1) ++d;
  return d;
}

}  // namespace

void numpy_argsort(const double* v, std::size_t n, std::int64_t* idx) {
  for (std::size_t i = 0; i < n; ++i) idx[i] = static_cast<std::int64_t>(i);
  if (n < 2) return;
  constexpr std::ptrdiff_t kSmall = 15;  // SMALL_QUICKSORT
  constexpr int kStack = 128;            // PYA_QS_STACK
  std::int64_t* pl = idx;
  std::int64_t* pr = idx + n - 1;
  std::int64_t* stack[kStack];
  std::int64_t** sptr = stack;
  int depth[kStack];
  int* psdepth = depth;
  int cdepth = msb(n) * 2;
  for (;;) {
    if (cdepth < 0) {
      heapsort(v, pl, pr - pl + 1);
      goto stack_pop;
    }
    while ((pr - pl) > kSmall) {
      std::int64_t* pm = pl + ((pr - pl) >> 1);
      if (less(v[*pm], v[*pl])) std::swap(*pm, *pl);
      if (less(v[*pr], v[*pm])) std::swap(*pr, *pm);
      if (less(v[*pm], v[*pl])) std::swap(*pm, *pl);
      const double vp = v[*pm];
      std::int64_t* pi = pl;
      std::int64_t* pj = pr - 1;
      std::swap(*pm, *pj);
      for (;;) {
        do ++pi;
        while (less(v[*pi], vp));
        do --pj;
        while (less(vp, v[*pj]));
        if (pi >= pj) break;
        std::swap(*pi, *pj);
      }
      std::int64_t* pk = pr - 1;
      std::swap(*pi, *pk);
      // The larger partition goes on the stack.
      if (pi - pl < pr - pi) {
        *sptr++ = pi + 1;
        *sptr++ = pr;
        pr = pi - 1;
      } else {
        *sptr++ = pl;
        *sptr++ = pi - 1;
        pl = pi + 1;
      }
      *psdepth++ = --cdepth;
    }
    // Insertion sort of the small rest.
    for (std::int64_t* pi = pl + 1; pi <= pr; ++pi) {
      const std::int64_t vi = *pi;
      const double vp = v[vi];
      std::int64_t* pj = pi;
      std::int64_t* pk = pi - 1;
      while (pj > pl && less(vp, v[*pk])) *pj-- = *pk--;
      *pj = vi;
    }
  stack_pop:
    if (sptr == stack) break;
    pr = *(--sptr);
    pl = *(--sptr);
    cdepth = *(--psdepth);
  }
}

}  // namespace qp::fp
