// Canonical Huffman. Parts: code tables (validation, canonical assignment, serialization),
// length-limited construction, the bit-stream encoder, the table-driven decoder and the 4-stream
// byte blob. See docs/entropy.md, "Canonical Huffman".
#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

#include "entropy/huffman_code.h"
#include "entropy/huffman_decode.h"
#include "entropy/huffman_encode.h"

// The hot loops copy their bit readers into locals and rely on these helpers being inlined so that
// the compiler keeps every reader in registers (byte stores to the output may alias anything, so
// state left in memory is reloaded after each symbol).
#if defined(__GNUC__) || defined(__clang__)
#define KOLMO_HUFFMAN_INLINE inline __attribute__((always_inline))
#else
#define KOLMO_HUFFMAN_INLINE inline
#endif

namespace kolmo {

// ===================================== code tables =====================================

namespace {

std::uint32_t reverse_bits(std::uint32_t v, int n) {
  std::uint32_t r = 0;
  for (int i = 0; i < n; ++i, v >>= 1) r = (r << 1) | (v & 1);
  return r;
}

// Symbols per length, and the first canonical code of each length.
struct LengthHistogram {
  std::array<std::uint32_t, kMaxHuffmanLength + 1> count{};
  std::array<std::uint64_t, kMaxHuffmanLength + 1> first_code{};
};

LengthHistogram length_histogram(std::span<const std::uint8_t> lengths) {
  LengthHistogram h;
  for (std::uint8_t l : lengths) ++h.count[l];
  std::uint64_t code = 0;
  for (int l = 1; l <= kMaxHuffmanLength; ++l) {
    h.first_code[l] = code;
    code = (code + h.count[l]) << 1;
  }
  return h;
}

}  // namespace

Status check_code_lengths(std::span<const std::uint8_t> lengths, int max_length) {
  if (max_length < 1 || max_length > kMaxHuffmanLength) {
    return invalid_argument("huffman: length limit must be 1..32");
  }
  if (lengths.size() > kMaxHuffmanAlphabet) return corrupt_data("huffman: alphabet too large");
  // Kraft sum in units of 2^-32: at most 65,536 * 2^31, no overflow.
  std::uint64_t kraft = 0;
  std::size_t used = 0;
  for (std::uint8_t l : lengths) {
    if (l == 0) continue;
    if (l > max_length) {
      return corrupt_data("huffman: code length " + std::to_string(l) + " over the limit " +
                          std::to_string(max_length));
    }
    kraft += std::uint64_t{1} << (kMaxHuffmanLength - l);
    ++used;
  }
  constexpr std::uint64_t kOne = std::uint64_t{1} << kMaxHuffmanLength;
  if (kraft > kOne) return corrupt_data("huffman: code lengths oversubscribed (Kraft sum > 1)");
  if (used == 1 && kraft == kOne / 2) return ok_status();  // the lone symbol of length 1
  if (used != 0 && kraft < kOne) return corrupt_data("huffman: incomplete code (Kraft sum < 1)");
  return ok_status();
}

Expected<HuffmanCode> canonical_huffman_code(std::span<const std::uint8_t> lengths,
                                             int max_length) {
  KOLMO_RETURN_IF_ERROR(check_code_lengths(lengths, max_length));
  LengthHistogram h = length_histogram(lengths);
  HuffmanCode code;
  code.lengths.assign(lengths.begin(), lengths.end());
  code.codes.assign(lengths.size(), 0);
  // Ascending symbol order within each length: the canonical (length, symbol) order.
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int l = lengths[s];
    if (l == 0) continue;
    code.codes[s] = static_cast<std::uint32_t>(h.first_code[l]++);
    code.max_length = std::max(code.max_length, l);
  }
  return code;
}

void write_code_lengths(std::span<const std::uint8_t> lengths, Bytes& out) {
  for (std::size_t i = 0; i < lengths.size();) {
    std::size_t run = 1;
    while (i + run < lengths.size() && lengths[i + run] == lengths[i]) ++run;
    if (run == 1) {
      out.push_back(lengths[i]);
    } else {
      out.push_back(static_cast<std::uint8_t>(lengths[i] | 0x40));
      append_varint(out, run - 2);
    }
    i += run;
  }
}

Status read_code_lengths(ByteReader& reader, std::size_t alphabet_size,
                         std::vector<std::uint8_t>& lengths) {
  if (alphabet_size > kMaxHuffmanAlphabet) return invalid_argument("huffman: alphabet too large");
  lengths.clear();
  lengths.reserve(alphabet_size);
  while (lengths.size() < alphabet_size) {
    const std::uint8_t token = reader.u8();
    KOLMO_RETURN_IF_ERROR(reader.status());
    const std::uint8_t length = token & 0x3F;
    if ((token & 0x80) != 0 || length > kMaxHuffmanLength) {
      return corrupt_data("huffman: bad code length token");
    }
    std::uint64_t run = 1;
    if (token & 0x40) {
      run = reader.varint_at_most(alphabet_size, "huffman length run") + 2;
      KOLMO_RETURN_IF_ERROR(reader.status());
    }
    if (run > alphabet_size - lengths.size()) {
      return corrupt_data("huffman: code length runs past the alphabet");
    }
    lengths.insert(lengths.end(), static_cast<std::size_t>(run), length);
  }
  return ok_status();
}

