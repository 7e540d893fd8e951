#include "training/training_report.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "codec/codec.h"

namespace cdma::training {

namespace {

// What layer i offloads in the forward pass: every tensor it is the first to read (an add or a concat reads
// several), summed.
struct LayerOffload {
  std::vector<std::string> tensors;  // their content layers
  uint64_t bytes = 0, compressed_bytes = 0, whole_compressed_bytes = 0;
  double density = 0;  // byte-weighted over the tensors
  TensorTransfer vdnn, cdma;
  bool any() const { return !tensors.empty(); }
  double ratio() const { return codec::compression_ratio(bytes, compressed_bytes); }
  double whole_tensor_ratio() const { return codec::compression_ratio(bytes, whole_compressed_bytes); }
};

LayerOffload offloaded_inputs(const TrainingReport& r, size_t layer) {
  LayerOffload o;
  double weighted = 0;
  for (const TensorResult& t : r.measured.tensors) {
    if (r.plan.tensors[t.tensor].first_consumer != static_cast<int>(layer)) continue;
    o.tensors.push_back(r.plan.tensors[t.tensor].content);
    o.bytes += t.bytes;
    o.compressed_bytes += t.compressed_bytes;
    o.whole_compressed_bytes += t.whole_tensor_compressed_bytes;
    weighted += t.density * static_cast<double>(t.bytes);
    o.density = o.tensors.size() == 1 ? t.density : weighted / static_cast<double>(o.bytes);
    o.vdnn.offload_s += t.vdnn.offload_s;
    o.vdnn.prefetch_s += t.vdnn.prefetch_s;
    o.cdma.offload_s += t.cdma.offload_s;
    o.cdma.prefetch_s += t.cdma.prefetch_s;
  }
  return o;
}

double stall_of(const Schedule& s, size_t i) {
  return s.forward[i].stall_s + s.backward[i].stall_s;
}

double contention_of(const Schedule& s, size_t i) {
  return s.forward[i].contention_s + s.backward[i].contention_s;
}

uint64_t weight_bytes(const Layer& l) {
  return (l.weight_elements() + l.bias_elements()) * kElementBytes;
}

double gib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1ull << 30);
}

nlohmann::json gpu_json(const MemoryProfile& m, const Network& net, uint64_t capacity) {
  return {{"peak_bytes", m.peak_bytes()},
          {"fits", m.peak_bytes() <= capacity},
          {"peak_pass", to_string(m.peak_pass)},
          {"peak_layer", net.layers[m.peak_layer].name},
          {"model_state_bytes", m.peak.model_state},
          {"workspace_bytes", m.peak.workspace},
          {"activation_bytes", m.peak.activations},
          {"gradient_bytes", m.peak.gradients}};
}

// Where the peak is, for the table: "backward conv1_1".
std::string peak_text(const MemoryProfile& m, const Network& net) {
  return std::string(m.peak_pass == Pass::kForward ? "fwd " : "bwd ") + net.layers[m.peak_layer].name;
}

}  // namespace

nlohmann::json MemoryReport::to_json(const Network& net) const {
  nlohmann::json vdnn = gpu_json(offload, net, gpu_capacity);
  nlohmann::json cdma = vdnn;
  vdnn["host_bytes"] = vdnn_host_bytes;
  vdnn["host_fits"] = vdnn_host_bytes <= host_capacity;
  cdma["host_bytes"] = cdma_host_bytes;
  cdma["host_fits"] = cdma_host_bytes <= host_capacity;
  return {{"gpu_capacity_bytes", gpu_capacity},
          {"host_capacity_bytes", host_capacity},
          {"optimizer", to_string(options.optimizer)},
          {"workspace_limit_bytes", options.workspace_limit_bytes},
          {"oversubscribed",
           !offload_fits_gpu() || vdnn_host_bytes > host_capacity || cdma_host_bytes > host_capacity},
          {"oracle", gpu_json(oracle, net, gpu_capacity)},
          {"vdnn", vdnn},
          {"cdma", cdma}};
}

