// From a POST /graphql body to its answer: the request envelope, operation
// choice, and each resource's `all` connection with its page of records.
#include <cstdint>

#include "graphql.h"
#include "graphql_cursor.h"
#include "graphql_filter.h"
#include "graphql_select.h"
#include "graphql_syntax.h"
#include "graphql_values.h"

namespace sb::clarus_sim {
namespace {

using gql::at;
using gql::Field;

constexpr int64_t kDefaultFirst = 50;
constexpr int64_t kMaxFirst = 500;

std::string errors_body(const std::string& message) {
  Json error = Json::object();
  error.set("message", Json::string(message));
  Json errors = Json::array();
  errors.push(std::move(error));
  Json body = Json::object();
  body.set("errors", std::move(errors));
  return body.dump();
}

Status cannot_query(const Field& f, const std::string& type) {
  return Status::InvalidArgument(at(f.where, "Cannot query field \"" + f.name + "\" on type \"" + type + "\"."));
}

Status needs_selection(const Field& f, const std::string& type) {
  return Status::InvalidArgument(at(f.where, "Field \"" + f.name + "\" of type \"" + type +
                                                 "\" must have a selection of subfields. Did you mean \"" + f.name +
                                                 " { ... }\"?"));
}

Status no_selection(const Field& f, const std::string& type) {
  return Status::InvalidArgument(
      at(f.where, "Field \"" + f.name + "\" must not have a selection since type \"" + type + "\" has no subfields."));
}

Status refuse_any_argument(const Field& f, const std::string& parent) {
  if (f.arguments.empty()) return Status::Ok();
  return Status::InvalidArgument(at(f.arguments.front().where, "Unknown argument \"" + f.arguments.front().name +
                                                                   "\" on field \"" + parent + "." + f.name + "\"."));
}

// A scalar leaf of the connection's fixed types.
Status leaf(const Field& f, const std::string& parent, const std::string& type) {
  SB_RETURN_IF_ERROR(refuse_any_argument(f, parent));
  return f.has_selection ? no_selection(f, type) : Status::Ok();
}

// The page of one `all` field, computed before any output is built.
struct Page {
  std::vector<const Json*> records;  // this page, in record order
  size_t total = 0;                  // matching records on every page
  bool has_next = false;
  bool has_previous = false;
};

std::string cursor_of(const Json& record) {
  const Json* id = record.find("id");
  return id && (id->is_string() || id->is_number()) ? gql::encode_cursor(id->as_string()) : "";
}

Json cursor_json(const Json* record) {
  if (record == nullptr) return Json();
  std::string c = cursor_of(*record);
  return c.empty() ? Json() : Json::string(c);
}

class Execution {
 public:
  Execution(const GraphqlSchema& schema, const gql::Variables& vars) : schema_(schema), vars_(vars) {}

  Status query(const std::vector<Field>& selection, Json* data) {
    *data = Json::object();
    for (const Field& f : selection) {
      if (f.name == "__typename") {
        SB_RETURN_IF_ERROR(leaf(f, "Query", "String"));
        data->set(f.alias, Json::string("Query"));
        continue;
      }
      const GraphqlResource* resource = schema_.find(f.name);
      if (resource == nullptr) return cannot_query(f, "Query");
      const std::string type = gql::type_name(resource->name, true) + "Query";
      SB_RETURN_IF_ERROR(refuse_any_argument(f, "Query"));
      if (!f.has_selection) return needs_selection(f, type);
      Json out = Json::object();
      for (const Field& sub : f.selection) {
        if (sub.name == "__typename") {
          SB_RETURN_IF_ERROR(leaf(sub, type, "String"));
          out.set(sub.alias, Json::string(type));
        } else if (sub.name == "all") {
          Json connection;
          SB_RETURN_IF_ERROR(all(*resource, sub, type, &connection));
          out.set(sub.alias, std::move(connection));
        } else {
          return cannot_query(sub, type);
        }
      }
      data->set(f.alias, std::move(out));
    }
    return Status::Ok();
  }

