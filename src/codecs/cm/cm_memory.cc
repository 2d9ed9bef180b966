#include "codecs/cm/cm_memory.h"

#include <sys/mman.h>

namespace kolmo::cm {

bool ZeroedTable::allocate(std::uint64_t bytes) {
  release();
  if (bytes == 0) bytes = 1;
  void* p = mmap(nullptr, static_cast<std::size_t>(bytes), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
#ifdef MADV_HUGEPAGE
  // Hashed tables are read at random: huge pages spare most TLB misses (a hint only; small tables
  // skip it, since a huge page costs 2 MiB of zeroing on first touch).
  constexpr std::uint64_t kHugeFrom = std::uint64_t{8} << 20;
  if (bytes >= kHugeFrom) (void)madvise(p, static_cast<std::size_t>(bytes), MADV_HUGEPAGE);
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
