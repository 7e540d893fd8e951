// Platform configuration: the shipped platform files, the PCIe closed forms, JSON round trips, overrides and
// the strict loader's error messages (each must name the file or override AND the JSON path).
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/generated_section.h"
#include "config/platform_config.h"
#include "config/platform_config_doc.h"
#include "config/platform_config_json.h"

#ifndef CDMA_PLATFORMS_DIR
#error "CDMA_PLATFORMS_DIR must point at the repository's platforms/ directory"
#endif

namespace cdma::config {
namespace {

using nlohmann::json;

const std::vector<std::string> kPlatforms = {"titan-x", "titan-xp", "v100", "a100", "h100"};
constexpr uint64_t kGiB = 1ull << 30;

std::string platform_path(const std::string& name) {
  return std::string(CDMA_PLATFORMS_DIR) + "/" + name + ".json";
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// A file per test so parallel test processes do not trample each other.
std::string write_temp(const std::string& text, const std::string& suffix = "") {
  const std::string path = ::testing::TempDir() + "cdma_cfg_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix + ".json";
  std::ofstream(path) << text;
  return path;
}

// The Titan X file with one edit applied, written to a temp file.
std::string titan_x_with(const std::function<void(json&)>& edit) {
  json j = read_json(platform_path("titan-x"));
  edit(j);
  return write_temp(j.dump(2));
}

std::string load_error(const std::string& path, const std::vector<std::string>& overrides = {}) {
  try {
    load_platform(path, overrides, CDMA_PLATFORMS_DIR);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " did not throw ConfigError";
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

#define EXPECT_CONTAINS(s, part) \
  EXPECT_TRUE(contains((s), (part))) << "message: " << (s) << "\nexpected: " << (part)

// Every leaf path of a JSON object, e.g. "gpu.dram.channels".
void leaf_paths(const json& j, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& item : j.items()) {
    const std::string path = prefix.empty() ? item.key() : prefix + "." + item.key();
    if (item.value().is_object()) {
      leaf_paths(item.value(), path, out);
    } else {
      out.insert(path);
    }
  }
}

// --- Shipped platform files
// -----------------------------------------------------------------------------------

TEST(PlatformFiles, AllLoadAndValidate) {
  for (const std::string& name : kPlatforms) {
    SCOPED_TRACE(name);
    PlatformConfig c;
    ASSERT_NO_THROW(c = load_platform(platform_path(name)));
    EXPECT_NO_THROW(validate(c));
    EXPECT_TRUE(find_issues(c).empty());
    EXPECT_EQ(c.name, name);
    EXPECT_FALSE(c.description.empty());
  }
}

TEST(PlatformFiles, KeyFiguresMatchBriefing) {
  struct Expected {
    std::string name;
    double dram_gbps;
    uint32_t channels;
    double tflops;
    uint32_t generation;
    uint64_t capacity_gib;
    double clock_ghz;
    double host_gbps;
  };
  const std::vector<Expected> table = {
      {"titan-x", 336.5, 6, 6.6, 3, 12, 1.0, 76.8},  {"titan-xp", 547.7, 12, 12.1, 3, 12, 1.0, 76.8},
      {"v100", 900.0, 8, 14.0, 3, 16, 1.3, 76.8},    {"a100", 1555.0, 10, 19.5, 4, 40, 1.3, 204.8},
      {"h100", 2000.0, 10, 51.0, 5, 80, 1.3, 204.8},
  };
  for (const Expected& e : table) {
    SCOPED_TRACE(e.name);
    const PlatformConfig c = load_platform(platform_path(e.name));
    EXPECT_DOUBLE_EQ(c.gpu.dram.bandwidth_gbps, e.dram_gbps);
    EXPECT_EQ(c.gpu.dram.channels, e.channels);
    EXPECT_DOUBLE_EQ(c.gpu.fp32_tflops, e.tflops);
    EXPECT_EQ(c.pcie.generation, e.generation);
    EXPECT_EQ(c.pcie.lanes, 16u);
    EXPECT_EQ(c.gpu.dram.capacity_bytes, e.capacity_gib * kGiB);
    EXPECT_DOUBLE_EQ(c.gpu.compression.clock_ghz, e.clock_ghz);
    EXPECT_DOUBLE_EQ(c.host_dram.bandwidth_gbps, e.host_gbps);
    // Documented assumption: the crossbar is not the bottleneck unless configured so.
    const double port_ratio = c.gpu.crossbar.port_gbps / c.gpu.dram.channel_bandwidth_gbps();
    const double dma_ratio = c.gpu.crossbar.dma_port_gbps / c.gpu.dram.bandwidth_gbps;
    EXPECT_NEAR(port_ratio, 2.0, 0.05);
    EXPECT_NEAR(dma_ratio, 0.7, 0.05);
  }
  EXPECT_DOUBLE_EQ(load_platform(platform_path("titan-x")).gpu.dram.channel_bandwidth_gbps(), 336.5 / 6);
}

TEST(PlatformFiles, EveryFileSpellsOutEveryField) {
  std::set<std::string> all;
  leaf_paths(to_json(PlatformConfig{}), "", all);
  for (const std::string& name : kPlatforms) {
    SCOPED_TRACE(name);
    std::set<std::string> in_file;
    leaf_paths(read_json(platform_path(name)), "", in_file);
    EXPECT_EQ(in_file, all);
  }
}

TEST(PlatformFiles, DefaultsAreTheTitanXFile) {
  PlatformConfig file = load_platform(platform_path("titan-x"));
  file.description.clear();
  EXPECT_EQ(to_json(file), to_json(PlatformConfig{}));
}

// --- Derived quantities
// ---------------------------------------------------------------------------------------

TEST(Pcie, Gen3x16RawAndEffective) {
  const PcieConfig p;  // gen3 x16, MPS 256, overhead 24, dllp 0.02
  const double raw = 16 * 8e9 * 128.0 / 130.0 / 8 / 1e9;
  EXPECT_NEAR(raw, 15.7538, 1e-4);
  EXPECT_DOUBLE_EQ(p.raw_gbps(), raw);
  EXPECT_DOUBLE_EQ(p.effective_gbps(), raw * 256.0 / 280.0 * 0.98);
}

TEST(Pcie, Gen4AndGen5DoubleAndQuadruple) {
  PcieConfig p;
  const double raw3 = p.raw_gbps();
  const double eff3 = p.effective_gbps();
  p.generation = 4;
  EXPECT_DOUBLE_EQ(p.raw_gbps(), 2 * raw3);
  EXPECT_DOUBLE_EQ(p.effective_gbps(), 2 * eff3);
  p.generation = 5;
  EXPECT_DOUBLE_EQ(p.raw_gbps(), 4 * raw3);
  EXPECT_DOUBLE_EQ(p.effective_gbps(), 4 * eff3);
  p.lanes = 4;
  EXPECT_DOUBLE_EQ(p.raw_gbps(), raw3);
  p.generation = 2;
  EXPECT_THROW(p.raw_gbps(), ConfigError);
}

TEST(Pcie, TransferNsCountsWholeTlps) {
  const PcieConfig p;
  const double raw = p.raw_gbps();
  // 1000 bytes at MPS 256 are 4 TLPs.
  EXPECT_DOUBLE_EQ(p.transfer_ns(0, 1000), (1000 + 4 * 24) / raw / 0.98);
  EXPECT_DOUBLE_EQ(p.transfer_ns(0, 256), (256 + 24) / raw / 0.98);
  EXPECT_DOUBLE_EQ(p.transfer_ns(0, 257), (257 + 2 * 24) / raw / 0.98);
  EXPECT_DOUBLE_EQ(p.transfer_ns(0, 0), 0.0);
  // A long aligned stream converges on the effective bandwidth.
  const uint64_t big = 256ull << 20;
  EXPECT_NEAR(big / p.transfer_ns(0, big), p.effective_gbps(), 1e-9);
}

// No TLP crosses a 4 KiB address boundary: a transfer is cut there first, then into MPS pieces.
TEST(Pcie, TlpsDoNotCross4KiBBoundaries) {
  const PcieConfig p;  // MPS 256
  EXPECT_EQ(p.tlps(0, 4096), 16u);
  EXPECT_EQ(p.tlps(32, 4096), 17u);        // 4064 B (16 TLPs) then 32 B
  EXPECT_EQ(p.tlps(4000, 200), 2u);        // 96 B up to the boundary, then 104 B
  EXPECT_EQ(p.tlps(4096 - 256, 256), 1u);  // ends exactly on the boundary
  EXPECT_EQ(p.tlps(100, 3 * 4096), 3 * 16u + 1u);
  EXPECT_EQ(p.tlps(8191, 1), 1u);
  EXPECT_EQ(p.tlps(8191, 2), 2u);
  EXPECT_EQ(p.tlps(5, 0), 1u);
  // Brute force: walk the bytes, starting a TLP at every boundary and every MPS bytes.
  for (uint64_t addr : {0ull, 1ull, 255ull, 3000ull, 4095ull, 12345ull}) {
    for (uint64_t n : {1ull, 255ull, 256ull, 4096ull, 5000ull, 70000ull}) {
      uint64_t count = 0, in_tlp = 0;
      for (uint64_t a = addr; a < addr + n; ++a) {
        if (in_tlp == 0 || a % 4096 == 0 || in_tlp == 256) {
          ++count;
          in_tlp = 0;
        }
        ++in_tlp;
      }
      EXPECT_EQ(p.tlps(addr, n), count) << addr << " + " << n;
    }
  }
  // An uncompressed 64 MiB host image starts its payload 32 + 16 x 16384 B in, and the buffer sends it as
  // 4 KiB writes: every one spans a boundary and costs a 17th TLP, 24 B more per 4096 + 16 x 24 B on the
  // wire.
  const uint64_t offset = 32 + 16 * 16384;
  double aligned = 0, unaligned = 0;
  for (uint64_t i = 0; i < 16384; ++i) {
    aligned += p.transfer_ns(i * 4096, 4096);
    unaligned += p.transfer_ns(offset + i * 4096, 4096);
  }
  EXPECT_NEAR(unaligned / aligned, 1.0 + 24.0 / (4096 + 16 * 24), 1e-9);
}

TEST(Derived, ChannelBandwidthAndCompressionThroughput) {
  const PlatformConfig c;
  EXPECT_DOUBLE_EQ(c.gpu.dram.channel_bandwidth_gbps(), 336.5 / 6);
  EXPECT_DOUBLE_EQ(c.gpu.compression.throughput_gbps(codec::Algorithm::kZv), 128.0);
  EXPECT_DOUBLE_EQ(c.gpu.compression.throughput_gbps(codec::Algorithm::kZl), 2.5);
  EXPECT_DOUBLE_EQ(c.gpu.compression.throughput_gbps(codec::Algorithm::kZcompSeparate), 64.0);
  const PlatformConfig v100 = load_platform(platform_path("v100"));
  EXPECT_DOUBLE_EQ(v100.gpu.compression.throughput_gbps(codec::Algorithm::kRl), 32.0 * 1.3);
}

TEST(Validate, NamesTheFieldByItsJsonPath) {
  PlatformConfig c;
  c.gpu.dram.channels = 0;
  try {
    validate(c);
    FAIL() << "validate accepted 0 channels";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "gpu.dram.channels must be >= 1, got 0");
  }
  c = PlatformConfig{};
  c.gpu.compression.bytes_per_cycle[codec::Algorithm::kZv] = 0;
  EXPECT_THROW(validate(c), ConfigError);
  c = PlatformConfig{};
  c.simulation.mode = static_cast<tlmx::TimingMode>(7);  // an enum value outside its names
  EXPECT_THROW(validate(c), ConfigError);
  c = PlatformConfig{};
  c.gpu.crossbar.port_gbps = std::nan("");
  EXPECT_THROW(validate(c), ConfigError);
  c = PlatformConfig{};
  c.gpu.dram.capacity_bytes += 4096;  // no longer whole interleave rows
  EXPECT_THROW(validate(c), ConfigError);
}

// --- JSON round trip
// ------------------------------------------------------------------------------------------

TEST(Json, RoundTripIsIdentityForEveryPlatform) {
  for (const std::string& name : kPlatforms) {
    SCOPED_TRACE(name);
    const json first = to_json(load_platform(platform_path(name)));
    EXPECT_EQ(to_json(from_json(first, "round-trip")), first);
    // Through text too, as the effective config written next to results is read back.
    EXPECT_EQ(to_json(from_json(json::parse(first.dump(2)), "round-trip")), first);
  }
}

TEST(Json, PartialInputKeepsDefaults) {
  const json j = {{"name", "partial"},
                  {"pcie", {{"generation", 4}}},
                  {"gpu", {{"compression", {{"bytes_per_cycle", {{"zv", 64}}}}}}}};
  const PlatformConfig c = from_json(j, "inline");
  const PlatformConfig d;
  EXPECT_EQ(c.name, "partial");
  EXPECT_EQ(c.pcie.generation, 4u);
  EXPECT_EQ(c.pcie.lanes, d.pcie.lanes);
  EXPECT_DOUBLE_EQ(c.gpu.compression.bytes_per_cycle[codec::Algorithm::kZv], 64.0);
  EXPECT_DOUBLE_EQ(c.gpu.compression.bytes_per_cycle[codec::Algorithm::kZl], 2.5);
  EXPECT_EQ(c.gpu.dram.capacity_bytes, d.gpu.dram.capacity_bytes);
}

TEST(Json, IntegralFloatsAreAcceptedForIntegers) {
  const PlatformConfig c = from_json({{"gpu", {{"dram", {{"channels", 8.0}}}}}}, "inline");
  EXPECT_EQ(c.gpu.dram.channels, 8u);
}

TEST(Json, RootMustBeAnObject) {
  try {
    from_json(json::array(), "inline.json");
    FAIL() << "accepted an array";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(std::string(e.what()), "inline.json");
    EXPECT_CONTAINS(std::string(e.what()), "expected an object, got array");
  }
}

// --- Overrides
// ------------------------------------------------------------------------------------------------

TEST(Overrides, EachKindApplies) {
  const PlatformConfig c = load_platform(
      platform_path("titan-x"), {"gpu.dram.channels=8", "pcie.dllp_overhead=0.05", "simulation.mode=lt",
                                 "name=\"custom\"", "gpu.compression.bytes_per_cycle.zv=64"});
  EXPECT_EQ(c.gpu.dram.channels, 8u);
  EXPECT_DOUBLE_EQ(c.pcie.dllp_overhead, 0.05);
  EXPECT_EQ(c.simulation.mode, tlmx::TimingMode::kLt);
  EXPECT_EQ(c.name, "custom");
  EXPECT_DOUBLE_EQ(c.gpu.compression.bytes_per_cycle[codec::Algorithm::kZv], 64.0);
  EXPECT_DOUBLE_EQ(c.gpu.compression.bytes_per_cycle[codec::Algorithm::kRl], 32.0);  // siblings untouched
  EXPECT_DOUBLE_EQ(c.gpu.dram.bandwidth_gbps, 336.5);
}

TEST(Overrides, AppliedInOrderLastWins) {
  const PlatformConfig c =
      load_platform(platform_path("titan-x"), {"pcie.generation=4", "pcie.generation=5"});
  EXPECT_EQ(c.pcie.generation, 5u);
}

TEST(Overrides, SectionValueMergesIntoTheFile) {
  const PlatformConfig c = load_platform(platform_path("v100"), {R"(gpu.dram={"channels": 16})"});
  EXPECT_EQ(c.gpu.dram.channels, 16u);
  EXPECT_DOUBLE_EQ(c.gpu.dram.bandwidth_gbps, 900.0);
}

TEST(Overrides, MissingSectionInFileIsCreated) {
  const std::string path = write_temp(R"({"name": "tiny", "base": "titan-x"})");
  const PlatformConfig c = load_platform(path, {"simulation.queue_depth=3"}, CDMA_PLATFORMS_DIR);
  EXPECT_EQ(c.simulation.queue_depth, 3u);
}

TEST(Overrides, UnknownPathNamesTheOverride) {
  const std::string msg = load_error(platform_path("titan-x"), {"gpu.dram.chanels=8"});
  EXPECT_CONTAINS(msg, "--set gpu.dram.chanels=8");
  EXPECT_CONTAINS(msg, "unknown field");
  EXPECT_CONTAINS(msg, "did you mean 'channels'?");
  EXPECT_CONTAINS(load_error(platform_path("titan-x"), {"gpu.dram.channels.x=1"}),
                  "--set gpu.dram.channels.x=1");
  EXPECT_CONTAINS(load_error(platform_path("titan-x"), {"gpu.dram.channels"}), "expected path=value");
}

TEST(Overrides, InvalidValueNamesTheOverride) {
  const std::string msg = load_error(platform_path("titan-x"), {"gpu.dram.channels=0"});
  EXPECT_CONTAINS(msg, "--set gpu.dram.channels=0");
  EXPECT_CONTAINS(msg, "gpu.dram.channels");
  EXPECT_CONTAINS(msg, "must be >= 1");
  EXPECT_FALSE(contains(msg, "titan-x.json")) << msg;
  // A string where a number belongs (the value is not a JSON literal, so it stays a string).
  EXPECT_CONTAINS(load_error(platform_path("titan-x"), {"pcie.lanes=sixteen"}), "--set pcie.lanes=sixteen");
}

TEST(Overrides, CrossFieldRuleBlamesTheOverride) {
  // The rule is stated on chunk_bytes but the override changed the interleave it is compared with.
  const std::string msg = load_error(platform_path("titan-x"), {"gpu.dram.interleave_bytes=1024"});
  EXPECT_CONTAINS(msg, "--set gpu.dram.interleave_bytes=1024");
  EXPECT_CONTAINS(msg, "gpu.dma.chunk_bytes");
}

TEST(Overrides, ErrorsFromTheFileStillNameTheFile) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["lanes"] = 3; });
  const std::string msg = load_error(path, {"gpu.dram.channels=8"});
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.lanes");
}

