// Multi-file archives (format 1.1): round trips, identical output for any thread count, random
// access to entries and byte ranges, path and size validation in writer and readers, refusal to
// mix archives and plain streams, and detection of every bit flip and truncation.
#include <gtest/gtest.h>

#include "archive_util.h"
#include "container/entry.h"
#include "kolmo/archive.h"

namespace kolmo {
namespace {

using testing::build_archive;
using testing::CollectingOutput;
using testing::extract_status;
using testing::hand_archive;
using testing::SrcEntry;

SrcEntry entry(std::string path, EntryKind kind, Bytes data = {}) {
  SrcEntry e;
  e.path = std::move(path);
  e.kind = kind;
  e.data = std::move(data);
  if (kind == EntryKind::kDirectory) e.mode = 0755;
  return e;
}

std::vector<SrcEntry> sample_tree() {
  std::vector<SrcEntry> t;
  t.push_back(entry("model", EntryKind::kDirectory));
  t.push_back(entry("model/empty.bin", EntryKind::kFile));
  SrcEntry big = entry("model/weights.bin", EntryKind::kFile, testing::random_bytes(9000, 1));
  big.block_sizes = {1000, 333, 4096, 1};
  big.codecs = {"store", "zstd", "o2"};
  t.push_back(big);
  SrcEntry text = entry("model/config.json", EntryKind::kFile, testing::text_bytes(5000, 2));
  text.block_sizes = {700, 1500};
  text.codecs = {"zstd", "o2", "store"};
  text.mode = 0600;
  text.mtime_ns = -5;
  t.push_back(text);
  t.push_back(entry("model/sub", EntryKind::kDirectory));
  t.push_back(entry("model/sub/one", EntryKind::kFile, Bytes{42}));
  return t;
}

Bytes sample_archive(unsigned threads = 1) {
  Expected<Bytes> a = build_archive(sample_tree(), threads);
  EXPECT_TRUE(a.ok()) << a.status().to_string();
  return a.ok() ? std::move(a).value() : Bytes();
}

void expect_matches_tree(const std::vector<EntryInfo>& got, const std::vector<SrcEntry>& tree) {
  ASSERT_EQ(got.size(), tree.size());
  std::uint64_t content = 0;
  for (std::size_t i = 0; i < tree.size(); ++i) {
    EXPECT_EQ(got[i].path, tree[i].path);
    EXPECT_EQ(got[i].kind, tree[i].kind);
    EXPECT_EQ(got[i].mode, tree[i].mode);
    EXPECT_EQ(got[i].mtime_ns, tree[i].mtime_ns);
    EXPECT_EQ(got[i].size, tree[i].data.size());
    EXPECT_EQ(got[i].content_offset, content);
    content += tree[i].data.size();
  }
}

TEST(Archive, RoundTripThroughExtractStream) {
  const Bytes file = sample_archive();
  EXPECT_EQ(file[5], 1);  // minor
  EXPECT_EQ(load_le16(&file[6]), 1);  // the entries flag
  for (unsigned threads : {1u, 3u}) {
    MemorySource src(file);
    CollectingOutput out;
    DecompressOptions d;
    d.threads = threads;
    Expected<CompressStats> st = extract_stream(src, out, d);
    ASSERT_TRUE(st.ok()) << st.status().to_string();
    const auto tree = sample_tree();
    std::vector<EntryInfo> infos;
    for (const auto& g : out.got) {
      EXPECT_TRUE(g.closed);
      infos.push_back(g.info);
    }
    expect_matches_tree(infos, tree);
    for (std::size_t i = 0; i < tree.size(); ++i) EXPECT_EQ(out.got[i].data, tree[i].data) << i;
    EXPECT_EQ(st->input_bytes, file.size());
    EXPECT_EQ(st->output_bytes, 9000u + 5000u + 1u);
  }
}

TEST(Archive, ManySmallFilesExtractInOrderWithAnyThreadCount) {
  std::vector<SrcEntry> tree;
  auto name = [](char prefix, int i) {
    std::string n(1, prefix);
    n += std::to_string(i);
    return n;
  };
  for (int i = 0; i < 60; ++i) {
    SrcEntry e = entry(name('f', i), EntryKind::kFile,
                       testing::text_bytes(static_cast<std::size_t>(i * 7 % 300), i));
    e.block_sizes = {static_cast<std::size_t>(1 + i % 50)};
    tree.push_back(e);
    if (i % 9 == 0) tree.push_back(entry(name('d', i), EntryKind::kDirectory));
  }
  const Expected<Bytes> file = build_archive(tree, 4);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(*file, *build_archive(tree, 1));
  for (unsigned threads : {1u, 2u, 8u}) {
    MemorySource src(*file);
    CollectingOutput out;
    DecompressOptions d;
    d.threads = threads;
    ASSERT_TRUE(extract_stream(src, out, d).ok());
    ASSERT_EQ(out.got.size(), tree.size());
    for (std::size_t i = 0; i < tree.size(); ++i) {
      EXPECT_TRUE(out.got[i].closed);
      EXPECT_EQ(out.got[i].info.path, tree[i].path);
      EXPECT_EQ(out.got[i].data, tree[i].data) << tree[i].path << " threads " << threads;
    }
  }
}

TEST(Archive, SameBytesForAnyThreadCount) {
  const Bytes one = sample_archive(1);
  EXPECT_EQ(sample_archive(2), one);
  EXPECT_EQ(sample_archive(4), one);
}

TEST(Archive, InfoEntriesAndRanges) {
  const Bytes file = sample_archive();
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_TRUE(info->multi_file);
  EXPECT_EQ(info->format_minor, 1);
  EXPECT_EQ(info->content_size, 14001u);
  Expected<std::vector<EntryInfo>> entries = read_entries(src, *info, DecompressOptions{});
  ASSERT_TRUE(entries.ok()) << entries.status().to_string();
  const auto tree = sample_tree();
  expect_matches_tree(*entries, tree);
  EXPECT_EQ((*entries)[1].block_count, 0u);
  EXPECT_GT((*entries)[2].block_count, 5u);
  for (std::size_t i = 0; i < tree.size(); ++i) {
    const EntryInfo& e = (*entries)[i];
    if (e.kind != EntryKind::kFile) {
      EXPECT_EQ(read_entry_range(src, *info, e, 0, 0, DecompressOptions{}).status().code(),
                StatusCode::kInvalidArgument);
      continue;
    }
    const Bytes& data = tree[i].data;
    // Every (offset, length) on a coarse grid, which crosses many block boundaries.
    for (std::size_t off = 0; off <= data.size(); off += 37 + off / 3) {
      for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{999}, data.size()}) {
        len = std::min(len, data.size() - off);
        Expected<Bytes> r = read_entry_range(src, *info, e, off, len, DecompressOptions{});
        ASSERT_TRUE(r.ok()) << r.status().to_string();
        ASSERT_EQ(*r, Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                            data.begin() + static_cast<std::ptrdiff_t>(off + len)))
            << e.path << " " << off << "+" << len;
      }
    }
    EXPECT_EQ(read_entry_range(src, *info, e, data.size(), 1, DecompressOptions{}).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(read_entry_range(src, *info, e, 1, ~std::uint64_t{0}, DecompressOptions{})
                  .status()
                  .code(),
              StatusCode::kInvalidArgument);
  }
}

