#include "suiteql.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "netsuite_error.h"

namespace sb::erpsim {
namespace {

using Row = std::map<std::string, std::string>;

// The SuiteQL tables the subset knows, with their columns in NetSuite's
// lower-case names. SuiteQL returns booleans as "T"/"F".
struct Table {
  const char* name;
  const char* kind;
  std::vector<std::string> columns;  // the order of SELECT *
  const char* name_column;
};

const std::vector<Table>& tables() {
  static const std::vector<Table> known = {
      {"item", master_kind::kItem, {"id", "itemid", "externalid", "isinactive"}, "itemid"},
      {"location", master_kind::kLocation, {"id", "name", "externalid", "isinactive"}, "name"},
  };
  return known;
}

Row to_row(const Table& table, const MasterRecord& record) {
  Row row{{"id", record.id}, {table.name_column, record.name}, {"isinactive", record.inactive ? "T" : "F"}};
  if (!record.external_id.empty()) row["externalid"] = record.external_id;  // NetSuite omits nulls
  return row;
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

  std::vector<Row> rows;
  for (const auto& record : store.list_master(table->kind)) {
    Row row = to_row(*table, record);
    bool keep = std::all_of(query.conditions.begin(), query.conditions.end(), [&](const SuiteQlCondition& cond) {
      auto it = row.find(cond.column);
      return it != row.end() && std::find(cond.values.begin(), cond.values.end(), it->second) != cond.values.end();
    });
    if (keep) rows.push_back(std::move(row));
  }

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