// =============================== length-limited construction ===============================

namespace {

// Optimal (unlimited) Huffman code lengths for weights sorted ascending, by the two-queue method:
// leaves and merged nodes are both consumed in nondecreasing weight order (ties take the leaf,
// which keeps the tree shallow). Returns the depths sorted descending, i.e. matched to the
// ascending weights (a rarer symbol never gets a shorter code).
std::vector<int> huffman_depths(const std::vector<std::uint64_t>& sorted_weights) {
  const std::size_t n = sorted_weights.size();
  std::vector<std::uint64_t> weight(2 * n - 1);
  std::vector<std::uint32_t> parent(2 * n - 1, 0);
  std::copy(sorted_weights.begin(), sorted_weights.end(), weight.begin());
  std::size_t next_leaf = 0, next_node = n;
  for (std::size_t created = n; created < 2 * n - 1; ++created) {
    // Merged nodes available to take are those already created: [next_node, created).
    auto pick = [&]() -> std::size_t {
      const bool leaf_left = next_leaf < n;
      const bool node_left = next_node < created;
      if (leaf_left && (!node_left || weight[next_leaf] <= weight[next_node])) return next_leaf++;
      return next_node++;
    };
    const std::size_t a = pick();
    const std::size_t b = pick();
    weight[created] = weight[a] + weight[b];
    parent[a] = parent[b] = static_cast<std::uint32_t>(created);
  }
  std::vector<int> depth(2 * n - 1, 0);
  for (std::size_t i = 2 * n - 1; i-- > 0;) {
    if (i != 2 * n - 2) depth[i] = depth[parent[i]] + 1;
  }
  std::vector<int> leaf_depths(depth.begin(), depth.begin() + static_cast<std::ptrdiff_t>(n));
  std::sort(leaf_depths.begin(), leaf_depths.end(), std::greater<>());
  return leaf_depths;
}

// Optimal lengths under a limit by package-merge, in O(n * limit) time. Think of each symbol as
// one coin per level 1..limit, worth its weight. Level lists are built bottom-up: level 1 is the
// leaves; level j merges the leaves with "packages", sums of adjacent pairs of level j-1's list
// (ties: leaf first). The 2n - 2 cheapest items of the top list are the optimal choice, and a
// symbol's code length is the number of levels whose chosen prefix contains its leaf. Because
// leaves stay sorted inside every list, the chosen leaves at a level are the m_j rarest, so it is
// enough to remember, per level, which list positions were leaves, then walk down from the top:
// c items chosen at level j hold m_j leaves and (c - m_j) packages, i.e. 2 (c - m_j) items of
// level j - 1. Memory: one flag byte per list position per level (<= 2n each).
std::vector<int> package_merge_lengths(const std::vector<std::uint64_t>& sorted_weights,
                                       int limit) {
  const std::size_t n = sorted_weights.size();
  std::vector<std::vector<std::uint8_t>> is_leaf(static_cast<std::size_t>(limit));
  std::vector<std::uint64_t> list = sorted_weights;
  is_leaf[0].assign(n, 1);
  std::vector<std::uint64_t> merged;
  for (int level = 1; level < limit; ++level) {
    merged.clear();
    std::vector<std::uint8_t>& flags = is_leaf[static_cast<std::size_t>(level)];
    flags.clear();
    const std::size_t packages = list.size() / 2;
    std::size_t leaf = 0, package = 0;
    while (leaf < n || package < packages) {
      const bool take_leaf =
          package == packages ||
          (leaf < n && sorted_weights[leaf] <= list[2 * package] + list[2 * package + 1]);
      if (take_leaf) {
        merged.push_back(sorted_weights[leaf++]);
      } else {
        merged.push_back(list[2 * package] + list[2 * package + 1]);
        ++package;
      }
      flags.push_back(take_leaf ? 1 : 0);
    }
    list.swap(merged);
  }
  std::vector<int> lengths(n, 0);
  std::size_t chosen = 2 * n - 2;
  for (int level = limit - 1; level >= 0 && chosen > 0; --level) {
    const std::vector<std::uint8_t>& flags = is_leaf[static_cast<std::size_t>(level)];
    std::size_t leaves = 0;
    for (std::size_t i = 0; i < chosen; ++i) leaves += flags[i];
    for (std::size_t i = 0; i < leaves; ++i) ++lengths[i];
    chosen = 2 * (chosen - leaves);
  }
  return lengths;
}

}  // namespace

