#include "entropy/multisymbol_coder.h"

#include <algorithm>
#include <numeric>

namespace kolmo {
namespace {

bool valid_scale(std::uint32_t scale_bits) { return scale_bits >= 1 && scale_bits <= kMaxScaleBits; }

}  // namespace

// ---- encoder ----

Expected<Bytes> RansEncoder::finish() {
  std::vector<SymbolSlice> slices = std::move(slices_);
  slices_.clear();
  if (!valid_scale(scale_bits_)) {
    return invalid_argument("rANS scale_bits " + std::to_string(scale_bits_) + " outside 1.." +
                            std::to_string(kMaxScaleBits));
  }
  const std::uint64_t total = std::uint64_t{1} << scale_bits_;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    const SymbolSlice& s = slices[i];
    if (s.freq == 0 || std::uint64_t{s.start} + s.freq > total) {
      return invalid_argument("rANS symbol " + std::to_string(i) + " has an invalid slice (start " +
                              std::to_string(s.start) + ", freq " + std::to_string(s.freq) + ")");
    }
  }
  // Words are produced last-to-first; collect them and reverse once at the end.
  std::vector<std::uint32_t> words;
  words.reserve(slices.size() / 2 + 1);
  std::uint64_t x = rans_detail::kLow;
  // x stays in [kLow, kLow << 32) = [2^31, 2^63). Before coding a symbol of frequency f, x must be
  // below f * 2^(63 - scale_bits) so that the coded state stays below 2^63; shifting out 32 bits
  // once always suffices because x >> 32 < 2^31 <= 2^(63 - scale_bits).
  const std::uint32_t limit_shift = 63 - scale_bits_;
  for (std::size_t i = slices.size(); i-- > 0;) {
    const SymbolSlice s = slices[i];
    const std::uint64_t x_max = static_cast<std::uint64_t>(s.freq) << limit_shift;
    if (x >= x_max) {
      words.push_back(static_cast<std::uint32_t>(x));
      x >>= 32;
    }
    x = ((x / s.freq) << scale_bits_) + (x % s.freq) + s.start;
  }
  Bytes out(8 + 4 * words.size());
  store_le64(out.data(), x);
  std::uint8_t* p = out.data() + 8;
  for (std::size_t i = words.size(); i-- > 0; p += 4) store_le32(p, words[i]);
  return out;
}

// ---- decoder ----

RansDecoder::RansDecoder(ByteSpan in, std::uint32_t scale_bits)
    : in_(in), scale_bits_(scale_bits) {
  if (!valid_scale(scale_bits_)) {
    // Keep the arithmetic defined (shifts below 64) and report the problem from finish().
    bad_scale_ = true;
    scale_bits_ = kDefaultScaleBits;
  }
  mask_ = (std::uint64_t{1} << scale_bits_) - 1;
  const std::uint64_t lo = next_word();
  const std::uint64_t hi = next_word();
  x_ = lo | (hi << 32);
}

std::uint32_t RansDecoder::next_word() {
  if (pos_ + 4 > in_.size()) {
    overran_ = true;
    pos_ = in_.size();
    return 0;
  }
  const std::uint32_t w = load_le32(in_.data() + pos_);
  pos_ += 4;
  return w;
}

Status RansDecoder::finish() const {
  if (bad_scale_) return invalid_argument("rANS decoder: scale_bits out of range");
  if (overran_) return corrupt_data("rANS stream ended before its last symbol");
  if (pos_ != in_.size()) return corrupt_data("rANS stream has trailing bytes");
  if (x_ != rans_detail::kLow) return corrupt_data("rANS stream did not end in its initial state");
  return ok_status();
}

// ---- quantization ----

