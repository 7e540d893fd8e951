#include "codec/chunked_stream.h"

#include <zlib.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace cdma::codec {

namespace {

void put_u32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}
void put_u64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, 8);
}
uint32_t get_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint32_t crc_of(uint32_t crc, const uint8_t* p, size_t n) {
  // zlib's crc32 takes 32-bit lengths; chunks are below 4 GiB but the index may not be.
  while (n > 0) {
    const uInt step = n > 0x40000000u ? 0x40000000u : static_cast<uInt>(n);
    crc = static_cast<uint32_t>(crc32(crc, p, step));
    p += step;
    n -= step;
  }
  return crc;
}

constexpr size_t kHeaderCrcOffset = 24;

}  // namespace

ChunkedEncoder::ChunkedEncoder(const Codec& codec, uint32_t chunk_bytes)
    : codec_(codec), chunk_bytes_(chunk_bytes) {
  if (chunk_bytes == 0 || chunk_bytes % codec.block_bytes() != 0) {
    throw std::invalid_argument("chunk size " + std::to_string(chunk_bytes) +
                                " must be a positive multiple of " + std::to_string(codec.block_bytes()) +
                                " bytes for " + codec.name());
  }
  scratch_.resize(codec_.max_compressed_size(chunk_bytes));
}

void ChunkedEncoder::append_chunk(ByteSpan chunk) {
  if (closed_) throw std::logic_error("append_chunk after a short (final) chunk");
  if (chunk.size() > chunk_bytes_) throw std::logic_error("chunk larger than the chunk size");
  if (chunk.empty()) return;
  if (chunk.size() < chunk_bytes_) closed_ = true;
  const size_t n = codec_.compress(chunk, MutableByteSpan(scratch_));
  ChunkInfo info;
  info.original_offset = stats_.original_bytes;
  info.original_size = static_cast<uint32_t>(chunk.size());
  info.compressed_offset = payload_.size();
  info.compressed_size = static_cast<uint32_t>(n);
  info.crc32 = crc_of(0, scratch_.data(), n);
  payload_.insert(payload_.end(), scratch_.begin(), scratch_.begin() + static_cast<ptrdiff_t>(n));
  chunks_.push_back(info);
  stats_.original_bytes += chunk.size();
  stats_.compressed_bytes += n;
}

void ChunkedEncoder::append(ByteSpan data) {
  for (size_t off = 0; off < data.size(); off += chunk_bytes_) {
    const size_t n = data.size() - off < chunk_bytes_ ? data.size() - off : chunk_bytes_;
    append_chunk(data.subspan(off, n));
  }
}

Bytes ChunkedEncoder::finish() const {
  const size_t index_bytes = chunks_.size() * ContainerHeader::kIndexEntryBytes;
  Bytes out(ContainerHeader::kBytes + index_bytes + payload_.size(), 0);
  uint8_t* h = out.data();
  put_u32(h + 0, ContainerHeader::kMagic);
  h[4] = static_cast<uint8_t>(codec_.config().algorithm);
  h[5] = static_cast<uint8_t>(bytes_of(codec_.config().element));
  h[6] = static_cast<uint8_t>(codec_.config().algorithm == Algorithm::kZl ? codec_.config().zlib_level : 0);
  h[7] = 0;
  put_u64(h + 8, stats_.original_bytes);
  put_u32(h + 16, chunk_bytes_);
  put_u32(h + 20, static_cast<uint32_t>(chunks_.size()));
  uint8_t* index = h + ContainerHeader::kBytes;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    put_u32(index + 8 * i, chunks_[i].compressed_size);
    put_u32(index + 8 * i + 4, chunks_[i].crc32);
  }
  const uint32_t crc = crc_of(crc_of(0, h, kHeaderCrcOffset), index, index_bytes);
  put_u32(h + kHeaderCrcOffset, crc);
  if (!payload_.empty()) std::memcpy(index + index_bytes, payload_.data(), payload_.size());
  return out;
}

