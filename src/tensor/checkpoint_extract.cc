// Restoring checkpoint archives: entries become files and directories below a destination.
//
// Every path component is opened relative to its parent with O_NOFOLLOW, and files are created
// with O_EXCL, so an entry can neither escape the destination through a symbolic link nor
// overwrite anything that was already there.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tensor/checkpoint_archive.h"

namespace kolmo::tensor {
namespace fs = std::filesystem;
namespace {

Status errno_status(const std::string& what, const std::string& path) {
  return io_error(what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

timespec to_timespec(std::int64_t ns) {
  timespec t{};
  t.tv_sec = static_cast<time_t>(ns / 1000000000);
  t.tv_nsec = static_cast<long>(ns % 1000000000);
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1000000000;
    t.tv_sec -= 1;
  }
  return t;
}

// Sets mode and mtime of an open file or directory (atime = mtime; archives keep no atime).
Status apply_metadata(int fd, const EntryInfo& e, const std::string& name) {
  if (::fchmod(fd, e.mode & 07777) != 0) return errno_status("cannot set permissions of", name);
  if (e.mtime_ns != 0) {
    const timespec t = to_timespec(e.mtime_ns);
    const timespec times[2] = {t, t};
    if (::futimens(fd, times) != 0) return errno_status("cannot set the time of", name);
  }
  return ok_status();
}

class DirectoryOutput final : public EntryOutput {
 public:
  explicit DirectoryOutput(fs::path dest) : dest_(std::move(dest)) {}

  Status open_root() {
    root_ = Fd(::open(dest_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (root_.get() < 0) return errno_status("cannot open", dest_.string());
    return ok_status();
  }

  Expected<ByteSink*> open(const EntryInfo& e) override {
    KOLMO_RETURN_IF_ERROR(check_entry_path(e.path));
    const std::size_t slash = e.path.rfind('/');
    const std::string parent = slash == std::string::npos ? "" : e.path.substr(0, slash);
    const std::string leaf = e.path.substr(slash == std::string::npos ? 0 : slash + 1);
    KOLMO_ASSIGN_OR_RETURN(Fd dir, open_parent(parent));
    if (e.kind == EntryKind::kDirectory) {
      if (::mkdirat(dir.get(), leaf.c_str(), 0700) != 0 && errno != EEXIST) {
        return errno_status("cannot create directory", e.path);
      }
      // Modes and times of directories are set at the end: adding files changes the time, and
      // a read-only mode would stop us from filling the directory.
      directories_.push_back(e);
      return static_cast<ByteSink*>(nullptr);
    }
    file_ = Fd(::openat(dir.get(), leaf.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file_.get() < 0) return errno_status("cannot create", e.path);
    sink_ = std::make_unique<FdSink>(file_.get(), e.path);
    return static_cast<ByteSink*>(sink_.get());
  }

  Status close(const EntryInfo& e) override {
    if (e.kind == EntryKind::kDirectory) return ok_status();
    KOLMO_RETURN_IF_ERROR(apply_metadata(file_.get(), e, e.path));
    if (::fsync(file_.get()) != 0) return errno_status("cannot sync", e.path);
    sink_.reset();
    file_.reset();
    return ok_status();
  }

  // Deepest first, so that a parent's time is set after its children were touched.
  Status finish_directories() {
    for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
      Fd fd(::openat(root_.get(), it->path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (fd.get() < 0) return errno_status("cannot open", it->path);
      KOLMO_RETURN_IF_ERROR(apply_metadata(fd.get(), *it, it->path));
    }
    if (::fsync(root_.get()) != 0 && errno != EINVAL) return errno_status("cannot sync", dest_.string());
    return ok_status();
  }

 private:
  // Opens (creating as needed) the directory `rel` below the root, one component at a time,
  // never following a symbolic link.
  Expected<Fd> open_parent(const std::string& rel) {
    Fd dir(::dup(root_.get()));
    if (dir.get() < 0) return errno_status("cannot open", dest_.string());
    std::size_t start = 0;
    while (start < rel.size()) {
      const std::size_t end = std::min(rel.find('/', start), rel.size());
      const std::string part = rel.substr(start, end - start);
      if (::mkdirat(dir.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
        return errno_status("cannot create directory", rel);
      }
      Fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (next.get() < 0) return errno_status("cannot open directory", rel);
      dir = std::move(next);
      start = end + 1;
    }
    return dir;
  }

  fs::path dest_;
  Fd root_;
  Fd file_;
  std::unique_ptr<FdSink> sink_;
  std::vector<EntryInfo> directories_;
};

// Accepts one top-level file entry and hands its bytes to the caller's sink.
class SingleFileOutput final : public EntryOutput {
 public:
  explicit SingleFileOutput(ByteSink& out) : out_(out) {}
  Expected<ByteSink*> open(const EntryInfo& e) override {
    if (seen_ || e.kind != EntryKind::kFile || e.path.find('/') != std::string::npos) {
      return invalid_argument("the archive holds more than one file; restore it to a directory");
    }
    seen_ = true;
    entry_ = e;
    return &out_;
  }
  Status close(const EntryInfo&) override { return ok_status(); }
  bool seen() const { return seen_; }
  const EntryInfo& entry() const { return entry_; }

 private:
  ByteSink& out_;
  bool seen_ = false;
  EntryInfo entry_;
};

}  // namespace

Status extract_checkpoint_archive(ByteSource& in, const fs::path& dest,
                                  const DecompressOptions& opts) {
  DirectoryOutput output(dest);
  KOLMO_RETURN_IF_ERROR(output.open_root());
  Expected<CompressStats> stats = extract_stream(in, output, opts);
  if (!stats.ok()) return stats.status();
  return output.finish_directories();
}

bool is_single_file_archive(const std::vector<EntryInfo>& entries) {
  return entries.size() == 1 && entries[0].kind == EntryKind::kFile &&
         entries[0].path.find('/') == std::string::npos;
}

Expected<EntryInfo> extract_single_file(ByteSource& in, ByteSink& out,
                                        const DecompressOptions& opts) {
  SingleFileOutput output(out);
  Expected<CompressStats> stats = extract_stream(in, output, opts);
  if (!stats.ok()) return stats.status();
  if (!output.seen()) return invalid_argument("the archive holds no file");
  return output.entry();
}

}  // namespace kolmo::tensor
