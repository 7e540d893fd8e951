#include "training/piece_plan.h"

#include <algorithm>
#include <map>

namespace cdma::training {

PiecePlan plan_pieces(const std::vector<uint64_t>& tensor_bytes, uint64_t segment_bytes, uint64_t row_bytes,
                      bool reuse_uncompressed, bool unit_per_tensor) {
  PiecePlan p;
  const uint64_t segment = std::max<uint64_t>(segment_bytes / row_bytes, 1) * row_bytes;
  for (size_t id = 0; id < tensor_bytes.size(); ++id) {
    size_t index = 0;
    for (uint64_t off = 0; off < tensor_bytes[id]; off += segment, ++index) {
      p.pieces.push_back(PieceRef{id, off, std::min(segment, tensor_bytes[id] - off), index});
    }
  }
  // Fixed here, before any job starts, so the report does not depend on which job gets which piece.
  std::map<uint64_t, size_t> first_of_size;
  for (size_t k = 0; k < p.pieces.size(); ++k) {
    const size_t first = first_of_size.emplace(p.pieces[k].bytes, k).first->second;
    p.vdnn_timing_of.push_back(reuse_uncompressed ? first : k);
  }
  for (size_t k = 0; k < p.pieces.size(); ++k) {
    const bool joins =
        !p.units.empty() && unit_per_tensor && p.pieces[p.units.back().first].tensor == p.pieces[k].tensor;
    if (joins) {
      p.units.back().end = k + 1;
    } else {
      p.units.push_back(WorkUnit{k, k + 1});
    }
  }
  return p;
}

}  // namespace cdma::training
