// Minimal byte-span types: the project is C++17 (Debian's SystemC), so std::span is not available.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cdma::codec {

template <typename T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <typename U>
  Span(std::vector<U>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT: implicit by design
  template <typename U>
  Span(const std::vector<U>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT: implicit by design
  template <typename U>
  constexpr Span(Span<U> other) : data_(other.data()), size_(other.size()) {}  // NOLINT: mutable -> const

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }
  constexpr T& operator[](size_t i) const { return data_[i]; }
  // Sub-span [offset, offset + count); the caller guarantees offset + count <= size().
  constexpr Span subspan(size_t offset, size_t count) const { return Span(data_ + offset, count); }
  constexpr Span subspan(size_t offset) const { return Span(data_ + offset, size_ - offset); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

using ByteSpan = Span<const uint8_t>;
using MutableByteSpan = Span<uint8_t>;
using Bytes = std::vector<uint8_t>;

}  // namespace cdma::codec
