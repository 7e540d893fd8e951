#include "training/tensor_plan.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "util/enum_table.h"

namespace cdma::training {

namespace {

// The report's names first; the command line's short ones are aliases.
const util::EnumTable<OffloadPolicy, 4> kPolicies("offload policy", {{{OffloadPolicy::kAll, "vDNN_all"},
                                                                      {OffloadPolicy::kConv, "vDNN_conv"},
                                                                      {OffloadPolicy::kAll, "all"},
                                                                      {OffloadPolicy::kConv, "conv"}}});

}  // namespace

OffloadPolicy parse_offload_policy(const std::string& s) {
  return kPolicies.parse(s);
}

const char* to_string(OffloadPolicy p) {
  return kPolicies.name(p);
}

TensorPlan plan_tensors(const Network& net, OffloadPolicy policy) {
  TensorPlan plan;
  uint64_t input_elements = 1;
  for (uint64_t d : net.input) input_elements *= d;
  plan.tensors.push_back(ActivationTensor{"input", "input", input_elements});
  std::map<std::string, size_t> tensor_of;  // layer name -> the tensor holding its output
  size_t previous = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& L = net.layers[i];
    std::vector<size_t> inputs;
    if (L.inputs.empty()) {
      inputs.push_back(previous);
    } else {
      for (const auto& p : L.inputs) inputs.push_back(tensor_of.at(p));
    }
    plan.layer_inputs.push_back(inputs);
    size_t out;
    if (L.in_place()) {
      out = inputs.front();
      plan.tensors[out].content = L.name;
    } else {
      for (size_t t : inputs) {
        ActivationTensor& a = plan.tensors[t];
        if (a.first_consumer < 0) a.first_consumer = static_cast<int>(i);
        a.last_consumer = std::max(a.last_consumer, static_cast<int>(i));
        if (policy == OffloadPolicy::kAll || L.type == "conv") a.offloaded = true;
      }
      out = plan.tensors.size();
      plan.tensors.push_back(ActivationTensor{L.name, L.name, L.out_elements()});
    }
    tensor_of[L.name] = out;
    plan.layer_output.push_back(out);
    previous = out;
  }
  return plan;
}

}  // namespace cdma::training
