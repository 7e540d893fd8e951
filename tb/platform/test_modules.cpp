// Unit tests of each platform module against its closed-form timing, its bytes and its error responses, in
// both timing modes where the mode matters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "codec/zv_codec.h"
#include "common/sc_test_util.h"
#include "compression/compression_unit.h"
#include "config/platform_config.h"
#include "dma/aggregation_buffer.h"
#include "dma/host_layout.h"
#include "interconnect/crossbar.h"
#include "interconnect/pcie_link.h"
#include "memory/address_map.h"
#include "memory/cpu_dram.h"
#include "memory/gpu_memory_controller.h"
#include "tensor/activation_generator.h"
#include "tlm/target_port.h"
#include "tlm/time_scale.h"

namespace cdma {
namespace {

using test::Driver;
using test::in_child;
using test::now_ns;
using tlmx::TimingMode;

class ModeTest : public ::testing::TestWithParam<TimingMode> {};

TEST(BandwidthResource, ReservationsBackfillIdleGapsInAnyOrder) {
  using sc_core::SC_NS;
  using sc_core::sc_time;
  tlmx::BandwidthResource r("r", 1.0);  // 1 GB/s: 1 byte per ns
  EXPECT_EQ(r.reserve(sc_time(100, SC_NS), 100), sc_time(200, SC_NS));
  // A request that is behind in time (LT) still uses the idle time before the first reservation...
  EXPECT_EQ(r.reserve(sc_time(0, SC_NS), 50), sc_time(50, SC_NS));
  // ...but not a gap too short for it: 60..100 holds 40 ns, so 50 ns goes after 200.
  EXPECT_EQ(r.reserve(sc_time(60, SC_NS), 50), sc_time(250, SC_NS));
  EXPECT_EQ(r.reserve(sc_time(50, SC_NS), 50), sc_time(100, SC_NS));  // exactly fills 50..100
  EXPECT_EQ(r.busy_time(), sc_time(250, SC_NS));
  EXPECT_EQ(r.bytes(), 250u);
  // A path needs all of its resources idle at once.
  tlmx::BandwidthResource a("a", 1.0), b("b", 2.0);
  a.reserve(sc_time(0, SC_NS), 100);    // a busy 0..100
  b.reserve(sc_time(100, SC_NS), 200);  // b busy 100..200
  EXPECT_EQ(tlmx::BandwidthResource::reserve_path({&a, &b}, sc_time(0, SC_NS), 50), sc_time(250, SC_NS));
}

TEST(TimeScale, GivesSystemCsOwnRounding) {
  std::mt19937_64 rng(3);
  for (auto unit : {sc_core::SC_PS, sc_core::SC_NS, sc_core::SC_US}) {
    const tlmx::TimeScale scale(unit);
    for (int i = 0; i < 100000; ++i) {
      const double v = std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(20 + rng() % 40));
      ASSERT_EQ(scale(v), sc_core::sc_time(v, unit)) << v;
    }
    EXPECT_EQ(scale(0), sc_core::SC_ZERO_TIME);
    EXPECT_EQ(scale(0.4999), sc_core::sc_time(0.4999, unit));
  }
}

TEST(AddressMap, InterleavesGranulesAcrossChannels) {
  const memory::AddressMap map(6, 4096, 6 * 4096 * 100);
  EXPECT_EQ(map.decode(0).channel, 0u);
  EXPECT_EQ(map.decode(4096).channel, 1u);
  EXPECT_EQ(map.decode(6 * 4096 + 5).channel, 0u);
  EXPECT_EQ(map.decode(6 * 4096 + 5).local, 4096u + 5);
  for (uint64_t a : {0ull, 123ull, 4096ull * 7 + 9, 6ull * 4096 * 99 + 4095})
    EXPECT_EQ(map.encode(map.decode(a)), a);
  EXPECT_THROW(memory::AddressMap(6, 4096, 4096 * 7), std::invalid_argument);
}

// Chunks are chunk_bytes long, cut at every granule boundary, and cover the transfer exactly.
TEST(PlanChunks, CutsAtGranuleBoundariesAndCoversTheTransfer) {
  using V = std::vector<uint32_t>;
  EXPECT_EQ(dma::plan_chunks(10000, 4096, 4096), (V{4096, 4096, 1808}));
  EXPECT_EQ(dma::plan_chunks(10000, 3000, 4096), (V{3000, 1096, 3000, 1096, 1808}));
  EXPECT_EQ(dma::plan_chunks(8192, 8192, 4096), (V{4096, 4096}));
  EXPECT_EQ(dma::plan_chunks(0, 4096, 4096), V{});
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    const uint64_t bytes = rng() % 100000, granule = 64 << (rng() % 8);
    const auto chunk = static_cast<uint32_t>(1 + rng() % 9000);
    uint64_t off = 0;
    for (uint32_t n : dma::plan_chunks(bytes, chunk, granule)) {
      ASSERT_GT(n, 0u);
      ASSERT_LE(n, chunk);
      ASSERT_LE(off % granule + n, granule) << "chunk crosses a granule";
      // Only a granule's end or the transfer's end cuts a chunk short.
      if (n < chunk) {
        ASSERT_TRUE((off + n) % granule == 0 || off + n == bytes);
      }
      off += n;
    }
    ASSERT_EQ(off, bytes);
  }
}

