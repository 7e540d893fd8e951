// prepare(): fills a generic payload for a plain transfer (no byte enables; streaming width = length) and
// marks it incomplete, the state TLM requires before a transport call. Pool: objects reused across
// transactions.
#pragma once

#include <tlm>

#include <memory>
#include <vector>

namespace cdma::tlmx {

inline void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                    unsigned length) {
  t.set_command(cmd);
  t.set_address(address);
  t.set_data_ptr(data);
  t.set_data_length(length);
  t.set_streaming_width(length);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);  // a pooled payload may carry a previous target's hint
  t.set_gp_option(tlm::TLM_MIN_PAYLOAD);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// Objects reused across transactions instead of built per transaction: a generic payload allocates its
// extension array when constructed, a chunk buffer its bytes, each a cost paid several times per chunk
// otherwise. Transactions can interleave (a thread waits inside a transport in AT mode), so every lease has
// its own object, which goes back to the pool when the lease ends.
template <typename T>
class Pool {
 public:
  class Lease {
   public:
    explicit Lease(Pool& pool) : pool_(pool) {
      if (pool_.free_.empty()) {
        object_ = std::make_unique<T>();
      } else {
        object_ = std::move(pool_.free_.back());
        pool_.free_.pop_back();
      }
    }
    ~Lease() { pool_.free_.push_back(std::move(object_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    T& operator*() { return *object_; }

   private:
    Pool& pool_;
    std::unique_ptr<T> object_;
  };

 private:
  std::vector<std::unique_ptr<T>> free_;
};

using PayloadPool = Pool<tlm::tlm_generic_payload>;

}  // namespace cdma::tlmx
