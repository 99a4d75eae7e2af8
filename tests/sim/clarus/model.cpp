#include "model.h"

#include <algorithm>
#include <cstdio>

#include "record_json.h"

namespace sb::clarus_sim {

const char* goods_out_status_code(int status_id) {
  static const char* const kCodes[] = {"",          "DRAFT",     "PENDING",        "PICK",     "PART",
                                       "ALLOCATED", "COMPLETED", "PART_ALLOCATED", "CANCELLED"};
  return status_id >= 1 && status_id <= 8 ? kCodes[status_id] : "UNKNOWN";
}

const char* goods_out_status_name(int status_id) {
  static const char* const kNames[] = {"",          "Draft",      "Pending",         "Pick",     "Part picked",
                                       "Allocated", "Dispatched", "Part allocated",  "Cancelled"};
  return status_id >= 1 && status_id <= 8 ? kNames[status_id] : "Unknown";
}

std::string ClarusModel::next_string_id(const std::string& prefix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(next_id(prefix)));
  return prefix + "_" + buf;
}

const Product* ClarusModel::product_by_code(const std::string& code) const {
  for (const auto& [id, p] : products) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

const Location* ClarusModel::location_by_code(const std::string& code) const {
  for (const auto& [id, l] : locations) {
    if (l.code == code) return &l;
  }
  return nullptr;
}

const Carrier* ClarusModel::carrier_by_code(const std::string& code) const {
  for (const auto& [id, c] : carriers) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

const ReasonCode* ClarusModel::reason_code_of_type(const std::string& reason_type) const {
  for (const auto& [id, r] : reason_codes) {
    if (r.reason_type == reason_type) return &r;
  }
  return nullptr;
}

void ClarusModel::announce(std::string resource_name, std::string event, Json body) {
  outbox.push_back({std::move(resource_name), std::move(event), std::move(body)});
}

// ---------------------------------------------------------------- stock

namespace {
int64_t warehouse_of(const ClarusModel& m, int64_t location_id) {
  auto it = m.locations.find(location_id);
  return it == m.locations.end() ? 0 : it->second.warehouse_id;
}
}  // namespace

int64_t ClarusModel::available(int64_t product_id, int64_t warehouse_id) const {
  int64_t total = 0;
  for (const auto& [id, s] : stocks) {
    if (s.product_id == product_id && s.status == "available" && warehouse_of(*this, s.location_id) == warehouse_id) {
      total += s.quantity;
    }
  }
  return total;
}

int64_t ClarusModel::take_stock(int64_t product_id, int64_t warehouse_id, int64_t quantity) {
  int64_t taken = 0;
  for (auto it = stocks.begin(); it != stocks.end() && taken < quantity;) {
    Stock& s = it->second;
    if (s.product_id != product_id || s.status != "available" || warehouse_of(*this, s.location_id) != warehouse_id) {
      ++it;
      continue;
    }
    int64_t take = std::min(s.quantity, quantity - taken);
    s.quantity -= take;
    taken += take;
    // Empty stocks disappear, as a picked-clean bin does in Clarus.
    it = s.quantity == 0 ? stocks.erase(it) : std::next(it);
  }
  return taken;
}

Stock& ClarusModel::put_stock(int64_t product_id, int64_t location_id, int64_t quantity, const std::string& status) {
  for (auto& [id, s] : stocks) {
    if (s.product_id == product_id && s.location_id == location_id && s.status == status) {
      s.quantity += quantity;
      return s;
    }
  }
  Stock s;
  s.id = next_id("stocks");
  s.product_id = product_id;
  s.location_id = location_id;
  s.quantity = quantity;
  s.status = status;
  s.fifo_date = now_iso();
  return stocks[s.id] = s;
}

Result<int64_t> ClarusModel::adjust_stock(int64_t stock_id, int64_t delta, const std::string& reason_code_id) {
  auto it = stocks.find(stock_id);
  if (it == stocks.end()) return Status::NotFound("stock " + std::to_string(stock_id) + " not found");
  if (delta == 0) return Status::InvalidArgument("quantity must not be 0");
  Stock& s = it->second;
  if (s.quantity + delta < 0) {
    return Status::InvalidArgument("not_enough_stocks: stock " + std::to_string(stock_id) + " holds " +
                                   std::to_string(s.quantity));
  }
  s.quantity += delta;
  StockAdjustment a;
  a.id = next_id("stock_adjustments");
  a.quantity = delta;
  a.adjustment_type = delta > 0 ? "positive" : "negative";
  a.reason_code_id = reason_code_id;
  a.product_id = s.product_id;
  a.location_id = s.location_id;
  a.warehouse_id = warehouse_of(*this, s.location_id);
  a.stock_id = s.id;
  a.created_at = now_iso();
  stock_adjustments[a.id] = a;
  if (s.quantity == 0) stocks.erase(it);
  announce("stock", delta > 0 ? "positive_adjustment" : "negative_adjustment",
           envelope("stock_adjustments", stock_adjustment_json(*this, a)));
  return a.id;
}

Result<int64_t> ClarusModel::move_stock(int64_t stock_id, int64_t quantity, int64_t to_location_id) {
  auto it = stocks.find(stock_id);
  if (it == stocks.end()) return Status::NotFound("stock " + std::to_string(stock_id) + " not found");
  if (!locations.count(to_location_id)) {
    return Status::InvalidArgument("to_location_id " + std::to_string(to_location_id) + " does not exist");
  }
  Stock moved = it->second;
  if (quantity <= 0 || quantity > moved.quantity) {
    return Status::InvalidArgument("quantity must be between 1 and " + std::to_string(moved.quantity));
  }
  if (moved.location_id == to_location_id) return stock_id;
  it->second.quantity -= quantity;
  if (it->second.quantity == 0) stocks.erase(it);
  return put_stock(moved.product_id, to_location_id, quantity, moved.status).id;
}

Result<int64_t> ClarusModel::set_stock_status(int64_t stock_id, int64_t quantity, bool hold) {
  auto it = stocks.find(stock_id);
  if (it == stocks.end()) return Status::NotFound("stock " + std::to_string(stock_id) + " not found");
  const std::string from = hold ? "available" : "held";
  const std::string to = hold ? "held" : "available";
  Stock& s = it->second;
  if (s.status != from) return Status::InvalidArgument("stock " + std::to_string(stock_id) + " is already " + to);
  if (quantity <= 0 || quantity > s.quantity) quantity = s.quantity;
  int64_t result_id = stock_id;
  if (quantity == s.quantity) {
    s.status = to;
  } else {
    s.quantity -= quantity;
    Stock split = s;
    split.id = next_id("stocks");
    split.quantity = quantity;
    split.status = to;
    stocks[split.id] = split;
    result_id = split.id;
  }
  announce("stock", hold ? "held" : "released", envelope("stocks", stock_json(*this, stocks.at(result_id))));
  return result_id;
}

// ---------------------------------------------------------------- goods outs

int64_t ClarusModel::dispatch(GoodsOut& g, const std::map<int64_t, int64_t>& quantities, Shipment shipment) {
  shipment.id = next_id("shipments");
  shipment.goods_out_id = g.id;
  if (shipment.reference.empty()) shipment.reference = g.reference + "-S" + std::to_string(shipment.id);
  if (shipment.collection_datetime.empty()) shipment.collection_datetime = now_iso();
  for (auto& line : g.lines) {
    auto q = quantities.find(line.id);
    if (q == quantities.end() || q->second <= 0) continue;
    int64_t quantity = std::min(q->second, line.remaining());
    if (quantity <= 0) continue;
    take_stock(line.product_id, g.warehouse_id, quantity);
    line.pick_quantity += quantity;
    line.dispatch_quantity += quantity;
    line.allocated_quantity = std::max<int64_t>(0, line.allocated_quantity - quantity);
    shipment.lines.push_back({line.id, line.alt_line_reference, line.product_id, quantity});
  }
  shipments[shipment.id] = shipment;
  g.status_id = kPart;
  complete_if_done(g);
  return shipment.id;
}

void ClarusModel::short_line(GoodsOut& g, GoodsOutLine& line) {
  line.short_quantity += line.remaining();
  line.allocated_quantity = 0;
  complete_if_done(g);
}

void ClarusModel::complete_if_done(GoodsOut& g) {
  if (g.lines.empty() || g.status_id == kCompleted || g.status_id == kCancelled) return;
  for (const auto& l : g.lines) {
    if (l.remaining() > 0) return;
  }
  g.status_id = kCompleted;
  g.dispatched_at = now_iso();
  announce("goods_out", "completed", envelope("goods_outs", goods_out_json(*this, g)));
}

// ---------------------------------------------------------------- receipts

void ClarusModel::receive_line(GoodsInReceipt& r, ReceiptLine& line, int64_t quantity, int64_t location_id,
                               const std::string& stock_status) {
  line.received_quantity += quantity;
  line.location_id = location_id;
  if (r.status == "pending") r.status = "receiving";
  if (quantity > 0 && !stock_status.empty()) put_stock(line.product_id, location_id, quantity, stock_status);
}

void ClarusModel::complete_receipt(GoodsInReceipt& r) {
  if (r.status == "completed") return;
  r.status = "completed";
  r.actual_date_of_receipt = now_iso();
  for (auto& [id, t] : receive_tasks) {
    if (t.goods_in_receipt_id == r.id && t.status == "pending") t.status = "cancelled";
  }
  announce("goods_in_receipt", "completed", envelope("goods_in_receipts", receipt_json(*this, r)));
}

std::vector<int64_t> ClarusModel::start_receiving(GoodsInReceipt& r) {
  std::vector<int64_t> ids;
  r.status = "receiving";
  for (const auto& line : r.lines) {
    int64_t left = line.expected_quantity - line.received_quantity;
    if (left <= 0) continue;
    ReceiveTask t;
    t.id = next_id("receive_tasks");
    t.goods_in_receipt_id = r.id;
    t.line_id = line.id;
    t.product_id = line.product_id;
    t.quantity = left;
    receive_tasks[t.id] = t;
    ids.push_back(t.id);
  }
  return ids;
}

}  // namespace sb::clarus_sim
