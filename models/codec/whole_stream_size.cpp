#include "codec/whole_stream_size.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cdma::codec {

namespace {

constexpr size_t kScratchBytes = 64 << 10;

unsigned varint_bytes(uint64_t v) {
  unsigned n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

}  // namespace

struct WholeStreamSize::Deflate {
  z_stream z{};
  std::vector<uint8_t> scratch = std::vector<uint8_t>(kScratchBytes);
};

WholeStreamSize::WholeStreamSize(const CodecConfig& config)
    : config_(config), element_(bytes_of(config.element)) {
  if (!applies_to(config.algorithm))
    throw std::invalid_argument(std::string("whole-stream size: only rl and zl, not ") +
                                to_string(config.algorithm));
  if (config.algorithm == Algorithm::kZl) {
    zlib_ = std::make_unique<Deflate>();
    if (deflateInit(&zlib_->z, config.zlib_level) != Z_OK) throw std::runtime_error("deflateInit failed");
  }
}

WholeStreamSize::~WholeStreamSize() {
  if (zlib_) deflateEnd(&zlib_->z);
}

void WholeStreamSize::rl_token() {
  out_ += varint_bytes(zeros_) + varint_bytes(literals_) + literals_ * element_;
  zeros_ = literals_ = 0;
}

// The encoder's rule: a token is the maximal zero run, then the maximal non-zero run.
void WholeStreamSize::rl_element(bool zero) {
  if (zero) {
    if (literals_ > 0) rl_token();
    ++zeros_;
  } else {
    ++literals_;
  }
}

void WholeStreamSize::deflate_some(int flush) {
  z_stream& z = zlib_->z;
  do {
    z.next_out = zlib_->scratch.data();
    z.avail_out = static_cast<uInt>(zlib_->scratch.size());
    const int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out_ += zlib_->scratch.size() - z.avail_out;
    if (flush == Z_FINISH && rc == Z_STREAM_END) return;
  } while (z.avail_out == 0 || (flush == Z_FINISH));
}

void WholeStreamSize::add(ByteSpan bytes) {
  if (finished_) throw std::logic_error("whole-stream size: add() after finish()");
  in_ += bytes.size();
  if (zlib_) {
    z_stream& z = zlib_->z;
    // zlib takes at most 4 GiB per call.
    for (size_t off = 0; off < bytes.size();) {
      const size_t n = std::min<size_t>(bytes.size() - off, 1u << 30);
      z.next_in = const_cast<Bytef*>(bytes.data() + off);
      z.avail_in = static_cast<uInt>(n);
      deflate_some(Z_NO_FLUSH);
      off += n;
    }
    return;
  }
  size_t i = 0;
  while (!partial_.empty() && i < bytes.size()) {  // complete an element cut by the last piece's end
    partial_.push_back(bytes[i++]);
    if (partial_.size() == element_) {
      bool zero = true;
      for (uint8_t b : partial_) zero = zero && b == 0;
      rl_element(zero);
      partial_.clear();
    }
  }
  for (; i + element_ <= bytes.size(); i += element_) {
    bool zero = true;
    for (unsigned k = 0; k < element_; ++k) zero = zero && bytes[i + k] == 0;
    rl_element(zero);
  }
  partial_.insert(partial_.end(), bytes.data() + i, bytes.data() + bytes.size());
}

uint64_t WholeStreamSize::finish() {
  if (finished_) throw std::logic_error("whole-stream size: finish() twice");
  finished_ = true;
  if (zlib_) {
    zlib_->z.avail_in = 0;
    deflate_some(Z_FINISH);
    return out_;
  }
  if (!partial_.empty()) {  // a last, shorter element is an element, zero-padded (as the codec writes it)
    bool zero = true;
    for (uint8_t b : partial_) zero = zero && b == 0;
    rl_element(zero);
  }
  if (zeros_ > 0 || literals_ > 0) rl_token();
  return out_;
}

}  // namespace cdma::codec
