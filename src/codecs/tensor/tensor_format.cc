#include "codecs/tensor/tensor_format.h"

#include <string>

namespace kolmo::tensor {

Bytes serialize_params(const Params& p) {
  Bytes out = {kParamsVersion, static_cast<std::uint8_t>(p.dtype),
               static_cast<std::uint8_t>(p.mode)};
  if (p.mode == Mode::kDf11) {
    out.push_back(kDf11LogBytesPerThread);
    out.push_back(kDf11LogThreadsPerBlock);
  } else if (p.mode == Mode::kMax) {
    out.push_back(
        static_cast<std::uint8_t>((p.order1 ? kMaxFlagOrder1 : 0) | (p.mantissa_bits << 1)));
  }
  return out;
}

Expected<Params> parse_params(ByteSpan bytes) {
  if (bytes.size() < 3) return corrupt_data("tensor parameters are shorter than 3 bytes");
  if (bytes[0] != kParamsVersion) {
    return corrupt_data("tensor parameters version " + std::to_string(bytes[0]) + " is unknown");
  }
  Params p;
  if (bytes[1] > static_cast<std::uint8_t>(Dtype::kFp32)) {
    return corrupt_data("tensor dtype " + std::to_string(bytes[1]) + " is unknown");
  }
  p.dtype = static_cast<Dtype>(bytes[1]);
  if (bytes[2] > static_cast<std::uint8_t>(Mode::kMax)) {
    return corrupt_data("tensor mode " + std::to_string(bytes[2]) + " is unknown");
  }
  p.mode = static_cast<Mode>(bytes[2]);
  const std::size_t expected = p.mode == Mode::kO0 ? 3 : p.mode == Mode::kDf11 ? 5 : 4;
  if (bytes.size() != expected) {
    return corrupt_data("tensor parameters for mode " + std::string(mode_name(p.mode)) +
                        " must be " + std::to_string(expected) + " bytes");
  }
  if (p.mode == Mode::kDf11 &&
      (bytes[3] != kDf11LogBytesPerThread || bytes[4] != kDf11LogThreadsPerBlock)) {
    return corrupt_data("tensor df11 GPU geometry is not 8 bytes x 256 threads");
  }
  if (p.mode == Mode::kMax) {
    const std::uint8_t flags = bytes[3];
    if ((flags >> 3) != 0) return corrupt_data("tensor max parameters have unknown flags");
    p.order1 = (flags & kMaxFlagOrder1) != 0;
    p.mantissa_bits = (flags >> 1) & 3;
  }
  return p;
}

std::string_view dtype_name(Dtype d) {
  switch (d) {
    case Dtype::kBf16:
      return "bf16";
    case Dtype::kFp16:
      return "fp16";
    case Dtype::kFp32:
      return "fp32";
  }
  return "?";
}

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kO0:
      return "o0";
    case Mode::kDf11:
      return "df11";
    case Mode::kMax:
      return "max";
  }
  return "?";
}

int element_bytes(Dtype d) { return d == Dtype::kFp32 ? 4 : 2; }

}  // namespace kolmo::tensor
