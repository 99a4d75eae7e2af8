// What every REST handler shares: the route list they register into, reading
// the JSON:API-style request envelope with typed attribute access, custom
// fields, and the error answers ({"error":"<clear text>"}, 422 / 404).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model.h"
#include "platform/http/http.h"

namespace sb::clarus_sim {

// A REST route relative to the prefix ("/goods_outs/{id}"). The simulator runs
// the handler under the model lock, after authentication and faults.
// `create` marks POSTs that make a record (subject to reject_creates_rate).
using ModelHandler = std::function<HttpResponse(const HttpRequest&, ClarusModel&)>;
struct RouteSpec {
  std::string method, path;
  bool create = false;
  ModelHandler handler;
};
using RouteList = std::vector<RouteSpec>;

void add_product_routes(RouteList& routes);
void add_goods_out_routes(RouteList& routes);
void add_receipt_routes(RouteList& routes);
void add_stock_routes(RouteList& routes);
void add_reference_routes(RouteList& routes);  // carriers, locations, reason codes, automations, ...

// {"error": message} plus, where Clarus documents one, {"code": N}.
HttpResponse api_error(int status, const std::string& message, int code = 0);
// NotFound -> 404, everything else -> 422.
HttpResponse api_error(const Status& status);
HttpResponse record_answer(int status, const std::string& type, const Json& record);

// The attributes of a request: data.attributes of the envelope (a bare object
// is accepted too). Reads remember the first type error, which the handler
// answers as 422 through status().
class Attributes {
 public:
  static Result<Attributes> from_body(const std::string& body);
  explicit Attributes(Json object) : object_(std::move(object)) {}

  bool has(const std::string& key) const;
  const Json* raw(const std::string& key) const;
  std::optional<int64_t> integer(const std::string& key);  // numbers or numeric strings (JSON:API ids)
  std::optional<std::string> string(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<double> number(const std::string& key);
  void require(const std::string& key);
  void fail(std::string message);
  // Copies the custom fields present into *into, checking their types.
  void read_custom(CustomFields* into);
  const Status& status() const { return status_; }
  const Json& json() const { return object_; }
  // data.relationships of the envelope (null when absent).
  Json relationships;

 private:
  Json object_;
  Status status_;
};

// ISO 3166-1 alpha-2 ("GB"), upper case.
bool valid_country_code(const std::string& code);
// ISO-8601 date-time or a bare YYYY-MM-DD.
bool valid_date(const std::string& text);

// Parses an id path parameter; nullopt when it is not an integer.
std::optional<int64_t> path_id(const HttpRequest& request, const std::string& name = "id");

// lines_changes entries: {"type":"ADD|UPDATE|DESTROY","id"?,"attributes":{...}}.
struct LineChange {
  std::string type;
  std::optional<int64_t> id;
  Attributes attributes{Json::object()};
};
Result<std::vector<LineChange>> read_line_changes(const Attributes& head);

}  // namespace sb::clarus_sim