// The parallel path decodes whole blocks straight into the caller's span and partial ones aside;
// every thread count must give the bytes the sequential path gives.
TEST(Archive, RangesIntoCallerMemoryWithThreads) {
  const Bytes file = sample_archive();
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  Expected<std::vector<EntryInfo>> entries = read_entries(src, *info, DecompressOptions{});
  ASSERT_TRUE(entries.ok());
  const auto tree = sample_tree();
  const EntryInfo& e = (*entries)[2];
  const Bytes& data = tree[2].data;
  ASSERT_GT(e.block_count, 5u);
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    DecompressOptions d;
    d.threads = threads;
    for (std::size_t off : {std::size_t{0}, std::size_t{1}, data.size() / 3}) {
      for (std::size_t len : {data.size() - off, (data.size() - off) / 2, std::size_t{1}}) {
        Bytes out(len, 0xAA);
        const Status s = read_entry_range_into(src, *info, e, off, out, d);
        ASSERT_TRUE(s.ok()) << s.to_string();
        EXPECT_EQ(out, Bytes(data.begin() + static_cast<std::ptrdiff_t>(off),
                             data.begin() + static_cast<std::ptrdiff_t>(off + len)))
            << off << "+" << len << " threads " << threads;
      }
    }
    Bytes too_long(data.size() + 1);
    EXPECT_EQ(read_entry_range_into(src, *info, e, 0, too_long, d).code(),
              StatusCode::kInvalidArgument);
  }
}

