// Zero-filled tables straight from the OS for the cm model. Pages a block never touches cost
// nothing, so a small block stays cheap even when the level's tables are large; zero is the
// initial value of every hashed entry, so no initialisation pass is needed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kolmo::cm {

class ZeroedTable {
 public:
  ZeroedTable() = default;
  ZeroedTable(const ZeroedTable&) = delete;
  ZeroedTable& operator=(const ZeroedTable&) = delete;
  ~ZeroedTable() { release(); }

  // False when the OS refuses the mapping. The memory is page aligned.
  bool allocate(std::uint64_t bytes);
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
