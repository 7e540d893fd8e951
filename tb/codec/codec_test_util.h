// Shared helpers for the codec tests: test data from the activation generator and a naive reference count.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "tensor/activation_generator.h"

namespace cdma::codec::test {

inline tensor::DType dtype_for(ElementWidth w) {
  switch (w) {
    case ElementWidth::k8:
      return tensor::DType::kInt8;
    case ElementWidth::k16:
      return tensor::DType::kFloat16;
    case ElementWidth::k32:
      return tensor::DType::kFloat32;
  }
  return tensor::DType::kFloat32;
}

// `bytes` bytes of activations of the codec's element type; the last element may be cut (odd sizes).
inline Bytes make_data(ElementWidth w, double density, double clustering, uint64_t seed, size_t bytes) {
  tensor::ActivationSpec spec;
  spec.dtype = dtype_for(w);
  spec.density = density;
  spec.clustering = clustering;
  spec.seed = seed;
  const size_t e = bytes_of(w);
  Bytes data = tensor::generate_activations(spec, (bytes + e - 1) / e);
  data.resize(bytes);
  return data;
}

// Number of elements whose bits are not all zero, reading a partial last element as zero-padded.
inline uint64_t naive_nonzero(ByteSpan data, size_t e) {
  uint64_t n = 0;
  for (size_t off = 0; off < data.size(); off += e) {
    uint64_t v = 0;
    std::memcpy(&v, data.data() + off, off + e <= data.size() ? e : data.size() - off);
    n += v != 0;
  }
  return n;
}

inline std::vector<CodecConfig> all_configs() {
  std::vector<CodecConfig> out;
  for (Algorithm a : all_algorithms()) {
    for (ElementWidth w : {ElementWidth::k8, ElementWidth::k16, ElementWidth::k32}) {
      if (a == Algorithm::kZl) {
        out.push_back({a, w, 1});
        out.push_back({a, w, 6});
      } else {
        out.push_back({a, w, 0});
      }
    }
  }
  return out;
}

inline std::string config_name(const CodecConfig& c) {
  std::string n = to_string(c.algorithm);
  for (char& ch : n) ch = ch == '-' ? '_' : ch;
  n += "_e" + std::to_string(8 * bytes_of(c.element));
  if (c.algorithm == Algorithm::kZl) n += "_l" + std::to_string(c.zlib_level);
  return n;
}

inline bool is_mask_format(Algorithm a) {
  return a == Algorithm::kZv || a == Algorithm::kZcompInterleaved || a == Algorithm::kZcompSeparate;
}

}  // namespace cdma::codec::test
