#include "tensor/npy_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "util/enum_table.h"
#include "util/printable.h"

namespace cdma::tensor {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kAlign = 64;  // numpy >= 1.14 aligns the data to 64 bytes so it can be memory-mapped

using util::printable;

const char* descr_of(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat16:
      return "<f2";
    case DType::kInt8:
      return "|i1";
    case DType::kUint8:
      return "|u1";
  }
  throw std::invalid_argument("invalid DType value " + std::to_string(static_cast<int>(dtype)));
}

// Python's tuple repr, which is what numpy writes: "()", "(3,)", "(2, 3, 5)".
std::string shape_repr(const std::vector<uint64_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

// Product of the dims, or false on overflow. A zero dim makes the product 0 whatever the others are, as in
// numpy, so it is checked first.
bool checked_count(const std::vector<uint64_t>& shape, uint64_t* count) {
  for (uint64_t d : shape) {
    if (d == 0) {
      *count = 0;
      return true;
    }
  }
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (n > std::numeric_limits<uint64_t>::max() / d) return false;
    n *= d;
  }
  *count = n;
  return true;
}

// Recursive-descent parser for the header, a Python dict literal such as
// "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }". All reads go through peek()/at_end(), which
// check the bounds.
class HeaderParser {
 public:
  HeaderParser(const char* text, size_t size, const std::string& name)
      : text_(text), size_(size), name_(name) {}

  void parse(NpyArray* out) {
    skip_ws();
    expect('{', "the header dict to start with '{'");
    bool have_descr = false, have_order = false, have_shape = false;
    std::string descr;
    bool fortran_order = false;
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const size_t key_pos = pos_;
      if (peek() != '\'' && peek() != '"') malformed("expected a quoted key or '}'");
      const std::string key = parse_string();
      skip_ws();
      expect(':', "':' after key");
      skip_ws();
      if (key == "descr") {
        check_duplicate(&have_descr, key, key_pos);
        if (peek() == '[') fail("unsupported dtype: structured dtypes are not supported");
        if (peek() != '\'' && peek() != '"') malformed("'descr' must be a quoted string");
        descr = parse_string();
      } else if (key == "fortran_order") {
        check_duplicate(&have_order, key, key_pos);
        fortran_order = parse_bool();
      } else if (key == "shape") {
        check_duplicate(&have_shape, key, key_pos);
        out->shape = parse_shape();
      } else {
        pos_ = key_pos;
        malformed("unknown key '" + printable(key) + "'");
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') malformed("expected ',' or '}' after the value of '" + key + "'");
    }
    ++pos_;  // '}'
    skip_ws();
    if (!at_end()) malformed("unexpected text after the header dict");
    if (!have_descr) malformed("missing key 'descr'");
    if (!have_order) malformed("missing key 'fortran_order'");
    if (!have_shape) malformed("missing key 'shape'");

