// Helpers for the tensor tests: hand-made safetensors files (any JSON, any data) and status
// matchers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::tensor::testing {

// 8-byte length, the header text exactly as given (padding included), then the data.
inline Bytes make_file(std::string_view header, ByteSpan data = {}) {
  ByteWriter out;
  out.u64(header.size());
  out.bytes(as_bytes(header));
  out.bytes(data);
  return out.take();
}

// n bytes of a simple, position-dependent pattern, so misplaced bytes show up in comparisons.
inline Bytes pattern_bytes(std::size_t n, std::uint8_t seed = 1) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 8));
  return out;
}

inline ::testing::AssertionResult has_error(const Status& s, StatusCode code,
                                            std::string_view fragment) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected an error, got ok";
  if (s.code() != code) {
    return ::testing::AssertionFailure()
           << "expected code " << status_code_name(code) << ", got " << s.to_string();
  }
  if (s.message().find(fragment) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << s.message() << "\" lacks \"" << fragment << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kolmo::tensor::testing