Expected<HuffmanCode> build_huffman_code(std::span<const std::uint64_t> counts, int max_length) {
  if (max_length < kMinHuffmanLimit || max_length > kMaxHuffmanLength) {
    return invalid_argument("huffman: length limit must be 2..32");
  }
  if (counts.size() > kMaxHuffmanAlphabet) return invalid_argument("huffman: alphabet too large");
  std::vector<std::uint32_t> used;
  unsigned __int128 total = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    if (counts[s] == 0) continue;
    used.push_back(static_cast<std::uint32_t>(s));
    total += counts[s];
  }
  if (used.size() > (std::uint64_t{1} << max_length)) {
    return invalid_argument("huffman: more symbols than 2^limit");
  }
  std::vector<std::uint8_t> lengths(counts.size(), 0);
  if (used.size() == 1) lengths[used[0]] = 1;
  if (used.size() >= 2) {
    // Scale counts so that sums fit 64 bits (a package-merge item holds each weight at most
    // once per level: <= 32 * total); a used symbol keeps a weight >= 1.
    int shift = 0;
    while ((total >> shift) > (std::uint64_t{1} << 56)) ++shift;
    std::sort(used.begin(), used.end(), [&](std::uint32_t a, std::uint32_t b) {
      return counts[a] != counts[b] ? counts[a] < counts[b] : a < b;
    });
    std::vector<std::uint64_t> weights(used.size());
    for (std::size_t i = 0; i < used.size(); ++i) {
      weights[i] = std::max<std::uint64_t>(1, counts[used[i]] >> shift);
    }
    std::vector<int> depths = huffman_depths(weights);
    if (depths.front() > max_length) depths = package_merge_lengths(weights, max_length);
    for (std::size_t i = 0; i < used.size(); ++i) {
      lengths[used[i]] = static_cast<std::uint8_t>(depths[i]);
    }
  }
  return canonical_huffman_code(lengths, max_length);
}

// ======================================== encoder ========================================

namespace {

// 64-bit LSB-first bit buffer writing whole bytes with 8-byte stores; the destination needs
// 8 bytes of slack past the last byte written.
struct BitWriter {
  std::uint8_t* out;
  std::uint64_t bits = 0;
  unsigned count = 0;  // <= 7 after flush()

  void put(std::uint64_t packed) {  // reversed code | length << 32
    bits |= (packed & 0xFFFFFFFFu) << count;
    count += static_cast<unsigned>(packed >> 32);
  }
  void flush() {
    store_le64(out, bits);
    out += count >> 3;
    bits >>= count & ~7u;
    count &= 7;
  }
  // Writes the partial last byte (zero-padded).
  void finish() {
    flush();
    if (count != 0) {
      *out++ = static_cast<std::uint8_t>(bits);
      bits = 0;
      count = 0;
    }
  }
};

// Symbols that fit between flushes: a flush leaves <= 7 bits, and the count must stay below 64
// (flush shifts by the whole bytes of the count, and a shift by 64 is undefined).
int symbols_per_flush(int max_length) {
  return max_length == 0 ? 5 : std::clamp(56 / max_length, 1, 5);
}

template <int kPerFlush, typename Symbol>
void encode_symbols(const std::uint64_t* packed, const Symbol* in, std::size_t n, BitWriter& w) {
  std::size_t i = 0;
  for (; i + kPerFlush <= n; i += kPerFlush) {
    for (int k = 0; k < kPerFlush; ++k) w.put(packed[in[i + k]]);
    w.flush();
  }
  for (; i < n; ++i) {
    w.put(packed[in[i]]);
    w.flush();
  }
}

template <typename Symbol>
void encode_dispatch(const std::uint64_t* packed, int max_length, const Symbol* in, std::size_t n,
                     BitWriter& w) {
  switch (symbols_per_flush(max_length)) {
    case 1: return encode_symbols<1>(packed, in, n, w);
    case 2: return encode_symbols<2>(packed, in, n, w);
    case 3: return encode_symbols<3>(packed, in, n, w);
    case 4: return encode_symbols<4>(packed, in, n, w);
    default: return encode_symbols<5>(packed, in, n, w);
  }
}

}  // namespace

HuffmanEncoder::HuffmanEncoder(const HuffmanCode& code)
    : packed_(code.lengths.size(), 0), max_length_(code.max_length) {
  for (std::size_t s = 0; s < code.lengths.size(); ++s) {
    const int l = code.lengths[s];
    if (l != 0) packed_[s] = reverse_bits(code.codes[s], l) | (std::uint64_t{static_cast<unsigned>(l)} << 32);
  }
}

