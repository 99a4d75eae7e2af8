// Goods-in receipts (purchase orders, ASNs and [assumed] returns) and the
// receive tasks that put their stock away. A receipt completes, and announces
// goods_in_receipt/completed, when its last receive task is done.
#include <algorithm>

#include "api_support.h"
#include "record_json.h"
#include "seed.h"

namespace sb::clarus_sim {
namespace {

constexpr size_t kMaxReference = 50;

void read_receipt_line(Attributes& a, const ClarusModel& m, ReceiptLine* line, bool adding) {
  if (adding) {
    a.require("product_id");
    a.require("expected_quantity");
  }
  if (auto p = a.integer("product_id")) {
    if (!m.products.count(*p)) a.fail("product_id " + std::to_string(*p) + " does not exist");
    line->product_id = *p;
  }
  if (auto q = a.integer("expected_quantity")) {
    if (*q <= 0) a.fail("expected_quantity must be greater than 0");
    line->expected_quantity = *q;
  }
  if (auto q = a.integer("expected_configurations_quantity")) line->expected_configurations_quantity = *q;
  if (auto r = a.string("alt_line_reference")) {
    if (r->size() > kMaxReference) a.fail("alt_line_reference is longer than 50 characters");
    line->alt_line_reference = *r;
  }
  a.read_custom(&line->custom);
}

Status apply_receipt_lines(const Attributes& head, ClarusModel& m, GoodsInReceipt* r) {
  auto changes = read_line_changes(head);
  if (!changes.ok()) return changes.status();
  for (auto& change : changes.value()) {
    if (change.type == "ADD") {
      ReceiptLine line;
      read_receipt_line(change.attributes, m, &line, true);
      SB_RETURN_IF_ERROR(change.attributes.status());
      line.id = m.next_id("goods_in_receipt_lines");
      r->lines.push_back(line);
      continue;
    }
    auto it = std::find_if(r->lines.begin(), r->lines.end(), [&](const ReceiptLine& l) { return l.id == *change.id; });
    if (it == r->lines.end()) {
      return Status::InvalidArgument("goods-in receipt " + std::to_string(r->id) + " has no line " + std::to_string(*change.id));
    }
    if (change.type == "DESTROY") {
      if (it->received_quantity > 0) return Status::InvalidArgument("line " + std::to_string(it->id) + " has been received");
      r->lines.erase(it);
    } else {
      read_receipt_line(change.attributes, m, &*it, false);
      SB_RETURN_IF_ERROR(change.attributes.status());
    }
  }
  return Status::Ok();
}

Status read_receipt(Attributes& a, const ClarusModel& m, GoodsInReceipt* r, bool creating) {
  if (creating) {
    a.require("account_id");
    a.require("warehouse_id");
    SB_RETURN_IF_ERROR(a.status());
  }
  if (auto acc = a.integer("account_id")) {
    if (!m.accounts.count(*acc)) a.fail("account_id " + std::to_string(*acc) + " does not exist");
    r->account_id = *acc;
  }
  if (auto w = a.integer("warehouse_id")) {
    if (!m.warehouses.count(*w)) a.fail("warehouse_id " + std::to_string(*w) + " does not exist");
    r->warehouse_id = *w;
  }
  if (auto ref = a.string("reference")) {
    if (ref->size() > kMaxReference) a.fail("reference is longer than 50 characters");
    r->reference = *ref;
  }
  if (auto t = a.string("receipt_type")) {
    if (*t != "purchase_order" && *t != "return") a.fail("receipt_type must be purchase_order or return");
    r->receipt_type = *t;
  }
  for (const char* key : {"expected_date_of_arrival", "expected_date_of_receipt"}) {
    if (auto d = a.string(key)) {
      if (!valid_date(*d)) a.fail(std::string(key) + " must be a date (YYYY-MM-DD or ISO-8601)");
      r->expected_date_of_receipt = *d;
    }
  }
  if (auto s = a.integer("supplier_id")) r->supplier_id = s;
  if (auto n = a.string("notes")) r->notes = *n;
  a.read_custom(&r->custom);
  return a.status();
}

GoodsInReceipt* find_receipt(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.goods_in_receipts.find(*id) : m.goods_in_receipts.end();
  return it == m.goods_in_receipts.end() ? nullptr : &it->second;
}

HttpResponse create_receipt(const HttpRequest& req, ClarusModel& m) {
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  GoodsInReceipt r;
  r.created_at = m.now_iso();
  if (Status st = read_receipt(a.value(), m, &r, true); !st.ok()) return api_error(st);
  if (Status st = apply_receipt_lines(a.value(), m, &r); !st.ok()) return api_error(st);
  r.id = m.next_id("goods_in_receipts");
  m.goods_in_receipts[r.id] = r;
  return record_answer(201, "goods_in_receipts", receipt_json(m, r));
}

HttpResponse update_receipt(const HttpRequest& req, ClarusModel& m) {
  GoodsInReceipt* r = find_receipt(req, m);
  if (!r) return api_error(404, "goods-in receipt " + req.params.at("id") + " not found");
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  if (r->status == "completed") return api_error(422, "cannot change a completed goods-in receipt");
  GoodsInReceipt updated = *r;
  if (Status st = read_receipt(a.value(), m, &updated, false); !st.ok()) return api_error(st);
  if (Status st = apply_receipt_lines(a.value(), m, &updated); !st.ok()) return api_error(st);
  *r = updated;
  return record_answer(200, "goods_in_receipts", receipt_json(m, *r));
}

HttpResponse get_receipt(const HttpRequest& req, ClarusModel& m) {
  GoodsInReceipt* r = find_receipt(req, m);
  if (!r) return api_error(404, "goods-in receipt " + req.params.at("id") + " not found");
  return record_answer(200, "goods_in_receipts", receipt_json(m, *r));
}

HttpResponse receive_receipt(const HttpRequest& req, ClarusModel& m) {
  GoodsInReceipt* r = find_receipt(req, m);
  if (!r) return api_error(404, "goods-in receipt " + req.params.at("id") + " not found");
  if (r->status != "pending") return api_error(422, "goods-in receipt is " + r->status + ", not pending");
  if (r->lines.empty()) return api_error(422, "goods-in receipt has no lines to receive");
  std::vector<int64_t> tasks = m.start_receiving(*r);
  Json out = receipt_json(m, *r);
  Json& ids = out.set("receive_task_ids", Json::array());
  for (int64_t id : tasks) ids.push(num(id));
  return record_answer(200, "goods_in_receipts", out);
}

HttpResponse get_receive_task(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.receive_tasks.find(*id) : m.receive_tasks.end();
  if (it == m.receive_tasks.end()) return api_error(404, "receive task " + req.params.at("id") + " not found");
  return record_answer(200, "receive_tasks", receive_task_json(m, it->second));
}

HttpResponse complete_receive_task(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.receive_tasks.find(*id) : m.receive_tasks.end();
  if (it == m.receive_tasks.end()) return api_error(404, "receive task " + req.params.at("id") + " not found");
  ReceiveTask& task = it->second;
  if (task.status != "pending") return api_error(422, "receive task is " + task.status);
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("confirmed_quantity");
  auto quantity = a.integer("confirmed_quantity");
  int64_t location = a.integer("location_to_id").value_or(goods_in_location(m));
  if (!a.status().ok()) return api_error(a.status());
  if (*quantity < 0) return api_error(422, "confirmed_quantity must not be negative");
  if (!m.locations.count(location)) return api_error(422, "location_to_id " + std::to_string(location) + " does not exist");
  GoodsInReceipt& r = m.goods_in_receipts.at(task.goods_in_receipt_id);
  auto line = std::find_if(r.lines.begin(), r.lines.end(), [&](const ReceiptLine& l) { return l.id == task.line_id; });
  if (line == r.lines.end()) return api_error(422, "the receipt line of this task was removed");
  // A return line's disposition (string1) decides where its stock goes.
  auto disposition = line->custom.find("string1");
  std::string stock_status = "available";
  if (r.receipt_type == "return" && disposition != line->custom.end() && disposition->second.is_string()) {
    if (disposition->second.as_string() == "scrap") stock_status = "";
    if (disposition->second.as_string() == "quarantine") stock_status = "held";
  }
  m.receive_line(r, *line, *quantity, location, stock_status);
  task.status = "completed";
  task.confirmed_quantity = *quantity;
  task.location_to_id = location;
  bool open_tasks = std::any_of(m.receive_tasks.begin(), m.receive_tasks.end(), [&](const auto& kv) {
    return kv.second.goods_in_receipt_id == r.id && kv.second.status == "pending";
  });
  if (!open_tasks) m.complete_receipt(r);
  return record_answer(200, "receive_tasks", receive_task_json(m, task));
}

}  // namespace

void add_receipt_routes(RouteList& routes) {
  routes.push_back({"POST", "/goods_in_receipts", true, create_receipt});
  routes.push_back({"GET", "/goods_in_receipts/{id}", false, get_receipt});
  routes.push_back({"PATCH", "/goods_in_receipts/{id}", false, update_receipt});
  routes.push_back({"POST", "/goods_in_receipts/{id}/receive", false, receive_receipt});
  routes.push_back({"GET", "/receive_tasks/{id}", false, get_receive_task});
  routes.push_back({"POST", "/receive_tasks/{id}/receive", false, complete_receive_task});
}

}  // namespace sb::clarus_sim