Status ChunkedReader::open(ByteSpan in, uint64_t max_original_size) {
  chunks_.clear();
  codec_.reset();
  if (in.size() < ContainerHeader::kBytes)
    return Status(StatusCode::kTruncated, in.size(), "shorter than the header");
  const uint8_t* h = in.data();
  if (get_u32(h) != ContainerHeader::kMagic)
    return Status(StatusCode::kCorrupt, 0, "bad magic (not a CDZ1 stream)");
  if (h[4] > static_cast<uint8_t>(Algorithm::kZcompSeparate)) {
    return Status(StatusCode::kUnsupported, 4, "unknown algorithm id " + std::to_string(h[4]));
  }
  header_.codec.algorithm = static_cast<Algorithm>(h[4]);
  if (h[5] != 1 && h[5] != 2 && h[5] != 4)
    return Status(StatusCode::kCorrupt, 5, "element size must be 1, 2 or 4");
  header_.codec.element = static_cast<ElementWidth>(h[5]);
  header_.codec.zlib_level = header_.codec.algorithm == Algorithm::kZl ? h[6] : 6;
  if (header_.codec.algorithm == Algorithm::kZl && (h[6] < 1 || h[6] > 9)) {
    return Status(StatusCode::kCorrupt, 6, "zlib level must be 1..9");
  }
  if ((header_.codec.algorithm != Algorithm::kZl && h[6] != 0) || h[7] != 0 || get_u32(h + 28) != 0) {
    return Status(StatusCode::kCorrupt, 6, "reserved header bytes are not zero");
  }
  header_.original_size = get_u64(h + 8);
  header_.chunk_bytes = get_u32(h + 16);
  header_.chunk_count = get_u32(h + 20);

  const size_t index_avail = (in.size() - ContainerHeader::kBytes) / ContainerHeader::kIndexEntryBytes;
  if (header_.chunk_count > index_avail)
    return Status(StatusCode::kTruncated, in.size(), "stream ends in the index");
  const size_t index_bytes = size_t{header_.chunk_count} * ContainerHeader::kIndexEntryBytes;
  const uint8_t* index = h + ContainerHeader::kBytes;
  const uint32_t crc = crc_of(crc_of(0, h, kHeaderCrcOffset), index, index_bytes);
  if (crc != get_u32(h + kHeaderCrcOffset))
    return Status(StatusCode::kChecksum, 24, "header/index checksum mismatch");

  if (header_.original_size > max_original_size) {
    return Status(StatusCode::kUnsupported, 8,
                  "the container announces " + std::to_string(header_.original_size) +
                      " B, more than the allowed maximum of " + std::to_string(max_original_size) + " B");
  }
  const uint64_t expected_chunks =
      header_.chunk_bytes == 0 ? 0 : (header_.original_size + header_.chunk_bytes - 1) / header_.chunk_bytes;
  if ((header_.chunk_bytes == 0 && header_.original_size != 0) || expected_chunks != header_.chunk_count) {
    return Status(StatusCode::kCorrupt, 16, "chunk count does not match the original size and chunk size");
  }
  try {
    codec_ = make_codec(header_.codec);
  } catch (const std::invalid_argument& e) {
    return Status(StatusCode::kUnsupported, 4, e.what());
  }
  if (header_.chunk_bytes != 0 && header_.chunk_bytes % codec_->block_bytes() != 0) {
    return Status(StatusCode::kCorrupt, 16, "chunk size is not a multiple of the codec's block size");
  }

  payload_offset_ = ContainerHeader::kBytes + index_bytes;
  payload_ = in.subspan(payload_offset_);
  chunks_.resize(header_.chunk_count);
  uint64_t offset = 0;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    ChunkInfo& c = chunks_[i];
    c.original_offset = uint64_t{i} * header_.chunk_bytes;
    c.original_size = static_cast<uint32_t>(
        i + 1 < chunks_.size() ? header_.chunk_bytes : header_.original_size - c.original_offset);
    c.compressed_offset = offset;
    c.compressed_size = get_u32(index + 8 * i);
    c.crc32 = get_u32(index + 8 * i + 4);
    if (c.compressed_size > payload_.size() - offset) {
      return Status(StatusCode::kTruncated, in.size(),
                    "chunk " + std::to_string(i) + " extends past the end");
    }
    if (crc_of(0, payload_.data() + offset, c.compressed_size) != c.crc32) {
      return Status(StatusCode::kChecksum, payload_offset_ + offset,
                    "chunk " + std::to_string(i) + " checksum mismatch");
    }
    offset += c.compressed_size;
  }
  if (offset != payload_.size()) {
    return Status(StatusCode::kTrailingData, payload_offset_ + offset, "bytes left after the last chunk");
  }
  return Status::ok();
}

Status ChunkedReader::decode_chunk(size_t i, MutableByteSpan out) const {
  const ChunkInfo& c = chunks_.at(i);
  if (out.size() != c.original_size)
    throw std::invalid_argument("decode_chunk: output is not the chunk's size");
  Status s = codec_->decompress(payload_.subspan(c.compressed_offset, c.compressed_size), out);
  if (!s) {
    return Status(s.code(), payload_offset_ + c.compressed_offset + s.offset(),
                  "chunk " + std::to_string(i) + ": " + s.message());
  }
  return s;
}

Status ChunkedReader::decode_all(MutableByteSpan out) const {
  if (out.size() != header_.original_size)
    throw std::invalid_argument("decode_all: output is not the original size");
  for (size_t i = 0; i < chunks_.size(); ++i) {
    Status s = decode_chunk(i, out.subspan(chunks_[i].original_offset, chunks_[i].original_size));
    if (!s) return s;
  }
  return Status::ok();
}

Bytes compress_chunked(const Codec& codec, ByteSpan data, uint32_t chunk_bytes) {
  ChunkedEncoder enc(codec, chunk_bytes);
  enc.append(data);
  return enc.finish();
}

Status decompress_chunked(ByteSpan container, Bytes& out, uint64_t max_original_size) {
  ChunkedReader reader;
  Status s = reader.open(container, max_original_size);
  if (!s) return s;
  out.resize(reader.header().original_size);
  return reader.decode_all(MutableByteSpan(out));
}

}  // namespace cdma::codec
