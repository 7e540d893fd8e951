// How a training iteration's offloaded tensors are cut into pieces and handed to jobs. A piece is at most one
// segment, a whole number of interleave rows (so of ZV blocks too: pieces compress exactly like the tensor),
// and is moved by one DMA descriptor. An uncompressed transfer's timing depends only on its size (the
// platform is idle between pieces and nothing in it looks at the bytes), so unless every piece is simulated,
// the first piece of each size simulates vDNN's round trip for all pieces of that size. Jobs take work units
// one at a time; with traces, a tensor's pieces form one unit (each trace file is read by one job).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cdma::training {

struct PieceRef {
  size_t tensor = 0;  // index into the tensor plan
  uint64_t offset = 0, bytes = 0;
  size_t index = 0;  // piece number within the tensor
};

// Consecutive pieces handed to one job together: [first, end).
struct WorkUnit {
  size_t first = 0, end = 0;
};

struct PiecePlan {
  std::vector<PieceRef> pieces;  // every piece, tensor by tensor, in order
  // Per piece: the piece whose simulated vDNN round trip gives its vDNN timing (itself if it simulates it).
  std::vector<size_t> vdnn_timing_of;
  std::vector<WorkUnit> units;
  bool simulates_vdnn(size_t piece) const { return vdnn_timing_of[piece] == piece; }
};

// `tensor_bytes[t]`: the bytes of tensor t (0 if it is not offloaded). `row_bytes`: the platform's interleave
// row (granule x channels); the segment is rounded down to a whole number of rows, at least one.
PiecePlan plan_pieces(const std::vector<uint64_t>& tensor_bytes, uint64_t segment_bytes, uint64_t row_bytes,
                      bool reuse_uncompressed, bool unit_per_tensor);

}  // namespace cdma::training
