#include "codec/simd/dispatch.h"

#include <cstdlib>
#include <stdexcept>

#include "util/enum_table.h"

namespace cdma::codec::simd {

namespace {

const util::EnumTable<Isa, 3> kIsas(
    "SIMD level", {{{Isa::kScalar, "scalar"}, {Isa::kAvx2, "avx2"}, {Isa::kAvx512, "avx512"}}});

}  // namespace

const char* to_string(Isa isa) {
  return kIsas.name(isa);
}

Isa parse_isa(const std::string& name) {
  return kIsas.parse(name);
}

namespace {

bool cpu_runs(Isa isa) {
  // libgcc's cpu model also checks that the OS saves the wider register state (XCR0).
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi2");
  }
  return false;
}

const PackKernels* compiled(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return &scalar_kernels();
    case Isa::kAvx2:
      return avx2_kernels();
    case Isa::kAvx512:
      return avx512_kernels();
  }
  return nullptr;
}

}  // namespace

bool is_available(Isa isa) {
  // The CPU first: building a kernel table runs code compiled for that instruction set.
  return cpu_runs(isa) && compiled(isa) != nullptr;
}

std::vector<Isa> available_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (is_available(isa)) out.push_back(isa);
  }
  return out;
}

Isa best_isa() {
  static const Isa best = [] {
    Isa cap = Isa::kAvx512;
    if (const char* env = std::getenv("CDMA_SIMD"); env != nullptr && *env != '\0') cap = parse_isa(env);
    Isa chosen = Isa::kScalar;
    for (Isa isa : available_isas()) {
      if (static_cast<int>(isa) <= static_cast<int>(cap)) chosen = isa;
    }
    return chosen;
  }();
  return best;
}

const PackKernels& kernels_for(Isa isa) {
  if (!is_available(isa)) {
    throw std::invalid_argument(std::string("SIMD level ") + to_string(isa) +
                                " is not available on this CPU/build");
  }
  return *compiled(isa);
}

}  // namespace cdma::codec::simd
