// cdma-sim end to end: a run prints its summary, checks the bytes, writes per-module statistics, the
// effective config and a Perfetto timeline; bad configs fail before simulation with the file and the field
// named.
#include <gtest/gtest.h>

#include <algorithm>
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
  std::ofstream(dir_ / "broken.json")
      << "{\"name\": \"x\", \"base\": \"titan-x\", \"pcie\": {\"lanes\": -4}}";
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
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--traces"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing"), std::string::npos) << r.err;
  fs::create_directories(dir_ / "empty");
  r = run("train --network alexnet --batch 2 --traces " + (dir_ / "empty").string() + " --out " +
          dir_.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing trace file"), std::string::npos) << r.err;
}

// The options shared by a transfer and train work before and after `train`; a transfer's own options are
// refused with train, never ignored.
TEST_F(SimTool, SharedOptionsGoAnywhereAndTransferOptionsAreRefusedWithTrain) {
  const fs::path before = dir_ / "before", after = dir_ / "after";
  Result r = run("--platform titan-x --set pcie.lanes=8 -a rl --out " + before.string() +
                 " train --network fmnist_cnn --batch 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run("train --network fmnist_cnn --batch 2 --platform titan-x --set pcie.lanes=8 -a rl --out " +
          after.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const fs::path& d : {before, after}) {
    const auto report = nlohmann::json::parse(slurp(d / "report.json"));
    EXPECT_EQ(report["summary"]["algorithm"], "rl") << d;
    EXPECT_EQ(nlohmann::json::parse(slurp(d / "platform.json"))["pcie"]["lanes"], 8) << d;
    EXPECT_EQ(report["run"]["overrides"].size(), 2u) << d;  // the implied LT mode and the --set
  }
  // The same run either way, but for the host figures.
  auto summary = [&](const fs::path& d) {
    nlohmann::json s = nlohmann::json::parse(slurp(d / "report.json"))["summary"];
    s.erase("wall_s");
    s.erase("peak_rss_bytes");
    return s;
  };
  EXPECT_EQ(summary(before), summary(after));
  for (const char* option :
       {"--bytes 4096", "--op offload", "--density 0.1", "--dtype int8", "--trace t.json"}) {
    r = run(std::string(option) + " train --network fmnist_cnn --batch 2 --out " + dir_.string());
    EXPECT_EQ(r.exit_code, 1) << option;
    EXPECT_NE(r.err.find("is an option of a single transfer, not of train"), std::string::npos) << r.err;
  }
}

// A network of one's own needs no densities file: each layer kind has a documented default, and the report
// says which densities were used.
TEST_F(SimTool, ANetworkWithoutADensitiesFileUsesTheDefaultsAndSaysSo) {
  std::ofstream(dir_ / "mine.json") << R"({"name": "mine", "input": [3, 16, 16], "layers": [
      {"name": "c1", "type": "conv", "in": [3, 16, 16], "out": [8, 16, 16], "kernel": 3, "pad": 1},
      {"name": "r1", "type": "relu", "in": [8, 16, 16], "out": [8, 16, 16]},
      {"name": "p1", "type": "pool", "in": [8, 16, 16], "out": [8, 8, 8], "kernel": 2, "stride": 2, "mode": "max"},
      {"name": "c2", "type": "conv", "in": [8, 8, 8], "out": [8, 8, 8], "kernel": 3, "pad": 1},
      {"name": "f", "type": "fc", "in": [512], "out": [10]}]})";
  const Result r =
      run("train --network " + (dir_ / "mine.json").string() + " --batch 64 --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("activation densities: defaults by layer kind"), std::string::npos) << r.out;
  const auto report = nlohmann::json::parse(slurp(dir_ / "report.json"));
  EXPECT_EQ(report["summary"]["densities"], "defaults by layer kind (no densities file)");
  for (const auto& l : report["layers"]) {  // c1's input is the image; r1's output feeds p1, p1's c2
    if (l["layer"] == "p1") {
      EXPECT_NEAR(l["density"].get<double>(), 0.5, 0.02);
    } else if (l["layer"] == "c2") {
      EXPECT_NEAR(l["density"].get<double>(), 0.6, 0.02);
    }
  }
}

