// Reading and writing numpy .npy files (format versions 1.0, 2.0 and 3.0) for the element types the codecs
// handle. Parsing treats the input as untrusted: every problem is an NpyError with a one-line message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/bytes.h"
#include "codec/codec_config.h"

namespace cdma::tensor {

enum class DType : uint8_t { kFloat32, kFloat16, kInt8, kUint8 };

// "float32", "float16", "int8", "uint8" ("invalid" for a value outside the enum).
const char* to_string(DType dtype);
// 4, 2, 1, 1; throws std::invalid_argument for a value outside the enum.
size_t element_bytes(DType dtype);
// The codec element width of a dtype (fp32 -> 32, fp16 -> 16, int8/uint8 -> 8).
codec::ElementWidth codec_element(DType dtype);
// Accepts the names to_string() returns; throws std::invalid_argument listing them otherwise.
DType parse_dtype(const std::string& name);

struct NpyArray {
  DType dtype = DType::kFloat32;
  std::vector<uint64_t> shape;  // empty shape = scalar (1 element)
  std::vector<uint8_t> data;    // raw little-endian element bytes, C order

  // Product of shape (1 for an empty shape); throws std::overflow_error if it does not fit in 64 bits.
  uint64_t element_count() const;
};

class NpyError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

// Parses an in-memory .npy file; `name` prefixes every message ("<name>: <problem>"). Accepts descrs '<f4',
// '<f2', '|i1', '|u1', 'i1', 'u1', '<i1', '<u1'. Never reads outside `bytes`, and never allocates more than
// the data actually present.
NpyArray parse_npy(cdma::codec::ByteSpan bytes, const std::string& name);
// Reads and parses a file; I/O problems are NpyErrors too ("<path>: cannot open: <reason>").
NpyArray read_npy(const std::string& path);
// The same checks (the file's size must match its shape and dtype) reading only the header: dtype and shape,
// data left empty. For checking many large files before reading any of them.
NpyArray read_npy_header(const std::string& path);
// Version 1.0 (2.0 only if the header would not fit in 65535 bytes), data aligned to 64 bytes, header text as
// numpy writes it. Throws std::invalid_argument if data.size() does not match the shape and dtype.
std::vector<uint8_t> encode_npy(const NpyArray& array);
// Throws NpyError on I/O failure, std::invalid_argument as encode_npy().
void write_npy(const std::string& path, const NpyArray& array);

}  // namespace cdma::tensor
