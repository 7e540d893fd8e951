// A module whose hops hold bandwidth resources. An assembly finds every one among its child modules (by this
// interface) to tell when the whole platform is idle and how busy each hop was, listing none by hand.
#pragma once

#include <vector>

#include "tlm/bandwidth_resource.h"

namespace cdma::tlmx {

class ResourceOwner {
 public:
  virtual std::vector<const BandwidthResource*> resources() const = 0;

 protected:
  ~ResourceOwner() = default;
};

}  // namespace cdma::tlmx
