// Reads a log payload's stream records (docs/log.md, "Payload": line count, flags, 11 records) so
// tests can check which backend coded each stream.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
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

// Each stream record's offset in the payload (its backend byte), raw size and stored size.
struct StreamRecord {
  std::size_t offset = 0;
  std::uint64_t raw_size = 0, stored_size = 0;
};

inline std::vector<StreamRecord> stream_records(const Bytes& payload) {
  ByteReader in(payload);
  (void)in.varint_at_most(UINT64_MAX, "lines");
  (void)in.u8();
  std::vector<StreamRecord> records;
  for (int k = 0; k < logc::kStreamCount && in.ok(); ++k) {
    StreamRecord r;
    r.offset = in.position();
    (void)in.u8();
    r.raw_size = in.varint_at_most(UINT64_MAX, "raw");
    r.stored_size = in.varint_at_most(in.remaining(), "stored");
    (void)in.bytes(static_cast<std::size_t>(r.stored_size));
    if (in.ok()) records.push_back(r);
  }
  EXPECT_TRUE(in.ok() && in.at_end());
  return records;
}

// The raw size of each stream of a payload.
inline std::vector<std::uint64_t> stream_raw_sizes(const Bytes& payload) {
  std::vector<std::uint64_t> sizes;
  for (const StreamRecord& r : stream_records(payload)) sizes.push_back(r.raw_size);
  return sizes;
}

// Where stream k's record (its backend byte) starts in the payload.
inline std::optional<std::size_t> stream_record_offset(const Bytes& payload, std::size_t k) {
  const std::vector<StreamRecord> records = stream_records(payload);
  if (k >= records.size()) return std::nullopt;
  return records[k].offset;
}

}  // namespace kolmo::testing
