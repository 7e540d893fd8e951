// Entry point of the SystemC test executables: libsystemc supplies main() and calls sc_main(), so GoogleTest
// starts from here instead of gtest_main.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