    out->dtype = dtype_from_descr(descr);
    // numpy would load these by reordering, but the codecs need C-order bytes; refuse rather than transpose.
    if (fortran_order) fail("Fortran order is not supported");
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw NpyError(name_ + ": " + problem); }
  [[noreturn]] void malformed(const std::string& problem) const {
    fail("malformed header at offset " + std::to_string(pos_) + ": " + problem);
  }

  bool at_end() const { return pos_ >= size_; }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }
  void expect(char c, const char* what) {
    if (peek() != c || at_end()) malformed(std::string("expected ") + what);
    ++pos_;
  }
  void check_duplicate(bool* seen, const std::string& key, size_t key_pos) {
    if (*seen) {
      pos_ = key_pos;
      malformed("duplicate key '" + key + "'");
    }
    *seen = true;
  }

  // A single- or double-quoted Python string. No valid header needs escapes, so they are refused instead of
  // being half-supported.
  std::string parse_string() {
    const char quote = peek();
    const size_t start = ++pos_;
    while (!at_end() && peek() != quote) {
      if (peek() == '\\') malformed("escape sequences in strings are not supported");
      if (peek() == '\n') break;  // Python strings cannot span lines: report as unterminated
      ++pos_;
    }
    if (at_end() || peek() != quote) {
      pos_ = start - 1;
      malformed(std::string("unterminated string (bad quoting) starting with ") + quote);
    }
    std::string s(text_ + start, pos_ - start);
    ++pos_;
    return s;
  }

  std::string parse_word() {
    const size_t start = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) ++pos_;
    return std::string(text_ + start, pos_ - start);
  }

  bool parse_bool() {
    const size_t start = pos_;
    const std::string word = parse_word();
    if (word == "True") return true;
    if (word == "False") return false;
    pos_ = start;
    malformed("'fortran_order' must be True or False");
  }

  std::vector<uint64_t> parse_shape() {
    if (peek() != '(') malformed("bad shape tuple: 'shape' must be a tuple such as (3,) or (2, 3)");
    ++pos_;
    std::vector<uint64_t> shape;
    bool trailing_comma = false;
    for (;;) {
      skip_ws();
      if (peek() == ')') break;
      shape.push_back(parse_dim());
      trailing_comma = false;
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
        continue;
      }
      if (peek() != ')') malformed("bad shape tuple: expected ',' or ')'");
    }
    // In Python "(3)" is the int 3, not a tuple, and numpy rejects it.
    if (shape.size() == 1 && !trailing_comma) malformed("bad shape tuple: a 1-tuple needs a trailing comma");
    ++pos_;  // ')'
    return shape;
  }

  uint64_t parse_dim() {
    if (peek() == '-') malformed("negative dimension in shape");
    if (peek() == '+') ++pos_;  // Python accepts a unary plus
    if (!std::isdigit(static_cast<unsigned char>(peek()))) malformed("bad shape tuple: expected an integer");
    uint64_t value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      const auto digit = static_cast<uint64_t>(peek() - '0');
      if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        malformed("dimension overflows 64 bits");
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (peek() == 'L') ++pos_;  // Python 2 long literal, found in files written by old numpy
    if (peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == 'j' || peek() == 'J') {
      malformed("non-integer dimension in shape");
    }
    if (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_') {
      malformed("bad shape tuple: malformed integer");
    }
    return value;
  }

  DType dtype_from_descr(const std::string& descr) const {
    if (descr == "<f4") return DType::kFloat32;
    if (descr == "<f2") return DType::kFloat16;
    if (descr == "|i1" || descr == "i1" || descr == "<i1") return DType::kInt8;
    if (descr == "|u1" || descr == "u1" || descr == "<u1") return DType::kUint8;
    if (!descr.empty() && descr[0] == '>') {
      fail("big-endian dtype '" + printable(descr) + "' is not supported (expected <f4, <f2, |i1 or |u1)");
    }
    fail("unsupported dtype '" + printable(descr) + "' (expected <f4, <f2, |i1 or |u1)");
  }

  const char* text_;
  size_t size_;
  const std::string& name_;
  size_t pos_ = 0;
};

std::string errno_text(int err) {
  return err != 0 ? std::strerror(err) : "unknown error";
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

}  // namespace

namespace {

const util::EnumTable<DType, 4> kDTypes("dtype", {{{DType::kFloat32, "float32"},
                                                   {DType::kFloat16, "float16"},
                                                   {DType::kInt8, "int8"},
                                                   {DType::kUint8, "uint8"}}});

}  // namespace

const char* to_string(DType dtype) {
  return kDTypes.name(dtype);
}

size_t element_bytes(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return 4;
    case DType::kFloat16:
      return 2;
    case DType::kInt8:
    case DType::kUint8:
      return 1;
  }
  throw std::invalid_argument("invalid DType value " + std::to_string(static_cast<int>(dtype)));
}

codec::ElementWidth codec_element(DType dtype) {
  switch (element_bytes(dtype)) {
    case 1:
      return codec::ElementWidth::k8;
    case 2:
      return codec::ElementWidth::k16;
    default:
      return codec::ElementWidth::k32;
  }
}

DType parse_dtype(const std::string& name) {
  return kDTypes.parse(name);
}

uint64_t NpyArray::element_count() const {
  uint64_t n = 0;
  if (!checked_count(shape, &n))
    throw std::overflow_error("element count of shape " + shape_repr(shape) + " overflows 64 bits");
  return n;
}