std::uint64_t HuffmanEncoder::encoded_bits(std::span<const std::uint8_t> symbols) const {
  std::uint64_t bits = 0;
  for (std::uint8_t s : symbols) bits += s < packed_.size() ? packed_[s] >> 32 : 0;
  return bits;
}

template <typename Symbol>
Status HuffmanEncoder::encode_impl(std::span<const Symbol> symbols, Bytes& out) const {
  for (Symbol s : symbols) {
    if (s >= packed_.size() || packed_[s] == 0) {
      return invalid_argument("huffman: symbol " + std::to_string(s) + " has no code");
    }
  }
  const std::size_t start = out.size();
  // Worst case max_length bits per symbol, plus the 8 bytes the last store may touch.
  out.resize(start + (symbols.size() * static_cast<std::size_t>(max_length_) + 7) / 8 + 8);
  BitWriter w{out.data() + start};
  encode_dispatch(packed_.data(), max_length_, symbols.data(), symbols.size(), w);
  w.finish();
  out.resize(static_cast<std::size_t>(w.out - out.data()));
  return ok_status();
}

Status HuffmanEncoder::encode(std::span<const std::uint8_t> symbols, Bytes& out) const {
  return encode_impl(symbols, out);
}
Status HuffmanEncoder::encode(std::span<const std::uint16_t> symbols, Bytes& out) const {
  return encode_impl(symbols, out);
}

namespace {

std::size_t segment_size(std::size_t n) { return (n + kHuffmanStreams - 1) / kHuffmanStreams; }

}  // namespace

Bytes huffman_encode_bytes(ByteSpan in, int max_length) {
  const std::size_t n = in.size();
  Bytes blob;
  if (n == 0) {
    blob.push_back(static_cast<std::uint8_t>(HuffmanMode::kEmpty));
    return blob;
  }
  std::uint64_t counts[256] = {};
  for (std::uint8_t b : in) ++counts[b];
  if (counts[in[0]] == n) return {static_cast<std::uint8_t>(HuffmanMode::kSingleSymbol), in[0]};
  auto code = build_huffman_code(std::span<const std::uint64_t>(counts, 256),
                                 std::clamp(max_length, 8, kMaxHuffmanLength));
  const HuffmanEncoder encoder(*code);

  // The four streams into one scratch buffer (interleaving them would be faster but the encoder
  // is not the hot side), then sizes.
  const std::size_t q = segment_size(n);
  Bytes streams[kHuffmanStreams];
  for (int k = 0; k < kHuffmanStreams; ++k) {
    const std::size_t begin = std::min(n, k * q), end = std::min(n, (k + 1) * q);
    (void)encoder.encode(in.subspan(begin, end - begin), streams[k]);
  }
  Bytes header;
  header.push_back(static_cast<std::uint8_t>(HuffmanMode::kHuffman));
  write_code_lengths(code->lengths, header);
  for (int k = 0; k + 1 < kHuffmanStreams; ++k) append_varint(header, streams[k].size());
  std::size_t total = header.size();
  for (const Bytes& s : streams) total += s.size();
  if (total >= n + 1) {
    blob.reserve(n + 1);
    blob.push_back(static_cast<std::uint8_t>(HuffmanMode::kRaw));
    blob.insert(blob.end(), in.begin(), in.end());
    return blob;
  }
  blob = std::move(header);
  blob.reserve(total);
  for (const Bytes& s : streams) blob.insert(blob.end(), s.begin(), s.end());
  return blob;
}

// ======================================== decoder ========================================

namespace {

// The decode table covers the next kTableBitsMax bits: 2^11 entries of 4 bytes stay in L1 next
// to the output, and with the default limit of 11 every code is a single lookup.
constexpr int kTableBitsMax = 11;

// LSB-first bit reader over one stream. `pos` is the next byte not yet in `bits`; bytes past the
// end read as zeros, and finish() then reports the stream as truncated.
struct BitReader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  std::uint64_t bits = 0;
  unsigned count = 0;  // valid bits in `bits`; bits above may hold bytes that are read again

