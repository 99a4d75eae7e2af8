#include "agent/clarus/sweeper.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr char kLog[] = "clarus-sweep";
constexpr char kSnapshotKey[] = "snapshot_at_ms";
const char* const kResources[] = {"shipments", "goods_in_receipts", "stock_adjustments"};

// {id: {gt: cursor}}: what the sweeps page on (docs/clarus-model.md).
Json id_after(int64_t cursor) {
  Json gt = Json::object();
  gt.set("gt", Json::number(cursor));
  Json filter = Json::object();
  filter.set("id", std::move(gt));
  return filter;
}

Json eq_filter(const std::string& field, int64_t value) {
  Json eq = Json::object();
  eq.set("eq", Json::number(value));
  Json filter = Json::object();
  filter.set(field, std::move(eq));
  return filter;
}

const char* fields_of(const std::string& resource) {
  if (resource == "shipments") return kShipmentFields;
  if (resource == "goods_in_receipts") return kReceiptFields;
  return kAdjustmentFields;
}

// What one record says for the cursor: its event (if it is a fact now) and
// whether it is final (may the cursor pass it?).
struct Reading {
  Result<v1::Event> event = Status::NotFound("no event");
  bool final = false;
  std::string held_reason;
};

Reading read_record(const ClarusSite& site, const std::string& resource, const Json& node) {
  Reading r;
  if (resource == "goods_in_receipts") {
    const ReceiptState state = receipt_state(node);
    if (state == ReceiptState::kCancelled) {
      r.final = true;  // a cancelled receipt received nothing: final, no event
      return r;
    }
    if (state == ReceiptState::kOpen) {
      r.held_reason = "goods-in receipt " + record_id(node) + " is " + node.get_string("status", "without status") +
                      ", not completed";
      return r;
    }
    r.event = receipt_event(site, node);
  } else if (resource == "shipments") {
    r.event = shipment_event(site, node);
  } else {
    r.event = adjustment_event(site, node);
  }
  r.final = r.event.ok();
  if (!r.event.ok()) r.held_reason = r.event.status().message();
  return r;
}

}  // namespace

ClarusSweeper::ClarusSweeper(ClarusClient& clarus, Journal& journal, KvStore& store, const Clock& clock,
                             SweepOptions options)
    : clarus_(clarus),
      journal_(journal),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      site_{options_.site_id, options_.warehouse_code} {
  options_.page_size = std::max(options_.page_size, 1);
}

ClarusSweeper::~ClarusSweeper() { stop(); }

Status ClarusSweeper::init() {
  Result<TableId> t = store_.table("clarus_cursors");
  if (!t.ok()) return t.status();
  table_ = *t;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::map<std::string, int64_t> loaded;
  std::vector<std::string> keys(std::begin(kResources), std::end(kResources));
  keys.emplace_back(kSnapshotKey);
  for (const std::string& key : keys) {
    std::string v;
    Status g = (*txn)->get(table_, key, &v);
    if (g.code() == Code::kNotFound) continue;
    if (!g.ok()) return g;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size())
      return Status::Corruption("clarus_cursors: the value of " + key + " is not an integer");
    loaded[key] = n;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const char* r : kResources) stats_.cursors[r].cursor = loaded.count(r) ? loaded[r] : 0;
  stats_.last_snapshot_at_ms = loaded.count(kSnapshotKey) ? loaded[kSnapshotKey] : 0;
  ready_ = true;
  return Status::Ok();
}

Status ClarusSweeper::save(const std::string& key, int64_t value) {
  Result<std::unique_ptr<WriteTxn>> txn = store_.write();
  if (!txn.ok()) return txn.status();
  SB_RETURN_IF_ERROR((*txn)->put(table_, key, std::to_string(value)));
  return (*txn)->commit();
}

Status ClarusSweeper::journal_events(std::vector<v1::Event>& events) {
  if (events.empty()) return Status::Ok();
  Result<std::vector<AppendResult>> appended = journal_.append(events);
  if (!appended.ok()) return Status(appended.status().code(), "journal: " + appended.status().message());
  uint64_t fresh = 0, dups = 0;
  for (const AppendResult& r : *appended) (r.duplicate ? dups : fresh)++;
  std::lock_guard<std::mutex> lock(mu_);
  stats_.events_new += fresh;
  stats_.events_duplicate += dups;
  return Status::Ok();
}

void ClarusSweeper::note_cursor(const std::string& resource, const SweepCursor& c) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepCursor& old = stats_.cursors[resource];
  // Say once when a record starts holding a cursor back, not every sweep.
  if (c.held_at != old.held_at && c.held_at != 0)
    log::info(kLog, "a record holds the cursor back until it is final",
              {{"resource", resource}, {"id", c.held_at}, {"reason", c.held_reason}});
  old = c;
}

