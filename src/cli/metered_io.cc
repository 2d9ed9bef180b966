#include "cli/metered_io.h"

namespace kolmo::cli {

Expected<std::size_t> MeteredSource::read(MutableByteSpan out) {
  Expected<std::size_t> n = inner_.read(out);
  if (n.ok()) {
    hash_.update(ByteSpan(out.data(), *n));
    bytes_ += *n;
  }
  return n;
}

Status MeteredSink::write(ByteSpan data) {
  if (inner_ != nullptr) KOLMO_RETURN_IF_ERROR(inner_->write(data));
  hash_.update(data);
  bytes_ += data.size();
  return ok_status();
}

}  // namespace kolmo::cli