  // Branch-free refill to >= 56 bits; needs pos + 8 <= size.
  KOLMO_HUFFMAN_INLINE void refill_fast() {
    bits |= load_le64(data + pos) << count;
    pos += (63 - count) >> 3;
    count |= 56;
  }
  // Byte-wise refill to >= 57 bits, zeros past the end.
  KOLMO_HUFFMAN_INLINE void refill_careful() {
    while (count <= 56) {
      const std::uint64_t byte = pos < size ? data[pos] : 0;
      bits |= byte << count;
      ++pos;
      count += 8;
    }
  }
  KOLMO_HUFFMAN_INLINE bool can_refill_fast() const { return size >= 8 && pos <= size - 8; }
  KOLMO_HUFFMAN_INLINE void consume(unsigned n) {
    bits >>= n;
    count -= n;
  }
  // After the last symbol: every bit consumed must lie in the stream, the stream must end in the
  // byte of the last bit, and the padding bits in that byte must be zero.
  Status finish() const {
    const std::uint64_t consumed = std::uint64_t{pos} * 8 - count;
    if (consumed > std::uint64_t{size} * 8) return truncated("huffman: stream ends early");
    if ((consumed + 7) / 8 != size) return corrupt_data("huffman: trailing bytes after the stream");
    if (consumed % 8 != 0 && (data[size - 1] >> (consumed % 8)) != 0) {
      return corrupt_data("huffman: nonzero padding bits");
    }
    return ok_status();
  }
  // Reading far past the end can only end in finish() failing; stop early instead of decoding
  // zeros for a huge output.
  bool far_past_end() const { return pos > size + 16; }
};

}  // namespace

struct HuffmanDecodeKernels {
  // Canonical walk, one bit at a time; needs >= max_length valid bits. Returns false when no
  // code matches (only possible for the incomplete single-symbol code or bad bits).
  static bool decode_slow(const HuffmanDecoder& d, BitReader& r, std::uint32_t& symbol) {
    std::uint64_t code = 0;
    for (int l = 1; l <= d.max_length_; ++l) {
      code = (code << 1) | ((r.bits >> (l - 1)) & 1);
      const std::uint64_t index = code - d.first_code_[l];
      if (index < d.count_[l]) {
        symbol = d.sorted_symbols_[d.offset_[l] + index];
        r.consume(static_cast<unsigned>(l));
        return true;
      }
    }
    return false;
  }

  // One symbol; the reader holds >= max_length valid bits.
  template <bool kSlowCodes>
  static KOLMO_HUFFMAN_INLINE bool decode_one(const HuffmanDecoder& d, const std::uint32_t* table,
                                              BitReader& r, std::uint32_t mask,
                                              std::uint32_t& symbol) {
    const std::uint32_t e = table[r.bits & mask];
    if (kSlowCodes && (e & 0xFF) == 0) return decode_slow(d, r, symbol);
    r.consume(e & 0xFF);
    symbol = e >> 16;
    return true;
  }

  // Decodes n symbols of one stream: whole refills while 8 bytes remain, then the careful tail.
  template <int kPerRefill, bool kSlowCodes, typename Symbol>
  static Status decode_stream(const HuffmanDecoder& d, BitReader& reader, Symbol* out,
                              std::size_t n) {
    const std::uint32_t* const table = d.table_.data();
    const std::uint32_t mask = (1u << d.table_bits_) - 1;
    std::uint32_t symbol = 0;
    std::size_t i = 0;
    BitReader r = reader;  // a local copy stays in registers
    for (; i + kPerRefill <= n && r.can_refill_fast(); i += kPerRefill) {
      r.refill_fast();
      for (int k = 0; k < kPerRefill; ++k) {
        if (!decode_one<kSlowCodes>(d, table, r, mask, symbol)) return bad_code();
        out[i + k] = static_cast<Symbol>(symbol);
      }
    }
    for (; i < n; ++i) {
      r.refill_careful();
      if (r.far_past_end()) return truncated("huffman: stream ends early");
      if (!decode_one<kSlowCodes>(d, table, r, mask, symbol)) return bad_code();
      out[i] = static_cast<Symbol>(symbol);
    }
    reader = r;
    return r.finish();
  }

