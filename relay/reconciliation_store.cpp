#include "relay/reconciliation_store.h"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace sb::relay {
namespace {

constexpr char kSeq[] = "seq";

std::string reconciled_key(const std::string& site, const std::string& warehouse) {
  return std::string("at") + '\0' + site + '\0' + warehouse;
}
std::string drifting_key(const std::string& site, const std::string& location) {
  return std::string("drift") + '\0' + site + '\0' + location;
}
// Summaries: every report's under "a", and again under its site's "s" keys.
constexpr char kAll[] = "a";
constexpr char kBySite[] = "s";
std::string summary_key(const std::string& id) { return std::string(kAll) + '\0' + id; }
std::string site_summary_prefix(const std::string& site) { return std::string(kBySite) + '\0' + site + '\0'; }

std::string ack_key(const std::string& site, const std::string& location, const std::string& sku) {
  return std::string("ack") + '\0' + site + '\0' + location + '\0' + sku;
}

double num(const Json& j, std::string_view key) {
  const Json* v = j.find(key);
  return v && v->is_number() ? v->as_double() : 0;
}
std::optional<double> opt_num(const Json& j, std::string_view key) {
  const Json* v = j.find(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->as_double();
}
int64_t int_of(const Json& j, std::string_view key) {
  int64_t out = 0;
  const Json* v = j.find(key);
  if (v) (void)v->as_int64(&out);
  return out;
}

// A text cell. Spreadsheets run a cell starting with = + - @ (and, in some,
// tab or CR) as a formula: a SKU or note written by a warehouse must not be
// able to; the leading ' makes it text. Numbers never pass through here.
std::string csv_field(const std::string& text) {
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  const std::string s = formula ? "'" + text : text;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string opt_text(const std::optional<double>& v) { return v ? report_number(*v) : std::string(); }

}  // namespace

std::string report_number(double v) {
  if (std::fabs(v) < 5e-7) v = 0;  // no "-0"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

void ReconciliationReport::add_totals() {
  totals = {};
  for (const ReconciliationRow& r : rows) {
    totals.rows++;
    totals.clarus += r.clarus;
    totals.erp += r.erp;
    totals.in_flight += r.in_flight;
    totals.drift += r.drift;
    if (auto v = r.erp_value()) totals.erp_value += *v;
    if (auto v = r.drift_value()) totals.drift_value += *v;
    if (std::fabs(r.drift) > threshold) totals.drifting++;
    if (!r.note.empty()) totals.noted++;
  }
}

Json ReconciliationReport::to_json(bool with_rows) const {
  Json j = Json::object();
  j.set("id", Json::string(id));
  j.set("site", Json::string(site));
  j.set("warehouse", Json::string(warehouse));
  j.set("location", Json::string(location));
  j.set("taken_at_ms", Json::number(taken_at_ms));
  j.set("taken_at", Json::string(format_iso8601(taken_at_ms)));
  j.set("created_at_ms", Json::number(created_at_ms));
  j.set("created_at", Json::string(format_iso8601(created_at_ms)));
  j.set("threshold", Json::number(threshold));
  j.set("erp_calls", Json::number(static_cast<int64_t>(erp_calls)));
  Json t = Json::object();
  t.set("clarus", Json::number(totals.clarus));
  t.set("erp", Json::number(totals.erp));
  t.set("in_flight", Json::number(totals.in_flight));
  t.set("drift", Json::number(totals.drift));
  t.set("erp_value", Json::number(totals.erp_value));
  t.set("drift_value", Json::number(totals.drift_value));
  t.set("rows", Json::number(static_cast<int64_t>(totals.rows)));
  t.set("drifting", Json::number(static_cast<int64_t>(totals.drifting)));
  t.set("noted", Json::number(static_cast<int64_t>(totals.noted)));
  j.set("totals", std::move(t));
  if (!with_rows) return j;
  Json rows_json = Json::array();
  for (const ReconciliationRow& r : rows) {
    Json o = Json::object();
    o.set("sku", Json::string(r.sku));
    o.set("location", Json::string(r.location));
    o.set("clarus", Json::number(r.clarus));
    o.set("erp", Json::number(r.erp));
    o.set("in_flight", Json::number(r.in_flight));
    o.set("drift", Json::number(r.drift));
    if (r.unit_cost) {
      o.set("unit_cost", Json::number(*r.unit_cost));
      o.set("erp_value", Json::number(*r.erp_value()));
      o.set("drift_value", Json::number(*r.drift_value()));
    }
    if (!r.note.empty()) o.set("note", Json::string(r.note));
    rows_json.push(std::move(o));
  }
  j.set("rows", std::move(rows_json));
  return j;
}

Result<ReconciliationReport> ReconciliationReport::from_json(const Json& j) {
  if (!j.is_object()) return Status::Corruption("a stored reconciliation report is not a JSON object");
  ReconciliationReport r;
  r.id = j.get_string("id");
  r.site = j.get_string("site");
  r.warehouse = j.get_string("warehouse");
  r.location = j.get_string("location");
  r.taken_at_ms = int_of(j, "taken_at_ms");
  r.created_at_ms = int_of(j, "created_at_ms");
  r.threshold = num(j, "threshold");
  r.erp_calls = static_cast<uint64_t>(int_of(j, "erp_calls"));
  if (const Json* rows = j.find("rows"); rows && rows->is_array()) {
    for (const Json& o : rows->items()) {
      ReconciliationRow row;
      row.sku = o.get_string("sku");
      row.location = o.get_string("location");
      row.clarus = num(o, "clarus");
      row.erp = num(o, "erp");
      row.in_flight = num(o, "in_flight");
      row.drift = num(o, "drift");
      row.unit_cost = opt_num(o, "unit_cost");
      row.note = o.get_string("note");
      r.rows.push_back(std::move(row));
    }
    r.add_totals();
  } else if (const Json* t = j.find("totals"); t && t->is_object()) {
    r.totals.clarus = num(*t, "clarus");
    r.totals.erp = num(*t, "erp");
    r.totals.in_flight = num(*t, "in_flight");
    r.totals.drift = num(*t, "drift");
    r.totals.erp_value = num(*t, "erp_value");
    r.totals.drift_value = num(*t, "drift_value");
    r.totals.rows = static_cast<uint64_t>(int_of(*t, "rows"));
    r.totals.drifting = static_cast<uint64_t>(int_of(*t, "drifting"));
    r.totals.noted = static_cast<uint64_t>(int_of(*t, "noted"));
  }
  return r;
}

std::string report_csv(const ReconciliationReport& report) {
  std::string out = "sku,erp_location,clarus_quantity,erp_quantity,in_flight,drift,unit_cost,erp_value,drift_value,note\r\n";
  for (const ReconciliationRow& r : report.rows) {
    out += csv_field(r.sku) + ',' + csv_field(r.location) + ',' + report_number(r.clarus) + ',' + report_number(r.erp) +
           ',' + report_number(r.in_flight) + ',' + report_number(r.drift) + ',' + opt_text(r.unit_cost) + ',' +
           opt_text(r.erp_value()) + ',' + opt_text(r.drift_value()) + ',' + csv_field(r.note) + "\r\n";
  }
  const ReconciliationTotals& t = report.totals;
  out += "TOTAL," + csv_field(report.location) + ',' + report_number(t.clarus) + ',' + report_number(t.erp) + ',' +
         report_number(t.in_flight) + ',' + report_number(t.drift) + ",," + report_number(t.erp_value) + ',' +
         report_number(t.drift_value) + ',' +
         csv_field(std::to_string(t.rows) + " rows, " + std::to_string(t.drifting) + " drifting, " +
                   std::to_string(t.noted) + " with a note") +
         "\r\n";
  return out;
}

Result<std::unique_ptr<ReconciliationStore>> ReconciliationStore::open(KvStore& store, GroupCommitter& committer) {
  std::unique_ptr<ReconciliationStore> s(new ReconciliationStore(store, committer));
  Result<TableId> reports = store.table("recon_reports");
  if (!reports.ok()) return reports.status();
  Result<TableId> summaries = store.table("recon_summaries");
  if (!summaries.ok()) return summaries.status();
  Result<TableId> state = store.table("recon_state");
  if (!state.ok()) return state.status();
  s->reports_ = *reports;
  s->summaries_ = *summaries;
  s->state_ = *state;
  return s;
}

Status ReconciliationStore::add(ReconciliationReport* report, const std::set<std::string>& drifting) {
  Json skus = Json::array();
  for (const std::string& s : drifting) skus.push(Json::string(s));
  const std::string drift_value = skus.dump();
  return committer_.run([&](WriteTxn& txn) -> Status {
    std::string v;
    Status g = txn.get(state_, kSeq, &v);
    if (!g.ok() && g.code() != Code::kNotFound) return g;
    const uint64_t n = (g.ok() ? decode_u64_key(v) : 0) + 1;
    char id[48];
    std::snprintf(id, sizeof id, "RC-%013lld-%llu", static_cast<long long>(report->created_at_ms),
                  static_cast<unsigned long long>(n));
    report->id = id;
    SB_RETURN_IF_ERROR(txn.put(state_, kSeq, encode_u64_key(n)));
    SB_RETURN_IF_ERROR(txn.put(reports_, report->id, report->to_json(true).dump()));
    const std::string summary = report->to_json(false).dump();
    SB_RETURN_IF_ERROR(txn.put(summaries_, summary_key(report->id), summary));
    SB_RETURN_IF_ERROR(txn.put(summaries_, site_summary_prefix(report->site) + report->id, summary));
    SB_RETURN_IF_ERROR(txn.put(state_, drifting_key(report->site, report->location), drift_value));
    return txn.put(state_, reconciled_key(report->site, report->warehouse), std::to_string(report->taken_at_ms));
  });
}

Result<ReconciliationReport> ReconciliationStore::get(const std::string& id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string v;
  Status s = (*txn)->get(reports_, id, &v);
  if (s.code() == Code::kNotFound) return Status::NotFound("no reconciliation report " + id);
  if (!s.ok()) return s;
  Result<Json> j = Json::parse(v);
  if (!j.ok()) return Status::Corruption("reconciliation report " + id + " does not parse");
  return ReconciliationReport::from_json(*j);
}

Result<std::vector<ReconciliationReport>> ReconciliationStore::list(const std::string& site, size_t limit) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::vector<ReconciliationReport> out;
  if (limit == 0) return out;
  const std::string prefix = site.empty() ? std::string(kAll) + '\0' : site_summary_prefix(site);
  // Ids start "RC-": every key of the prefix sorts before prefix + "\xff".
  Status s = (*txn)->scan_back(summaries_, prefix + '\xff', [&](std::string_view k, std::string_view v) {
    if (k.substr(0, prefix.size()) != prefix) return false;
    Result<Json> j = Json::parse(v);
    if (!j.ok()) return true;
    Result<ReconciliationReport> r = ReconciliationReport::from_json(*j);
    if (r.ok()) out.push_back(std::move(r).value());
    return out.size() < limit;
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> ReconciliationStore::prune(int64_t before_ms) {
  char bound[32];
  std::snprintf(bound, sizeof bound, "RC-%013lld", static_cast<long long>(before_ms));
  constexpr size_t kMaxPerCommit = 10'000;  // a short write transaction; the next sweep prunes the rest
  uint64_t pruned = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    pruned = 0;
    std::set<std::string> doomed;  // ids
    SB_RETURN_IF_ERROR(txn.scan(reports_, "", [&](std::string_view k, std::string_view) {
      if (k >= std::string_view(bound) || doomed.size() >= kMaxPerCommit) return false;
      doomed.emplace(k);
      return true;
    }));
    // Summaries whose report is gone already (none should be) go with the rest.
    const std::string all = std::string(kAll) + '\0';
    SB_RETURN_IF_ERROR(txn.scan(summaries_, all, [&](std::string_view k, std::string_view) {
      if (k.substr(0, all.size()) != all) return false;
      const std::string_view id = k.substr(all.size());
      if (id >= std::string_view(bound) || doomed.size() >= 2 * kMaxPerCommit) return false;
      doomed.emplace(id);
      return true;
    }));
    auto gone = [](const Status& d) { return d.ok() || d.code() == Code::kNotFound ? Status::Ok() : d; };
    for (const std::string& id : doomed) {
      Status d = txn.del(reports_, id);
      if (d.ok()) pruned++;
      SB_RETURN_IF_ERROR(gone(d));
      std::string summary;
      Status g = txn.get(summaries_, summary_key(id), &summary);
      if (g.code() == Code::kNotFound) continue;  // stored before summaries
      SB_RETURN_IF_ERROR(g);
      if (Result<Json> j = Json::parse(summary); j.ok())
        SB_RETURN_IF_ERROR(gone(txn.del(summaries_, site_summary_prefix(j->get_string("site")) + id)));
      SB_RETURN_IF_ERROR(gone(txn.del(summaries_, summary_key(id))));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return pruned;
}

Result<std::string> ReconciliationStore::get_state(const std::string& key) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string v;
  Status s = (*txn)->get(state_, key, &v);
  if (s.code() == Code::kNotFound) return std::string();
  if (!s.ok()) return s;
  return v;
}

Result<int64_t> ReconciliationStore::reconciled_at(const std::string& site, const std::string& warehouse) {
  Result<std::string> v = get_state(reconciled_key(site, warehouse));
  if (!v.ok()) return v.status();
  return static_cast<int64_t>(std::atoll(v->c_str()));
}

Status ReconciliationStore::set_reconciled_at(const std::string& site, const std::string& warehouse, int64_t taken_at_ms) {
  return committer_.run(
      [&](WriteTxn& txn) { return txn.put(state_, reconciled_key(site, warehouse), std::to_string(taken_at_ms)); });
}

Result<std::set<std::string>> ReconciliationStore::drifting(const std::string& site, const std::string& location) {
  Result<std::string> v = get_state(drifting_key(site, location));
  if (!v.ok()) return v.status();
  std::set<std::string> out;
  if (v->empty()) return out;
  Result<Json> j = Json::parse(*v);
  if (j.ok() && j->is_array())
    for (const Json& s : j->items()) out.insert(s.as_string());
  return out;
}

Result<std::optional<double>> ReconciliationStore::acknowledged(const std::string& site, const std::string& location,
                                                                const std::string& sku) {
  Result<std::string> v = get_state(ack_key(site, location, sku));
  if (!v.ok()) return v.status();
  if (v->empty()) return std::optional<double>();
  return std::optional<double>(std::atof(v->c_str()));
}

Status ReconciliationStore::acknowledge(const std::string& site, const std::string& location, const std::string& sku,
                                        double drift) {
  return committer_.run([&](WriteTxn& txn) { return txn.put(state_, ack_key(site, location, sku), report_number(drift)); });
}

Status ReconciliationStore::forget_acknowledgement(const std::string& site, const std::string& location,
                                                   const std::string& sku) {
  return committer_.run([&](WriteTxn& txn) {
    Status s = txn.del(state_, ack_key(site, location, sku));
    return s.code() == Code::kNotFound ? Status::Ok() : s;
  });
}

}  // namespace sb::relay
