// TLM-2.0 base protocol: the payload memory manager, the checker (it catches each rule it names when broken
// on purpose, and sees none on our ports), the target port's own answers (byte enables, streaming width,
// IGNORE), timing annotation on BEGIN_REQ, END_RESP, and debug transport through the SoC.
#include <gtest/gtest.h>

#include <functional>

#include "common/sc_test_util.h"
#include "config/platform_config_json.h"
#include "soc/cdma_soc.h"
#include "tlm/protocol_checker.h"
#include "tlm/target_port.h"

namespace cdma {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using test::in_child;
using test::now_ns;
using tlmx::TimingMode;

void quiet() {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
}

// ---- Memory manager ----

// A payload comes back to the pool only on its last release: a target that acquires it keeps it.
TEST(PayloadPool, APayloadReturnsOnItsLastRelease) {
  tlmx::PayloadPool pool;
  tlm::tlm_generic_payload* kept = nullptr;
  {
    tlmx::PayloadPool::Lease lease(pool);
    kept = &*lease;
    EXPECT_TRUE(kept->has_mm());
    EXPECT_EQ(kept->get_ref_count(), 1);
    kept->acquire();  // as a target keeping it past the call
  }
  EXPECT_EQ(pool.allocated(), 1u);
  EXPECT_EQ(pool.available(), 0u);  // still held
  {
    tlmx::PayloadPool::Lease other(pool);
    EXPECT_NE(&*other, kept);  // a second payload, not the held one
  }
  EXPECT_EQ(pool.allocated(), 2u);
  kept->release();
  EXPECT_EQ(pool.available(), 2u);
  tlmx::PayloadPool::Lease again(pool);
  EXPECT_EQ(pool.allocated(), 2u);  // reused
}

// ---- A raw initiator and a raw target, to break rules on purpose ----

// Sends the payloads `setup` prepares through nb_transport_fw from a thread; answers backward calls with
// `bw` (default: complete the response).
struct RawInitiator : sc_core::sc_module, tlm::tlm_bw_transport_if<> {
  tlm::tlm_initiator_socket<> socket;
  std::function<void(RawInitiator&)> body;
  std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&)> bw;
  tlmx::PayloadPool pool;
  std::vector<double> responses;  // when each BEGIN_RESP arrived, ns
  const tlmx::ProtocolChecker* checker = nullptr;
  std::string checker_last() const { return checker ? checker->protocol().last_violation : ""; }
  RawInitiator(const sc_core::sc_module_name& n, std::function<void(RawInitiator&)> b)
      : sc_module(n), socket("socket"), body(std::move(b)) {
    socket.bind(*this);
    SC_HAS_PROCESS(RawInitiator);
    SC_THREAD(run);
  }
  void run() { body(*this); }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time& d) override {
    if (ph == tlm::BEGIN_RESP) responses.push_back(now_ns() + d.to_seconds() * 1e9);
    if (bw) return bw(t, ph, d);
    return tlm::TLM_COMPLETED;
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
  uint8_t data[16] = {};
};

void read_request(tlm::tlm_generic_payload& t, uint8_t* data, unsigned len = 4) {
  tlmx::prepare(t, tlm::TLM_READ_COMMAND, 0, data, len);
}

// A target whose forward answers `fw` decides (default: accept and respond after 10 ns from a thread).
struct RawTarget : sc_core::sc_module, tlm::tlm_fw_transport_if<> {
  tlm::tlm_target_socket<> socket;
  std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&)> fw;
  std::function<void(tlm::tlm_generic_payload&, sc_time&)> blocking;
  explicit RawTarget(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.bind(*this);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& d) override {
    if (blocking) {
      blocking(t, d);
    } else {
      t.set_response_status(tlm::TLM_OK_RESPONSE);
    }
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time& d) override {
    return fw(t, ph, d);
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
  unsigned transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
};

// Runs `body` from a raw initiator through a checker into `target`'s socket; returns the checker's counts.
template <typename Target>
tlmx::ProtocolCounters check(Target& target, std::function<void(RawInitiator&)> body,
                             std::function<void(RawInitiator&)> configure = {}) {
  RawInitiator init("init", std::move(body));
  if (configure) configure(init);
  tlmx::ProtocolChecker checker("checker");
  init.checker = &checker;
  init.socket.bind(checker.target);
  checker.initiator.bind(target.socket);
  sc_core::sc_start();
  return checker.protocol();
}

