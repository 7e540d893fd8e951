// Which file of a traces folder holds each tensor of the network: <dir>/<layer>.npy by default; the folder's
// manifest.json (written by sim/tools/capture_activations.py, "cdma-activation-trace/1") maps captured layer
// names to files; a trace map (--trace-map, {"layers": {"<network layer>": "<file in the folder>"}}) renames
// what neither gives, for a capture whose names differ from the network's. The network input is the one
// tensor that may have no trace: it is then generated (dense images) and the report says so. Every problem is
// a NetworkError naming the file and the field, before anything is simulated.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "training/network.h"
#include "training/tensor_plan.h"

namespace cdma::training {

class TraceSet {
 public:
  TraceSet() = default;
  // Reads <dir>/manifest.json if there is one, and `map_path` if given; checks every name against `net` and
  // that every offloaded tensor of `plan` has an existing file (the input excepted).
  static TraceSet open(const std::string& dir, const std::string& map_path, const Network& net,
                       const TensorPlan& plan);

  bool empty() const { return dir_.empty(); }
  const std::string& dir() const { return dir_; }
  // The file of tensor `t`'s content; "" for an input without a trace (to be generated).
  std::string file_of(const ActivationTensor& t) const;
  // Offloaded tensors with no trace, generated instead (only ever "input").
  const std::vector<std::string>& generated() const { return generated_; }

 private:
  std::string dir_;
  std::map<std::string, std::string> files_;  // content layer -> file, "" = generated
  std::vector<std::string> generated_;
};

}  // namespace cdma::training
