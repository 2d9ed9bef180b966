// Zero-filled tables straight from the OS for the cm model. Pages a block never touches cost
// nothing, so a small block stays cheap even when the level's tables are large; zero is the
// initial value of every hashed entry, so no initialisation pass is needed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kolmo::cm {

class ZeroedTable {
 public:
  // Tables from this size on are asked for huge pages by default (a huge page costs 2 MiB of
  // zeroing on first touch, so sparse small tables skip them).
  static constexpr std::uint64_t kHugeFrom = std::uint64_t{8} << 20;
  // For tables that are filled whole anyway (initial values written everywhere): the zeroing is
  // paid regardless, and huge pages spare the TLB misses of reading them at random.
  static constexpr std::uint64_t kHugeFromFilled = std::uint64_t{2} << 20;

  ZeroedTable() = default;
  ZeroedTable(const ZeroedTable&) = delete;
  ZeroedTable& operator=(const ZeroedTable&) = delete;
  ~ZeroedTable() { release(); }

  // False when the OS refuses the mapping. The memory is page aligned; tables of huge_from bytes
  // or more are aligned to 2 MiB and advised to use huge pages (a hint only).
  bool allocate(std::uint64_t bytes, std::uint64_t huge_from = kHugeFrom);
  template <typename T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  void release();
  void* data_ = nullptr;
  std::uint64_t bytes_ = 0;
};

}  // namespace kolmo::cm
