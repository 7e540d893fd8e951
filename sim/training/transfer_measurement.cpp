#include "training/transfer_measurement.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <sys/resource.h>

#include "memory/memory_image.h"
#include "runner/isolated_run.h"
#include "runner/merged_stats.h"
#include "runner/shared_counter.h"
#include "runner/transfer_run.h"
#include "soc/cdma_soc.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"

namespace cdma::training {

namespace {

struct Densities {
  nlohmann::json layers;
  double clustering = 0.5;
  // The synthetic density of tensor `t`'s activations.
  double of(const ActivationTensor& t) const {
    return t.content == "input" && !layers.contains("input") ? 1.0  // images are dense
                                                             : layers.value(t.content, 1.0);
  }
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

// The trace file of a layer; throws NetworkError if there is none.
std::string trace_path(const MeasurementConfig& mc, const ActivationTensor& t) {
  const std::string file = mc.source.traces_dir + "/" + t.content + ".npy";
  if (!std::filesystem::exists(file))
    throw NetworkError(file + ": missing trace file for layer " + t.content);
  return file;
}

// Checks a trace's shape (from `array`, whose data may be left unread) against the layer; throws
// NetworkError naming the file.
void check_trace(const std::string& file, const tensor::NpyArray& array, const ActivationTensor& t,
                 uint32_t batch) {
  const uint64_t elements = t.elements_per_sample * batch;
  if (array.shape.empty() || array.shape[0] != batch || array.element_count() != elements) {
    std::string s;
    for (uint64_t d : array.shape) s += (s.empty() ? "" : ",") + std::to_string(d);
    throw NetworkError(file + ": shape (" + s + ") does not match batch " + std::to_string(batch) + " x " +
                       std::to_string(t.elements_per_sample) + " elements of layer " + t.content);
  }
}

// Supplies a tensor's bytes piece by piece.
class TensorBytes {
 public:
  TensorBytes(const MeasurementConfig& mc, const Densities* densities, const ActivationTensor& t, size_t id,
              uint32_t batch) {
    const uint64_t elements = t.elements_per_sample * batch;
    if (!mc.source.traces_dir.empty()) {
      const std::string file = trace_path(mc, t);
      trace_ = tensor::read_npy(file);
      check_trace(file, trace_, t, batch);
      width_ = tensor::codec_element(trace_.dtype);
      bytes_ = trace_.data.size();
    } else {
      spec_.dtype = tensor::DType::kFloat32;
      spec_.density = densities->of(t);
      spec_.clustering = mc.source.clustering >= 0 ? mc.source.clustering : densities->clustering;
      seed_ = mc.source.seed * 1000003 + id;
      bytes_ = elements * 4;
    }
  }

  uint64_t bytes() const { return bytes_; }
  codec::ElementWidth width() const { return width_; }

  // Writes one piece's bytes front to back, counting its non-zero elements.
  class PieceWriter {
   public:
    PieceWriter(const TensorBytes& src, uint64_t offset, size_t index)
        : src_(src), offset_(offset), stream_(src.piece_spec(index)) {}
    // The piece's bytes [off, off + n), right after the ones written last.
    void write(uint64_t off, uint8_t* dst, uint64_t n) {
      if (!src_.trace_.data.empty()) {
        std::memcpy(dst, src_.trace_.data.data() + offset_ + off, n);
        nonzeros_ += tensor::count_nonzero(codec::ByteSpan(dst, n), codec::bytes_of(src_.width_));
      } else {
        nonzeros_ += stream_.fill(codec::MutableByteSpan(dst, n));
      }
    }
    uint64_t nonzeros() const { return nonzeros_; }

   private:
    const TensorBytes& src_;
    uint64_t offset_;
    tensor::ActivationStream stream_;  // unused for a trace
    uint64_t nonzeros_ = 0;
  };

