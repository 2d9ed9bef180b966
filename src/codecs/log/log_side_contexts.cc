#include "codecs/log/log_side_contexts.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace kolmo::logc {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

std::uint64_t extend(std::uint64_t h, std::uint8_t byte) {
  return (h + byte + 1) * 0x2F0B3A49A1B3C5D7ull;
}

// Codes for what the vertical byte is when it is not a byte: the previous value ended here (with
// the separator that followed it), it ended earlier, there is no previous value.
constexpr std::uint32_t kAtEnd = 0x100, kPastEnd = 0x300, kNone = 0x400;

std::uint64_t hash_text(std::string_view s) {
  std::uint64_t h = 0;
  for (const char c : s) h = extend(h, static_cast<std::uint8_t>(c));
  return h;
}

bool is_categorical(const std::vector<std::string_view>& values, std::size_t limit) {
  std::unordered_set<std::string_view> distinct;
  for (const std::string_view v : values) {
    distinct.insert(v);
    if (distinct.size() > limit) return false;
  }
  return true;
}

}  // namespace

std::vector<std::uint64_t> header_line_keys(std::span<const std::uint32_t> ids,
                                            std::span<const std::vector<std::string_view>> columns) {
  std::vector<std::uint64_t> keys(ids.size(), 0);
  std::size_t header_lines = 0;
  for (const std::uint32_t id : ids) header_lines += id != kIdRawLine ? 1 : 0;
  const std::size_t limit = std::max<std::size_t>(1, header_lines / kCategoricalShare);
  std::vector<std::size_t> used;
  for (std::size_t f = 0; f < columns.size(); ++f) {
    if (columns[f].size() == header_lines && is_categorical(columns[f], limit)) used.push_back(f);
  }
  std::size_t j = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == kIdRawLine) continue;
    std::uint64_t h = 0x5851F42D4C957F2Dull;
    for (const std::size_t f : used) h = mix(h, hash_text(columns[f][j]));
    keys[i] = h | 1;  // never 0, the raw lines' key
    ++j;
  }
  return keys;
}

LineSideContexts::LineSideContexts(std::span<const std::string_view> literals,
                                   std::vector<SideTemplate> templates,
                                   std::span<const std::uint32_t> ids, const std::uint8_t* history,
                                   std::span<const std::uint64_t> keys)
    : literals_(literals.size() > kMaxHeaderFields + 1 ? literals.first(kMaxHeaderFields + 1) : literals),
      templates_(std::move(templates)),
      ids_(ids),
      history_(history),
      keys_(keys),
      previous_content_(templates_.size() + kFirstTemplateId, 0) {}

void LineSideContexts::start(std::uint64_t out[kMaxSideContexts]) {
  begin_line();
  contexts(out);
}

void LineSideContexts::begin_line() {
  id_ = line_ < ids_.size() ? ids_[line_] : kIdRawLine;
  if (id_ >= previous_content_.size()) id_ = kIdRawLine;
  template_ = id_ >= kFirstTemplateId ? &templates_[id_ - kFirstTemplateId] : nullptr;
  key_ = line_ < keys_.size() ? keys_[line_] : 0;
  header_complete_ = false;
  content_started_ = false;
  if (id_ == kIdRawLine) {
    begin_content();
  } else if (!literals_.empty() && !literals_[0].empty()) {
    phase_ = Phase::kPrefix;
    segment_start_ = pos_;
    so_far_ = 0;
  } else if (fields() > 0) {
    begin_field(0);
  } else {
    begin_content();
  }
}

void LineSideContexts::begin_field(std::size_t f) {
  phase_ = Phase::kField;
  field_ = f;
  segment_start_ = pos_;
  so_far_ = 0;
}

void LineSideContexts::begin_content() {
  if (id_ != kIdRawLine) header_complete_ = true;
  phase_ = Phase::kToken;
  token_ = 0;
  segment_start_ = pos_;
  so_far_ = 0;
  content_started_ = true;
  content_start_ = pos_;
  const std::uint64_t previous = previous_content_[id_];
  previous_token_ = previous != 0 ? scan_token(previous - 1) : Span{};
}

// The token of an earlier line starting at from: up to the next space or line end.
LineSideContexts::Span LineSideContexts::scan_token(std::uint64_t from) const {
  Span s;
  s.begin = from;
  s.end = from;
  while (s.end < pos_ && history_[s.end] != ' ' && history_[s.end] != '\n') ++s.end;
  s.present = s.end < pos_;  // its separator is known too
  s.hash = hash_bytes(s.begin, s.end);
  return s;
}

void LineSideContexts::next_previous_token(std::uint64_t from) {
  if (previous_token_.present && history_[previous_token_.end] == ' ') {
    previous_token_ = scan_token(from);
  } else {
    previous_token_ = Span{};
  }
}

