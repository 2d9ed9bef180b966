#include "container/source_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kolmo::kmo {

Status SourceReader::refill() {
  pos_ = end_ = 0;
  if (eof_) return ok_status();
  Expected<std::size_t> n = source_.read(MutableByteSpan(buffer_, sizeof(buffer_)));
  if (!n.ok()) return n.status();
  if (*n > sizeof(buffer_)) return internal_error("a byte source returned more than asked");
  if (*n == 0) eof_ = true;
  end_ = *n;
  return ok_status();
}

Expected<std::size_t> SourceReader::append_up_to(Bytes& out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    if (pos_ == end_) {
      KOLMO_RETURN_IF_ERROR(refill());
      if (end_ == 0) break;
    }
    const std::size_t take = std::min(n - done, end_ - pos_);
    // Doubling growth keeps copies amortized while memory follows what really arrived.
    if (out.capacity() < out.size() + take) {
      out.reserve(
          std::max(out.size() + take, std::min(out.size() + (n - done), 2 * out.capacity())));
    }
    out.insert(out.end(), buffer_ + pos_, buffer_ + pos_ + take);
    pos_ += take;
    done += take;
    offset_ += take;
  }
  return done;
}

Status SourceReader::append_exact(Bytes& out, std::size_t n, std::string_view what) {
  Expected<std::size_t> got = append_up_to(out, n);
  if (!got.ok()) return got.status();
  if (*got < n) {
    return truncated("the file ends inside " + std::string(what) + " (" + std::to_string(*got) +
                     " of " + std::to_string(n) + " bytes present)");
  }
  return ok_status();
}

Status SourceReader::read_exact(MutableByteSpan out, std::string_view what) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (pos_ == end_) {
      KOLMO_RETURN_IF_ERROR(refill());
      if (end_ == 0) {
        return truncated("the file ends inside " + std::string(what) + " (" + std::to_string(done) +
                         " of " + std::to_string(out.size()) + " bytes present)");
      }
    }
    const std::size_t take = std::min(out.size() - done, end_ - pos_);
    std::memcpy(out.data() + done, buffer_ + pos_, take);
    pos_ += take;
    done += take;
    offset_ += take;
  }
  return ok_status();
}

Status SourceReader::skip(std::uint64_t n, std::string_view what) {
  std::uint64_t done = 0;
  while (done < n) {
    if (pos_ == end_) {
      KOLMO_RETURN_IF_ERROR(refill());
      if (end_ == 0) return truncated("the file ends inside " + std::string(what));
    }
    const std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(n - done, end_ - pos_));
    pos_ += take;
    done += take;
    offset_ += take;
  }
  return ok_status();
}

Expected<bool> SourceReader::next_byte(std::uint8_t& out) {
  if (pos_ == end_) {
    KOLMO_RETURN_IF_ERROR(refill());
    if (end_ == 0) return false;
  }
  out = buffer_[pos_++];
  ++offset_;
  return true;
}

}  // namespace kolmo::kmo