// --- Malformed inputs: each message names the file and the JSON path
// -----------------------------------------

TEST(Malformed, UnknownFieldSuggestsTheClosestKey) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["lanz"] = 16; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.lanz: unknown field (did you mean 'lanes'?)");
}

TEST(Malformed, UnknownFieldFarFromAnyKeyHasNoSuggestion) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["wattage"] = 250; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.wattage: unknown field");
  EXPECT_FALSE(contains(msg, "did you mean")) << msg;
}

TEST(Malformed, WrongType) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dram"]["bandwidth_gbps"] = "fast"; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path + ": gpu.dram.bandwidth_gbps: expected a number, got string");
}

TEST(Malformed, SectionOfWrongType) {
  const std::string path = titan_x_with([](json& j) { j["pcie"] = 16; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie: expected an object");
}

TEST(Malformed, NegativeBandwidth) {
  const std::string path = titan_x_with([](json& j) { j["host_dram"]["bandwidth_gbps"] = -1.0; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "host_dram.bandwidth_gbps: must be > 0");
}

TEST(Malformed, NegativeForUnsigned) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dma"]["outstanding_chunks"] = -4; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dma.outstanding_chunks: expected a non-negative integer");
}

TEST(Malformed, IntegerTooLargeForField) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["max_payload_bytes"] = 1ull << 32; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.max_payload_bytes: out of range");
}

