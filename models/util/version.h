// What this build is: the project version and the git commit it was built from ("0.1.0+3f2a1bc0d9e4", with
// "-dirty" for uncommitted changes), and the CMake build type. For --version and the run metadata of reports.
#pragma once

namespace cdma::util {

const char* version();
const char* build_type();

}  // namespace cdma::util
