// The Clarus simulator's GraphQL endpoint: the read-only subset Clarus documents
// (reference/clarus-api.md, "GraphQL reads"), over records the simulator holds.
//
// Every resource has one query shape:
//   <resource> { all(filter: {...}, first: N, after: "cursor") {
//     pageInfo { hasNextPage endCursor } edges { cursor node { ... } } nodes { ... } totalCount } }
// Node fields are not declared: a node selects from the record's JSON, so the
// simulator's records are the schema. Anything outside the subset (fragments,
// directives, mutations, subscriptions, block strings) is answered with a
// GraphQL error saying what and where ("line 1 col 14: fragments are not supported")
// rather than silently ignored, so an adapter that relies on it fails in tests.
//
// Thread-safety: a GraphqlSchema is built once and then only read;
// execute_graphql is reentrant when every resource's records() is.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/json.h"

namespace sb::clarus_sim {

// One key of a resource's `filter:` argument.
struct FilterField {
  std::string name;  // filter key as the client writes it, e.g. "product_code"
  // Dotted path into the record JSON, e.g. "product.code"; "id" for id. A path
  // through an array (e.g. "lines.product.code") matches when any element does.
  std::string path;
  // Operators by kind — string: eq, ilike, like, in, between; integer: eq, gt,
  // gteq, lt, lteq, between; datetime: eq, from, to, between; id: eq, gt, gteq,
  // lt, lteq, in, filled.
  enum class Kind { kString, kInteger, kDatetime, kId } kind;
};

struct GraphqlResource {
  std::string name;  // "shipments"
  // An `id` filter of kind kId is added when the resource does not declare one:
  // Clarus sweeps page on `filter: {id: {gt: N}}` for every resource.
  std::vector<FilterField> filters;
  // All records, full JSON objects, ascending by "id" (integer ids compare as
  // numbers, others as text). Called once per `all` field of a query.
  std::function<std::vector<Json>()> records;
};

class GraphqlSchema {
 public:
  // A later resource of the same name replaces the earlier one.
  void add(GraphqlResource r);
  const GraphqlResource* find(std::string_view name) const;  // nullptr when unknown
  const std::vector<GraphqlResource>& resources() const { return resources_; }

 private:
  std::vector<GraphqlResource> resources_;
};

struct GraphqlAnswer {
  int status;
  std::string body;
};

// Executes a POST /graphql body {"query": "...", "variables": {...}, "operationName": ...}.
// Answers 200 {"data": {...}}, or 200 {"errors": [{"message": "..."}]} for any
// GraphQL error (no partial data: every error here is a client mistake); a body
// that is not a JSON object with a "query" string, or whose "variables" is not an
// object, answers 400 {"errors": [...]}.
//
// Limits: query text 64 KiB, nesting of selections, lists and input objects 20
// levels, `first` 500 (default 50). A cursor is base64("cursor:<id>").
GraphqlAnswer execute_graphql(const GraphqlSchema& schema, std::string_view request_body);

}  // namespace sb::clarus_sim
