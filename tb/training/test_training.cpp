// The training-iteration simulation: the vDNN schedule against a hand-computed example, the tensor plan, the
// roofline, input validation, every shipped workload, and whole runs with synthetic and traced activations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "codec/codec.h"
#include "common/sc_test_util.h"
#include "common/temp_dir.h"
#include "config/platform_config_json.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"
#include "test_networks.h"
#include "training/compute_model.h"
#include "training/network.h"
#include "training/tensor_plan.h"
#include "training/transfer_measurement.h"
#include "training/vdnn_schedule.h"

namespace cdma::training {
namespace {

namespace fs = std::filesystem;

using test_networks::chain;
using test_networks::layer;

TEST(TensorPlan, ReluIsInPlaceAndPoliciesPickTheRightTensors) {
  const Network n = chain();
  const TensorPlan all = plan_tensors(n, OffloadPolicy::kAll);
  ASSERT_EQ(all.tensors.size(), 5u);  // input, c1(+r1), p1, c2, f1
  EXPECT_EQ(all.tensors[1].producer, "c1");
  EXPECT_EQ(all.tensors[1].content, "r1");  // stored post-ReLU
  EXPECT_EQ(all.tensors[1].first_consumer, 2);
  EXPECT_EQ(all.tensors[1].elements_per_sample, 256u);
  for (size_t t = 0; t < 4; ++t) EXPECT_TRUE(all.tensors[t].offloaded) << t;
  EXPECT_FALSE(all.tensors[4].offloaded);  // the output has no consumer
  const TensorPlan conv = plan_tensors(n, OffloadPolicy::kConv);
  EXPECT_TRUE(conv.tensors[0].offloaded);   // input of c1
  EXPECT_FALSE(conv.tensors[1].offloaded);  // input of a pool
  EXPECT_TRUE(conv.tensors[2].offloaded);   // input of c2
  EXPECT_FALSE(conv.tensors[3].offloaded);  // input of an fc
}

TEST(VdnnSchedule, MatchesTheHandComputedExample) {
  const Network n = chain();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const std::vector<LayerTime> compute = {{10, 20}, {1, 2}, {2, 4}, {8, 16}, {3, 6}};
  const std::vector<TensorTransfer> xfer = {{4, 4}, {6, 6}, {5, 5}, {1, 1}, {0, 0}};
  const Schedule oracle = schedule_oracle(n, compute);
  EXPECT_DOUBLE_EQ(oracle.total_s(), 72);
  const Schedule s = schedule_vdnn(n, plan, compute, xfer);
  // Forward: only p1 (2) waits for its 6-long offload: 10 + 1 + 6 + 8 + 3.
  EXPECT_DOUBLE_EQ(s.forward_s, 28);
  EXPECT_DOUBLE_EQ(s.forward[2].stall_s, 4);
  // Backward: f1 fetches its own input on demand (1), then overlaps c2's input (5 < 6); c2 overlaps r1's
  // tensor (6 < 16); p1 overlaps the network input (4 = 4, searching past the in-place relu to conv c1).
  EXPECT_DOUBLE_EQ(s.backward[4].stall_s, 1);
  EXPECT_DOUBLE_EQ(s.backward[4].transfer_s, 6);
  EXPECT_DOUBLE_EQ(s.backward[2].transfer_s, 4);
  EXPECT_DOUBLE_EQ(s.backward_s, 7 + 16 + 4 + 2 + 20);
  EXPECT_DOUBLE_EQ(s.stall_s, 5);
  // Free transfers: vDNN is the oracle.
  const Schedule free = schedule_vdnn(n, plan, compute, std::vector<TensorTransfer>(5));
  EXPECT_DOUBLE_EQ(free.total_s(), oracle.total_s());
}

// The hand example with DRAM shared at W = 1 byte/s: every overlapped step takes max(compute, transfer,
// (compute bytes + DMA bytes) / W), computed by hand below; on-demand fetches meet no compute traffic.
TEST(VdnnSchedule, DramContentionFollowsTheFluidBound) {
  const Network n = chain();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const std::vector<LayerTime> compute = {{10, 20}, {1, 2}, {2, 4}, {8, 16}, {3, 6}};
  const std::vector<TensorTransfer> xfer = {{4, 4}, {6, 6}, {5, 5}, {1, 1}, {0, 0}};
  DramContention d;
  d.enabled = true;
  d.bytes_per_s = 1;
  d.forward_bytes = {2, 0, 1, 8, 0};
  d.backward_bytes = {0, 0, 0, 0, 4};
  d.tensor_bytes = {5, 6, 3, 2, 0};
  const Schedule alone = schedule_vdnn(n, plan, compute, xfer);
  const Schedule s = schedule_vdnn(n, plan, compute, xfer, d);
  // Forward. c1: compute-bound, 2 + 5 = 7 < 10: nothing. p1: 1 + 6 = 7 against max(2, 6): +1 on top of its
  // stall of 4. c2 (memory-bound, its 8 bytes take its 8 s): slowed by exactly the DMA's 3 bytes. f1: 0 + 2
  // < 3.
  EXPECT_DOUBLE_EQ(s.forward[0].contention_s, 0);
  EXPECT_DOUBLE_EQ(s.forward[2].contention_s, 1);
  EXPECT_DOUBLE_EQ(s.forward[2].stall_s, 4);
  EXPECT_DOUBLE_EQ(s.forward[3].contention_s, 3);
  EXPECT_DOUBLE_EQ(s.forward[4].contention_s, 0);
  EXPECT_DOUBLE_EQ(s.forward_s, alone.forward_s + 4);
  // Backward. f1: its own input (2 bytes) comes on demand, uncontended; overlapped p1's tensor (3 bytes) with
  // 4 compute bytes: 7 against max(6, 5) = +1 (counting the on-demand bytes would give +3). c2 overlaps r1's
  // 6 bytes with none of its own: 6 < 16. p1 overlaps the input: 5 against max(4, 4) = +1.
  EXPECT_DOUBLE_EQ(s.backward[4].contention_s, 1);
  EXPECT_DOUBLE_EQ(s.backward[3].contention_s, 0);
  EXPECT_DOUBLE_EQ(s.backward[2].contention_s, 1);
  EXPECT_DOUBLE_EQ(s.backward[0].contention_s, 0);
  EXPECT_DOUBLE_EQ(s.contention_s, 6);
  EXPECT_DOUBLE_EQ(s.stall_s, alone.stall_s);
  EXPECT_DOUBLE_EQ(s.total_s(), 77 + 6);
  // Each step's slice follows its compute and stall on the stall track.
  const auto slices = std::count_if(s.events.begin(), s.events.end(), [](const TimelineEvent& e) {
    return e.name.find("(DRAM contention)") != std::string::npos;
  });
  EXPECT_EQ(slices, 4);
  // Off, the same inputs change nothing.
  d.enabled = false;
  EXPECT_DOUBLE_EQ(schedule_vdnn(n, plan, compute, xfer, d).total_s(), alone.total_s());
  EXPECT_DOUBLE_EQ(schedule_vdnn(n, plan, compute, xfer, d).contention_s, 0);
  // Inconsistent inputs are refused.
  d.enabled = true;
  d.tensor_bytes.pop_back();
  EXPECT_THROW(schedule_vdnn(n, plan, compute, xfer, d), std::invalid_argument);
  d.tensor_bytes.push_back(0);
  d.bytes_per_s = 0;
  EXPECT_THROW(schedule_vdnn(n, plan, compute, xfer, d), std::invalid_argument);
}

// The rule's inputs from the roofline: the bytes its memory term counts, at the bandwidth it divides by.
TEST(VdnnSchedule, RooflineDramContentionUsesTheRooflinesBytes) {
  const Network n = chain();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  RooflineParams p;
  p.batch = 8;
  p.dram_gbps = 100;
  p.efficiency = 0.5;
  const DramContention d = roofline_dram_contention(n, plan, p);
  EXPECT_TRUE(d.enabled);
  EXPECT_DOUBLE_EQ(d.bytes_per_s, 50e9);
  ASSERT_EQ(d.forward_bytes.size(), n.layers.size());
  const auto t = roofline_times(n, p);
  for (size_t i = 0; i < n.layers.size(); ++i) {
    // A memory-bound layer's roofline time is its bytes over W exactly.
    EXPECT_LE(d.forward_bytes[i] / d.bytes_per_s, t[i].forward_s * (1 + 1e-12)) << i;
    EXPECT_DOUBLE_EQ(d.backward_bytes[i], 2 * d.forward_bytes[i]);
  }
  // p1 (pool 4x8x8 -> 4x4x4): 4 bytes x (256 + 64) elements x 8 samples, no weights.
  EXPECT_DOUBLE_EQ(d.forward_bytes[2], 4.0 * 320 * 8);
  ASSERT_EQ(d.tensor_bytes.size(), plan.tensors.size());
  EXPECT_DOUBLE_EQ(d.tensor_bytes[1], 4.0 * 256 * 8);  // c1's output
}

TEST(ComputeModel, RooflineFollowsFlopsAndBytes) {
  const Layer conv = layer("conv1_1", "conv", {3, 224, 224}, {64, 224, 224});
  Layer c = conv;
  c.kernel_h = c.kernel_w = 3;
  EXPECT_DOUBLE_EQ(forward_flops(c), 2.0 * 64 * 224 * 224 * 3 * 9);  // 173.4 MFLOP per image
  Network n;
  n.layers = {c, layer("relu", "relu", {64, 224, 224}, {64, 224, 224})};
  RooflineParams p;
  p.batch = 64;
  const auto t = roofline_times(n, p);
  EXPECT_DOUBLE_EQ(t[0].forward_s, std::max(forward_flops(c) * 64 / (6.6e12 * 0.7),
                                            forward_bytes(c, 64) * 64 / (336.5e9 * 0.7)));
  EXPECT_DOUBLE_EQ(t[0].backward_s, 2 * t[0].forward_s);
  // ReLU is bandwidth-bound: in + out activations.
  EXPECT_DOUBLE_EQ(t[1].forward_s, 2.0 * 64 * 224 * 224 * 4 * 64 / (336.5e9 * 0.7));
}

using TempDir = test::TempDir;

TEST_F(TempDir, LayerTimesCsvIsValidated) {
  const Network n = chain();
  const auto ok = load_layer_times(
      write("ok.csv", "layer,forward_ms,backward_ms\nc1,1,2\nr1,1,2\np1,1,2\nc2,1,2\nf1,3,4\n"), n);
  EXPECT_DOUBLE_EQ(ok[4].backward_s, 4e-3);
  auto message = [&](const std::string& text) {
    try {
      load_layer_times(write("bad.csv", text), n);
    } catch (const NetworkError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("layer,forward_ms,backward_ms\nc1,1,2\n").find("no time for layer 'r1'"),
            std::string::npos);
  EXPECT_NE(message("layer,forward_ms,backward_ms\nzz,1,2\n").find("'zz' is not in chain"),
            std::string::npos);
  EXPECT_NE(message("layer,forward_ms,backward_ms\nc1,fast,2\n").find("bad.csv:2"), std::string::npos);
}

TEST_F(TempDir, BadNetworksNameTheFileAndTheField) {
  auto message = [&](const std::string& text) {
    try {
      load_network(write("net.json", text));
    } catch (const NetworkError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string m1 =
      message(R"({"name":"x","input":[3],"layers":[{"name":"a","type":"warp","in":[3],"out":[3]}]})");
  EXPECT_NE(m1.find("net.json"), std::string::npos) << m1;
  EXPECT_NE(m1.find("layers[0] (a).type"), std::string::npos) << m1;
  EXPECT_NE(message(R"({"name":"x","input":[3],"layers":[{"name":"a","type":"fc","in":[3],"out":[-1]}]})")
                .find("layers[0] (a).out"),
            std::string::npos);
  EXPECT_NE(message("{").find("invalid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"name":"x","name":"y"})").find("net.json: name: duplicate key"), std::string::npos);
  EXPECT_NE(message(std::string(70, '[') + std::string(70, ']')).find("net.json: nesting deeper than"),
            std::string::npos);
  EXPECT_NE(message(R"({"name":"x","input":[1e400],"layers":[]})")
                .find("net.json:1:22: invalid JSON: the number 1e400 is beyond the range of a double"),
            std::string::npos);
  try {
    resolve_network_path("lenet-99", CDMA_WORKLOADS_DIR);
    ADD_FAILURE() << "unknown network accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("vgg16"), std::string::npos) << e.what();  // lists what exists
  }
}

// Every way a network file can be wrong is refused with the file, the layer and the field: unknown keys, zero
// kernels and strides, a drop probability of 2, shapes that do not follow from the parameters or the
// producers, element counts that overflow, names that are not safe file names (a trace is <dir>/<name>.npy).
TEST_F(TempDir, NetworkFilesAreCheckedAgainstTheirParametersAndProducers) {
  const auto message = [&](const std::string& layers, const std::string& input = "[3, 8, 8]") {
    try {
      load_network(
          write("net.json", R"({"name": "x", "input": )" + input + R"(, "layers": [)" + layers + "]}"));
    } catch (const NetworkError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string conv =
      R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 8, 8], "kernel": 3, "pad": 1})";
  EXPECT_EQ(message(conv), "no error");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 8, 8], "kernel": 3, "pad": 1, "dilation": 2})",
       "layers[0] (c).dilation: unknown field"},
      {R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 8, 8], "kernel": 0})",
       "layers[0] (c).kernel"},
      {R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 8, 8], "kernel": 3, "pad": 1, "stride": 0})",
       "layers[0] (c).stride: expected an integer >= 1"},
      {R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 7, 8], "kernel": 3, "pad": 1})",
       "layers[0] (c).out: [4, 7, 8] should be [4, 8, 8] (kernel 3x3, stride 1, pad 1)"},
      {R"({"name": "c", "type": "conv", "in": [3, 9, 9], "out": [4, 9, 9], "kernel": 3, "pad": 1})",
       "layers[0] (c).in: [3, 9, 9] should be [3, 8, 8] (the output of 'input')"},
      {R"({"name": "c", "type": "conv", "in": [3, 8, 8], "out": [4, 8, 8], "kernel": 3, "pad": 1, "groups": 2})",
       "layers[0] (c).groups: 2 groups do not divide 3 input"},
      {conv + R"(, {"name": "d", "type": "dropout", "in": [4, 8, 8], "out": [4, 8, 8], "p": 2})",
       "layers[1] (d).p: a drop probability must be in [0, 1)"},
      {conv + R"(, {"name": "f", "type": "fc", "in": [255], "out": [10]})",
       "layers[1] (f).in: [255] should be [256] (the producer's output [4, 8, 8], flattened)"},
      {conv + R"(, {"name": "r", "type": "relu", "in": [4, 8, 8], "out": [4, 8, 9]})", "layers[1] (r).out"},
      {conv +
           R"(, {"name": "j", "type": "concat", "inputs": ["c", "input"], "in": [7, 8, 8], "out": [7, 8, 8]})",
       "no error"},
      {conv +
           R"(, {"name": "j", "type": "concat", "inputs": ["c", "input"], "in": [8, 8, 8], "out": [8, 8, 8]})",
       "layers[1] (j).out: [8, 8, 8] should be [7, 8, 8] (the inputs along channels)"},
      {conv +
           R"(, {"name": "j", "type": "add", "inputs": ["c", "input"], "in": [4, 8, 8], "out": [4, 8, 8]})",
       "layers[1] (j).inputs: 'input' is [3, 8, 8], not [4, 8, 8]"},
      {conv +
           R"(, {"name": "j", "type": "add", "inputs": ["c", "later"], "in": [4, 8, 8], "out": [4, 8, 8]})",
       "layers[1] (j).inputs: unknown producer \"later\""},
      {R"({"name": "../evil", "type": "relu", "in": [3, 8, 8], "out": [3, 8, 8]})",
       "layers[0].name: '../evil' is not a file name"},
      {R"({"name": "input", "type": "relu", "in": [3, 8, 8], "out": [3, 8, 8]})",
       "'input' names the network input"},
      {R"({"name": "p", "type": "pool", "in": [3, 8, 8], "out": [3, 4, 4], "kernel": 2, "stride": 2, "mode": "mean"})",
       "layers[0] (p).mode: must be \"max\" or \"avg\""},
  };
  for (const auto& [layers, says] : cases) {
    const std::string m = message(layers);
    EXPECT_NE(m.find(says), std::string::npos) << "expected: " << says << "\ngot: " << m;
    if (says != "no error") {
      EXPECT_NE(m.find("net.json: "), std::string::npos) << m;
    }
  }
  EXPECT_NE(message(conv, "[4294967296, 4294967296, 2]").find("input: the element count"), std::string::npos);
  EXPECT_NE(message(conv, "[3, 8, 8], \"extra\": 1").find("extra: unknown field"), std::string::npos);
  // Ceil-mode pooling (Caffe/PyTorch): 7 -> 4 with kernel 2 stride 2, a last window in the padding dropped.
  EXPECT_EQ(
      message(
          R"({"name": "p", "type": "pool", "in": [3, 7, 7], "out": [3, 4, 4], "kernel": 2, "stride": 2, "ceil_mode": true})",
          "[3, 7, 7]"),
      "no error");
}

