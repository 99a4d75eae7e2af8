// Builders for the wire messages the relay tests feed in, and polling with a
// deadline (the poster and the uplink work on their own threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/clock.h"
#include "stockbridge/v1/wire.h"

namespace sb::relay::test {

// A StockAdjustment event as the agent would journal it.
inline v1::Event adjustment(const std::string& site, uint64_t seq, const std::string& event_id,
                            const std::string& business_key, const std::string& sku = "SKU-1",
                            int64_t delta = -3, const std::string& warehouse = "WH1") {
  v1::Event e;
  e.set_event_id(event_id);
  e.set_site_id(site);
  e.set_seq(seq);
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_accepted_at_ms(1'764'172'800'500);
  e.set_business_key(business_key);
  v1::StockAdjustment* a = e.mutable_stock_adjustment();
  a->set_sku(sku);
  a->set_warehouse(warehouse);
  a->set_location("A-01-02");
  a->set_quantity_delta(delta);
  a->set_unit("EA");
  a->set_reason_code("DMG");
  a->set_clarus_reference("MV-" + std::to_string(seq));
  return e;
}

// Events seq first..last of one site, ids "{site}-ev-{seq}", all of one key unless given.
inline std::vector<v1::Event> run_of(const std::string& site, uint64_t first, uint64_t last,
                                     const std::string& key = "SKU-1@WH1") {
  std::vector<v1::Event> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(adjustment(site, s, site + "-ev-" + std::to_string(s), key));
  return out;
}

inline v1::UplinkBatch batch(const std::string& site, const std::string& epoch, const std::vector<v1::Event>& events) {
  v1::UplinkBatch b;
  b.set_site_id(site);
  b.set_journal_epoch(epoch);
  b.set_sent_at_ms(1'764'172'801'000);
  for (const v1::Event& e : events) *b.add_events() = e;
  return b;
}

// Polls pred until it holds or `timeout` passes; true when it held.
inline bool eventually(const std::function<bool()>& pred, Millis timeout = Millis(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(Millis(2));
  }
  return pred();
}

struct SeenOutcome {
  std::string site;
  std::string epoch;
  v1::EventOutcome outcome;
};

// What a poster's OutcomeSink delivered, by event id.
class Outcomes {
 public:
  void add(const std::string& site, const std::string& epoch, const v1::EventOutcome& o) {
    std::lock_guard lock(mu_);
    seen_.push_back({site, epoch, o});
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  bool has(const std::string& event_id, v1::EventOutcome::Kind kind, SeenOutcome* out = nullptr) const {
    std::lock_guard lock(mu_);
    for (const SeenOutcome& s : seen_) {
      if (s.outcome.event_id() == event_id && s.outcome.kind() == kind) {
        if (out) *out = s;
        return true;
      }
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<SeenOutcome> seen_;
};

}  // namespace sb::relay::test
