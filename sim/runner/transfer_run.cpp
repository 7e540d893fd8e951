#include "runner/transfer_run.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "util/enum_table.h"

#include "dma/host_layout.h"
#include "tlm/trace_writer.h"

namespace cdma::runner {

namespace {

const util::EnumTable<TransferOp, 3> kTransferOps("operation", {{{TransferOp::kOffload, "offload"},
                                                                 {TransferOp::kPrefetch, "prefetch"},
                                                                 {TransferOp::kRoundTrip, "roundtrip"}}});

}  // namespace

const char* to_string(TransferOp op) {
  return kTransferOps.name(op);
}

TransferOp parse_transfer_op(const std::string& s) {
  return kTransferOps.parse(s);
}

nlohmann::json PhaseResult::to_json() const {
  nlohmann::json hop;
  for (const auto& [name, f] : hops.fraction) hop[name] = f;
  return {{"op", dma::to_string(completion.descriptor.op)},
          {"ok", completion.ok},
          {"error", completion.error},
          {"bytes", completion.original_bytes},
          {"compressed_bytes", completion.compressed_bytes},
          {"host_bytes", completion.host_bytes},
          {"chunks", completion.chunks},
          {"ratio", codec::compression_ratio(completion.original_bytes, completion.compressed_bytes)},
          {"seconds", seconds},
          {"pcie_gbps", pcie_gbps},
          {"dram_gbps", dram_gbps},
          {"hop_utilisation", hop},
          {"bottleneck", hops.bottleneck}};
}

PhaseResult run_descriptor(platform::CdmaSoc& soc, const dma::DmaDescriptor& d) {
  // Start on an idle platform, so a measurement does not depend on what ran before it.
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time start = std::max(now, soc.busy_until());
  if (start > now) sc_core::sc_start(start - now);
  const platform::HopSnapshot before = soc.snapshot();
  const size_t done = soc.engine().completions().size();
  soc.engine().submit(d);
  sc_core::sc_start();  // runs until every process waits: the descriptor has completed
  if (soc.engine().completions().size() != done + 1) throw std::logic_error("descriptor did not complete");
  // sc_time is 64-bit: past 2^62 resolution units its arithmetic saturates or wraps, and no figure is sound.
  if (sc_core::sc_time_stamp().value() >= (uint64_t{1} << 62)) {
    throw std::runtime_error("simulated time overflowed SystemC's 64-bit time (" +
                             std::to_string(sc_core::sc_time_stamp().to_seconds()) + " s)");
  }
  PhaseResult p;
  p.completion = soc.engine().completions().back();
  p.hops = platform::CdmaSoc::utilisation(before, soc.snapshot());
  p.seconds = p.completion.duration().to_seconds();
  if (p.seconds > 0) {
    p.pcie_gbps = static_cast<double>(p.completion.host_bytes) / p.seconds / 1e9;
    p.dram_gbps = static_cast<double>(p.completion.original_bytes) / p.seconds / 1e9;
  }
  return p;
}

namespace {

// Where the prefetch lands: the first interleave row after the offloaded range.
uint64_t prefetch_address(const config::PlatformConfig& cfg, uint64_t bytes) {
  const uint64_t row = uint64_t{cfg.gpu.dram.interleave_bytes} * cfg.gpu.dram.channels;
  return (bytes + row - 1) / row * row;
}

}  // namespace

void check_transfer_fits(const config::PlatformConfig& cfg, uint64_t bytes) {
  const uint64_t gpu = cfg.gpu.dram.capacity_bytes, host = cfg.host_dram.capacity_bytes;
  if (bytes > gpu / 2 || prefetch_address(cfg, bytes) + bytes > gpu) {
    throw std::invalid_argument("the buffer (" + std::to_string(bytes) +
                                " B) is larger than half of GPU memory (" + std::to_string(gpu) + " B)");
  }
  if (bytes > host / 2 || 2 * bytes + (1 << 20) > host) {
    throw std::invalid_argument("the buffer (" + std::to_string(bytes) +
                                " B) and its host image do not fit in host memory (" + std::to_string(host) +
                                " B)");
  }
}

TransferResult run_transfer(const config::PlatformConfig& cfg, const TransferRequest& request) {
  const auto wall_start = std::chrono::steady_clock::now();
  TransferResult r;
  platform::CdmaSoc soc("soc", cfg);
  tlmx::TraceWriter trace;
  if (!request.trace_path.empty()) soc.engine().set_trace(&trace);

  const uint64_t n = request.data.size();
  check_transfer_fits(cfg, n);
  const memory::AddressMap& map = soc.address_map();
  const uint64_t src = 0, host = 0, dst = prefetch_address(cfg, n);
  soc.gpu_memory().write(src, request.data);
  const auto codec = codec::make_codec(request.codec);

  bool ok = true;
  bool identical = true;
  dma::DmaDescriptor d;
  d.codec = request.codec;
  d.bytes = n;
  d.host_address = host;
  if (request.op != TransferOp::kPrefetch) {
    d.op = dma::DmaDescriptor::Op::kOffload;
    d.gpu_address = src;
    r.phases.push_back(run_descriptor(soc, d));
    const dma::DmaCompletion& c = r.phases.back().completion;
    ok = ok && c.ok;
    codec::Bytes decoded;
    const std::string err = dma::decode_host_image(soc.host_memory().read(host, c.host_bytes), decoded, n);
    identical = identical && err.empty() && decoded == request.data;
    if (!err.empty()) r.error = "host image: " + err;
    soc.gpu_memory().discard(src, n);  // vDNN frees the GPU copy once it is offloaded
  } else {
    soc.host_memory().write(
        host, dma::build_host_image(request.data, *codec, cfg.gpu.dma.chunk_bytes, map.interleave_bytes(),
                                    cfg.gpu.compression.raw_bypass));
  }
  if (request.op != TransferOp::kOffload && ok) {
    d.op = dma::DmaDescriptor::Op::kPrefetch;
    d.gpu_address = dst;
    r.phases.push_back(run_descriptor(soc, d));
    ok = ok && r.phases.back().completion.ok;
    identical = identical && soc.gpu_memory().equals(dst, request.data);
  }
  for (const auto& p : r.phases) {
    if (!p.completion.ok && r.error.empty()) r.error = p.completion.error;
  }
  r.ok = ok;
  r.bytes_identical = ok && identical;
  if (ok && !identical && r.error.empty()) r.error = "the bytes that came back differ from the input";
  r.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  r.stats = soc.stats();
  r.stats["wall_time_s"] = r.wall_seconds;
  r.stats["simulated_time_s"] = r.simulated_seconds;
  r.stats["simulated_bytes_per_wall_second"] =
      r.wall_seconds > 0 ? n * r.phases.size() / r.wall_seconds : 0.0;
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& p : r.phases) phases.push_back(p.to_json());
  r.stats["phases"] = phases;
  if (!request.trace_path.empty()) trace.write(request.trace_path);
  return r;
}

}  // namespace cdma::runner
