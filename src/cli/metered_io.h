// Pass-through sources and sinks that count and hash the bytes crossing them. The CLI uses them
// to report sizes without trusting anyone's statistics, and to verify, before --rm deletes an
// input, that the written archive decodes to exactly what was read.
#pragma once

#include <cstdint>

#include "kolmo/hash.h"
#include "kolmo/io.h"

namespace kolmo::cli {

class MeteredSource final : public ByteSource {
 public:
  explicit MeteredSource(ByteSource& inner) : inner_(inner) {}
  Expected<std::size_t> read(MutableByteSpan out) override;
  bool size_known() const override { return inner_.size_known(); }
  std::uint64_t size() const override { return inner_.size(); }

  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t xxh64() const { return hash_.digest(); }

 private:
  ByteSource& inner_;
  std::uint64_t bytes_ = 0;
  Xxh64Stream hash_;
};

// Counts and hashes; forwards to `inner` when one is given, else discards (for -t and verify).
class MeteredSink final : public ByteSink {
 public:
  explicit MeteredSink(ByteSink* inner = nullptr) : inner_(inner) {}
  Status write(ByteSpan data) override;

  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t xxh64() const { return hash_.digest(); }

 private:
  ByteSink* inner_;
  std::uint64_t bytes_ = 0;
  Xxh64Stream hash_;
};

}  // namespace kolmo::cli
