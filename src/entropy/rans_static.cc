// Static interleaved rANS, order 0. Three parts: the frequency table format (shared), the encoder
// (normalization, reciprocal-based state update) and the decoder (slot table, branch-free
// renormalization with a checked tail). See docs/entropy.md, "Static rANS (order 0)".
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <utility>

#include "entropy/rans_static_decode.h"
#include "entropy/rans_static_encode.h"
#include "entropy/rans_static_format.h"

namespace kolmo {

// ================================ frequency table format ================================

void write_rans_frequencies(const RansFrequencies& freqs, Bytes& out) {
  int present = 0;
  for (std::uint16_t f : freqs) present += f != 0;
  out.push_back(static_cast<std::uint8_t>(present - 1));
  if (present > kRansBitmapThreshold) {
    std::uint8_t bitmap[32] = {};
    for (int s = 0; s < 256; ++s) {
      if (freqs[s] != 0) bitmap[s >> 3] |= static_cast<std::uint8_t>(1u << (s & 7));
    }
    out.insert(out.end(), bitmap, bitmap + 32);
  } else {
    int previous = -1;
    for (int s = 0; s < 256; ++s) {
      if (freqs[s] == 0) continue;
      // The first symbol is stored as itself, later ones as the gap to the previous minus one.
      out.push_back(static_cast<std::uint8_t>(previous < 0 ? s : s - previous - 1));
      previous = s;
    }
  }
  for (std::uint16_t f : freqs) {
    if (f != 0) append_varint(out, f - 1u);
  }
}

Status read_rans_frequencies(ByteReader& reader, RansFrequencies& freqs) {
  freqs.fill(0);
  const int present = reader.u8() + 1;
  bool is_present[256] = {};
  if (present > kRansBitmapThreshold) {
    const ByteSpan bitmap = reader.bytes(32);
    KOLMO_RETURN_IF_ERROR(reader.status());
    int listed = 0;
    for (int s = 0; s < 256; ++s) {
      is_present[s] = (bitmap[s >> 3] >> (s & 7)) & 1;
      listed += is_present[s];
    }
    if (listed != present) return corrupt_data("rans: symbol bitmap disagrees with symbol count");
  } else {
    if (present < 2) return corrupt_data("rans: frequency table with fewer than 2 symbols");
    int symbol = -1;
    for (int i = 0; i < present; ++i) {
      const int byte = reader.u8();
      symbol = (i == 0) ? byte : symbol + byte + 1;
      if (symbol > 255) return corrupt_data("rans: symbol list runs past 255");
      is_present[symbol] = true;
    }
    KOLMO_RETURN_IF_ERROR(reader.status());
  }
  std::uint32_t sum = 0;
  for (int s = 0; s < 256; ++s) {
    if (!is_present[s]) continue;
    // freq - 1 is stored, so 0 cannot be written; kRansScale would leave nothing for the others.
    const std::uint64_t f = reader.varint_at_most(kRansScale - 2, "rans frequency") + 1;
    KOLMO_RETURN_IF_ERROR(reader.status());
    freqs[s] = static_cast<std::uint16_t>(f);
    sum += static_cast<std::uint32_t>(f);
  }
  if (sum != kRansScale) {
    return corrupt_data("rans: frequencies sum to " + std::to_string(sum) + ", not " +
                        std::to_string(kRansScale));
  }
  return ok_status();
}

// ======================================== encoder ========================================

namespace {

// Marginal value of one more slot for a symbol with count c at frequency f is about c / (f + 1/2)
// bits; of one slot less, c / (f - 1/2). Compared as cross products of integers (c < 2^40 and
// 2f + 1 < 2^14 after scaling, so no overflow).
bool gains_more_from_increment(std::uint64_t ca, std::uint32_t fa, std::uint64_t cb,
                               std::uint32_t fb) {
  return ca * (2 * fb + 1) > cb * (2 * fa + 1);
}
bool loses_less_from_decrement(std::uint64_t ca, std::uint32_t fa, std::uint64_t cb,
                               std::uint32_t fb) {
  return ca * (2 * fb - 1) < cb * (2 * fa - 1);
}

}  // namespace

RansFrequencies normalize_rans_frequencies(std::span<const std::uint64_t, 256> counts) {
  RansFrequencies freqs{};
  // Bring counts below 2^40 so that every product below fits in 64 bits; a present symbol
  // stays present.
  std::uint64_t max_count = 0;
  for (std::uint64_t c : counts) max_count = std::max(max_count, c);
  const int shift = std::max(0, static_cast<int>(std::bit_width(max_count)) - 40);
  std::uint64_t scaled[256];
  std::uint64_t total = 0;
  int present = 0;
  int last_present = 0;
  for (int s = 0; s < 256; ++s) {
    scaled[s] = counts[s] == 0 ? 0 : std::max<std::uint64_t>(1, counts[s] >> shift);
    total += scaled[s];
    if (scaled[s] != 0) {
      ++present;
      last_present = s;
    }
  }
  if (present == 0) return freqs;
  if (present == 1) {
    freqs[last_present] = static_cast<std::uint16_t>(kRansScale);
    return freqs;
  }
  // Proportional floor, at least 1 per present symbol; then fix the sum one slot at a time,
  // always moving the slot where it matters most (ties: lowest symbol), so that the result
  // depends on nothing but the counts.
  std::uint32_t sum = 0;
  for (int s = 0; s < 256; ++s) {
    if (scaled[s] == 0) continue;
    freqs[s] = static_cast<std::uint16_t>(std::max<std::uint64_t>(1, scaled[s] * kRansScale / total));
    sum += freqs[s];
  }
  while (sum < kRansScale) {
    int best = -1;
    for (int s = 0; s < 256; ++s) {
      if (scaled[s] == 0) continue;
      if (best < 0 || gains_more_from_increment(scaled[s], freqs[s], scaled[best], freqs[best])) {
        best = s;
      }
    }
    ++freqs[best];
    ++sum;
  }
  while (sum > kRansScale) {
    int best = -1;
    for (int s = 0; s < 256; ++s) {
      if (freqs[s] <= 1) continue;
      if (best < 0 || loses_less_from_decrement(scaled[s], freqs[s], scaled[best], freqs[best])) {
        best = s;
      }
    }
    --freqs[best];
    --sum;
  }
  return freqs;
}

namespace {

// Per-symbol encoder constants. The update x -> (x / f) * M + x % f + start is computed as
// x + bias + q * (M - f) with q = floor(x / f) from a 64x64->128 multiply by a reciprocal:
// rcp = floor(2^64 / f) + 1 gives the exact quotient for every x < 2^32 because the error term
// x * (rcp - 2^64 / f) / 2^64 < 2^-32 is smaller than the 1/f gap to the next integer.
// f = 1 has no 64-bit reciprocal; rcp = 2^64 - 1 gives q = x - 1 instead, and bias absorbs it:
// x + (start + M - 1) + (x - 1)(M - 1) = x * M + start.
struct EncoderSymbol {
  std::uint64_t rcp = 0;
  std::uint32_t bias = 0;
  std::uint32_t complement = 0;  // M - f
  std::uint32_t x_max = 0;       // renormalize (emit 16 bits) while x >= x_max
};

EncoderSymbol make_encoder_symbol(std::uint32_t start, std::uint32_t freq) {
  EncoderSymbol e;
  // x must stay below 2^32 after encoding: x < f * 2^(16 + 16 - 12) guarantees it.
  e.x_max = freq << (32 - kRansScaleBits);
  e.complement = kRansScale - freq;
  if (freq == 1) {
    e.rcp = ~std::uint64_t{0};
    e.bias = start + kRansScale - 1;
  } else {
    e.rcp = ~std::uint64_t{0} / freq + 1;
    e.bias = start;
  }
  return e;
}

// Encodes one symbol into state x, writing at most one 16-bit word just below `*words`.
// Branch-free: the word is always stored (below the last one written, into free space) and the
// pointer moves only when the word is really emitted.
inline void encode_symbol(std::uint32_t& x, const EncoderSymbol& e, std::uint8_t*& words) {
  const bool emit = x >= e.x_max;
  store_le16(words - 2, static_cast<std::uint16_t>(x));
  words -= emit ? 2 : 0;
  x = emit ? x >> 16 : x;
  const std::uint32_t q =
      static_cast<std::uint32_t>((static_cast<unsigned __int128>(x) * e.rcp) >> 64);
  x = x + e.bias + q * e.complement;
}

}  // namespace

Bytes rans_encode_o0(ByteSpan in) {
  const std::size_t n = in.size();
  Bytes blob;
  if (n == 0) {
    blob.push_back(static_cast<std::uint8_t>(RansMode::kEmpty));
    return blob;
  }
  std::uint64_t counts[256] = {};
  for (std::uint8_t b : in) ++counts[b];
  const RansFrequencies freqs = normalize_rans_frequencies(std::span<const std::uint64_t, 256>(counts));
  if (freqs[in[0]] == kRansScale) {
    blob = {static_cast<std::uint8_t>(RansMode::kSingleSymbol), in[0]};
    return blob;
  }

  EncoderSymbol symbols[256];
  std::uint32_t start = 0;
  for (int s = 0; s < 256; ++s) {
    if (freqs[s] != 0) symbols[s] = make_encoder_symbol(start, freqs[s]);
    start += freqs[s];
  }

  // Words are written backwards from the end of a scratch buffer: the encoder visits symbols
  // last to first, the decoder reads first to last. One word per symbol at most, plus the
  // 2-byte landing space of the branch-free store.
  Bytes scratch(2 * n + 2);
  std::uint8_t* const words_end = scratch.data() + scratch.size();
  std::uint8_t* words = words_end;
  std::uint32_t x[kRansLanes];
  std::fill(x, x + kRansLanes, kRansStateLow);
  // Symbol i always goes to lane i % kRansLanes. The incomplete last group first, then whole
  // groups, each from its last lane down.
  const std::size_t full = n - n % kRansLanes;
  for (std::size_t i = n; i > full; --i) {
    encode_symbol(x[(i - 1) % kRansLanes], symbols[in[i - 1]], words);
  }
  for (std::size_t g = full; g > 0; g -= kRansLanes) {
    const std::uint8_t* group = in.data() + g - kRansLanes;
    for (int j = kRansLanes - 1; j >= 0; --j) encode_symbol(x[j], symbols[group[j]], words);
  }

  Bytes table;
  write_rans_frequencies(freqs, table);
  const std::size_t stream_size = static_cast<std::size_t>(words_end - words);
  const std::size_t coded_size = 1 + table.size() + 4 * kRansLanes + stream_size;
  if (coded_size >= 1 + n) {
    blob.reserve(1 + n);
    blob.push_back(static_cast<std::uint8_t>(RansMode::kRaw));
    blob.insert(blob.end(), in.begin(), in.end());
    return blob;
  }
  blob.resize(coded_size);
  std::uint8_t* p = blob.data();
  *p++ = static_cast<std::uint8_t>(RansMode::kRans);
  std::memcpy(p, table.data(), table.size());
  p += table.size();
  for (int j = 0; j < kRansLanes; ++j, p += 4) store_le32(p, x[j]);
  std::memcpy(p, words, stream_size);
  return blob;
}

// ======================================== decoder ========================================

namespace {

// The slot table, split by use: the symbol of each slot in one array (written to the output)
// and {frequency, slot - start} in another (the state update), so that a decode step is loads,
// one multiply and one add with no unpacking.
struct SlotTable {
  struct Update {
    std::uint16_t freq;
    std::uint16_t bias;  // slot - start of the slot's symbol
  };
  Update update[kRansScale];
  std::uint8_t symbol[kRansScale];
};

void build_slot_table(const RansFrequencies& freqs, SlotTable& table) {
  std::uint32_t slot = 0;
  for (std::uint32_t s = 0; s < 256; ++s) {
    const std::uint32_t f = freqs[s];
    for (std::uint32_t k = 0; k < f; ++k, ++slot) {
      table.update[slot] = {static_cast<std::uint16_t>(f), static_cast<std::uint16_t>(k)};
      table.symbol[slot] = static_cast<std::uint8_t>(s);
    }
  }
}

inline std::uint8_t decode_step(std::uint32_t& x, const SlotTable& table) {
  const std::uint32_t slot = x & (kRansScale - 1);
  const SlotTable::Update u = table.update[slot];
  x = u.freq * (x >> kRansScaleBits) + u.bias;
  return table.symbol[slot];
}

// The refill happens for about a quarter of the symbols at random, so it must not be a branch.
// The fast path addresses the stream as base + 2 * word, so one refill costs a compare, one
// conditional move and an add-with-carry of the compare's borrow to the word index; on x86-64
// the refilled value is built by loading the word straight into the low half of x << 16.
// GCC turns every portable form of the select into a mispredicting jump (tried: ?:, a 50%
// __builtin_expect_with_probability, masks), which halves decode speed, so on x86-64 these
// instructions are written out; elsewhere the mask form is used. Both give the same result.
// The caller guarantees that word `word` of the stream is readable.
inline void renormalize_unchecked(std::uint32_t& x, const std::uint8_t* base, std::size_t& word) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // The word as a memory operand of alignment 1 (the stream may start at an odd offset).
  struct Word {
    std::uint8_t bytes[2];
  };
  std::uint32_t refilled = x << 16;
  asm("movw %[next], %w[refilled]\n\t"
      "cmpl %[low], %[x]\n\t"
      "cmovbl %[refilled], %[x]\n\t"
      "adcq $0, %[word]"
      : [x] "+r"(x), [word] "+r"(word), [refilled] "+&r"(refilled)
      : [next] "m"(*reinterpret_cast<const Word*>(base + 2 * word)),
        [low] "i"(kRansStateLow)
      : "cc");
#else
  const std::uint32_t refilled = (x << 16) | load_le16(base + 2 * word);
  const std::uint32_t refill = x < kRansStateLow;  // 0 or 1
  const std::uint32_t mask = 0u - refill;
  x = (refilled & mask) | (x & ~mask);
  word += refill;
#endif
}

inline bool renormalize_checked(std::uint32_t& x, const std::uint8_t*& p,
                                const std::uint8_t* end) {
  if (x >= kRansStateLow) return true;
  if (end - p < 2) return false;
  x = (x << 16) | load_le16(p);
  p += 2;
  return true;
}

// Two groups of kRansLanes symbols with constant lane indices, so that the compiler keeps all
// states in registers (a runtime lane loop leaves them in memory); two groups per loop test
// halve the loop overhead, which is a measurable share of a ~15-instruction symbol.
template <std::size_t... Lane>
inline void decode_two_groups_unchecked(std::uint32_t (&x)[kRansLanes], const SlotTable& table,
                                        std::uint8_t* dst, const std::uint8_t* base,
                                        std::size_t& word, std::index_sequence<Lane...>) {
  // Decode and refill lane by lane: the out-of-order core overlaps the lanes anyway, and
  // GCC's SLP vectorizer would otherwise pack eight decode steps into slow SSE shuffles.
  ((dst[Lane] = decode_step(x[Lane], table), renormalize_unchecked(x[Lane], base, word)), ...);
  ((dst[kRansLanes + Lane] = decode_step(x[Lane], table),
    renormalize_unchecked(x[Lane], base, word)),
   ...);
}

Status decode_rans_stream(const RansFrequencies& freqs, ByteReader& reader,
                          MutableByteSpan out) {
  std::uint32_t x[kRansLanes];
  for (int j = 0; j < kRansLanes; ++j) {
    x[j] = reader.u32();
    // The encoder's states are always >= 2^16; smaller ones cannot come from it.
    if (reader.ok() && x[j] < kRansStateLow) return corrupt_data("rans: initial state out of range");
  }
  KOLMO_RETURN_IF_ERROR(reader.status());
  const ByteSpan stream = reader.bytes(reader.remaining());
  const std::uint8_t* p = stream.data();
  const std::uint8_t* const end = p + stream.size();

  SlotTable table;
  build_slot_table(freqs, table);

  const std::size_t n = out.size();
  std::uint8_t* dst = out.data();
  std::size_t i = 0;
  // Fast path: two groups read at most 2 bytes per symbol, so checking once per two groups that
  // 2 * 2 * kRansLanes bytes remain keeps every unchecked read inside the stream.
  {
    constexpr std::size_t kStep = 2 * kRansLanes;
    // A private copy of the states: the tail loop below indexes x at run time, which would
    // otherwise keep this loop storing every state back to memory.
    std::uint32_t lanes[kRansLanes];
    std::copy(x, x + kRansLanes, lanes);
    const std::uint8_t* const base = p;
    const std::size_t words = stream.size() / 2;
    std::size_t word = 0;
    const std::size_t fast_end = n - n % kStep;
    for (; i < fast_end && words - word >= kStep; i += kStep) {
      decode_two_groups_unchecked(lanes, table, dst + i, base, word,
                                  std::make_index_sequence<kRansLanes>());
    }
    p = base + 2 * word;
    std::copy(lanes, lanes + kRansLanes, x);
  }
  for (; i < n; ++i) {
    const int lane = static_cast<int>(i % kRansLanes);
    dst[i] = decode_step(x[lane], table);
    if (!renormalize_checked(x[lane], p, end)) return truncated("rans: stream ends early");
  }
  for (int j = 0; j < kRansLanes; ++j) {
    if (x[j] != kRansStateLow) return corrupt_data("rans: final state is not the initial state");
  }
  if (p != end) return corrupt_data("rans: trailing bytes after the stream");
  return ok_status();
}

}  // namespace

