#include "agent/clarus/sweeper.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <vector>

#include "platform/core/log.h"

namespace sb::agent {
namespace {

constexpr char kLog[] = "clarus-sweep";
constexpr char kSnapshotKey[] = "snapshot_at_ms";
constexpr char kOpenPrefix[] = "open:";
constexpr size_t kOpenChunk = 100;        // ids per {id: {in: [...]}} query
constexpr size_t kMaxReasonLength = 300;  // what an open record's reason keeps in the store
const char* const kResources[] = {"shipments", "goods_in_receipts", "stock_adjustments"};

// {id: {<op>: value}}: what the sweeps page on (docs/clarus-model.md).
Json id_filter(const char* op, Json value) {
  Json cond = Json::object();
  cond.set(op, std::move(value));
  Json filter = Json::object();
  filter.set("id", std::move(cond));
  return filter;
}
Json id_after(int64_t cursor) { return id_filter("gt", Json::number(cursor)); }

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

std::string open_key(const std::string& resource, int64_t id) {
  return kOpenPrefix + resource + ":" + std::to_string(id);
}

bool parse_int(std::string_view v, int64_t* out) {
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && end == v.data() + v.size();
}

// What one record says: its event (if it is a fact now) and whether it is
// final (journaled, or nothing to journal ever: a cancelled receipt).
struct Reading {
  Result<v1::Event> event = Status::NotFound("no event");
  bool final = false;
  std::string reason;  // why not final
};

Reading read_record(const ClarusSite& site, const std::string& resource, const Json& node) {
  Reading r;
  if (Status id = check_record_id(node, resource); !id.ok()) {
    r.reason = id.message();  // an id no event id can carry: never journaled
    return r;
  }
  if (resource == "goods_in_receipts") {
    const ReceiptState state = receipt_state(node);
    if (state == ReceiptState::kCancelled) {
      r.final = true;  // a cancelled receipt received nothing: final, no event
      return r;
    }
    if (state == ReceiptState::kOpen) {
      r.reason = "goods-in receipt " + record_id(node) + " is " + node.get_string("status", "without status") +
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
  if (!r.event.ok()) r.reason = r.event.status().message();
  if (r.reason.size() > kMaxReasonLength) r.reason.resize(kMaxReasonLength);
  return r;
}

// When the record came to be, as far as its fields say (0: they do not).
int64_t record_time_ms(const Json& node) {
  for (const char* field : {"created_at", "collection_datetime", "actual_date_of_receipt"}) {
    const Json* v = node.is_object() ? node.find(field) : nullptr;
    if (!v || !v->is_string() || v->as_string().empty()) continue;
    std::string t = v->as_string();
    if (t.size() == 10) t += "T00:00:00Z";
    int64_t ms = 0;
    if (parse_iso8601(t, &ms)) return ms;
  }
  return 0;
}

}  // namespace

ClarusSweeper::ClarusSweeper(ClarusClient& clarus, Journal& journal, KvStore& store, GroupCommitter& committer,
                             const Clock& clock, SweepOptions options)
    : clarus_(clarus),
      journal_(journal),
      store_(store),
      committer_(committer),
      clock_(clock),
      options_(std::move(options)),
      site_{options_.site_id, options_.warehouse_code} {
  options_.page_size = std::max(options_.page_size, 1);
  if (options_.start_from_id < -1) options_.start_from_id = -1;
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
    if (!parse_int(v, &n)) return Status::Corruption("clarus_cursors: the value of " + key + " is not an integer");
    loaded[key] = n;
  }
  std::map<std::string, ResourceState> states;
  for (const char* r : kResources) {
    ResourceState& st = states[r];
    if (loaded.count(r)) st.cursor = loaded[r];
    else if (options_.start_from_id >= 0) st.cursor = options_.start_from_id;
    else st.start_at_latest = true;
  }
  // The open sets: "open:<resource>:<id>" -> "<first seen ms> <reason>".
  Status bad;
  Status scanned = (*txn)->scan(table_, kOpenPrefix, [&](std::string_view key, std::string_view value) {
    if (!key.starts_with(kOpenPrefix)) return false;
    std::string_view rest = key.substr(sizeof(kOpenPrefix) - 1);
    const size_t colon = rest.rfind(':');
    int64_t id = 0, seen = 0;
    const size_t space = value.find(' ');
    if (colon == std::string_view::npos || !parse_int(rest.substr(colon + 1), &id) ||
        !parse_int(value.substr(0, space), &seen)) {
      bad = Status::Corruption("clarus_cursors: " + std::string(key) + " is not an open record");
      return false;
    }
    auto it = states.find(std::string(rest.substr(0, colon)));
    if (it == states.end()) return true;  // a resource no longer swept
    it->second.open[id] = OpenRecord{seen, space == std::string_view::npos ? "" : std::string(value.substr(space + 1))};
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;
  std::lock_guard<std::mutex> lock(mu_);
  resources_ = std::move(states);
  stats_.last_snapshot_at_ms = loaded.count(kSnapshotKey) ? loaded[kSnapshotKey] : 0;
  ready_ = true;
  return Status::Ok();
}

Status ClarusSweeper::write(const GroupCommitter::Op& op) { return committer_.run(op); }

Status ClarusSweeper::halted() const {
  return Status::FailedPrecondition("the sweep was stopped (the sweeper is stopping); it resumes where it stopped");
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

Status ClarusSweeper::sweep_resource(const std::string& resource) {
  if (resources_[resource].start_at_latest) return start_at_latest(resource);
  // Clarus refusing the open set's query still lets the new records be read.
  Status open = reread_open(resource);
  if (!open.ok() && open.code() != Code::kInvalidArgument) return open;
  Status forward = sweep_forward(resource);
  return open.ok() ? forward : open;
}

// The cursor a first sweep starts from with start_from_id = -1: the highest id
// Clarus has now, found with {id: {gt: x}}, first: 1 probes (doubling, then
// bisecting: some 2 log2(highest id) queries), as `all` offers no ordering.
Status ClarusSweeper::start_at_latest(const std::string& resource) {
  // The smallest id above x, 0 when there is none.
  auto first_after = [&](int64_t x, int64_t* found) -> Status {
    *found = 0;
    Status read = clarus_.page_all(resource, id_after(x), "id", 1, [&](const Json& node) {
      int64_t id = 0;
      if (record_int_id(node, &id) && id > x) *found = id;
      return false;  // one node is all a probe needs
    });
    if (!read.ok()) return Status(read.code(), resource + ": " + read.message());
    return halting_ ? halted() : Status::Ok();
  };
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t lo = 0, found = 0;  // lo: an id Clarus has (or 0)
  SB_RETURN_IF_ERROR(first_after(0, &found));
  int64_t hi = 0;  // no id above hi
  if (found != 0) {
    lo = found;
    for (;;) {
      const int64_t x = lo > kMax / 2 ? kMax : lo * 2;
      SB_RETURN_IF_ERROR(first_after(x, &found));
      if (found == 0 || x == kMax) {
        hi = x;
        break;
      }
      lo = found;
    }
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      SB_RETURN_IF_ERROR(first_after(mid, &found));
      if (found == 0 || found > hi) hi = mid;
      else lo = found;
    }
  }
  const int64_t cursor = lo;
  SB_RETURN_IF_ERROR(write([&](WriteTxn& txn) { return txn.put(table_, resource, std::to_string(cursor)); }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ResourceState& st = resources_[resource];
    st.cursor = cursor;
    st.start_at_latest = false;
  }
  log::info(kLog, "first sweep: starting after Clarus's highest id; older records are not journaled",
            {{"resource", resource}, {"cursor", cursor}});
  return Status::Ok();
}

Status ClarusSweeper::reread_open(const std::string& resource) {
  std::vector<int64_t> ids;
  for (const auto& [id, rec] : resources_[resource].open) ids.push_back(id);
  for (size_t from = 0; from < ids.size(); from += kOpenChunk) {
    if (halting_) return halted();
    const std::vector<int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                     ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), from + kOpenChunk)));
    Json list = Json::array();
    for (int64_t id : chunk) list.push(Json::number(id));
    std::vector<v1::Event> batch;
    std::vector<int64_t> done;                               // final now: leave the set
    std::vector<std::pair<int64_t, std::string>> reasons;    // still open, for another reason
    std::set<int64_t> seen;
    bool repeated = false;
    Status read = clarus_.page_all(resource, id_filter("in", std::move(list)), fields_of(resource), options_.page_size,
                                   [&](const Json& node) {
                                     if (halting_) return false;
                                     int64_t id = 0;
                                     if (!record_int_id(node, &id) || !std::binary_search(chunk.begin(), chunk.end(), id))
                                       return true;
                                     if (!seen.insert(id).second) {
                                       repeated = true;  // the same page again: page_all would never end
                                       return false;
                                     }
                                     Reading r = read_record(site_, resource, node);
                                     if (r.event.ok()) batch.push_back(std::move(r.event).value());
                                     if (r.final) done.push_back(id);
                                     else if (r.reason != resources_[resource].open.at(id).reason)
                                       reasons.emplace_back(id, r.reason);
                                     return true;
                                   });
    const bool whole = read.ok() && !halting_ && !repeated;
    std::vector<int64_t> gone;  // Clarus answered the whole chunk without them
    if (whole)
      for (int64_t id : chunk)
        if (!seen.count(id)) gone.push_back(id);
    SB_RETURN_IF_ERROR(journal_events(batch));
    if (!done.empty() || !gone.empty() || !reasons.empty()) {
      const std::map<int64_t, OpenRecord>& open = resources_[resource].open;
      SB_RETURN_IF_ERROR(write([&](WriteTxn& txn) -> Status {
        for (const std::vector<int64_t>* v : {&done, &gone})
          for (int64_t id : *v) {
            Status d = txn.del(table_, open_key(resource, id));
            if (!d.ok() && d.code() != Code::kNotFound) return d;
          }
        for (const auto& [id, reason] : reasons)
          SB_RETURN_IF_ERROR(txn.put(table_, open_key(resource, id),
                                     std::to_string(open.at(id).first_seen_ms) + " " + reason));
        return Status::Ok();
      }));
      std::lock_guard<std::mutex> lock(mu_);
      ResourceState& st = resources_[resource];
      for (int64_t id : done) st.open.erase(id);
      for (int64_t id : gone) {
        log::warn(kLog, "an open record is no longer in Clarus; forgotten",
                  {{"resource", resource}, {"id", id}, {"reason", st.open[id].reason}});
        st.open.erase(id);
      }
      for (const auto& [id, reason] : reasons) st.open[id].reason = reason;
    }
    if (!read.ok()) return Status(read.code(), resource + " (open records): " + read.message());
    if (halting_) return halted();
    if (repeated) return Status::Internal(resource + ": Clarus answered the same open record twice; stopped paging");
  }
  return Status::Ok();
}

Status ClarusSweeper::sweep_forward(const std::string& resource) {
  const int64_t saved_cursor = resources_[resource].cursor;
  const int64_t now_ms = clock_.wall_ms();
  const int64_t settle_ms = options_.settle.count();
  int64_t cursor = saved_cursor;   // read and kept up to here (to save)
  int64_t saved = saved_cursor;
  int64_t last_id = saved_cursor;  // ids come in increasing order, or Clarus repeats a page
  int64_t settling_at = 0;         // the first young record: the cursor stays before it
  bool repeated = false;
  uint64_t without_id = 0;
  std::vector<v1::Event> batch;
  std::map<int64_t, OpenRecord> joining;  // open records the cursor passes (with it, into the set)

  // Everything read so far is journaled before the cursor moves past it; the
  // cursor and the records joining the open set are written together.
  auto flush = [&]() -> Status {
    SB_RETURN_IF_ERROR(journal_events(batch));
    batch.clear();
    if (cursor == saved && joining.empty()) return Status::Ok();
    SB_RETURN_IF_ERROR(write([&](WriteTxn& txn) -> Status {
      for (const auto& [id, rec] : joining)
        SB_RETURN_IF_ERROR(txn.put(table_, open_key(resource, id), std::to_string(rec.first_seen_ms) + " " + rec.reason));
      if (cursor != saved) SB_RETURN_IF_ERROR(txn.put(table_, resource, std::to_string(cursor)));
      return Status::Ok();
    }));
    std::lock_guard<std::mutex> lock(mu_);
    ResourceState& st = resources_[resource];
    for (auto& [id, rec] : joining) {
      log::info(kLog, "a record is not final yet; it is read again by id each sweep",
                {{"resource", resource}, {"id", id}, {"reason", rec.reason}});
      st.open.emplace(id, std::move(rec));
    }
    joining.clear();
    st.cursor = saved = cursor;
    return Status::Ok();
  };

  Status flushed;
  Status read = clarus_.page_all(
      resource, id_after(saved_cursor), fields_of(resource), options_.page_size, [&](const Json& node) {
        if (halting_) return false;
        int64_t id = 0;
        if (!record_int_id(node, &id)) {
          // Nothing to track it by (nor to page past it with): said, counted, skipped.
          without_id++;
          log::warn(kLog, "a record has no usable integer id; skipped",
                    {{"resource", resource}, {"reason", check_record_id(node, resource).message()}});
          return true;
        }
        if (id <= last_id) {
          repeated = true;
          return false;
        }
        last_id = id;
        Reading r = read_record(site_, resource, node);
        if (r.event.ok()) batch.push_back(std::move(r.event).value());
        if (settling_at == 0 && settle_ms > 0) {
          const int64_t t = record_time_ms(node);
          // A time far ahead of this clock is not a creation time to judge by.
          if (t != 0 && t > now_ms - settle_ms && t <= now_ms + settle_ms) settling_at = id;
        }
        if (settling_at == 0) {
          cursor = id;
          if (!r.final && !resources_[resource].open.count(id)) joining[id] = OpenRecord{now_ms, r.reason};
        }
        if (batch.size() < static_cast<size_t>(options_.page_size) &&
            joining.size() < static_cast<size_t>(options_.page_size))
          return true;
        flushed = flush();
        return flushed.ok();
      });
  // What was read before Clarus failed (or stop()) is still kept, and its cursor saved.
  if (flushed.ok()) flushed = flush();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.records_without_id += without_id;
    if (flushed.ok() && read.ok() && !halting_ && !repeated) resources_[resource].settling_at = settling_at;
  }
  if (!flushed.ok()) return flushed;
  if (!read.ok()) return Status(read.code(), resource + ": " + read.message());
  if (halting_) return halted();
  if (repeated)
    return Status::Internal(resource + ": Clarus answered ids out of order (or the same page twice) after id " +
                            std::to_string(last_id) + "; stopped paging there");
  return Status::Ok();
}