 private:
  // The synthetic stream of piece `index` (a trace's pieces do not use it).
  tensor::ActivationSpec piece_spec(size_t index) const {
    tensor::ActivationSpec s = spec_;
    s.seed = seed_ * 7919 + index;
    return s;
  }

  tensor::NpyArray trace_;
  tensor::ActivationSpec spec_;
  uint64_t seed_ = 0;
  uint64_t bytes_ = 0;
  codec::ElementWidth width_ = codec::ElementWidth::k32;
};

// Fills a piece's pages (an allocated image at GPU address 0, handed to GPU memory) on demand, front to
// back, just before the simulation first touches them: a chunk is generated (or copied from its trace)
// right before the DMA engine reads it, so its bytes are still in cache then.
class PieceFiller {
 public:
  PieceFiller(const memory::AddressMap& map, memory::MemoryImage& image, TensorBytes::PieceWriter writer)
      : map_(map),
        layout_(map, image.address(), image.bytes()),
        writer_(std::move(writer)),
        pages_(image.parts().size()) {
    image.for_each_page([&](uint32_t ch, size_t, const memory::SparseMemory::Page& p) {
      pages_[ch].push_back(p.bytes.get());
      return true;
    });
  }

  // Before an access to [local, local + len) of `channel`: fills the piece up to the access's last byte (a
  // channel's bytes are in address order, so every byte of the access is filled then).
  void ensure(uint32_t channel, uint64_t local, uint64_t len) {
    if (filled_ == layout_.bytes() || len == 0) return;
    const uint64_t last = map_.encode({channel, local + len - 1});
    if (last >= layout_.address()) fill_to(std::min(last - layout_.address() + 1, layout_.bytes()));
  }
  // Fills what is left; returns the piece's number of non-zero elements.
  uint64_t finish() {
    fill_to(layout_.bytes());
    return writer_.nonzeros();
  }

 private:
  void fill_to(uint64_t end) {
    while (filled_ < end) {
      const memory::MemoryImage::Run r = layout_.run_at(filled_);
      writer_.write(filled_, pages_[r.channel][r.page] + r.in_page, r.n);
      filled_ += r.n;
    }
  }

