// WebhookSender: delivers automation webhooks from one background thread,
// at least once, as Clarus promises no more: a configurable share is sent
// twice, a share is dropped (never sent), and a non-2xx answer or a failed
// connection is retried with backoff up to max_attempts, then counted failed.
// Thread-safety: enqueue/set_rates/stats may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "automations.h"
#include "platform/core/clock.h"
#include "platform/http/http.h"

namespace sb::clarus_sim {

struct WebhookSenderOptions {
  int max_attempts = 4;
  Millis first_retry_delay{200};  // doubles per attempt
  Millis timeout{5000};
  uint64_t seed = 1;
};

struct WebhookStats {
  int64_t queued = 0, delivered = 0, duplicated = 0, dropped = 0, failed = 0, retried = 0, pending = 0;
};

class WebhookSender {
 public:
  WebhookSender(WebhookSenderOptions options, std::unique_ptr<HttpClient> client);
  ~WebhookSender();
  void start();
  void stop();  // pending deliveries are abandoned

  void set_rates(double drop_rate, double duplicate_rate);
  void enqueue(std::vector<WebhookDelivery> deliveries);
  WebhookStats stats() const;
  // The last deliveries attempted (newest last): trigger, url, status, attempts.
  Json recent() const;
  void reset_stats();

 private:
  struct Pending {
    WebhookDelivery delivery;
    int attempts = 0;
    int64_t due_ms = 0;
    bool duplicate = false;
  };
  void run();
  void record(const Pending& p, int status, const std::string& outcome);

  WebhookSenderOptions options_;
  std::unique_ptr<HttpClient> client_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::mt19937_64 rng_;
  double drop_rate_ = 0, duplicate_rate_ = 0.05;
  WebhookStats stats_;
  std::deque<Json> recent_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::clarus_sim
