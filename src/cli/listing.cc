#include "cli/listing.h"

#include <cstdio>
#include <string>
#include <vector>

#include "cli/report.h"
#include "kolmo/archive.h"
#include "kolmo/container.h"
#include "kolmo/io.h"

namespace kolmo::cli {
namespace {

// "zstd" or "store,zstd": each codec once, in order of first use.
std::string codec_names(const ArchiveInfo& info) {
  std::vector<std::string> seen;
  for (const BlockInfo& b : info.blocks) {
    bool known = false;
    for (const std::string& s : seen) known |= s == b.codec_name;
    if (!known) seen.push_back(b.codec_name);
  }
  std::string out;
  for (const std::string& s : seen) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

void print_blocks(const ArchiveInfo& info) {
  std::printf("  %8s  %-10s %14s %14s %14s\n", "block", "codec", "original", "stored", "offset");
  for (std::size_t i = 0; i < info.blocks.size(); ++i) {
    const BlockInfo& b = info.blocks[i];
    std::printf("  %8zu  %-10s %14s %14s %14s\n", i, b.codec_name.c_str(),
                with_commas(b.original_size).c_str(), with_commas(b.stored_size).c_str(),
                with_commas(b.file_offset).c_str());
  }
}

// The entries of a multi-file archive: kind, size, blocks and path.
void print_entries(const std::vector<EntryInfo>& entries) {
  std::printf("  %-4s %14s %8s  %s\n", "kind", "size", "blocks", "path");
  for (const EntryInfo& e : entries) {
    const bool dir = e.kind == EntryKind::kDirectory;
    std::printf("  %-4s %14s %8zu  %s%s\n", dir ? "dir" : "file", with_commas(e.size).c_str(),
                e.block_count, e.path.c_str(), dir ? "/" : "");
  }
}

}  // namespace

MaybeFailure ListPrinter::list(const Input& archive) {
  FdSource file(archive.fd(), archive.name());
  Expected<ArchiveInfo> info = read_archive_info(file);
  if (!info.ok()) return Failure{archive.name(), info.status()};
  if (!header_printed_ || per_block_) {
    std::printf("%8s  %-12s %14s %14s %9s  %s\n", "blocks", "codecs", "compressed", "original",
                "ratio", "file");
    header_printed_ = true;
  }
  std::printf("%8zu  %-12s %14s %14s %9s  %s\n", info->blocks.size(), codec_names(*info).c_str(),
              with_commas(info->file_size).c_str(), with_commas(info->content_size).c_str(),
              ratio_text(info->content_size, info->file_size).c_str(), archive.name().c_str());
  // A multi-file archive also lists its entries; single-stream files print as they always did.
  Expected<std::vector<EntryInfo>> entries = read_entries(file, *info, DecompressOptions{});
  if (!entries.ok()) return Failure{archive.name(), entries.status()};
  if (!entries->empty()) print_entries(*entries);
  if (per_block_) print_blocks(*info);
  return std::nullopt;
}

}  // namespace kolmo::cli
