// kolmo grep's regular expressions: any pattern compiles or is refused with an error, any line is
// searched in bounded time, and a line that matches holds the pattern's required literal.
// Input: a flags byte (bit 0 ignore case, bit 1 whole line), the pattern up to the first "\n",
// then the line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "search/line_regex.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool ignore_case = (data[0] & 1) != 0, whole_line = (data[0] & 2) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t nl = rest.find('\n');
  const std::string_view pattern = rest.substr(0, nl);
  std::string_view line = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  // A search costs (line bytes) x (program size) steps: a short line keeps each run well inside
  // the fuzzer's per-input timeout while the program may still reach its maximum size.
  line = line.substr(0, 512);
  auto re = kolmo::search::LineRegex::compile(pattern, ignore_case, whole_line);
  if (!re.ok()) return 0;
  if (re.value().program_size() > kolmo::search::LineRegex::kMaxProgramSize) __builtin_trap();
  if (re.value().search(line) && line.find(re.value().required_literal()) == std::string_view::npos) {
    __builtin_trap();
  }
  return 0;
}