  // Four streams in lockstep: independent bit buffers keep four dependency chains in flight.
  template <int kPerRefill, bool kSlowCodes>
  static Status decode_four(const HuffmanDecoder& d, BitReader (&readers)[kHuffmanStreams],
                            std::uint8_t* (&out)[kHuffmanStreams],
                            const std::size_t (&n)[kHuffmanStreams]) {
    const std::uint32_t* const table = d.table_.data();
    const std::uint32_t mask = (1u << d.table_bits_) - 1;
    BitReader r0 = readers[0], r1 = readers[1], r2 = readers[2], r3 = readers[3];
    std::uint8_t *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3];
    // The last stream is the shortest; all run together for its length.
    const std::size_t common = n[kHuffmanStreams - 1];
    std::size_t i = 0;
    std::uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; i + kPerRefill <= common && r0.can_refill_fast() && r1.can_refill_fast() &&
           r2.can_refill_fast() && r3.can_refill_fast();
         i += kPerRefill) {
      r0.refill_fast();
      r1.refill_fast();
      r2.refill_fast();
      r3.refill_fast();
      for (int k = 0; k < kPerRefill; ++k) {
        bool ok = decode_one<kSlowCodes>(d, table, r0, mask, s0);
        ok &= decode_one<kSlowCodes>(d, table, r1, mask, s1);
        ok &= decode_one<kSlowCodes>(d, table, r2, mask, s2);
        ok &= decode_one<kSlowCodes>(d, table, r3, mask, s3);
        if (kSlowCodes && !ok) return bad_code();
        o0[i + k] = static_cast<std::uint8_t>(s0);
        o1[i + k] = static_cast<std::uint8_t>(s1);
        o2[i + k] = static_cast<std::uint8_t>(s2);
        o3[i + k] = static_cast<std::uint8_t>(s3);
      }
    }
    readers[0] = r0;
    readers[1] = r1;
    readers[2] = r2;
    readers[3] = r3;
    for (int k = 0; k < kHuffmanStreams; ++k) {
      KOLMO_RETURN_IF_ERROR(
          (decode_stream<kPerRefill, kSlowCodes>(d, readers[k], out[k] + i, n[k] - i)));
    }
    return ok_status();
  }

  // ---- multi-symbol path (byte alphabets, every code within the table) ----
  // A refill leaves >= 56 valid bits and one lookup consumes at most table_bits (<= 11) bits, so
  // 5 lookups fit a refill; each stores 4 bytes (the unused ones are overwritten later), so a
  // round writes at most kMultiSpan bytes and runs only while that much output remains.
  static constexpr int kMultiLookups = 56 / kTableBitsMax;
  static constexpr std::ptrdiff_t kMultiSpan = 4 * kMultiLookups;

  static void build_multi_table(HuffmanDecoder& d) {
    const std::size_t size = d.table_.size();
    const unsigned table_bits = static_cast<unsigned>(d.table_bits_);
    d.multi_table_.resize(size);
    for (std::size_t i = 0; i < size; ++i) {
      std::uint32_t symbols = 0;
      unsigned bits = 0, count = 0;
      // After `bits` bits only table_bits - bits bits of i are known: the next code counts only
      // when it fits in them (the zero bits shifted in decide nothing then).
      while (count < 4) {
        const std::uint32_t e = d.table_[i >> bits];
        const unsigned length = e & 0xFF;
        if (length == 0 || bits + length > table_bits) break;
        symbols |= (e >> 16) << (8 * count);
        bits += length;
        ++count;
      }
      d.multi_table_[i] = {symbols, static_cast<std::uint8_t>(bits),
                           static_cast<std::uint8_t>(count), 0};
    }
  }

  static KOLMO_HUFFMAN_INLINE void decode_multi(const HuffmanDecoder::MultiEntry* table,
                                                BitReader& r, std::uint32_t mask,
                                                std::uint8_t*& out) {
    const HuffmanDecoder::MultiEntry& e = table[r.bits & mask];
    store_le32(out, e.symbols);
    r.consume(e.bits);
    out += e.count;
  }

  // The rest of a stream after the multi-symbol rounds: the single-symbol loop with its careful
  // tail and the end-of-stream checks.
  static Status finish_stream(const HuffmanDecoder& d, BitReader& r, std::uint8_t* out,
                              std::size_t n) {
    return dispatch(d, [&](auto per, auto slow) {
      return decode_stream<decltype(per)::value, decltype(slow)::value>(d, r, out, n);
    });
  }

  static Status decode_one_multi(const HuffmanDecoder& d, BitReader& reader, std::uint8_t* out,
                                 std::size_t n) {
    const HuffmanDecoder::MultiEntry* const table = d.multi_table_.data();
    const std::uint32_t mask = (1u << d.table_bits_) - 1;
    BitReader r = reader;  // a local copy stays in registers
    std::uint8_t* o = out;
    std::uint8_t* const end = out + n;
    while (end - o >= kMultiSpan && r.can_refill_fast()) {
      r.refill_fast();
      for (int k = 0; k < kMultiLookups; ++k) decode_multi(table, r, mask, o);
    }
    reader = r;
    return finish_stream(d, reader, o, static_cast<std::size_t>(end - o));
  }

  // Four streams in lockstep, as decode_four, with multi-symbol lookups.
  static Status decode_four_multi(const HuffmanDecoder& d,
                                  BitReader (&readers)[kHuffmanStreams],
                                  std::uint8_t* (&out)[kHuffmanStreams],
                                  const std::size_t (&n)[kHuffmanStreams]) {
    const HuffmanDecoder::MultiEntry* const table = d.multi_table_.data();
    const std::uint32_t mask = (1u << d.table_bits_) - 1;
    BitReader r0 = readers[0], r1 = readers[1], r2 = readers[2], r3 = readers[3];
    std::uint8_t *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3];
    std::uint8_t* const end[kHuffmanStreams] = {out[0] + n[0], out[1] + n[1], out[2] + n[2],
                                                out[3] + n[3]};
    // The 4-byte stores must stay inside each stream's own part of the output: the next
    // stream's part is being written at the same time.
    while (end[0] - o0 >= kMultiSpan && end[1] - o1 >= kMultiSpan && end[2] - o2 >= kMultiSpan &&
           end[3] - o3 >= kMultiSpan && r0.can_refill_fast() && r1.can_refill_fast() &&
           r2.can_refill_fast() && r3.can_refill_fast()) {
      r0.refill_fast();
      r1.refill_fast();
      r2.refill_fast();
      r3.refill_fast();
      for (int k = 0; k < kMultiLookups; ++k) {
        decode_multi(table, r0, mask, o0);
        decode_multi(table, r1, mask, o1);
        decode_multi(table, r2, mask, o2);
        decode_multi(table, r3, mask, o3);
      }
    }
    readers[0] = r0;
    readers[1] = r1;
    readers[2] = r2;
    readers[3] = r3;
    std::uint8_t* const at[kHuffmanStreams] = {o0, o1, o2, o3};
    for (int k = 0; k < kHuffmanStreams; ++k) {
      KOLMO_RETURN_IF_ERROR(
          finish_stream(d, readers[k], at[k], static_cast<std::size_t>(end[k] - at[k])));
    }
    return ok_status();
  }

  static Status bad_code() { return corrupt_data("huffman: bit pattern is no code"); }

  // A refill leaves >= 56 valid bits; this many codes of max_length always fit.
  static int per_refill(int max_length) { return std::clamp(56 / std::max(max_length, 1), 1, 5); }

  template <typename Fn>
  static Status dispatch(const HuffmanDecoder& d, Fn&& fn) {
    auto with_slow = [&](auto per) {
      return d.has_slow_codes_ ? fn(per, std::true_type{}) : fn(per, std::false_type{});
    };
    switch (per_refill(d.max_length_)) {
      case 1: return with_slow(std::integral_constant<int, 1>{});
      case 2: return with_slow(std::integral_constant<int, 2>{});
      case 3: return with_slow(std::integral_constant<int, 3>{});
      case 4: return with_slow(std::integral_constant<int, 4>{});
      default: return with_slow(std::integral_constant<int, 5>{});
    }
  }
};

