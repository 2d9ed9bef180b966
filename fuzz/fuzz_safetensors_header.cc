// Fuzzes the safetensors parser with arbitrary bytes taken as a whole file. Whatever it accepts
// must be consistent (a layout that covers the data section exactly, tensors inside it) and must
// come back byte for byte through the writer, range by range; anything else traps.
//
// Random bytes rarely make a header length that fits the file, so each input is also framed:
// the bytes before the first NUL become the header JSON (with a correct length in front) and the
// rest the data section. That puts the fuzzer straight onto the JSON parser and the layout checks.
#include <cstddef>
#include <algorithm>
#include <cstdint>

#include "tensor/safetensors.h"
#include "tensor/safetensors_writer.h"

namespace {

using kolmo::tensor::DataRange;
using kolmo::tensor::SafetensorsHeader;

void check_layout(const SafetensorsHeader& header) {
  std::uint64_t position = 0;
  std::size_t tensors_seen = 0;
  for (const DataRange& r : header.layout) {
    if (r.offset != position) __builtin_trap();
    if (r.is_tensor()) {
      if (r.tensor != tensors_seen++) __builtin_trap();
      const auto& t = header.tensors[r.tensor];
      if (t.offset != r.offset || t.size != r.size) __builtin_trap();
    } else if (r.size == 0) {
      __builtin_trap();
    }
    position += r.size;
  }
  if (position != header.data_size || tensors_seen != header.tensors.size()) __builtin_trap();
}

void rewrite_and_compare(const SafetensorsHeader& header, kolmo::ByteSpan file) {
  kolmo::MemorySink sink;
  kolmo::tensor::SafetensorsWriter writer(header, sink);
  const kolmo::ByteSpan data = file.subspan(header.data_offset());
  for (const DataRange& r : header.layout) {
    if (r.size == 0) continue;
    if (!writer.write_range(data.subspan(r.offset, r.size)).ok()) __builtin_trap();
  }
  if (!writer.finish().ok()) __builtin_trap();
  const kolmo::Bytes& out = sink.bytes();
  if (out.size() != file.size() || !std::equal(out.begin(), out.end(), file.begin())) {
    __builtin_trap();
  }
}

void parse_and_check(kolmo::ByteSpan file) {
  kolmo::Expected<SafetensorsHeader> header =
      kolmo::tensor::parse_safetensors_header(file, file.size());
  if (!header.ok()) return;
  if (header->file_size() != file.size()) __builtin_trap();
  check_layout(*header);
  rewrite_and_compare(*header, file);
}

kolmo::Bytes framed(kolmo::ByteSpan input) {
  const auto nul = std::find(input.begin(), input.end(), std::uint8_t{0});
  const auto json_size = static_cast<std::size_t>(nul - input.begin());
  kolmo::ByteWriter out;
  out.u64(json_size);
  out.bytes(input.first(json_size));
  if (nul != input.end()) out.bytes(input.subspan(json_size + 1));
  return out.take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kolmo::ByteSpan input(data, size);
  parse_and_check(input);
  parse_and_check(framed(input));
  return 0;
}
