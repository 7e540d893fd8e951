// cdma-codec end to end: generate -> info -> compress -> decompress returns the same file, and every kind of
// malformed .npy gets a one-line error naming the problem and a non-zero exit, never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tensor/activation_generator.h"
#include "tensor/activation_model.h"
#include "tensor/npy_file.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CodecTool : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cdma_tool_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run(const std::string& args) {
    const std::string cmd = std::string(CDMA_CODEC_TOOL) + " " + args + " >" + (dir_ / "stdout").string() +
                            " 2>" + (dir_ / "stderr").string();
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(dir_ / "stdout"),
            slurp(dir_ / "stderr")};
  }

  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  fs::path dir_;
};

TEST_F(CodecTool, GenerateInfoCompressDecompress) {
  const fs::path npy = dir_ / "a.npy";
  ASSERT_EQ(run("generate " + npy.string() + " --shape 8,40,41 --density 0.3 --clustering 0.5").exit_code, 0);
  const Result info = run("info " + npy.string() + " --min-seconds 0");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("(8, 40, 41)"), std::string::npos) << info.out;
  for (const char* codec : {"zv", "rl", "zl-1", "zl-6", "zcomp-i", "zcomp-s"}) {
    EXPECT_NE(info.out.find(codec), std::string::npos) << codec;
  }
  EXPECT_EQ(info.out.find("MISMATCH"), std::string::npos);
  for (const char* algo : {"zv", "rl", "zl", "zcomp-s", "none"}) {
    const fs::path cdz = dir_ / (std::string(algo) + ".cdz");
    const fs::path back = dir_ / (std::string(algo) + ".npy");
    ASSERT_EQ(run("compress " + npy.string() + " " + cdz.string() + " -a " + algo).exit_code, 0) << algo;
    ASSERT_EQ(run("decompress " + cdz.string() + " " + back.string()).exit_code, 0) << algo;
    EXPECT_EQ(slurp(back), slurp(npy)) << algo;
  }
}

TEST_F(CodecTool, InfoJsonReportsTheMeasuredDensity) {
  const fs::path npy = dir_ / "a.npy";
  ASSERT_EQ(run("generate " + npy.string() + " --shape 100000 --density 0.25 --seed 3").exit_code, 0);
  const Result r = run("info " + npy.string() + " --json --min-seconds 0 -a zv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = cdma::tensor::read_npy(npy.string());
  const double density = cdma::tensor::measured_density(a.data, 4);
  // ZV's ratio in the report is the closed form for this file's own density.
  const size_t at = r.out.find("\"ratio\": ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const double ratio = std::stod(r.out.substr(at + 9));
  EXPECT_NEAR(ratio, 1.0 / (density + 1.0 / 32.0), 1e-9);
}

struct Malformed {
  const char* name;
  std::string bytes;
  const char* telltale;
};

std::string npy_with_header(const std::string& dict, size_t data_bytes) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string s = "\x93NUMPY";
  s += '\x01';
  s += '\x00';
  s += static_cast<char>(h.size() & 0xFF);
  s += static_cast<char>(h.size() >> 8);
  return s + h + std::string(data_bytes, '\x01');
}

TEST_F(CodecTool, MalformedNpyGetsOneLineErrorAndNonZeroExit) {
  const std::vector<Malformed> cases = {
      {"empty.npy", "", ""},
      {"magic.npy", "PK\x03\x04 not a numpy file at all", "magic"},
      {"header.npy", npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,", 12), "header"},
      {"dtype.npy", npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 24), "<f8"},
      {"truncated.npy", npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (30,), }", 12),
       "bytes"},
  };
  for (const Malformed& c : cases) {
    const fs::path p = write(c.name, c.bytes);
    const Result r = run("info " + p.string());
    EXPECT_EQ(r.exit_code, 1) << c.name << ": " << r.err;
    ASSERT_FALSE(r.err.empty()) << c.name;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << c.name << " error is not one line: " << r.err;
    EXPECT_NE(r.err.find(c.name), std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.telltale), std::string::npos) << c.name << ": " << r.err;
  }
  const Result missing = run("info " + (dir_ / "nope.npy").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.npy"), std::string::npos);
}