TEST(Workloads, EveryNetworkLoadsAndHasADensityForEveryOffloadedTensor) {
  int count = 0;
  for (const auto& e : fs::directory_iterator(CDMA_WORKLOADS_DIR)) {
    if (e.path().extension() != ".json") continue;
    const Network n = load_network(e.path().string());
    ++count;
    std::ifstream f(fs::path(CDMA_WORKLOADS_DIR) / "densities" / (n.name + ".json"));
    ASSERT_TRUE(f) << "no densities file for " << n.name;
    const auto d = nlohmann::json::parse(f)["layers"];
    for (OffloadPolicy p : {OffloadPolicy::kAll, OffloadPolicy::kConv}) {
      for (const auto& t : plan_tensors(n, p).tensors) {
        if (t.offloaded && t.content != "input") {
          EXPECT_TRUE(d.contains(t.content)) << n.name << ": " << t.content;
        }
      }
    }
  }
  EXPECT_GE(count, 7);
}

config::PlatformConfig titan_x() {
  return config::load_platform(std::string(CDMA_PLATFORMS_DIR) + "/titan-x.json", {"simulation.mode=\"lt\""});
}

TEST(Training, SyntheticAlexNetIterationRoundTripsAndCdmaHelps) {
  test::in_child([] {
    const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/alexnet.json");
    const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
    MeasurementConfig mc;
    mc.batch = 4;
    mc.codec.algorithm = codec::Algorithm::kZv;
    mc.source.densities_path = std::string(CDMA_WORKLOADS_DIR) + "/densities/alexnet.json";
    const Measurements m = measure_transfers(titan_x(), n, plan, mc);
    EXPECT_TRUE(m.bytes_identical);
    uint64_t vdnn = 0, cdma = 0;
    for (const auto& t : m.tensors) {
      vdnn += t.vdnn_pcie_bytes;
      cdma += t.cdma_pcie_bytes;
      // ZV's closed form on the measured density of each fp32 tensor; chunks it would grow are stored raw.
      EXPECT_NEAR(static_cast<double>(t.bytes) / t.compressed_bytes,
                  std::max(1.0, 1.0 / (t.density + 1.0 / 32)), 0.01);
    }
    EXPECT_LT(cdma, vdnn);
    RooflineParams p;
    p.batch = mc.batch;
    const auto compute = roofline_times(n, p);
    EXPECT_LE(schedule_vdnn(n, plan, compute, m.cdma).total_s(),
              schedule_vdnn(n, plan, compute, m.vdnn).total_s());
  });
}