  const memory::AddressMap& map_;
  const memory::MemoryImage layout_;  // the piece's pages, without storage: where each byte goes
  TensorBytes::PieceWriter writer_;
  std::vector<std::vector<uint8_t*>> pages_;  // per channel: the storage of its pages, held by GPU memory
  uint64_t filled_ = 0;                       // bytes of the piece filled, from its start
};

struct PieceRef {
  size_t tensor = 0;  // index into the plan
  uint64_t offset = 0, bytes = 0;
  size_t index = 0;  // piece number within the tensor
};

struct RoundTrip {
  runner::PhaseResult offload, prefetch;
};

// Offloads the piece at GPU address 0, frees the GPU copy, prefetches it back and checks it against
// `reference`. The piece is in GPU memory already unless a previous round trip came back different
// (`in_gpu` false); on return `in_gpu` says whether GPU memory holds it now. The first round trip takes the
// offloaded pages out of GPU memory as the reference (no copy), which frees them as vDNN does.
RoundTrip round_trip(platform::CdmaSoc& soc, const dma::DmaDescriptor& base, uint64_t bytes,
                     std::optional<memory::MemoryImage>& reference, const std::string& what, bool& in_gpu) {
  dma::DmaDescriptor d = base;
  d.bytes = bytes;
  if (!in_gpu) soc.gpu_memory().write(*reference);
  d.op = dma::DmaDescriptor::Op::kOffload;
  RoundTrip r;
  r.offload = runner::run_descriptor(soc, d);
  if (!reference) {
    reference = soc.gpu_memory().take(0, d.bytes);
  } else {
    soc.gpu_memory().discard(0, d.bytes);  // vDNN frees the GPU copy once it is offloaded
  }
  d.op = dma::DmaDescriptor::Op::kPrefetch;
  {
    const platform::GpuBackdoor::Expectation landing(soc.gpu_memory(), *reference);  // checked as it lands
    r.prefetch = runner::run_descriptor(soc, d);
    in_gpu = landing.met();
  }
  if (!r.offload.completion.ok || !r.prefetch.completion.ok) {
    throw std::runtime_error("transfer of " + what + " failed: " + r.offload.completion.error +
                             r.prefetch.completion.error);
  }
  soc.host_memory().discard(0, r.offload.completion.host_bytes);
  return r;
}

// What one piece's two round trips measured.
struct PieceResult {
  size_t piece = 0;
  TensorTransfer vdnn, cdma;
  uint64_t vdnn_pcie_bytes = 0, cdma_pcie_bytes = 0, compressed_bytes = 0, nonzero_elements = 0;
  bool vdnn_reused = false;
};

void to_json(nlohmann::json& j, const PieceResult& r) {
  j = nlohmann::json::array({r.piece, r.vdnn.offload_s, r.vdnn.prefetch_s, r.cdma.offload_s,
                             r.cdma.prefetch_s, r.vdnn_pcie_bytes, r.cdma_pcie_bytes, r.compressed_bytes,
                             r.nonzero_elements, r.vdnn_reused});
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
}

// The pieces one process simulates, on its own SoC, and what they gave.
struct ShardResult {
  std::vector<PieceResult> pieces;
  bool bytes_identical = true;
  uint64_t bytes_moved = 0;
  nlohmann::json platform_stats;
  uint64_t peak_rss_bytes = 0;
};

// A job process sends its ShardResult to the parent as JSON.
void to_json(nlohmann::json& j, const ShardResult& r) {
  j = {{"pieces", r.pieces},
       {"bytes_identical", r.bytes_identical},
       {"bytes_moved", r.bytes_moved},
       {"platform_stats", r.platform_stats},
       {"peak_rss_bytes", r.peak_rss_bytes}};
}

void from_json(const nlohmann::json& j, ShardResult& r) {
  r.pieces = j.at("pieces").get<std::vector<PieceResult>>();
  r.bytes_identical = j.at("bytes_identical").get<bool>();
  r.bytes_moved = j.at("bytes_moved").get<uint64_t>();
  r.platform_stats = j.at("platform_stats");
  r.peak_rss_bytes = j.at("peak_rss_bytes").get<uint64_t>();
}

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

// Consecutive pieces handed to one job together: [first, end).
struct WorkUnit {
  size_t first = 0, end = 0;
};

// Simulates work units on a new SoC, taking the next unit from `counter` until none is left (other
// processes may take units from the same counter). A piece's uncompressed round trip is simulated only if
// `simulates_vdnn` says so; otherwise the piece is marked vdnn_reused and its vDNN figures are filled in
// later from the piece that did.
ShardResult run_shard(const config::PlatformConfig& cfg, const TensorPlan& plan, const MeasurementConfig& mc,
                      const Densities& densities, const std::vector<PieceRef>& pieces,
                      const std::vector<bool>& simulates_vdnn, const std::vector<WorkUnit>& units,
                      runner::SharedCounter& counter) {
  platform::CdmaSoc soc("soc", cfg);
  ShardResult out;
  // A tensor's source (a loaded trace) is made when its first piece comes and dropped for the next tensor's.
  std::unique_ptr<const TensorBytes> source;
  size_t source_id = 0;
  std::vector<memory::MemoryImage::PageBytes> spare;  // page storage of pieces already moved
  const auto measure = [&](size_t k) {
    const PieceRef& ref = pieces[k];
    if (!source || source_id != ref.tensor) {
      source.reset();  // at most one trace loaded at a time
      source =
          std::make_unique<const TensorBytes>(mc, &densities, plan.tensors[ref.tensor], ref.tensor, mc.batch);
      source_id = ref.tensor;
    }
    const std::string& what = plan.tensors[ref.tensor].content;
    PieceResult r;
    r.piece = k;

    // GPU memory holds the piece now, filled as the simulation first reaches each chunk of it.
    memory::MemoryImage image(soc.address_map(), 0, ref.bytes);
    image.allocate(spare);
    PieceFiller filler(soc.address_map(), image, TensorBytes::PieceWriter(*source, ref.offset, ref.index));
    soc.gpu_memory().adopt(std::move(image));
    soc.gpu_memory().set_access_hook(
        [&filler](uint32_t ch, uint64_t local, uint64_t len) { filler.ensure(ch, local, len); });

    dma::DmaDescriptor d;
    d.codec = mc.codec;
    d.codec.element = source->width();
    d.codec.algorithm = codec::Algorithm::kNone;
    bool in_gpu = true;
    std::optional<memory::MemoryImage> reference;  // taken out of GPU memory at the first offload
    r.vdnn_reused = !simulates_vdnn[k];
    if (!r.vdnn_reused) {
      const RoundTrip v = round_trip(soc, d, ref.bytes, reference, what, in_gpu);
      out.bytes_identical = out.bytes_identical && in_gpu;
      out.bytes_moved += 2 * ref.bytes;
      r.vdnn = {v.offload.seconds, v.prefetch.seconds};
      r.vdnn_pcie_bytes = v.offload.completion.host_bytes;
    }

    d.codec.algorithm = mc.codec.algorithm;
    const RoundTrip c = round_trip(soc, d, ref.bytes, reference, what, in_gpu);
    out.bytes_identical = out.bytes_identical && in_gpu;
    out.bytes_moved += 2 * ref.bytes;
    soc.gpu_memory().set_access_hook(nullptr);
    r.nonzero_elements = filler.finish();  // filled already: the first offload read every byte
    soc.gpu_memory().discard(0, ref.bytes);
    reference->release(spare);
    r.cdma = {c.offload.seconds, c.prefetch.seconds};
    r.cdma_pcie_bytes = c.offload.completion.host_bytes;
    r.compressed_bytes = c.offload.completion.compressed_bytes;
    return r;
  };
  for (size_t u; (u = counter.next()) < units.size();) {
    for (size_t k = units[u].first; k < units[u].end; ++k) out.pieces.push_back(measure(k));
  }
  out.platform_stats = soc.stats();
  out.peak_rss_bytes = peak_rss_bytes();
  return out;
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
    // Check every trace file against the network before simulating anything, reading only their headers.
    for (size_t id = 0; id < plan.tensors.size(); ++id) {
      const ActivationTensor& t = plan.tensors[id];
      if (!t.offloaded) continue;
      const std::string file = trace_path(mc, t);
      const tensor::NpyArray header = tensor::read_npy_header(file);
      check_trace(file, header, t, mc.batch);
      tensor_bytes[id] = header.element_count() * tensor::element_bytes(header.dtype);
    }
  }
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