nlohmann::json TrainingReport::summary() const {
  uint64_t bytes = 0, compressed = 0, whole = 0, vdnn_pcie = 0, cdma_pcie = 0;
  double ratio_sum = 0, ratio_max = 0;
  for (const TensorResult& t : measured.tensors) {
    bytes += t.bytes;
    compressed += t.compressed_bytes;
    whole += t.whole_tensor_compressed_bytes;
    vdnn_pcie += t.vdnn_pcie_bytes;
    cdma_pcie += t.cdma_pcie_bytes;
    const double ratio = codec::compression_ratio(t.bytes, t.compressed_bytes);
    ratio_sum += ratio;
    ratio_max = std::max(ratio_max, ratio);
  }
  const size_t n = measured.tensors.size();
  return {{"network", net.name},
          {"platform", platform},
          {"algorithm", algorithm},
          {"policy", to_string(policy)},
          {"batch", batch},
          {"offloaded_tensors", n},
          {"offloaded_bytes", bytes},
          {"oracle_s", oracle.total_s()},
          {"vdnn_s", vdnn.total_s()},
          {"cdma_s", cdma.total_s()},
          {"vdnn_performance", oracle.total_s() / vdnn.total_s()},
          {"cdma_performance", oracle.total_s() / cdma.total_s()},
          {"cdma_speedup_over_vdnn", vdnn.total_s() / cdma.total_s()},
          {"offload_traffic_vs_vdnn", vdnn_pcie ? static_cast<double>(cdma_pcie) / vdnn_pcie : 1.0},
          {"average_ratio", n ? ratio_sum / n : 1.0},
          {"max_ratio", ratio_max},
          {"aggregate_ratio", codec::compression_ratio(bytes, compressed)},
          {"ratio_chunk_bytes", chunk_bytes},
          {"whole_tensor_aggregate_ratio",
           measured.whole_tensor ? nlohmann::json(codec::compression_ratio(bytes, whole)) : nlohmann::json()},
          {"vdnn_stall_s", vdnn.stall_s},
          {"cdma_stall_s", cdma.stall_s},
          {"dram_contention", dram_contention},
          {"vdnn_contention_s", vdnn.contention_s},
          {"cdma_contention_s", cdma.contention_s},
          {"bytes_identical", measured.bytes_identical},
          {"densities", densities},
          {"generated_tensors", measured.generated_tensors},
          {"activation_model", {{"file", activation_model}, {"fitted_layers", measured.fitted_layers}}},
          {"bytes_moved", measured.bytes_moved},
          {"vdnn_reused_bytes", measured.vdnn_reused_bytes},
          {"jobs", measured.jobs},
          {"peak_rss_bytes", measured.peak_rss_bytes},
          {"wall_s", wall_s}};
}

nlohmann::json TrainingReport::to_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    nlohmann::json row = {{"layer", l.name},
                          {"type", l.type},
                          {"forward_s", compute[i].forward_s},
                          {"backward_s", compute[i].backward_s},
                          {"vdnn_stall_s", stall_of(vdnn, i)},
                          {"cdma_stall_s", stall_of(cdma, i)},
                          {"vdnn_contention_s", contention_of(vdnn, i)},
                          {"cdma_contention_s", contention_of(cdma, i)},
                          {"vdnn_prefetch_overlap_s", vdnn.backward[i].transfer_s},
                          {"cdma_prefetch_overlap_s", cdma.backward[i].transfer_s},
                          {"weight_bytes", weight_bytes(l)},
                          {"oracle_memory_forward_bytes", memory.oracle.forward[i].total()},
                          {"oracle_memory_backward_bytes", memory.oracle.backward[i].total()},
                          {"offload_memory_forward_bytes", memory.offload.forward[i].total()},
                          {"offload_memory_backward_bytes", memory.offload.backward[i].total()}};
    if (const LayerOffload o = offloaded_inputs(*this, i); o.any()) {
      row["offloaded"] = o.tensors;
      row["bytes"] = o.bytes;
      row["density"] = o.density;
      row["compressed_bytes"] = o.compressed_bytes;
      row["ratio"] = o.ratio();
      row["whole_tensor_ratio"] =
          measured.whole_tensor ? nlohmann::json(o.whole_tensor_ratio()) : nlohmann::json();
      row["vdnn_offload_s"] = o.vdnn.offload_s;
      row["vdnn_prefetch_s"] = o.vdnn.prefetch_s;
      row["cdma_offload_s"] = o.cdma.offload_s;
      row["cdma_prefetch_s"] = o.cdma.prefetch_s;
    }
    layers.push_back(row);
  }
  return {{"summary", summary()},
          {"memory", memory.to_json(net)},
          {"layers", layers},
          {"platform_stats", measured.platform_stats},
          {"run", run}};
}

