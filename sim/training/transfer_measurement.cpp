#include "transfer_measurement.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>

#include "soc/cdma_soc.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"
#include "transfer_run.h"

namespace cdma::training {

namespace {

struct Densities {
  nlohmann::json layers;
  double clustering = 0.5;
};

Densities load_densities(const std::string& path, const Network& net, const TensorPlan& plan) {
  std::ifstream f(path);
  if (!f) throw NetworkError(path + ": cannot open densities file");
  Densities d;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw NetworkError(path + ": invalid JSON: " + e.what());
  }
  if (!j.contains("layers") || !j["layers"].is_object()) throw NetworkError(path + ": layers: missing");
  d.layers = j["layers"];
  d.clustering = j.value("default_clustering", 0.5);
  for (const auto& t : plan.tensors) {
    if (!t.offloaded || t.content == "input") continue;
    if (!d.layers.contains(t.content) || !d.layers[t.content].is_number()) {
      throw NetworkError(path + ": layers." + t.content + ": no density for this layer of " + net.name);
    }
    const double v = d.layers[t.content].get<double>();
    if (!(v >= 0 && v <= 1))
      throw NetworkError(path + ": layers." + t.content + ": density must be in [0, 1]");
  }
  return d;
}

// Supplies a tensor's bytes piece by piece.
class TensorBytes {
 public:
  TensorBytes(const MeasurementConfig& mc, const Densities* densities, const ActivationTensor& t, size_t id,
              uint32_t batch)
      : mc_(mc) {
    const uint64_t elements = t.elements_per_sample * batch;
    if (!mc.source.traces_dir.empty()) {
      const std::string file = mc.source.traces_dir + "/" + t.content + ".npy";
      if (!std::filesystem::exists(file))
        throw NetworkError(file + ": missing trace file for layer " + t.content);
      trace_ = tensor::read_npy(file);
      if (trace_.shape.empty() || trace_.shape[0] != batch || trace_.element_count() != elements) {
        std::string s;
        for (uint64_t d : trace_.shape) s += (s.empty() ? "" : ",") + std::to_string(d);
        throw NetworkError(file + ": shape (" + s + ") does not match batch " + std::to_string(batch) +
                           " x " + std::to_string(t.elements_per_sample) + " elements of layer " + t.content);
      }
      width_ = tensor::codec_element(trace_.dtype);
      bytes_ = trace_.data.size();
    } else {
      spec_.dtype = tensor::DType::kFloat32;
      spec_.density = t.content == "input" && !densities->layers.contains("input")
                          ? 1.0  // images are dense
                          : densities->layers.value(t.content, 1.0);
      spec_.clustering = mc.source.clustering >= 0 ? mc.source.clustering : densities->clustering;
      seed_ = mc.source.seed * 1000003 + id;
      bytes_ = elements * 4;
    }
  }

  uint64_t bytes() const { return bytes_; }
  codec::ElementWidth width() const { return width_; }
  // Fills `out` (resized to n) with the piece's bytes; returns its number of non-zero elements.
  uint64_t piece(uint64_t offset, uint64_t n, size_t index, codec::Bytes& out) const {
    out.resize(n);
    if (!trace_.data.empty()) {
      std::memcpy(out.data(), trace_.data.data() + offset, n);
      const size_t w = codec::bytes_of(width_);
      return static_cast<uint64_t>(tensor::measured_density(out, w) * static_cast<double>(n / w) + 0.5);
    }
    tensor::ActivationSpec s = spec_;
    s.seed = seed_ * 7919 + index;
    return tensor::generate_activations_into(s, codec::MutableByteSpan(out));
  }