  // An uncompressed transfer's timing depends on its size only: unless told to simulate every piece, the
  // first piece of each size simulates it, for all of that size. Fixed here, before any job starts, so the
  // report does not depend on which job gets which piece.
  std::vector<bool> simulates_vdnn(pieces.size(), true);
  std::map<uint64_t, size_t> first_of_size;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const bool first = first_of_size.emplace(pieces[k].bytes, k).second;
    simulates_vdnn[k] = first || !mc.reuse_uncompressed;
  }
  // Jobs take pieces one at a time; a trace's pieces go together, so each trace file is read by one job.
  std::vector<WorkUnit> units;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const bool joins = !units.empty() && !mc.source.traces_dir.empty() &&
                       pieces[units.back().first].tensor == pieces[k].tensor;
    if (joins) {
      units.back().end = k + 1;
    } else {
      units.push_back(WorkUnit{k, k + 1});
    }
  }

  // Each piece is measured on an idle platform, so pieces are independent and can be spread over
  // processes (one SoC each).
  const unsigned jobs =
      static_cast<unsigned>(std::clamp<size_t>(mc.jobs, 1, std::max<size_t>(units.size(), 1)));
  runner::SharedCounter counter;
  std::vector<ShardResult> shards;
  if (jobs == 1) {
    shards.push_back(run_shard(cfg, plan, mc, densities, pieces, simulates_vdnn, units, counter));
  } else {
    const std::function<std::string()> job = [&] {
      return nlohmann::json(run_shard(cfg, plan, mc, densities, pieces, simulates_vdnn, units, counter))
          .dump();
    };
    for (const std::string& text :
         runner::run_in_children(std::vector<std::function<std::string()>>(jobs, job))) {
      if (text.rfind("error: ", 0) == 0) throw std::runtime_error(text.substr(7));
      shards.push_back(nlohmann::json::parse(text).get<ShardResult>());
    }
  }