void TrainingReport::print(std::FILE* out) const {
  const nlohmann::json s = summary();
  std::fprintf(out, "%s on %s, batch %u, %s, cDMA with %s\nactivation densities: %s\n\n", net.name.c_str(),
               platform.c_str(), batch, to_string(policy), algorithm.c_str(), densities.c_str());
  std::fprintf(out, "%-16s %-9s %10s %7s %6s %9s %9s %9s %9s %9s %9s\n", "layer", "type", "offload MB",
               "density", "ratio", "fwd ms", "bwd ms", "vDNN off", "cDMA off", "vDNN stl", "cDMA stl");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (l.in_place()) continue;
    const LayerOffload t = offloaded_inputs(*this, i);
    if (t.any()) {
      std::fprintf(out, "%-16s %-9s %10.1f %7.3f %6.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", l.name.c_str(),
                   l.type.c_str(), t.bytes / 1e6, t.density, t.ratio(), compute[i].forward_s * 1e3,
                   compute[i].backward_s * 1e3, t.vdnn.offload_s * 1e3, t.cdma.offload_s * 1e3,
                   stall_of(vdnn, i) * 1e3, stall_of(cdma, i) * 1e3);
    } else {
      std::fprintf(out, "%-16s %-9s %10s %7s %6s %9.2f %9.2f %9s %9s %9.2f %9.2f\n", l.name.c_str(),
                   l.type.c_str(), "-", "-", "-", compute[i].forward_s * 1e3, compute[i].backward_s * 1e3,
                   "-", "-", stall_of(vdnn, i) * 1e3, stall_of(cdma, i) * 1e3);
    }
  }
  std::fprintf(out, "\n%-8s %12s %12s %12s %14s\n", "config", "iteration ms", "stall ms", "vs oracle",
               "PCIe traffic");
  std::fprintf(out, "%-8s %12.2f %12.2f %12.3f %14s\n", "oracle", oracle.total_s() * 1e3, 0.0, 1.0, "-");
  std::fprintf(out, "%-8s %12.2f %12.2f %12.3f %14.3f\n", "vDNN", vdnn.total_s() * 1e3, vdnn.stall_s * 1e3,
               s["vdnn_performance"].get<double>(), 1.0);
  std::fprintf(out, "%-8s %12.2f %12.2f %12.3f %14.3f\n", "cDMA", cdma.total_s() * 1e3, cdma.stall_s * 1e3,
               s["cdma_performance"].get<double>(), s["offload_traffic_vs_vdnn"].get<double>());
  std::fprintf(out,
               "\ncompression ratio (each %u-B DMA chunk alone): average %.2fx, max %.2fx over %zu offloaded "
               "tensors; cDMA "
               "vs vDNN: %+.1f %%; vDNN loses %.1f %% against the oracle\n",
               chunk_bytes, s["average_ratio"].get<double>(), s["max_ratio"].get<double>(),
               measured.tensors.size(), (s["cdma_speedup_over_vdnn"].get<double>() - 1) * 100,
               (1 - s["vdnn_performance"].get<double>()) * 100);
  if (measured.whole_tensor) {
    std::fprintf(out, "whole tensors as one %s stream: aggregate %.2fx against %.2fx per chunk (not timed)\n",
                 algorithm.c_str(), s["whole_tensor_aggregate_ratio"].get<double>(),
                 s["aggregate_ratio"].get<double>());
  }
  if (dram_contention) {
    std::fprintf(
        out,
        "DRAM contention (compute and DMA share the GPU's DRAM): vDNN +%.2f ms, cDMA +%.2f ms of the "
        "iterations above\n",
        vdnn.contention_s * 1e3, cdma.contention_s * 1e3);
  }
  const MemoryReport& m = memory;
  std::fprintf(out, "\n%-8s %13s %-22s %9s %9s   (GPU %.2f GiB, host %.2f GiB; optimizer %s)\n", "memory",
               "GPU peak GiB", "at", "fits GPU", "host GiB", gib(m.gpu_capacity), gib(m.host_capacity),
               to_string(m.options.optimizer));
  std::fprintf(out, "%-8s %13.2f %-22s %9s %9s\n", "oracle", gib(m.oracle.peak_bytes()),
               peak_text(m.oracle, net).c_str(), m.oracle_fits() ? "yes" : "no", "-");
  for (const auto& [label, host] :
       {std::pair<const char*, uint64_t>{"vDNN", m.vdnn_host_bytes}, {"cDMA", m.cdma_host_bytes}}) {
    std::fprintf(out, "%-8s %13.2f %-22s %9s %9.2f%s\n", label, gib(m.offload.peak_bytes()),
                 peak_text(m.offload, net).c_str(), m.offload_fits_gpu() ? "yes" : "NO", gib(host),
                 host > m.host_capacity ? " (does not fit the host)" : "");
  }
  if (!m.oracle_fits()) {
    std::fprintf(out, "the oracle does not fit this GPU: it stands for a GPU with enough memory\n");
  }
  if (!m.offload_fits_gpu() || m.vdnn_host_bytes > m.host_capacity || m.cdma_host_bytes > m.host_capacity) {
    std::fprintf(out, "OVERSUBSCRIBED: simulated with --allow-oversubscribe; this platform cannot run it\n");
  }
  if (measured.vdnn_reused_bytes > 0) {
    std::fprintf(
        out,
        "bytes check: %s (cDMA: every offloaded tensor came back bit-identical; vDNN: one piece of each "
        "size simulated and checked, the other %.1f MB reuse its timing)\n",
        measured.bytes_identical ? "ok" : "FAILED", measured.vdnn_reused_bytes / 1e6);
  } else {
    std::fprintf(out,
                 "bytes check: %s (every offloaded tensor came back bit-identical in both configurations)\n",
                 measured.bytes_identical ? "ok" : "FAILED");
  }
}