 private:
  const MeasurementConfig& mc_;
  tensor::NpyArray trace_;
  tensor::ActivationSpec spec_;
  uint64_t seed_ = 0;
  uint64_t bytes_ = 0;
  codec::ElementWidth width_ = codec::ElementWidth::k32;
};

// One piece of one tensor, ready to move: its bytes and how many of its elements are non-zero.
struct Piece {
  std::shared_ptr<const TensorBytes> source;
  codec::Bytes data;
  uint64_t nonzero_elements = 0;
};

// `buffer` is a previous piece's storage, reused: a fresh 256 MiB vector per piece would cost page faults
// and zeroing.
Piece make_piece(std::shared_ptr<const TensorBytes> src, uint64_t offset, uint64_t n, size_t index,
                 codec::Bytes buffer) {
  Piece p;
  p.data = std::move(buffer);
  p.nonzero_elements = src->piece(offset, n, index, p.data);
  p.source = std::move(src);
  return p;
}

struct PieceRef {
  size_t tensor = 0;  // index into the plan
  uint64_t offset = 0, bytes = 0;
  size_t index = 0;  // piece number within the tensor
};

struct RoundTrip {
  sim::PhaseResult offload, prefetch;
};

// Offloads `data` from GPU address 0, frees the GPU copy, prefetches it back and checks it. `in_gpu` says
// whether GPU memory already holds `data` at 0 (a previous round trip came back identical), which saves
// writing it again; on return it says whether it does now.
RoundTrip round_trip(platform::CdmaSoc& soc, const dma::DmaDescriptor& base, const codec::Bytes& data,
                     const std::string& what, bool& in_gpu) {
  dma::DmaDescriptor d = base;
  d.bytes = data.size();
  if (!in_gpu) soc.write_gpu(0, data);
  d.op = dma::DmaDescriptor::Op::kOffload;
  RoundTrip r;
  r.offload = sim::run_descriptor(soc, d);
  soc.discard_gpu(0, d.bytes);  // vDNN frees the GPU copy once it is offloaded
  d.op = dma::DmaDescriptor::Op::kPrefetch;
  r.prefetch = sim::run_descriptor(soc, d);
  if (!r.offload.completion.ok || !r.prefetch.completion.ok) {
    throw std::runtime_error("transfer of " + what + " failed: " + r.offload.completion.error +
                             r.prefetch.completion.error);
  }
  in_gpu = soc.gpu_equals(0, data);
  soc.discard_host(0, r.offload.completion.host_bytes);
  return r;
}

}  // namespace

