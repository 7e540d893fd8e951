// One piece of an offloaded tensor through one SoC, as vDNN and as cDMA: written to GPU memory, offloaded,
// freed on the GPU (as vDNN frees it), prefetched back and checked. The reference is the piece's own image,
// filled from its source (generated or loaded bytes) and never written by the simulation: GPU memory holds
// its pages shared copy-on-write, so whatever the models do to GPU memory (a wrong write during the offload
// included) cannot change the bytes the prefetch is checked against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/codec_config.h"
#include "memory/memory_image.h"
#include "soc/cdma_soc.h"
#include "training/piece_plan.h"
#include "training/piece_source.h"
#include "training/vdnn_schedule.h"

namespace cdma::training {

// What one piece's round trips measured.
struct PieceResult {
  size_t piece = 0;  // index into the piece plan
  TensorTransfer vdnn, cdma;
  uint64_t vdnn_pcie_bytes = 0, cdma_pcie_bytes = 0, compressed_bytes = 0, nonzero_elements = 0;
  bool vdnn_reused = false;     // vDNN's round trip was not simulated: its timing comes from another piece
  bool bytes_identical = true;  // every round trip simulated came back as the source's bytes
};
// A job process sends its results to the parent as JSON.
void to_json(nlohmann::json& j, const PieceResult& r);
void from_json(const nlohmann::json& j, PieceResult& r);

// Measures piece `ref` (number `piece` of the plan) at GPU address 0 of `soc`, whose memories are idle and
// empty there: vDNN's uncompressed round trip if `simulate_vdnn`, then cDMA's with `codec` (its element width
// is the source's). `spare` lends and takes back page storage between pieces. Throws std::runtime_error
// naming `what` if a descriptor fails.
PieceResult run_piece(platform::CdmaSoc& soc, size_t piece, const PieceRef& ref, const PieceSource& source,
                      const codec::CodecConfig& codec, bool simulate_vdnn, const std::string& what,
                      std::vector<memory::MemoryImage::PageBytes>& spare);

}  // namespace cdma::training
