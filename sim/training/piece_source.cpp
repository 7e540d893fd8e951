#include "training/piece_source.h"

#include <cstring>
#include <filesystem>

namespace cdma::training {

PieceSource PieceSource::synthetic(const ActivationTensor& t, size_t id, uint32_t batch,
                                   const DensityTable& densities, double clustering, uint64_t seed) {
  PieceSource s;
  s.spec_.dtype = tensor::DType::kFloat32;
  s.spec_.density = densities.density_of(t);
  // --clustering overrides; otherwise the layer's own entry of the densities file, else its default.
  s.spec_.clustering = clustering >= 0 ? clustering : densities.clustering_of(t);
  s.seed_ = seed * 1000003 + id;
  s.bytes_ = t.elements_per_sample * batch * kElementBytes;
  return s;
}

PieceSource PieceSource::fitted(const tensor::LayerActivationModel& model, const ActivationTensor& t,
                                size_t id, uint32_t batch, uint64_t seed) {
  if (model.sample_elements() != t.elements_per_sample)
    throw NetworkError(
        "activation model of layer " + t.content + ": " + std::to_string(model.sample_elements()) +
        " elements per sample, the network's tensor has " + std::to_string(t.elements_per_sample));
  PieceSource s;
  s.seed_ = seed * 1000003 + id;
  s.fitted_ = std::make_shared<const tensor::FittedGenerator>(model, s.seed_);
  s.bytes_ = t.elements_per_sample * batch * kElementBytes;
  return s;
}

PieceSource PieceSource::trace(const std::string& file, const ActivationTensor& t, uint32_t batch) {
  PieceSource s;
  s.trace_ = tensor::read_npy(file);
  check_trace_shape(file, s.trace_, t, batch);
  s.width_ = tensor::codec_element(s.trace_.dtype);
  s.bytes_ = s.trace_.data.size();
  return s;
}

PieceSource::Writer PieceSource::writer(uint64_t offset, size_t index) const {
  tensor::ActivationSpec s = spec_;
  s.seed = seed_ * 7919 + index;
  return Writer(*this, offset, s);
}

void PieceSource::Writer::write(uint64_t off, uint8_t* dst, uint64_t n) {
  if (!source_.trace_.data.empty()) {
    std::memcpy(dst, source_.trace_.data.data() + offset_ + off, n);
    nonzeros_ += tensor::count_nonzero(codec::ByteSpan(dst, n), codec::bytes_of(source_.width_));
  } else if (source_.fitted_) {
    const uint64_t begin = offset_ + off;
    if (begin % kElementBytes == 0 && n % kElementBytes == 0) {
      nonzeros_ += source_.fitted_->fill(begin / kElementBytes, codec::MutableByteSpan(dst, n), plane_);
    } else {  // not on element boundaries: draw the elements that cover the range
      const uint64_t first = begin / kElementBytes, last = (begin + n + kElementBytes - 1) / kElementBytes;
      std::vector<uint8_t> covering((last - first) * kElementBytes);
      source_.fitted_->fill(first, codec::MutableByteSpan(covering.data(), covering.size()), plane_);
      std::memcpy(dst, covering.data() + begin % kElementBytes, n);
      // An element counts in the write that ends it, so that a piece's total is exact.
      for (uint64_t e = first; e < last; ++e) {
        const uint64_t end = (e + 1) * kElementBytes;
        if (end <= begin || end > begin + n) continue;
        const uint8_t* p = covering.data() + (e - first) * kElementBytes;
        nonzeros_ += (p[0] | p[1] | p[2] | p[3]) != 0;
      }
    }
  } else {
    nonzeros_ += stream_.fill(codec::MutableByteSpan(dst, n));
  }
}

void check_trace_shape(const std::string& file, const tensor::NpyArray& array, const ActivationTensor& t,
                       uint32_t batch) {
  const uint64_t elements = t.elements_per_sample * batch;
  if (array.shape.empty() || array.shape[0] != batch || array.element_count() != elements) {
    std::string s;
    for (uint64_t d : array.shape) s += (s.empty() ? "" : ",") + std::to_string(d);
    throw NetworkError(file + ": shape (" + s + ") does not match batch " + std::to_string(batch) + " x " +
                       std::to_string(t.elements_per_sample) + " elements of layer " + t.content);
  }
}

}  // namespace cdma::training
