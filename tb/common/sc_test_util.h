// Helpers for tests of SystemC modules. SystemC allows one elaboration per process, so every test body that
// builds modules runs in a forked child; the parent fails the test if the child's assertions failed or it
// died.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemc>
#include <tlm>

#include <cstdio>
#include <functional>
#include <ostream>

#include "dma/chunk_extension.h"
#include "tlm/initiator_port.h"
#include "tlm/payload.h"
#include "tlm/payload_pool.h"

namespace cdma::tlmx {
// Found by argument-dependent lookup: gtest names a parameterised mode "at"/"lt" instead of printing its
// bytes.
inline void PrintTo(TimingMode m, std::ostream* os) {
  *os << to_string(m);
}
}  // namespace cdma::tlmx

namespace cdma::test {

inline void in_child(const std::function<void()>& body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "exception: " << e.what();
    }
    std::fflush(nullptr);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "child died with signal " << WTERMSIG(status);
  ASSERT_EQ(WEXITSTATUS(status), 0) << "assertions failed in the child process (see above)";
}

// Drives transactions from an SC_THREAD through an InitiatorPort; in LT mode it waits out each annotated
// delay so that sc_time_stamp() is the completion time in both modes.
class Driver : public sc_core::sc_module {
 public:
  tlmx::InitiatorPort port;

  Driver(const sc_core::sc_module_name& name, tlmx::TimingMode mode, std::function<void(Driver&)> body)
      : sc_module(name), port("port", mode), body_(std::move(body)) {
    SC_HAS_PROCESS(Driver);
    SC_THREAD(run);
  }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                                  dma::ChunkExtension* ext = nullptr) {
    tlmx::PayloadPool::Lease lease(payloads_);
    tlm::tlm_generic_payload& t = *lease;
    tlmx::prepare(t, cmd, addr, data, len);
    if (ext) t.set_extension(ext);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    port.transport(t, delay);
    if (ext) t.clear_extension(ext);
    wait(delay);
    return t.get_response_status();
  }

  // Payloads with a memory manager, for tests that fill in their own attributes.
  tlmx::PayloadPool& payloads() { return payloads_; }

 private:
  tlmx::PayloadPool payloads_;
  void run() { body_(*this); }
  std::function<void(Driver&)> body_;
};

inline double now_ns() {
  return sc_core::sc_time_stamp().to_seconds() * 1e9;
}

}  // namespace cdma::test
