// Co-simulation of the ZV RTL inside the platform (gpu.compression.backend = "rtl"): the bytes equal the
// golden codec's, the offload and prefetch times agree with the model backend's, the RTL's cycle count
// follows N blocks x 128 / (32 x SECTORS) + a fixed latency, and algorithms without RTL fail cleanly.
#include <gtest/gtest.h>

#include <verilated.h>

#include <random>

#include "Vzv_comp_s1_e32.h"
#include "Vzv_comp_s4_e32.h"
#include "codec/zv_codec.h"
#include "compression/rtl_zv_driver.h"
#include "compression/rtl_zv_engine.h"
#include "config/platform_config_json.h"
#include "runner/isolated_run.h"
#include "tensor/activation_generator.h"
#include "training/network.h"
#include "training/transfer_measurement.h"

namespace cdma {
namespace {

using nlohmann::json;

config::PlatformConfig platform(const std::vector<std::string>& overrides) {
  return config::load_platform(std::string(CDMA_PLATFORMS_DIR) + "/titan-x.json", overrides);
}

codec::Bytes activations(tensor::DType t, uint64_t bytes, double density, uint64_t seed = 7) {
  tensor::ActivationSpec spec;
  spec.dtype = t;
  spec.density = density;
  spec.clustering = 0.5;
  spec.seed = seed;
  const size_t e = tensor::element_bytes(t);
  codec::Bytes d = tensor::generate_activations(spec, (bytes + e - 1) / e);
  d.resize(bytes);
  return d;
}

runner::TransferRequest request(codec::ElementWidth w, codec::Bytes data,
                                codec::Algorithm a = codec::Algorithm::kZv) {
  runner::TransferRequest r;
  r.op = runner::TransferOp::kRoundTrip;
  r.codec.algorithm = a;
  r.codec.element = w;
  r.data = std::move(data);
  return r;
}

uint64_t rtl_cycles(const json& r) {
  uint64_t n = 0;
  for (const auto& [name, m] : r["modules"].items()) {
    if (m.contains("rtl_cycles")) n += m["rtl_cycles"].get<uint64_t>();
  }
  return n;
}

double seconds(const json& r, size_t phase) {
  return r["phases"][phase]["seconds"].get<double>();
}

struct Width {
  codec::ElementWidth w;
  tensor::DType t;
};

class CosimRoundTrip : public ::testing::TestWithParam<Width> {};

// The whole platform with RTL compression units: bit-identical round trip, the same compressed size as the
// golden codec, and offload/prefetch times within 1 % of the model backend. The RTL's datapath is 128 B/cycle
// like the model's; the difference is the pipeline latency (RTL: measured, ~3 cycles; model: pipeline_cycles
// = 8) and the flush cycles, which overlap with other chunks, and the 1/32 output-line stalls of dense data.
TEST_P(CosimRoundTrip, BytesIdenticalAndTimeMatchesModel) {
  const Width p = GetParam();
  const codec::Bytes data = activations(p.t, (2u << 20) + 77, 0.35);
  const json rtl = runner::run_isolated(platform({"gpu.compression.backend=\"rtl\""}), request(p.w, data));
  const json model = runner::run_isolated(platform({}), request(p.w, data));
  ASSERT_TRUE(rtl["ok"].get<bool>()) << rtl["error"];
  ASSERT_TRUE(model["ok"].get<bool>()) << model["error"];
  EXPECT_TRUE(rtl["bytes_identical"].get<bool>());
  const size_t golden = codec::ZvCodec(p.w).compressed_size(data);
  EXPECT_EQ(rtl["phases"][0]["compressed_bytes"].get<uint64_t>(), golden);
  EXPECT_EQ(rtl["phases"][0]["host_bytes"], model["phases"][0]["host_bytes"]);
  EXPECT_GT(rtl_cycles(rtl), (2u << 20) / 128u) << "the RTL did not run";
  EXPECT_EQ(rtl_cycles(model), 0u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(seconds(rtl, i) / seconds(model, i), 1.0, 0.01) << "phase " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, CosimRoundTrip,
                         ::testing::Values(Width{codec::ElementWidth::k32, tensor::DType::kFloat32},
                                           Width{codec::ElementWidth::k16, tensor::DType::kFloat16},
                                           Width{codec::ElementWidth::k8, tensor::DType::kInt8}),
                         [](const auto& info) { return "e" + std::to_string(8 * bytes_of(info.param.w)); });

// When the compression units are the bottleneck the RTL's cycle count sets the time: at 4 B/cycle (a slow
// clock of 1/32 GHz) offload takes bytes / (128 B x clock x units), with RTL or model.
TEST(Cosim, CompressionBoundOffloadFollowsRtlCycles) {
  const codec::Bytes data = activations(tensor::DType::kFloat32, 4u << 20, 0.2);
  const std::string slow = "gpu.compression.clock_ghz=0.03125";
  const json rtl = runner::run_isolated(platform({"gpu.compression.backend=\"rtl\"", slow}),
                                        request(codec::ElementWidth::k32, data));
  ASSERT_TRUE(rtl["ok"].get<bool>()) << rtl["error"];
  EXPECT_TRUE(rtl["bytes_identical"].get<bool>());
  EXPECT_EQ(rtl["phases"][0]["bottleneck"], "compression");
  const auto cfg = platform({slow});
  const double expected = data.size() / (128.0 * cfg.gpu.compression.clock_ghz * 1e9 * cfg.gpu.dram.channels);
  EXPECT_NEAR(seconds(rtl, 0) / expected, 1.0, 0.03);
}

TEST(Cosim, AlgorithmsWithoutRtlFailWithAnError) {
  for (codec::Algorithm a :
       {codec::Algorithm::kRl, codec::Algorithm::kZl, codec::Algorithm::kZcompInterleaved}) {
    const json r = runner::run_isolated(
        platform({"gpu.compression.backend=\"rtl\""}),
        request(codec::ElementWidth::k32, activations(tensor::DType::kFloat32, 8192, 0.3), a));
    EXPECT_FALSE(r["ok"].get<bool>()) << codec::to_string(a);
    const std::string offload_error = r["phases"][0]["error"].get<std::string>();
    EXPECT_NE(offload_error.find("TLM_GENERIC_ERROR_RESPONSE"), std::string::npos) << offload_error;
  }
}

// A whole VGG-16 iteration (batch 1, the paper's densities) with RTL compression units: every tensor's
// compressed size equals the model backend's (the golden codec's, with raw bypass) and its offload and
// prefetch times agree within 1 %; the vDNN side, which needs no codec, runs with the RTL backend too.
TEST(Cosim, ATrainingIterationWithRtlUnitsMatchesTheModel) {
  const training::Network net = training::load_network(std::string(CDMA_WORKLOADS_DIR) + "/vgg16.json");
  const training::TensorPlan plan = training::plan_tensors(net, training::OffloadPolicy::kAll);
  auto measure = [&](const char* backend) {
    return [&net, &plan, backend] {
      training::MeasurementConfig mc;
      mc.batch = 1;
      mc.codec.algorithm = codec::Algorithm::kZv;
      mc.source.densities_path = std::string(CDMA_WORKLOADS_DIR) + "/densities/vgg16.json";
      const training::Measurements m = training::measure_transfers(
          platform({std::string("gpu.compression.backend=\"") + backend + "\"", "simulation.mode=\"lt\""}),
          net, plan, mc);
      json out{{"ok", m.bytes_identical}, {"tensors", json::array()}};
      for (const auto& t : m.tensors) {
        out["tensors"].push_back({t.bytes, t.compressed_bytes, t.cdma.offload_s, t.cdma.prefetch_s,
                                  t.vdnn.offload_s, t.vdnn.prefetch_s});
      }
      uint64_t cycles = 0;
      for (const auto& [name, mod] : m.platform_stats["modules"].items()) {
        if (mod.contains("rtl_cycles")) cycles += mod["rtl_cycles"].get<uint64_t>();
      }
      out["rtl_cycles"] = cycles;
      return out.dump();
    };
  };
  const std::vector<std::string> runs = runner::run_in_children({measure("rtl"), measure("model")});
  const json rtl = json::parse(runs[0]), model = json::parse(runs[1]);
  ASSERT_TRUE(rtl["ok"].get<bool>());
  ASSERT_TRUE(model["ok"].get<bool>());
  EXPECT_GT(rtl["rtl_cycles"].get<uint64_t>(), 0u) << "the RTL did not run";
  EXPECT_EQ(model["rtl_cycles"].get<uint64_t>(), 0u);
  ASSERT_EQ(rtl["tensors"].size(), model["tensors"].size());
  ASSERT_GT(rtl["tensors"].size(), 10u);
  for (size_t i = 0; i < rtl["tensors"].size(); ++i) {
    const json &a = rtl["tensors"][i], &b = model["tensors"][i];
    EXPECT_EQ(a[0], b[0]) << "tensor " << i;
    EXPECT_EQ(a[1], b[1]) << "tensor " << i;
    for (size_t k = 2; k < 6; ++k) {
      EXPECT_NEAR(a[k].get<double>() / b[k].get<double>(), 1.0, 0.01) << "tensor " << i << " figure " << k;
    }
  }
}

// Cycle count of N full blocks streamed without stalls: N x 128 / (32 x SECTORS) beats, then a fixed latency
// (input register, pack stage, append stage = 3 cycles to the last line), plus one cycle only when the last
// block's bytes fill a line and spill into the next (two lines must leave after the last chunk arrives).
template <typename Dut>
void check_cycles(unsigned sectors) {
  VerilatedContext ctx;
  Dut dut(&ctx, "zv");
  compression::RtlZvCompressorDriver<Dut> drv(dut, sectors, 128);
  drv.reset();
  codec::ZvCodec zv(codec::ElementWidth::k32);
  std::mt19937_64 rng(3);
  const unsigned beats_per_block = 128 / (32 * sectors);
  for (uint64_t n : {1, 2, 3, 7, 32, 33, 100, 257}) {
    for (double density : {0.0, 0.2, 0.6}) {
      const codec::Bytes in = activations(tensor::DType::kFloat32, n * 128, density, rng());
      codec::Bytes out(zv.max_compressed_size(in.size()));
      compression::RtlRunStats st;
      const size_t len = drv.run(in, out, st);
      ASSERT_EQ(len, zv.compressed_size(in));
      const size_t last_chunk = zv.compressed_size(codec::ByteSpan(in.data() + in.size() - 128, 128));
      const size_t before = len - last_chunk;
      const bool spill = before % 128 != 0 && (before % 128) + last_chunk > 128;
      EXPECT_EQ(st.busy_cycles, n * beats_per_block) << "n=" << n << " density " << density;
      EXPECT_EQ(st.cycles, n * beats_per_block + 3 + (spill ? 1 : 0)) << "n=" << n << " density " << density;
    }
  }
}

TEST(RtlCycles, FourSectorsIsOneBlockPerCyclePlusFixedLatency) {
  check_cycles<Vzv_comp_s4_e32>(4);
}
TEST(RtlCycles, OneSectorIsFourCyclesPerBlockPlusFixedLatency) {
  check_cycles<Vzv_comp_s1_e32>(1);
}

// The engine the compression unit uses: byte-identical to the golden codec for every width, and it reports
// errors as the golden decoder does.
TEST(RtlEngine, MatchesGoldenCodecAndRejectsTruncatedStreams) {
  for (auto [w, t] : {std::pair{codec::ElementWidth::k32, tensor::DType::kFloat32},
                      std::pair{codec::ElementWidth::k16, tensor::DType::kFloat16},
                      std::pair{codec::ElementWidth::k8, tensor::DType::kInt8}}) {
    compression::RtlZvEngine engine(w);
    codec::ZvCodec zv(w);
    for (size_t n : {0u, 1u, 127u, 4096u, 5000u}) {
      const codec::Bytes in = activations(t, n, 0.4, n + 1);
      codec::Bytes out(zv.max_compressed_size(n));
      compression::RtlRunStats st;
      out.resize(engine.compress(in, out, st));
      EXPECT_EQ(out, zv.compress(in)) << "n=" << n;
      codec::Bytes back(n);
      EXPECT_TRUE(engine.decompress(out, back, st)) << "n=" << n;
      EXPECT_EQ(back, in);
      if (!out.empty()) {
        const codec::Status s = engine.decompress(codec::ByteSpan(out.data(), out.size() - 1), back, st);
        EXPECT_EQ(s.code(), codec::StatusCode::kTruncated) << "n=" << n << " " << s.to_string();
      }
    }
    EXPECT_GT(engine.total_cycles(), 0u);
  }
}

}  // namespace
}  // namespace cdma