TEST(Archive, ParallelRangeReportsADamagedBlock) {
  Bytes file = sample_archive();
  MemorySource clean(file);
  Expected<ArchiveInfo> info = read_archive_info(clean);
  ASSERT_TRUE(info.ok());
  Expected<std::vector<EntryInfo>> entries = read_entries(clean, *info, DecompressOptions{});
  ASSERT_TRUE(entries.ok());
  const EntryInfo& e = (*entries)[2];
  // Flip the last payload byte of a block in the middle of the entry.
  const BlockInfo& b = info->blocks[e.first_block + e.block_count / 2];
  file[b.file_offset + b.frame_size - 13] ^= 0x10;
  MemorySource damaged(file);
  DecompressOptions d;
  d.threads = 4;
  Bytes out(e.size);
  const Status s = read_entry_range_into(damaged, *info, e, 0, out, d);
  EXPECT_EQ(s.code(), StatusCode::kChecksumMismatch) << s.to_string();
}

TEST(Archive, EmptyArchive) {
  Expected<Bytes> file = build_archive({});
  ASSERT_TRUE(file.ok());
  MemorySource src(*file);
  CollectingOutput out;
  ASSERT_TRUE(extract_stream(src, out, DecompressOptions{}).ok());
  EXPECT_TRUE(out.got.empty());
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  Expected<std::vector<EntryInfo>> entries = read_entries(src, *info, DecompressOptions{});
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST(Archive, PlainStreamsAndArchivesDoNotMix) {
  const Bytes archive = sample_archive();
  const Status st = decompress_buffer(archive, DecompressOptions{}).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("multi-file archive: extract it"), std::string::npos);

  const Bytes plain = testing::compress_or_die(testing::text_bytes(3000, 3),
                                               testing::options("zstd", 1000));
  const Status st2 = extract_status(plain);
  EXPECT_EQ(st2.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st2.message().find("not a multi-file archive"), std::string::npos);
  MemorySource src(plain);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->multi_file);
  Expected<std::vector<EntryInfo>> entries = read_entries(src, *info, DecompressOptions{});
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST(Archive, UnknownFlagBesideEntriesIsUnsupported) {
  Bytes file = sample_archive();
  file[6] |= 0x02;
  testing::fix_file_header_check(file);
  EXPECT_EQ(extract_status(file).code(), StatusCode::kUnsupported);
}

const std::vector<std::string>& bad_paths() {
  static const std::vector<std::string> p = {
      "", "/abs", "a//b", "a/", "./a", "a/.", "a/../b", "..", ".", std::string("a\0b", 3),
      std::string(4097, 'x')};
  return p;
}

TEST(Archive, WriterRefusesBadPaths) {
  for (const std::string& path : bad_paths()) {
    EXPECT_EQ(check_entry_path(path).code(), StatusCode::kInvalidArgument) << path;
    MemorySink sink;
    auto w = std::move(make_archive_writer(sink, {})).value();
    EXPECT_EQ(w->begin_file(path, 0644, 0, 0).code(), StatusCode::kInvalidArgument) << path;
    EXPECT_EQ(w->add_directory(path, 0755, 0).code(), StatusCode::kInvalidArgument) << path;
    EXPECT_TRUE(w->finish().ok());  // refused calls leave the writer usable
  }
  EXPECT_TRUE(check_entry_path(std::string(4096, 'x')).ok());
  EXPECT_TRUE(check_entry_path("a/b.c/..d/...").ok());
}

TEST(Archive, WriterRefusesDuplicatesAndPathsInsideFiles) {
  const std::vector<std::vector<std::pair<std::string, EntryKind>>> cases = {
      {{"a", EntryKind::kFile}, {"a", EntryKind::kFile}},
      {{"a", EntryKind::kDirectory}, {"a", EntryKind::kFile}},
      {{"a", EntryKind::kFile}, {"a/b", EntryKind::kFile}},
      {{"a", EntryKind::kFile}, {"a/b/c", EntryKind::kDirectory}},
      {{"a/b", EntryKind::kFile}, {"a", EntryKind::kFile}},
  };
  for (const auto& c : cases) {
    MemorySink sink;
    auto w = std::move(make_archive_writer(sink, {})).value();
    auto add = [&](const std::pair<std::string, EntryKind>& e) {
      return e.second == EntryKind::kFile ? w->begin_file(e.first, 0644, 0, 0)
                                          : w->add_directory(e.first, 0755, 0);
    };
    EXPECT_TRUE(add(c[0]).ok());
    EXPECT_EQ(add(c[1]).code(), StatusCode::kInvalidArgument) << c[0].first << " " << c[1].first;
  }
}

