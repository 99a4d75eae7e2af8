// Timestamps in records are ISO-8601 UTC; timeouts use the monotonic clock.
#include <cstdint>
#include <string>

#include "platform/core/clock.h"

#include <CppUTest/TestHarness.h>

namespace {

int64_t parsed(const char* text) {
  int64_t ms = -1;
  CHECK_TRUE_TEXT(sb::parse_iso8601(text, &ms), text);
  return ms;
}

bool rejects(const char* text) {
  int64_t ms = 12345;
  bool ok = sb::parse_iso8601(text, &ms);
  return !ok && ms == 12345;  // a refused text leaves the output alone
}

}  // namespace

TEST_GROUP(Iso8601){};

TEST(Iso8601, FormatsUtcWithMilliseconds) {
  STRCMP_EQUAL("1970-01-01T00:00:00.000Z", sb::format_iso8601(0).c_str());
  STRCMP_EQUAL("2026-11-26T17:37:10.123Z", sb::format_iso8601(1795714630123).c_str());
  STRCMP_EQUAL("2000-02-29T23:59:59.999Z", sb::format_iso8601(951868799999).c_str());
  STRCMP_EQUAL("2038-01-19T03:14:08.000Z", sb::format_iso8601(2147483648000).c_str());
}

TEST(Iso8601, FormatsTimesBeforeTheEpoch) {
  STRCMP_EQUAL("1969-12-31T23:59:59.999Z", sb::format_iso8601(-1).c_str());
  STRCMP_EQUAL("1969-12-31T23:59:59.000Z", sb::format_iso8601(-1000).c_str());
}

TEST(Iso8601, RoundTrips) {
  const int64_t samples[] = {0, 1, 999, 1000, 951868799999, 1764172800000, 1795714630123, 2147483648000,
                             4102444799999, -1, -86'400'000};
  for (int64_t ms : samples) {
    std::string text = sb::format_iso8601(ms);
    int64_t back = 0;
    CHECK_TRUE_TEXT(sb::parse_iso8601(text, &back), text.c_str());
    CHECK_EQUAL_TEXT(ms, back, text.c_str());
  }
}

TEST(Iso8601, ParsesOptionalFractionAndLowercaseZ) {
  CHECK_EQUAL(1795714630000, parsed("2026-11-26T17:37:10Z"));
  CHECK_EQUAL(1795714630500, parsed("2026-11-26T17:37:10.5Z"));
  CHECK_EQUAL(1795714630120, parsed("2026-11-26T17:37:10.12Z"));
  CHECK_EQUAL(1795714630123, parsed("2026-11-26T17:37:10.123456Z"));  // below a millisecond is dropped
  CHECK_EQUAL(1795714630123, parsed("2026-11-26T17:37:10.123z"));
  CHECK_EQUAL(1795714630123, parsed("2026-11-26 17:37:10.123Z"));
}

TEST(Iso8601, AppliesZoneOffsets) {
  const int64_t utc = parsed("2026-11-26T17:37:10.123Z");
  CHECK_EQUAL(utc, parsed("2026-11-26T18:37:10.123+01:00"));
  CHECK_EQUAL(utc, parsed("2026-11-26T12:07:10.123-05:30"));
  CHECK_EQUAL(utc, parsed("2026-11-27T03:37:10.123+10:00"));  // the next local day
  CHECK_EQUAL(utc, parsed("2026-11-26T17:37:10.123+00:00"));
}

TEST(Iso8601, RefusesTimestampsWithoutAZone) {
  // A local time without a zone names a different instant at every site.
  CHECK_TRUE(rejects("2026-11-26T17:37:10"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10.123"));
}

TEST(Iso8601, RefusesMalformedText) {
  CHECK_TRUE(rejects(""));
  CHECK_TRUE(rejects("yesterday"));
  CHECK_TRUE(rejects("2026-11-26"));
  CHECK_TRUE(rejects("2026-11-26T17:37Z"));
  CHECK_TRUE(rejects("2026/11/26T17:37:10Z"));
  CHECK_TRUE(rejects("2026-13-26T17:37:10Z"));
  CHECK_TRUE(rejects("2026-00-26T17:37:10Z"));
  CHECK_TRUE(rejects("2026-11-32T17:37:10Z"));
  CHECK_TRUE(rejects("2026-11-26T24:00:00Z"));
  CHECK_TRUE(rejects("2026-11-26T17:60:10Z"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10.Z"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10Zjunk"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10+0100"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10+01"));
  CHECK_TRUE(rejects("2026-11-26T17:37:10 Z"));
  CHECK_TRUE(rejects("20261126T173710Z"));
  CHECK_TRUE(rejects(" 2026-11-26T17:37:10Z"));
  // Days that do not exist are refused, not rolled into the next month.
  CHECK_TRUE(rejects("2026-02-31T10:00:00Z"));
  CHECK_TRUE(rejects("2026-04-31T10:00:00Z"));
  CHECK_TRUE(rejects("2026-02-29T10:00:00Z"));
  CHECK_FALSE(rejects("2028-02-29T10:00:00Z"));
}

TEST_GROUP(Clocks){};

TEST(Clocks, ManualClockMovesOnlyWhenAdvanced) {
  sb::ManualClock clock(1'000);
  const int64_t mono = clock.mono_ms();
  CHECK_EQUAL(1'000, clock.wall_ms());
  clock.advance(sb::Millis(250));
  CHECK_EQUAL(1'250, clock.wall_ms());
  CHECK_EQUAL(mono + 250, clock.mono_ms());
}

TEST(Clocks, SystemClockIsNearNowAndMonotonic) {
  sb::SystemClock& clock = sb::SystemClock::instance();
  CHECK_TRUE(clock.wall_ms() > 1'700'000'000'000);  // after 2023: not seconds, not zero
  int64_t last = clock.mono_ms();
  for (int i = 0; i < 1000; ++i) {
    int64_t now = clock.mono_ms();
    CHECK_TRUE(now >= last);
    last = now;
  }
}
