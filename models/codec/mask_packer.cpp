#include "codec/mask_packer.h"

#include <cstring>
#include <stdexcept>

#include "codec/simd/dispatch.h"

namespace cdma::codec {

namespace {
constexpr size_t kMaxGroupBytes = 128;

unsigned log2_of(unsigned e) {
  return e == 4 ? 2u : (e == 2 ? 1u : 0u);
}

uint64_t read_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}
}  // namespace

MaskPacker::MaskPacker(ElementWidth element, size_t group_bytes, MaskLayout layout, simd::Isa isa)
    : element_bytes_(bytes_of(element)),
      log2_element_(log2_of(bytes_of(element))),
      group_bytes_(group_bytes),
      mask_bytes_(group_bytes / bytes_of(element) / 8),
      layout_(layout),
      kernels_(&simd::kernels_for(isa)) {
  if (group_bytes != 64 && group_bytes != 128)
    throw std::invalid_argument("mask group must be 64 or 128 bytes");
  if (layout == MaskLayout::kSeparate && group_bytes != 64) {
    throw std::invalid_argument("the separate-mask layout uses 64-byte groups");
  }
}

size_t MaskPacker::max_compressed_size(size_t n) const {
  return groups_for(n) * (mask_bytes_ + group_bytes_);
}

size_t MaskPacker::compress(ByteSpan in, MutableByteSpan out) const {
  if (out.size() < max_compressed_size(in.size())) {
    throw std::invalid_argument("compress: output buffer smaller than max_compressed_size()");
  }
  const size_t full = in.size() / group_bytes_;
  const size_t tail = in.size() % group_bytes_;
  // The partial last group is encoded as if zero-padded to a whole group: its padding never sets a mask bit.
  alignas(64) uint8_t padded[kMaxGroupBytes] = {};
  if (tail != 0) std::memcpy(padded, in.data() + full * group_bytes_, tail);

  if (layout_ == MaskLayout::kInterleaved) {
    const unsigned g = group_bytes_ == 128 ? 1 : 0;
    size_t o = kernels_->encode_interleaved[log2_element_][g](in.data(), full, out.data());
    if (tail != 0) o += kernels_->encode_interleaved[log2_element_][g](padded, 1, out.data() + o);
    return o;
  }
  uint8_t* masks = out.data();
  uint8_t* data = out.data() + groups_for(in.size()) * mask_bytes_;
  size_t d = kernels_->encode_separate[log2_element_](in.data(), full, masks, data);
  if (tail != 0)
    d += kernels_->encode_separate[log2_element_](padded, 1, masks + full * mask_bytes_, data + d);
  return groups_for(in.size()) * mask_bytes_ + d;
}

Status MaskPacker::check_tail(uint64_t mask_low, uint64_t mask_high, const uint8_t* padded, size_t tail,
                              size_t offset) const {
  const size_t elements = (tail + element_bytes_ - 1) / element_bytes_;
  // Mask bits [elements, group elements) must be clear; the mask spans up to 128 bits in two words.
  const uint64_t low_allowed = elements >= 64 ? ~0ull : (1ull << elements) - 1;
  const uint64_t high_allowed =
      elements <= 64 ? 0 : (elements >= 128 ? ~0ull : (1ull << (elements - 64)) - 1);
  if ((mask_low & ~low_allowed) != 0 || (mask_high & ~high_allowed) != 0) {
    return Status(StatusCode::kCorrupt, offset, "mask marks an element past the end of the data");
  }
  for (size_t i = tail; i < elements * element_bytes_; ++i) {
    if (padded[i] != 0) return Status(StatusCode::kCorrupt, offset, "non-zero padding in the last element");
  }
  return Status::ok();
}

Status MaskPacker::decompress(ByteSpan in, MutableByteSpan out) const {
  const size_t full = out.size() / group_bytes_;
  const size_t tail = out.size() % group_bytes_;
  alignas(64) uint8_t padded[kMaxGroupBytes];
  const size_t mb_low = mask_bytes_ > 8 ? 8 : mask_bytes_;  // the mask of a group, split in 64-bit words

  if (layout_ == MaskLayout::kInterleaved) {
    const unsigned g = group_bytes_ == 128 ? 1 : 0;
    const size_t used =
        kernels_->decode_interleaved[log2_element_][g](in.data(), in.size(), full, out.data());
    if (used == simd::kDecodeFailed)
      return Status(StatusCode::kTruncated, in.size(), "stream ends inside a group");
    size_t total = used;
    if (tail != 0) {
      const size_t rest = in.size() - used;
      const size_t t = kernels_->decode_interleaved[log2_element_][g](in.data() + used, rest, 1, padded);
      if (t == simd::kDecodeFailed)
        return Status(StatusCode::kTruncated, in.size(), "stream ends in the last group");
      const uint8_t* mask = in.data() + used;
      Status s = check_tail(read_le(mask, mb_low), mask_bytes_ > 8 ? read_le(mask + 8, mask_bytes_ - 8) : 0,
                            padded, tail, used);
      if (!s) return s;
      std::memcpy(out.data() + full * group_bytes_, padded, tail);
      total += t;
    }
    if (total != in.size())
      return Status(StatusCode::kTrailingData, total, "bytes left after the last group");
    return Status::ok();
  }

  const size_t masks_size = groups_for(out.size()) * mask_bytes_;
  if (in.size() < masks_size)
    return Status(StatusCode::kTruncated, in.size(), "stream ends inside the masks");
  const uint8_t* masks = in.data();
  const uint8_t* data = in.data() + masks_size;
  const size_t data_size = in.size() - masks_size;
  size_t d = kernels_->decode_separate[log2_element_](masks, data, data_size, full, out.data());
  if (d == simd::kDecodeFailed)
    return Status(StatusCode::kTruncated, in.size(), "element data shorter than masks say");
  if (tail != 0) {
    const uint8_t* mask = masks + full * mask_bytes_;
    const size_t t = kernels_->decode_separate[log2_element_](mask, data + d, data_size - d, 1, padded);
    if (t == simd::kDecodeFailed)
      return Status(StatusCode::kTruncated, in.size(), "element data ends in last group");
    Status s = check_tail(read_le(mask, mb_low), 0, padded, tail, full * mask_bytes_);
    if (!s) return s;
    std::memcpy(out.data() + full * group_bytes_, padded, tail);
    d += t;
  }
  if (d != data_size)
    return Status(StatusCode::kTrailingData, masks_size + d, "bytes left after the last element");
  return Status::ok();
}

size_t MaskPacker::compressed_size(ByteSpan in) const {
  const size_t full = in.size() / group_bytes_;
  const size_t tail = in.size() % group_bytes_;
  const size_t vectors_per_group = group_bytes_ / simd::kVectorBytes;
  uint64_t nonzero = kernels_->count_nonzero[log2_element_](in.data(), full * vectors_per_group);
  if (tail != 0) {
    alignas(64) uint8_t padded[kMaxGroupBytes] = {};
    std::memcpy(padded, in.data() + full * group_bytes_, tail);
    nonzero += kernels_->count_nonzero[log2_element_](padded, vectors_per_group);
  }
  return groups_for(in.size()) * mask_bytes_ + static_cast<size_t>(nonzero) * element_bytes_;
}

}  // namespace cdma::codec
