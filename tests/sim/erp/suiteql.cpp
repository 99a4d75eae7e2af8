#include "suiteql.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <optional>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "netsuite_error.h"
#include "on_hand.h"
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

// One row per item and location that holds or held stock (on_hand.h), as
// NetSuite's inventoryitemlocations: quantityonhand in the item's base unit,
// averagecostmli (average cost at the location) only where there is one.
std::vector<Row> item_location_rows(const RecordStore& store) {
  std::vector<Row> rows;
  for (const ItemLocationStock& s : inventory_item_locations(store)) {
    Row row{{"item", s.item},
            {"location", s.location},
            {"quantityonhand", quantity_text(s.quantity_on_hand)},
            {"lastmodifieddate", s.last_modified}};
    if (s.average_cost) row["averagecostmli"] = quantity_text(*s.average_cost);
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
      {"inventoryitemlocations", {"item", "location", "quantityonhand", "averagecostmli", "lastmodifieddate"},
       item_location_rows},
  };
  return known;
}

// Every table names its date columns the same way.
bool is_date_column(const std::string& column) {
  return column == "lastmodifieddate" || column == "createddate" || column == "trandate";
}

// The store's stamps ("2026-11-26T10:42:00.123Z") and tranDate ("2026-11-26") as instants.
std::optional<int64_t> stored_instant(const std::string& text) {
  static const auto formats = [] {
    std::vector<DateFormat> out(2);
    DateFormat::from_model("YYYY-MM-DD\"T\"HH24:MI:SS.FF3\"Z\"", &out[0]);
    DateFormat::from_model("YYYY-MM-DD", &out[1]);
    return out;
  }();
  int64_t instant = 0;
  for (const auto& format : formats)
    if (format.parse(text, &instant).empty()) return instant;
  return std::nullopt;
}

// A row as the query sees it: each column's text, and each date column's
// instant (a stored date that is no date is NULL).
struct QueryRow {
  Row text;
  std::map<std::string, int64_t> instants;
};

QueryRow query_row(Row row) {
  QueryRow out;
  for (auto it = row.begin(); it != row.end();) {
    if (!is_date_column(it->first)) {
      ++it;
    } else {
      if (auto instant = stored_instant(it->second)) out.instants[it->first] = *instant;
      it = row.erase(it);
    }
  }
  out.text = std::move(row);
  return out;
}

// Numeric when both are digits (ids), else as text.
int compare_values(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  return id_less(a, b) ? -1 : 1;
}

