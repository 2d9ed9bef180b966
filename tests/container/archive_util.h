// Helpers for the multi-file archive tests: source trees, building archives with chosen blocks,
// collecting what extract_stream produces, and hand-built archives with valid checks.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "container/entry.h"
#include "container/format.h"
#include "kmo_test_util.h"
#include "kolmo/archive.h"
#include "kolmo/hash.h"

namespace kolmo::testing {

struct SrcEntry {
  std::string path;
  EntryKind kind = EntryKind::kFile;
  Bytes data;
  // Block sizes and codecs, used round robin until the data is used up.
  std::vector<std::size_t> block_sizes = {1000};
  std::vector<std::string> codecs = {"zstd"};
  std::uint32_t mode = 0644;
  std::int64_t mtime_ns = 1700000000123456789;
};

inline const BlockEncoder& encoder(const std::string& spec) {
  static std::map<std::string, std::unique_ptr<BlockEncoder>> cache;
  auto& e = cache[spec];
  if (!e) e = std::move(make_encoder(spec, 0)).value();
  return *e;
}

inline Expected<Bytes> build_archive(const std::vector<SrcEntry>& entries, unsigned threads = 1) {
  MemorySink sink;
  ArchiveWriterOptions o;
  o.threads = threads;
  KOLMO_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveWriter> w, make_archive_writer(sink, o));
  for (const SrcEntry& e : entries) {
    if (e.kind == EntryKind::kDirectory) {
      KOLMO_RETURN_IF_ERROR(w->add_directory(e.path, e.mode, e.mtime_ns));
      continue;
    }
    KOLMO_RETURN_IF_ERROR(w->begin_file(e.path, e.mode, e.mtime_ns, e.data.size()));
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < e.data.size(); ++i) {
      const std::size_t n =
          std::min(e.block_sizes[i % e.block_sizes.size()], e.data.size() - pos);
      Bytes block(e.data.begin() + static_cast<std::ptrdiff_t>(pos),
                  e.data.begin() + static_cast<std::ptrdiff_t>(pos + n));
      KOLMO_RETURN_IF_ERROR(w->add_block(std::move(block), encoder(e.codecs[i % e.codecs.size()])));
      pos += n;
    }
  }
  KOLMO_RETURN_IF_ERROR(w->finish().status());
  return std::move(sink.bytes());
}

// Records every entry and its bytes; checks the open/close protocol as it goes.
class CollectingOutput final : public EntryOutput {
 public:
  struct Got {
    EntryInfo info;
    Bytes data;
    bool closed = false;
  };
  Expected<ByteSink*> open(const EntryInfo& entry) override {
    EXPECT_TRUE(got.empty() || got.back().closed) << "open before the previous close";
    got.push_back({entry, {}, false});
    sink_ = std::make_unique<MemorySink>();
    return entry.kind == EntryKind::kFile ? static_cast<ByteSink*>(sink_.get()) : nullptr;
  }
  Status close(const EntryInfo& entry) override {
    EXPECT_EQ(entry.path, got.back().info.path);
    EXPECT_FALSE(got.back().closed);
    got.back().data = std::move(sink_->bytes());
    got.back().info = entry;
    got.back().closed = true;
    return ok_status();
  }
  std::vector<Got> got;

 private:
  std::unique_ptr<MemorySink> sink_;
};

// Discards everything (the damage tests only care about the status).
class NullOutput final : public EntryOutput {
 public:
  Expected<ByteSink*> open(const EntryInfo&) override { return &sink_; }
  Status close(const EntryInfo&) override { return ok_status(); }

 private:
  DiscardSink sink_;
};

inline Status extract_status(const Bytes& file, unsigned threads = 1) {
  MemorySource src(file);
  NullOutput out;
  DecompressOptions d;
  d.threads = threads;
  return extract_stream(src, out, d).status();
}

// An archive of entries without blocks (directories, empty or lying files), with every check
// valid: what a writer would refuse to make, for testing the readers.
inline Bytes hand_archive(const std::vector<kmo::EntryFrame>& frames) {
  kmo::FileHeader h;
  h.major = 1;
  h.minor = kmo::kEntriesFormatMinor;
  h.flags = kmo::kFlagEntries;
  Bytes out = kmo::serialize_file_header(h);
  std::vector<kmo::EntryRef> refs;
  for (const kmo::EntryFrame& f : frames) {
    refs.push_back({out.size(), 0, 0});
    const Bytes b = kmo::serialize_entry_frame(f);
    out.insert(out.end(), b.begin(), b.end());
  }
  kmo::Footer footer;
  footer.index_offset = out.size();
  footer.content_xxh64 = xxh64(ByteSpan());
  const Bytes index = kmo::serialize_archive_index({}, refs);
  out.insert(out.end(), index.begin(), index.end());
  const Bytes tail = kmo::serialize_footer(footer);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace kolmo::testing
