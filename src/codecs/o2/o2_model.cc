#include "codecs/o2/o2_model.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>


namespace kolmo::o2 {
namespace {

constexpr std::uint64_t kOrder0Entries = 256;
constexpr std::uint64_t kOrder1Entries = 256 * 256;
constexpr std::uint64_t kOrder2Entries = 65536 * Model::kLinesPerOrder2Context * 16;
constexpr std::uint64_t kHashedEntries = std::uint64_t{1} << Model::kHashBits;
constexpr std::uint64_t kMixerEntries = 256 * 8;
constexpr std::uint64_t kSseEntries = 256 * 256 * 33 + 1;  // +1: interpolation reads index + 1

}  // namespace

std::uint64_t model_memory_bytes(const Params& p) {
  std::uint64_t entries = kOrder0Entries + kOrder1Entries + kOrder2Entries;
  if (p.has(kFlagOrder3)) entries += kHashedEntries;
  if (p.has(kFlagOrder4)) entries += kHashedEntries;
  std::uint64_t bytes = entries * 4 + kMixerEntries * 4;
  if (p.has(kFlagSse)) bytes += kSseEntries * 2;
  return bytes + sizeof(Model);
}

Model::Model(const Params& p) : params_(p), lt_(logistic_tables()) {}

void* Model::map_zeroed(std::uint64_t bytes, bool huge_pages) {
  void* p = mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  // The big tables are read at random: huge pages spare most TLB misses. Only a hint.
  // Small blocks touch few pages, and a huge page costs 2 MiB of zeroing on first touch.
  if (huge_pages) (void)madvise(p, static_cast<std::size_t>(bytes), MADV_HUGEPAGE);
#endif
  return p;
}

void Model::unmap(void* p, std::uint64_t bytes) { munmap(p, static_cast<std::size_t>(bytes)); }

// Resident pages (those touched) are zeroed with memset; every other run of pages is handed back
// with MADV_DONTNEED, which guarantees zero-filled pages on the next touch (also for pages that
// were swapped out, which mincore does not report as resident).
void Model::zero_mapped(void* p, std::uint64_t bytes) {
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  const std::uint64_t pages = (bytes + page - 1) / page;
  auto* base = static_cast<unsigned char*>(p);
  std::vector<unsigned char> resident(static_cast<std::size_t>(pages));
  if (mincore(p, static_cast<std::size_t>(bytes), resident.data()) != 0) {
    std::memset(p, 0, static_cast<std::size_t>(bytes));
    return;
  }
  std::uint64_t run = 0;  // first page of the current run of pages that are not resident
  for (std::uint64_t i = 0; i <= pages; ++i) {
    const bool touched = i < pages && (resident[static_cast<std::size_t>(i)] & 1) != 0;
    if (i < pages && !touched) continue;
    if (run < i && madvise(base + run * page, static_cast<std::size_t>((i - run) * page), MADV_DONTNEED) != 0) {
      std::memset(base + run * page, 0, static_cast<std::size_t>(std::min(bytes, i * page) - run * page));
    }
    if (touched) std::memset(base + i * page, 0, static_cast<std::size_t>(std::min(page, bytes - i * page)));
    run = i + 1;
  }
}

void Model::reset() {
  t0_.clear();
  t1_.clear();
  t2_.clear();
  t3_.clear();
  t4_.clear();
  weights_.clear();
  sse_.clear();
  c0_ = 1;
  nibble_ = 1;
  history_ = 0;
  c1_base_ = 0;
  for (auto& s : slots_) s = nullptr;
  for (auto& s : st_) s = 0;
  mix_x_ = 0;
  p_mix_ = 32768;
  sse_index_ = 0;
  sse_weight_ = 0;
  init_state();
}

// Mixer: counters start at a modest equal weight (0.3 each), the bias at zero.
void Model::init_state() {
  const int inputs = 3 + (params_.has(kFlagOrder3) ? 1 : 0) + (params_.has(kFlagOrder4) ? 1 : 0);
  for (std::uint64_t set = 0; set < 256; ++set) {
    for (int i = 0; i < inputs; ++i) weights_[set * kMaxInputs + i] = 19661;
  }
  select_lines();
}

bool Model::allocate(bool huge_pages) {
  // Zero is every counter's initial state, so the tables need no initialization pass.
  if (!t0_.allocate(kOrder0Entries) || !t1_.allocate(kOrder1Entries) ||
      !t2_.allocate(kOrder2Entries, huge_pages) || !weights_.allocate(kMixerEntries)) {
    return false;
  }
  if (params_.has(kFlagOrder3) && !t3_.allocate(kHashedEntries, huge_pages)) return false;
  if (params_.has(kFlagOrder4) && !t4_.allocate(kHashedEntries, huge_pages)) return false;
  if (params_.has(kFlagSse)) {
    if (!sse_.allocate(kSseEntries)) return false;
    // Bucket j of the identity map holds squash of its own stretch value (the extra entry only
    // keeps interpolation at the top bucket in bounds).
    for (int j = 0; j <= kSseBuckets; ++j) {
      sse_identity_[j] = static_cast<std::uint16_t>(squash16(lt_, j * 128 - 2048));
    }
  }
  init_state();
  return true;
}

Expected<std::unique_ptr<Model>> Model::create(const Params& p, std::uint64_t memory_limit,
                                              std::uint64_t block_size) {
  const std::uint64_t need = model_memory_bytes(p);
  if (need > memory_limit) {
    return limit_exceeded("o2 model needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(memory_limit));
  }
  std::unique_ptr<Model> m(new Model(p));
  if (!m->allocate(block_size >= (std::uint64_t{1} << 20))) {
    return limit_exceeded("o2 model: cannot allocate " + std::to_string(need) + " bytes");
  }
  return m;
}

void Model::end_of_byte(std::uint8_t byte) {
  history_ = (history_ << 8) | byte;
  c0_ = 1;
  nibble_ = 1;
  c1_base_ = (history_ & 0xff) << 8;
  select_lines();
}

void Model::select_lines() {
  const Lines l = lines_for(history_, c0_);
  o2_line_ = l.o2;
  o3_line_ = l.o3;
  o4_line_ = l.o4;
}

void learn(Model& m, ByteSpan prime) {
  with_flags(m.params().flags, [&](auto flags) {
    constexpr std::uint8_t kFlags = decltype(flags)::value;
    for (const std::uint8_t byte : prime) {
      for (int i = 7; i >= 0; --i) {
        (void)m.predict<kFlags>();
        m.update<kFlags>((byte >> i) & 1);
      }
    }
  });
}

}  // namespace kolmo::o2
