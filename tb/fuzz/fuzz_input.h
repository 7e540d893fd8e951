// How a fuzz input selects the decoder's parameters: [element selector][original size, u16 LE][stream...].
// Shared by the fuzz targets and by the seed-corpus writer so seeds start where the decoders are interesting.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/codec_config.h"

namespace cdma::fuzz {

constexpr size_t kPrefixBytes = 3;

inline codec::ElementWidth element_from(uint8_t selector) {
  static constexpr codec::ElementWidth kWidths[] = {codec::ElementWidth::k8, codec::ElementWidth::k16,
                                                    codec::ElementWidth::k32};
  return kWidths[selector % 3];
}

inline uint8_t selector_for(codec::ElementWidth w) {
  return w == codec::ElementWidth::k8 ? 0 : (w == codec::ElementWidth::k16 ? 1 : 2);
}

}  // namespace cdma::fuzz