Expected<std::vector<std::uint32_t>> quantize_frequencies(std::span<const std::uint64_t> counts,
                                                          std::uint32_t scale_bits,
                                                          bool keep_all_symbols) {
  if (!valid_scale(scale_bits)) return invalid_argument("quantize: scale_bits out of range");
  const std::uint64_t total = std::uint64_t{1} << scale_bits;
  const std::size_t n = counts.size();
  unsigned __int128 sum = 0;
  std::uint64_t need_slot = 0;
  for (std::uint64_t c : counts) {
    sum += c;
    need_slot += (c > 0 || keep_all_symbols) ? 1 : 0;
  }
  if (need_slot == 0) return invalid_argument("quantize: no symbol has a nonzero count");
  if (need_slot > total) {
    return invalid_argument("quantize: " + std::to_string(need_slot) +
                            " symbols need a slot but the total is only " + std::to_string(total));
  }
  std::vector<std::uint32_t> freq(n, 0);
  if (sum == 0) {  // keep_all_symbols with all-zero counts: uniform.
    const std::uint64_t each = total / n;
    std::uint64_t rest = total - each * n;
    for (std::size_t i = 0; i < n; ++i) {
      freq[i] = static_cast<std::uint32_t>(each + (i < rest ? 1 : 0));
    }
    return freq;
  }
  // Proportional floor, remembering each symbol's fractional part (as a numerator over sum).
  std::vector<unsigned __int128> remainder(n, 0);
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned __int128 scaled = static_cast<unsigned __int128>(counts[i]) * total;
    std::uint64_t f = static_cast<std::uint64_t>(scaled / sum);
    remainder[i] = scaled % sum;
    if (f == 0 && (counts[i] > 0 || keep_all_symbols)) {
      f = 1;
      remainder[i] = 0;  // already rounded up
    }
    freq[i] = static_cast<std::uint32_t>(f);
    assigned += f;
  }
  if (assigned < total) {
    // Hand out the deficit (< n) by largest fractional part; ties go to the lower index so the
    // result is the same everywhere.
    std::uint64_t deficit = total - assigned;
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(deficit, n));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
                        return remainder[a] != remainder[b] ? remainder[a] > remainder[b] : a < b;
                      });
    for (std::size_t j = 0; j < k; ++j) ++freq[order[j]];
    deficit -= k;
    // Only possible when n is tiny: give anything left to the most frequent symbol.
    if (deficit > 0) {
      const auto top = std::max_element(freq.begin(), freq.end()) - freq.begin();
      freq[static_cast<std::size_t>(top)] += static_cast<std::uint32_t>(deficit);
    }
  } else if (assigned > total) {
    // The minimum-one rule overshot. Take the surplus from the symbols with the most room, where
    // one unit costs the least (relative change f / (f - 1) is smallest for large f).
    std::uint64_t surplus = assigned - total;
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return freq[a] != freq[b] ? freq[a] > freq[b] : a < b;
    });
    // Proportional pass: each symbol gives up a share of the surplus matching its spare room.
    const std::uint64_t spare_total = assigned - need_slot;  // sum of (f - 1) over slotted symbols
    std::uint64_t taken = 0;
    for (std::uint32_t i : order) {
      if (freq[i] <= 1) break;
      const std::uint64_t share = static_cast<std::uint64_t>(
          static_cast<unsigned __int128>(freq[i] - 1) * surplus / spare_total);
      freq[i] -= static_cast<std::uint32_t>(share);
      taken += share;
    }
    // Rounding leaves a little: one unit each from the largest, repeating while needed.
    std::uint64_t left = surplus - taken;
    while (left > 0) {
      for (std::uint32_t i : order) {
        if (left == 0) break;
        if (freq[i] > 1) {
          --freq[i];
          --left;
        }
      }
    }
  }
  return freq;
}

// ---- cumulative table ----

CumulativeTable::CumulativeTable(std::span<const std::uint32_t> freqs) : cum_(freqs.size() + 1, 0) {
  for (std::size_t i = 0; i < freqs.size(); ++i) cum_[i + 1] = cum_[i] + freqs[i];
}

std::uint32_t CumulativeTable::find(std::uint32_t slot, SymbolSlice& out) const {
  if (total() == 0) {
    out = {0, 0};
    return 0;
  }
  const std::uint64_t target = std::min<std::uint64_t>(slot, total() - 1);
  // The last s with cum[s] <= target; its slice is nonempty because cum[s + 1] > target.
  const auto it = std::upper_bound(cum_.begin(), cum_.end(), target);
  const auto s = static_cast<std::uint32_t>((it - cum_.begin()) - 1);
  out = slice(s);
  return s;
}

}  // namespace kolmo