Measurements measure_transfers(const config::PlatformConfig& cfg, const Network& net, const TensorPlan& plan,
                               const MeasurementConfig& mc) {
  Densities densities;
  std::vector<uint64_t> tensor_bytes(plan.tensors.size(), 0);
  if (mc.source.traces_dir.empty()) {
    densities = load_densities(mc.source.densities_path, net, plan);
    for (size_t id = 0; id < plan.tensors.size(); ++id) {
      const ActivationTensor& t = plan.tensors[id];
      if (t.offloaded) tensor_bytes[id] = t.elements_per_sample * mc.batch * 4;  // synthetic data is fp32
    }
  } else {
    // Check every trace file against the network before simulating anything.
    for (size_t id = 0; id < plan.tensors.size(); ++id) {
      if (plan.tensors[id].offloaded)
        tensor_bytes[id] = TensorBytes(mc, &densities, plan.tensors[id], id, mc.batch).bytes();
    }
  }
  platform::CdmaSoc soc("soc", cfg);
  Measurements m;
  m.vdnn.resize(plan.tensors.size());
  m.cdma.resize(plan.tensors.size());
  // A piece is a whole number of ZV blocks and interleave granules, so pieces compress exactly like the
  // tensor.
  const uint64_t granule = uint64_t{cfg.gpu.dram.interleave_bytes} * cfg.gpu.dram.channels;
  const uint64_t segment = std::max<uint64_t>(mc.segment_bytes / granule, 1) * granule;

  std::vector<PieceRef> pieces;  // every piece, in order
  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    size_t index = 0;
    for (uint64_t off = 0; off < tensor_bytes[id]; off += segment, ++index) {
      pieces.push_back(PieceRef{id, off, std::min(segment, tensor_bytes[id] - off), index});
    }
  }
  // A tensor's source (a loaded trace) is made when its first piece is prepared and kept by its pieces only,
  // so at most two are held at once.
  std::shared_ptr<const TensorBytes> current;
  size_t current_id = 0;
  std::vector<codec::Bytes> spare;  // storage of pieces already moved
  auto prepare = [&](size_t k) {
    const PieceRef& p = pieces[k];
    if (!current || current_id != p.tensor) {
      current =
          std::make_shared<const TensorBytes>(mc, &densities, plan.tensors[p.tensor], p.tensor, mc.batch);
      current_id = p.tensor;
    }
    codec::Bytes buffer;
    if (!spare.empty()) {
      buffer = std::move(spare.back());
      spare.pop_back();
    }
    return std::async(std::launch::async, [src = current, p, b = std::move(buffer)]() mutable {
      return make_piece(src, p.offset, p.bytes, p.index, std::move(b));
    });
  };

  std::map<uint64_t, RoundTrip> uncompressed_by_size;
  std::vector<TensorResult> results(plan.tensors.size());
  std::vector<uint64_t> nonzeros(plan.tensors.size(), 0);
  std::future<Piece> next;
  if (!pieces.empty()) next = prepare(0);
  for (size_t k = 0; k < pieces.size(); ++k) {
    const PieceRef& ref = pieces[k];
    Piece piece = next.get();
    if (k + 1 < pieces.size()) next = prepare(k + 1);
    const ActivationTensor& t = plan.tensors[ref.tensor];
    TensorResult& r = results[ref.tensor];
    r.tensor = ref.tensor;
    r.bytes += ref.bytes;
    nonzeros[ref.tensor] += piece.nonzero_elements;
    const codec::ElementWidth width = piece.source->width();

    dma::DmaDescriptor d;
    d.codec = mc.codec;
    d.codec.element = width;
    d.codec.algorithm = codec::Algorithm::kNone;
    bool in_gpu = false;
    auto cached = uncompressed_by_size.find(ref.bytes);
    if (!mc.reuse_uncompressed || cached == uncompressed_by_size.end()) {
      const RoundTrip v = round_trip(soc, d, piece.data, t.content, in_gpu);
      m.bytes_identical = m.bytes_identical && in_gpu;
      cached = uncompressed_by_size.insert_or_assign(ref.bytes, v).first;
      m.bytes_moved += 2 * ref.bytes;
    } else {
      m.vdnn_reused_bytes += ref.bytes;
    }
    r.vdnn.offload_s += cached->second.offload.seconds;
    r.vdnn.prefetch_s += cached->second.prefetch.seconds;
    r.vdnn_pcie_bytes += cached->second.offload.completion.host_bytes;

    d.codec.algorithm = mc.codec.algorithm;
    const RoundTrip c = round_trip(soc, d, piece.data, t.content, in_gpu);
    m.bytes_identical = m.bytes_identical && in_gpu;
    soc.discard_gpu(0, ref.bytes);
    spare.push_back(std::move(piece.data));
    m.bytes_moved += 2 * ref.bytes;
    r.cdma.offload_s += c.offload.seconds;
    r.cdma.prefetch_s += c.prefetch.seconds;
    r.cdma_pcie_bytes += c.offload.completion.host_bytes;
    r.compressed_bytes += c.offload.completion.compressed_bytes;

    if (k + 1 == pieces.size() || pieces[k + 1].tensor != ref.tensor) {
      r.density =
          static_cast<double>(nonzeros[ref.tensor]) / static_cast<double>(r.bytes / codec::bytes_of(width));
      m.vdnn[ref.tensor] = r.vdnn;
      m.cdma[ref.tensor] = r.cdma;
      m.tensors.push_back(r);
    }
  }
  m.platform_stats = soc.stats();
  return m;
}

}  // namespace cdma::training
