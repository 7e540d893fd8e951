// The units a training measurement is made of, each on its own: the densities file, the piece source (which
// bytes a piece holds), the piece plan, the filler that generates a piece just in time, and the piece job
// (one piece through one SoC, checked against bytes the simulation never touched).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "codec/codec.h"
#include "common/sc_test_util.h"
#include "common/temp_dir.h"
#include "config/platform_config_json.h"
#include "memory/address_map.h"
#include "memory/memory_image.h"
#include "soc/cdma_soc.h"
#include "tensor/activation_fitter.h"
#include "tensor/activation_generator.h"
#include "tensor/fitted_generator.h"
#include "tensor/npy_file.h"
#include "test_networks.h"
#include "training/density_table.h"
#include "training/network.h"
#include "training/piece_filler.h"
#include "training/piece_job.h"
#include "training/piece_plan.h"
#include "training/piece_source.h"
#include "training/tensor_plan.h"
#include "training/trace_set.h"

namespace cdma::training {
namespace {

namespace fs = std::filesystem;

using Files = test::TempDir;

using test_networks::three_tensors;

ActivationTensor tensor_of(uint64_t elements, const std::string& content = "r1") {
  ActivationTensor t;
  t.content = content;
  t.elements_per_sample = elements;
  t.offloaded = true;
  return t;
}

// ---- DensityTable ----

TEST_F(Files, DensityTableReadsEveryOffloadedLayerAndNamesWhatIsWrong) {
  const Network n = three_tensors();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const DensityTable d = DensityTable::load(
      write("d.json", R"({"default_clustering": 0.25, "layers": {"r1": 0.4, "c2": 0.1}})"), n, plan);
  EXPECT_DOUBLE_EQ(d.clustering(), 0.25);
  EXPECT_DOUBLE_EQ(d.density_of(plan.tensors[1]), 0.4);
  EXPECT_DOUBLE_EQ(d.density_of(plan.tensors[2]), 0.1);
  EXPECT_DOUBLE_EQ(d.density_of(plan.tensors[0]), 1.0);  // the input: images are dense
  EXPECT_DOUBLE_EQ(
      DensityTable::load(write("i.json", R"({"layers": {"input": 0.5, "r1": 1, "c2": 0}})"), n, plan)
          .density_of(plan.tensors[0]),
      0.5);
  EXPECT_DOUBLE_EQ(DensityTable().density_of(plan.tensors[1]), 1.0);
  EXPECT_DOUBLE_EQ(DensityTable().clustering(), 0.5);
  // Per-layer clustering (it was documented but only default_clustering was read): fc vectors get 0.
  const DensityTable c = DensityTable::load(
      write("c.json",
            R"({"default_clustering": 0.5, "clustering": {"c2": 0.0}, "layers": {"r1": 0.4, "c2": 0.1}})"),
      n, plan);
  EXPECT_DOUBLE_EQ(c.clustering_of(plan.tensors[1]), 0.5);
  EXPECT_DOUBLE_EQ(c.clustering_of(plan.tensors[2]), 0.0);
  EXPECT_DOUBLE_EQ(PieceSource::synthetic(plan.tensors[2], 2, 1, c, -1, 1).spec().clustering, 0.0);
  EXPECT_DOUBLE_EQ(PieceSource::synthetic(plan.tensors[1], 1, 1, c, -1, 1).spec().clustering, 0.5);
  EXPECT_DOUBLE_EQ(PieceSource::synthetic(plan.tensors[2], 2, 1, c, 0.3, 1).spec().clustering, 0.3);  // -k

  const auto message = [&](const std::string& text) {
    try {
      DensityTable::load(write("bad.json", text), n, plan);
    } catch (const NetworkError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{").find("bad.json:1:2: invalid JSON"), std::string::npos) << message("{");
  EXPECT_NE(message(R"({"layers": {"r1": 1e999}})")
                .find("bad.json:1:19: invalid JSON: the number 1e999 is beyond the range of a double"),
            std::string::npos);
  EXPECT_NE(message(R"({"layers": {"r1": 0.4, "r1": 0.5}})").find("bad.json: layers.r1: duplicate key"),
            std::string::npos);
  EXPECT_NE(message(std::string(100, '[') + std::string(100, ']')).find("nesting deeper than"),
            std::string::npos);
  EXPECT_NE(message(R"({"density": 1})").find("bad.json: layers: missing"), std::string::npos);
  EXPECT_NE(message(R"({"layers": {"r1": 0.4}})").find("layers.c2: no density for this layer of tiny"),
            std::string::npos);
  EXPECT_NE(message(R"({"layers": {"r1": 1.5, "c2": 0.1}})").find("layers.r1: density must be in [0, 1]"),
            std::string::npos);
  EXPECT_NE(message(R"({"layers": {"r1": "dense", "c2": 0.1}})").find("layers.r1"), std::string::npos);
  EXPECT_NE(message(R"({"clustering": {"c2": 1.0}, "layers": {"r1": 0.4, "c2": 0.1}})")
                .find("bad.json: clustering.c2: clustering must be a number in [0, 1), got 1.0"),
            std::string::npos);
  EXPECT_NE(message(R"({"clustering": {"c9": 0.1}, "layers": {"r1": 0.4, "c2": 0.1}})")
                .find("bad.json: clustering.c9: no layer of tiny has this name"),
            std::string::npos);
  EXPECT_NE(message(R"({"default_clustering": -0.1, "layers": {"r1": 0.4, "c2": 0.1}})")
                .find("bad.json: default_clustering: clustering must be"),
            std::string::npos);
  try {
    DensityTable::load((dir_ / "none.json").string(), n, plan);
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("none.json: cannot open"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("densities file"), std::string::npos) << e.what();
  }
}

// ---- PieceSource ----

codec::Bytes piece_bytes(const PieceSource& s, uint64_t offset, size_t index, uint64_t bytes,
                         const std::vector<uint64_t>& splits, uint64_t* nonzeros = nullptr) {
  codec::Bytes out(bytes);
  PieceSource::Writer w = s.writer(offset, index);
  uint64_t off = 0;
  for (size_t i = 0; off < bytes; ++i) {
    const uint64_t n = std::min(splits[i % splits.size()], bytes - off);
    w.write(off, out.data() + off, n);
    off += n;
  }
  if (nonzeros) *nonzeros = w.nonzeros();
  return out;
}

TEST(PieceSource, SyntheticPiecesAreTheirOwnStreamsWhateverTheRunsTheyAreWrittenIn) {
  DensityTable dense;  // density 1.0 unless a file says otherwise; use the override path for clustering
  const ActivationTensor t = tensor_of(64 * 1024);
  const PieceSource s = PieceSource::synthetic(t, 3, 2, dense, 0.0, 7);
  EXPECT_EQ(s.bytes(), 64 * 1024 * 2 * 4u);
  EXPECT_EQ(s.width(), codec::ElementWidth::k32);
  uint64_t nz = 0;
  const codec::Bytes whole = piece_bytes(s, 0, 1, 1 << 16, {1 << 16}, &nz);
  EXPECT_EQ(piece_bytes(s, 0, 1, 1 << 16, {4, 4096, 128, 60000}), whole);  // the same stream in any runs
  EXPECT_EQ(nz, tensor::count_nonzero(whole, 4));
  EXPECT_EQ(nz, (1u << 16) / 4);                                     // density 1: every element non-zero
  EXPECT_NE(piece_bytes(s, 1 << 16, 2, 1 << 16, {1 << 16}), whole);  // another piece, another stream
  EXPECT_NE(piece_bytes(PieceSource::synthetic(t, 4, 2, dense, 0.0, 7), 0, 1, 1 << 16, {1 << 16}), whole);
  EXPECT_EQ(piece_bytes(PieceSource::synthetic(t, 3, 2, dense, 0.0, 7), 0, 1, 1 << 16, {1 << 16}), whole);
}

TEST_F(Files, SyntheticDensityAndClusteringComeFromTheTableUnlessOverridden) {
  const Network n = three_tensors();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  const DensityTable d = DensityTable::load(
      write("d.json", R"({"default_clustering": 0.9, "layers": {"r1": 0.2, "c2": 0.1}})"), n, plan);
  const ActivationTensor t = tensor_of(1 << 18);
  const uint64_t bytes = 4 << 20;
  uint64_t nz = 0;
  const codec::Bytes clustered =
      piece_bytes(PieceSource::synthetic(t, 0, 1, d, -1, 1), 0, 0, bytes, {bytes}, &nz);
  EXPECT_NEAR(static_cast<double>(nz) / (bytes / 4), 0.2, 0.01);
  // Zero runs are long at clustering 0.9 and short at 0: count zero/non-zero boundaries.
  const auto boundaries = [](const codec::Bytes& b) {
    uint64_t n = 0;
    const float* f = reinterpret_cast<const float*>(b.data());
    for (size_t i = 1; i < b.size() / 4; ++i) n += (f[i] == 0) != (f[i - 1] == 0);
    return n;
  };
  const codec::Bytes scattered =
      piece_bytes(PieceSource::synthetic(t, 0, 1, d, 0.0, 1), 0, 0, bytes, {bytes});
  EXPECT_GT(boundaries(scattered), 5 * boundaries(clustered));
}

// A densities file's activation_model is resolved against the file's folder; the layers the model has are
// drawn from it at the table's density, pieces being ranges of one draw of the tensor (in any runs, even off
// element boundaries); a layer of another size and a bad field are refused naming the file.
TEST_F(Files, FittedModelLayersAreDrawnAtTheTablesDensity) {
  const Network n = three_tensors();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  tensor::ActivationSpec spec;
  spec.density = 0.3;
  spec.clustering = 0.6;
  tensor::ActivationModel model;
  model.layers["r1"] = tensor::fit_layer(tensor::generate_npy(spec, {16, 8, 16, 16}));
  model.layers["unused"] = model.layers["r1"];
  fs::create_directories(dir_ / "models");
  model.save((dir_ / "models" / "m.json").string());
  const std::string densities =
      write("d.json", R"({"activation_model": "models/m.json", "layers": {"r1": 0.15, "c2": 0.1}})");
  DensityTable d = DensityTable::load(densities, n, plan);
  EXPECT_EQ(d.declared_activation_model(), (dir_ / "models" / "m.json").string());
  EXPECT_EQ(d.fitted_of(plan.tensors[1]), nullptr);  // not before it is used
  d.use_activation_model(d.declared_activation_model(), plan);
  EXPECT_EQ(d.fitted_layers(), std::vector<std::string>{"r1"});
  ASSERT_NE(d.fitted_of(plan.tensors[1]), nullptr);
  EXPECT_EQ(d.fitted_of(plan.tensors[2]), nullptr);  // c2: not in the model, Markov generator
  const tensor::LayerActivationModel& fitted = *d.fitted_of(plan.tensors[1]);
  const PieceSource s = PieceSource::fitted(fitted, plan.tensors[1], 1, 64, 5);
  const uint64_t bytes = s.bytes();
  EXPECT_EQ(bytes, 64u * 2048 * 4);
  uint64_t nz = 0;
  const codec::Bytes whole = piece_bytes(s, 0, 0, bytes, {bytes}, &nz);
  EXPECT_NEAR(static_cast<double>(nz) / (bytes / 4), 0.15, 0.15 * 0.03);  // moved from 0.3 to the table's
  uint64_t piece_nz = 0;
  const codec::Bytes slice(whole.begin() + 4096, whole.begin() + 4096 + 8192);
  EXPECT_EQ(piece_bytes(s, 4096, 3, 8192, {102, 4096, 6}, &piece_nz), slice);
  EXPECT_EQ(piece_nz, tensor::count_nonzero(slice, 4));
  // The draw is FittedGenerator's for (seed, tensor id), whoever asks.
  EXPECT_EQ(piece_bytes(PieceSource::fitted(fitted, plan.tensors[1], 1, 64, 5), 0, 0, bytes, {bytes}), whole);
  EXPECT_NE(piece_bytes(PieceSource::fitted(fitted, plan.tensors[1], 2, 64, 5), 0, 0, bytes, {bytes}), whole);
  // Without a densities file (defaults by layer kind, 0.5 for a ReLU) the model keeps its own density.
  DensityTable defaults = DensityTable::by_layer_kind(n);
  defaults.use_activation_model(d.declared_activation_model(), plan);
  EXPECT_EQ(defaults.fitted_of(plan.tensors[1])->zero_run_scale, model.layers["r1"].zero_run_scale);
  EXPECT_EQ(defaults.fitted_of(plan.tensors[1])->density, model.layers["r1"].density);
  // A model layer of another size than the network's.
  model.layers["r1"].sample_shape = {8, 16, 8};
  model.layers["r1"].plane_elements = 128;
  model.save((dir_ / "models" / "m.json").string());
  try {
    d.use_activation_model(d.declared_activation_model(), plan);
    ADD_FAILURE() << "a model of another size was accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "m.json: layers.r1: 1024 elements per sample, the network's layer has 2048"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(d.use_activation_model((dir_ / "none.json").string(), plan), NetworkError);
  EXPECT_THROW(DensityTable::load(
                   write("b.json", R"({"activation_model": 3, "layers": {"r1": 0.1, "c2": 0.1}})"), n, plan),
               NetworkError);
}

TEST_F(Files, TracePiecesAreTheFilesBytesAtTheirOffset) {
  const ActivationTensor t = tensor_of(3 * 1000, "conv9");
  tensor::ActivationSpec spec;
  spec.density = 0.3;
  const tensor::NpyArray a = tensor::generate_npy(spec, {2, 3, 1000});
  tensor::write_npy((dir_ / "conv9.npy").string(), a);
  const std::string file = (dir_ / "conv9.npy").string();
  const PieceSource s = PieceSource::trace(file, t, 2);
  EXPECT_EQ(s.bytes(), a.data.size());
  uint64_t nz = 0;
  const codec::Bytes piece = piece_bytes(s, 4096, 1, 8192, {100, 4096}, &nz);
  EXPECT_TRUE(std::equal(piece.begin(), piece.end(), a.data.begin() + 4096));
  EXPECT_EQ(nz, tensor::count_nonzero(piece, 4));
  // The shape must match the layer at this batch.
  try {
    PieceSource::trace(file, t, 3);
    ADD_FAILURE() << "a trace of another batch was accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("conv9.npy: shape (2,3,1000) does not match batch 3"),
              std::string::npos)
        << e.what();
  }
}

// ---- TraceSet ----

// Writes a trace of every offloaded tensor of three_tensors() (batch 2) under the given file names.
void write_traces(const fs::path& dir, const TensorPlan& plan, const Network& n,
                  const std::map<std::string, std::string>& rename = {}) {
  tensor::ActivationSpec spec;
  spec.density = 0.4;
  for (const auto& t : plan.tensors) {
    if (!t.offloaded) continue;
    std::vector<uint64_t> shape = {2};
    const std::vector<uint64_t>& s = t.content == "input" ? n.input : n.layers[n.index_of(t.content)].out;
    shape.insert(shape.end(), s.begin(), s.end());
    const auto it = rename.find(t.content);
    const fs::path file = dir / (it == rename.end() ? t.content + ".npy" : it->second);
    fs::create_directories(file.parent_path());
    tensor::write_npy(file.string(), tensor::generate_npy(spec, shape));
  }
}

TEST_F(Files, TracesResolveByNameManifestAndMapAndTheInputMayBeMissing) {
  const Network n = three_tensors();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  write_traces(dir_, plan, n);
  TraceSet s = TraceSet::open(dir_.string(), "", n, plan);
  EXPECT_EQ(s.file_of(plan.tensors[1]), (dir_ / "r1.npy").string());
  EXPECT_TRUE(s.generated().empty());
  // Without input.npy the input is generated, and said so; any other missing trace is an error.
  fs::remove(dir_ / "input.npy");
  s = TraceSet::open(dir_.string(), "", n, plan);
  EXPECT_EQ(s.file_of(plan.tensors[0]), "");
  EXPECT_EQ(s.generated(), std::vector<std::string>{"input"});
  fs::rename(dir_ / "r1.npy", dir_ / "captured_relu.npy");
  try {
    TraceSet::open(dir_.string(), "", n, plan);
    ADD_FAILURE() << "a missing trace was accepted";
  } catch (const NetworkError& e) {
    EXPECT_NE(
        std::string(e.what()).find("r1.npy: missing trace file for layer r1 (give it, or map the layer"),
        std::string::npos)
        << e.what();
  }
  // A trace map names it; a manifest does the same for captured names.
  const std::string map = write("map.json", R"({"layers": {"r1": "captured_relu.npy"}})");
  EXPECT_EQ(TraceSet::open(dir_.string(), map, n, plan).file_of(plan.tensors[1]),
            (dir_ / "captured_relu.npy").string());
  write("manifest.json",
        R"({"format": "cdma-activation-trace/1", "layers": [{"name": "r1", "file": "captured_relu.npy"}]})");
  EXPECT_EQ(TraceSet::open(dir_.string(), "", n, plan).file_of(plan.tensors[1]),
            (dir_ / "captured_relu.npy").string());
}

TEST_F(Files, BadManifestsAndTraceMapsNameTheFileAndTheField) {
  const Network n = three_tensors();
  const TensorPlan plan = plan_tensors(n, OffloadPolicy::kAll);
  write_traces(dir_, plan, n);
  const std::string manifest = (dir_ / "manifest.json").string();
  const auto error = [&](const std::string& map) {
    try {
      TraceSet::open(dir_.string(), map, n, plan);
    } catch (const NetworkError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  const std::vector<std::pair<std::string, std::string>> manifests = {
      {R"({"format": "other", "layers": []})", manifest + ": format: must be \"cdma-activation-trace/1\""},
      {R"({"format": "cdma-activation-trace/1"})", manifest + ": layers: must be an array"},
      {R"({"format": "cdma-activation-trace/1", "layers": [{"file": "a.npy"}]})",
       manifest + ": layers[0].name: missing"},
      {R"({"format": "cdma-activation-trace/1", "layers": [{"name": "r1"}]})",
       manifest + ": layers[0].file: missing"},
      {R"({"format": "cdma-activation-trace/1", "layers": [{"name": "r1", "file": "../r1.npy"}]})",
       manifest + ": layers[0].file: must stay inside the traces folder"},
      {R"({"format": "cdma-activation-trace/1", "layers": [{"name": "r1", "file": "/tmp/r1.npy"}]})",
       manifest + ": layers[0].file: must be relative to the traces folder"},
      {R"({"format": "cdma-activation-trace/1", "layers": [{"name": "r1", "file": "gone.npy"}]})",
       "gone.npy: missing trace file for layer r1 (named by the manifest or the trace map)"},
  };
  for (const auto& [text, expected] : manifests) {
    write("manifest.json", text);
    EXPECT_NE(error("").find(expected), std::string::npos) << text << "\n" << error("");
  }
  fs::remove(manifest);
  const std::vector<std::pair<std::string, std::string>> maps = {
      {R"({"r1": "r1.npy"})", ": layers: must be an object"},
      {R"({"layers": {"bogus": "r1.npy"}})", ": layers.bogus: no layer of tiny has this name"},
      {R"({"layers": {"r1": 3}})", ": layers.r1: must be a file name"},
      {"{", "invalid JSON"},
  };
  for (const auto& [text, expected] : maps) {
    const std::string map = write("map.json", text);
    EXPECT_NE(error(map).find(map), std::string::npos) << error(map);
    EXPECT_NE(error(map).find(expected), std::string::npos) << text << "\n" << error(map);
  }
}

// ---- PiecePlan ----

TEST(PiecePlan, PiecesCoverEveryTensorInWholeRowsAndTheFirstOfEachSizeSimulatesVdnn) {
  const uint64_t row = 6 * 4096;
  const std::vector<uint64_t> tensors = {10 * row + 5, 0, 3 * row, 7 * row};
  // A segment of 3.5 rows rounds down to 3.
  const PiecePlan p = plan_pieces(tensors, 3 * row + row / 2, row, true, false);
  std::vector<uint64_t> covered(tensors.size(), 0);
  for (size_t k = 0; k < p.pieces.size(); ++k) {
    const PieceRef& r = p.pieces[k];
    EXPECT_EQ(r.offset, covered[r.tensor]) << k;  // in order, no gap
    EXPECT_LE(r.bytes, 3 * row);
    if (r.offset + r.bytes < tensors[r.tensor]) {
      EXPECT_EQ(r.bytes, 3 * row) << k;  // only a last piece is short
    }
    EXPECT_EQ(r.index, r.offset / (3 * row));
    covered[r.tensor] += r.bytes;
    // vDNN timing comes from the first piece of the same size.
    const size_t src = p.vdnn_timing_of[k];
    EXPECT_LE(src, k);
    EXPECT_EQ(p.pieces[src].bytes, r.bytes);
    for (size_t j = 0; j < src; ++j) EXPECT_NE(p.pieces[j].bytes, r.bytes);
  }
  EXPECT_EQ(covered, tensors);
  EXPECT_EQ(p.pieces.size(), 4u + 1 + 3u);  // 10 rows + 5 B: 4 pieces; 3 rows: 1; 7 rows: 3
  EXPECT_EQ(
      std::count_if(p.pieces.begin(), p.pieces.end(), [&](const PieceRef& r) { return r.bytes == 3 * row; }),
      6);
  EXPECT_EQ(p.units.size(), p.pieces.size());  // one piece per unit
  // Without reuse every piece simulates vDNN; with traces a tensor's pieces form one unit.
  const PiecePlan all = plan_pieces(tensors, 3 * row, row, false, true);
  for (size_t k = 0; k < all.pieces.size(); ++k) EXPECT_TRUE(all.simulates_vdnn(k));
  ASSERT_EQ(all.units.size(), 3u);
  EXPECT_EQ(all.units[0].end - all.units[0].first, 4u);
  EXPECT_EQ(all.units[2].end, all.pieces.size());
  // A segment below one row is one row.
  EXPECT_EQ(plan_pieces({2 * row}, 100, row, true, false).pieces.size(), 2u);
}

// ---- PieceFiller ----

TEST(PieceFiller, FillsUpToEachAccessAndNoFurtherThenTheRest) {
  const memory::AddressMap map(3, 4096, 3 * 64 * memory::SparseMemory::kPageBytes);
  const uint64_t bytes = 5 * 3 * 4096 + 1000;
  memory::MemoryImage image(map, 0, bytes);
  std::vector<memory::MemoryImage::PageBytes> spare;
  image.allocate(spare);
  image.for_each_run([](uint64_t, uint8_t* p, uint64_t n) { std::fill_n(p, n, 0xAA); });  // not yet filled
  const PieceSource s = PieceSource::synthetic(tensor_of(bytes / 4), 0, 1, DensityTable(), 0.0, 5);
  const codec::Bytes expected = piece_bytes(s, 0, 0, bytes, {bytes});
  PieceFiller filler(map, image, s.writer(0, 0));
  const auto image_bytes = [&] {
    codec::Bytes b(bytes);
    static_cast<const memory::MemoryImage&>(image).for_each_run(
        [&](uint64_t off, const uint8_t* p, uint64_t n) {
          if (p != nullptr) std::copy_n(p, n, b.data() + off);  // allocated pages: never null here
        });
    return b;
  };
  // An access to channel 1's first granule (GPU bytes 4096..8191) fills the piece up to byte 8191.
  filler.ensure(1, 0, 4096);
  codec::Bytes b = image_bytes();
  EXPECT_TRUE(std::equal(b.begin(), b.begin() + 8192, expected.begin()));
  EXPECT_TRUE(std::all_of(b.begin() + 8192, b.end(), [](uint8_t v) { return v == 0xAA; }));
  filler.ensure(0, 0, 4096);  // already filled: nothing changes
  EXPECT_EQ(image_bytes(), b);
  EXPECT_EQ(filler.finish(), tensor::count_nonzero(expected, 4));
  EXPECT_EQ(image_bytes(), expected);
}

// ---- The piece job ----

config::PlatformConfig titan_x(const char* mode) {
  return config::load_platform(std::string(CDMA_PLATFORMS_DIR) + "/titan-x.json",
                               {std::string("simulation.mode=\"") + mode + "\""});
}

// The golden ZV size of the piece's true bytes, chunk by chunk as the engine compresses them: a chunk ZV does
// not shrink is stored raw (the platform's raw bypass is on).
uint64_t golden_zv_bytes(const codec::Bytes& data, uint32_t chunk) {
  const auto zv = codec::make_codec({codec::Algorithm::kZv, codec::ElementWidth::k32, 6});
  uint64_t n = 0;
  for (uint64_t off = 0; off < data.size(); off += chunk) {
    const uint64_t len = std::min<uint64_t>(chunk, data.size() - off);
    n += std::min<uint64_t>(len, zv->compressed_size(codec::ByteSpan(data.data() + off, len)));
  }
  return n;
}

// A clean piece comes back bit-identical as vDNN and as cDMA, with the golden codec's size.
TEST(PieceJob, ACleanPieceRoundTripsWithTheGoldenSize) {
  for (const char* mode : {"at", "lt"}) {
    test::in_child([mode] {
      platform::CdmaSoc soc("soc", titan_x(mode));
      const uint64_t bytes = 6 * 4096 * 40;
      DensityTable d;
      const PieceSource s = PieceSource::synthetic(tensor_of(bytes / 4), 2, 1, d, 0.0, 3);
      std::vector<memory::MemoryImage::PageBytes> spare;
      codec::CodecConfig zv;
      zv.algorithm = codec::Algorithm::kZv;
      const PieceResult r = run_piece(soc, 5, PieceRef{2, 0, bytes, 0}, s, zv, true, "r1", spare);
      EXPECT_TRUE(r.bytes_identical) << mode;
      EXPECT_EQ(r.piece, 5u);
      EXPECT_FALSE(r.vdnn_reused);
      EXPECT_GT(r.vdnn.offload_s, 0);
      EXPECT_GT(r.cdma.prefetch_s, 0);
      EXPECT_EQ(r.compressed_bytes, golden_zv_bytes(piece_bytes(s, 0, 0, bytes, {bytes}), 4096)) << mode;
      EXPECT_EQ(r.nonzero_elements, bytes / 4);  // density 1
      EXPECT_GT(r.vdnn_pcie_bytes, bytes);       // the host image: data plus header and index
      EXPECT_FALSE(spare.empty());               // the pages went back for the next piece
      EXPECT_EQ(soc.protocol_violations(), 0u);
    });
  }
}

// A byte of GPU memory corrupted while the offload runs reaches the host image and comes back: the check,
// against the piece's own bytes, catches it (a reference read from GPU memory after the offload would hold
// the corrupted byte too, and pass). The next round trip starts again from the true bytes.
TEST(PieceJob, AByteCorruptedInGpuMemoryDuringTheOffloadIsCaught) {
  for (const char* mode : {"at", "lt"}) {
    for (const bool vdnn : {false, true}) {
      test::in_child([mode, vdnn] {
        platform::CdmaSoc soc("soc", titan_x(mode));
        const uint64_t bytes = 6 * 4096 * 40;  // ~70 us at PCIe speed: the last chunk is read long after 1 ns
        const PieceSource s = PieceSource::synthetic(tensor_of(bytes / 4), 0, 1, DensityTable(), 0.0, 9);
        sc_core::sc_spawn([&soc, bytes] {
          sc_core::wait(sc_core::sc_time(1, sc_core::SC_NS));
          codec::Bytes b = soc.gpu_memory().read(bytes - 1, 1);
          b[0] ^= 0x5A;
          soc.gpu_memory().write(bytes - 1, b);
        });
        std::vector<memory::MemoryImage::PageBytes> spare;
        codec::CodecConfig zv;
        zv.algorithm = codec::Algorithm::kZv;
        const PieceResult r = run_piece(soc, 0, PieceRef{0, 0, bytes, 0}, s, zv, vdnn, "x", spare);
        EXPECT_FALSE(r.bytes_identical) << mode << (vdnn ? " with vDNN" : " cDMA only");
        if (vdnn) {  // the corruption hit vDNN's offload; cDMA's round trip moved the true bytes again
          EXPECT_EQ(r.compressed_bytes, golden_zv_bytes(piece_bytes(s, 0, 0, bytes, {bytes}), 4096));
        }
      });
    }
  }
}

TEST(PieceJob, ReusedVdnnTimingIsNotSimulated) {
  test::in_child([] {
    platform::CdmaSoc soc("soc", titan_x("lt"));
    const uint64_t bytes = 6 * 4096 * 8;
    const PieceSource s = PieceSource::synthetic(tensor_of(bytes / 4), 0, 1, DensityTable(), 0.0, 1);
    std::vector<memory::MemoryImage::PageBytes> spare;
    codec::CodecConfig rl;
    rl.algorithm = codec::Algorithm::kRl;
    const PieceResult r = run_piece(soc, 0, PieceRef{0, 0, bytes, 0}, s, rl, false, "x", spare);
    EXPECT_TRUE(r.bytes_identical);
    EXPECT_TRUE(r.vdnn_reused);
    EXPECT_EQ(r.vdnn.offload_s, 0);
    EXPECT_EQ(r.vdnn_pcie_bytes, 0u);
    EXPECT_GT(r.cdma.offload_s, 0);
    // Results cross the process boundary as JSON unchanged.
    EXPECT_EQ(nlohmann::json(nlohmann::json(r).get<PieceResult>()), nlohmann::json(r));
  });
}

}  // namespace
}  // namespace cdma::training
