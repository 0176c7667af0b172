// One channel of a template, ready to correlate: demeaned and scaled to unit
// norm, so that its dot product with a window of data, divided by the
// window's demeaned norm, is the Pearson correlation coefficient.
#pragma once

#include <cstddef>
#include <vector>

namespace qp::match {

struct TemplateChannel {
  std::vector<float> weights;  ///< demeaned, sum of squares 1 (length m)
  double norm = 0;             ///< demeaned L2 norm of the raw samples (amplitude scale)

  std::size_t size() const { return weights.size(); }
};

/// Demeans `samples[0, m)` and scales them to unit norm. Throws
/// std::invalid_argument when m < 2 or the samples are constant (no
/// correlation is defined); callers check masks before.
TemplateChannel make_template_channel(const float* samples, std::size_t m);

}  // namespace qp::match
