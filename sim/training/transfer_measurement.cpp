#include "transfer_measurement.h"

#include <filesystem>
#include <fstream>

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
  codec::Bytes piece(uint64_t offset, uint64_t n, size_t index) const {
    if (!trace_.data.empty()) {
      return codec::Bytes(trace_.data.begin() + static_cast<ptrdiff_t>(offset),
                          trace_.data.begin() + static_cast<ptrdiff_t>(offset + n));
    }
    tensor::ActivationSpec s = spec_;
    s.seed = seed_ * 7919 + index;
    return tensor::generate_activations(s, n / 4);
  }

 private:
  const MeasurementConfig& mc_;
  tensor::NpyArray trace_;
  tensor::ActivationSpec spec_;
  uint64_t seed_ = 0;
  uint64_t bytes_ = 0;
  codec::ElementWidth width_ = codec::ElementWidth::k32;
};

}  // namespace

Measurements measure_transfers(const config::PlatformConfig& cfg, const Network& net, const TensorPlan& plan,
                               const MeasurementConfig& mc) {
  Densities densities;
  if (mc.source.traces_dir.empty()) {
    densities = load_densities(mc.source.densities_path, net, plan);
  } else {
    // Check every trace file against the network before simulating anything.
    for (size_t id = 0; id < plan.tensors.size(); ++id) {
      if (plan.tensors[id].offloaded) (void)TensorBytes(mc, &densities, plan.tensors[id], id, mc.batch);
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
  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    const ActivationTensor& t = plan.tensors[id];
    if (!t.offloaded) continue;
    const TensorBytes src(mc, &densities, t, id, mc.batch);
    TensorResult r;
    r.tensor = id;
    r.bytes = src.bytes();
    uint64_t nonzero_elements = 0;
    size_t index = 0;
    for (uint64_t off = 0; off < src.bytes(); off += segment, ++index) {
      const uint64_t n = std::min(segment, src.bytes() - off);
      const codec::Bytes data = src.piece(off, n, index);
      nonzero_elements += static_cast<uint64_t>(tensor::measured_density(data, codec::bytes_of(src.width())) *
                                                    (n / codec::bytes_of(src.width())) +
                                                0.5);
      for (const bool compressed : {false, true}) {
        dma::DmaDescriptor d;
        d.codec = mc.codec;
        d.codec.algorithm = compressed ? mc.codec.algorithm : codec::Algorithm::kNone;
        d.codec.element = src.width();
        d.bytes = n;
        soc.write_gpu(0, data);
        d.op = dma::DmaDescriptor::Op::kOffload;
        const sim::PhaseResult off_phase = sim::run_descriptor(soc, d);
        soc.discard_gpu(0, n);  // vDNN frees the GPU copy once it is offloaded
        d.op = dma::DmaDescriptor::Op::kPrefetch;
        const sim::PhaseResult pre_phase = sim::run_descriptor(soc, d);
        if (!off_phase.completion.ok || !pre_phase.completion.ok) {
          throw std::runtime_error("transfer of " + t.content + " failed: " + off_phase.completion.error +
                                   pre_phase.completion.error);
        }
        m.bytes_identical = m.bytes_identical && soc.read_gpu(0, n) == data;
        soc.discard_gpu(0, n);
        soc.discard_host(0, off_phase.completion.host_bytes);
        TensorTransfer& tt = compressed ? r.cdma : r.vdnn;
        tt.offload_s += off_phase.seconds;
        tt.prefetch_s += pre_phase.seconds;
        (compressed ? r.cdma_pcie_bytes : r.vdnn_pcie_bytes) += off_phase.completion.host_bytes;
        if (compressed) r.compressed_bytes += off_phase.completion.compressed_bytes;
        m.bytes_moved += 2 * n;
      }
    }
    r.density =
        static_cast<double>(nonzero_elements) / static_cast<double>(r.bytes / codec::bytes_of(src.width()));
    m.vdnn[id] = r.vdnn;
    m.cdma[id] = r.cdma;
    m.tensors.push_back(r);
  }
  m.platform_stats = soc.stats();
  return m;
}

}  // namespace cdma::training
