// The compressed size of a whole stream fed in pieces, as if the codec had compressed it in one call: the
// "whole-tensor" ratio beside the DMA engine's per-chunk one (each chunk compressed alone). RL counts its
// tokens as they end; ZL deflates through one zlib stream at the configured level. Only what is needed is
// kept (a token's counts, zlib's window), so a tensor of any size can be measured piece by piece.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codec/bytes.h"
#include "codec/codec_config.h"

namespace cdma::codec {

class WholeStreamSize {
 public:
  // RL or ZL (throws std::invalid_argument otherwise: the other codecs work per block, where a whole stream
  // and its chunks compress alike).
  explicit WholeStreamSize(const CodecConfig& config);
  ~WholeStreamSize();
  WholeStreamSize(const WholeStreamSize&) = delete;
  WholeStreamSize& operator=(const WholeStreamSize&) = delete;

  static bool applies_to(Algorithm a) { return a == Algorithm::kRl || a == Algorithm::kZl; }

  void add(ByteSpan bytes);
  // The compressed size of everything added, equal to the codec's compressed_size() of it all; call once.
  uint64_t finish();
  uint64_t bytes_in() const { return in_; }

 private:
  void rl_element(bool zero);
  void rl_token();
  void deflate_some(int flush);

  CodecConfig config_;
  unsigned element_;
  uint64_t in_ = 0, out_ = 0;
  // RL: the open token and the bytes of an element cut by a piece's end.
  uint64_t zeros_ = 0, literals_ = 0;
  std::vector<uint8_t> partial_;
  // ZL: zlib's stream state (opaque here) and its output scratch.
  struct Deflate;
  std::unique_ptr<Deflate> zlib_;
  bool finished_ = false;
};

}  // namespace cdma::codec
