// Error model of the whole library: Status for operations without a value, Expected<T> for
// operations that produce one. Nothing in kolmo throws or aborts because of input bytes; every
// failure travels back as one of these codes with a human-readable message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kolmo {

// Stable numeric values: they are part of the API (and may be printed in tools and logs).
// Add new codes at the end; never renumber or reuse a retired value.
enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument = 1,   // the caller asked for something impossible (bad option, bad level)
  kCorruptData = 2,       // input bytes violate the format
  kTruncated = 3,         // input ended before the format said it would
  kUnsupported = 4,       // valid but unknown here: newer format version, unknown codec id
  kLimitExceeded = 5,     // declared sizes exceed the configured memory or size limits
  kChecksumMismatch = 6,  // a stored checksum disagrees with the data
  kIoError = 7,           // the operating system refused a read, write, rename ...
  kInternal = 8,          // a bug in kolmo; never caused by input bytes alone
  kCancelled = 9,         // stopped on request (signal, user)
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "corrupt data: block 3 checksum mismatch" style text for error lines.
  std::string to_string() const;

  // Prefixes the message with context ("block 2: ...") keeping the code.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }
inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status corrupt_data(std::string m) { return {StatusCode::kCorruptData, std::move(m)}; }
inline Status truncated(std::string m) { return {StatusCode::kTruncated, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status limit_exceeded(std::string m) { return {StatusCode::kLimitExceeded, std::move(m)}; }
inline Status checksum_mismatch(std::string m) { return {StatusCode::kChecksumMismatch, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }

// A value or the Status explaining why there is none. (std::expected is C++23.)
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "Expected constructed from an ok Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Calling these on an error is a bug in the caller.
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error, or an ok Status when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace kolmo

// Propagates a failed Status out of the current function.
#define KOLMO_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::kolmo::Status kolmo_status_ = (expr);    \
    if (!kolmo_status_.ok()) return kolmo_status_; \
  } while (0)

#define KOLMO_CONCAT_INNER_(a, b) a##b
#define KOLMO_CONCAT_(a, b) KOLMO_CONCAT_INNER_(a, b)

// KOLMO_ASSIGN_OR_RETURN(auto x, make_x()); binds x or returns the error.
#define KOLMO_ASSIGN_OR_RETURN(decl, expr)                                  \
  auto KOLMO_CONCAT_(kolmo_expected_, __LINE__) = (expr);                   \
  if (!KOLMO_CONCAT_(kolmo_expected_, __LINE__).ok())                       \
    return KOLMO_CONCAT_(kolmo_expected_, __LINE__).status();               \
  decl = std::move(KOLMO_CONCAT_(kolmo_expected_, __LINE__)).value()