namespace {

// Checks the magic and version of the file starting with `head` and returns where its header text starts
// (the preamble's length) and how long it is. `head` holds at least the first 12 bytes of the file, or all of
// it if it is shorter.
std::pair<size_t, size_t> npy_header_extent(cdma::codec::ByteSpan head, const std::string& name) {
  auto fail = [&name](const std::string& problem) -> void { throw NpyError(name + ": " + problem); };
  const uint8_t* p = head.data();
  const size_t size = head.size();
  if (size < sizeof(kMagic) || std::memcmp(p, kMagic, sizeof(kMagic)) != 0) {
    fail("not a .npy file (bad magic)");
  }
  if (size < 8) fail("truncated header: file ends inside the version field");
  const int major = p[6], minor = p[7];
  size_t preamble = 0;
  size_t header_len = 0;
  if (major == 1 && minor == 0) {
    preamble = 10;
    if (size < preamble) fail("truncated header: file ends inside the header length field");
    header_len = static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8;
  } else if ((major == 2 || major == 3) && minor == 0) {
    // 3.0 differs from 2.0 only in allowing UTF-8 in the header; the header we accept is ASCII either way.
    preamble = 12;
    if (size < preamble) fail("truncated header: file ends inside the header length field");
    header_len = static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8 |
                 static_cast<size_t>(p[10]) << 16 | static_cast<size_t>(p[11]) << 24;
  } else {
    fail("unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) +
         " (expected 1.0, 2.0 or 3.0)");
  }
  return {preamble, header_len};
}

// Parses and checks everything but copies no data: fills dtype and shape, returns the data offset. `head` is
// the start of a file of `size` bytes, holding at least its preamble and header.
size_t parse_npy_header(cdma::codec::ByteSpan head, uint64_t size, const std::string& name, NpyArray* array) {
  auto fail = [&name](const std::string& problem) -> void { throw NpyError(name + ": " + problem); };
  const auto [preamble, header_len] = npy_header_extent(head, name);
  if (header_len > size - preamble) {
    fail("header length " + std::to_string(header_len) + " runs past end of file (" +
         std::to_string(size - preamble) + " bytes after the preamble; truncated header)");
  }
  const uint8_t* p = head.data();
  HeaderParser(reinterpret_cast<const char*>(p + preamble), header_len, name).parse(array);

  uint64_t count = 0;
  const size_t esize = element_bytes(array->dtype);
  if (!checked_count(array->shape, &count) || count > std::numeric_limits<uint64_t>::max() / esize ||
      count * esize > std::numeric_limits<size_t>::max()) {
    fail("shape " + shape_repr(array->shape) + " of " + to_string(array->dtype) +
         " overflows the byte count");
  }
  const uint64_t expected = count * esize;
  const size_t data_offset = preamble + header_len;
  const uint64_t present = size - data_offset;
  if (present < expected) {
    fail("truncated data: shape " + shape_repr(array->shape) + " of " + to_string(array->dtype) + " needs " +
         std::to_string(expected) + " bytes, only " + std::to_string(present) + " present");
  }
  if (present > expected) {
    fail(std::to_string(present - expected) + " trailing bytes after the data (expected " +
         std::to_string(expected) + " bytes, " + std::to_string(present) + " present)");
  }
  return data_offset;
}

}  // namespace

NpyArray parse_npy(cdma::codec::ByteSpan bytes, const std::string& name) {
  NpyArray array;
  const size_t offset = parse_npy_header(bytes, bytes.size(), name, &array);
  array.data.assign(bytes.data() + offset, bytes.data() + bytes.size());
  return array;
}