Status ClarusSweeper::sweep_resource(const std::string& resource) {
  SweepCursor next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    next.cursor = stats_.cursors[resource].cursor;
  }
  int64_t saved = next.cursor;
  bool holding = false;
  std::vector<v1::Event> batch;
  // Everything read so far is journaled before the cursor moves past it.
  auto flush = [&]() -> Status {
    SB_RETURN_IF_ERROR(journal_events(batch));
    batch.clear();
    if (next.cursor != saved) {
      SB_RETURN_IF_ERROR(save(resource, next.cursor));
      saved = next.cursor;
    }
    return Status::Ok();
  };
  Status flushed;
  Status read = clarus_.page_all(resource, id_after(next.cursor), fields_of(resource), options_.page_size,
                                 [&](const Json& node) {
                                   Reading r = read_record(site_, resource, node);
                                   if (r.event.ok()) batch.push_back(std::move(r.event).value());
                                   int64_t id = 0;
                                   const bool has_id = record_int_id(node, &id);
                                   if (!holding && r.final && has_id && id > next.cursor) {
                                     next.cursor = id;
                                   } else if (!holding && !r.final) {
                                     holding = true;
                                     next.held_at = has_id ? id : -1;
                                     next.held_reason = r.held_reason;
                                   }
                                   if (batch.size() < static_cast<size_t>(options_.page_size)) return true;
                                   flushed = flush();
                                   return flushed.ok();
                                 });
  // What was read before Clarus failed is still kept (and its cursor saved).
  if (flushed.ok()) flushed = flush();
  if (read.ok() && flushed.ok()) note_cursor(resource, next);
  else {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.cursors[resource].cursor = saved;
  }
  if (!flushed.ok()) return flushed;
  if (!read.ok()) return Status(read.code(), resource + ": " + read.message());
  return Status::Ok();
}

Status ClarusSweeper::snapshot(int64_t taken_at_ms) {
  std::vector<v1::StockBalance> balances;
  Status mapping;
  Status read = clarus_.page_all("stock_balances", eq_filter("warehouse_id", options_.warehouse_id), kBalanceFields,
                                 options_.page_size, [&](const Json& node) {
                                   Result<v1::StockBalance> b = stock_balance(node);
                                   if (!b.ok()) mapping = b.status();
                                   else balances.push_back(std::move(b).value());
                                   return mapping.ok();
                                 });
  if (!read.ok()) return Status(read.code(), "stock_balances: " + read.message());
  // A snapshot missing one SKU would tell the ERP that SKU has no stock: none
  // is sent until every balance maps.
  if (!mapping.ok()) return mapping;
  std::vector<v1::Event> events = snapshot_events(site_, balances, taken_at_ms, options_.snapshot_part_size);
  SB_RETURN_IF_ERROR(journal_events(events));
  SB_RETURN_IF_ERROR(save(kSnapshotKey, taken_at_ms));
  std::lock_guard<std::mutex> lock(mu_);
  stats_.last_snapshot_at_ms = taken_at_ms;
  return Status::Ok();
}

Status ClarusSweeper::sweep_once() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  if (!ready_) return Status::FailedPrecondition("ClarusSweeper::init() was not called (or failed)");
  const int64_t start_ms = clock_.wall_ms();
  const int64_t start_mono = clock_.mono_ms();
  // Clarus refusing one resource's query (kInvalidArgument: e.g. a tenant
  // without stock_adjustments) does not stop the others or the snapshot, which
  // then carries stock; Clarus unavailable or the journal failing ends the pass.
  Status s;
  for (const char* resource : kResources) {
    Status r = sweep_resource(resource);
    if (s.ok()) s = r;
    if (!r.ok() && r.code() != Code::kInvalidArgument) break;
  }
  int64_t last_snapshot = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_snapshot = stats_.last_snapshot_at_ms;
  }
  const int64_t every = options_.snapshot_interval.count();
  const bool go_on = s.ok() || s.code() == Code::kInvalidArgument;
  if (go_on && every > 0 && (last_snapshot == 0 || start_ms - last_snapshot >= every)) {
    Status snap = snapshot(start_ms);
    if (s.ok()) s = snap;
  }

  std::lock_guard<std::mutex> lock(mu_);
  stats_.sweeps++;
  stats_.last_sweep_at_ms = start_ms;
  stats_.last_sweep_ms = clock_.mono_ms() - start_mono;
  if (s.ok()) {
    stats_.last_ok_at_ms = start_ms;
    stats_.last_error.clear();
  } else {
    stats_.failed_sweeps++;
    stats_.last_error = s.to_string();
    log::warn(kLog, "sweep stopped; the next one retries", {{"error", s.to_string()}});
  }
  return s;
}

Status ClarusSweeper::read_goods_out(int64_t goods_out_id) {
  std::lock_guard<std::mutex> pass(pass_mu_);
  std::vector<Json> shipments;
  Status read = clarus_.page_all("shipments", eq_filter("goods_out_id", goods_out_id), kShipmentFields,
                                 options_.page_size, [&](const Json& node) {
                                   shipments.push_back(node);
                                   return true;
                                 });
  if (!read.ok()) return Status(read.code(), "shipments of goods out " + std::to_string(goods_out_id) + ": " + read.message());
  // The goods out is COMPLETED, so its latest shipment is the one that completed it.
  int64_t last = 0;
  for (const Json& s : shipments) {
    int64_t id = 0;
    if (record_int_id(s, &id)) last = std::max(last, id);
  }
  std::vector<v1::Event> events;
  Status mapping;
  for (const Json& s : shipments) {
    int64_t id = 0;
    Result<v1::Event> e = shipment_event(site_, s, record_int_id(s, &id) && id == last);
    if (e.ok()) events.push_back(std::move(e).value());
    else if (mapping.ok()) mapping = e.status();  // that one waits for the sweep, which holds its cursor
  }
  SB_RETURN_IF_ERROR(journal_events(events));
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.goods_out_reads++;
  }
  return mapping;
}

SweepStats ClarusSweeper::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace sb::agent