void TrainingReport::write_csv(const std::string& path) const {
  std::ofstream f(path);
  f << "layer,type,offloaded_bytes,density,ratio,forward_ms,backward_ms,vdnn_offload_ms,vdnn_prefetch_ms,"
       "cdma_offload_ms,cdma_prefetch_ms,vdnn_stall_ms,cdma_stall_ms,weight_bytes,oracle_memory_forward_"
       "bytes,"
       "oracle_memory_backward_bytes,offload_memory_forward_bytes,offload_memory_backward_bytes,"
       "whole_tensor_ratio\n";
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    // A layer that offloads nothing has no density or ratio: those cells stay empty.
    const LayerOffload t = offloaded_inputs(*this, i);
    f << l.name << ',' << l.type << ',' << t.bytes << ',';
    if (t.any()) f << t.density << ',' << t.ratio();
    if (!t.any()) f << ',';
    f << ',' << compute[i].forward_s * 1e3 << ',' << compute[i].backward_s * 1e3 << ','
      << t.vdnn.offload_s * 1e3 << ',' << t.vdnn.prefetch_s * 1e3 << ',' << t.cdma.offload_s * 1e3 << ','
      << t.cdma.prefetch_s * 1e3 << ',' << stall_of(vdnn, i) * 1e3 << ',' << stall_of(cdma, i) * 1e3 << ','
      << weight_bytes(l) << ',' << memory.oracle.forward[i].total() << ','
      << memory.oracle.backward[i].total() << ',' << memory.offload.forward[i].total() << ','
      << memory.offload.backward[i].total() << ',';
    if (t.any() && measured.whole_tensor) f << t.whole_tensor_ratio();
    f << '\n';
  }
  if (!f) throw std::runtime_error(path + ": cannot write");
}

void TrainingReport::write_timeline(const std::string& path) const {
  // One process per configuration, one thread per track (compute, offload, prefetch, stall).
  static const char* kTracks[] = {"compute", "offload", "prefetch", "stall"};
  nlohmann::json events = nlohmann::json::array();
  int pid = 1;
  struct Config {
    const char* label;
    const Schedule* schedule;
    const MemoryProfile* gpu;
  };
  for (const auto& [label, s, gpu] :
       {Config{"oracle", &oracle, &memory.oracle}, Config{"vDNN", &vdnn, &memory.offload},
        Config{"cDMA", &cdma, &memory.offload}}) {
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", label}}}});
    // GPU memory as a counter track (stacked by kind), one value per step from the step's start, and the
    // capacity beside it.
    auto counter = [&, pid = pid](double t, const MemoryUse& u) {
      events.push_back({{"name", "GPU memory (GiB)"},
                        {"ph", "C"},
                        {"pid", pid},
                        {"ts", t * 1e6},
                        {"args",
                         {{"model state", gib(u.model_state)},
                          {"workspace", gib(u.workspace)},
                          {"activations", gib(u.activations)},
                          {"gradients", gib(u.gradients)}}}});
    };
    double t = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      counter(t, gpu->forward[i]);
      t += s->forward[i].duration_s();
    }
    for (size_t i = net.layers.size(); i-- > 0;) {
      counter(t, gpu->backward[i]);
      t += s->backward[i].duration_s();
    }
    for (const double at : {0.0, t}) {
      events.push_back({{"name", "GPU capacity (GiB)"},
                        {"ph", "C"},
                        {"pid", pid},
                        {"ts", at * 1e6},
                        {"args", {{"capacity", gib(memory.gpu_capacity)}}}});
    }
    for (int tid = 0; tid < 4; ++tid) {
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", pid},
                        {"tid", tid},
                        {"args", {{"name", kTracks[tid]}}}});
    }
    for (const TimelineEvent& e : s->events) {
      const int tid =
          static_cast<int>(std::find(std::begin(kTracks), std::end(kTracks), e.track) - std::begin(kTracks));
      events.push_back({{"name", e.name},
                        {"ph", "X"},
                        {"pid", pid},
                        {"tid", tid},
                        {"ts", e.start_s * 1e6},
                        {"dur", (e.end_s - e.start_s) * 1e6}});
    }
    ++pid;
  }
  std::ofstream f(path);
  f << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump();
  if (!f) throw std::runtime_error(path + ": cannot write");
}

}  // namespace cdma::training
