// The assembled SoC: real bytes survive every platform and codec, timing matches the closed forms, the rate
// rule shows, AT and LT agree, and bad requests end in errors rather than crashes. Each simulation runs in
// its own process (run_isolated), so one test can compare several.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "codec/codec.h"
#include "common/generated_section.h"
#include "common/sc_test_util.h"
#include "config/platform_config_json.h"
#include "memory/memory_image.h"
#include "runner/isolated_run.h"
#include "runner/shared_counter.h"
#include "runner/transfer_run.h"
#include "soc/cdma_soc.h"
#include "soc/statistics_catalogue.h"
#include "tensor/activation_generator.h"

namespace cdma {
namespace {

using nlohmann::json;

const std::vector<std::string> kPlatforms = {"titan-x", "titan-xp", "v100", "a100", "h100"};

config::PlatformConfig platform(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return config::load_platform(std::string(CDMA_PLATFORMS_DIR) + "/" + name + ".json", overrides);
}

codec::Bytes activations(uint64_t bytes, double density, double clustering = 0.5, uint64_t seed = 1) {
  tensor::ActivationSpec spec;
  spec.density = density;
  spec.clustering = clustering;
  spec.seed = seed;
  codec::Bytes d = tensor::generate_activations(spec, (bytes + 3) / 4);
  d.resize(bytes);
  return d;
}

runner::TransferRequest request(codec::Algorithm a, codec::Bytes data,
                                runner::TransferOp op = runner::TransferOp::kRoundTrip) {
  runner::TransferRequest r;
  r.op = op;
  r.codec.algorithm = a;
  r.data = std::move(data);
  return r;
}

void expect_clean(const json& r) {
  ASSERT_TRUE(r["ok"].get<bool>()) << r["error"];
  EXPECT_TRUE(r["bytes_identical"].get<bool>()) << r["error"];
  EXPECT_EQ(r["protocol_violations"].get<uint64_t>(), 0u);
}

double phase_seconds(const json& r, size_t i) {
  return r["phases"][i]["seconds"].get<double>();
}

class EveryPlatformAndCodec : public ::testing::TestWithParam<std::tuple<std::string, codec::Algorithm>> {};

TEST_P(EveryPlatformAndCodec, RoundTripIsBitIdentical) {
  const auto& [name, algorithm] = GetParam();
  const json r = runner::run_isolated(platform(name), request(algorithm, activations(300 * 1024 + 77, 0.35)));
  expect_clean(r);
  ASSERT_EQ(r["phases"].size(), 2u);
  EXPECT_EQ(r["phases"][0]["op"], "offload");
  EXPECT_EQ(r["phases"][1]["op"], "prefetch");
}

INSTANTIATE_TEST_SUITE_P(All, EveryPlatformAndCodec,
                         ::testing::Combine(::testing::ValuesIn(kPlatforms),
                                            ::testing::ValuesIn(codec::all_algorithms())),
                         [](const auto& info) {
                           std::string n =
                               std::get<0>(info.param) + "_" + codec::to_string(std::get<1>(info.param));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Platform, OddSizesDensitiesAndBothModesRoundTrip) {
  for (const char* mode : {"at", "lt"}) {
    for (uint64_t n : {1ull, 127ull, 129ull, 4095ull, 4097ull, 3 * 4096ull + 5, (1ull << 20) + 3}) {
      for (double density : {0.0, 0.05, 1.0}) {
        SCOPED_TRACE(std::string(mode) + " n=" + std::to_string(n) + " density=" + std::to_string(density));
        const auto cfg = platform("titan-x", {std::string("simulation.mode=") + mode});
        expect_clean(
            runner::run_isolated(cfg, request(codec::Algorithm::kZv, activations(n, density, 0.0, n))));
      }
    }
  }
}

TEST(Platform, EveryChunkSizeKeepsZvExact) {
  const codec::Bytes data = activations(1 << 20, 0.2, 0.3);
  const size_t golden =
      codec::make_codec({codec::Algorithm::kZv, codec::ElementWidth::k32, 0})->compressed_size(data);
  for (int chunk : {128, 512, 4096}) {
    const auto cfg = platform("titan-x", {"gpu.dma.chunk_bytes=" + std::to_string(chunk)});
    const json r =
        runner::run_isolated(cfg, request(codec::Algorithm::kZv, data, runner::TransferOp::kOffload));
    expect_clean(r);
    EXPECT_EQ(r["phases"][0]["compressed_bytes"].get<uint64_t>(), golden) << "chunk " << chunk;
  }
}

// Uncompressed offload is PCIe-bound: time = bytes / effective PCIe bandwidth (coding and packet overheads).
TEST(Platform, UncompressedOffloadTimeIsBytesOverEffectivePcieBandwidth) {
  for (const std::string name : {"titan-x", "a100", "h100"}) {
    for (const char* mode : {"at", "lt"}) {
      const auto cfg = platform(name, {std::string("simulation.mode=") + mode});
      const uint64_t n = 32ull << 20;
      const json r = runner::run_isolated(
          cfg, request(codec::Algorithm::kNone, activations(n, 0.5), runner::TransferOp::kOffload));
      expect_clean(r);
      const double expected = static_cast<double>(n) / (cfg.pcie.effective_gbps() * 1e9);
      EXPECT_NEAR(phase_seconds(r, 0) / expected, 1.0, 0.02) << name << " " << mode;
      EXPECT_EQ(r["phases"][0]["bottleneck"], "pcie_to_host") << name;
    }
  }
}

TEST(Platform, UncompressedPrefetchTimeIsBytesOverEffectivePcieBandwidth) {
  const auto cfg = platform("titan-x");
  const uint64_t n = 32ull << 20;
  const json r = runner::run_isolated(
      cfg, request(codec::Algorithm::kNone, activations(n, 0.5), runner::TransferOp::kPrefetch));
  expect_clean(r);
  EXPECT_NEAR(phase_seconds(r, 0) / (n / (cfg.pcie.effective_gbps() * 1e9)), 1.0, 0.02);
  EXPECT_EQ(r["phases"][0]["bottleneck"], "pcie_to_gpu");
}

// Compressed offload runs at the pace of its slowest hop; each scenario makes a different hop the slowest.
struct Scenario {
  const char* name;
  std::vector<std::string> overrides;
  double density;
  const char* bottleneck;
};

TEST(Platform, CompressedOffloadIsLimitedByTheSlowestHop) {
  const std::vector<Scenario> scenarios = {
      {"pcie", {}, 0.35, "pcie_to_host"},
      {"dram", {"gpu.dram.bandwidth_gbps=60"}, 0.02, "gpu_dram"},
      {"compression", {"gpu.compression.bytes_per_cycle.zv=4"}, 0.35, "compression"},
      {"crossbar", {"gpu.crossbar.dma_port_gbps=4"}, 0.35, "crossbar"},
  };
  const uint64_t n = 24ull << 20;
  for (const Scenario& s : scenarios) {
    for (const char* mode : {"at", "lt"}) {
      auto overrides = s.overrides;
      overrides.push_back(std::string("simulation.mode=") + mode);
      const auto cfg = platform("titan-x", overrides);
      const codec::Bytes data = activations(n, s.density);
      const json r =
          runner::run_isolated(cfg, request(codec::Algorithm::kZv, data, runner::TransferOp::kOffload));
      expect_clean(r);
      const double compressed = r["phases"][0]["host_bytes"].get<double>();
      const double t_pcie = compressed / (cfg.pcie.effective_gbps() * 1e9);
      const double t_dram = n / (cfg.gpu.dram.bandwidth_gbps * 1e9);
      const double t_cu =
          n / (cfg.gpu.compression.throughput_gbps(codec::Algorithm::kZv) * cfg.gpu.dram.channels * 1e9);
      const double t_xbar = compressed / (cfg.gpu.crossbar.dma_port_gbps * 1e9);
      const double expected = std::max({t_pcie, t_dram, t_cu, t_xbar});
      EXPECT_NEAR(phase_seconds(r, 0) / expected, 1.0, 0.05) << s.name << " " << mode;
      EXPECT_EQ(r["phases"][0]["bottleneck"], s.bottleneck) << s.name << " " << mode;
    }
  }
}

// The rate rule: PCIe stays saturated only while DRAM read bandwidth >= ratio x PCIe bandwidth.
TEST(Platform, RateRuleAppearsWhenTheRatioIsHigh) {
  const uint64_t n = 24ull << 20;
  const codec::Bytes data = activations(n, 0.03);  // ZV ratio ~16
  const double ratio = 1.0 / (0.03 + 1.0 / 32);
  const auto base = platform("titan-x");
  const double needed = ratio * base.pcie.effective_gbps();  // ~230 GB/s
  for (double dram : {needed * 1.5, needed * 0.5}) {
    const auto cfg = platform("titan-x", {"gpu.dram.bandwidth_gbps=" + std::to_string(dram)});
    const json r =
        runner::run_isolated(cfg, request(codec::Algorithm::kZv, data, runner::TransferOp::kOffload));
    expect_clean(r);
    const double pcie_util = r["phases"][0]["hop_utilisation"]["pcie_to_host"].get<double>();
    if (dram > needed) {
      EXPECT_GT(pcie_util, 0.95) << "DRAM " << dram << " GB/s should keep PCIe saturated";
    } else {
      EXPECT_NEAR(pcie_util, 0.5, 0.05) << "DRAM at half the rate rule should leave PCIe half idle";
      EXPECT_EQ(r["phases"][0]["bottleneck"], "gpu_dram");
    }
  }
}

// AT and LT give one answer: one handler per module, LT keeping AT's queues (TargetPort) and the buffer's
// write combining in annotated time. Chunk 128 B to 64 KiB x density 0.02 / 0.35 / 1.0, offload and prefetch,
// within 2 %, with a base-protocol checker on every binding of the SoC (each sees traffic, none sees a
// violation). At 128 B LT was 33 % faster before (529 vs 11,324 PCIe writes).
class AtAndLt : public ::testing::TestWithParam<std::tuple<uint32_t, double>> {};

TEST_P(AtAndLt, AgreeWithinTwoPercentWithEveryBindingChecked) {
  const auto [chunk, density] = GetParam();
  const codec::Bytes data = activations(2ull << 20, density);
  std::vector<std::string> overrides = {"simulation.protocol_checks=true",
                                        "gpu.dma.chunk_bytes=" + std::to_string(chunk)};
  if (chunk > 4096) {  // a chunk lives in one channel, and the buffer holds a worst-case chunk
    overrides.push_back("gpu.dram.interleave_bytes=" + std::to_string(chunk));
    overrides.push_back("gpu.dma.buffer_bytes=" + std::to_string(16 * chunk));
  }
  json r[2];
  for (int m = 0; m < 2; ++m) {
    std::vector<std::string> o = overrides;
    o.push_back(std::string("simulation.mode=") + (m == 0 ? "\"at\"" : "\"lt\""));
    const config::PlatformConfig cfg = platform("titan-x", o);
    r[m] = runner::run_isolated(cfg, request(codec::Algorithm::kZv, data));
    expect_clean(r[m]);
    size_t checkers = 0;
    for (const auto& [name, module] : r[m]["modules"].items()) {
      if (name.rfind("soc.check_", 0) != 0) continue;
      ++checkers;
      EXPECT_GT(module["transactions"].get<uint64_t>(), 0u) << name;
      EXPECT_EQ(module["violations"].get<uint64_t>(), 0u) << name;
    }
    EXPECT_EQ(checkers, 2 * cfg.gpu.dram.channels + 5);
  }
  EXPECT_NEAR(phase_seconds(r[1], 0) / phase_seconds(r[0], 0), 1.0, 0.02) << "offload";
  EXPECT_NEAR(phase_seconds(r[1], 1) / phase_seconds(r[0], 1), 1.0, 0.02) << "prefetch";
}

INSTANTIATE_TEST_SUITE_P(Matrix, AtAndLt,
                         ::testing::Combine(::testing::Values(128u, 1024u, 4096u, 65536u),
                                            ::testing::Values(0.02, 0.35, 1.0)),
                         [](const auto& info) {
                           return "chunk" + std::to_string(std::get<0>(info.param)) + "_density" +
                                  std::to_string(static_cast<int>(std::get<1>(info.param) * 100));
                         });

// LT: the engine plays its workers in local-time order and only lets the kernel catch up once all of them are
// a quantum ahead; every hop computes from now + delay, so the quantum must not change any result. 4 KiB and
// 128-byte chunks (latency-bound prefetch).
TEST(Platform, LtResultsDoNotDependOnTheQuantum) {
  const codec::Bytes data = activations(4ull << 20, 0.35);
  for (const char* chunk : {"4096", "128"}) {
    double t[3][2];
    int i = 0;
    for (const char* quantum : {"100", "1000", "100000"}) {
      const json r = runner::run_isolated(
          platform("titan-x", {"simulation.mode=\"lt\"", std::string("simulation.quantum_ns=") + quantum,
                               std::string("gpu.dma.chunk_bytes=") + chunk}),
          request(codec::Algorithm::kZv, data));
      expect_clean(r);
      t[i][0] = phase_seconds(r, 0);
      t[i][1] = phase_seconds(r, 1);
      ++i;
    }
    for (int q = 1; q < 3; ++q) {
      EXPECT_EQ(t[q][0], t[0][0]) << "offload, chunk " << chunk;
      EXPECT_EQ(t[q][1], t[0][1]) << "prefetch, chunk " << chunk;
    }
  }
}

// Pages handed to the SoC and taken back hold the bytes, and the scoreboard that checks a prefetch as it
// lands passes a clean round trip and catches one flipped byte in host memory.
TEST(Platform, PagesInAndOutAndTheScoreboardCatchACorruptedPrefetch) {
  test::in_child([] {
    const auto cfg = platform("titan-x");
    platform::CdmaSoc soc("soc", cfg);
    const codec::Bytes data = activations(3 << 20, 0.35);
    memory::MemoryImage image(soc.address_map(), 0, data.size());
    std::vector<memory::MemoryImage::PageBytes> spare;
    image.allocate(spare);
    image.for_each_run([&](uint64_t off, uint8_t* p, uint64_t n) { std::copy_n(data.data() + off, n, p); });
    soc.gpu_memory().adopt(std::move(image));
    ASSERT_EQ(soc.gpu_memory().read(0, data.size()), data);
    for (bool corrupt : {false, true}) {
      dma::DmaDescriptor d;
      d.bytes = data.size();
      d.codec.algorithm = codec::Algorithm::kNone;  // every payload byte is a data byte
      const runner::PhaseResult off = runner::run_descriptor(soc, d);
      ASSERT_TRUE(off.completion.ok) << off.completion.error;
      const memory::MemoryImage reference = soc.gpu_memory().take(0, data.size());
      // Taken out: GPU memory reads zero there (an image without pages), the reference holds the bytes.
      EXPECT_TRUE(soc.gpu_memory().equals(memory::MemoryImage(soc.address_map(), 0, data.size())));
      EXPECT_FALSE(soc.gpu_memory().equals(reference));
      if (corrupt) {
        const uint64_t last = off.completion.host_bytes - 1;
        codec::Bytes b = soc.host_memory().read(last, 1);
        b[0] ^= 0x04;
        soc.host_memory().write(last, b);
      }
      d.op = dma::DmaDescriptor::Op::kPrefetch;
      const platform::GpuBackdoor::Expectation landing(soc.gpu_memory(), reference);
      const runner::PhaseResult pre = runner::run_descriptor(soc, d);
      ASSERT_TRUE(pre.completion.ok) << pre.completion.error;
      EXPECT_EQ(landing.met(), !corrupt);
      EXPECT_EQ(soc.gpu_memory().equals(reference), !corrupt);
      soc.host_memory().discard(0, off.completion.host_bytes);
      if (!corrupt) soc.gpu_memory().discard(0, data.size());
      soc.gpu_memory().write(reference);
    }
  });
}

TEST(Platform, OutOfRangeDescriptorsEndInErrorsNotCrashes) {
  test::in_child([] {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    const auto cfg = platform("titan-x");
    platform::CdmaSoc soc("soc", cfg);
    dma::DmaDescriptor past_host;  // the host image would run past the end of host DRAM
    past_host.bytes = 256 * 1024;
    past_host.host_address = cfg.host_dram.capacity_bytes - 4096;
    dma::DmaDescriptor past_gpu;  // the GPU range runs past the end of GPU memory
    past_gpu.bytes = 8192;
    past_gpu.gpu_address = cfg.gpu.dram.capacity_bytes - 4096;
    dma::DmaDescriptor bad_image;  // nothing was ever offloaded here
    bad_image.op = dma::DmaDescriptor::Op::kPrefetch;
    bad_image.bytes = 4096;
    bad_image.host_address = 1 << 30;
    dma::DmaDescriptor unaligned;
    unaligned.bytes = 4096;
    unaligned.gpu_address = 100;
    for (const auto& d : {past_host, past_gpu, bad_image, unaligned}) soc.engine().submit(d);
    sc_core::sc_start();
    const auto& c = soc.engine().completions();
    ASSERT_EQ(c.size(), 4u);
    EXPECT_FALSE(c[0].ok);
    EXPECT_NE(c[0].error.find("ADDRESS_ERROR"), std::string::npos) << c[0].error;
    EXPECT_FALSE(c[1].ok);
    EXPECT_NE(c[1].error.find("outside GPU memory"), std::string::npos) << c[1].error;
    EXPECT_FALSE(c[2].ok);
    EXPECT_NE(c[2].error.find("magic"), std::string::npos) << c[2].error;
    EXPECT_FALSE(c[3].ok);
    EXPECT_NE(c[3].error.find("aligned"), std::string::npos) << c[3].error;
    EXPECT_EQ(soc.protocol_violations(), 0u);
  });
}

// Child processes that share a counter take work items from it: every number is handed out exactly once
// among them (a counter each child copied at fork would hand every number to every child).
TEST(SharedCounter, HandsEachNumberToExactlyOneChildProcess) {
  constexpr size_t kItems = 20000;
  runner::SharedCounter counter;
  const std::function<std::string()> take = [&counter] {
    std::string taken = "taken: ";  // a child's report must not be empty, even if it got nothing
    for (size_t n; (n = counter.next()) < kItems;) taken += std::to_string(n) + " ";
    return taken;
  };
  std::vector<int> times(kItems, 0);
  for (const std::string& taken : runner::run_in_children({take, take, take})) {
    std::istringstream in(taken.substr(7));
    for (size_t n; in >> n;) ++times.at(n);
  }
  EXPECT_EQ(std::count(times.begin(), times.end(), 1), static_cast<long>(kItems));
  EXPECT_GE(counter.next(), kItems + 3);  // each child's last call went past the end, in this process too
}

// Every hop's latency histogram counts each request once, and no request is faster than the hop's own latency
// (host DRAM: 90 ns on titan-x; PCIe writes: 500 ns of link latency plus host DRAM's).
TEST(Statistics, EveryHopHasALatencyHistogramOfItsRequests) {
  for (const char* mode : {"at", "lt"}) {
    const json r = runner::run_isolated(platform("titan-x", {std::string("simulation.mode=") + mode}),
                                        request(codec::Algorithm::kZv, activations(1 << 20, 0.35)));
    expect_clean(r);
    const json& m = r["modules"];
    for (const auto& [module, port] :
         {std::pair{"soc.host_dram", "port"}, std::pair{"soc.pcie", "from_buffer"},
          std::pair{"soc.pcie", "from_engine"}, std::pair{"soc.cu3", "port"},
          std::pair{"soc.crossbar", "port"}, std::pair{"soc.buffer", "port"}}) {
      const json& p = m[module][port];
      SCOPED_TRACE(std::string(mode) + " " + module + "." + port);
      EXPECT_EQ(p["latency"]["count"], p["transactions"]);
      uint64_t sum = 0;
      for (const auto& c : p["latency"]["counts"]) sum += c.get<uint64_t>();
      EXPECT_EQ(sum, p["transactions"].get<uint64_t>());
    }
    EXPECT_GE(m["soc.host_dram"]["port"]["latency"]["min_ns"].get<double>(), 90.0) << mode;
    EXPECT_GE(m["soc.pcie"]["from_buffer"]["latency"]["min_ns"].get<double>(), 590.0) << mode;
  }
}

// docs/statistics.md lists exactly what the modules declare (regenerate with cdma-sim --list-stats).
TEST(Statistics, TheCatalogueInTheDocsIsTheOneTheModulesDeclare) {
  test::in_child([] {
    const platform::CdmaSoc soc("soc", platform("titan-x"));
    EXPECT_EQ(test::generated_section(std::string(CDMA_DOCS_DIR) + "/statistics.md",
                                      "<!-- catalogue:begin (generated: cdma-sim --list-stats) -->",
                                      "<!-- catalogue:end -->"),
              platform::statistics_catalogue(soc))
        << "docs/statistics.md is out of date: regenerate its catalogue with cdma-sim --list-stats";
  });
}

}  // namespace
}  // namespace cdma
