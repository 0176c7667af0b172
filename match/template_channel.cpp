#include "match/template_channel.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace qp::match {

TemplateChannel make_template_channel(const float* samples, std::size_t m) {
  if (m < 2) throw std::invalid_argument("template channel needs at least 2 samples");
  double mean = 0;
  for (std::size_t i = 0; i < m; ++i) mean += samples[i];
  mean /= static_cast<double>(m);
  double ss = 0;
  for (std::size_t i = 0; i < m; ++i) ss += (samples[i] - mean) * (samples[i] - mean);
  if (!(ss > 0) || !std::isfinite(ss))
    throw std::invalid_argument("template channel of " + std::to_string(m) +
                                " samples is constant or not finite");
  TemplateChannel t;
  t.norm = std::sqrt(ss);
  t.weights.resize(m);
  for (std::size_t i = 0; i < m; ++i) t.weights[i] = static_cast<float>((samples[i] - mean) / t.norm);
  return t;
}

}  // namespace qp::match
