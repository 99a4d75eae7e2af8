#include "suiteql.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "netsuite_error.h"
#include "order_records.h"

namespace sb::erpsim {
namespace {

using Row = std::map<std::string, std::string>;

// The SuiteQL tables the subset knows, with their columns in NetSuite's
// lower-case names (the order of SELECT *) and how to list their rows.
// SuiteQL returns booleans as "T"/"F" and omits null columns.
struct Table {
  const char* name;
  std::vector<std::string> columns;
  std::vector<Row> (*rows)(const RecordStore&);
};

Row master_row(const MasterRecord& record, const char* name_column) {
  Row row{{"id", record.id},
          {name_column, record.name},
          {"isinactive", record.inactive ? "T" : "F"},
          {"lastmodifieddate", record.last_modified}};
  if (!record.external_id.empty()) row["externalid"] = record.external_id;
  return row;
}

std::vector<Row> item_rows(const RecordStore& store) {
  std::vector<Row> rows;
  for (const auto& record : store.list_master(master_kind::kItem)) {
    Row row = master_row(record, "itemid");
    row["itemtype"] = "InvtPart";
    if (!record.units_type.empty()) row["unitstype"] = record.units_type;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> location_rows(const RecordStore& store) {
  std::vector<Row> rows;
  for (const auto& record : store.list_master(master_kind::kLocation)) rows.push_back(master_row(record, "name"));
  return rows;
}

std::vector<Row> ship_item_rows(const RecordStore& store) {
  std::vector<Row> rows;
  for (const auto& record : store.list_master(master_kind::kShipItem)) {
    Row row = master_row(record, "itemid");
    row["custitem_sb_carrier"] = record.carrier;
    row["custitem_sb_service_code"] = record.service_code;
    row["custitem_sb_tracking_pattern"] = record.tracking_pattern;
    rows.push_back(std::move(row));
  }
  return rows;
}

// One row per transaction record; status is NetSuite's one-letter code
// (a sales order's 'B' = Pending Fulfillment; a fulfilment's ship status).
std::vector<Row> transaction_rows(const RecordStore& store) {
  std::vector<Row> rows;
  for (const auto& record : store.ledger("", "")) {
    const std::string type = transaction_type_code(record.type);
    if (type.empty()) continue;
    auto body = parse_object(record.body);
    Row row{{"id", record.id},
            {"tranid", record.tran_id},
            {"type", type},
            {"trandate", scalar_text(body, "tranDate").value_or(record.created_at.substr(0, 10))},
            {"createddate", record.created_at},
            {"lastmodifieddate", record.last_modified}};
    if (!record.external_id.empty()) row["externalid"] = record.external_id;
    auto status = ref_id(body, "status");
    if (auto known = status ? find_status(record.type, *status) : std::nullopt) row["status"] = known->letter;
    if (auto ship_status = ref_id(body, "shipStatus")) row["status"] = *ship_status;
    for (const char* field : {"location", "shipMethod", "createdFrom", "entity"}) {
      std::string column = field;
      std::transform(column.begin(), column.end(), column.begin(), [](unsigned char c) { return std::tolower(c); });
      if (auto id = ref_id(body, field)) row[column] = *id;
    }
    if (body->has("custbody_released_to_wms"))
      row["custbody_released_to_wms"] = body->getValue<bool>("custbody_released_to_wms") ? "T" : "F";
    rows.push_back(std::move(row));
  }
  return rows;
}

const std::vector<Table>& tables() {
  static const std::vector<Table> known = {
      {"item", {"id", "itemid", "externalid", "isinactive", "lastmodifieddate", "itemtype", "unitstype"}, item_rows},
      {"location", {"id", "name", "externalid", "isinactive", "lastmodifieddate"}, location_rows},
      {"shipitem",
       {"id", "itemid", "externalid", "isinactive", "lastmodifieddate", "custitem_sb_carrier",
        "custitem_sb_service_code", "custitem_sb_tracking_pattern"},
       ship_item_rows},
      {"transaction",
       {"id", "tranid", "externalid", "type", "status", "trandate", "createddate", "lastmodifieddate", "location",
        "shipmethod", "createdfrom", "entity", "custbody_released_to_wms"},
       transaction_rows},
  };
  return known;
}

// Numeric when both are digits (ids), else as text (ISO-8601 stamps sort right as text).
int compare_values(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  return id_less(a, b) ? -1 : 1;
}

bool satisfies(const Row& row, const SuiteQlCondition& cond) {
  auto it = row.find(cond.column);
  if (it == row.end()) return false;  // NULL compares false, as in SQL
  if (cond.op == "=" || cond.op == "in")
    return std::find(cond.values.begin(), cond.values.end(), it->second) != cond.values.end();
  const int c = compare_values(it->second, cond.values.front());
  if (cond.op == ">") return c > 0;
  if (cond.op == ">=") return c >= 0;
  if (cond.op == "<") return c < 0;
  if (cond.op == "<=") return c <= 0;
  return c != 0;  // <>
}

void sort_rows(std::vector<Row>& rows, const std::vector<SuiteQlOrder>& order_by) {
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    for (const auto& order : order_by) {
      auto ia = a.find(order.column), ib = b.find(order.column);
      const std::string va = ia == a.end() ? "" : ia->second, vb = ib == b.end() ? "" : ib->second;
      const int c = compare_values(va, vb);
      if (c != 0) return order.descending ? c > 0 : c < 0;
    }
    return false;
  });
}

SimResponse invalid_query(const std::string& why) {
  return netsuite_error(400, error_code::kInvalidParameter,
                        "Invalid search query. Detailed unprocessed description follows. " + why);
}

// limit/offset query parameters; false when present and not a valid number.
bool read_count(const SimRequest& request, const char* name, int fallback, int min, int max, int* out) {
  std::string text = request.query_param(name);
  if (text.empty()) {
    *out = fallback;
    return true;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= min && *out <= max;
}

bool prefers_transient(const SimRequest& request) {
  std::string prefer = request.header("prefer");
  std::transform(prefer.begin(), prefer.end(), prefer.begin(), [](unsigned char c) { return std::tolower(c); });
  return prefer.find("transient") != std::string::npos;
}

SimResponse run(const RecordStore& store, const SimRequest& request) {
  if (!prefers_transient(request))
    return netsuite_error(400, error_code::kInvalidHeader,
                          "SuiteQL queries must be sent with the header 'Prefer: transient'.");
  int limit = 0, offset = 0;
  if (!read_count(request, "limit", 1000, 1, 1000, &limit))
    return netsuite_error(400, error_code::kInvalidParameter, "Invalid value for query parameter limit (1..1000).");
  if (!read_count(request, "offset", 0, 0, 1 << 30, &offset))
    return netsuite_error(400, error_code::kInvalidParameter, "Invalid value for query parameter offset.");
  auto body = parse_object(request.body);
  auto q = body ? scalar_text(body, "q") : std::nullopt;
  if (!q) return netsuite_error(400, error_code::kInvalidContent, "The body must be a JSON object with a string 'q'.");

  auto parsed = parse_suiteql(*q);
  if (!parsed.error.empty()) return invalid_query(parsed.error);
  const SuiteQlQuery& query = parsed.query;
  auto table = std::find_if(tables().begin(), tables().end(), [&](const Table& t) { return query.table == t.name; });
  if (table == tables().end()) return invalid_query("Record '" + query.table + "' was not found.");
  auto known = [&](const std::string& c) {
    return std::find(table->columns.begin(), table->columns.end(), c) != table->columns.end();
  };
  std::vector<std::string> columns = query.columns.empty() ? table->columns : query.columns;
  for (const auto& c : columns)
    if (!known(c)) return invalid_query("Field '" + c + "' for record '" + query.table + "' was not found.");
  for (const auto& cond : query.conditions)
    if (!known(cond.column))
      return invalid_query("Field '" + cond.column + "' for record '" + query.table + "' was not found.");
  for (const auto& order : query.order_by)
    if (!known(order.column))
      return invalid_query("Field '" + order.column + "' for record '" + query.table + "' was not found.");

  std::vector<Row> rows;
  for (auto& row : table->rows(store)) {
    bool keep = std::all_of(query.conditions.begin(), query.conditions.end(),
                            [&](const SuiteQlCondition& cond) { return satisfies(row, cond); });
    if (keep) rows.push_back(std::move(row));
  }
  sort_rows(rows, query.order_by);

  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  const size_t total = rows.size();
  const size_t first = std::min<size_t>(offset, total);
  const size_t last = std::min<size_t>(first + limit, total);
  for (size_t i = first; i < last; ++i) {
    auto item = new_object();
    item->set("links", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
    for (const auto& c : columns) {
      auto it = rows[i].find(c);
      if (it != rows[i].end()) item->set(c, it->second);
    }
    items->add(item);
  }
  auto out = new_object();
  out->set("links", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  out->set("count", static_cast<int>(last - first));
  out->set("hasMore", last < total);
  out->set("offset", offset);
  out->set("totalResults", static_cast<int>(total));
  out->set("items", items);

  SimResponse response;
  response.content_type = kCollectionType;
  response.body = to_json(out);
  return response;
}

}  // namespace

void add_suiteql_routes(RouteTable& routes, RecordStore& store) {
  routes.add("POST", std::string(kQueryBase) + "/suiteql", RequestKind::kQuery,
             [&store](const SimRequest& request, const RouteParams&) { return run(store, request); });
}

}  // namespace sb::erpsim
