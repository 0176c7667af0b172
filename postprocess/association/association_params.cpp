#include "postprocess/association/association_params.hpp"

#include <string>

#include "pipeline/error.hpp"
#include "postprocess/association/params_check.hpp"

namespace qp::post {

void AssociationParams::validate() const {
  detail::check_params(*this, [](const char* key, const char* why) {
    throw qp::ConfigError(std::string("associate.") + key, why);
  });
}

}  // namespace qp::post
