// Writes the seed corpora for the fuzz targets: valid streams of every format, so the short smoke runs in
// CTest start from inputs that reach deep into the decoders. Usage: fuzz_seed_corpus <output dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "codec/chunked_stream.h"
#include "dma/host_layout.h"
#include "fuzz_input.h"
#include "tensor/activation_fitter.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"

using namespace cdma;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const codec::Bytes& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

tensor::DType dtype_for(codec::ElementWidth w) {
  return w == codec::ElementWidth::k8
             ? tensor::DType::kInt8
             : (w == codec::ElementWidth::k16 ? tensor::DType::kFloat16 : tensor::DType::kFloat32);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  int n = 0;
  for (codec::Algorithm a : codec::all_algorithms()) {
    const fs::path dir = root / codec::to_string(a);
    fs::create_directories(dir);
    const fs::path container_dir = root / "container";
    fs::create_directories(container_dir);
    const fs::path host_dir = root / "host_image";
    fs::create_directories(host_dir);
    for (codec::ElementWidth w :
         {codec::ElementWidth::k8, codec::ElementWidth::k16, codec::ElementWidth::k32}) {
      const auto c = codec::make_codec({a, w, 6});
      for (size_t size : {size_t{70}, size_t{300}, size_t{1030}}) {
        for (double density : {0.1, 0.5, 0.9}) {
          tensor::ActivationSpec spec;
          spec.dtype = dtype_for(w);
          spec.density = density;
          spec.clustering = 0.5;
          spec.seed = size;
          codec::Bytes data = tensor::generate_activations(spec, (size + bytes_of(w) - 1) / bytes_of(w));
          data.resize(size);
          codec::Bytes seed = {fuzz::selector_for(w), static_cast<uint8_t>(size),
                               static_cast<uint8_t>(size >> 8)};
          const codec::Bytes comp = c->compress(data);
          seed.insert(seed.end(), comp.begin(), comp.end());
          const std::string name = std::to_string(8 * bytes_of(w)) + "_" + std::to_string(size) + "_" +
                                   std::to_string(static_cast<int>(density * 10));
          write(dir / name, seed);
          write(container_dir / (std::string(codec::to_string(a)) + "_" + name),
                codec::compress_chunked(*c, data, 256));
          // 256-byte chunks with the bypass: dense seeds hold raw chunks.
          write(host_dir / (std::string(codec::to_string(a)) + "_" + name),
                dma::build_host_image(data, *c, 256, 1u << 20, true));
          n += 3;
        }
      }
    }
  }
  const fs::path npy_dir = root / "npy";
  fs::create_directories(npy_dir);
  for (tensor::DType t :
       {tensor::DType::kFloat32, tensor::DType::kFloat16, tensor::DType::kInt8, tensor::DType::kUint8}) {
    tensor::ActivationSpec spec;
    spec.dtype = t;
    write(npy_dir / (std::string(tensor::to_string(t)) + ".npy"),
          tensor::encode_npy(tensor::generate_npy(spec, {2, 3, 4})));
    ++n;
  }
  // Activation models fitted to a sparse clustered map and a vector: every field present and valid.
  const fs::path model_dir = root / "activation_model";
  fs::create_directories(model_dir);
  for (const auto& shape : {std::vector<uint64_t>{4, 3, 8, 8}, std::vector<uint64_t>{4, 32}}) {
    tensor::ActivationSpec spec;
    spec.density = 0.3;
    spec.clustering = 0.6;
    tensor::ActivationModel m;
    m.source = "seed";
    m.layers["l"] = tensor::fit_layer(tensor::generate_npy(spec, shape));
    const std::string text = m.to_json().dump();
    write(model_dir / ("model_" + std::to_string(shape.size()) + ".json"),
          codec::Bytes(text.begin(), text.end()));
    ++n;
  }
  std::printf("wrote %d seeds under %s\n", n, root.c_str());
  return 0;
}