TEST_P(ModeTest, MemoryControllerTimingBytesAndErrors) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    config::GpuDramConfig cfg;  // 6 x 56.08 GB/s, 100 ns
    const memory::AddressMap map(cfg.channels, cfg.interleave_bytes, cfg.capacity_bytes);
    memory::GpuMemoryController mc("mc1", 1, cfg, map, mode, 4);
    Driver drv("drv", mode, [&](Driver& d) {
      std::vector<uint8_t> w(4096), r(4096);
      for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(i * 7);
      const double t0 = now_ns();
      EXPECT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 4096, w.data(), 4096), tlm::TLM_OK_RESPONSE);
      EXPECT_NEAR(now_ns() - t0, 4096 / cfg.channel_bandwidth_gbps() + cfg.latency_ns, 0.01);
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 4096, r.data(), 4096), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(r, w);
      // Address 0 belongs to channel 0, 8190 + 4 crosses the granule, and byte enables are not supported.
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0, r.data(), 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 8190, r.data(), 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, cfg.capacity_bytes + 4096, r.data(), 4),
                tlm::TLM_ADDRESS_ERROR_RESPONSE);
    });
    drv.port.socket.bind(mc.port.socket);
    sc_core::sc_start();
    EXPECT_EQ(mc.port.protocol().violations, 0u);
  });
}

TEST_P(ModeTest, PcieWriteAndReadFollowTheLinkModel) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    config::PcieConfig pc;  // gen3 x16, MPS 256
    config::HostDramConfig hc;
    interconnect::PcieLink link("pcie", pc, mode, 4, 4);
    memory::CpuDram host("host", hc, mode, 4);
    link.host.socket.bind(host.port.socket);
    Driver drv("drv", mode, [&](Driver& d) {
      std::vector<uint8_t> w(4096, 0x5A), r(4096);
      double t0 = now_ns();
      ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 1 << 20, w.data(), 4096), tlm::TLM_OK_RESPONSE);
      const double dram = 4096 / hc.bandwidth_gbps + hc.latency_ns;
      EXPECT_NEAR(now_ns() - t0, pc.transfer_ns(0, 4096) + pc.latency_ns + dram, 0.01);
      t0 = now_ns();
      ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, 1 << 20, r.data(), 4096), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(r, w);
      const double request = 16 * pc.tlp_overhead_bytes / pc.raw_gbps() / (1 - pc.dllp_overhead);
      EXPECT_NEAR(now_ns() - t0, request + 2 * pc.latency_ns + dram + pc.transfer_ns(0, 4096), 0.01);
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, hc.capacity_bytes, r.data(), 16),
                tlm::TLM_ADDRESS_ERROR_RESPONSE);
    });
    drv.port.socket.bind(link.from_engine.socket);
    Driver idle("idle", mode, [](Driver&) {});
    idle.port.socket.bind(link.from_buffer.socket);
    sc_core::sc_start();
  });
}

