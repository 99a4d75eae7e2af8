// Retry delays: capped, jittered, growing; they spread a retry storm out.
#include <algorithm>
#include <set>
#include <vector>

#include "platform/core/backoff.h"

#include <CppUTest/TestHarness.h>

namespace {

// d = min(cap, base * 2^attempt); every delay lies in [d/2, d].
int64_t window(int64_t base, int64_t cap, int attempt) {
  int64_t d = base;
  for (int i = 0; i < attempt && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

}  // namespace

TEST_GROUP(Backoff){};

TEST(Backoff, DelaysStayInsideTheirWindow) {
  sb::Backoff b({sb::Millis(200), sb::Millis(30'000)}, 1);
  for (int attempt = 0; attempt < 12; ++attempt) {
    const int64_t d = window(200, 30'000, attempt);
    for (int i = 0; i < 200; ++i) {
      const int64_t got = b.delay(attempt).count();
      CHECK_TRUE(got >= d / 2);
      CHECK_TRUE(got <= d);
    }
  }
}

TEST(Backoff, NeverExceedsTheCapEvenAfterManyAttempts) {
  sb::Backoff b({sb::Millis(200), sb::Millis(30'000)}, 2);
  for (int attempt : {20, 63, 64, 100, 1'000'000}) {
    const int64_t got = b.delay(attempt).count();
    CHECK_TRUE(got <= 30'000);
    CHECK_TRUE(got >= 15'000);
  }
}

TEST(Backoff, GrowsUntilTheCap) {
  sb::Backoff b({sb::Millis(100), sb::Millis(10'000)}, 3);
  std::vector<int64_t> means;
  for (int attempt = 0; attempt < 10; ++attempt) {
    int64_t sum = 0;
    for (int i = 0; i < 500; ++i) sum += b.delay(attempt).count();
    means.push_back(sum / 500);
  }
  for (int attempt = 1; attempt < 7; ++attempt) {  // 100 .. 6400: still doubling
    CHECK_TRUE(means[attempt] > means[attempt - 1] * 3 / 2);
  }
  CHECK_TRUE(means[9] <= 10'000 && means[9] >= 5'000);  // capped
}

TEST(Backoff, JitterVaries) {
  sb::Backoff b({sb::Millis(1'000), sb::Millis(60'000)}, 4);
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(b.delay(3).count());
  CHECK_TRUE(seen.size() > 50);
}

TEST(Backoff, TwoAgentsWithDifferentSeedsDoNotRetryInStep) {
  sb::Backoff a({sb::Millis(1'000), sb::Millis(60'000)}, 10);
  sb::Backoff b({sb::Millis(1'000), sb::Millis(60'000)}, 11);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.delay(4).count() == b.delay(4).count();
  CHECK_TRUE(same < 10);
}

TEST(Backoff, SameSeedSameSequence) {
  sb::Backoff a({sb::Millis(50), sb::Millis(5'000)}, 99);
  sb::Backoff b({sb::Millis(50), sb::Millis(5'000)}, 99);
  for (int attempt = 0; attempt < 20; ++attempt) CHECK_EQUAL(a.delay(attempt).count(), b.delay(attempt).count());
}

TEST(Backoff, DegeneratePoliciesStillGiveSaneDelays) {
  sb::Backoff zero_base({sb::Millis(0), sb::Millis(0)}, 5);
  CHECK_TRUE(zero_base.delay(0).count() >= 0 && zero_base.delay(10).count() <= 1);
  sb::Backoff cap_below_base({sb::Millis(500), sb::Millis(100)}, 6);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int64_t got = cap_below_base.delay(attempt).count();
    CHECK_TRUE(got >= 250 && got <= 500);  // the cap is raised to the base
  }
}
