#include "codec_tool/commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "codec/chunked_stream.h"
#include "codec/simd/dispatch.h"
#include "codec_tool/codec_measurement.h"
#include "tensor/activation_generator.h"
#include "tensor/npy_file.h"

namespace cdma::codec_tool {

namespace {

codec::Bytes read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw UsageError(path + (std::filesystem::is_directory(path, ec) ? ": is a folder, not a file"
                                                                     : ": cannot open: no such file"));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError(path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw UsageError(path + ": read error");
  const std::string s = ss.str();
  return codec::Bytes(s.begin(), s.end());
}

void write_file(const std::string& path, const codec::Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f) throw UsageError(path + ": cannot write");
}

std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::vector<uint64_t> parse_shape(const std::string& text) {
  std::vector<uint64_t> shape;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || item[0] == '-')
      throw UsageError("--shape: bad dimension '" + item + "'");
    shape.push_back(v);
  }
  if (shape.empty()) throw UsageError("--shape: expected comma-separated dimensions, e.g. 64,56,56");
  return shape;
}

std::vector<codec::CodecConfig> configs_for(const std::vector<std::string>& names, codec::ElementWidth w) {
  std::vector<codec::CodecConfig> out;
  for (const std::string& name : names) {
    codec::CodecConfig c;
    c.element = w;
    // "zl" alone means both levels the paper-era comparison uses; "zl-N" picks one.
    if (name.rfind("zl-", 0) == 0) {
      c.algorithm = codec::Algorithm::kZl;
      try {
        c.zlib_level = std::stoi(name.substr(3));
      } catch (const std::exception&) {
        throw UsageError("bad zlib level in '" + name + "'");
      }
    } else {
      try {
        c.algorithm = codec::parse_algorithm(name);
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
    }
    try {
      codec::validate(c);
    } catch (const std::invalid_argument& e) {
      throw UsageError(name + ": " + e.what());
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

int info(const std::string& path, const std::vector<std::string>& algorithms, double min_seconds, bool json) {
  if (!(min_seconds >= 0 && min_seconds <= 60)) {
    throw UsageError("--min-seconds must be in [0, 60], got " + std::to_string(min_seconds));
  }
  const tensor::NpyArray a = tensor::read_npy(path);
  const size_t e = tensor::element_bytes(a.dtype);
  const double density = tensor::measured_density(a.data, e);
  std::vector<CodecMeasurement> results;
  for (const codec::CodecConfig& c : configs_for(algorithms, tensor::codec_element(a.dtype))) {
    results.push_back(measure(*codec::make_codec(c), a.data, min_seconds));
  }
  bool all_ok = true;
  for (const auto& r : results) all_ok = all_ok && r.round_trip_ok;
  if (json) {
    nlohmann::json j;
    j["file"] = path;
    j["dtype"] = tensor::to_string(a.dtype);
    j["shape"] = a.shape;
    j["bytes"] = a.data.size();
    j["density"] = density;
    j["simd"] = codec::simd::to_string(codec::simd::best_isa());
    for (const auto& r : results) {
      j["codecs"].push_back({{"name", r.name},
                             {"compressed_bytes", r.compressed_bytes},
                             {"ratio", r.ratio},
                             {"compress_gbps", r.compress_gbps},
                             {"decompress_gbps", r.decompress_gbps},
                             {"round_trip_ok", r.round_trip_ok}});
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf(
        "file     %s\ndtype    %s\nshape    %s\nbytes    %zu\ndensity  %.4f (fraction of non-zero elements)\n"
        "simd     %s\n\n",
        path.c_str(), tensor::to_string(a.dtype), shape_string(a.shape).c_str(), a.data.size(), density,
        codec::simd::to_string(codec::simd::best_isa()));
    std::printf("%-10s %14s %8s %15s %17s %11s\n", "codec", "compressed B", "ratio", "compress GB/s",
                "decompress GB/s", "round trip");
    for (const auto& r : results) {
      std::printf("%-10s %14llu %8.3f %15.2f %17.2f %11s\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.compressed_bytes), r.ratio, r.compress_gbps,
                  r.decompress_gbps, r.round_trip_ok ? "ok" : "MISMATCH");
    }
    if (tensor::codec_element(a.dtype) == codec::ElementWidth::k32) {
      std::printf("\nZV closed form for fp32: 1 / (density + 1/32) = %.3f\n", 1.0 / (density + 1.0 / 32.0));
    }
  }
  if (!all_ok) {
    std::fprintf(stderr, "cdma-codec: error: a round trip did not return the original bytes\n");
    return 3;
  }
  return 0;
}

int compress(const std::string& in, const std::string& out, const std::string& algorithm, int level,
             const std::string& element, uint32_t chunk) {
  const codec::Bytes data = read_file(in);
  codec::ElementWidth w = codec::ElementWidth::k32;
  if (!element.empty()) {
    try {
      w = codec::parse_element_width(element);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--element: ") + e.what());
    }
  } else if (in.size() >= 4 && in.substr(in.size() - 4) == ".npy") {
    w = tensor::codec_element(tensor::parse_npy(data, in).dtype);  // validates the file too
  }
  codec::CodecConfig c = configs_for({algorithm}, w).front();
  if (c.algorithm == codec::Algorithm::kZl && algorithm == "zl") c.zlib_level = level;
  const auto codec = codec::make_codec(c);
  if (chunk == 0 || chunk % codec->block_bytes() != 0) {
    throw UsageError("--chunk must be a positive multiple of " + std::to_string(codec->block_bytes()) +
                     " for " + codec->name());
  }
  codec::ChunkedEncoder enc(*codec, chunk);
  enc.append(data);
  const codec::Bytes container = enc.finish();
  // Check before writing: the file must decode to the input.
  codec::Bytes back;
  const codec::Status s = codec::decompress_chunked(container, back);
  if (!s || back != data) throw std::runtime_error("internal error: compressed stream does not round-trip");
  write_file(out, container);
  std::printf("%s -> %s: %zu -> %zu bytes (payload ratio %.3f, %zu chunks of %u bytes, %s)\n", in.c_str(),
              out.c_str(), data.size(), container.size(), enc.stats().ratio(), enc.chunks().size(), chunk,
              codec->name().c_str());
  return 0;
}

int decompress(const std::string& in, const std::string& out, uint64_t max_size) {
  const codec::Bytes container = read_file(in);
  codec::Bytes data;
  const codec::Status s = codec::decompress_chunked(container, data, max_size);
  if (!s) throw UsageError(in + ": " + s.to_string());
  write_file(out, data);
  std::printf("%s -> %s: %zu -> %zu bytes\n", in.c_str(), out.c_str(), container.size(), data.size());
  return 0;
}

int generate(const std::string& out, const std::string& shape, const std::string& dtype, double density,
             double clustering, uint64_t seed) {
  tensor::ActivationSpec spec;
  try {
    spec.dtype = tensor::parse_dtype(dtype);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dtype: ") + e.what());
  }
  spec.density = density;
  spec.clustering = clustering;
  spec.seed = seed;
  try {
    tensor::validate(spec);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const tensor::NpyArray a = tensor::generate_npy(spec, parse_shape(shape));
  tensor::write_npy(out, a);
  std::printf("%s: %s %s, density %.4f (target %.4f), clustering %.2f, seed %llu\n", out.c_str(),
              tensor::to_string(a.dtype), shape_string(a.shape).c_str(),
              tensor::measured_density(a.data, tensor::element_bytes(a.dtype)), density, clustering,
              static_cast<unsigned long long>(seed));
  return 0;
}

}  // namespace cdma::codec_tool