Status rans_decode_o0(ByteSpan blob, MutableByteSpan out) {
  ByteReader reader(blob);
  const std::uint8_t mode = reader.u8();
  KOLMO_RETURN_IF_ERROR(reader.status());
  switch (static_cast<RansMode>(mode)) {
    case RansMode::kEmpty:
      if (!out.empty()) return corrupt_data("rans: empty blob for a non-empty output");
      break;
    case RansMode::kSingleSymbol: {
      const std::uint8_t symbol = reader.u8();
      KOLMO_RETURN_IF_ERROR(reader.status());
      if (out.empty()) return corrupt_data("rans: single-symbol blob for an empty output");
      std::memset(out.data(), symbol, out.size());
      break;
    }
    case RansMode::kRaw: {
      const ByteSpan raw = reader.bytes(out.size());
      KOLMO_RETURN_IF_ERROR(reader.status());
      if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
      break;
    }
    case RansMode::kRans: {
      RansFrequencies freqs;
      KOLMO_RETURN_IF_ERROR(read_rans_frequencies(reader, freqs));
      return decode_rans_stream(freqs, reader, out);
    }
    default:
      return corrupt_data("rans: unknown mode " + std::to_string(mode));
  }
  if (!reader.at_end()) return corrupt_data("rans: trailing bytes after the blob");
  return ok_status();
}

}  // namespace kolmo
