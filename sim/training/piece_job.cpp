#include "training/piece_job.h"

#include <stdexcept>

#include "runner/transfer_run.h"
#include "training/piece_filler.h"

namespace cdma::training {

namespace {

struct RoundTrip {
  runner::PhaseResult offload, prefetch;
  bool identical = false;  // what came back equals the reference
};

// Offloads the piece at GPU address 0, frees the GPU copy, prefetches it back and checks it against
// `reference` as it lands. GPU memory holds the piece unless `in_gpu` says a previous round trip came back
// different; on return `in_gpu` says whether it holds it now.
RoundTrip round_trip(platform::CdmaSoc& soc, dma::DmaDescriptor d, const memory::MemoryImage& reference,
                     const std::string& what, bool& in_gpu) {
  if (!in_gpu) soc.gpu_memory().adopt(reference);  // a copy of the image: its pages shared
  d.op = dma::DmaDescriptor::Op::kOffload;
  RoundTrip r;
  r.offload = runner::run_descriptor(soc, d);
  soc.gpu_memory().discard(0, d.bytes);  // vDNN frees the GPU copy once it is offloaded
  d.op = dma::DmaDescriptor::Op::kPrefetch;
  {
    const platform::GpuBackdoor::Expectation landing(soc.gpu_memory(), reference);
    r.prefetch = runner::run_descriptor(soc, d);
    r.identical = landing.met();
  }
  in_gpu = r.identical;
  if (!r.offload.completion.ok || !r.prefetch.completion.ok) {
    throw std::runtime_error("transfer of " + what + " failed: " + r.offload.completion.error +
                             r.prefetch.completion.error);
  }
  soc.host_memory().discard(0, r.offload.completion.host_bytes);
  return r;
}

// Removes the access hook when the piece is done, also if a transfer failed.
class HookScope {
 public:
  HookScope(platform::GpuBackdoor& gpu, PieceFiller& filler) : gpu_(gpu) {
    gpu_.set_access_hook(
        [&filler](uint32_t ch, uint64_t local, uint64_t len) { filler.ensure(ch, local, len); });
  }
  ~HookScope() { gpu_.set_access_hook(nullptr); }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;

 private:
  platform::GpuBackdoor& gpu_;
};

}  // namespace

void to_json(nlohmann::json& j, const PieceResult& r) {
  j = nlohmann::json::array({r.piece, r.vdnn.offload_s, r.vdnn.prefetch_s, r.cdma.offload_s,
                             r.cdma.prefetch_s, r.vdnn_pcie_bytes, r.cdma_pcie_bytes, r.compressed_bytes,
                             r.nonzero_elements, r.vdnn_reused, r.bytes_identical});
}

void from_json(const nlohmann::json& j, PieceResult& r) {
  r.piece = j.at(0).get<size_t>();
  r.vdnn.offload_s = j.at(1).get<double>();
  r.vdnn.prefetch_s = j.at(2).get<double>();
  r.cdma.offload_s = j.at(3).get<double>();
  r.cdma.prefetch_s = j.at(4).get<double>();
  r.vdnn_pcie_bytes = j.at(5).get<uint64_t>();
  r.cdma_pcie_bytes = j.at(6).get<uint64_t>();
  r.compressed_bytes = j.at(7).get<uint64_t>();
  r.nonzero_elements = j.at(8).get<uint64_t>();
  r.vdnn_reused = j.at(9).get<bool>();
  r.bytes_identical = j.at(10).get<bool>();
}

PieceResult run_piece(platform::CdmaSoc& soc, size_t piece, const PieceRef& ref, const PieceSource& source,
                      const codec::CodecConfig& codec, bool simulate_vdnn, const std::string& what,
                      std::vector<memory::MemoryImage::PageBytes>& spare) {
  PieceResult r;
  r.piece = piece;
  r.vdnn_reused = !simulate_vdnn;

  // The reference: the piece's pages, filled from its source as the simulation first reaches each chunk of
  // them. GPU memory gets them shared before the hook is set (so handing them over fills nothing).
  memory::MemoryImage reference(soc.address_map(), 0, ref.bytes);
  reference.allocate(spare);
  PieceFiller filler(soc.address_map(), reference, source.writer(ref.offset, ref.index));
  soc.gpu_memory().adopt(reference);
  bool in_gpu = true;
  {
    const HookScope hook(soc.gpu_memory(), filler);
    dma::DmaDescriptor d;
    d.bytes = ref.bytes;
    d.codec = codec;
    d.codec.element = source.width();
    if (simulate_vdnn) {
      d.codec.algorithm = codec::Algorithm::kNone;
      const RoundTrip v = round_trip(soc, d, reference, what, in_gpu);
      r.bytes_identical = r.bytes_identical && v.identical;
      r.vdnn = {v.offload.seconds, v.prefetch.seconds};
      r.vdnn_pcie_bytes = v.offload.completion.host_bytes;
    }
    d.codec.algorithm = codec.algorithm;
    const RoundTrip c = round_trip(soc, d, reference, what, in_gpu);
    r.bytes_identical = r.bytes_identical && c.identical;
    r.cdma = {c.offload.seconds, c.prefetch.seconds};
    r.cdma_pcie_bytes = c.offload.completion.host_bytes;
    r.compressed_bytes = c.offload.completion.compressed_bytes;
  }
  r.nonzero_elements = filler.finish();  // filled already: the first offload read every byte
  soc.gpu_memory().discard(0, ref.bytes);
  reference.release(spare);
  return r;
}

}  // namespace cdma::training
