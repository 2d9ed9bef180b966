// The hook through which a KV-cache method replaces the exact cache inside attention.
//
// One KvStore per layer. Attention appends the post-RoPE keys and the values of new positions,
// then reads back, per key/value head, what the method can reconstruct for every position so far.
// stored_bits() counts everything the method keeps (codes, scales, norms, codebooks, indices), and
// serialize() writes exactly that, so stored_bits() == 8 * serialize().size() for every method.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::llm {

struct KvShape {
  std::size_t kv_heads = 0;
  std::size_t head_dim = 0;
  std::size_t kv_dim() const { return kv_heads * head_dim; }
};

// Keys and values of one head for positions [0, length), each length x head_dim, row-major.
struct KvView {
  const float* keys = nullptr;
  const float* values = nullptr;
  std::size_t length = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Appends `positions` positions; k and v hold positions x kv_dim floats ([pos][head][dim]).
  virtual void append(const float* k, const float* v, std::size_t positions) = 0;
  virtual std::size_t length() const = 0;
  // The reconstruction for `head`. Points into the store or into the scratch vectors (resized as
  // needed); valid until the next append or the next view into the same scratch.
  virtual KvView view(std::size_t head, std::vector<float>& key_scratch,
                      std::vector<float>& value_scratch) const = 0;
  // Bits the method stores for the current contents.
  virtual std::uint64_t stored_bits() const = 0;
  // Exactly the stored contents, in the method's documented layout (docs/llm.md).
  virtual Bytes serialize() const = 0;

  // Methods that estimate q.k without reconstructing keys (QJL's sign sketch, MILLION's lookup
  // tables) return true; attention then calls scores() instead of reading view().keys.
  virtual bool supplies_scores() const { return false; }
  // out[j] = scale * (estimate of q . k_j) for positions j < count of `head`. Thread-safe.
  virtual void scores(std::size_t /*head*/, const float* /*q*/, std::size_t /*count*/,
                      float /*scale*/, float* /*out*/) const {}

  // K and V elements represented: length * kv_dim * 2.
  std::uint64_t elements() const { return std::uint64_t{length()} * shape().kv_dim() * 2; }
  virtual const KvShape& shape() const = 0;
};

struct KvStats;  // kv_measure.h

// A method and its options, as given on the command line: NAME[:key=value,...].
struct KvMethod {
  std::string name = "exact";
  std::size_t bits = 0;   // code width, 0 = the method's default
  std::size_t bits_tenths = 0;  // kolmo only: tenths of a bit on top of `bits` ("bits=4.5"); its
                                // budget is a rate, not a code width
  std::size_t group = 0;  // elements per scale along head_dim (int8/int4), tokens per group or
                          // block (int8c, int4c, kivi, qjl, gear, kolmo); 0 = the method's default
  std::size_t window = 0;  // kivi: recent tokens kept in fp16
  std::size_t rank = 0;    // gear: rank of the residual approximation
  std::uint64_t seed = 0;  // qjl: seed of the projection
  // When set, every store is wrapped in a MeasuringStore (kv_measure.h) that adds the errors of
  // scores and attention outputs against the exact cache, and encode/attend times, here.
  std::shared_ptr<KvStats> stats;

  std::string describe() const;
  // Makes the store for one layer.
  std::unique_ptr<KvStore> make_store(const KvShape& shape) const;
};

// Parses "exact", "fp16", "bf16", "int8", "int4:group=32", "int4c", "kivi:bits=3,window=128",
// "qjl:bits=2,seed=7"... (methods and their options: docs/llm.md). Missing options get the method's defaults.
Expected<KvMethod> parse_kv_method(std::string_view spec, const KvShape& shape);

// A comma-separated list of methods: "int4,kivi:bits=2,group=32,gear" (a piece holding '=' but
// no ':' is one more option of the method before it).
Expected<std::vector<KvMethod>> parse_kv_methods(std::string_view spec, const KvShape& shape);

}  // namespace kolmo::llm