std::uint64_t LineSideContexts::hash_bytes(std::uint64_t begin, std::uint64_t end) const {
  std::uint64_t h = 0;
  for (std::uint64_t i = begin; i < end; ++i) h = extend(h, history_[i]);
  return h;
}

void LineSideContexts::after_byte(std::uint8_t byte, std::uint64_t out[kMaxSideContexts]) {
  ++pos_;
  if (byte == '\n') {
    if (header_complete_) previous_fields_ = fields_;
    if (content_started_) previous_content_[id_] = content_start_ + 1;
    ++line_;
    begin_line();
    last_byte_ = byte;
    contexts(out);
    return;
  }
  switch (phase_) {
    case Phase::kPrefix:
      if (pos_ - segment_start_ >= literals_[0].size()) {
        if (fields() > 0) {
          begin_field(0);
        } else {
          begin_content();
        }
      }
      break;
    case Phase::kField:
      so_far_ = extend(so_far_, byte);
      after_field_byte();
      break;
    case Phase::kToken:
      if (byte == ' ') {
        ++token_;
        segment_start_ = pos_;
        so_far_ = 0;
        next_previous_token(previous_token_.end + 1);
      } else {
        so_far_ = extend(so_far_, byte);
      }
      break;
  }
  last_byte_ = byte;
  contexts(out);
}

// A field ends at the first occurrence of the next literal: the first time the field's bytes
// end with it.
void LineSideContexts::after_field_byte() {
  const std::string_view lit = literals_[field_ + 1];
  if (pos_ - segment_start_ < lit.size() ||
      std::memcmp(history_ + (pos_ - lit.size()), lit.data(), lit.size()) != 0) {
    return;
  }
  Span& f = fields_[field_];
  f.begin = segment_start_;
  f.end = pos_ - lit.size();
  f.hash = hash_bytes(f.begin, f.end);
  f.present = true;
  if (field_ + 1 < fields()) {
    begin_field(field_ + 1);
  } else {
    begin_content();
  }
}

// The byte at offset of a previous value (or the separator after it, flagged), else a code.
std::uint32_t LineSideContexts::from_previous(const Span& s, std::uint64_t offset,
                                              const std::uint8_t* h) {
  if (!s.present) return kNone;
  const std::uint64_t p = s.begin + offset;
  if (p < s.end) return h[p];
  return p == s.end ? kAtEnd | h[p] : kPastEnd;
}

std::uint32_t LineSideContexts::vertical(bool& constant) const {
  const std::uint64_t offset = pos_ - segment_start_;
  constant = false;
  switch (phase_) {
    case Phase::kPrefix: {
      constant = true;
      const std::string_view lit = literals_[0];
      return offset < lit.size() ? static_cast<std::uint8_t>(lit[offset]) : kPastEnd;
    }
    case Phase::kField:
      return from_previous(previous_fields_[field_], offset, history_);
    case Phase::kToken:
      break;
  }
  // A constant token of the template: its bytes are those of the template's previous line (the
  // template's token texts are not stored; the first line teaches them).
  constant = template_ != nullptr && token_ < template_->wild.size() && template_->wild[token_] == 0;
  return from_previous(previous_token_, offset, history_);
}

void LineSideContexts::contexts(std::uint64_t out[kMaxSideContexts]) const {
  std::uint64_t phase = 0;
  std::uint64_t previous_value = 0;
  switch (phase_) {
    case Phase::kPrefix: phase = 1ull << 40; break;
    case Phase::kField:
      phase = (2ull << 40) | field_;
      previous_value = previous_fields_[field_].present ? previous_fields_[field_].hash : 1;
      break;
    case Phase::kToken:
      phase = (3ull << 40) | std::min<std::uint64_t>(token_, 4095);
      previous_value = previous_token_.present ? previous_token_.hash : 1;
      break;
  }
  bool constant = false;
  const std::uint32_t v = vertical(constant);
  const std::uint64_t line = mix(mix(1, id_), phase);
  out[0] = mix(line, so_far_);
  const std::uint32_t last = pos_ > segment_start_ ? last_byte_ : 0x1FF;
  if (constant && v != kNone) {
    out[1] = mix(2, v);  // the template says which byte comes: shared by all templates
  } else {
    const std::uint64_t where = phase_ == Phase::kField ? mix(3, phase) : line;
    out[1] = mix(mix(where, v), last);
  }
  out[2] = mix(mix(line + 4, previous_value), so_far_);
  if (keys_.empty()) return;
  out[3] = mix(mix(line + 6, key_), so_far_);
}

}  // namespace kolmo::logc
