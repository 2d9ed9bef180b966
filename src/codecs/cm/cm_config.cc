#include "codecs/cm/cm_config.h"

#include <initializer_list>

namespace kolmo::cm {
namespace {

constexpr std::uint32_t bits(std::initializer_list<ContextKind> kinds) {
  std::uint32_t m = 0;
  for (ContextKind k : kinds) m |= std::uint32_t{1} << k;
  return m;
}

}  // namespace

LevelConfig level_config(int level) {
  LevelConfig c;
  const std::uint32_t fast = bits({kOrder1, kOrder2, kOrder3, kOrder4});
  const std::uint32_t text = bits({kWord, kIndirect1});
  const std::uint32_t rich = bits({kOrder5, kOrder6, kWordPair, kColumn, kIndirect2});
  const std::uint32_t most = bits({kWordSkip, kWordTriple, kSparseSkip1});
  const std::uint32_t all = bits({kOrder8, kSparseSkip2});
  if (level <= 1) {
    c.contexts = fast;
  } else if (level == 2) {
    c.contexts = fast | bits({kWord});
  } else if (level <= 4) {
    c.contexts = fast | text | bits({kOrder6});
    c.max_hash_bits = 23;
    c.max_match_bits = 22;
    c.match_min_len = 7;
    c.mixer_selectors = 2;
    c.apms = 2;
  } else if (level <= 6) {
    c.contexts = fast | text | rich;
    c.run_model = level == 6;  // level 6: level 5 plus the run model (about 0.6 % smaller, slower)
    c.max_hash_bits = 24;
    c.max_match_bits = 22;
    c.match_min_len = 8;
    c.mixer_selectors = 5;
    c.apms = 3;
  } else if (level <= 8) {
    c.contexts = fast | text | rich | most;
    c.run_model = true;
    c.max_hash_bits = 24;
    c.max_match_bits = 23;
    c.match_min_len = 8;
    c.mixer_selectors = 5;
    c.apms = 3;
  } else {
    c.contexts = fast | text | rich | most | all;
    c.run_model = true;
    c.max_hash_bits = 25;
    c.max_match_bits = 24;
    c.match_min_len = 8;
    c.mixer_selectors = 5;
    c.apms = 3;
  }
  return c;
}

}  // namespace kolmo::cm