 private:
  Status all(const GraphqlResource& resource, const Field& f, const std::string& parent, Json* out) {
    const std::string node_type = gql::type_name(resource.name, true);
    const std::string type = node_type + "Connection";
    Json filter;
    int64_t first = kDefaultFirst;
    bool has_after = false;
    gql::IdKey after;
    gql::Location filter_at = f.where;
    for (const gql::Argument& a : f.arguments) {
      Result<Json> v = vars_.resolve(a.value);
      if (!v.ok()) return v.status();
      if (a.name == "filter") {
        filter = std::move(v).value();
        filter_at = a.where;
      } else if (a.name == "first") {
        if (v->is_null()) continue;
        if (!v->as_int64(&first) || first < 0) {
          return Status::InvalidArgument(at(a.where, "first must be a non-negative integer, got " + v->dump()));
        }
        if (first > kMaxFirst) {
          return Status::InvalidArgument(at(a.where, "first must be at most " + std::to_string(kMaxFirst) + ", got " +
                                                         std::to_string(first)));
        }
      } else if (a.name == "after") {
        if (v->is_null()) continue;
        std::string id;
        if (!v->is_string() || !gql::decode_cursor(v->as_string(), &id)) {
          return Status::InvalidArgument(at(a.where, "invalid cursor " + v->dump() +
                                                         ": pass an endCursor or cursor this server returned"));
        }
        has_after = gql::id_key(Json::string(id), &after);
      } else {
        return Status::InvalidArgument(at(a.where, "Unknown argument \"" + a.name + "\" on field \"" + parent +
                                                       ".all\" (arguments: filter, first, after)."));
      }
    }
    Result<gql::RecordFilter> matcher = gql::RecordFilter::compile(resource, filter, filter_at);
    if (!matcher.ok()) return matcher.status();
    if (!f.has_selection) return needs_selection(f, type);
    SB_RETURN_IF_ERROR(check_connection(f.selection, type, node_type));

    const std::vector<Json> records = resource.records ? resource.records() : std::vector<Json>{};
    Page page;
    for (const Json& record : records) {
      if (!matcher->matches(record)) continue;
      ++page.total;
      if (has_after) {
        const Json* id = record.find("id");
        gql::IdKey key;
        if (id == nullptr || !gql::id_key(*id, &key) || gql::compare_ids(key, after) <= 0) {
          page.has_previous = true;
          continue;
        }
      }
      if (static_cast<int64_t>(page.records.size()) < first) {
        page.records.push_back(&record);
      } else {
        page.has_next = true;
      }
    }
    return connection(f.selection, page, node_type, out);
  }

  // The connection's shape is fixed, so it is checked whole before records are
  // read: a mistake in `node { ... }` is reported even when the page is empty.
  static Status check_connection(const std::vector<Field>& selection, const std::string& type,
                                 const std::string& node_type) {
    for (const Field& f : selection) {
      SB_RETURN_IF_ERROR(refuse_any_argument(f, type));
      if (f.name == "totalCount") {
        SB_RETURN_IF_ERROR(leaf(f, type, "Int"));
      } else if (f.name == "__typename") {
        SB_RETURN_IF_ERROR(leaf(f, type, "String"));
      } else if (f.name == "pageInfo") {
        if (!f.has_selection) return needs_selection(f, "PageInfo");
        for (const Field& p : f.selection) {
          if (p.name == "hasNextPage" || p.name == "hasPreviousPage") {
            SB_RETURN_IF_ERROR(leaf(p, "PageInfo", "Boolean"));
          } else if (p.name == "startCursor" || p.name == "endCursor" || p.name == "__typename") {
            SB_RETURN_IF_ERROR(leaf(p, "PageInfo", "String"));
          } else {
            return cannot_query(p, "PageInfo");
          }
        }
      } else if (f.name == "edges") {
        const std::string edge = node_type + "Edge";
        if (!f.has_selection) return needs_selection(f, edge);
        for (const Field& e : f.selection) {
          if (e.name == "cursor" || e.name == "__typename") {
            SB_RETURN_IF_ERROR(leaf(e, edge, "String"));
          } else if (e.name == "node") {
            SB_RETURN_IF_ERROR(refuse_any_argument(e, edge));
            if (!e.has_selection) return needs_selection(e, node_type);
            SB_RETURN_IF_ERROR(gql::refuse_arguments(e.selection, node_type));
          } else {
            return cannot_query(e, edge);
          }
        }
      } else if (f.name == "nodes") {
        if (!f.has_selection) return needs_selection(f, "[" + node_type + "]");
        SB_RETURN_IF_ERROR(gql::refuse_arguments(f.selection, node_type));
      } else {
        return cannot_query(f, type);
      }
    }
    return Status::Ok();
  }

