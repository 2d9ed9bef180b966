// Fuzzes the .kmo readers with arbitrary bytes: the sequential reader (decompress_buffer), the
// listing (read_archive_info) and single-block decoding. Then round-trips the input itself
// through the writer with store, zstd or log:fast (a dictionary frame) and traps unless it comes back unchanged. Finally it
// damages that valid file at positions taken from the input (random bytes rarely get past the
// magic and checks, so this is what reaches deep into the readers) and traps if a reader accepts
// the damaged file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kolmo/container.h"

namespace {

constexpr std::uint64_t kFuzzMemoryLimit = std::uint64_t{64} << 20;
constexpr std::size_t kMaxBlocksDecoded = 16;

kolmo::DecompressOptions fuzz_options() {
  kolmo::DecompressOptions d;
  d.threads = 1;
  d.memory_limit = kFuzzMemoryLimit;
  return d;
}

void read_as_kmo(kolmo::ByteSpan data) {
  (void)kolmo::decompress_buffer(data, fuzz_options());
  kolmo::MemorySource file(data);
  kolmo::Expected<kolmo::ArchiveInfo> info = kolmo::read_archive_info(file, fuzz_options());
  if (!info.ok()) return;
  for (std::size_t i = 0; i < info->blocks.size() && i < kMaxBlocksDecoded; ++i) {
    (void)kolmo::decode_block(file, *info, i, fuzz_options());
  }
}

// Up to 4 edits (position: 2 bytes, xor mask: 1 byte) from the end of the input.
void damage(kolmo::ByteSpan data, kolmo::Bytes& file) {
  for (std::size_t i = 0; i < 4 && data.size() >= 3 * (i + 1) + 1; ++i) {
    const std::uint8_t* edit = data.data() + data.size() - 3 * (i + 1);
    const std::size_t pos = static_cast<std::size_t>(edit[0] | (edit[1] << 8)) % file.size();
    file[pos] ^= edit[2];
  }
}

void damaged_copy_is_refused(kolmo::ByteSpan data, kolmo::Bytes file) {
  const kolmo::Bytes original = file;
  damage(data, file);
  if (file == original) return;  // no edit, or edits that cancel out
  read_as_kmo(file);
  if (kolmo::decompress_buffer(file, fuzz_options()).ok()) __builtin_trap();
}

void round_trip(kolmo::ByteSpan data) {
  if (data.empty()) return;
  kolmo::CompressOptions c;
  // The first byte picks the codec and a small block size, so one input covers many blocks;
  // log:fast writes a dictionary frame (docs/format.md) before its blocks.
  c.codec_spec = (data[0] & 3) == 3 ? "log:fast" : (data[0] & 1) != 0 ? "zstd:1" : "store";
  c.block_size = 64 + (data[0] >> 1) * 64;
  c.threads = 1;
  kolmo::Expected<kolmo::Bytes> file = kolmo::compress_buffer(data, c);
  if (!file.ok()) __builtin_trap();
  kolmo::Expected<kolmo::Bytes> back = kolmo::decompress_buffer(*file, fuzz_options());
  if (!back.ok() || *back != kolmo::Bytes(data.begin(), data.end())) __builtin_trap();
  damaged_copy_is_refused(data, *file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kolmo::ByteSpan input(data, size);
  read_as_kmo(input);
  round_trip(input);
  return 0;
}
