// The commands of cdma-codec, one function each: they read and write the files, print their report to stdout
// and return the program's exit status (0 ok, 3 a round trip that did not return the original bytes). Bad
// input throws UsageError (or tensor::NpyError) with a one-line message naming the file or the option.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cdma::codec_tool {

// A failure the user caused (bad file, bad option).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Shape, dtype, density and every codec's size, ratio and speed on one .npy file (a table, or JSON).
int info(const std::string& path, const std::vector<std::string>& algorithms, double min_seconds, bool json);
// A file into a chunked container (.cdz), checked to decode back before it is written.
int compress(const std::string& in, const std::string& out, const std::string& algorithm, int level,
             const std::string& element, uint32_t chunk);
// A container back into the original bytes (every checksum checked); one announcing more than `max_size`
// bytes is refused before anything is allocated.
int decompress(const std::string& in, const std::string& out, uint64_t max_size);
// Synthetic ReLU-like activations into a .npy file.
int generate(const std::string& out, const std::string& shape, const std::string& dtype, double density,
             double clustering, uint64_t seed);
// An activation model (tensor/activation_model.h) fitted to every .npy file of `dir` (layer = file stem),
// written to `out`; every file is checked before any is fitted.
int fit(const std::string& dir, const std::string& out);
// Each layer of the model with a <layer>.npy in `dir`: the real tensor's density, all-zero block fraction and
// ZV/RL/ZL ratios per `chunk` bytes (and whole-tensor RL/ZL) beside those of a tensor of the same shape drawn
// from the model and of the Markov generator at the real density and clustering. A table, or JSON.
// With match_density, each layer's model is first retargeted to the real tensor's density (the structure is
// what is compared; a densities file gives the density).
int check_model(const std::string& model, const std::string& dir, uint32_t chunk, uint64_t seed,
                bool match_density, bool json);

}  // namespace cdma::codec_tool