int compare_instants(int64_t a, int64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

// A condition with its values as the column's type needs them.
struct ResolvedCondition {
  const SuiteQlCondition* condition;
  bool on_date = false;
  std::vector<int64_t> instants;  // on_date: one per value
};

bool satisfies(const QueryRow& row, const ResolvedCondition& resolved) {
  const SuiteQlCondition& cond = *resolved.condition;
  int c = 0;
  if (resolved.on_date) {
    auto it = row.instants.find(cond.column);
    if (it == row.instants.end()) return false;  // NULL compares false, as in SQL
    if (cond.op == "=" || cond.op == "in")
      return std::find(resolved.instants.begin(), resolved.instants.end(), it->second) != resolved.instants.end();
    c = compare_instants(it->second, resolved.instants.front());
  } else {
    auto it = row.text.find(cond.column);
    if (it == row.text.end()) return false;
    if (cond.op == "=" || cond.op == "in")
      return std::any_of(cond.values.begin(), cond.values.end(),
                         [&](const SuiteQlValue& v) { return v.text == it->second; });
    c = compare_values(it->second, cond.values.front().text);
  }
  if (cond.op == ">") return c > 0;
  if (cond.op == ">=") return c >= 0;
  if (cond.op == "<") return c < 0;
  if (cond.op == "<=") return c <= 0;
  return c != 0;  // <>
}

// What ORDER BY sorts on: a column (a date column by its instant), or the
// text a TO_CHAR of the select list gives (ordered by its alias).
struct OrderKey {
  std::string column;
  const DateFormat* to_char = nullptr;
  bool descending = false;
};

int compare_rows(const QueryRow& a, const QueryRow& b, const OrderKey& key) {
  if (is_date_column(key.column)) {
    auto ia = a.instants.find(key.column), ib = b.instants.find(key.column);
    if (ia == a.instants.end() || ib == b.instants.end())  // NULL first, as missing text sorts
      return (ia == a.instants.end() ? 0 : 1) - (ib == b.instants.end() ? 0 : 1);
    if (!key.to_char) return compare_instants(ia->second, ib->second);
    return compare_values(key.to_char->format(ia->second), key.to_char->format(ib->second));
  }
  auto ia = a.text.find(key.column), ib = b.text.find(key.column);
  return compare_values(ia == a.text.end() ? "" : ia->second, ib == b.text.end() ? "" : ib->second);
}

void sort_rows(std::vector<QueryRow>& rows, const std::vector<OrderKey>& keys) {
  std::stable_sort(rows.begin(), rows.end(), [&](const QueryRow& a, const QueryRow& b) {
    for (const auto& key : keys) {
      const int c = compare_rows(a, b, key);
      if (c != 0) return key.descending ? c > 0 : c < 0;
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

// The query's SuiteQL endpoint for one account: its store and date format.
class SuiteQlEndpoint {
 public:
  SuiteQlEndpoint(const RecordStore& store, const std::string& date_format) : store_(store) {
    format_error_ = DateFormat::from_account_preference(date_format, &account_format_);
  }

  SimResponse run(const SimRequest& request) const;

 private:
  // Checks the query against the table and reads each condition's values as
  // its column's type needs; "" or why the query is refused.
  std::string resolve(const SuiteQlQuery& query, const Table& table, std::vector<ResolvedCondition>* conditions,
                      std::vector<OrderKey>* order) const;
  std::string resolve_date_values(const SuiteQlCondition& cond, ResolvedCondition* out) const;
  Poco::JSON::Object::Ptr answer_row(const QueryRow& row, const std::vector<SuiteQlSelectItem>& items) const;

  const RecordStore& store_;
  DateFormat account_format_;
  std::string format_error_;  // the account format could not be used (an in-process SimOptions)
};

std::string SuiteQlEndpoint::resolve(const SuiteQlQuery& query, const Table& table,
                                     std::vector<ResolvedCondition>* conditions, std::vector<OrderKey>* order) const {
  auto known = [&](const std::string& c) {
    return std::find(table.columns.begin(), table.columns.end(), c) != table.columns.end();
  };
  auto not_found = [&](const std::string& c) {
    return "Field '" + c + "' for record '" + query.table + "' was not found.";
  };
  for (const auto& item : query.items) {
    if (!known(item.column)) return not_found(item.column);
    if (item.to_char && !is_date_column(item.column))
      return "TO_CHAR(" + item.column + ", '" + item.to_char->text() + "'): " + item.column + " is not a date column";
  }
  for (const auto& cond : query.conditions) {
    if (!known(cond.column)) return not_found(cond.column);
    ResolvedCondition resolved{&cond, is_date_column(cond.column), {}};
    if (resolved.on_date) {
      if (std::string why = resolve_date_values(cond, &resolved); !why.empty()) return why;
    } else {
      for (const auto& value : cond.values)
        if (value.instant) return cond.column + " is not a date column; it cannot be compared with " + value.text;
    }
    conditions->push_back(std::move(resolved));
  }
  for (const auto& o : query.order_by) {
    OrderKey key{o.column, nullptr, o.descending};
    auto alias =
        std::find_if(query.items.begin(), query.items.end(), [&](const auto& i) { return i.alias == o.column; });
    if (alias != query.items.end()) key = {alias->column, alias->to_char ? &*alias->to_char : nullptr, o.descending};
    else if (!known(o.column)) return not_found(o.column);
    order->push_back(key);
  }
  return "";
}

constexpr int64_t kExampleDay = 1'795'651'200'000;  // 2026-11-26, shown as an example date in messages

// A date column compares with instants: TO_TIMESTAMP/TO_DATE's, or a 'text'
// read in the account's date format, as NetSuite converts it.
std::string SuiteQlEndpoint::resolve_date_values(const SuiteQlCondition& cond, ResolvedCondition* out) const {
  for (const auto& value : cond.values) {
    int64_t instant = value.instant.value_or(0);
    std::string why;
    if (!value.instant) why = value.is_number ? "a number is not a date" : account_format_.parse(value.text, &instant);
    if (!why.empty())
      return "Invalid date value '" + value.text + "' for field " + cond.column +
             ": dates are read in the account's date format " + account_format_.text() + " (e.g. " +
             account_format_.format(kExampleDay) + "; " + why + "); for a time use TO_TIMESTAMP('text', 'model').";
    out->instants.push_back(instant);
  }
  return "";
}

Poco::JSON::Object::Ptr SuiteQlEndpoint::answer_row(const QueryRow& row,
                                                   const std::vector<SuiteQlSelectItem>& items) const {
  auto item = new_object();
  item->set("links", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  for (const auto& selected : items) {
    if (is_date_column(selected.column)) {
      auto it = row.instants.find(selected.column);
      if (it == row.instants.end()) continue;  // NULL columns are omitted
      item->set(selected.name(), (selected.to_char ? *selected.to_char : account_format_).format(it->second));
    } else if (auto it = row.text.find(selected.column); it != row.text.end()) {
      item->set(selected.name(), it->second);
    }
  }
  return item;
}

SimResponse SuiteQlEndpoint::run(const SimRequest& request) const {
  if (!prefers_transient(request))
    return netsuite_error(400, error_code::kInvalidHeader,
                          "SuiteQL queries must be sent with the header 'Prefer: transient'.");
  if (!format_error_.empty())
    return netsuite_error(500, error_code::kUnexpectedError, "The simulator's account date format: " + format_error_);
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
  std::vector<ResolvedCondition> conditions;
  std::vector<OrderKey> order;
  if (std::string why = resolve(query, *table, &conditions, &order); !why.empty()) return invalid_query(why);
  std::vector<SuiteQlSelectItem> items = query.items;
  if (items.empty())
    for (const auto& c : table->columns) items.push_back({c, "", std::nullopt});

  std::vector<QueryRow> rows;
  for (auto& row : table->rows(store_)) {
    QueryRow typed = query_row(std::move(row));
    if (std::all_of(conditions.begin(), conditions.end(), [&](const auto& c) { return satisfies(typed, c); }))
      rows.push_back(std::move(typed));
  }
  sort_rows(rows, order);

  Poco::JSON::Array::Ptr answers = new Poco::JSON::Array;
  const size_t total = rows.size();
  const size_t first = std::min<size_t>(offset, total);
  const size_t last = std::min<size_t>(first + limit, total);
  for (size_t i = first; i < last; ++i) answers->add(answer_row(rows[i], items));
  auto out = new_object();
  out->set("links", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  out->set("count", static_cast<int>(last - first));
  out->set("hasMore", last < total);
  out->set("offset", offset);
  out->set("totalResults", static_cast<int>(total));
  out->set("items", answers);

  SimResponse response;
  response.content_type = kCollectionType;
  response.body = to_json(out);
  return response;
}

}  // namespace

void add_suiteql_routes(RouteTable& routes, RecordStore& store, const SimOptions& options) {
  auto endpoint = std::make_shared<const SuiteQlEndpoint>(store, options.date_format);
  routes.add("POST", std::string(kQueryBase) + "/suiteql", RequestKind::kQuery,
             [endpoint](const SimRequest& request, const RouteParams&) { return endpoint->run(request); });
}

}  // namespace sb::erpsim
