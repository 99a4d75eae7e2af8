// Status and Result<T>: the one error currency of Stockbridge.
//
// No exceptions cross module lines. Third-party errors (LMDB codes, Paho and
// Poco exceptions, errno) are converted into a Status where they arise.
// "Retry later" (kUnavailable, kTimeout, kConnectionLost, kResourceExhausted)
// is a normal outcome, not a crash. Thread-safety: value types.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sb {

enum class Code {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong; retrying will not help
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition, // the system is not in a state to do this (e.g. stopped)
  kResourceExhausted,  // full: journal cap, map cap, concurrency limit
  kUnavailable,        // could not reach / not connected; nothing happened
  kTimeout,            // no answer in time; the other side may or may not have acted
  kConnectionLost,     // connection dropped mid-request; outcome unknown
  kIoError,            // disk or OS failure
  kCorruption,         // stored data does not parse
  kInternal,
};

const char* code_name(Code c);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status ConnectionLost(std::string m) { return {Code::kConnectionLost, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "IO_ERROR: fsync failed: Input/output error"
  std::string to_string() const;

  // The outcome of the remote operation is unknown (timeout, dropped connection).
  bool ambiguous() const { return code_ == Code::kTimeout || code_ == Code::kConnectionLost; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be Ok

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sb

// Returns early from a function returning Status (or Result) when expr fails.
#define SB_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::sb::Status sb_status_ = (expr);        \
    if (!sb_status_.ok()) return sb_status_; \
  } while (0)
