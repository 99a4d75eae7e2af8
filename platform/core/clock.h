// Clock: wall time for records, monotonic time for timeouts.
// SystemClock is the real one; ManualClock is the twin for tests, advanced by
// hand. Thread-safety: both are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in milliseconds (what goes into records).
  virtual int64_t wall_ms() const = 0;
  // Monotonic milliseconds since an arbitrary origin (what timeouts use).
  virtual int64_t mono_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t wall_ms() const override;
  int64_t mono_ms() const override;
  static SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wall_start_ms = 1'764'172'800'000) : wall_(wall_start_ms) {}
  int64_t wall_ms() const override { return wall_.load(); }
  int64_t mono_ms() const override { return mono_.load(); }
  void advance(Millis d) {
    wall_ += d.count();
    mono_ += d.count();
  }

 private:
  std::atomic<int64_t> wall_;
  std::atomic<int64_t> mono_{1'000'000};
};

// ISO-8601 UTC with milliseconds: 2026-11-26T17:37:10.123Z
std::string format_iso8601(int64_t unix_ms);
// Parses "2026-11-26T17:37:10Z", with optional .fff and +hh:mm / Z. False if malformed.
bool parse_iso8601(std::string_view text, int64_t* unix_ms);

}  // namespace sb
