#include "codecs/cm/cm_memory.h"

#include <sys/mman.h>

namespace kolmo::cm {

namespace {
constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kHugePage = std::uint64_t{2} << 20;

void* map_zeroed(std::uint64_t bytes) {
  void* p = mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// A mapping of `bytes` (a multiple of the page) that starts on a 2 MiB boundary, so that the
// kernel can back all of it with huge pages: maps 2 MiB more and unmaps the ends.
void* map_zeroed_huge_aligned(std::uint64_t bytes) {
  char* raw = static_cast<char*>(map_zeroed(bytes + kHugePage));
  if (raw == nullptr) return nullptr;
  const std::uint64_t address = reinterpret_cast<std::uintptr_t>(raw);
  const std::uint64_t head = (kHugePage - address % kHugePage) % kHugePage;
  if (head > 0) munmap(raw, static_cast<std::size_t>(head));
  const std::uint64_t tail = kHugePage - head;
  if (tail > 0) munmap(raw + head + bytes, static_cast<std::size_t>(tail));
  return raw + head;
}
}  // namespace

bool ZeroedTable::allocate(std::uint64_t bytes, std::uint64_t huge_from) {
  release();
  if (bytes == 0) bytes = 1;
  bytes = (bytes + kPage - 1) / kPage * kPage;
  const bool huge = bytes >= huge_from;
  void* p = huge ? map_zeroed_huge_aligned(bytes) : map_zeroed(bytes);
  if (p == nullptr) return false;
#ifdef MADV_HUGEPAGE
  // Hashed tables are read at random: huge pages spare most TLB misses.
  if (huge) (void)madvise(p, static_cast<std::size_t>(bytes), MADV_HUGEPAGE);
#endif
  data_ = p;
  bytes_ = bytes;
  return true;
}

void ZeroedTable::release() {
  if (data_ != nullptr) munmap(data_, static_cast<std::size_t>(bytes_));
  data_ = nullptr;
  bytes_ = 0;
}

}  // namespace kolmo::cm
