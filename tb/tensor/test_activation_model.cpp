// The fitted activation model: fit_layer counts what a constructed tensor holds (dead channels, run lengths,
// repeated values and their chain, value ranges), the generator reproduces a fully determined structure bit
// for bit and a random one in distribution, any range of a tensor is drawn alone, retarget_density reaches
// its target, and every bad field of a model file is named with its file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/activation_fitter.h"
#include "tensor/activation_generator.h"
#include "tensor/activation_model.h"
#include "tensor/fitted_generator.h"

namespace cdma::tensor {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSamples = 8, kChannels = 4, kPlane = 64;

float element_at(const std::vector<uint8_t>& bytes, uint64_t i) {
  float f;
  std::memcpy(&f, bytes.data() + 4 * i, 4);
  return f;
}

// [8, 4, 4, 16]: channel 0 always zero; channel 1 zero runs of 4 and non-zero runs of 4 of the constant 0.5,
// starting with zeros; channel 2 dead in even samples, else non-zero pairs of distinct values every 8
// elements, starting non-zero; channel 3 dense, alternating the constant 2.0 and distinct values.
NpyArray constructed() {
  NpyArray a;
  a.shape = {kSamples, kChannels, 4, 16};
  std::vector<float> v(kSamples * kChannels * kPlane, 0.0f);
  float distinct = 10.0f;  // above both constants
  for (uint64_t s = 0; s < kSamples; ++s) {
    float* p1 = &v[(s * kChannels + 1) * kPlane];
    float* p2 = &v[(s * kChannels + 2) * kPlane];
    float* p3 = &v[(s * kChannels + 3) * kPlane];
    for (uint64_t i = 0; i < kPlane; ++i) {
      p1[i] = i % 8 >= 4 ? 0.5f : 0.0f;
      if (s % 2 == 1 && i % 8 < 2) p2[i] = (distinct += 1.0f);
      p3[i] = i % 2 == 0 ? 2.0f : (distinct += 1.0f);
    }
  }
  a.data.resize(v.size() * 4);
  std::memcpy(a.data.data(), v.data(), a.data.size());
  return a;
}

TEST(ActivationFitter, CountsWhatTheTensorHolds) {
  const LayerActivationModel m = fit_layer(constructed());
  EXPECT_EQ(m.sample_shape, (std::vector<uint64_t>{kChannels, 4, 16}));
  EXPECT_EQ(m.channels, kChannels);
  EXPECT_EQ(m.plane_elements, kPlane);
  EXPECT_EQ(m.samples, kSamples);
  ASSERT_EQ(m.channel.size(), kChannels);
  EXPECT_EQ(m.channel[0].dead_fraction, 1.0);
  EXPECT_EQ(m.channel[1].dead_fraction, 0.0);
  EXPECT_EQ(m.channel[2].dead_fraction, 0.5);
  EXPECT_EQ(m.channel[3].dead_fraction, 0.0);
  EXPECT_EQ(m.dead_plane_fraction, 12.0 / 32);
  // Channel 1: eight zero runs and eight non-zero runs of 4 per plane, 8 planes.
  EXPECT_EQ(m.channel[1].zero_runs, (RunHistogram{{4, 64}}));
  EXPECT_EQ(m.channel[1].nonzero_runs, (RunHistogram{{4, 64}}));
  EXPECT_EQ(m.channel[1].start_nonzero_fraction, 0.0);
  ASSERT_EQ(m.channel[1].repeated_values.size(), 1u);
  EXPECT_EQ(m.channel[1].repeated_values[0], (std::pair<float, uint64_t>{0.5f, 256}));
  EXPECT_EQ(m.channel[1].repeat_fraction, 1.0);
  EXPECT_EQ(m.channel[1].same_after_repeat, 1.0);
  // Channel 2: 4 live planes of eight (2 non-zero, 6 zero) periods; no value repeats.
  EXPECT_EQ(m.channel[2].nonzero_runs, (RunHistogram{{2, 32}}));
  EXPECT_EQ(m.channel[2].zero_runs, (RunHistogram{{6, 32}}));
  EXPECT_EQ(m.channel[2].start_nonzero_fraction, 1.0);
  EXPECT_TRUE(m.channel[2].repeated_values.empty());
  EXPECT_EQ(m.channel[2].repeat_fraction, 0.0);
  // Channel 3: one run of 64 per plane; 2.0 every other element, strictly alternating.
  EXPECT_EQ(m.channel[3].nonzero_runs, (RunHistogram{{64, 8}}));
  EXPECT_TRUE(m.channel[3].zero_runs.empty());
  ASSERT_EQ(m.channel[3].repeated_values.size(), 1u);
  EXPECT_EQ(m.channel[3].repeated_values[0], (std::pair<float, uint64_t>{2.0f, 256}));
  EXPECT_EQ(m.channel[3].repeat_fraction, 0.5);
  EXPECT_EQ(m.channel[3].repeat_after_repeat, 0.0);
  EXPECT_EQ(m.channel[3].repeat_after_varied, 1.0);
  // Quantile tables span each channel's other values, min to max.
  const std::vector<float>& q2 = m.channel[2].quantiles;
  ASSERT_EQ(q2.size(), kValueQuantiles);
  EXPECT_LT(q2.front(), q2.back());
  EXPECT_TRUE(std::is_sorted(q2.begin(), q2.end()));
  // Density: channel 1 half, channel 2 a quarter of half its planes, channel 3 all.
  EXPECT_DOUBLE_EQ(m.density, (256.0 + 64 + 512) / (kSamples * kChannels * kPlane));
  EXPECT_DOUBLE_EQ(m.repeat_fraction, (256.0 + 256) / (256 + 64 + 512));
  // 128-byte blocks of 32 elements: channel 0's 16 and channel 2's dead planes' 8, of 64.
  EXPECT_DOUBLE_EQ(m.all_zero_block_fraction, 24.0 / 64);
  // The structure reproduces its density exactly, so calibration leaves the scale at 1.
  EXPECT_NEAR(m.zero_run_scale, 1.0, 0.01);
}

TEST(FittedGenerator, ReproducesADeterminedStructureAndDrawsTheRest) {
  const LayerActivationModel m = fit_layer(constructed());
  const uint64_t samples = 2000;
  const std::vector<uint8_t> g = FittedGenerator(m, 7).generate(samples);
  ASSERT_EQ(g.size(), samples * kChannels * kPlane * 4);
  const float q_lo = m.channel[2].quantiles.front(), q_hi = m.channel[2].quantiles.back();
  uint64_t dead2 = 0;
  for (uint64_t s = 0; s < samples; ++s) {
    const uint64_t base = s * kChannels * kPlane;
    bool live2 = false;
    for (uint64_t i = 0; i < kPlane; ++i) {
      ASSERT_EQ(element_at(g, base + i), 0.0f);                               // channel 0 dead
      ASSERT_EQ(element_at(g, base + kPlane + i), i % 8 >= 4 ? 0.5f : 0.0f);  // channel 1 exact
      const float v2 = element_at(g, base + 2 * kPlane + i);
      if (v2 != 0) {
        live2 = true;
        ASSERT_LT(i % 8, 2u) << "channel 2 non-zero outside its runs";
        ASSERT_GE(v2, q_lo);
        ASSERT_LE(v2, q_hi);
      }
      const float v3 = element_at(g, base + 3 * kPlane + i);
      ASSERT_NE(v3, 0.0f);
      if (i > 0) {  // strictly alternating between 2.0 and another value
        ASSERT_NE(v3 == 2.0f, element_at(g, base + 3 * kPlane + i - 1) == 2.0f);
      }
    }
    dead2 += !live2;
  }
  // Channel 2 dead in half its planes, stratified: to within one plane (not a binomial draw, sd 22).
  EXPECT_NEAR(static_cast<double>(dead2), samples / 2.0, 1.0);
}

TEST(FittedGenerator, AnyRangeIsDrawnAloneAndTheSeedDecides) {
  const LayerActivationModel m = fit_layer(constructed());
  const FittedGenerator gen(m, 3);
  const std::vector<uint8_t> whole = gen.generate(50);
  for (const auto& [first, count] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, 1}, {37, 1000}, {4095, 3000}}) {
    std::vector<uint8_t> part(count * 4);
    const uint64_t nonzeros = gen.fill(first, codec::MutableByteSpan(part.data(), part.size()));
    EXPECT_EQ(std::memcmp(part.data(), whole.data() + 4 * first, part.size()), 0) << "at " << first;
    EXPECT_EQ(nonzeros, count_nonzero(codec::ByteSpan(part.data(), part.size()), 4));
  }
  EXPECT_EQ(FittedGenerator(m, 3).generate(50), whole);
  EXPECT_NE(FittedGenerator(m, 4).generate(50), whole);
  std::vector<uint8_t> odd(6);
  EXPECT_THROW(gen.fill(0, codec::MutableByteSpan(odd.data(), odd.size())), std::invalid_argument);
}