TEST_P(ModeTest, CompressionUnitProducesGoldenBytesAndRestoresThem) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    config::GpuDramConfig dc;
    config::CompressionUnitConfig cc;
    const memory::AddressMap map(dc.channels, dc.interleave_bytes, dc.capacity_bytes);
    memory::GpuMemoryController mc("mc0", 0, dc, map, mode, 4);
    compression::CompressionUnit cu("cu0", cc, mode, 4);
    cu.memory.socket.bind(mc.port.socket);
    tensor::ActivationSpec spec;
    spec.density = 0.3;
    const codec::Bytes raw = tensor::generate_activations(spec, 1024);
    mc.device().store().write(0, raw.data(), raw.size());
    Driver drv("drv", mode, [&](Driver& d) {
      const codec::ZvCodec zv(codec::ElementWidth::k32);
      codec::Bytes buf(zv.max_compressed_size(raw.size()));
      dma::ChunkExtension ext;
      ext.op = dma::ChunkExtension::Op::kCompressRead;
      ext.original_bytes = static_cast<uint32_t>(raw.size());
      ext.capacity = static_cast<uint32_t>(buf.size());
      const double t0 = now_ns();
      // A compressing read is a plain read of the chunk; the buffer behind it holds the codec's worst case.
      ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, 0, buf.data(), static_cast<unsigned>(raw.size()), &ext),
                tlm::TLM_OK_RESPONSE);
      const double expected = 4096 / dc.channel_bandwidth_gbps() + dc.latency_ns +
                              4096 / cc.throughput_gbps(codec::Algorithm::kZv) +
                              cc.pipeline_cycles / cc.clock_ghz;
      EXPECT_NEAR(now_ns() - t0, expected, 0.01);
      const codec::Bytes golden = zv.compress(raw);
      ASSERT_EQ(ext.compressed_bytes, golden.size());
      EXPECT_FALSE(ext.raw);
      EXPECT_TRUE(std::equal(golden.begin(), golden.end(), buf.begin()));
      // Prefetch direction: expand into channel 0's next granule.
      dma::ChunkExtension back;
      back.op = dma::ChunkExtension::Op::kDecompressWrite;
      back.original_bytes = static_cast<uint32_t>(raw.size());
      ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 6 * 4096, buf.data(), ext.compressed_bytes, &back),
                tlm::TLM_OK_RESPONSE);
      codec::Bytes restored(raw.size());
      mc.device().store().read(4096, restored.data(), restored.size());
      EXPECT_EQ(restored, raw);
      // A corrupt stream is refused, not written.
      buf[0] ^= 0xFF;
      EXPECT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 12 * 4096, buf.data(), ext.compressed_bytes - 1, &back),
                tlm::TLM_GENERIC_ERROR_RESPONSE);
      // Raw bypass: a dense chunk that ZV would grow by 1/32 leaves raw, flagged, and comes back as it was.
      codec::Bytes dense(4096);
      for (size_t k = 0; k < dense.size(); ++k) dense[k] = static_cast<uint8_t>(k * 7 + 1);
      mc.device().store().write(4096, dense.data(), dense.size());  // channel 0's local 4096 = GPU 6 * 4096
      dma::ChunkExtension dense_ext = ext;
      ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, 6 * 4096, buf.data(), 4096, &dense_ext),
                tlm::TLM_OK_RESPONSE);
      EXPECT_TRUE(dense_ext.raw);
      EXPECT_EQ(dense_ext.compressed_bytes, 4096u);
      EXPECT_TRUE(std::equal(dense.begin(), dense.end(), buf.begin()));
      dma::ChunkExtension raw_back = back;
      raw_back.compressed_bytes = 4096;
      raw_back.raw = true;
      ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 18 * 4096, buf.data(), 4096, &raw_back),
                tlm::TLM_OK_RESPONSE);
      mc.device().store().read(3 * 4096, restored.data(), restored.size());
      EXPECT_EQ(restored, dense);
    });
    drv.port.socket.bind(cu.port.socket);
    sc_core::sc_start();
  });
}