Status ClarusSweeper::snapshot(int64_t taken_at_ms) {
  std::vector<v1::StockBalance> balances;
  Status mapping;
  Status read = clarus_.page_all("stock_balances", eq_filter("warehouse_id", options_.warehouse_id), kBalanceFields,
                                 options_.page_size, [&](const Json& node) {
                                   if (halting_) return false;
                                   Result<v1::StockBalance> b = stock_balance(node);
                                   if (!b.ok()) mapping = b.status();
                                   else balances.push_back(std::move(b).value());
                                   return mapping.ok();
                                 });
  if (!read.ok()) return Status(read.code(), "stock_balances: " + read.message());
  if (halting_) return halted();  // a partial snapshot would tell the ERP the rest has no stock
  // A snapshot missing one SKU would tell the ERP that SKU has no stock: none
  // is sent until every balance maps.
  if (!mapping.ok()) return mapping;
  std::vector<v1::Event> events = snapshot_events(site_, balances, taken_at_ms, options_.snapshot_part_size);
  SB_RETURN_IF_ERROR(journal_events(events));
  SB_RETURN_IF_ERROR(write([&](WriteTxn& txn) { return txn.put(table_, kSnapshotKey, std::to_string(taken_at_ms)); }));
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
  // then carries stock; Clarus unavailable, the journal failing or stop() ends the pass.
  Status s;
  for (const char* resource : kResources) {
    if (halting_) {
      if (s.ok()) s = halted();
      break;
    }
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
  const bool go_on = (s.ok() || s.code() == Code::kInvalidArgument) && !halting_;
  if (go_on && every > 0 && (last_snapshot == 0 || start_ms - last_snapshot >= every)) {
    Status snap = snapshot(start_ms);
    if (s.ok()) s = snap;
  }

  std::lock_guard<std::mutex> lock(mu_);
  const bool clarus_down = s.code() == Code::kUnavailable || s.code() == Code::kTimeout || s.code() == Code::kConnectionLost;
  if (hints_suspended_ && !clarus_down && !halting_) {
    hints_suspended_ = false;
    log::info(kLog, "Clarus answers again; goods-out hints are read again");
  }
  stats_.sweeps++;
  stats_.last_sweep_at_ms = start_ms;
  stats_.last_sweep_ms = clock_.mono_ms() - start_mono;
  if (s.ok()) {
    stats_.last_ok_at_ms = start_ms;
    stats_.last_error.clear();
  } else {
    stats_.failed_sweeps++;
    stats_.last_error = s.to_string();
    if (!halting_) log::warn(kLog, "sweep stopped; the next one retries", {{"error", s.to_string()}});
  }
  return s;
}

Status ClarusSweeper::read_goods_out(int64_t goods_out_id) {
  std::lock_guard<std::mutex> pass(pass_mu_);
  std::vector<Json> shipments;
  std::set<int64_t> seen;
  bool repeated = false;
  Status read = clarus_.page_all("shipments", eq_filter("goods_out_id", goods_out_id), kShipmentFields,
                                 options_.page_size, [&](const Json& node) {
                                   if (halting_) return false;
                                   int64_t id = 0;
                                   if (record_int_id(node, &id) && !seen.insert(id).second) {
                                     repeated = true;  // the same page again: page_all would never end
                                     return false;
                                   }
                                   shipments.push_back(node);
                                   return true;
                                 });
  const std::string what = "shipments of goods out " + std::to_string(goods_out_id);
  if (!read.ok()) return Status(read.code(), what + ": " + read.message());
  // Half the shipments would mark the wrong one order_complete: nothing is journaled.
  if (halting_) return halted();
  if (repeated) return Status::Internal(what + ": Clarus answered the same shipment twice; stopped paging");
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
    else if (mapping.ok()) mapping = e.status();  // that one waits in the sweep's open set
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
  SweepStats out = stats_;
  for (const auto& [resource, st] : resources_) {
    SweepCursor& c = out.cursors[resource];
    c.cursor = st.cursor;
    c.settling_at = st.settling_at;
    c.open = st.open.size();
    // The oldest open record: first seen earliest, the lower id on a tie.
    const OpenRecord* oldest = nullptr;
    for (const auto& [id, rec] : st.open) {
      if (oldest && rec.first_seen_ms >= oldest->first_seen_ms) continue;
      oldest = &rec;
      c.held_at = id;
    }
    if (oldest) {
      c.held_reason = oldest->reason;
      c.held_since_ms = oldest->first_seen_ms;
    }
  }
  return out;
}

}  // namespace sb::agent
