// Fuzzes the llama2.c parsers: the 28-byte checkpoint header, and the tokenizer file (its
// vocabulary size taken from the first two input bytes), whose accepted vocabularies are then
// used to encode and decode a piece of the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "llm/model_config.h"
#include "llm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kolmo::ByteSpan input(data, size);
  const auto config = kolmo::llm::parse_llama2c_header(input);
  if (config.ok() && !kolmo::llm::validate_config(*config).ok()) __builtin_trap();
  if (size < 2) return 0;
  const std::size_t vocab = static_cast<std::size_t>(data[0] | (data[1] << 8));
  const auto tokenizer = kolmo::llm::Tokenizer::parse(input.subspan(2), vocab);
  if (!tokenizer.ok()) return 0;
  if (tokenizer->size() != vocab) __builtin_trap();
  const std::string_view text(reinterpret_cast<const char*>(data), size < 64 ? size : 64);
  int previous = kolmo::llm::kBosToken;
  for (const int token : tokenizer->encode(text, true, true)) {
    if (token < 0 || (static_cast<std::size_t>(token) >= vocab && token > 258)) __builtin_trap();
    (void)tokenizer->decode(previous, token);
    previous = token;
  }
  return 0;
}