  // Sum the pieces of each tensor.
  Measurements m;
  m.vdnn.resize(plan.tensors.size());
  m.cdma.resize(plan.tensors.size());
  m.jobs = jobs;
  m.peak_rss_bytes = jobs == 1 ? 0 : peak_rss_bytes();  // the parent's own, when it forked the work
  std::vector<nlohmann::json> job_stats;
  std::vector<std::optional<PieceResult>> by_piece(pieces.size());
  for (const ShardResult& s : shards) {
    for (const PieceResult& r : s.pieces) by_piece.at(r.piece) = r;
    m.bytes_identical = m.bytes_identical && s.bytes_identical;
    m.bytes_moved += s.bytes_moved;
    job_stats.push_back(s.platform_stats);
    m.peak_rss_bytes += s.peak_rss_bytes;
  }
  m.platform_stats = runner::merge_job_stats(job_stats);
  std::vector<TensorResult> results(plan.tensors.size());
  std::vector<uint64_t> nonzeros(plan.tensors.size(), 0);
  for (size_t k = 0; k < pieces.size(); ++k) {
    const PieceRef& ref = pieces[k];
    if (!by_piece[k]) throw std::logic_error("piece " + std::to_string(k) + " was not measured");
    PieceResult* p = &*by_piece[k];
    if (p->vdnn_reused) {
      const PieceResult& source = by_piece.at(first_of_size.at(ref.bytes)).value();
      p->vdnn = source.vdnn;
      p->vdnn_pcie_bytes = source.vdnn_pcie_bytes;
    }
    TensorResult& r = results[ref.tensor];
    r.tensor = ref.tensor;
    r.bytes += ref.bytes;
    r.vdnn.offload_s += p->vdnn.offload_s;
    r.vdnn.prefetch_s += p->vdnn.prefetch_s;
    r.cdma.offload_s += p->cdma.offload_s;
    r.cdma.prefetch_s += p->cdma.prefetch_s;
    r.vdnn_pcie_bytes += p->vdnn_pcie_bytes;
    r.cdma_pcie_bytes += p->cdma_pcie_bytes;
    r.compressed_bytes += p->compressed_bytes;
    nonzeros[ref.tensor] += p->nonzero_elements;
    if (p->vdnn_reused) m.vdnn_reused_bytes += ref.bytes;
  }
  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    if (!plan.tensors[id].offloaded || tensor_bytes[id] == 0) continue;
    TensorResult& r = results[id];
    const uint64_t width =
        mc.source.traces_dir.empty() ? 4 : r.bytes / (plan.tensors[id].elements_per_sample * mc.batch);
    r.density = static_cast<double>(nonzeros[id]) / static_cast<double>(r.bytes / width);
    m.vdnn[id] = r.vdnn;
    m.cdma[id] = r.cdma;
    m.tensors.push_back(r);
  }
  return m;
}

}  // namespace cdma::training