TEST_P(ModeTest, CrossbarRoutesByAddressAndCarriesCompressedBytes) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    config::GpuDramConfig dc;
    config::CompressionUnitConfig cc;
    config::CrossbarConfig xc;
    const memory::AddressMap map(dc.channels, dc.interleave_bytes, dc.capacity_bytes);
    interconnect::Crossbar xbar("xbar", xc, map, mode, 4);
    std::vector<std::unique_ptr<memory::GpuMemoryController>> mcs;
    std::vector<std::unique_ptr<compression::CompressionUnit>> cus;
    for (uint32_t i = 0; i < dc.channels; ++i) {
      mcs.push_back(std::make_unique<memory::GpuMemoryController>(("mc" + std::to_string(i)).c_str(), i, dc,
                                                                  map, mode, 4));
      cus.push_back(
          std::make_unique<compression::CompressionUnit>(("cu" + std::to_string(i)).c_str(), cc, mode, 4));
      xbar.channels[i]->socket.bind(cus[i]->port.socket);
      cus[i]->memory.socket.bind(mcs[i]->port.socket);
    }
    Driver drv("drv", mode, [&](Driver& d) {
      std::vector<uint8_t> w(256, 0x11);
      for (uint64_t addr : {0ull, 4096ull * 3, 4096ull * 6 + 128, 4096ull * 11}) {
        ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, addr, w.data(), 256), tlm::TLM_OK_RESPONSE);
        const memory::ChannelAddress ca = map.decode(addr);
        uint8_t b = 0;
        mcs[ca.channel]->device().store().read(ca.local, &b, 1);
        EXPECT_EQ(b, 0x11) << "address " << addr << " did not land in channel " << ca.channel;
      }
      // An all-zero chunk compresses to masks only: only those bytes cross the DMA port.
      codec::Bytes buf(4096 + 4096 / 32);
      dma::ChunkExtension ext;
      ext.op = dma::ChunkExtension::Op::kCompressRead;
      ext.original_bytes = 4096;
      ext.capacity = static_cast<uint32_t>(buf.size());
      const uint64_t before = xbar.dma_port().bytes();
      ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, 4096 * 20, buf.data(), 4096, &ext), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(ext.compressed_bytes, 4096u / 32);
      EXPECT_EQ(xbar.dma_port().bytes() - before, 4096u / 32);
      EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, dc.capacity_bytes, buf.data(), 4),
                tlm::TLM_ADDRESS_ERROR_RESPONSE);
    });
    drv.port.socket.bind(xbar.dma.socket);
    sc_core::sc_start();
  });
}

