#include "runner/transfer_input.h"

#include <cmath>
#include <stdexcept>

namespace cdma::runner {

uint64_t parse_byte_size(const std::string& text, const std::string& flag) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument(flag + ": '" + text + "' is not a size (e.g. 4096, 64KiB, 256MiB, 1GiB)");
  }
  const std::string unit = text.substr(used);
  double mult = 1;
  if (unit == "" || unit == "B")
    mult = 1;
  else if (unit == "KiB" || unit == "K")
    mult = 1024.0;
  else if (unit == "MiB" || unit == "M")
    mult = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "G")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "KB")
    mult = 1e3;
  else if (unit == "MB")
    mult = 1e6;
  else if (unit == "GB")
    mult = 1e9;
  else
    throw std::invalid_argument(flag + ": unknown unit '" + unit + "' (B, KiB, MiB, GiB, KB, MB, GB)");
  if (!(v > 0)) throw std::invalid_argument(flag + " must be positive, got '" + text + "'");
  const double n = v * mult;
  if (!(n < 18446744073709551616.0))
    throw std::invalid_argument(flag + ": '" + text + "' is beyond 2^64 bytes");
  if (n != std::floor(n))
    throw std::invalid_argument(flag + ": '" + text + "' is not a whole number of bytes");
  return static_cast<uint64_t>(n);
}

void check_whole_elements(uint64_t bytes, tensor::DType dtype, const std::string& flag) {
  const uint64_t e = tensor::element_bytes(dtype);
  if (bytes % e != 0) {
    throw std::invalid_argument(flag + " " + std::to_string(bytes) + " is not a whole number of " +
                                std::to_string(e) + "-byte " + tensor::to_string(dtype) + " elements");
  }
}

TransferInput load_npy_input(const std::string& path) {
  tensor::NpyArray a = tensor::read_npy(path);
  TransferInput in;
  in.dtype = a.dtype;
  in.data = std::move(a.data);
  in.source = path;
  return in;
}

TransferInput synthetic_input(const tensor::ActivationSpec& spec, uint64_t bytes) {
  tensor::validate(spec);
  TransferInput in;
  in.dtype = spec.dtype;
  const uint64_t element = tensor::element_bytes(spec.dtype);
  in.data = tensor::generate_activations(spec, (bytes + element - 1) / element);
  in.data.resize(bytes);
  in.source = std::string("synthetic ") + tensor::to_string(spec.dtype) + ", clustering " +
              std::to_string(spec.clustering);
  return in;
}

}  // namespace cdma::runner