Expected<HuffmanDecoder> HuffmanDecoder::create(std::span<const std::uint8_t> lengths,
                                                int max_length) {
  KOLMO_RETURN_IF_ERROR(check_code_lengths(lengths, max_length));
  HuffmanDecoder d;
  d.alphabet_size_ = lengths.size();
  const LengthHistogram h = length_histogram(lengths);
  std::size_t used = 0;
  for (int l = 1; l <= kMaxHuffmanLength; ++l) {
    if (h.count[l] != 0) d.max_length_ = l;
    d.first_code_[l] = h.first_code[l];
    d.count_[l] = h.count[l];
    d.offset_[l] = static_cast<std::uint32_t>(used);
    used += h.count[l];
  }
  d.table_bits_ = std::clamp(d.max_length_, 1, kTableBitsMax);
  d.sorted_symbols_.resize(used);
  d.table_.assign(std::size_t{1} << d.table_bits_, 0);
  std::array<std::uint64_t, kMaxHuffmanLength + 1> next_code = h.first_code;
  std::array<std::uint32_t, kMaxHuffmanLength + 1> next_slot = d.offset_;
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int l = lengths[s];
    if (l == 0) continue;
    d.sorted_symbols_[next_slot[l]++] = static_cast<std::uint16_t>(s);
    const std::uint32_t code = static_cast<std::uint32_t>(next_code[l]++);
    if (l > d.table_bits_) continue;
    // Every table index whose low l bits are the reversed code decodes to s.
    const std::uint32_t entry = static_cast<std::uint32_t>(s << 16) | static_cast<std::uint32_t>(l);
    for (std::size_t i = reverse_bits(code, l); i < d.table_.size(); i += std::size_t{1} << l) {
      d.table_[i] = entry;
    }
  }
  // Slots still 0 belong to longer codes or, for the single-symbol code, to no code at all.
  d.has_slow_codes_ = d.max_length_ > d.table_bits_ || used == 1;
  // The multi-symbol table needs every slot to decode at least one symbol: no empty code.
  if (!d.has_slow_codes_ && used != 0 && d.alphabet_size_ <= 256) {
    HuffmanDecodeKernels::build_multi_table(d);
  }
  return d;
}

template <typename Symbol>
Status HuffmanDecoder::decode_impl(ByteSpan stream, std::span<Symbol> out) const {
  if (out.empty()) {
    if (!stream.empty()) return corrupt_data("huffman: trailing bytes after the stream");
    return ok_status();
  }
  if (max_length_ == 0) return corrupt_data("huffman: symbols requested from an empty code");
  BitReader r{stream.data(), stream.size()};
  return HuffmanDecodeKernels::dispatch(*this, [&](auto per, auto slow) {
    return HuffmanDecodeKernels::decode_stream<decltype(per)::value, decltype(slow)::value>(
        *this, r, out.data(), out.size());
  });
}

