// libFuzzer target for activation model files (cdma-activation-model/1): any text is parsed and checked;
// what the checks accept must be drawable, so a few elements of every layer are generated from it.
#include <cstdlib>
#include <string>
#include <vector>

#include "tensor/activation_model.h"
#include "tensor/fitted_generator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    const cdma::tensor::ActivationModel m = cdma::tensor::ActivationModel::from_json(j, "fuzz.json");
    for (const auto& [name, layer] : m.layers) {
      const cdma::tensor::FittedGenerator g(layer, 1);
      std::vector<uint8_t> out(4 * 64);
      const uint64_t nonzeros =
          g.fill(layer.plane_elements / 2, cdma::codec::MutableByteSpan(out.data(), out.size()));
      if (nonzeros > 64) std::abort();
    }
  } catch (const cdma::tensor::ActivationModelError&) {
  }
  return 0;
}
