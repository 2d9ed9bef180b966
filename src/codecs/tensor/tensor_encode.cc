#include "codecs/tensor/tensor_encode.h"

#include <string>

#include "codecs/tensor/tensor_encode_modes.h"
#include "codecs/tensor/tensor_format.h"

namespace kolmo {
namespace {

using tensor::Dtype;
using tensor::Mode;

class TensorEncoder final : public BlockEncoder {
 public:
  TensorEncoder(tensor::Params params, bool order1_auto)
      : params_(params), order1_auto_(order1_auto) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    tensor::Params used = params_;
    out.payload.clear();
    const std::size_t width = static_cast<std::size_t>(tensor::element_bytes(params_.dtype));
    const std::size_t whole = input.size() / width * width;
    const ByteSpan elements = input.first(whole);
    if (!elements.empty()) {
      switch (params_.mode) {
        case Mode::kO0:
          KOLMO_RETURN_IF_ERROR(tensor::encode_o0(elements, params_.dtype, out.payload));
          break;
        case Mode::kDf11:
          KOLMO_RETURN_IF_ERROR(tensor::encode_df11(elements, params_.dtype, out.payload));
          break;
        case Mode::kMax:
          KOLMO_RETURN_IF_ERROR(encode_max(elements, used, out.payload));
          break;
      }
    }
    out.params = tensor::serialize_params(used);
    // A trailing partial element (the block is not a whole number of elements) is kept raw.
    out.payload.insert(out.payload.end(), input.begin() + static_cast<std::ptrdiff_t>(whole),
                       input.end());
    return ok_status();
  }

  // 16 MiB: a multiple of every element width, large enough that code tables and GPU arrays cost
  // nothing, small enough to keep blocks in flight on many threads.
  std::uint64_t preferred_block_size() const override { return std::uint64_t{16} << 20; }
  // Symbols and raw bytes of a block, plus the coder's output buffers (mode=max: its model).
  std::uint64_t working_memory() const override {
    return 2 * preferred_block_size() + (std::uint64_t{1} << 20);
  }
  // order1=auto codes the block both ways and keeps the smaller payload (ties: order 0): the
  // order-1 context wins big on blocks whose neighbouring exponents are correlated and loses a
  // little (context dilution) on blocks where they are not, like most trained weights.
  Status encode_max(ByteSpan elements, tensor::Params& used, Bytes& payload) const {
    if (!order1_auto_) return tensor::encode_max(elements, used, payload);
    used.order1 = false;
    KOLMO_RETURN_IF_ERROR(tensor::encode_max(elements, used, payload));
    tensor::Params with_context = used;
    with_context.order1 = true;
    Bytes alternative;
    KOLMO_RETURN_IF_ERROR(tensor::encode_max(elements, with_context, alternative));
    if (alternative.size() < payload.size()) {
      used = with_context;
      payload.swap(alternative);
    }
    return ok_status();
  }

  std::string spec() const override {
    std::string s = "tensor:dtype=" + std::string(tensor::dtype_name(params_.dtype)) +
                    ",mode=" + std::string(tensor::mode_name(params_.mode));
    if (params_.mode == Mode::kMax) {
      s += ",order1=" +
           (order1_auto_ ? std::string("auto") : std::to_string(params_.order1 ? 1 : 0)) +
           ",mbits=" + std::to_string(params_.mantissa_bits);
    }
    return s;
  }

 private:
  tensor::Params params_;
  bool order1_auto_;
};

Status apply_option(std::string_view key, std::string_view value, tensor::Params& p,
                    bool& order1_auto, bool& has_max_option) {
  if (key == "dtype") {
    if (value == "bf16")
      p.dtype = Dtype::kBf16;
    else if (value == "fp16")
      p.dtype = Dtype::kFp16;
    else if (value == "fp32")
      p.dtype = Dtype::kFp32;
    else
      return invalid_argument("tensor dtype must be bf16, fp16 or fp32, got '" +
                              std::string(value) + "'");
  } else if (key == "mode") {
    if (value == "o0")
      p.mode = Mode::kO0;
    else if (value == "df11")
      p.mode = Mode::kDf11;
    else if (value == "max")
      p.mode = Mode::kMax;
    else
      return invalid_argument("tensor mode must be o0, df11 or max, got '" + std::string(value) +
                              "'");
  } else if (key == "order1" && (value == "0" || value == "1" || value == "auto")) {
    order1_auto = value == "auto";
    p.order1 = value == "1";
    has_max_option = true;
  } else if (key == "mbits" && value.size() == 1 && value[0] >= '0' &&
             value[0] <= '0' + tensor::kMaxMantissaBitsLimit) {
    p.mantissa_bits = value[0] - '0';
    has_max_option = true;
  } else {
    return invalid_argument("unknown tensor option '" + std::string(key) + "=" +
                            std::string(value) +
                            "' (known: dtype=bf16|fp16|fp32, mode=o0|df11|max, order1=auto|0|1, "
                            "mbits=0..3)");
  }
  return ok_status();
}

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_tensor_encoder(std::string_view options, int level) {
  tensor::Params p;
  bool order1_auto = true;
  bool has_max_option = false;
  while (!options.empty()) {
    const std::size_t comma = options.find(',');
    const std::string_view item = options.substr(0, comma);
    options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument("tensor options are key=value pairs, got '" + std::string(item) +
                              "'");
    }
    KOLMO_RETURN_IF_ERROR(
        apply_option(item.substr(0, eq), item.substr(eq + 1), p, order1_auto, has_max_option));
  }
  if (has_max_option && p.mode != Mode::kMax) {
    return invalid_argument("tensor options order1 and mbits need mode=max");
  }
  return std::unique_ptr<BlockEncoder>(std::make_unique<TensorEncoder>(p, order1_auto));
}

}  // namespace kolmo