TEST_P(ModeTest, AggregationBufferPushesBackWhenFullAndFenceWaitsForDrain) {
  const TimingMode mode = GetParam();
  in_child([mode] {
    config::PcieConfig pc;
    pc.lanes = 1;  // slow link: ~0.9 GB/s, so the 8 KiB buffer fills
    config::HostDramConfig hc;
    dma::AggregationBuffer buf("buffer", {8192, 4096, 4}, mode, 4);
    interconnect::PcieLink link("pcie", pc, mode, 4, 4);
    memory::CpuDram host("host", hc, mode, 4);
    buf.pcie.socket.bind(link.from_buffer.socket);
    link.host.socket.bind(host.port.socket);
    Driver idle("idle", mode, [](Driver&) {});
    idle.port.socket.bind(link.from_engine.socket);
    double accepted_third = 0, fenced = 0;
    Driver drv("drv", mode, [&](Driver& d) {
      std::vector<uint8_t> chunk(4096);
      for (int i = 0; i < 3; ++i) {
        std::fill(chunk.begin(), chunk.end(), static_cast<uint8_t>(i + 1));
        ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 4096 * i, chunk.data(), 4096), tlm::TLM_OK_RESPONSE);
      }
      accepted_third = now_ns();
      dma::ChunkExtension fence;
      fence.op = dma::ChunkExtension::Op::kFence;
      uint8_t none = 0;
      ASSERT_EQ(d.access(tlm::TLM_IGNORE_COMMAND, 0, &none, 1, &fence), tlm::TLM_OK_RESPONSE);
      fenced = now_ns();
    });
    drv.port.socket.bind(buf.input.socket);
    sc_core::sc_start();
    // Two chunks fill the buffer: the third is accepted only once the first has crossed the link.
    const double first_drained =
        pc.transfer_ns(0, 4096) + pc.latency_ns + 4096 / hc.bandwidth_gbps + hc.latency_ns;
    EXPECT_GE(accepted_third, first_drained - 0.01);
    EXPECT_GT(buf.statistics().to_json(sc_core::sc_time_stamp())["full_wait_s"].get<double>(), 0.0);
    // The fence returns when all three are in host memory: three link transfers back to back.
    EXPECT_GE(fenced, 3 * pc.transfer_ns(0, 4096) - 0.01);
    for (int i = 0; i < 3; ++i) {
      uint8_t b = 0;
      host.device().store().read(4096 * i + 100, &b, 1);
      EXPECT_EQ(b, i + 1);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Modes, ModeTest, ::testing::Values(TimingMode::kAt, TimingMode::kLt),
                         [](const auto& info) { return std::string(tlmx::to_string(info.param)); });

// A target that takes 100 ns per request, for port-level tests.
struct SlowTarget : sc_core::sc_module {
  tlmx::TargetPort port;
  SlowTarget(const sc_core::sc_module_name& n, unsigned depth)
      : sc_module(n),
        port("port", TimingMode::kAt, depth, [](tlm::tlm_generic_payload& t, sc_core::sc_time& d) {
          d += sc_core::sc_time(100, sc_core::SC_NS);
          t.set_response_status(tlm::TLM_OK_RESPONSE);
        }) {}
};

TEST(TargetPort, FullQueueWithholdsEndReq) {
  in_child([] {
    SlowTarget target("target", 1);
    std::vector<double> done;
    tlmx::InitiatorPort* shared = nullptr;
    struct TwoThreads : sc_core::sc_module {
      tlmx::InitiatorPort port;
      std::vector<double>& done;
      TwoThreads(const sc_core::sc_module_name& n, std::vector<double>& d)
          : sc_module(n), port("port", TimingMode::kAt), done(d) {
        SC_HAS_PROCESS(TwoThreads);
        SC_THREAD(a);
        SC_THREAD(a);
      }
      tlmx::PayloadPool pool;
      void a() {
        uint8_t x = 0;
        tlmx::PayloadPool::Lease lease(pool);
        tlm::tlm_generic_payload& t = *lease;
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        t.set_command(tlm::TLM_READ_COMMAND);
        t.set_data_ptr(&x);
        t.set_data_length(1);
        t.set_streaming_width(1);
        sc_core::sc_time z = sc_core::SC_ZERO_TIME;
        port.transport(t, z);
        done.push_back(now_ns());
      }
    } init("init", done);
    shared = &init.port;
    init.port.socket.bind(target.port.socket);
    sc_core::sc_start();
    ASSERT_EQ(done.size(), 2u);
    // Depth 1: the second request is accepted only when the first has been answered, so they serialise.
    EXPECT_NEAR(done[0], 100, 0.01);
    EXPECT_NEAR(done[1], 200, 0.01);
    EXPECT_NEAR(target.port.backpressure_time().to_seconds() * 1e9, 100, 0.01);
    EXPECT_GT(shared->request_wait().to_seconds(), 0);
    EXPECT_EQ(target.port.protocol().violations, 0u);
  });
}

// An initiator that breaks the request exclusion rule on a raw socket: the target must notice.
struct RuleBreaker : sc_core::sc_module, tlm::tlm_bw_transport_if<> {
  tlm::tlm_initiator_socket<> socket;
  explicit RuleBreaker(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.bind(*this);
    SC_HAS_PROCESS(RuleBreaker);
    SC_THREAD(run);
  }
  tlmx::PayloadPool pool;
  tlmx::PayloadPool::Lease a{pool}, b{pool}, c{pool};
  void run() {
    // a fills the single slot, b is held without END_REQ, c breaks the rule.
    for (tlm::tlm_generic_payload* t : {&*a, &*b, &*c}) {
      t->set_command(tlm::TLM_READ_COMMAND);
      t->set_data_ptr(data);
      t->set_data_length(1);
      t->set_streaming_width(1);
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_core::sc_time d = sc_core::SC_ZERO_TIME;
      socket->nb_transport_fw(*t, ph, d);
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
  uint8_t data[1] = {};
};

TEST(TargetPort, DetectsRequestExclusionViolation) {
  in_child([] {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    SlowTarget target("target", 1);
    RuleBreaker breaker("breaker");
    breaker.socket.bind(target.port.socket);
    sc_core::sc_start();
    EXPECT_EQ(target.port.protocol().violations, 1u) << target.port.protocol().last_violation;
  });
}

TEST(InitiatorPort, DetectsTransactionReuseWhileInFlight) {
  in_child([] {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    SlowTarget target("target", 4);
    tlmx::PayloadPool pool;
    tlmx::PayloadPool::Lease lease(pool);
    tlm::tlm_generic_payload& shared_trans = *lease;
    uint8_t x = 0;
    shared_trans.set_command(tlm::TLM_READ_COMMAND);
    shared_trans.set_data_ptr(&x);
    shared_trans.set_data_length(1);
    shared_trans.set_streaming_width(1);
    struct Reuser : sc_core::sc_module {
      tlmx::InitiatorPort port;
      tlm::tlm_generic_payload& t;
      Reuser(const sc_core::sc_module_name& n, tlm::tlm_generic_payload& tr)
          : sc_module(n), port("port", TimingMode::kAt), t(tr) {
        SC_HAS_PROCESS(Reuser);
        SC_THREAD(go);
        SC_THREAD(go);
      }
      void go() {
        sc_core::sc_time z = sc_core::SC_ZERO_TIME;
        port.transport(t, z);
      }
    } reuser("reuser", shared_trans);
    reuser.port.socket.bind(target.port.socket);
    sc_core::sc_start();
    EXPECT_EQ(reuser.port.protocol().violations, 1u);
  });
}

}  // namespace
}  // namespace cdma
