// Fuzzes the multi-file archive readers. Arbitrary bytes go to extract_stream (into an output that
// discards) and, when they list, to read_entries and read_entry_range. Then the input itself
// becomes a small valid archive (entries, paths and blocks taken from its bytes), which must come
// back unchanged through extract_stream and random access; a copy damaged at positions taken from
// the input must never extract successfully.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kolmo/archive.h"
#include "kolmo/container.h"

namespace {

constexpr std::uint64_t kFuzzMemoryLimit = std::uint64_t{64} << 20;
constexpr std::size_t kMaxEntriesRead = 16;

kolmo::DecompressOptions fuzz_options() {
  kolmo::DecompressOptions d;
  d.threads = 1;
  d.memory_limit = kFuzzMemoryLimit;
  return d;
}

class DiscardOutput final : public kolmo::EntryOutput {
 public:
  kolmo::Expected<kolmo::ByteSink*> open(const kolmo::EntryInfo&) override { return &sink_; }
  kolmo::Status close(const kolmo::EntryInfo&) override { return kolmo::ok_status(); }

 private:
  kolmo::DiscardSink sink_;
};

// Keeps every file's bytes, in order.
class KeepOutput final : public kolmo::EntryOutput {
 public:
  kolmo::Expected<kolmo::ByteSink*> open(const kolmo::EntryInfo& e) override {
    sinks.push_back(std::make_unique<kolmo::MemorySink>());
    paths.push_back(e.path);
    return e.kind == kolmo::EntryKind::kFile ? sinks.back().get() : nullptr;
  }
  kolmo::Status close(const kolmo::EntryInfo&) override { return kolmo::ok_status(); }
  std::vector<std::unique_ptr<kolmo::MemorySink>> sinks;
  std::vector<std::string> paths;
};

bool extracts(kolmo::ByteSpan data) {
  kolmo::MemorySource src(data);
  DiscardOutput out;
  return kolmo::extract_stream(src, out, fuzz_options()).ok();
}

void read_as_archive(kolmo::ByteSpan data) {
  (void)extracts(data);
  kolmo::MemorySource file(data);
  kolmo::Expected<kolmo::ArchiveInfo> info = kolmo::read_archive_info(file, fuzz_options());
  if (!info.ok()) return;
  kolmo::Expected<std::vector<kolmo::EntryInfo>> entries =
      kolmo::read_entries(file, *info, fuzz_options());
  if (!entries.ok()) return;
  for (std::size_t i = 0; i < entries->size() && i < kMaxEntriesRead; ++i) {
    const kolmo::EntryInfo& e = (*entries)[i];
    if (e.kind == kolmo::EntryKind::kFile && e.size <= kFuzzMemoryLimit) {
      (void)kolmo::read_entry_range(file, *info, e, e.size / 3, e.size - e.size / 3,
                                    fuzz_options());
    }
  }
}

struct Built {
  kolmo::Bytes file;
  std::vector<kolmo::Bytes> contents;  // per entry (empty for directories)
};

// Cuts the input into up to 6 entries: each control byte picks the kind, the length (from the
// remaining input) and the block size; the path is the entry's number, in a directory or not.
bool build(kolmo::ByteSpan data, Built& built) {
  static const auto store = std::move(kolmo::make_encoder("store", 0)).value();
  static const auto zstd = std::move(kolmo::make_encoder("zstd:1", 0)).value();
  kolmo::MemorySink sink;
  kolmo::ArchiveWriterOptions o;
  auto w = kolmo::make_archive_writer(sink, o);
  if (!w.ok()) return false;
  std::size_t pos = 0;
  for (int i = 0; i < 6 && pos < data.size(); ++i) {
    const std::uint8_t c = data[pos++];
    const std::string path = ((c & 2) != 0 ? "d/" : "") + std::to_string(i);
    if ((c & 1) != 0) {
      if ((*w)->add_directory("x" + path, 0755, i).ok()) built.contents.emplace_back();
      continue;
    }
    const std::size_t size = std::min<std::size_t>(data.size() - pos, (c >> 2) * 40);
    const std::size_t block = 1 + (c >> 4) * 16;
    if (!(*w)->begin_file(path, 0644, -i, size).ok()) return false;
    kolmo::Bytes content(data.begin() + static_cast<std::ptrdiff_t>(pos),
                         data.begin() + static_cast<std::ptrdiff_t>(pos + size));
    for (std::size_t at = 0; at < size; at += block) {
      const std::size_t n = std::min(block, size - at);
      kolmo::Bytes b(content.begin() + static_cast<std::ptrdiff_t>(at),
                     content.begin() + static_cast<std::ptrdiff_t>(at + n));
      if (!(*w)->add_block(std::move(b), (at / block) % 2 != 0 ? *zstd : *store).ok()) return false;
    }
    pos += size;
    built.contents.push_back(std::move(content));
  }
  if (!(*w)->finish().ok()) return false;
  built.file = std::move(sink.bytes());
  return true;
}

// Up to 4 edits (position: 2 bytes, xor mask: 1 byte) from the end of the input.
void damage(kolmo::ByteSpan data, kolmo::Bytes& file) {
  for (std::size_t i = 0; i < 4 && data.size() >= 3 * (i + 1) + 1; ++i) {
    const std::uint8_t* edit = data.data() + data.size() - 3 * (i + 1);
    const std::size_t pos = static_cast<std::size_t>(edit[0] | (edit[1] << 8)) % file.size();
    file[pos] ^= edit[2];
  }
}

void round_trip(kolmo::ByteSpan data) {
  Built built;
  if (!build(data, built)) __builtin_trap();  // every path and size built here is valid
  kolmo::MemorySource src(built.file);
  KeepOutput out;
  if (!kolmo::extract_stream(src, out, fuzz_options()).ok()) __builtin_trap();
  if (out.sinks.size() != built.contents.size()) __builtin_trap();
  for (std::size_t i = 0; i < built.contents.size(); ++i) {
    if (out.sinks[i]->bytes() != built.contents[i]) __builtin_trap();
  }
  kolmo::Expected<kolmo::ArchiveInfo> info = kolmo::read_archive_info(src, fuzz_options());
  if (!info.ok()) __builtin_trap();
  kolmo::Expected<std::vector<kolmo::EntryInfo>> entries =
      kolmo::read_entries(src, *info, fuzz_options());
  if (!entries.ok() || entries->size() != built.contents.size()) __builtin_trap();
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const kolmo::EntryInfo& e = (*entries)[i];
    if (e.kind != kolmo::EntryKind::kFile) continue;
    kolmo::Expected<kolmo::Bytes> all = kolmo::read_entry_range(src, *info, e, 0, e.size,
                                                                fuzz_options());
    if (!all.ok() || *all != built.contents[i]) __builtin_trap();
  }
  kolmo::Bytes damaged = built.file;
  damage(data, damaged);
  if (damaged != built.file && extracts(damaged)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kolmo::ByteSpan input(data, size);
  read_as_archive(input);
  round_trip(input);
  return 0;
}
