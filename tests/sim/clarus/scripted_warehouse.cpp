#include "scripted_warehouse.h"

#include <algorithm>
#include <cmath>

#include "record_json.h"
#include "seed.h"

namespace sb::clarus_sim {
namespace {

bool dispatchable(const GoodsOut& g) {
  return !g.lines.empty() && g.status_id != kDraft && g.status_id != kCompleted && g.status_id != kCancelled;
}

bool receivable(const GoodsInReceipt& r, const std::string& type) {
  return r.receipt_type == type && r.status != "completed" && !r.lines.empty();
}

template <typename T>
T* pick(std::vector<T*>& candidates, uint64_t r) {
  return candidates.empty() ? nullptr : candidates[r % candidates.size()];
}

double rounded(double v) { return std::round(v * 10) / 10; }

}  // namespace

Status WarehouseBehaviour::merge(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("warehouse behaviour must be a JSON object");
  WarehouseBehaviour next = *this;
  for (const auto& [key, v] : body.members()) {
    double* target = key == "partial_dispatch_rate" ? &next.partial_dispatch_rate
                     : key == "under_receipt_rate"  ? &next.under_receipt_rate
                     : key == "over_receipt_rate"   ? &next.over_receipt_rate
                                                    : nullptr;
    if (!target) return Status::InvalidArgument("unknown warehouse setting '" + key + "'");
    if (!v.is_number() || v.as_double() < 0 || v.as_double() > 1) {
      return Status::InvalidArgument(key + " must be a number from 0 to 1");
    }
    *target = v.as_double();
  }
  *this = next;
  return Status::Ok();
}

Json WarehouseBehaviour::to_json() const {
  Json o = Json::object();
  o.set("partial_dispatch_rate", Json::number(partial_dispatch_rate));
  o.set("under_receipt_rate", Json::number(under_receipt_rate));
  o.set("over_receipt_rate", Json::number(over_receipt_rate));
  return o;
}

Json ScriptedWarehouse::step(ClarusModel& m, const std::set<std::string>& only) {
  std::vector<GoodsOut*> orders;
  std::vector<GoodsInReceipt*> receipts, returns;
  std::vector<Stock*> available, held;
  for (auto& [id, g] : m.goods_outs) {
    if (dispatchable(g)) orders.push_back(&g);
  }
  for (auto& [id, r] : m.goods_in_receipts) {
    if (receivable(r, "purchase_order")) receipts.push_back(&r);
    if (receivable(r, "return")) returns.push_back(&r);
  }
  for (auto& [id, s] : m.stocks) {
    (s.status == "held" ? held : available).push_back(&s);
  }
  // Weights: a warehouse mostly ships and receives; adjustments and holds are rarer.
  struct Kind { const char* name; int weight; bool possible; };
  const Kind kinds[] = {{"dispatch", 50, !orders.empty()}, {"receive", 30, !receipts.empty()},
                        {"return", 30, !returns.empty()},  {"adjust", 10, !available.empty()},
                        {"move", 10, !available.empty()},  {"hold", 3, !available.empty()},
                        {"release", 5, !held.empty()}};
  int total = 0;
  for (const auto& k : kinds) {
    if (k.possible && (only.empty() || only.count(k.name))) total += k.weight;
  }
  if (total == 0) return Json();
  int64_t r = below(total);
  std::string chosen;
  for (const auto& k : kinds) {
    if (!k.possible || !(only.empty() || only.count(k.name))) continue;
    if (r < k.weight) {
      chosen = k.name;
      break;
    }
    r -= k.weight;
  }
  uint64_t which = rng_();
  if (chosen == "dispatch") return dispatch(m, *pick(orders, which));
  if (chosen == "receive") return receive(m, *pick(receipts, which));
  if (chosen == "return") return receive(m, *pick(returns, which));
  if (chosen == "adjust") return adjust(m, *pick(available, which));
  if (chosen == "move") return move(m, *pick(available, which));
  if (chosen == "hold") return hold_or_release(m, *pick(available, which), true);
  return hold_or_release(m, *pick(held, which), false);
}

Shipment ScriptedWarehouse::plan_shipment(ClarusModel& m, const GoodsOut& g, int64_t units) {
  Shipment s;
  s.carrier_id = g.carrier_id;
  s.carrier_service_id = g.carrier_service_id;
  if (!s.carrier_id) s.carrier_id = 1 + below(static_cast<int64_t>(m.carriers.size()));
  if (!s.carrier_service_id) {
    for (const auto& [id, svc] : m.carrier_services) {
      if (svc.carrier_id == *s.carrier_id) {
        s.carrier_service_id = id;
        break;
      }
    }
  }
  auto carrier = m.carriers.find(*s.carrier_id);
  std::string code = carrier == m.carriers.end() ? "" : carrier->second.code;
  int64_t count = std::min<int64_t>(units, 1 + below(3));
  for (int64_t n = 1; n <= count; ++n) {
    Package p;
    p.tracking_number = tracking_number(code, rng_);
    p.weight = rounded(0.2 + roll() * 15);
    p.height = static_cast<double>(10 + below(50));
    p.length = static_cast<double>(15 + below(60));
    p.width = static_cast<double>(10 + below(40));
    s.packages.push_back(p);
  }
  s.tracking_number = s.packages.empty() ? tracking_number(code, rng_) : s.packages.front().tracking_number;
  return s;
}

Json ScriptedWarehouse::dispatch(ClarusModel& m, GoodsOut& g) {
  bool partial = roll() < behaviour_.partial_dispatch_rate;
  std::map<int64_t, int64_t> quantities;
  std::map<int64_t, int64_t> stock_left;  // product -> units not yet promised to this shipment
  int64_t units = 0, shorted = 0;
  for (auto& line : g.lines) {
    if (line.remaining() <= 0) continue;
    if (!stock_left.count(line.product_id)) stock_left[line.product_id] = m.available(line.product_id, g.warehouse_id);
    int64_t want = line.remaining();
    if (partial && want > 1) want = 1 + below(want - 1);
    int64_t& left = stock_left[line.product_id];
    int64_t ship = std::min(want, left);
    left -= ship;
    // Out of stock: the picker ships what the bins hold and the rest of the line is shorted.
    if (ship < want) {
      shorted += line.remaining() - ship;
      line.short_quantity += line.remaining() - ship;
      line.allocated_quantity = ship;
    }
    if (ship > 0) quantities[line.id] = ship;
    units += ship;
  }
  Json out = Json::object();
  out.set("action", text("dispatch"));
  out.set("goods_out_id", num(g.id));
  out.set("reference", text(g.reference));
  out.set("partial", Json::boolean(partial));
  out.set("shorted", num(shorted));
  if (units > 0) {
    Shipment s = plan_shipment(m, g, units);
    for (size_t i = 0; i < s.packages.size(); ++i) {
      s.packages[i].reference = g.reference + "-P" + std::to_string(m.sequences["shipments"] + 1) + "-" + std::to_string(i + 1);
    }
    out.set("shipment_id", num(m.dispatch(g, quantities, s)));
  } else {
    m.complete_if_done(g);
  }
  out.set("units", num(units));
  out.set("completed", Json::boolean(g.status_id == kCompleted));
  return out;
}

Json ScriptedWarehouse::receive(ClarusModel& m, GoodsInReceipt& r) {
  const bool is_return = r.receipt_type == "return";
  if (r.status == "pending") m.start_receiving(r);
  auto bins = bin_locations(m);
  Json out = Json::object();
  out.set("action", text(is_return ? "return" : "receive"));
  out.set("goods_in_receipt_id", num(r.id));
  out.set("reference", text(r.reference));
  Json& lines = out.set("lines", Json::array());
  for (auto& [tid, task] : m.receive_tasks) {
    if (task.goods_in_receipt_id != r.id || task.status != "pending") continue;
    auto line = std::find_if(r.lines.begin(), r.lines.end(), [&](const ReceiptLine& l) { return l.id == task.line_id; });
    if (line == r.lines.end()) {
      task.status = "cancelled";
      continue;
    }
    int64_t quantity = task.quantity;
    double v = roll();
    if (v < behaviour_.under_receipt_rate) quantity -= 1 + below(std::max<int64_t>(1, task.quantity / 4));
    else if (!is_return && v < behaviour_.under_receipt_rate + behaviour_.over_receipt_rate) quantity += 1 + below(std::max<int64_t>(1, task.quantity / 10));
    quantity = std::max<int64_t>(0, quantity);
    int64_t location = bins[static_cast<size_t>(below(static_cast<int64_t>(bins.size())))];
    std::string stock_status = "available";
    if (is_return) {
      // The inspector's verdict decides where a returned unit goes.
      double d = roll();
      std::string disposition = d < 0.6 ? "restock" : d < 0.85 ? "quarantine" : "scrap";
      auto existing = line->custom.find("string1");
      if (existing != line->custom.end() && existing->second.is_string()) disposition = existing->second.as_string();
      line->custom["string1"] = text(disposition);
      if (disposition == "quarantine") location = quarantine_location(m), stock_status = "held";
      if (disposition == "scrap") stock_status = "";
    }
    m.receive_line(r, *line, quantity, location, stock_status);
    task.status = "completed";
    task.confirmed_quantity = quantity;
    task.location_to_id = location;
    Json& lj = lines.push(Json::object());
    lj.set("line_id", num(line->id));
    lj.set("expected", num(line->expected_quantity));
    lj.set("received", num(quantity));
    if (is_return) lj.set("disposition", line->custom["string1"]);
  }
  m.complete_receipt(r);
  return out;
}

Json ScriptedWarehouse::adjust(ClarusModel& m, Stock& s) {
  bool positive = roll() < 0.5 || s.quantity <= 1;
  int64_t delta = positive ? 1 + below(5) : -(1 + below(std::min<int64_t>(5, s.quantity)));
  const ReasonCode* reason = m.reason_code_of_type(positive ? "positive_adjustment" : "negative_adjustment");
  int64_t product = s.product_id, location = s.location_id;
  auto id = m.adjust_stock(s.id, delta, reason ? reason->id : "");
  Json out = Json::object();
  out.set("action", text("adjust"));
  out.set("stock_adjustment_id", id.ok() ? num(id.value()) : Json());
  out.set("product_id", num(product));
  out.set("location_id", num(location));
  out.set("quantity", num(delta));
  return out;
}

Json ScriptedWarehouse::move(ClarusModel& m, Stock& s) {
  auto bins = bin_locations(m);
  int64_t to = bins[static_cast<size_t>(below(static_cast<int64_t>(bins.size())))];
  if (to == s.location_id) to = bins[(static_cast<size_t>(std::find(bins.begin(), bins.end(), to) - bins.begin()) + 1) % bins.size()];
  int64_t quantity = 1 + below(s.quantity);
  int64_t from = s.location_id, stock_id = s.id;
  auto moved = m.move_stock(s.id, quantity, to);
  Json out = Json::object();
  out.set("action", text("move"));
  out.set("stock_id", num(stock_id));
  out.set("from_location_id", num(from));
  out.set("to_location_id", num(to));
  out.set("quantity", num(quantity));
  out.set("to_stock_id", moved.ok() ? num(moved.value()) : Json());
  return out;
}

Json ScriptedWarehouse::hold_or_release(ClarusModel& m, Stock& s, bool hold) {
  int64_t stock_id = s.id;
  auto result = m.set_stock_status(s.id, 0, hold);
  Json out = Json::object();
  out.set("action", text(hold ? "hold" : "release"));
  out.set("stock_id", num(stock_id));
  out.set("result_stock_id", result.ok() ? num(result.value()) : Json());
  return out;
}

}  // namespace sb::clarus_sim