// A Markov-generated tensor fitted, then moved to other densities: the drawn density lands within 1 %.
TEST(ActivationFitter, RetargetDensityReachesItsTarget) {
  ActivationSpec spec;
  spec.density = 0.3;
  spec.clustering = 0.6;
  spec.seed = 11;
  const LayerActivationModel fitted = fit_layer(generate_npy(spec, {16, 8, 16, 16}));
  for (double target : {0.05, 0.2, 0.3, 0.6}) {
    LayerActivationModel m = fitted;
    retarget_density(m, target);
    const std::vector<uint8_t> g = FittedGenerator(m, 99).generate(4096);  // 8 Mi elements, another seed
    EXPECT_NEAR(measured_density(codec::ByteSpan(g.data(), g.size()), 4), target, 0.01 * target) << target;
  }
  EXPECT_THROW(retarget_density(*std::make_unique<LayerActivationModel>(fitted), 1.5), std::invalid_argument);
  // Unreachable (every plane of a dead channel stays dead): left as it was.
  LayerActivationModel dead = fit_layer(constructed());
  const double before = dead.zero_run_scale;
  retarget_density(dead, 0.9);
  EXPECT_EQ(dead.zero_run_scale, before);
}

TEST(ActivationFitter, RefusesWhatItCannotFit) {
  NpyArray half = constructed();
  half.dtype = DType::kFloat16;
  half.data.resize(half.data.size() / 2);
  EXPECT_THROW(fit_layer(half), std::invalid_argument);
  NpyArray vector = constructed();
  vector.shape = {vector.element_count()};
  EXPECT_THROW(fit_layer(vector), std::invalid_argument);
}

class ActivationModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    model_.source = "test";
    model_.layers["x"] = fit_layer(constructed());
    good_ = model_.to_json();
  }
  // The message from_json gives for the good model changed by `mutate`.
  std::string error_of(const std::function<void(nlohmann::json&)>& mutate) {
    nlohmann::json j = good_;
    mutate(j);
    try {
      ActivationModel::from_json(j, "m.json");
    } catch (const ActivationModelError& e) {
      return e.what();
    }
    return "(accepted)";
  }
  ActivationModel model_;
  nlohmann::json good_;
};

TEST_F(ActivationModelFile, RoundTripsThroughJsonAndFile) {
  const ActivationModel back = ActivationModel::from_json(good_, "m.json");
  EXPECT_EQ(back.to_json(), good_);
  const fs::path p = fs::temp_directory_path() / "cdma_activation_model_test.json";
  model_.save(p.string());
  const ActivationModel loaded = ActivationModel::load(p.string());
  fs::remove(p);
  EXPECT_EQ(loaded.to_json(), good_);
  // Drawing from the reloaded model gives the same bytes.
  EXPECT_EQ(FittedGenerator(loaded.layers.at("x"), 5).generate(4),
            FittedGenerator(model_.layers.at("x"), 5).generate(4));
}

TEST_F(ActivationModelFile, EveryBadFieldIsNamed) {
  auto ch = [](nlohmann::json& j, int c) -> nlohmann::json& { return j["layers"]["x"]["channels"][c]; };
  const std::vector<std::pair<std::function<void(nlohmann::json&)>, std::string>> cases = {
      {[](nlohmann::json& j) { j["format"] = "other/1"; },
       "m.json: format must be \"cdma-activation-model/1\""},
      {[](nlohmann::json& j) { j["layers"] = nlohmann::json::object(); },
       "m.json: layers must be a non-empty"},
      {[&](nlohmann::json& j) { ch(j, 1).erase("dead_fraction"); },
       "m.json: layers.x.channels[1].dead_fraction is missing"},
      {[&](nlohmann::json& j) { ch(j, 1)["dead_fraction"] = 1.5; },
       "m.json: layers.x.channels[1].dead_fraction must be in [0, 1], got 1.5"},
      {[&](nlohmann::json& j) { ch(j, 2)["quantiles"].erase(0); },
       "m.json: layers.x.channels[2].quantiles must be an array of 65 numbers"},
      {[&](nlohmann::json& j) { ch(j, 2)["quantiles"][5] = -1e9; },
       "m.json: layers.x.channels[2].quantiles[5] must not be below the one before"},
      {[&](nlohmann::json& j) { ch(j, 2)["quantiles"][5] = "a"; },
       "m.json: layers.x.channels[2].quantiles[5] must be a finite number"},
      {[&](nlohmann::json& j) {
         ch(j, 1)["zero_runs"] = {{4, 1}, {3, 1}};
       },
       "m.json: layers.x.channels[1].zero_runs[1][0] lengths must increase"},
      {[&](nlohmann::json& j) {
         ch(j, 1)["zero_runs"] = {{65, 1}};
       },
       "m.json: layers.x.channels[1].zero_runs[0][0] is longer than a plane (64)"},
      {[&](nlohmann::json& j) {
         ch(j, 1)["zero_runs"] = {{4, 0}};
       },
       "m.json: layers.x.channels[1].zero_runs[0][1] must be an integer >= 1"},
      {[&](nlohmann::json& j) { ch(j, 1)["nonzero_runs"] = nlohmann::json::array(); },
       "m.json: layers.x.channels[1].nonzero_runs is empty but dead_fraction < 1"},
      {[&](nlohmann::json& j) { ch(j, 1)["repeats"]["values"][0][0] = 0; },
       "m.json: layers.x.channels[1].repeats.values[0] must be a [non-zero finite value, count] pair"},
      {[&](nlohmann::json& j) { ch(j, 1)["repeats"]["values"] = nlohmann::json::array(); },
       "m.json: layers.x.channels[1].repeats.values is empty but fraction > 0"},
      {[&](nlohmann::json& j) { ch(j, 1)["repeats"]["after_repeat"] = -0.1; },
       "m.json: layers.x.channels[1].repeats.after_repeat must be in [0, 1], got -0.1"},
      {[](nlohmann::json& j) { j["layers"]["x"]["channels"].erase(3); },
       "m.json: layers.x.channels must be an array of 4 channel models"},
      {[](nlohmann::json& j) {
         j["layers"]["x"]["sample_shape"] = {4, 0, 16};
       },
       "m.json: layers.x.sample_shape[1] must be an integer >= 1"},
      {[](nlohmann::json& j) { j["layers"]["x"]["zero_run_scale"] = 0; },
       "m.json: layers.x.zero_run_scale must be in [0.01, 100], got 0"},
      {[](nlohmann::json& j) { j["layers"]["x"]["measured"].erase("samples"); },
       "m.json: layers.x.measured.samples is missing"},
  };
  for (const auto& [mutate, expected] : cases) {
    const std::string got = error_of(mutate);
    EXPECT_EQ(got.rfind(expected, 0), 0u) << "expected: " << expected << "\n     got: " << got;
  }
}

TEST_F(ActivationModelFile, UnreadableFilesAreNamed) {
  try {
    ActivationModel::load("/nonexistent/m.json");
    FAIL() << "loaded a missing file";
  } catch (const ActivationModelError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/m.json: cannot open");
  }
  const fs::path p = fs::temp_directory_path() / "cdma_activation_model_bad.json";
  std::ofstream(p) << "{\"format\": ";
  try {
    ActivationModel::load(p.string());
    FAIL() << "loaded truncated JSON";
  } catch (const ActivationModelError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(p.string() + ": not valid JSON", 0), 0u) << e.what();
  }
  fs::remove(p);
}

}  // namespace
}  // namespace cdma::tensor
