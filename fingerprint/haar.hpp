// Full-depth orthonormal 2-D Haar transform in the FAST reference's pyramid
// layout: pywt.wavedec2(img, 'db1') at level log2(min(rows, cols)), unwrapped
// coarse to fine as [[cA, cV], [cH, cD]] (vertical detail top-right,
// horizontal detail bottom-left), flattened row-major.
//
// Each level transforms along axis 0 (pairs of rows) first, then axis 1, with
// the same double operations PyWavelets uses (c*a + c*b and c*a - c*b,
// c = 1/sqrt(2) rounded to double), so results match it bit for bit.
#pragma once

#include <cstddef>

namespace qp::fp {

/// In place on a row-major rows x cols image (both powers of two);
/// `scratch` holds at least rows*cols doubles.
void haar2d_pyramid(double* img, int rows, int cols, double* scratch);

/// The same transform from src into dst (distinct buffers; src is left
/// intact): the same double operations, so the same bits, without copying
/// each level's block back. `scratch` holds at least rows*cols/4 doubles.
void haar2d_pyramid_to(const double* src, int rows, int cols, double* dst, double* scratch);

/// Number of levels pywt uses by default: floor(log2(min(rows, cols))).
int haar_max_level(int rows, int cols);

/// Divides v by its Euclidean norm (sklearn.preprocessing.normalize); a zero
/// vector stays zero.
void l2_normalize(double* v, std::size_t n);

/// The same with the norm summed in NumPy's order (np.einsum('ij,ij->i'),
/// which sklearn uses: two lanes, even and odd indices, eight values per
/// step, lanes added at the end), so the norm is bit-identical to FAST's.
void l2_normalize_numpy(double* v, std::size_t n);

}  // namespace qp::fp
