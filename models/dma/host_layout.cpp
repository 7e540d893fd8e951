#include "dma/host_layout.h"

#include <algorithm>
#include <cstring>

namespace cdma::dma {

namespace {
template <typename T>
void put(std::vector<uint8_t>& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}
template <typename T>
T get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace

std::vector<uint8_t> HostImage::encode_header() const {
  std::vector<uint8_t> h(kHeaderBytes, 0);
  put<uint32_t>(h, 0, kMagic);
  h[4] = static_cast<uint8_t>(codec.algorithm);
  h[5] = static_cast<uint8_t>(codec::bytes_of(codec.element));
  h[6] = static_cast<uint8_t>(codec.algorithm == codec::Algorithm::kZl ? codec.zlib_level : 0);
  h[7] = raw_bypass ? 1 : 0;
  put<uint32_t>(h, 8, static_cast<uint32_t>(chunks.size()));
  put<uint64_t>(h, 16, original_bytes);
  put<uint64_t>(h, 24, payload_bytes);
  return h;
}

std::vector<uint8_t> HostImage::encode_index() const {
  std::vector<uint8_t> b(kIndexEntryBytes * chunks.size(), 0);
  for (size_t i = 0; i < chunks.size(); ++i) {
    put<uint64_t>(b, i * kIndexEntryBytes, chunks[i].offset);
    put<uint32_t>(b, i * kIndexEntryBytes + 8, chunks[i].compressed_bytes);
    put<uint32_t>(b, i * kIndexEntryBytes + 12, chunks[i].original_bytes);
  }
  return b;
}

std::string HostImage::parse_header(const uint8_t* p, uint64_t size, HostImage& out, uint32_t& chunk_count) {
  if (size < kHeaderBytes) return "host image header is truncated";
  if (get<uint32_t>(p) != kMagic) return "no offloaded tensor at this host address (bad magic)";
  if (p[4] > static_cast<uint8_t>(codec::Algorithm::kZcompSeparate)) return "unknown algorithm in host image";
  if (p[5] != 1 && p[5] != 2 && p[5] != 4) return "bad element size in host image";
  out.codec.algorithm = static_cast<codec::Algorithm>(p[4]);
  out.codec.element = static_cast<codec::ElementWidth>(p[5]);
  out.codec.zlib_level = out.codec.algorithm == codec::Algorithm::kZl ? p[6] : 6;
  if (out.codec.algorithm == codec::Algorithm::kZl && (p[6] < 1 || p[6] > 9))
    return "bad zlib level in host image";
  if (p[7] > 1) return "unknown flags in host image";
  out.raw_bypass = p[7] == 1;
  chunk_count = get<uint32_t>(p + 8);
  out.original_bytes = get<uint64_t>(p + 16);
  out.payload_bytes = get<uint64_t>(p + 24);
  return "";
}

std::string HostImage::parse_index(const uint8_t* p, uint64_t size, uint32_t chunk_count) {
  if (size < kIndexEntryBytes * chunk_count) return "host image index is truncated";
  chunks.resize(chunk_count);
  const uint64_t payload_start = metadata_bytes(chunk_count);
  uint64_t original = 0, payload = 0;
  for (uint32_t i = 0; i < chunk_count; ++i) {
    HostChunk& c = chunks[i];
    c.offset = get<uint64_t>(p + i * kIndexEntryBytes);
    c.compressed_bytes = get<uint32_t>(p + i * kIndexEntryBytes + 8);
    c.original_bytes = get<uint32_t>(p + i * kIndexEntryBytes + 12);
    if (c.offset < payload_start || c.offset - payload_start > payload_bytes ||
        c.compressed_bytes > payload_bytes - (c.offset - payload_start)) {
      return "chunk " + std::to_string(i) + " lies outside the host image";
    }
    original += c.original_bytes;
    payload += c.compressed_bytes;
  }
  if (original != original_bytes || payload != payload_bytes) return "host image index does not add up";
  return "";
}

std::vector<uint32_t> plan_chunks(uint64_t bytes, uint32_t chunk_bytes, uint64_t granule_bytes) {
  std::vector<uint32_t> sizes;
  sizes.reserve(bytes / std::max<uint64_t>(std::min<uint64_t>(chunk_bytes, granule_bytes), 1) + 2);
  uint64_t in_granule = 0;  // off % granule_bytes, kept without a division per chunk
  for (uint64_t off = 0; off < bytes;) {
    const uint64_t to_granule_end = granule_bytes - in_granule;
    uint64_t n = chunk_bytes;
    if (to_granule_end < n) n = to_granule_end;
    if (bytes - off < n) n = bytes - off;
    sizes.push_back(static_cast<uint32_t>(n));
    off += n;
    in_granule = n == to_granule_end ? 0 : in_granule + n;
  }
  return sizes;
}

std::vector<uint8_t> build_host_image(codec::ByteSpan data, const codec::Codec& codec, uint32_t chunk_bytes,
                                      uint64_t granule_bytes, bool raw_bypass) {
  HostImage image;
  image.codec = codec.config();
  image.original_bytes = data.size();
  const std::vector<uint32_t> sizes = plan_chunks(data.size(), chunk_bytes, granule_bytes);
  std::vector<uint8_t> payload;
  std::vector<uint8_t> scratch(codec.max_compressed_size(chunk_bytes));
  uint64_t off = 0;
  for (uint32_t n : sizes) {
    size_t c = codec.compress(data.subspan(off, n), codec::MutableByteSpan(scratch));
    if (raw_bypass && codec.config().algorithm != codec::Algorithm::kNone && c >= n) {  // as the unit does
      std::copy_n(data.data() + off, n, scratch.data());
      c = n;
      image.raw_bypass = true;
    }
    image.chunks.push_back(
        HostChunk{HostImage::metadata_bytes(sizes.size()) + payload.size(), static_cast<uint32_t>(c), n});
    payload.insert(payload.end(), scratch.begin(), scratch.begin() + static_cast<ptrdiff_t>(c));
    off += n;
  }
  image.payload_bytes = payload.size();
  std::vector<uint8_t> out = image.encode_header();
  const std::vector<uint8_t> index = image.encode_index();
  out.insert(out.end(), index.begin(), index.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::string decode_host_image(codec::ByteSpan bytes, std::vector<uint8_t>& out, uint64_t max_original_bytes) {
  HostImage image;
  uint32_t count = 0;
  std::string err = HostImage::parse_header(bytes.data(), bytes.size(), image, count);
  if (!err.empty()) return err;
  if (image.original_bytes > max_original_bytes) {
    return "host image announces " + std::to_string(image.original_bytes) + " B, more than the " +
           std::to_string(max_original_bytes) + " B expected";
  }
  if (bytes.size() < HostImage::metadata_bytes(count)) return "host image index is truncated";
  err = image.parse_index(bytes.data() + HostImage::kHeaderBytes, bytes.size() - HostImage::kHeaderBytes,
                          count);
  if (!err.empty()) return err;
  if (bytes.size() < HostImage::metadata_bytes(count) + image.payload_bytes) return "host image is truncated";
  const auto codec = codec::make_codec(image.codec);
  out.assign(image.original_bytes, 0);
  uint64_t off = 0;
  for (size_t i = 0; i < image.chunks.size(); ++i) {
    const HostChunk& c = image.chunks[i];
    if (image.stored_raw(c.compressed_bytes, c.original_bytes)) {
      if (c.compressed_bytes != c.original_bytes) {
        return "chunk " + std::to_string(i) + ": stored raw as " + std::to_string(c.compressed_bytes) +
               " B for " + std::to_string(c.original_bytes) + " B";
      }
      std::copy_n(bytes.data() + c.offset, c.original_bytes, out.data() + off);
    } else {
      const codec::Status s = codec->decompress(bytes.subspan(c.offset, c.compressed_bytes),
                                                codec::MutableByteSpan(out.data() + off, c.original_bytes));
      if (!s) return "chunk " + std::to_string(i) + ": " + s.to_string();
    }
    off += c.original_bytes;
  }
  return "";
}

}  // namespace cdma::dma
