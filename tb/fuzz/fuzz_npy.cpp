// libFuzzer target for the .npy parser: malformed files must throw NpyError, never crash or overread.
#include <cstdlib>

#include "tensor/npy_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const cdma::tensor::NpyArray a = cdma::tensor::parse_npy(cdma::codec::ByteSpan(data, size), "fuzz.npy");
    // A parsed array must describe exactly the bytes it holds.
    if (a.data.size() != a.element_count() * cdma::tensor::element_bytes(a.dtype)) std::abort();
  } catch (const cdma::tensor::NpyError&) {
  }
  return 0;
}