TEST(Malformed, ZeroLanes) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["lanes"] = 0; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.lanes: must be 1, 2, 4, 8 or 16, got 0");
}

TEST(Malformed, ThreeLanes) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["lanes"] = 3; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.lanes: must be 1, 2, 4, 8 or 16, got 3");
}

TEST(Malformed, Generation2) {
  const std::string path = titan_x_with([](json& j) { j["pcie"]["generation"] = 2; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.generation: must be 3, 4 or 5, got 2");
}

TEST(Malformed, FractionalChannels) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dram"]["channels"] = 6.5; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dram.channels: expected an integer, got 6.5");
}

TEST(Malformed, UnknownSimulationMode) {
  const std::string path = titan_x_with([](json& j) { j["simulation"]["mode"] = "xx"; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "simulation.mode: must be \"at\" or \"lt\", got \"xx\"");
}

TEST(Malformed, ChunkNotMultipleOf128) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dma"]["chunk_bytes"] = 1000; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dma.chunk_bytes: must be a multiple of 128");
}

TEST(Malformed, ChunkLargerThanInterleave) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dma"]["chunk_bytes"] = 8192; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dma.chunk_bytes: must not exceed gpu.dram.interleave_bytes");
}

TEST(Malformed, BufferTooSmall) {
  // The worst compressed 4 KiB chunk is RL on int8: 4096 literal bytes plus at most 4096/2 + 2 tokens of two
  // 2-byte varints, 4096 + 2050 * 4 = 12296 bytes.
  EXPECT_EQ(DmaConfig::min_buffer_bytes(4096), 12296u);
  const std::string ok = titan_x_with([](json& j) { j["gpu"]["dma"]["buffer_bytes"] = 12296; });
  EXPECT_EQ(load_platform(ok).gpu.dma.buffer_bytes, 12296u);
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dma"]["buffer_bytes"] = 12295; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dma.buffer_bytes: must be >= ");
  EXPECT_CONTAINS(msg, "12296");
}

