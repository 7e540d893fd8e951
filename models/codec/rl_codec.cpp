#include "codec/rl_codec.h"

#include <cstring>
#include <stdexcept>

namespace cdma::codec {

namespace {

constexpr size_t kMaxVarintBytes = 10;  // a 64-bit value in 7-bit groups

size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t put_varint(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

// Reads a varint at in[*pos]; false if the input ends or the value overflows 64 bits.
bool get_varint(ByteSpan in, size_t* pos, uint64_t* value, Status* error) {
  uint64_t v = 0;
  for (size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (*pos >= in.size()) {
      *error = Status(StatusCode::kTruncated, *pos, "stream ends inside a run length");
      return false;
    }
    const uint8_t b = in[(*pos)++];
    if (i == kMaxVarintBytes - 1 && b > 1) break;  // more than 64 bits
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      *value = v;
      return true;
    }
  }
  *error = Status(StatusCode::kCorrupt, *pos, "run length does not fit in 64 bits");
  return false;
}

// Element view of a byte buffer whose last element may be partial (it reads as zero-padded).
class Elements {
  static bool is_zero_partial(const uint8_t* p, size_t n) {
    for (size_t b = 0; b < n; ++b) {
      if (p[b] != 0) return false;
    }
    return true;
  }

 public:
  Elements(ByteSpan bytes, unsigned e) : bytes_(bytes), e_(e), count_((bytes.size() + e - 1) / e) {}
  size_t count() const { return count_; }
  bool is_zero(size_t i) const {
    const size_t off = i * e_;
    const uint8_t* p = bytes_.data() + off;
    if (off + e_ > bytes_.size()) return is_zero_partial(p, bytes_.size() - off);
    // Fixed-size loads: a variable-length memcpy per element costs a library call.
    switch (e_) {
      case 4: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return v == 0;
      }
      case 2: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return v == 0;
      }
      default:
        return *p == 0;
    }
  }
  // Copies elements [first, first + n) into out, zero-padding a partial last element; returns bytes written.
  size_t copy(size_t first, size_t n, uint8_t* out) const {
    if (n == 0) return 0;  // a final zero run: `first` may then point past a partial last element
    const size_t off = first * e_;
    const size_t want = n * e_;
    const size_t have = off + want <= bytes_.size() ? want : bytes_.size() - off;
    std::memcpy(out, bytes_.data() + off, have);
    std::memset(out + have, 0, want - have);
    return want;
  }

 private:
  ByteSpan bytes_;
  unsigned e_;
  size_t count_;
};

}  // namespace

RlCodec::RlCodec(ElementWidth element) : config_{Algorithm::kRl, element, 0} {}

size_t RlCodec::max_compressed_size(size_t n) const {
  const unsigned e = bytes_of(config_.element);
  const size_t elements = (n + e - 1) / e;
  // Every token but the first and last holds at least one zero and one literal, so tokens <= elements/2 + 2.
  const size_t tokens = elements / 2 + 2;
  return elements * e + tokens * 2 * varint_size(elements);
}

size_t RlCodec::compress(ByteSpan in, MutableByteSpan out) const {
  if (out.size() < max_compressed_size(in.size())) {
    throw std::invalid_argument("compress: output buffer smaller than max_compressed_size()");
  }
  const Elements el(in, bytes_of(config_.element));
  const size_t n = el.count();
  size_t i = 0, o = 0;
  while (i < n) {
    const size_t zero_start = i;
    while (i < n && el.is_zero(i)) ++i;
    const size_t literal_start = i;
    while (i < n && !el.is_zero(i)) ++i;
    o += put_varint(out.data() + o, literal_start - zero_start);
    o += put_varint(out.data() + o, i - literal_start);
    o += el.copy(literal_start, i - literal_start, out.data() + o);
  }
  return o;
}

Status RlCodec::decompress(ByteSpan in, MutableByteSpan out) const {
  const unsigned e = bytes_of(config_.element);
  const size_t n = (out.size() + e - 1) / e;
  size_t i = 0, pos = 0;
  Status error;
  while (i < n) {
    const size_t token_at = pos;
    uint64_t zeros = 0, literals = 0;
    if (!get_varint(in, &pos, &zeros, &error) || !get_varint(in, &pos, &literals, &error)) return error;
    if (zeros == 0 && literals == 0) return Status(StatusCode::kCorrupt, token_at, "empty run token");
    if (zeros > n - i || literals > n - i - zeros) {
      return Status(StatusCode::kCorrupt, token_at, "runs cover more elements than the output holds");
    }
    const size_t zero_bytes_end = (i + zeros) * e < out.size() ? (i + zeros) * e : out.size();
    std::memset(out.data() + i * e, 0, zero_bytes_end - i * e);
    i += zeros;
    if (literals == 0) continue;  // only a final zero run has no literals; then i == n here
    const size_t literal_bytes = literals * e;
    if (in.size() - pos < literal_bytes)
      return Status(StatusCode::kTruncated, in.size(), "literal run cut short");
    // i < n, so i * e < out.size(); only a partial last element makes the copy shorter than the run.
    const size_t fits = i * e + literal_bytes <= out.size() ? literal_bytes : out.size() - i * e;
    std::memcpy(out.data() + i * e, in.data() + pos, fits);
    for (size_t b = fits; b < literal_bytes; ++b) {
      if (in[pos + b] != 0)
        return Status(StatusCode::kCorrupt, pos + b, "non-zero padding in the last element");
    }
    pos += literal_bytes;
    i += literals;
  }
  if (pos != in.size()) return Status(StatusCode::kTrailingData, pos, "bytes left after the last run");
  return Status::ok();
}

}  // namespace cdma::codec
