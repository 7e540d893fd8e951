// The memory model against closed forms worked out by hand on a five-layer network (every step of both
// configurations), the optimizer and workspace terms, the host's share, saturation instead of wrap-around,
// the batch search at its boundary, and the refusal of `run_training` before anything is simulated.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "config/platform_config_json.h"
#include "test_networks.h"
#include "training/memory_model.h"
#include "training/network.h"
#include "training/tensor_plan.h"
#include "training/training_run.h"
#include "training/vdnn_schedule.h"

namespace cdma::training {
namespace {

using test_networks::layer;

// input [1,4,4] (16) -> conv1 3x3 pad 1 -> [2,4,4] (32) -> relu1 (in place) -> pool1 2x2/2 -> [2,2,2] (8)
// -> fc1 -> [4] -> softmax -> [4].
Network five_layers() {
  Network n;
  n.name = "five";
  n.input = {1, 4, 4};
  Layer conv = layer("conv1", "conv", {1, 4, 4}, {2, 4, 4});
  conv.kernel_h = conv.kernel_w = 3;
  conv.pad = 1;
  Layer pool = layer("pool1", "pool", {2, 4, 4}, {2, 2, 2});
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride = 2;
  pool.mode = "max";
  n.layers = {conv, layer("relu1", "relu", {2, 4, 4}, {2, 4, 4}), pool, layer("fc1", "fc", {8}, {4}),
              layer("softmax", "softmax", {4}, {4})};
  return n;
}

struct Fixture {
  Network net = five_layers();
  TensorPlan plan = plan_tensors(net, OffloadPolicy::kAll);
  PrefetchPlan prefetches = plan_prefetches(net, plan);
  MemoryProfile profile(uint32_t batch, MemoryConfig c, MemoryOptions o = {}) const {
    return gpu_memory(net, plan, prefetches, batch, c, o);
  }
};

// Weights + biases: conv 2*1*9 + 2 = 20, fc 8*4 + 4 = 36; with momentum three copies each.
constexpr uint64_t kStateElements = (20 + 36) * 3;

std::vector<uint64_t> totals(const std::vector<MemoryUse>& steps) {
  std::vector<uint64_t> t;
  for (const MemoryUse& u : steps) t.push_back(u.total());
  return t;
}

std::vector<uint64_t> expected(std::vector<uint64_t> per_sample_elements, uint32_t batch) {
  for (uint64_t& e : per_sample_elements) e = (kStateElements + e * batch) * kElementBytes;
  return per_sample_elements;
}

TEST(MemoryModel, PrefetchPlanIsTheSchedulesOwn) {
  const Fixture f;
  // Tensors: 0 input, 1 conv1/relu1, 2 pool1, 3 fc1, 4 softmax. fc1's input comes back while softmax's
  // backward runs (after fc1's own, on demand), relu1's while fc1's runs, the input while pool1's runs.
  EXPECT_EQ(f.prefetches.step_of, (std::vector<int>{2, 3, 4, 4, -1}));
  EXPECT_EQ(f.prefetches.on_demand[4], (std::vector<size_t>{3}));
  EXPECT_EQ(f.prefetches.overlapped[4], (std::vector<size_t>{2}));
}

TEST(MemoryModel, EveryStepOfTheOracleMatchesTheClosedForm) {
  const Fixture f;
  for (uint32_t batch : {1u, 7u, 128u}) {
    const MemoryProfile m = f.profile(batch, MemoryConfig::kOracle);
    // Forward: every tensor from its producer on: 16+32, (relu in place), +8, +4, +4.
    EXPECT_EQ(totals(m.forward), expected({48, 48, 56, 60, 64}, batch));
    // Backward, activations: all at softmax; fc1's and softmax's outputs freed after softmax (its last
    // reader); pool1's output after pool1 (it reads its own output); relu1's tensor after relu1; the input
    // after conv1. Gradients: softmax+fc1 outputs at softmax (8), fc1 in/out (12), pool1 in/out (40), then
    // relu1's in place (32) down to conv1, which does not compute the input's gradient.
    EXPECT_EQ(totals(m.backward), expected({16 + 32, 48 + 32, 56 + 40, 56 + 12, 64 + 8}, batch));
    EXPECT_EQ(m.peak_pass, Pass::kBackward);
    EXPECT_EQ(m.peak_layer, 2u);
    EXPECT_EQ(m.peak_bytes(), (kStateElements + 96ull * batch) * kElementBytes);
    EXPECT_EQ(m.peak.gradients, 40ull * batch * kElementBytes);
    EXPECT_EQ(m.peak.model_state, kStateElements * kElementBytes);
  }
}

TEST(MemoryModel, VdnnFreesWhatItOffloadsAndHoldsItAgainFromItsPrefetch) {
  const Fixture f;
  for (uint32_t batch : {1u, 5u}) {
    const MemoryProfile m = f.profile(batch, MemoryConfig::kOffload);
    // Forward: a tensor lives from its producer to its last reader: 16+32, 32, 32+8, 8+4, 4+4.
    EXPECT_EQ(totals(m.forward), expected({48, 32, 40, 12, 8}, batch));
    // Backward activations from each tensor's prefetch step down to its last backward use: step 4 holds
    // pool1's (8, fetched overlapped), fc1's (4, on demand), softmax's (4, never offloaded); step 3 relu1's
    // (32) and pool1's; step 2 the input (16), relu1's and pool1's; step 1 input and relu1's; step 0 the
    // input. Gradients as the oracle's.
    EXPECT_EQ(totals(m.backward), expected({16 + 32, 48 + 32, 56 + 40, 40 + 12, 16 + 8}, batch));
    EXPECT_EQ(host_memory_uncompressed(f.plan, batch), (16u + 32 + 8 + 4) * batch * kElementBytes);
  }
}

TEST(MemoryModel, OptimizerStateAndWorkspace) {
  const Fixture f;
  MemoryOptions sgd, adam;
  sgd.optimizer = Optimizer::kSgd;
  adam.optimizer = Optimizer::kAdam;
  EXPECT_EQ(f.profile(1, MemoryConfig::kOracle, sgd).peak.model_state, 56u * 2 * kElementBytes);
  EXPECT_EQ(f.profile(1, MemoryConfig::kOracle, adam).peak.model_state, 56u * 4 * kElementBytes);
  EXPECT_EQ(parse_optimizer("adam"), Optimizer::kAdam);
  EXPECT_THROW(parse_optimizer("rmsprop"), std::exception);
  // conv1's im2col: 1 channel x 3x3 x 4x4 outputs = 144 elements per sample, capped; only while conv1 runs.
  MemoryOptions ws;
  ws.workspace_limit_bytes = 1000;
  const MemoryProfile one = f.profile(1, MemoryConfig::kOracle, ws);
  EXPECT_EQ(one.forward[0].workspace, 144u * kElementBytes);
  EXPECT_EQ(one.backward[0].workspace, 144u * kElementBytes);
  EXPECT_EQ(one.forward[1].workspace, 0u);
  EXPECT_EQ(f.profile(2, MemoryConfig::kOracle, ws).forward[0].workspace, 1000u);
  EXPECT_EQ(f.profile(2, MemoryConfig::kOracle).forward[0].workspace, 0u);  // default: none
}

TEST(MemoryModel, BatchNormKeepsScaleShiftAndRunningStatistics) {
  Network n;
  n.name = "bn";
  n.input = {8, 2, 2};
  n.layers = {layer("bn", "batchnorm", {8, 2, 2}, {8, 2, 2})};
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const MemoryProfile m = gpu_memory(n, plan, plan_prefetches(n, plan), 1, MemoryConfig::kOracle, {});
  EXPECT_EQ(m.peak.model_state, (16u * 3 + 16u) * kElementBytes);  // learned x3 (momentum) + statistics
}

TEST(MemoryModel, ByteCountsSaturateInsteadOfWrapping) {
  Network n;
  n.name = "huge";
  n.input = {1u << 20, 1u << 10, 1u << 10};  // 2^40 elements per sample
  n.layers = {layer("bn", "batchnorm", n.input, n.input)};
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const MemoryProfile m =
      gpu_memory(n, plan, plan_prefetches(n, plan), UINT32_MAX, MemoryConfig::kOracle, {});
  EXPECT_EQ(m.peak_bytes(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(host_memory_uncompressed(plan, UINT32_MAX), std::numeric_limits<uint64_t>::max());
}

TEST(MemoryModel, MaxBatchIsTheLastBatchThatFits) {
  const Fixture f;
  // The offload peak is pool1's backward step: (168 + 96 b) elements.
  const uint64_t gpu = (kStateElements + 96 * 10) * kElementBytes + 3;
  const uint64_t roomy = 1ull << 40;
  BatchLimit l = max_batch(f.net, f.plan, f.prefetches, MemoryConfig::kOffload, {}, gpu, roomy, UINT32_MAX);
  EXPECT_EQ(l.batch, 10u);
  EXPECT_FALSE(l.host_bound);
  EXPECT_LE(f.profile(10, MemoryConfig::kOffload).peak_bytes(), gpu);
  EXPECT_GT(f.profile(11, MemoryConfig::kOffload).peak_bytes(), gpu);
  // The host holds 60 elements per sample.
  l = max_batch(f.net, f.plan, f.prefetches, MemoryConfig::kOffload, {}, roomy, 60 * kElementBytes * 7,
                UINT32_MAX);
  EXPECT_EQ(l.batch, 7u);
  EXPECT_TRUE(l.host_bound);
  // The oracle needs no host memory.
  EXPECT_EQ(max_batch(f.net, f.plan, f.prefetches, MemoryConfig::kOracle, {}, gpu, 0, UINT32_MAX).batch, 10u);
  // Not even one sample.
  EXPECT_EQ(max_batch(f.net, f.plan, f.prefetches, MemoryConfig::kOffload, {}, 100, roomy, UINT32_MAX).batch,
            0u);
  // Everything fits: the range's end.
  EXPECT_EQ(
      max_batch(f.net, f.plan, f.prefetches, MemoryConfig::kOffload, {}, UINT64_MAX, UINT64_MAX, 1000).batch,
      1000u);
}

TEST(MemoryModel, RunTrainingRefusesWhatDoesNotFitBeforeSimulating) {
  const config::PlatformConfig cfg = config::load_platform(
      config::resolve_platform_path("titan-x", CDMA_PLATFORMS_DIR), {}, CDMA_PLATFORMS_DIR);
  TrainingOptions o;
  o.network = "vgg16";
  o.jobs = 1;
  const Network net = load_network(resolve_network_path("vgg16", CDMA_WORKLOADS_DIR));
  const TensorPlan plan = plan_tensors(net, OffloadPolicy::kAll);
  const PrefetchPlan pre = plan_prefetches(net, plan);
  const uint32_t fits = max_batch(net, plan, pre, MemoryConfig::kOffload, {}, cfg.gpu.dram.capacity_bytes,
                                  cfg.host_dram.capacity_bytes, UINT32_MAX)
                            .batch;
  ASSERT_GT(fits, 100u);  // vDNN trains VGG-16 at its paper's batches on 12 GB
  for (uint32_t batch : {fits + 1, 1000000u}) {
    o.batch = batch;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      run_training(cfg, o, CDMA_WORKLOADS_DIR);
      ADD_FAILURE() << "batch " << batch << " accepted";
    } catch (const CapacityError& e) {
      const std::string what = e.what();
      for (const std::string& s :
           {std::string("vgg16 at batch ") + std::to_string(batch), std::string("vDNN_all"),
            std::string("gpu.dram.capacity_bytes is 12.00 GiB"),
            "the largest batch that fits is " + std::to_string(fits), std::string("--allow-oversubscribe")}) {
        EXPECT_NE(what.find(s), std::string::npos) << s << " not in: " << what;
      }
    }
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
  }
  // The oracle needing more than the GPU has is not a refusal: it stands for a GPU with enough memory.
  const uint32_t oracle_fits =
      max_batch(net, plan, pre, MemoryConfig::kOracle, {}, cfg.gpu.dram.capacity_bytes,
                cfg.host_dram.capacity_bytes, UINT32_MAX)
          .batch;
  EXPECT_LT(oracle_fits, fits);
}

}  // namespace
}  // namespace cdma::training