Status HuffmanDecoder::decode(ByteSpan stream, std::span<std::uint8_t> out) const {
  if (alphabet_size_ > 256) return invalid_argument("huffman: alphabet over 256 for byte output");
  // Before the multi-symbol path: an empty code's table decodes nothing and consumes no bits, so
  // that loop would never end.
  if (max_length_ == 0 && !out.empty()) {
    return corrupt_data("huffman: symbols requested from an empty code");
  }
  if (!multi_table_.empty() && !out.empty()) {
    BitReader r{stream.data(), stream.size()};
    return HuffmanDecodeKernels::decode_one_multi(*this, r, out.data(), out.size());
  }
  return decode_impl(stream, out);
}
Status HuffmanDecoder::decode(ByteSpan stream, std::span<std::uint16_t> out) const {
  return decode_impl(stream, out);
}

Status HuffmanDecoder::decode_interleaved(std::span<const ByteSpan, kHuffmanStreams> streams,
                                          std::span<std::uint8_t> out) const {
  if (alphabet_size_ > 256) return invalid_argument("huffman: alphabet over 256 for byte output");
  const std::size_t total = out.size();
  const std::size_t q = segment_size(total);
  BitReader r[kHuffmanStreams] = {{streams[0].data(), streams[0].size()},
                                  {streams[1].data(), streams[1].size()},
                                  {streams[2].data(), streams[2].size()},
                                  {streams[3].data(), streams[3].size()}};
  std::uint8_t* outs[kHuffmanStreams];
  std::size_t n[kHuffmanStreams];
  for (int k = 0; k < kHuffmanStreams; ++k) {
    const std::size_t begin = std::min(total, k * q);
    outs[k] = out.data() + begin;
    n[k] = std::min(total, (k + 1) * q) - begin;
    if (n[k] == 0 && !streams[k].empty()) return corrupt_data("huffman: data in an empty stream");
  }
  if (total == 0) return ok_status();
  if (max_length_ == 0) return corrupt_data("huffman: symbols requested from an empty code");
  if (!multi_table_.empty()) return HuffmanDecodeKernels::decode_four_multi(*this, r, outs, n);
  return HuffmanDecodeKernels::dispatch(*this, [&](auto per, auto slow) {
    return HuffmanDecodeKernels::decode_four<decltype(per)::value, decltype(slow)::value>(
        *this, r, outs, n);
  });
}

Status huffman_decode_bytes(ByteSpan blob, MutableByteSpan out) {
  ByteReader reader(blob);
  const std::uint8_t mode = reader.u8();
  KOLMO_RETURN_IF_ERROR(reader.status());
  switch (static_cast<HuffmanMode>(mode)) {
    case HuffmanMode::kEmpty:
      if (!out.empty()) return corrupt_data("huffman: empty blob for a non-empty output");
      break;
    case HuffmanMode::kSingleSymbol: {
      const std::uint8_t symbol = reader.u8();
      KOLMO_RETURN_IF_ERROR(reader.status());
      if (out.empty()) return corrupt_data("huffman: single-symbol blob for an empty output");
      std::memset(out.data(), symbol, out.size());
      break;
    }
    case HuffmanMode::kRaw: {
      const ByteSpan raw = reader.bytes(out.size());
      KOLMO_RETURN_IF_ERROR(reader.status());
      if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
      break;
    }
    case HuffmanMode::kHuffman: {
      std::vector<std::uint8_t> lengths;
      KOLMO_RETURN_IF_ERROR(read_code_lengths(reader, 256, lengths));
      KOLMO_ASSIGN_OR_RETURN(const HuffmanDecoder decoder, HuffmanDecoder::create(lengths));
      std::uint64_t sizes[kHuffmanStreams];
      std::uint64_t listed = 0;
      for (int k = 0; k + 1 < kHuffmanStreams; ++k) {
        sizes[k] = reader.varint_at_most(blob.size(), "huffman stream size");
        listed += sizes[k];
      }
      KOLMO_RETURN_IF_ERROR(reader.status());
      if (listed > reader.remaining()) return truncated("huffman: streams past the end of the blob");
      sizes[kHuffmanStreams - 1] = reader.remaining() - listed;
      ByteSpan streams[kHuffmanStreams];
      for (int k = 0; k < kHuffmanStreams; ++k) {
        streams[k] = reader.bytes(static_cast<std::size_t>(sizes[k]));
      }
      KOLMO_RETURN_IF_ERROR(reader.status());
      return decoder.decode_interleaved(streams, out);
    }
    default:
      return corrupt_data("huffman: unknown mode " + std::to_string(mode));
  }
  if (!reader.at_end()) return corrupt_data("huffman: trailing bytes after the blob");
  return ok_status();
}

}  // namespace kolmo