TEST(Archive, ReaderRefusesBadPaths) {
  auto frame = [](std::string path, EntryKind kind = EntryKind::kFile) {
    kmo::EntryFrame f;
    f.path = std::move(path);
    f.kind = kind;
    return f;
  };
  std::vector<std::vector<kmo::EntryFrame>> cases;
  for (const std::string& p : bad_paths()) cases.push_back({frame(p)});
  cases.push_back({frame("a"), frame("a")});
  cases.push_back({frame("a", EntryKind::kDirectory), frame("a")});
  cases.push_back({frame("a"), frame("a/b")});
  cases.push_back({frame("a/b"), frame("a")});
  // The control: hand_archive makes valid files when the paths are valid.
  const Bytes good = hand_archive({frame("a", EntryKind::kDirectory), frame("a/b")});
  ASSERT_TRUE(extract_status(good).ok()) << extract_status(good).to_string();
  for (const auto& c : cases) {
    const Bytes file = hand_archive(c);
    const std::string what = c.back().path.substr(0, 20);
    EXPECT_EQ(extract_status(file).code(), StatusCode::kCorruptData) << what;
    MemorySource src(file);
    Expected<ArchiveInfo> info = read_archive_info(src);
    if (!info.ok()) {  // the empty path makes a frame too short for the index's entry bound
      EXPECT_EQ(info.status().code(), StatusCode::kCorruptData) << what;
      continue;
    }
    EXPECT_EQ(read_entries(src, *info, DecompressOptions{}).status().code(),
              StatusCode::kCorruptData)
        << what;
  }
}

TEST(Archive, ReaderRefusesBadEntryFields) {
  kmo::EntryFrame lying;  // declares bytes that no block holds
  lying.path = "f";
  lying.size = 5;
  kmo::EntryFrame dir;  // a directory with content
  dir.path = "d";
  dir.kind = EntryKind::kDirectory;
  dir.size = 1;
  kmo::EntryFrame mode;
  mode.path = "m";
  mode.mode = 010000;
  for (const auto& f : {lying, dir, mode}) {
    const Bytes file = hand_archive({f});
    EXPECT_EQ(extract_status(file).code(), StatusCode::kCorruptData) << f.path;
    MemorySource src(file);
    Expected<ArchiveInfo> info = read_archive_info(src);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(read_entries(src, *info, DecompressOptions{}).status().code(),
              StatusCode::kCorruptData)
        << f.path;
  }
}

TEST(Archive, BlockBeforeTheFirstEntryIsCorrupt) {
  // A plain file's blocks with the entries flag set and an (empty) entries index.
  const Bytes plain = testing::compress_or_die(testing::text_bytes(2000, 4),
                                               testing::options("zstd", 1000));
  testing::KmoParts parts = testing::split_kmo(plain);
  store_le16(&parts.header[6], kmo::kFlagEntries);
  testing::fix_file_header_check(parts.header);
  Bytes file = testing::assemble_kmo(parts);
  const std::size_t index_offset = load_le64(&file[file.size() - kmo::kFooterSize]);
  std::vector<kmo::IndexEntry> blocks;
  MemorySource plain_src(plain);
  const Expected<ArchiveInfo> plain_info = read_archive_info(plain_src);
  ASSERT_TRUE(plain_info.ok());
  for (const BlockInfo& b : plain_info->blocks) {
    blocks.push_back({b.original_size, b.frame_size, static_cast<std::uint16_t>(b.codec)});
  }
  const Bytes tail(file.end() - kmo::kFooterSize, file.end());
  file.resize(index_offset);
  const Bytes index = kmo::serialize_archive_index(blocks, {});
  file.insert(file.end(), index.begin(), index.end());
  file.insert(file.end(), tail.begin(), tail.end());
  const Status st = extract_status(file);
  EXPECT_EQ(st.code(), StatusCode::kCorruptData) << st.to_string();
  EXPECT_NE(st.message().find("no file entry"), std::string::npos) << st.message();
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(read_entries(src, *info, DecompressOptions{}).status().code(),
            StatusCode::kCorruptData);
}

TEST(Archive, WriterRefusesSizeMismatchesAndBadCallOrder) {
  const BlockEncoder& zstd = testing::encoder("zstd");
  {  // too many bytes
    MemorySink sink;
    auto w = std::move(make_archive_writer(sink, {})).value();
    ASSERT_TRUE(w->begin_file("f", 0644, 0, 3).ok());
    EXPECT_EQ(w->add_block(Bytes(4, 1), zstd).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w->add_block(Bytes(2, 1), zstd).ok());
    EXPECT_EQ(w->add_block(Bytes(2, 1), zstd).code(), StatusCode::kInvalidArgument);
    // too few: the next entry and finish are refused until the file is complete
    EXPECT_EQ(w->begin_file("g", 0644, 0, 0).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->add_directory("d", 0755, 0).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->finish().status().code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w->add_block(Bytes(1, 1), zstd).ok());
    ASSERT_TRUE(w->finish().ok());
    EXPECT_EQ(w->finish().status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->add_directory("d", 0755, 0).code(), StatusCode::kInvalidArgument);
  }
  {  // blocks outside a file, empty blocks, bad modes
    MemorySink sink;
    auto w = std::move(make_archive_writer(sink, {})).value();
    EXPECT_EQ(w->add_block(Bytes(1, 1), zstd).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w->add_directory("d", 0755, 0).ok());
    EXPECT_EQ(w->add_block(Bytes(1, 1), zstd).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w->begin_file("d/f", 0644, 0, 1).ok());
    EXPECT_EQ(w->add_block(Bytes(), zstd).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->begin_file("g", 010000, 0, 0).code(), StatusCode::kInvalidArgument);
  }
}