  static Status connection(const std::vector<Field>& selection, const Page& page, const std::string& node_type,
                           Json* out) {
    *out = Json::object();
    const Json* first = page.records.empty() ? nullptr : page.records.front();
    const Json* last = page.records.empty() ? nullptr : page.records.back();
    for (const Field& f : selection) {
      if (f.name == "totalCount") {
        out->set(f.alias, Json::number(static_cast<int64_t>(page.total)));
      } else if (f.name == "__typename") {
        out->set(f.alias, Json::string(node_type + "Connection"));
      } else if (f.name == "pageInfo") {
        Json info = Json::object();
        for (const Field& p : f.selection) {
          if (p.name == "hasNextPage") info.set(p.alias, Json::boolean(page.has_next));
          if (p.name == "hasPreviousPage") info.set(p.alias, Json::boolean(page.has_previous));
          if (p.name == "startCursor") info.set(p.alias, cursor_json(first));
          if (p.name == "endCursor") info.set(p.alias, cursor_json(last));
          if (p.name == "__typename") info.set(p.alias, Json::string("PageInfo"));
        }
        out->set(f.alias, std::move(info));
      } else if (f.name == "edges") {
        Json edges = Json::array();
        for (const Json* record : page.records) {
          Json edge = Json::object();
          for (const Field& e : f.selection) {
            if (e.name == "cursor") edge.set(e.alias, cursor_json(record));
            if (e.name == "__typename") edge.set(e.alias, Json::string(node_type + "Edge"));
            if (e.name == "node") {
              Json node;
              SB_RETURN_IF_ERROR(gql::select_object(*record, e.selection, node_type, &node));
              edge.set(e.alias, std::move(node));
            }
          }
          edges.push(std::move(edge));
        }
        out->set(f.alias, std::move(edges));
      } else if (f.name == "nodes") {
        Json nodes = Json::array();
        for (const Json* record : page.records) {
          Json node;
          SB_RETURN_IF_ERROR(gql::select_object(*record, f.selection, node_type, &node));
          nodes.push(std::move(node));
        }
        out->set(f.alias, std::move(nodes));
      }
    }
    return Status::Ok();
  }

  const GraphqlSchema& schema_;
  const gql::Variables& vars_;
};

Result<Json> run(const GraphqlSchema& schema, const std::string& query, const Json& variables,
                 const Json* operation_name) {
  Result<gql::Document> doc = gql::parse_document(query);
  if (!doc.ok()) return doc.status();
  const gql::Operation* op = nullptr;
  if (operation_name != nullptr && operation_name->is_string()) {
    for (const gql::Operation& o : doc->operations) {
      if (o.name == operation_name->as_string()) op = &o;
    }
    if (op == nullptr)
      return Status::InvalidArgument("Unknown operation named \"" + operation_name->as_string() + "\".");
  } else if (doc->operations.size() > 1) {
    return Status::InvalidArgument("the document has " + std::to_string(doc->operations.size()) +
                                   " operations: say which to run with \"operationName\"");
  } else {
    op = &doc->operations.front();
  }
  Result<gql::Variables> vars = gql::Variables::coerce(*op, variables);
  if (!vars.ok()) return vars.status();
  Json data;
  SB_RETURN_IF_ERROR(Execution(schema, *vars).query(op->selection, &data));
  return data;
}

}  // namespace

void GraphqlSchema::add(GraphqlResource r) {
  bool has_id = false;
  for (const FilterField& f : r.filters) has_id = has_id || f.name == "id";
  if (!has_id) r.filters.push_back({"id", "id", FilterField::Kind::kId});
  for (GraphqlResource& existing : resources_) {
    if (existing.name == r.name) {
      existing = std::move(r);
      return;
    }
  }
  resources_.push_back(std::move(r));
}

const GraphqlResource* GraphqlSchema::find(std::string_view name) const {
  for (const GraphqlResource& r : resources_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

GraphqlAnswer execute_graphql(const GraphqlSchema& schema, std::string_view request_body) {
  Result<Json> request = Json::parse(request_body);
  if (!request.ok()) return {400, errors_body("the request body is not JSON: " + request.status().message())};
  const Json* query = request->is_object() ? request->find("query") : nullptr;
  if (query == nullptr || !query->is_string()) {
    return {400, errors_body("the request body must be a JSON object with a \"query\" string")};
  }
  const Json* variables = request->find("variables");
  if (variables != nullptr && !variables->is_null() && !variables->is_object()) {
    return {400, errors_body("\"variables\" must be a JSON object")};
  }
  const Json* operation_name = request->find("operationName");
  if (operation_name != nullptr && !operation_name->is_null() && !operation_name->is_string()) {
    return {400, errors_body("\"operationName\" must be a string")};
  }
  Result<Json> data = run(schema, query->as_string(), variables ? *variables : Json::object(), operation_name);
  if (!data.ok()) return {200, errors_body(data.status().message())};
  Json body = Json::object();
  body.set("data", std::move(data).value());
  return {200, body.dump()};
}

}  // namespace sb::clarus_sim
