// Result of decoding untrusted input. Decoders never throw on bad data: they return a Status.
#pragma once

#include <cstddef>
#include <string>

namespace cdma::codec {

enum class StatusCode {
  kOk,
  kTruncated,     // the input ends before the data it announces
  kTrailingData,  // bytes left over after the announced data
  kCorrupt,       // the input is structurally invalid (bad header, bad mask bits, bad token)
  kChecksum,      // a checksum does not match
  kSizeMismatch,  // the data decodes to a different size than expected
  kUnsupported,   // a valid header asks for something this build does not support
};

const char* to_string(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, size_t offset, std::string message)
      : code_(code), offset_(offset), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  // Byte offset in the compressed input where the problem was found.
  size_t offset() const { return offset_; }
  const std::string& message() const { return message_; }
  // "<code> at byte <offset>: <message>"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  size_t offset_ = 0;
  std::string message_;
};

}  // namespace cdma::codec