// ~4 KB, 3 files (one empty) and a directory, several blocks of stored and zstd content.
const Bytes& small_archive() {
  static const Bytes file = [] {
    std::vector<SrcEntry> t;
    t.push_back(entry("d", EntryKind::kDirectory));
    SrcEntry a = entry("d/a.txt", EntryKind::kFile, testing::text_bytes(2200, 5));
    a.block_sizes = {800};
    t.push_back(a);
    t.push_back(entry("d/empty", EntryKind::kFile));
    SrcEntry b = entry("b.bin", EntryKind::kFile, testing::random_bytes(2800, 6));
    b.block_sizes = {700};
    b.codecs = {"store", "zstd"};
    t.push_back(b);
    return std::move(build_archive(t)).value();
  }();
  return file;
}

TEST(ArchiveDamage, SmallArchiveIsValid) {
  EXPECT_TRUE(extract_status(small_archive()).ok());
  EXPECT_GT(small_archive().size(), 3000u);
  EXPECT_LT(small_archive().size(), 5000u);
}

TEST(ArchiveDamage, EveryTruncationFails) {
  const Bytes& file = small_archive();
  for (std::size_t len = 0; len < file.size(); ++len) {
    const Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(len));
    ASSERT_FALSE(extract_status(cut).ok()) << "truncated to " << len;
  }
}

TEST(ArchiveDamage, EverySingleBitFlipFails) {
  Bytes file = small_archive();
  for (std::size_t byte = 0; byte < file.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      ASSERT_FALSE(extract_status(file).ok())
          << "bit " << bit << " of byte " << byte;
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
    }
  }
}

// Random access does not hash the whole content, but it must never hand out wrong bytes: after
// any single-bit flip it either fails or returns exactly the original entries and contents.
Status random_access_result(const Bytes& file, std::vector<std::pair<EntryInfo, Bytes>>& got) {
  MemorySource src(file);
  KOLMO_ASSIGN_OR_RETURN(const ArchiveInfo info, read_archive_info(src));
  KOLMO_ASSIGN_OR_RETURN(const std::vector<EntryInfo> entries,
                         read_entries(src, info, DecompressOptions{}));
  for (const EntryInfo& e : entries) {
    Bytes data;
    if (e.kind == EntryKind::kFile) {
      KOLMO_ASSIGN_OR_RETURN(data, read_entry_range(src, info, e, 0, e.size, DecompressOptions{}));
    }
    got.emplace_back(e, std::move(data));
  }
  return ok_status();
}

bool same_entries(const std::vector<std::pair<EntryInfo, Bytes>>& a,
                  const std::vector<std::pair<EntryInfo, Bytes>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const EntryInfo& x = a[i].first;
    const EntryInfo& y = b[i].first;
    if (x.path != y.path || x.kind != y.kind || x.mode != y.mode || x.mtime_ns != y.mtime_ns ||
        x.size != y.size || a[i].second != b[i].second) {
      return false;
    }
  }
  return true;
}

TEST(ArchiveDamage, RandomAccessNeverReturnsWrongBytes) {
  Bytes file = small_archive();
  std::vector<std::pair<EntryInfo, Bytes>> original;
  ASSERT_TRUE(random_access_result(file, original).ok());
  ASSERT_EQ(original.size(), 4u);
  for (std::size_t byte = 0; byte < file.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      std::vector<std::pair<EntryInfo, Bytes>> got;
      if (random_access_result(file, got).ok()) {
        ASSERT_TRUE(same_entries(got, original)) << "bit " << bit << " of byte " << byte;
      }
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
    }
  }
}

TEST(ArchiveDamage, TrailingBytesFail) {
  Bytes file = small_archive();
  file.push_back(0);
  EXPECT_EQ(extract_status(file).code(), StatusCode::kCorruptData);
}

}  // namespace
}  // namespace kolmo
