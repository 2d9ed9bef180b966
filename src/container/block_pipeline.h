// The writing half shared by compress_stream and the archive writer: blocks are encoded on a
// thread pool (bounded in flight), and their frames, with any other frames queued between them,
// are written strictly in submission order, so the output never depends on the thread count.
// Encoder side: the readers never include this.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <vector>

#include "container/format.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/io.h"
#include "kolmo/thread_pool.h"

namespace kolmo::kmo {

// The codec id of an encoder, from the name part of its spec ("zstd:19" -> zstd).
Expected<std::uint16_t> codec_id_of(const BlockEncoder& encoder);

struct EncodedFrame {
  Bytes bytes;  // the whole frame
  std::uint64_t original_size = 0;
  std::uint16_t codec_id = 0;
  bool is_block = true;
};

// One independent block to one complete frame, falling back to `store` when coding does not
// shrink it; the codec may use `threads` threads for it, and the file's dictionary (empty: none).
// Thread-safe.
Expected<EncodedFrame> encode_frame(const BlockEncoder& encoder, std::uint16_t codec_id,
                                    const Bytes& input, unsigned threads = 1,
                                    ByteSpan dictionary = {});

class BlockPipeline {
 public:
  // progress_total is passed through to progress as its second argument.
  BlockPipeline(ByteSink& out, unsigned threads, ProgressFn progress,
                std::uint64_t progress_total);
  // Waits for the pool's work, which may use the caller's encoders and must not outlive them.
  ~BlockPipeline();
  BlockPipeline(const BlockPipeline&) = delete;
  BlockPipeline& operator=(const BlockPipeline&) = delete;

  // Writes bytes now; only valid while nothing is in flight (the file header).
  Status write_now(ByteSpan bytes);
  // Queues a block: hashed as content now, encoded on the pool, written in order. The encoder
  // must outlive the pipeline's work (finish()).
  Status add_block(Bytes input, const BlockEncoder& encoder, std::uint16_t codec_id);
  // The file's dictionary frame body, handed to every block queued after this call (before the
  // first block; nothing in flight may use an older one).
  void set_dictionary(Bytes dictionary) {
    dictionary_ = std::make_shared<const Bytes>(std::move(dictionary));
  }
  // Queues a non-block frame, written after every block queued before it. Its offset and the
  // number of blocks written before it are recorded in frames().
  Status add_frame(Bytes frame);
  struct FrameRecord {
    std::uint64_t offset = 0;
    std::uint64_t blocks_before = 0;
  };
  // Waits for and writes everything queued; the caller then writes the index and the footer.
  Status drain();
  const std::vector<FrameRecord>& frames() const { return frames_; }
  const std::vector<IndexEntry>& index() const { return index_; }
  // The footer for what was written so far (call after drain()).
  Footer footer() const;

  std::uint64_t written() const { return written_; }
  std::uint64_t content_size() const { return content_size_; }

 private:
  Status make_room();
  Status write_oldest();

  ByteSink& out_;
  ProgressFn progress_;
  std::uint64_t progress_total_;
  unsigned threads_;  // -T: shared by the blocks in flight (see add_block)
  ThreadPool pool_;
  std::size_t max_in_flight_;
  std::shared_ptr<const Bytes> dictionary_;  // shared with the encoding tasks
  std::deque<std::future<Expected<EncodedFrame>>> in_flight_;
  std::vector<IndexEntry> index_;
  std::vector<FrameRecord> frames_;
  Xxh64Stream content_hash_;
  std::uint64_t content_size_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace kolmo::kmo
