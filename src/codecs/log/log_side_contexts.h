// The side information of a log block coded as whole lines by cm (backend kBackendCmSide,
// docs/log.md "log:max with template side information"): per byte, three contexts computed from
// the line's id (raw, header + raw content, template k), the header literals, which tokens of
// the template are parameters and the bytes of the stream so far. Shared by encoder and decoder, which run it on the
// same bytes and so give the model the same contexts. Decoder side: never includes the encoder.
//
// Per byte the provider knows where in its line it is: in the literal before the first header
// field, in header field f (a field ends at the first occurrence of the next literal, as the
// parser cuts it), or in content token k (content split at single spaces). The contexts:
//   A  the line's id, the phase (field f / token k) and the bytes of the field or token so far;
//   B  "vertical": the byte at the same offset of the same field (previous line with a header)
//      or of the same token (previous line with the same id); for a constant token of the
//      template that byte alone (nearly certain, shared by all templates), else with the line's
//      id, the phase and the last byte;
//   C  the line's id, the phase, the previous line's value of that field or token (hashed) and
//      the bytes so far.
// With header keys (the hybrid way with header side information, kBackendCmSideHeader: the
// decoder has the header columns before the raw stream), one more:
//   D  the line's id, the phase, the line's header key (header_line_keys) and the bytes so far.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "codecs/cm/cm_side_contexts.h"
#include "codecs/log/log_format.h"

namespace kolmo::logc {

// What the provider knows of a template: which tokens are parameters. A constant token's bytes
// are not stored in a side-information block (the model learns them from the template's
// previous line), so the provider must not see them: the encoder would, the decoder would not.
struct SideTemplate {
  std::span<const std::uint8_t> wild;  // per token: 1 where it is a parameter
};

// Per line, a hash of its header's categorical fields (0 for a raw line, id kIdRawLine): the
// fields with at most max(1, header lines / kCategoricalShare) distinct values (component,
// level, process: not the times and counters, which would make every key new). columns: per
// header field its values over the lines with a header, in line order. Encoder and decoder
// compute it from the same values.
inline constexpr std::size_t kCategoricalShare = 8;
std::vector<std::uint64_t> header_line_keys(std::span<const std::uint32_t> ids,
                                            std::span<const std::vector<std::string_view>> columns);

class LineSideContexts final : public cm::SideContexts {
 public:
  // literals: the header's H + 1 literals; ids: per line (kIdRawLine, kIdRawContent,
  // kFirstTemplateId + k; an id beyond the templates counts as raw); history: the stream being
  // coded, of which the provider reads only the bytes already coded. All must outlive it.
  // keys: empty, or per line its header key (context D).
  LineSideContexts(std::span<const std::string_view> literals, std::vector<SideTemplate> templates,
                   std::span<const std::uint32_t> ids, const std::uint8_t* history,
                   std::span<const std::uint64_t> keys = {});

  int count() const override { return keys_.empty() ? 3 : 4; }
  void start(std::uint64_t out[kMaxSideContexts]) override;
  void after_byte(std::uint8_t byte, std::uint64_t out[kMaxSideContexts]) override;

  // Bytes of memory the provider holds for this many templates (the decoder's limit check).
  static std::uint64_t memory_bytes(std::size_t templates) { return 8 * (templates + 2) + 1024; }

 private:
  enum class Phase : std::uint8_t { kPrefix, kField, kToken };

  // A value of the previous line: [begin, end) in the history and its hash.
  struct Span {
    std::uint64_t begin = 0, end = 0, hash = 0;
    bool present = false;
  };

  std::size_t fields() const { return literals_.empty() ? 0 : literals_.size() - 1; }
  void begin_line();
  void begin_field(std::size_t f);
  void begin_content();
  void after_field_byte();
  void next_previous_token(std::uint64_t from);
  Span scan_token(std::uint64_t from) const;
  std::uint64_t hash_bytes(std::uint64_t begin, std::uint64_t end) const;
  std::uint32_t vertical(bool& constant) const;
  static std::uint32_t from_previous(const Span& s, std::uint64_t offset, const std::uint8_t* h);
  void contexts(std::uint64_t out[kMaxSideContexts]) const;

  std::span<const std::string_view> literals_;
  std::vector<SideTemplate> templates_;
  std::span<const std::uint32_t> ids_;
  const std::uint8_t* history_;
  std::span<const std::uint64_t> keys_;
  std::uint64_t key_ = 0;         // the line's header key
  // Per id: 1 + the position where the content of its last line began (0: none yet).
  std::vector<std::uint64_t> previous_content_;
  std::array<Span, kMaxHeaderFields> fields_{}, previous_fields_{};

  std::uint64_t pos_ = 0;   // bytes coded
  std::uint64_t line_ = 0;  // lines completed
  std::uint32_t id_ = kIdRawLine;
  const SideTemplate* template_ = nullptr;  // the line's template, if it has one
  Phase phase_ = Phase::kToken;
  std::size_t field_ = 0, token_ = 0;
  std::uint64_t segment_start_ = 0;  // first byte of the current prefix, field or token
  std::uint64_t so_far_ = 0;         // hash of the segment's bytes so far
  std::uint8_t last_byte_ = 0;
  bool header_complete_ = false;     // every field of this line has ended
  bool content_started_ = false;
  std::uint64_t content_start_ = 0;
  Span previous_token_;              // token k of the previous line with this id
};

}  // namespace kolmo::logc
