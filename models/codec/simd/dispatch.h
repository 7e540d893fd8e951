// Picks the fastest kernel table the running CPU supports. CDMA_SIMD=scalar|avx2|avx512 in the environment
// caps the choice (tests and benchmarks use it to compare paths).
#pragma once

#include <string>
#include <vector>

#include "codec/simd/pack_kernels.h"

namespace cdma::codec::simd {

const char* to_string(Isa isa);
// Throws std::invalid_argument for an unknown name.
Isa parse_isa(const std::string& name);
// Every ISA whose kernels were compiled in and that this CPU can run, scalar first.
std::vector<Isa> available_isas();
bool is_available(Isa isa);
// Highest available ISA, capped by CDMA_SIMD if set.
Isa best_isa();
// Kernel table for an available ISA; throws std::invalid_argument if it is not available.
const PackKernels& kernels_for(Isa isa);

}  // namespace cdma::codec::simd
