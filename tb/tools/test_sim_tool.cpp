// cdma-sim end to end: a run prints its summary, checks the bytes, writes per-module statistics, the
// effective config and a Perfetto timeline; bad configs fail before simulation with the file and the field
// named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class SimTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cdma_sim_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result run(const std::string& args) {
    const std::string cmd = std::string(CDMA_SIM_TOOL) + " " + args + " >" + (dir_ / "o").string() + " 2>" +
                            (dir_ / "e").string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, slurp(dir_ / "o"), slurp(dir_ / "e")};
  }
  fs::path dir_;
};

TEST_F(SimTool, RoundTripWritesSummaryStatsConfigAndTimeline) {
  const Result r = run("--bytes 1MiB --density 0.2 --set pcie.lanes=8 --out " + dir_.string() + " --trace " +
                       (dir_ / "t.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bit-identical"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("offload"), std::string::npos);
  EXPECT_NE(r.out.find("prefetch"), std::string::npos);
  EXPECT_NE(r.out.find("bottleneck"), std::string::npos);
  const auto stats = nlohmann::json::parse(slurp(dir_ / "stats.json"));
  EXPECT_GT(stats["wall_time_s"].get<double>(), 0);
  EXPECT_GT(stats["simulated_time_s"].get<double>(), 0);
  EXPECT_EQ(stats["protocol_violations"].get<int>(), 0);
  for (const char* m :
       {"soc.mc0", "soc.cu0", "soc.crossbar", "soc.buffer", "soc.engine", "soc.pcie", "soc.host_dram"}) {
    EXPECT_TRUE(stats["modules"].contains(m)) << m;
  }
  EXPECT_GT(stats["modules"]["soc.pcie"]["to_host"]["busy_fraction"].get<double>(), 0);
  EXPECT_TRUE(stats["modules"]["soc.crossbar"]["port"].contains("backpressure_s"));
  const auto cfg = nlohmann::json::parse(slurp(dir_ / "platform.json"));
  EXPECT_EQ(cfg["pcie"]["lanes"].get<int>(), 8);  // the effective config includes the override
  const auto trace = nlohmann::json::parse(slurp(dir_ / "t.json"));
  EXPECT_GT(trace["traceEvents"].size(), 256u);  // one event per 4 KiB chunk each way, plus metadata
}

TEST_F(SimTool, EveryOperationAndModeChecksTheBytes) {
  for (const char* op : {"offload", "prefetch", "roundtrip"}) {
    for (const char* mode : {"at", "lt"}) {
      const Result r =
          run(std::string("--bytes 300000 -a rl --op ") + op + " --mode " + mode + " --out " + dir_.string());
      EXPECT_EQ(r.exit_code, 0) << op << " " << mode << ": " << r.err;
      EXPECT_NE(r.out.find("bit-identical"), std::string::npos) << op << " " << mode;
    }
  }
}

TEST_F(SimTool, BadConfigsNameTheFileAndTheField) {
  Result r = run("--bytes 4096 --set gpu.dram.channels=0 --out " + dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gpu.dram.channels"), std::string::npos) << r.err;
  r = run("--bytes 4096 --set pcie.lanz=8 --out " + dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lanes"), std::string::npos) << r.err;  // the suggestion
  std::ofstream(dir_ / "broken.json") << "{\"name\": \"x\", \"pcie\": {\"lanes\": -4}}";
  r = run("--bytes 4096 --platform " + (dir_ / "broken.json").string() + " --out " + dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("broken.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pcie.lanes"), std::string::npos) << r.err;
  r = run("--bytes 4096 --platform nosuch --out " + dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("titan-x"), std::string::npos) << r.err;  // lists what exists
  EXPECT_FALSE(fs::exists(dir_ / "stats.json"));                 // nothing was simulated
}

TEST_F(SimTool, TrainWritesReportCsvAndTimeline) {
  const Result r = run("train --network alexnet --batch 2 --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"oracle", "vDNN", "cDMA", "bytes check: ok", "conv2"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  const auto report = nlohmann::json::parse(slurp(dir_ / "report.json"));
  const auto& s = report["summary"];
  EXPECT_TRUE(s["bytes_identical"].get<bool>());
  EXPECT_LE(s["vdnn_performance"].get<double>(), s["cdma_performance"].get<double>());
  EXPECT_LT(s["offload_traffic_vs_vdnn"].get<double>(), 1.0);
  EXPECT_NE(slurp(dir_ / "layers.csv").find("layer,type,offloaded_bytes"), std::string::npos);
  const auto timeline = nlohmann::json::parse(slurp(dir_ / "timeline.json"));
  EXPECT_GT(timeline["traceEvents"].size(), 50u);
}

TEST_F(SimTool, TrainRejectsBadInputWithOneClearError) {
  Result r = run("train --network lenet9000 --out " + dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown network 'lenet9000'"), std::string::npos) << r.err;
  std::ofstream(dir_ / "t.csv") << "layer,forward_ms,backward_ms\nconv1,1,2\n";
  r = run("train --network alexnet --batch 2 --compute-csv " + (dir_ / "t.csv").string() + " --out " +
          dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no time for layer"), std::string::npos) << r.err;
  r = run("train --network alexnet --batch 2 --traces " + (dir_ / "nothing").string() + " --out " +
          dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing trace file"), std::string::npos) << r.err;
}

}  // namespace
