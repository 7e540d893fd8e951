// Small networks built in code for the training tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "training/network.h"

namespace cdma::training::test_networks {

inline Layer layer(const std::string& name, const std::string& type, std::vector<uint64_t> in,
                   std::vector<uint64_t> out) {
  Layer l;
  l.name = name;
  l.type = type;
  l.in = std::move(in);
  l.out = std::move(out);
  return l;
}

// conv -> relu (in place) -> pool -> conv -> fc
inline Network chain() {
  Network n;
  n.name = "chain";
  n.input = {3, 8, 8};
  n.layers = {layer("c1", "conv", {3, 8, 8}, {4, 8, 8}), layer("r1", "relu", {4, 8, 8}, {4, 8, 8}),
              layer("p1", "pool", {4, 8, 8}, {4, 4, 4}), layer("c2", "conv", {4, 4, 4}, {8, 4, 4}),
              layer("f1", "fc", {128}, {10})};
  return n;
}

// input -> c1 (conv) -> r1 (relu, in place) -> c2 (conv) -> f1 (fc): offloads input, c1's tensor (post-ReLU
// content r1), c2's.
inline Network three_tensors() {
  Network n;
  n.name = "tiny";
  n.input = {4, 16, 16};
  n.layers = {layer("c1", "conv", {4, 16, 16}, {8, 16, 16}), layer("r1", "relu", {8, 16, 16}, {8, 16, 16}),
              layer("c2", "conv", {8, 16, 16}, {8, 16, 16}), layer("f1", "fc", {2048}, {10})};
  return n;
}

}  // namespace cdma::training::test_networks
