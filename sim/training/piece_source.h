// Which bytes the pieces of one offloaded tensor hold: synthetic activations (each piece its own seeded
// stream, at the tensor's density), activations drawn from a fitted model of the layer (the whole tensor one
// seeded draw, pieces its ranges) or the elements of a real trace (<dir>/<layer>.npy). The bytes come from
// here and nowhere else, so they are the reference the round trips are checked against.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "codec/codec_config.h"
#include "tensor/activation_generator.h"
#include "tensor/fitted_generator.h"
#include "tensor/npy_file.h"
#include "training/density_table.h"
#include "training/tensor_plan.h"

namespace cdma::training {

class PieceSource {
 public:
  // fp32 activations of tensor `id` of the plan at the table's density; `clustering` < 0 takes the table's.
  // Piece k of the tensor is the stream seeded from (seed, id, k).
  static PieceSource synthetic(const ActivationTensor& t, size_t id, uint32_t batch,
                               const DensityTable& densities, double clustering, uint64_t seed);
  // Tensor `id` drawn from `model` (its layer's fitted model, at the density the table gives it), seeded from
  // (seed, id).
  static PieceSource fitted(const tensor::LayerActivationModel& model, const ActivationTensor& t, size_t id,
                            uint32_t batch, uint64_t seed);
  // The elements of `file` (read whole, checked against the tensor's shape at this batch).
  static PieceSource trace(const std::string& file, const ActivationTensor& t, uint32_t batch);

  uint64_t bytes() const { return bytes_; }
  codec::ElementWidth width() const { return width_; }
  // What a synthetic source generates (density, clustering, ...); unused for a trace or a fitted model.
  const tensor::ActivationSpec& spec() const { return spec_; }

  // Writes one piece's bytes front to back, counting its non-zero elements.
  class Writer {
   public:
    // The piece's bytes [off, off + n) into `dst`, right after the ones written last (from 0).
    void write(uint64_t off, uint8_t* dst, uint64_t n);
    uint64_t nonzeros() const { return nonzeros_; }

   private:
    friend class PieceSource;
    Writer(const PieceSource& source, uint64_t offset, const tensor::ActivationSpec& spec)
        : source_(source), offset_(offset), stream_(spec) {}
    const PieceSource& source_;
    uint64_t offset_;
    tensor::ActivationStream stream_;            // synthetic only
    tensor::FittedGenerator::PlaneCache plane_;  // fitted only
    uint64_t nonzeros_ = 0;
  };
  // The writer of the piece that starts at byte `offset` of the tensor and is its piece number `index`.
  Writer writer(uint64_t offset, size_t index) const;

 private:
  PieceSource() = default;
  tensor::NpyArray trace_;
  std::shared_ptr<const tensor::FittedGenerator> fitted_;
  tensor::ActivationSpec spec_;
  uint64_t seed_ = 0;
  uint64_t bytes_ = 0;
  codec::ElementWidth width_ = codec::ElementWidth::k32;
};

// Checks a trace's shape (from `array`, whose data may be left unread) against the tensor at `batch`; throws
// NetworkError naming the file.
void check_trace_shape(const std::string& file, const tensor::NpyArray& array, const ActivationTensor& t,
                       uint32_t batch);

}  // namespace cdma::training
