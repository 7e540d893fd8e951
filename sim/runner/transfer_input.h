// The bytes a single transfer moves: a .npy file's elements, or synthetic activations of a given size.
#pragma once

#include <cstdint>
#include <string>

#include "codec/bytes.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"

namespace cdma::runner {

struct TransferInput {
  codec::Bytes data;
  tensor::DType dtype = tensor::DType::kFloat32;
  std::string source;  // what the bytes are, for the summary ("synthetic float32, clustering 0.5", a file)
};

// "4096", "64KiB", "256MiB", "1GiB", "1MB": a positive byte count. Throws std::invalid_argument naming the
// flag and the accepted units.
uint64_t parse_byte_size(const std::string& text, const std::string& flag);

// Throws std::invalid_argument naming `flag` unless `bytes` is a whole number of `dtype` elements.
void check_whole_elements(uint64_t bytes, tensor::DType dtype, const std::string& flag);

// The elements of a .npy file (throws tensor::NpyError naming the file).
TransferInput load_npy_input(const std::string& path);
// `bytes` of synthetic activations (a partial last element is cut); throws std::invalid_argument for a bad
// spec.
TransferInput synthetic_input(const tensor::ActivationSpec& spec, uint64_t bytes);

}  // namespace cdma::runner