TEST_F(CodecTool, CorruptContainerIsRejected) {
  const fs::path npy = dir_ / "a.npy";
  const fs::path cdz = dir_ / "a.cdz";
  ASSERT_EQ(run("generate " + npy.string() + " --shape 5000").exit_code, 0);
  ASSERT_EQ(run("compress " + npy.string() + " " + cdz.string()).exit_code, 0);
  std::string bytes = slurp(cdz);
  bytes[bytes.size() / 2] ^= 0x10;
  const fs::path bad = write("bad.cdz", bytes);
  const Result r = run("decompress " + bad.string() + " " + (dir_ / "out.npy").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out.npy"));
}

TEST_F(CodecTool, BadOptionsAreReported) {
  const fs::path npy = dir_ / "a.npy";
  EXPECT_NE(run("generate " + npy.string() + " --density 1.5").exit_code, 0);
  EXPECT_NE(run("generate " + npy.string() + " --shape 3,x").exit_code, 0);
  ASSERT_EQ(run("generate " + npy.string() + " --shape 64").exit_code, 0);
  const Result r = run("compress " + npy.string() + " " + (dir_ / "o.cdz").string() + " -a lzma");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lzma"), std::string::npos);
  EXPECT_EQ(run("compress " + npy.string() + " " + (dir_ / "o.cdz").string() + " --chunk 100").exit_code, 1);
}

// Bad inputs are refused before any work, with one line naming the input and a non-zero exit: a folder as a
// file (it wrote an empty container once), a timing that never ends, a container announcing more than allowed
// (refused before allocating it), and --version answers.
TEST_F(CodecTool, FoldersEndlessTimingsAndOversizedContainersAreRefused) {
  const fs::path cdz = dir_ / "x.cdz";
  Result r = run("compress " + dir_.string() + " " + cdz.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir_.string() + ": is a folder, not a file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(cdz));
  const fs::path npy = dir_ / "a.npy";
  ASSERT_EQ(run("generate " + npy.string() + " --shape 16384").exit_code, 0);
  r = run("info " + npy.string() + " --min-seconds inf");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--min-seconds must be in [0, 60]"), std::string::npos) << r.err;
  ASSERT_EQ(run("compress " + npy.string() + " " + cdz.string()).exit_code, 0);
  r = run("decompress " + cdz.string() + " " + (dir_ / "back").string() + " --max-size 1000");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("more than the allowed maximum of 1000 B"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "back"));
  r = run("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("cdma-codec 0.1.0", 0), 0u) << r.out;
}

// fit writes a model with a layer per .npy; check-model on the same tensors at their density finds ZV within
// 2 % (the fit reproduces the zero structure) and reports every layer.
TEST_F(CodecTool, FitThenCheckModel) {
  const fs::path traces = dir_ / "traces";
  fs::create_directories(traces);
  cdma::tensor::ActivationSpec spec;
  spec.density = 0.3;
  spec.clustering = 0.6;
  cdma::tensor::write_npy((traces / "relu1.npy").string(), cdma::tensor::generate_npy(spec, {8, 4, 16, 16}));
  spec.density = 0.1;
  cdma::tensor::write_npy((traces / "fc1.npy").string(), cdma::tensor::generate_npy(spec, {8, 512}));
  const fs::path model = dir_ / "m.json";
  Result r = run("fit " + traces.string() + " --out " + model.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + model.string() + " (2 layers)"), std::string::npos) << r.out;
  const cdma::tensor::ActivationModel m = cdma::tensor::ActivationModel::load(model.string());
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers.at("relu1").sample_shape, (std::vector<uint64_t>{4, 16, 16}));
  EXPECT_NEAR(m.layers.at("fc1").density, 0.1, 0.02);
  r = run("check-model " + model.string() + " " + traces.string() + " --match-density --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 2u);
  for (const auto& layer : j["layers"]) {
    EXPECT_LT(std::abs(layer["fitted_error"]["zv"].get<double>()), 0.02) << layer.dump();
    EXPECT_GT(layer["real"]["zv"].get<double>(), 1.0);
    EXPECT_FALSE(layer["few_chunks"].get<bool>());  // 32 KiB and 16 KiB: at least four 4 KiB chunks
  }
  EXPECT_EQ(j["layers"][0]["bytes"], 8 * 512 * 4);  // fc1 first (sorted)
  r = run("check-model " + model.string() + " " + traces.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("relu1"), std::string::npos);
}

// Bad traces, models and options are refused before any work: the file or field named, nothing written.
TEST_F(CodecTool, FitAndCheckModelRefuseBadInput) {
  const fs::path traces = dir_ / "traces", model = dir_ / "m.json";
  Result r = run("fit " + traces.string() + " --out " + model.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(traces.string() + ": not a directory"), std::string::npos) << r.err;
  fs::create_directories(traces);
  r = run("fit " + traces.string() + " --out " + model.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no .npy files"), std::string::npos) << r.err;
  r = run("fit " + traces.string() + " --out " + (dir_ / "nofolder" / "m.json").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--out: no folder"), std::string::npos) << r.err;
  r = run("fit " + traces.string() + " --out " + traces.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--out: is a folder"), std::string::npos) << r.err;
  cdma::tensor::ActivationSpec spec;
  spec.density = 0.3;
  cdma::tensor::write_npy((traces / "a.npy").string(), cdma::tensor::generate_npy(spec, {4, 2, 8, 8}));
  spec.dtype = cdma::tensor::DType::kFloat16;
  cdma::tensor::write_npy((traces / "b.npy").string(), cdma::tensor::generate_npy(spec, {4, 2, 8, 8}));
  r = run("fit " + traces.string() + " --out " + model.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((traces / "b.npy").string() + ": only float32"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(model));
  fs::remove(traces / "b.npy");
  ASSERT_EQ(run("fit " + traces.string() + " --out " + model.string()).exit_code, 0);
  r = run("check-model " + model.string() + " " + traces.string() + " --chunk 100");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--chunk must be a positive multiple of 128"), std::string::npos) << r.err;
  // A trace of another shape than the model's layer.
  const fs::path other = dir_ / "other";
  fs::create_directories(other);
  spec.dtype = cdma::tensor::DType::kFloat32;
  cdma::tensor::write_npy((other / "a.npy").string(), cdma::tensor::generate_npy(spec, {4, 3, 8, 8}));
  r = run("check-model " + model.string() + " " + other.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((other / "a.npy").string() + ": not a float32 batch of the model's sample shape"),
            std::string::npos)
      << r.err;
  // A model with a bad field.
  nlohmann::json j = nlohmann::json::parse(slurp(model));
  j["layers"]["a"]["channels"][1]["dead_fraction"] = 2;
  const fs::path bad = write("bad.json", j.dump());
  r = run("check-model " + bad.string() + " " + traces.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad.string() + ": layers.a.channels[1].dead_fraction must be in [0, 1], got 2"),
            std::string::npos)
      << r.err;
}

}  // namespace
