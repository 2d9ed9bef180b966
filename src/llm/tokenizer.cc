#include "llm/tokenizer.h"

#include <cstdio>
#include <queue>

#include "llm/float_convert.h"

namespace kolmo::llm {

Expected<Tokenizer> Tokenizer::parse(ByteSpan file, std::size_t vocab_size) {
  ByteReader in(file);
  const std::uint32_t max_length = in.u32();
  if (!in.ok()) return truncated("tokenizer: shorter than its 4-byte header");
  if (max_length > kMaxTokenBytes) return corrupt_data("tokenizer: max_token_length too large");
  // Every entry takes at least 8 bytes: refuse a vocabulary the file cannot hold before reserving.
  if (vocab_size > in.remaining() / 8) {
    return truncated("tokenizer: file too short for " + std::to_string(vocab_size) + " tokens");
  }
  Tokenizer t;
  t.pieces_.reserve(vocab_size);
  t.scores_.reserve(vocab_size);
  for (std::size_t i = 0; i < vocab_size; ++i) {
    const float score = bits_to_float(in.u32());
    const std::uint32_t length = in.u32();
    if (!in.ok()) break;
    if (length > max_length) {
      return corrupt_data("tokenizer: token " + std::to_string(i) + " longer than max_token_length");
    }
    const ByteSpan bytes = in.bytes(length);
    if (!in.ok()) break;
    t.pieces_.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    t.scores_.push_back(score);
    t.ids_.emplace(t.pieces_.back(), static_cast<int>(i));
  }
  if (!in.ok()) return truncated("tokenizer: " + in.status().message());
  return t;
}

int Tokenizer::lookup(const std::string& piece) const {
  const auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(std::string_view text, bool bos, bool eos) const {
  std::vector<int> tokens;
  if (bos) tokens.push_back(kBosToken);
  if (!text.empty()) {
    const int space = lookup(" ");
    if (space >= 0) tokens.push_back(space);
  }
  // Whole UTF-8 characters (at most 4 bytes) when the vocabulary has them, else byte tokens.
  std::string character;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) character.clear();
    character.push_back(static_cast<char>(c));
    const bool continues = i + 1 < text.size() &&
                           (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    if (continues && character.size() < 4) continue;
    const int id = lookup(character);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (const char b : character) tokens.push_back(static_cast<unsigned char>(b) + 3);
    }
    character.clear();
  }

  // Merging, in run.c's order (best score, leftmost on ties) but with a heap over a linked list
  // instead of a rescan per merge, so long texts stay fast. A heap entry is stale once either
  // side changed; `version` detects that.
  const std::size_t n = tokens.size();
  std::vector<int> id(tokens), prev(n), next(n);
  std::vector<std::uint32_t> version(n, 0);
  std::vector<bool> alive(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int>(i + 1) : -1;
  }
  struct Candidate {
    float score;
    int left, right;
    std::uint32_t left_version, right_version;
    int merged;
    bool operator<(const Candidate& o) const {  // max-heap: higher score, then smaller left
      if (score != o.score) return score < o.score;
      return left > o.left;
    }
  };
  std::priority_queue<Candidate> heap;
  const auto consider = [&](int left) {
    if (left < 0 || next[left] < 0) return;
    const int right = next[left];
    // BOS/EOS and byte fallbacks may lie outside a small vocabulary; they never merge.
    if (static_cast<std::size_t>(id[left]) >= size() || static_cast<std::size_t>(id[right]) >= size()) return;
    const int merged = lookup(piece(id[left]) + piece(id[right]));
    // run.c starts from a best score of -1e10 with a strict comparison; NaN never wins either.
    if (merged < 0 || !(scores_[merged] > -1e10f)) return;
    heap.push({scores_[merged], left, right, version[left], version[right], merged});
  };
  for (std::size_t i = 0; i + 1 < n; ++i) consider(static_cast<int>(i));
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right ||
        version[c.left] != c.left_version || version[c.right] != c.right_version) {
      continue;
    }
    id[c.left] = c.merged;
    ++version[c.left];
    alive[c.right] = false;
    next[c.left] = next[c.right];
    if (next[c.right] >= 0) prev[next[c.right]] = c.left;
    consider(prev[c.left]);
    consider(c.left);
  }
  std::vector<int> out;
  out.reserve(n + 1);
  for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(id[i]);
  if (eos) out.push_back(kEosToken);
  return out;
}

std::string Tokenizer::decode(int previous, int token) const {
  if (token < 0 || static_cast<std::size_t>(token) >= pieces_.size()) return {};
  std::string text = pieces_[static_cast<std::size_t>(token)];
  if (previous == kBosToken && !text.empty() && text[0] == ' ') text.erase(0, 1);
  unsigned byte = 0;
  if (text.size() == 6 && std::sscanf(text.c_str(), "<0x%02X>", &byte) == 1) {
    return std::string(1, static_cast<char>(byte));
  }
  return text;
}

}  // namespace kolmo::llm
