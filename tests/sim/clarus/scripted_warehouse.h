// ScriptedWarehouse: the people and scanners of a warehouse, acting on what
// the simulator holds. Each step does one thing: picks and dispatches a goods
// out (fully or partly, shorting lines when stock runs out), receives a
// purchase-order receipt (sometimes under or over), receives and inspects a
// return (string1 = restock / quarantine / scrap), adjusts stock, moves stock,
// or holds / releases stock.
//
// Deterministic: the same seed and the same model give the same actions
// (choices come only from its own generator and the model in id order).
// Thread-safety: none; called under the simulator's model lock.
#pragma once

#include <cstdint>
#include <random>
#include <set>
#include <string>

#include "model.h"

namespace sb::clarus_sim {

struct WarehouseBehaviour {
  double partial_dispatch_rate = 0.3;  // a dispatch ships only part of what remains
  double under_receipt_rate = 0.15;    // a purchase order arrives short
  double over_receipt_rate = 0.1;      // ... or with extra
  // Changed at runtime by POST /_sim/warehouse; unknown keys are InvalidArgument.
  Status merge(const Json& body);
  Json to_json() const;
};

class ScriptedWarehouse {
 public:
  explicit ScriptedWarehouse(uint64_t seed) : rng_(seed) {}
  void reseed(uint64_t seed) { rng_.seed(seed); }
  WarehouseBehaviour& behaviour() { return behaviour_; }

  // One action. `only` (empty = any) limits the kinds: dispatch, receive,
  // return, adjust, move, hold, release. Returns what was done, or null when
  // there was nothing to do.
  Json step(ClarusModel& m, const std::set<std::string>& only = {});

 private:
  Json dispatch(ClarusModel& m, GoodsOut& g);
  Json receive(ClarusModel& m, GoodsInReceipt& r);
  Json adjust(ClarusModel& m, Stock& s);
  Json move(ClarusModel& m, Stock& s);
  Json hold_or_release(ClarusModel& m, Stock& s, bool hold);
  Shipment plan_shipment(ClarusModel& m, const GoodsOut& g, int64_t units);

  int64_t below(int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }
  double roll() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

  std::mt19937_64 rng_;
  WarehouseBehaviour behaviour_;
};

// A tracking number in the carrier's format: Royal Mail S10 ("JV123456785GB",
// with its check digit), DPD 14 digits, DHL 10 digits, UPS "1Z" + 16.
std::string tracking_number(const std::string& carrier_code, std::mt19937_64& rng);

}  // namespace sb::clarus_sim
