// Fuzzes the config.json parser of the transformer runtime: any text must give a config that
// passes validation or a clean error, never a crash, exception or oversized config.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "llm/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const kolmo::Expected<kolmo::llm::ModelConfig> config = kolmo::llm::parse_hf_config(text);
  if (config.ok() && !kolmo::llm::validate_config(*config).ok()) __builtin_trap();
  return 0;
}