// A target that answers BEGIN_REQ with BEGIN_RESP at once, carrying `status`, after `mutate` ran.
tlm::tlm_sync_enum respond_now(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph,
                               tlm::tlm_response_status status,
                               const std::function<void(tlm::tlm_generic_payload&)>& mutate = {}) {
  if (ph != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;
  if (mutate) mutate(t);
  t.set_response_status(status);
  ph = tlm::BEGIN_RESP;
  return tlm::TLM_UPDATED;
}

void send(RawInitiator& i, tlm::tlm_generic_payload& t, sc_time d = SC_ZERO_TIME) {
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  if (i.socket->nb_transport_fw(t, ph, d) == tlm::TLM_UPDATED && ph == tlm::BEGIN_RESP) {
    tlm::tlm_phase end = tlm::END_RESP;
    sc_time z = SC_ZERO_TIME;
    i.socket->nb_transport_fw(t, end, z);
  }
}

TEST(ProtocolChecker, ACorrectExchangeHasNoViolation) {
  in_child([] {
    RawTarget target("target");
    target.fw = [](tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time&) {
      return respond_now(t, ph, tlm::TLM_OK_RESPONSE);
    };
    const auto c = check(target, [](RawInitiator& i) {
      tlmx::PayloadPool::Lease lease(i.pool);
      read_request(*lease, i.data);
      send(i, *lease);
      EXPECT_EQ(lease->get_ref_count(), 1) << "the checker released what it acquired";
    });
    EXPECT_EQ(c.violations, 0u) << c.last_violation;
    EXPECT_EQ(c.transactions, 1u);
  });
}

// Each rule broken on purpose is reported, naming it.
struct Breach {
  const char* name;
  const char* expect;  // part of the violation message
  std::function<void(RawInitiator&)> body;
  std::function<void(tlm::tlm_generic_payload&)> target_mutation;
  tlm::tlm_response_status target_status;
};

// gtest prints a parameter it cannot format as raw bytes; the rule's name says it.
void PrintTo(const Breach& b, std::ostream* os) {
  *os << b.name;
}

class CheckerCatches : public ::testing::TestWithParam<Breach> {};

TEST_P(CheckerCatches, TheBrokenRule) {
  const Breach b = GetParam();
  in_child([b] {
    quiet();
    RawTarget target("target");
    target.fw = [b](tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time&) {
      return respond_now(t, ph, b.target_status, b.target_mutation);
    };
    const auto c = check(target, b.body);
    EXPECT_GE(c.violations, 1u) << b.name;
    EXPECT_NE(c.last_violation.find(b.expect), std::string::npos) << b.name << ": " << c.last_violation;
  });
}

void one_leased_read(RawInitiator& i) {
  tlmx::PayloadPool::Lease lease(i.pool);
  read_request(*lease, i.data);
  send(i, *lease);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, CheckerCatches,
    ::testing::Values(Breach{"no_memory_manager",
                             "memory manager",
                             [](RawInitiator& i) {
                               tlm::tlm_generic_payload t;  // on the stack, no tlm_mm
                               read_request(t, i.data);
                               send(i, t);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"reference_count_zero",
                             "reference count",
                             [](RawInitiator& i) {
                               tlm::tlm_generic_payload t(&i.pool);  // a manager, but never acquired
                               read_request(t, i.data);
                               send(i, t);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"zero_length",
                             "data_length 0",
                             [](RawInitiator& i) {
                               tlmx::PayloadPool::Lease lease(i.pool);
                               read_request(*lease, i.data, 0);
                               lease->set_streaming_width(4);
                               send(i, *lease);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"zero_streaming_width",
                             "streaming width 0",
                             [](RawInitiator& i) {
                               tlmx::PayloadPool::Lease lease(i.pool);
                               read_request(*lease, i.data);
                               lease->set_streaming_width(0);
                               send(i, *lease);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"status_not_incomplete",
                             "TLM_INCOMPLETE_RESPONSE",
                             [](RawInitiator& i) {
                               tlmx::PayloadPool::Lease lease(i.pool);
                               read_request(*lease, i.data);
                               lease->set_response_status(tlm::TLM_OK_RESPONSE);
                               send(i, *lease);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"response_incomplete",
                             "status TLM_INCOMPLETE_RESPONSE",
                             one_leased_read,
                             {},
                             tlm::TLM_INCOMPLETE_RESPONSE},
                      Breach{"length_changed", "data_length changed", one_leased_read,
                             [](tlm::tlm_generic_payload& t) { t.set_data_length(2); }, tlm::TLM_OK_RESPONSE},
                      Breach{"end_resp_twice",
                             "not in flight",
                             [](RawInitiator& i) {
                               tlmx::PayloadPool::Lease lease(i.pool);
                               read_request(*lease, i.data);
                               send(i, *lease);  // BEGIN_REQ, BEGIN_RESP returned, END_RESP
                               tlm::tlm_phase again = tlm::END_RESP;
                               sc_time d = SC_ZERO_TIME;
                               i.socket->nb_transport_fw(*lease, again, d);
                             },
                             {},
                             tlm::TLM_OK_RESPONSE},
                      Breach{"response_exclusion",
                             "response exclusion",
                             [](RawInitiator& i) {
                               tlmx::PayloadPool::Lease a(i.pool), b(i.pool);
                               read_request(*a, i.data);
                               read_request(*b, i.data);
                               tlm::tlm_phase pa = tlm::BEGIN_REQ, pb = tlm::BEGIN_REQ;
                               sc_time d = SC_ZERO_TIME;
                               i.socket->nb_transport_fw(*a, pa,
                                                         d);  // BEGIN_RESP returned, END_RESP never sent
                               i.socket->nb_transport_fw(*b, pb,
                                                         d);  // a second BEGIN_RESP while the first is open
                             },
                             {},
                             tlm::TLM_OK_RESPONSE}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProtocolChecker, CatchesRequestExclusionAndTimeTravel) {
  in_child([] {
    quiet();
    RawTarget target("target");
    target.fw = [](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) {
      return ph == tlm::BEGIN_REQ ? tlm::TLM_ACCEPTED : tlm::TLM_COMPLETED;
    };
    const auto c = check(target, [](RawInitiator& i) {
      tlmx::PayloadPool::Lease a(i.pool), b(i.pool);
      read_request(*a, i.data);
      read_request(*b, i.data);
      tlm::tlm_phase p = tlm::BEGIN_REQ;
      sc_time d = SC_ZERO_TIME;
      i.socket->nb_transport_fw(*a, p, d);  // accepted, END_REQ pending
      p = tlm::BEGIN_REQ;
      i.socket->nb_transport_fw(*b, p, d);
      EXPECT_NE(i.checker_last().find("request exclusion"), std::string::npos) << i.checker_last();
      p = tlm::END_RESP;
      i.socket->nb_transport_fw(*a, p, d);
    });
    EXPECT_NE(c.last_violation.find("END_RESP before BEGIN_RESP"), std::string::npos) << c.last_violation;
  });
  in_child([] {
    quiet();
    RawTarget target("target");
    target.blocking = [](tlm::tlm_generic_payload& t, sc_time& d) {
      d = SC_ZERO_TIME;  // gives back less delay than it got
      t.set_response_status(tlm::TLM_OK_RESPONSE);
    };
    const auto c = check(target, [](RawInitiator& i) {
      tlmx::PayloadPool::Lease a(i.pool);
      read_request(*a, i.data);
      sc_time d(50, SC_NS);
      i.socket->b_transport(*a, d);
    });
    EXPECT_NE(c.last_violation.find("smaller delay"), std::string::npos) << c.last_violation;
  });
}

// ---- Our ports ----

// A TargetPort serving 100 ns per request behind a checker, driven by an InitiatorPort in either mode, with
// byte enables, a short streaming width, no data and IGNORE on top of plain reads: the port answers each
// itself (no time, the handler never sees them), and the checker sees no violation.
class Ports : public ::testing::TestWithParam<TimingMode> {};

TEST_P(Ports, RefuseWhatNoModuleImplementsWithoutTimeAndBreakNoRule) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    unsigned handled = 0;
    tlmx::TargetPort port("target", mode, 2, [&](tlm::tlm_generic_payload& t, sc_time& d) {
      ++handled;
      d += sc_time(100, SC_NS);
      t.set_response_status(tlm::TLM_OK_RESPONSE);
    });
    tlmx::ProtocolChecker checker("checker");
    struct Result {
      tlm::tlm_response_status status;
      double ns;
    };
    std::vector<Result> results;
    test::Driver drv("drv", mode, [&](test::Driver& d) {
      uint8_t data[8] = {};
      uint8_t be[8] = {0xff};
      auto go = [&](const std::function<void(tlm::tlm_generic_payload&)>& shape) {
        tlmx::PayloadPool::Lease lease(d.payloads());
        tlmx::prepare(*lease, tlm::TLM_READ_COMMAND, 0, data, 8);
        shape(*lease);
        const double t0 = now_ns();
        sc_time delay = SC_ZERO_TIME;
        d.port.transport(*lease, delay);
        wait(delay);
        results.push_back(Result{lease->get_response_status(), now_ns() - t0});
      };
      go([](tlm::tlm_generic_payload&) {});
      go([&](tlm::tlm_generic_payload& t) {
        t.set_byte_enable_ptr(be);
        t.set_byte_enable_length(8);
      });
      go([](tlm::tlm_generic_payload& t) { t.set_streaming_width(4); });
      go([](tlm::tlm_generic_payload& t) { t.set_data_ptr(nullptr); });
      go([](tlm::tlm_generic_payload& t) { t.set_command(tlm::TLM_IGNORE_COMMAND); });
    });
    drv.port.socket.bind(checker.target);
    checker.initiator.bind(port.socket);
    quiet();  // the no-data request is an initiator's violation the checker must report, not abort on
    sc_core::sc_start();
    ASSERT_EQ(results.size(), 5u);
    EXPECT_EQ(results[0].status, tlm::TLM_OK_RESPONSE);
    EXPECT_NEAR(results[0].ns, 100, 0.01);
    EXPECT_EQ(results[1].status, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    EXPECT_EQ(results[2].status, tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(results[3].status, tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(results[4].status, tlm::TLM_OK_RESPONSE);
    for (size_t i = 1; i < 5; ++i) EXPECT_EQ(results[i].ns, 0.0) << "request " << i << " was timed";
    EXPECT_EQ(handled, 1u);
    EXPECT_EQ(checker.protocol().violations, 1u) << checker.protocol().last_violation;  // the null data
    EXPECT_EQ(port.protocol().violations, 0u);
    EXPECT_EQ(drv.port.protocol().violations, 0u);
  });
}

INSTANTIATE_TEST_SUITE_P(Modes, Ports, ::testing::Values(TimingMode::kAt, TimingMode::kLt),
                         [](const auto& info) { return std::string(tlmx::to_string(info.param)); });

// A request annotated on BEGIN_REQ arrives then: with 100 ns annotated, a 100 ns target answers at 200 ns.
// The initiator port ends every response with END_RESP (TLM_UPDATED on the return path).
TEST(TargetPort, HonoursTheTimeAnnotatedOnBeginReq) {
  for (const double annotated : {0.0, 100.0}) {
    in_child([annotated] {
      tlmx::TargetPort port("target", TimingMode::kAt, 4, [](tlm::tlm_generic_payload& t, sc_time& d) {
        d += sc_time(100, SC_NS);
        t.set_response_status(tlm::TLM_OK_RESPONSE);
      });
      tlm::tlm_sync_enum answer = tlm::TLM_ACCEPTED;
      RawInitiator init("init", [annotated](RawInitiator& i) {
        tlmx::PayloadPool::Lease lease(i.pool);
        read_request(*lease, i.data);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_time d(annotated, SC_NS);
        EXPECT_EQ(i.socket->nb_transport_fw(*lease, ph, d), tlm::TLM_UPDATED);
        EXPECT_EQ(ph, tlm::END_REQ);
        wait(1, sc_core::SC_US);
      });
      init.bw = [&answer](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) {
        ph = tlm::END_RESP;
        answer = tlm::TLM_UPDATED;
        return tlm::TLM_UPDATED;
      };
      init.socket.bind(port.socket);
      sc_core::sc_start();
      ASSERT_EQ(init.responses.size(), 1u);
      EXPECT_NEAR(init.responses[0], annotated + 100, 0.01);
      EXPECT_EQ(port.protocol().violations, 0u) << port.protocol().last_violation;
    });
  }
  // Our InitiatorPort answers BEGIN_RESP with END_RESP.
  in_child([] {
    RawTarget target("target");
    tlm::tlm_sync_enum answered = tlm::TLM_ACCEPTED;
    tlm::tlm_phase answered_phase = tlm::UNINITIALIZED_PHASE;
    struct Responder : sc_core::sc_module {
      RawTarget& t;
      tlm::tlm_generic_payload* pending = nullptr;
      sc_core::sc_event go;
      std::function<void()> respond;
      Responder(const sc_core::sc_module_name& n, RawTarget& tg) : sc_module(n), t(tg) {
        SC_HAS_PROCESS(Responder);
        SC_THREAD(run);
      }
      void run() {
        wait(go);
        wait(10, SC_NS);
        respond();
      }
    } responder("responder", target);
    target.fw = [&](tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time&) {
      if (ph == tlm::BEGIN_REQ) {
        responder.pending = &t;
        responder.go.notify();
        ph = tlm::END_REQ;
        return tlm::TLM_UPDATED;
      }
      return tlm::TLM_COMPLETED;
    };
    responder.respond = [&] {
      responder.pending->set_response_status(tlm::TLM_OK_RESPONSE);
      tlm::tlm_phase ph = tlm::BEGIN_RESP;
      sc_time d = SC_ZERO_TIME;
      answered = target.socket->nb_transport_bw(*responder.pending, ph, d);
      answered_phase = ph;
    };
    test::Driver drv("drv", TimingMode::kAt, [](test::Driver& d) {
      uint8_t x[4] = {};
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0, x, 4), tlm::TLM_OK_RESPONSE);
      EXPECT_NEAR(now_ns(), 10, 0.01);
    });
    drv.port.socket.bind(target.socket);
    sc_core::sc_start();
    EXPECT_EQ(answered, tlm::TLM_UPDATED);
    EXPECT_EQ(answered_phase, tlm::END_RESP);
  });
}

// ---- The SoC ----

config::PlatformConfig titan_x(const char* mode, bool checks) {
  return config::load_platform(std::string(CDMA_PLATFORMS_DIR) + "/titan-x.json",
                               {std::string("simulation.mode=\"") + mode + "\"",
                                std::string("simulation.protocol_checks=") + (checks ? "true" : "false")});
}

// transport_dbg reaches GPU memory through crossbar and compression unit (as stored, no codec) and host
// memory through PCIe, without simulated time; a debug access stops at the end of its interleave granule.
TEST(Soc, DebugTransportReadsAndWritesMemoryWithoutTime) {
  for (const char* mode : {"at", "lt"}) {
    in_child([mode] {
      platform::CdmaSoc soc("soc", titan_x(mode, true));
      const uint64_t granule = soc.config().gpu.dram.interleave_bytes;
      codec::Bytes bytes(256);
      for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 3 + 1);
      soc.gpu_memory().write(5 * granule + 64, bytes);
      soc.host_memory().write(4096, bytes);
      auto debug = [](tlmx::InitiatorPort& port, tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                      unsigned n) {
        tlmx::PayloadPool pool;
        tlmx::PayloadPool::Lease lease(pool);
        tlmx::prepare(*lease, cmd, addr, data, n);
        return port.debug(*lease);
      };
      codec::Bytes got(256);
      EXPECT_EQ(debug(soc.engine().gpu, tlm::TLM_READ_COMMAND, 5 * granule + 64, got.data(), 256), 256u);
      EXPECT_EQ(got, bytes);
      EXPECT_EQ(debug(soc.engine().host, tlm::TLM_READ_COMMAND, 4096, got.data(), 256), 256u);
      EXPECT_EQ(got, bytes);
      codec::Bytes w(100, 0xA5);
      EXPECT_EQ(debug(soc.engine().gpu, tlm::TLM_WRITE_COMMAND, 7 * granule, w.data(), 100), 100u);
      EXPECT_EQ(soc.gpu_memory().read(7 * granule, 100), w);
      EXPECT_EQ(debug(soc.engine().buffer, tlm::TLM_WRITE_COMMAND, 8192, w.data(), 100), 100u);
      EXPECT_EQ(soc.host_memory().read(8192, 100), w);
      // Across a granule: only the bytes up to its end (the next ones live in another channel).
      codec::Bytes across(64);
      EXPECT_EQ(debug(soc.engine().gpu, tlm::TLM_READ_COMMAND, 2 * granule - 16, across.data(), 64), 16u);
      EXPECT_EQ(
          debug(soc.engine().gpu, tlm::TLM_READ_COMMAND, soc.address_map().capacity(), across.data(), 64),
          0u);
      EXPECT_EQ(sc_core::sc_time_stamp(), SC_ZERO_TIME);
      EXPECT_EQ(soc.protocol_violations(), 0u);
      EXPECT_EQ(soc.protocol_checkers(), 2 * soc.config().gpu.dram.channels + 5);
    });
  }
}

}  // namespace
}  // namespace cdma
