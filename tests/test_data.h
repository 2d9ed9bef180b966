// Locating ../shared/data for data-driven tests. Tests that need it call
// KOLMO_REQUIRE_DATA(path) and are skipped, with a message, when the data is absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kolmo::testing {

// $KOLMO_DATA, else ../shared/data relative to the source tree or the working directory.
inline std::optional<std::filesystem::path> data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("KOLMO_DATA"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  const fs::path candidates[] = {
      fs::path(KOLMO_SOURCE_DIR) / ".." / "shared" / "data",
      fs::current_path() / ".." / "shared" / "data",
  };
  for (const auto& c : candidates) {
    if (fs::is_directory(c)) return fs::canonical(c);
  }
  return std::nullopt;
}

inline std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Every regular file below dir, sorted (for deterministic test order).
inline std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kolmo::testing

#define KOLMO_REQUIRE_DATA(var)                                                     \
  auto var##_opt = ::kolmo::testing::data_dir();                                   \
  if (!var##_opt) GTEST_SKIP() << "shared data not found (set KOLMO_DATA or place " \
                                  "it at ../shared/data)";                          \
  const std::filesystem::path var = *var##_opt