// A Fashion-MNIST iteration in small pieces (several equal pieces per tensor plus a remainder), measured with
// `mc`'s reuse and job settings; returns the bytes moved and reused and the platform statistics on the first
// line, then every per-tensor figure, at full precision.
std::string measure_fmnist(uint32_t batch, uint64_t segment_bytes, bool reuse, unsigned jobs) {
  const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/fmnist_cnn.json");
  MeasurementConfig mc;
  mc.batch = batch;
  mc.segment_bytes = segment_bytes;
  mc.reuse_uncompressed = reuse;
  mc.jobs = jobs;
  mc.source.densities_path = std::string(CDMA_WORKLOADS_DIR) + "/densities/fmnist_cnn.json";
  const Measurements m = measure_transfers(titan_x(), n, plan_tensors(n, OffloadPolicy::kAll), mc);
  EXPECT_TRUE(m.bytes_identical);
  EXPECT_EQ(m.jobs, jobs);
  if (reuse) {
    EXPECT_GT(m.vdnn_reused_bytes, 0u);
  } else {
    EXPECT_EQ(m.vdnn_reused_bytes, 0u);
  }
  std::ostringstream out;
  out.precision(17);
  out << m.bytes_moved << " " << m.vdnn_reused_bytes << " " << m.platform_stats.dump() << "\n";
  for (const auto& t : m.tensors) {
    out << t.tensor << " " << t.bytes << " " << t.density << " " << t.compressed_bytes << " "
        << t.vdnn.offload_s << " " << t.vdnn.prefetch_s << " " << t.cdma.offload_s << " " << t.cdma.prefetch_s
        << " " << t.vdnn_pcie_bytes << " " << t.cdma_pcie_bytes << "\n";
  }
  EXPECT_GT(m.tensors.size(), 2u);
  return out.str();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// vDNN's uncompressed transfers are simulated once per piece size and reused: every figure must equal that of
// simulating every piece (each runs in its own child: one SoC per process).
TEST_F(TempDir, ReusedUncompressedTimingEqualsSimulatingEveryPiece) {
  const std::string dir = dir_.string();
  for (const bool reuse : {true, false}) {
    test::in_child([dir, reuse] {
      std::ofstream(dir + (reuse ? "/reuse.txt" : "/full.txt")) << measure_fmnist(64, 256 << 10, reuse, 1);
    });
  }
  // The first lines differ: reuse moves fewer bytes.
  const auto figures = [](const std::string& text) { return text.substr(text.find('\n') + 1); };
  const std::string full = figures(read_text(dir + "/full.txt"));
  EXPECT_FALSE(full.empty());
  EXPECT_EQ(figures(read_text(dir + "/reuse.txt")), full);
}

// Pieces are independent measurements on an idle platform, so spreading them over processes must not change
// any result: one job (in a child), two and three jobs (forked by measure_transfers itself, which hand the
// pieces out as each job finishes one). Which piece simulates each vDNN size is fixed in advance, so even
// the bytes moved and reused are the same.
TEST_F(TempDir, ResultsDoNotDependOnTheNumberOfJobs) {
  const std::string dir = dir_.string();
  test::in_child([dir] { std::ofstream(dir + "/one.txt") << measure_fmnist(32, 512 << 10, true, 1); });
  const std::string one = read_text(dir + "/one.txt");
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(measure_fmnist(32, 512 << 10, true, 2), one);
  EXPECT_EQ(measure_fmnist(32, 512 << 10, true, 3), one);
}

TEST_F(TempDir, TracesAreUsedAndCheckedAgainstTheNetwork) {
  const std::string dir = dir_.string();
  test::in_child([dir] {
    const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/fmnist_cnn.json");
    const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
    const uint32_t batch = 3;
    tensor::ActivationSpec spec;
    spec.density = 0.3;
    for (const auto& t : plan.tensors) {
      if (!t.offloaded) continue;
      std::vector<uint64_t> shape = {batch};
      if (t.content == "input") {
        shape.insert(shape.end(), n.input.begin(), n.input.end());
      } else {
        const Layer& l = n.layers[n.index_of(t.content)];
        shape.insert(shape.end(), l.out.begin(), l.out.end());
      }
      tensor::write_npy(dir + "/" + t.content + ".npy", tensor::generate_npy(spec, shape));
    }
    MeasurementConfig mc;
    mc.batch = batch;
    mc.codec.algorithm = codec::Algorithm::kZv;
    mc.source.traces_dir = dir;
    const Measurements m = measure_transfers(titan_x(), n, plan, mc);
    EXPECT_TRUE(m.bytes_identical);
    EXPECT_FALSE(m.tensors.empty());
  });
  test::in_child(
      [dir] {  // a batch that does not match the files is refused before simulating, naming the file
        const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/fmnist_cnn.json");
        const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
        MeasurementConfig mc;
        mc.batch = 2;
        mc.source.traces_dir = dir;
        try {
          (void)measure_transfers(titan_x(), n, plan, mc);
          ADD_FAILURE() << "shape mismatch accepted";
        } catch (const NetworkError& e) {
          EXPECT_NE(std::string(e.what()).find("does not match batch"), std::string::npos) << e.what();
        }
      });
}

// The whole-tensor size beside the per-chunk one: for RL and ZL each tensor's bytes through one stream, equal
// to the codec's compressed_size() of the trace file's data computed here; not measured for ZV.
TEST_F(TempDir, WholeTensorSizesAreTheCodecsOnTheWholeTrace) {
  const std::string dir = dir_.string();
  const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/fmnist_cnn.json");
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const uint32_t batch = 4;
  tensor::ActivationSpec spec;
  spec.density = 0.25;
  spec.clustering = 0.7;
  std::map<std::string, tensor::NpyArray> traces;
  for (const auto& t : plan.tensors) {
    if (!t.offloaded) continue;
    std::vector<uint64_t> shape = {batch};
    const std::vector<uint64_t>& s = t.content == "input" ? n.input : n.layers[n.index_of(t.content)].out;
    shape.insert(shape.end(), s.begin(), s.end());
    traces[t.content] = tensor::generate_npy(spec, shape);
    tensor::write_npy(dir + "/" + t.content + ".npy", traces[t.content]);
  }
  for (const codec::Algorithm a : {codec::Algorithm::kRl, codec::Algorithm::kZl, codec::Algorithm::kZv}) {
    test::in_child([&, a] {  // one SoC per process
      MeasurementConfig mc;
      mc.batch = batch;
      mc.segment_bytes = 64 << 10;  // several pieces per tensor
      mc.codec.algorithm = a;
      mc.source.traces_dir = dir;
      const Measurements m = measure_transfers(titan_x(), n, plan, mc);
      EXPECT_EQ(m.whole_tensor, a != codec::Algorithm::kZv);
      ASSERT_FALSE(m.tensors.empty());
      for (const TensorResult& r : m.tensors) {
        const tensor::NpyArray& trace = traces.at(plan.tensors[r.tensor].content);
        const uint64_t expected =
            a == codec::Algorithm::kZv ? 0 : codec::make_codec(mc.codec)->compressed_size(trace.data);
        EXPECT_EQ(r.whole_tensor_compressed_bytes, expected) << plan.tensors[r.tensor].content;
      }
    });
  }
}

TEST_F(TempDir, MissingTraceFileIsReported) {
  const std::string dir = dir_.string();
  test::in_child([dir] {
    const Network n = load_network(std::string(CDMA_WORKLOADS_DIR) + "/fmnist_cnn.json");
    MeasurementConfig mc;
    mc.batch = 2;
    mc.source.traces_dir = dir;
    try {
      (void)measure_transfers(titan_x(), n, plan_tensors(n, OffloadPolicy::kAll), mc);
      ADD_FAILURE() << "missing traces accepted";
    } catch (const NetworkError& e) {
      EXPECT_NE(std::string(e.what()).find("missing trace file"), std::string::npos) << e.what();
    }
  });
}

}  // namespace
}  // namespace cdma::training