NpyArray read_npy(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw NpyError(path + ": cannot open: " + errno_text(errno));
  // The size is only a hint: reading on until EOF also handles pipes and files that grow meanwhile.
  size_t hint = 0;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(file.get());
    if (size > 0) hint = static_cast<size_t>(size);
    std::rewind(file.get());
  }
  std::vector<uint8_t> bytes(hint);
  bytes.resize(hint > 0 ? std::fread(bytes.data(), 1, hint, file.get()) : 0);
  uint8_t chunk[1 << 16];
  for (;;) {
    const size_t got = std::fread(chunk, 1, sizeof(chunk), file.get());
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof(chunk)) break;
  }
  if (std::ferror(file.get())) throw NpyError(path + ": read error: " + errno_text(errno));
  // Parse in place and keep the buffer: a large tensor is not copied a second time.
  NpyArray array;
  const size_t offset = parse_npy_header(bytes, bytes.size(), path, &array);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
  array.data = std::move(bytes);
  return array;
}

NpyArray read_npy_header(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw NpyError(path + ": cannot open: " + errno_text(errno));
  long size = -1;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) size = std::ftell(file.get());
  if (size < 0) {  // not seekable (a pipe): read it all
    file.reset();
    NpyArray array = read_npy(path);
    array.data.clear();
    array.data.shrink_to_fit();
    return array;
  }
  std::rewind(file.get());
  auto read_head = [&](size_t n) {
    std::vector<uint8_t> head(n);
    head.resize(std::fread(head.data(), 1, n, file.get()));
    if (std::ferror(file.get())) throw NpyError(path + ": read error: " + errno_text(errno));
    return head;
  };
  std::vector<uint8_t> head = read_head(std::min<size_t>(12, static_cast<size_t>(size)));
  const auto [preamble, header_len] = npy_header_extent(head, path);
  if (header_len <= static_cast<uint64_t>(size) - std::min<uint64_t>(preamble, static_cast<uint64_t>(size))) {
    std::rewind(file.get());
    head = read_head(preamble + header_len);
  }
  NpyArray array;
  parse_npy_header(head, static_cast<uint64_t>(size), path, &array);
  return array;
}

std::vector<uint8_t> encode_npy(const NpyArray& array) {
  const char* descr = descr_of(array.dtype);
  uint64_t count = 0;
  const size_t esize = element_bytes(array.dtype);
  if (!checked_count(array.shape, &count) || count > std::numeric_limits<uint64_t>::max() / esize) {
    throw std::invalid_argument("encode_npy: element count of shape " + shape_repr(array.shape) +
                                " overflows");
  }
  if (count * esize != array.data.size()) {
    throw std::invalid_argument("encode_npy: shape " + shape_repr(array.shape) + " of " +
                                to_string(array.dtype) + " needs " + std::to_string(count * esize) +
                                " bytes but data has " + std::to_string(array.data.size()));
  }

  const std::string dict = std::string("{'descr': '") + descr +
                           "', 'fortran_order': False, 'shape': " + shape_repr(array.shape) + ", }";
  // Version 2.0 only when the 16-bit header length cannot hold the header, as numpy does.
  size_t preamble = 10;
  size_t total = (preamble + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;  // +1: terminating '\n'
  if (total - preamble > 0xFFFF) {
    preamble = 12;
    total = (preamble + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
  }
  const size_t header_len = total - preamble;

  // Sized once and filled in place: the header is spaces except for the parts written below.
  std::vector<uint8_t> out(total + array.data.size(), ' ');
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  out[6] = preamble == 10 ? 1 : 2;
  out[7] = 0;
  for (size_t i = 0; i < preamble - 8; ++i) out[8 + i] = static_cast<uint8_t>(header_len >> (8 * i));
  std::memcpy(out.data() + preamble, dict.data(), dict.size());
  out[total - 1] = '\n';
  if (!array.data.empty()) std::memcpy(out.data() + total, array.data.data(), array.data.size());
  return out;
}

void write_npy(const std::string& path, const NpyArray& array) {
  const std::vector<uint8_t> bytes = encode_npy(array);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw NpyError(path + ": cannot open for writing: " + errno_text(errno));
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), file);
  const int write_errno = errno;
  // fclose flushes, so its failure (e.g. disk full) is a write failure too.
  const bool close_failed = std::fclose(file) != 0;
  if (written != bytes.size()) throw NpyError(path + ": write failed: " + errno_text(write_errno));
  if (close_failed) throw NpyError(path + ": write failed: " + errno_text(errno));
}

}  // namespace cdma::tensor
