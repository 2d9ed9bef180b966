// Reads a log payload's stream records (docs/log.md, "Payload": line count, flags, 11 records) so
// tests can check which backend coded each stream.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"

namespace kolmo::testing {

// The backend byte of each stream record of a payload.
inline std::vector<std::uint8_t> stream_backends(const Bytes& payload) {
  ByteReader in(payload);
  (void)in.varint_at_most(UINT64_MAX, "lines");
  (void)in.u8();
  std::vector<std::uint8_t> backends;
  for (int k = 0; k < logc::kStreamCount && in.ok(); ++k) {
    backends.push_back(in.u8());
    (void)in.varint_at_most(UINT64_MAX, "raw");
    const std::uint64_t stored = in.varint_at_most(in.remaining(), "stored");
    (void)in.bytes(static_cast<std::size_t>(stored));
  }
  EXPECT_TRUE(in.ok() && in.at_end());
  return backends;
}

}  // namespace kolmo::testing
