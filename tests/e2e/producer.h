// Producer: sends warehouse events to the agent the way Clarus delivers
// webhooks: each event is retried (connection refused, timeout, 5xx, 503)
// until the agent answers 2xx, and only then counts as acknowledged.
// What it records -- every event produced and every one acknowledged -- is
// what the audit compares with the ERP's ledger.
// Thread-safety: start/stop/wait from one thread; counters from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "platform/http/http.h"

namespace sb::e2e {

struct ProducerOptions {
  std::string agent_url;        // http://127.0.0.1:PORT
  std::string id_prefix = "ev";
  int threads = 4;              // concurrent senders (keep-alive connections)
  double rate = 0;              // events per second over all threads; 0 = as fast as answered
  int batch = 1;                // events per request (1 = the single-event form)
  int skus = 500;               // SKU-0001..SKU-n, spread over WH1 and WH2
};

// One event as produced: what the ERP must end up holding for it.
struct ProducedEvent {
  std::string sku;
  std::string warehouse;
  int64_t quantity = 0;
};

class Producer {
 public:
  explicit Producer(ProducerOptions options);
  ~Producer();

  // Produces events [first, first + count) in the background.
  void start(uint64_t count, uint64_t first = 0);
  // Waits until every event was acknowledged; false on timeout.
  bool wait(Millis timeout);
  void stop();

  // The JSON body of event number i (also used by tests that post by hand).
  std::string event_json(uint64_t i) const;
  std::string event_id(uint64_t i) const;
  ProducedEvent event(uint64_t i) const;

  // Every event started so far (sent or not), by id. Built on demand.
  std::map<std::string, ProducedEvent> produced() const;
  std::set<std::string> acknowledged() const;
  uint64_t acked_count() const { return acked_count_.load(); }
  uint64_t attempts_failed() const { return failed_.load(); }

 private:
  void run(int thread_index, uint64_t first, uint64_t count);
  bool send(HttpClient& http, const std::vector<uint64_t>& numbers);

  ProducerOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> acked_count_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> total_{0};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;  // (first, count) of every start()
  std::set<std::string> acked_;
};

}  // namespace sb::e2e