TEST(Malformed, CapacityNotWholeInterleaveRows) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["dram"]["channels"] = 5; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.dram.capacity_bytes: must be a multiple of");
}

TEST(Malformed, JsonSyntaxErrorGivesLineAndColumn) {
  const std::string path = write_temp("{\n  \"name\": \"x\",\n  \"pcie\": {\"lanes\": 16,}\n}\n");
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path + ":3:");
  EXPECT_CONTAINS(msg, "invalid JSON");
}

TEST(Malformed, DuplicateKey) {
  const std::string path = write_temp(R"({"pcie": {"lanes": 16, "lanes": 8}})");
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "pcie.lanes: duplicate key");
}

TEST(Malformed, MissingFile) {
  const std::string path = ::testing::TempDir() + "cdma_cfg_does_not_exist.json";
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "cannot open");
}

TEST(Malformed, UnknownBytesPerCycleKey) {
  const std::string path =
      titan_x_with([](json& j) { j["gpu"]["compression"]["bytes_per_cycle"]["lzma"] = 8; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.compression.bytes_per_cycle.lzma: unknown algorithm");
}

TEST(Malformed, ZeroBytesPerCycle) {
  const std::string path =
      titan_x_with([](json& j) { j["gpu"]["compression"]["bytes_per_cycle"]["zl"] = 0; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.compression.bytes_per_cycle.zl: must be > 0");
}

// --- Resolving a platform argument
// ----------------------------------------------------------------------------

TEST(Resolve, BareNameAndPath) {
  const std::string dir = CDMA_PLATFORMS_DIR;
  EXPECT_EQ(resolve_platform_path("h100", dir), dir + "/h100.json");
  EXPECT_EQ(resolve_platform_path("h100.json", dir), dir + "/h100.json");
  const std::string file = write_temp(R"({"name": "mine"})");
  EXPECT_EQ(resolve_platform_path(file, dir), file);
  try {
    resolve_platform_path("b200", dir);
    FAIL() << "resolved a platform that does not exist";
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(std::string(e.what()), "b200");
    EXPECT_CONTAINS(std::string(e.what()), "titan-xp");  // lists what exists
  }
}

// docs/platform-config.md shows the tables the declarations generate (regenerate with cdma-sim
// --list-fields).
TEST(Docs, TheFieldTablesAreTheDeclarations) {
  EXPECT_EQ(test::generated_section(std::string(CDMA_DOCS_DIR) + "/platform-config.md",
                                    "<!-- fields:begin (generated: cdma-sim --list-fields) -->",
                                    "<!-- fields:end -->"),
            field_tables_markdown())
      << "docs/platform-config.md is out of date: regenerate its field tables with cdma-sim --list-fields";
  // Every field of the effective config has a row.
  std::set<std::string> paths;
  leaf_paths(to_json(PlatformConfig{}), "", paths);
  for (const std::string& p : paths) {
    const std::string key = p.substr(p.rfind('.') == std::string::npos ? 0 : p.rfind('.') + 1);
    EXPECT_CONTAINS(field_tables_markdown(), key + "` |");
  }
}

// Pathological JSON is refused at once, naming the file: a number beyond a double, nesting far deeper than
// any config (refused as it is reached: 100,000 levels once took 70 s and gigabytes).
TEST(Errors, NumbersBeyondADoubleAndDeepNestingNameTheFile) {
  std::string text = read_json(platform_path("titan-x")).dump();
  const std::string field = "\"bandwidth_gbps\":336.5";
  text.replace(text.find(field), field.size(), "\"bandwidth_gbps\":1e400");
  const std::string big = write_temp(text, "_big");
  std::string msg = load_error(big);
  // file:line:column of the number, as for any invalid JSON.
  EXPECT_CONTAINS(msg, big + ":1:" + std::to_string(text.find("1e400") + 1) +
                           ": invalid JSON: the number 1e400 is beyond the range of a double");
  const std::string deep =
      write_temp("{\"name\": " + std::string(100000, '[') + std::string(100000, ']') + "}", "_deep");
  const auto t0 = std::chrono::steady_clock::now();
  msg = load_error(deep);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
  EXPECT_CONTAINS(msg, deep + ": nesting deeper than 64 levels");
  const std::string dir = ::testing::TempDir();
  EXPECT_CONTAINS(load_error(dir), "is a directory");
}

// Values that are accepted are physical: none can make a simulated time overflow SystemC's 64-bit time, and
// none asks for more SystemC threads than the kernel can give (AT runs one per queue slot).
TEST(Errors, ExtremeValuesAreRefusedWithTheirRange) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"gpu.dram.latency_ns=1e300", "gpu.dram.latency_ns: must be <= 1e9"},
      {"pcie.latency_ns=-1", "pcie.latency_ns: must be >= 0"},
      {"host_dram.bandwidth_gbps=1e-12", "host_dram.bandwidth_gbps: must be >= 0.001"},
      {"gpu.dram.bandwidth_gbps=1e-300", "gpu.dram.bandwidth_gbps: must be >= 0.001"},
      {"gpu.crossbar.dma_port_gbps=1e9", "gpu.crossbar.dma_port_gbps: must be <= 1e6"},
      {"gpu.compression.clock_ghz=1e-9", "gpu.compression.clock_ghz: must be >= 0.001"},
      {"gpu.compression.bytes_per_cycle.zv=1e-9", "gpu.compression.bytes_per_cycle.zv: must be >= 0.001"},
      {"simulation.quantum_ns=1e-300", "simulation.quantum_ns: must be >= 1"},
      {"simulation.queue_depth=10000", "simulation.queue_depth: must be <= 256"},
      {"gpu.dma.outstanding_chunks=10000", "gpu.dma.outstanding_chunks: must be <= 1024"},
      {"gpu.dma.posted_writes=10000", "gpu.dma.posted_writes: must be <= 1024"},
      {"host_dram.capacity_bytes=1e18", "host_dram.capacity_bytes: must be <= 1125899906842624"},
  };
  for (const auto& [set, says] : cases) {
    const std::string msg = load_error(platform_path("titan-x"), {set});
    EXPECT_CONTAINS(msg, "--set " + set);
    EXPECT_CONTAINS(msg, says);
  }
}

// A platform file either gives every field or starts from a base and gives what differs; a partial file
// without a base is refused, naming what is missing (it once fell back to Titan X values silently).
TEST(Base, ADerivedFileStartsFromItsBaseAndNamesItself) {
  const std::string path = write_temp(R"({"name": "a100-x8", "base": "a100", "pcie": {"lanes": 8}})");
  const PlatformConfig c = load_platform(path, {}, CDMA_PLATFORMS_DIR);
  const PlatformConfig a100 = load_platform(platform_path("a100"));
  EXPECT_EQ(c.name, "a100-x8");
  EXPECT_EQ(c.pcie.lanes, 8u);
  PlatformConfig expected = a100;
  expected.name = "a100-x8";
  expected.pcie.lanes = 8;
  EXPECT_EQ(to_json(c), to_json(expected));  // everything else is the A100's
  // A base next to the file is found before the shipped ones, and bases chain.
  const std::string second = write_temp(
      R"({"name": "a100-x4", "base": "cdma_cfg_ADerivedFileStartsFromItsBaseAndNamesItself", "pcie": {"lanes": 4}, "gpu": {"dram": {"channels": 10}}})",
      "_2");
  EXPECT_EQ(load_platform(second, {}, CDMA_PLATFORMS_DIR).pcie.lanes, 4u);
  EXPECT_EQ(load_platform(second, {}, CDMA_PLATFORMS_DIR).gpu.dram.bandwidth_gbps, 1555.0);
  // An error names the file that supplied the value.
  const std::string bad = write_temp(R"({"name": "x", "base": "a100", "pcie": {"lanes": 3}})", "_bad");
  std::string msg = load_error(bad);
  EXPECT_CONTAINS(msg, bad + ": pcie.lanes: must be 1, 2, 4, 8 or 16, got 3");
  msg = load_error(write_temp(R"({"name": "x", "base": "b200"})", "_nobase"));
  EXPECT_CONTAINS(msg, "base: platform 'b200': no such file");
  msg = load_error(write_temp(R"({"base": "a100", "pcie": {"lanes": 8}})", "_noname"));
  EXPECT_CONTAINS(msg, "name: missing");
  const std::string loop = write_temp(
      R"({"name": "loop", "base": "cdma_cfg_ADerivedFileStartsFromItsBaseAndNamesItself_loop"})", "_loop");
  EXPECT_CONTAINS(load_error(loop, {}), "is based on this file");
}

TEST(Base, APartialFileWithoutABaseIsRefusedNamingTheMissingFields) {
  const std::string path = titan_x_with([](json& j) {
    j["gpu"]["dram"].erase("latency_ns");
    j["pcie"].erase("lanes");
  });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path + ": missing 2 field(s): gpu.dram.latency_ns, pcie.lanes");
  EXPECT_CONTAINS(msg, "\"base\"");
  // The description may be left out.
  EXPECT_NO_THROW(load_platform(titan_x_with([](json& j) { j.erase("description"); })));
}

TEST(Errors, AnEnumFieldNamesItsValues) {
  const std::string path = titan_x_with([](json& j) { j["gpu"]["compression"]["backend"] = "verilog"; });
  const std::string msg = load_error(path);
  EXPECT_CONTAINS(msg, path);
  EXPECT_CONTAINS(msg, "gpu.compression.backend: must be \"model\" or \"rtl\", got \"verilog\"");
  const PlatformConfig rtl = load_platform(platform_path("titan-x"), {"gpu.compression.backend=rtl"});
  EXPECT_EQ(rtl.gpu.compression.backend, CompressionBackend::kRtl);
  EXPECT_EQ(to_json(rtl)["gpu"]["compression"]["backend"], "rtl");
}

}  // namespace
}  // namespace cdma::config