// Every offloaded tensor is counted in the per-layer views: layers that read several (add, concat) sum them,
// so the rows of report.json and layers.csv add up to the totals (they once missed 13 % of GoogLeNet's
// bytes).
TEST_F(SimTool, PerLayerViewsCountEveryOffloadedTensor) {
  for (const char* network : {"googlenet", "resnet50"}) {
    const Result r = run(std::string("train --network ") + network + " --batch 1 --out " + dir_.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto report = nlohmann::json::parse(slurp(dir_ / "report.json"));
    uint64_t bytes = 0, tensors = 0, several = 0;
    double vdnn_offload = 0;
    for (const auto& l : report["layers"]) {
      if (!l.contains("bytes")) {
        EXPECT_FALSE(l.contains("density")) << l["layer"];
        continue;
      }
      bytes += l["bytes"].get<uint64_t>();
      tensors += l["offloaded"].size();
      several += l["offloaded"].size() > 1;
      vdnn_offload += l["vdnn_offload_s"].get<double>();
    }
    EXPECT_EQ(bytes, report["summary"]["offloaded_bytes"].get<uint64_t>()) << network;
    EXPECT_EQ(tensors, report["summary"]["offloaded_tensors"].get<uint64_t>()) << network;
    EXPECT_GT(several, 0u) << network << ": some layer reads several offloaded tensors";
    EXPECT_GT(vdnn_offload, 0.0);
    // The CSV too; a layer that offloads nothing has empty density and ratio cells.
    std::istringstream csv(slurp(dir_ / "layers.csv"));
    std::string line;
    std::getline(csv, line);
    uint64_t csv_bytes = 0;
    while (std::getline(csv, line)) {
      std::vector<std::string> cells;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
      ASSERT_GE(cells.size(), 5u) << line;
      csv_bytes += std::stoull(cells[2]);
      if (cells[2] == "0") {
        EXPECT_TRUE(cells[3].empty() && cells[4].empty()) << line;
      }
    }
    EXPECT_EQ(csv_bytes, bytes) << network;
  }
}

// The memory model end to end: --max-batch finds the boundary, the batch after it is refused at once, a run
// reports peak and capacity (report, table, CSV, timeline), --allow-oversubscribe simulates what does not fit
// and says so.
TEST_F(SimTool, DoesItFit) {
  Result r = run("train --network alexnet --max-batch --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = nlohmann::json::parse(slurp(dir_ / "max_batch.json"));
  ASSERT_EQ(table["configs"].size(), 3u);
  EXPECT_EQ(table["configs"][0]["config"], "oracle");
  const uint32_t all = table["configs"][1]["max_batch"].get<uint32_t>();
  EXPECT_GT(all, table["configs"][0]["max_batch"].get<uint32_t>());  // what vDNN is for
  EXPECT_LE(table["configs"][1]["gpu_peak_bytes"].get<uint64_t>(), 12ull << 30);
  EXPECT_NE(r.out.find("vDNN_conv"), std::string::npos);
  r = run("train --network alexnet --batch " + std::to_string(all + 1) + " --out " + (dir_ / "x").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the largest batch that fits is " + std::to_string(all)), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "x" / "report.json"));

  r = run("train --network alexnet --batch 2 --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GPU peak GiB"), std::string::npos);
  const auto report = nlohmann::json::parse(slurp(dir_ / "report.json"));
  const auto& m = report["memory"];
  EXPECT_EQ(m["gpu_capacity_bytes"].get<uint64_t>(), 12ull << 30);
  EXPECT_FALSE(m["oversubscribed"].get<bool>());
  EXPECT_GT(m["oracle"]["peak_bytes"].get<uint64_t>(), m["vdnn"]["peak_bytes"].get<uint64_t>());
  EXPECT_EQ(m["vdnn"]["peak_bytes"], m["cdma"]["peak_bytes"]);
  EXPECT_LT(m["cdma"]["host_bytes"].get<uint64_t>(), m["vdnn"]["host_bytes"].get<uint64_t>());
  EXPECT_EQ(m["vdnn"]["host_bytes"].get<uint64_t>(), report["summary"]["offloaded_bytes"].get<uint64_t>());
  uint64_t layer_max = 0;
  for (const auto& l : report["layers"]) {
    layer_max = std::max({layer_max, l["offload_memory_forward_bytes"].get<uint64_t>(),
                          l["offload_memory_backward_bytes"].get<uint64_t>()});
  }
  EXPECT_EQ(layer_max, m["vdnn"]["peak_bytes"].get<uint64_t>());
  EXPECT_NE(slurp(dir_ / "layers.csv").find("offload_memory_backward_bytes"), std::string::npos);
  size_t counters = 0;
  const auto timeline = nlohmann::json::parse(slurp(dir_ / "timeline.json"));
  for (const auto& e : timeline["traceEvents"]) {
    counters += e["ph"] == "C" && e["name"] == "GPU memory (GiB)";
  }
  EXPECT_EQ(counters, 3u * 2 * report["layers"].size());  // each configuration, every step

  // 200 MB of GPU memory: AlexNet's weights alone need more.
  const std::string small = " --set gpu.dram.capacity_bytes=199999488 --network alexnet --batch 2 --out ";
  r = run("train" + small + (dir_ / "y").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not even batch 1 fits"), std::string::npos) << r.err;
  r = run("train --allow-oversubscribe" + small + (dir_ / "y").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OVERSUBSCRIBED"), std::string::npos);
  EXPECT_TRUE(
      nlohmann::json::parse(slurp(dir_ / "y" / "report.json"))["memory"]["oversubscribed"].get<bool>());
}

// --dram-contention adds exactly the time it reports, per layer and in total, and shows it on the timeline;
// off, the report says 0 (the schedule rule itself: test_training, DramContentionFollowsTheFluidBound).
TEST_F(SimTool, DramContentionAddsWhatItReports) {
  const std::string args = "train --network alexnet --batch 2 --out ";
  Result r = run(args + (dir_ / "off").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(args + (dir_ / "on").string() + " --dram-contention");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DRAM contention (compute and DMA share the GPU's DRAM)"), std::string::npos);
  const auto off = nlohmann::json::parse(slurp(dir_ / "off" / "report.json"));
  const auto on = nlohmann::json::parse(slurp(dir_ / "on" / "report.json"));
  EXPECT_FALSE(off["summary"]["dram_contention"].get<bool>());
  EXPECT_TRUE(on["summary"]["dram_contention"].get<bool>());
  for (const std::string config : {"vdnn", "cdma"}) {
    const double extra = on["summary"][config + "_contention_s"].get<double>();
    EXPECT_EQ(off["summary"][config + "_contention_s"].get<double>(), 0.0);
    EXPECT_GT(extra, 0.0) << config;  // AlexNet's pooling and LRN layers are memory-bound
    EXPECT_NEAR(on["summary"][config + "_s"].get<double>(),
                off["summary"][config + "_s"].get<double>() + extra, 1e-12 * extra + 1e-15);
    double layers = 0;
    for (const auto& l : on["layers"]) layers += l[config + "_contention_s"].get<double>();
    EXPECT_NEAR(layers, extra, 1e-12 * extra);
  }
  EXPECT_EQ(on["summary"]["oracle_s"], off["summary"]["oracle_s"]);  // nothing to contend with
  size_t slices = 0;
  const auto timeline = nlohmann::json::parse(slurp(dir_ / "on" / "timeline.json"));
  for (const auto& e : timeline["traceEvents"]) {
    slices +=
        e.contains("name") && e["name"].get<std::string>().find("(DRAM contention)") != std::string::npos;
  }
  EXPECT_GT(slices, 0u);
}

// --plots checks its interpreter and matplotlib before simulating; with them it writes the three plots.
// fmnist_cnn's densities file names its fitted activation model: the layers it has are drawn from it (the
// report names the file and the layers), 'none' returns to the Markov generator, which gives other bytes
// at the same densities; a model of another network is refused naming the file and the layer.
TEST_F(SimTool, FittedActivationModelDrawsTheLayersItHas) {
  const std::string args = "train --network fmnist_cnn --batch 8 --algorithm zl --out ";
  Result r = run(args + (dir_ / "fitted").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("6 layers drawn from the fitted model"), std::string::npos) << r.out;
  r = run(args + (dir_ / "markov").string() + " --activation-model none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto fitted = nlohmann::json::parse(slurp(dir_ / "fitted" / "report.json"));
  const auto markov = nlohmann::json::parse(slurp(dir_ / "markov" / "report.json"));
  const auto& used = fitted["summary"]["activation_model"];
  EXPECT_NE(used["file"].get<std::string>().find("sim/workloads/models/fmnist_cnn.json"), std::string::npos);
  EXPECT_EQ(used["fitted_layers"], nlohmann::json({"drop1", "input", "pool1", "pool2", "relu1", "relu2"}));
  EXPECT_EQ(markov["summary"]["activation_model"]["file"], "");
  EXPECT_TRUE(markov["summary"]["activation_model"]["fitted_layers"].empty());
  EXPECT_TRUE(fitted["summary"]["bytes_identical"].get<bool>());
  EXPECT_NE(fitted["summary"]["aggregate_ratio"], markov["summary"]["aggregate_ratio"]);
  // A model of another network, and a model with traces.
  const std::string model = std::string(CDMA_WORKLOADS_DIR) + "/models/fmnist_cnn.json";
  r = run("train --network alexnet --batch 2 --activation-model " + model + " --out " +
          (dir_ / "x").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(model + ": layers.input: 784 elements per sample, the network's layer has 154587"),
            std::string::npos)
      << r.err;
  r = run("train --network fmnist_cnn --batch 2 --activation-model " + model + " --traces " + dir_.string() +
          " --out " + (dir_ / "y").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--activation-model and --traces exclude each other"), std::string::npos) << r.err;
  r = run("train --network fmnist_cnn --batch 2 --activation-model " + (dir_ / "none.json").string() +
          " --out " + (dir_ / "z").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("none.json: no such file (or 'none')"), std::string::npos) << r.err;
  // A trace map means nothing without traces; refused before anything runs.
  std::ofstream(dir_ / "map.json") << R"({"layers": {"relu1": "a.npy"}})";
  r = run("train --network fmnist_cnn --batch 2 --trace-map " + (dir_ / "map.json").string() + " --out " +
          (dir_ / "w").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a trace map needs a traces folder"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "w" / "report.json"));
}

// Ratios name their granularity; RL and ZL add the whole-tensor ratio (report, text, CSV), ZV does not.
TEST_F(SimTool, RatiosSayTheirChunkAndRlZlAddWholeTensors) {
  for (const std::string alg : {"rl", "zv"}) {
    const fs::path out = dir_ / alg;
    const Result r = run("train --network nin --batch 1 --algorithm " + alg + " --out " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("compression ratio (each 4096-B DMA chunk alone)"), std::string::npos) << r.out;
    const auto report = nlohmann::json::parse(slurp(out / "report.json"));
    EXPECT_EQ(report["summary"]["ratio_chunk_bytes"], 4096);
    const std::string csv = slurp(out / "layers.csv");
    EXPECT_NE(csv.substr(0, csv.find('\n')).find(",whole_tensor_ratio"), std::string::npos);
    size_t rows = 0;
    for (const auto& l : report["layers"]) {
      if (!l.contains("offloaded")) continue;
      ++rows;
      if (alg == "rl") {
        EXPECT_GT(l["whole_tensor_ratio"].get<double>(), 0.0);
      } else {
        EXPECT_TRUE(l["whole_tensor_ratio"].is_null());
      }
    }
    EXPECT_GT(rows, 0u);
    if (alg == "rl") {
      EXPECT_NE(r.out.find("whole tensors as one rl stream: aggregate"), std::string::npos);
      EXPECT_GT(report["summary"]["whole_tensor_aggregate_ratio"].get<double>(), 1.0);
    } else {
      EXPECT_EQ(r.out.find("whole tensors"), std::string::npos);
      EXPECT_TRUE(report["summary"]["whole_tensor_aggregate_ratio"].is_null());
    }
  }
}

TEST_F(SimTool, PlotsAreCheckedFirstAndWrittenByTheRun) {
  setenv("CDMA_PYTHON", "/nonexistent/python3", 1);
  Result r = run("train --network alexnet --batch 1 --plots --out " + (dir_ / "x").string());
  unsetenv("CDMA_PYTHON");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--plots: no Python interpreter at /nonexistent/python3"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "x" / "report.json"));
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0) {
    GTEST_SKIP() << "matplotlib missing (Debian: python3-matplotlib)";
  }
  r = run("train --network alexnet --batch 1 --plots --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* png : {"density_ratio.png", "performance.png", "memory.png"}) {
    EXPECT_GT(fs::file_size(dir_ / png), 10000u) << png;
  }
}

// --check-config validates a platform and its overrides without simulating (what cdma-sweep uses up front).
TEST_F(SimTool, CheckConfigValidatesWithoutSimulating) {
  Result r = run("--platform a100 --set gpu.compression.bytes_per_cycle.zv=4 --check-config");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: a100"), std::string::npos) << r.out;
  r = run("--platform a100 --set pcie.lanes=3 --check-config");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pcie.lanes: must be 1, 2, 4, 8 or 16, got 3"), std::string::npos) << r.err;
}

TEST_F(SimTool, VersionAndRunMetadata) {
  Result r = run("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("cdma-sim 0.1.0", 0), 0u) << r.out;
  r = run("--bytes 64KiB --set gpu.dma.chunk_bytes=1024 --out " + dir_.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto run_info = nlohmann::json::parse(slurp(dir_ / "stats.json"))["run"];
  EXPECT_NE(run_info["command"].get<std::string>().find("--set gpu.dma.chunk_bytes=1024"), std::string::npos);
  EXPECT_EQ(run_info["overrides"], nlohmann::json::array({"gpu.dma.chunk_bytes=1024"}));
  EXPECT_NE(run_info["platform_file"].get<std::string>().find("titan-x.json"), std::string::npos);
  EXPECT_EQ(run_info["version"].get<std::string>().rfind("0.1.0", 0), 0u);
  EXPECT_FALSE(run_info["build_type"].get<std::string>().empty());
  EXPECT_EQ(r.err.find("SystemC"), std::string::npos) << "no banner: " << r.err;
}

// Each bad input is refused before any work: one line naming the input, a non-zero exit, nothing written.
TEST_F(SimTool, BadInputsAreRefusedBeforeAnyWork) {
  struct Case {
    std::string args, says;
  };
  const std::vector<Case> cases = {
      {"--bytes 7GiB", "larger than half of GPU memory"},
      {"--bytes 1e30", "--bytes: '1e30' is beyond 2^64 bytes"},
      {"--bytes 18446744073709551616", "beyond 2^64 bytes"},
      {"--bytes 0.5", "not a whole number of bytes"},
      {"--bytes 0", "--bytes must be positive"},
      {"-t float16 -b 777777", "--bytes 777777 is not a whole number of 2-byte float16 elements"},
      {"--set host_dram.capacity_bytes=4096", "do not fit in host memory"},
      {"--seed -1", "--seed: must be a whole number"},
      {"-k -0.5", "--clustering: must be a number in [0, 1)"},
      {"-k nan", "--clustering: must be a number in [0, 1)"},
      {"--density 2", "--density"},
      {"--npy " + dir_.string(), "--npy"},
      {"--out /proc/cdma_nope", "--out /proc/cdma_nope: cannot write"},
      {"--trace " + dir_.string(), "--trace " + dir_.string() + ": cannot write: is a folder"},
      {"train --segment-mib 0", "--segment-mib: must be a whole number in 1..4096, got 0"},
      {"train --segment-mib -1", "--segment-mib: must be a whole number in 1..4096, got -1"},
      {"train --jobs 0", "--jobs"},
      {"train --batch 0", "--batch"},
      {"train -k 1", "--clustering"},
      {"train --efficiency 0", "--efficiency"},
      {"train --compute-csv " + dir_.string(), "--compute-csv"},
      {"train --densities " + (dir_ / "none.json").string(), "--densities"},
      {"train --network vgg16 --batch 1000000", "vgg16 at batch 1000000 does not fit"},
      {"train --set gpu.dram.capacity_bytes=983040", "gpu.dram.capacity_bytes is 960.0 KiB"},
      {"train --set host_dram.capacity_bytes=1000000", "host_dram.capacity_bytes is 976.6 KiB"},
      {"train --optimizer rmsprop", "--optimizer"},
      {"train --workspace-mib -1", "--workspace-mib"},
  };
  for (const Case& c : cases) {
    const std::string out = (dir_ / "out").string();
    const Result r = run(c.args + (c.args.find("--out") == std::string::npos ? " --out " + out : ""));
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
    EXPECT_TRUE(r.out.find("simulated") == std::string::npos && r.out.find("outputs") == std::string::npos)
        << c.args << ": simulated anyway";
    EXPECT_FALSE(fs::exists(dir_ / "out" / "stats.json") || fs::exists(dir_ / "out" / "report.json"))
        << c.args;
  }
}

}  // namespace
