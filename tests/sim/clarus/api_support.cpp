#include "api_support.h"

#include <charconv>

#include "platform/core/clock.h"
#include "record_json.h"

namespace sb::clarus_sim {
namespace {

bool parse_int(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool is_custom_field(const std::string& key, std::string* family) {
  static const std::pair<const char*, int> kFamilies[] = {
      {"external_system_reference", 3}, {"string", 5}, {"integer", 5}, {"datetime", 5}, {"boolean", 5}};
  for (const auto& [prefix, count] : kFamilies) {
    std::string p = prefix;
    if (key.size() == p.size() + 1 && key.compare(0, p.size(), p) == 0 && key.back() >= '1' &&
        key.back() < '1' + count) {
      *family = p;
      return true;
    }
  }
  return false;
}

}  // namespace

HttpResponse api_error(int status, const std::string& message, int code) {
  Json o = Json::object();
  o.set("error", Json::string(message));
  if (code != 0) o.set("code", Json::number(static_cast<int64_t>(code)));
  return HttpResponse::json(status, o.dump());
}

HttpResponse api_error(const Status& status) {
  return api_error(status.code() == Code::kNotFound ? 404 : 422, status.message());
}

HttpResponse record_answer(int status, const std::string& type, const Json& record) {
  return HttpResponse::json(status, envelope(type, record).dump());
}

bool valid_country_code(const std::string& code) {
  // ISO 3166-1 alpha-2, officially assigned codes.
  static const std::string kCodes =
      "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY "
      "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
      "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR "
      "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
      "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
      "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
      "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return false;
  return kCodes.find(code) != std::string::npos && kCodes.find(code) % 3 == 0;
}

bool valid_date(const std::string& text) {
  int64_t ms = 0;
  if (parse_iso8601(text, &ms)) return true;
  // A bare date (YYYY-MM-DD) is what most order systems send for expected dates.
  return text.size() == 10 && parse_iso8601(text + "T00:00:00Z", &ms);
}

Result<Attributes> Attributes::from_body(const std::string& body) {
  auto parsed = Json::parse(body.empty() ? "{}" : body);
  if (!parsed.ok()) return Status::InvalidArgument("request body is not JSON: " + parsed.status().message());
  const Json& root = parsed.value();
  if (!root.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  const Json* data = root.find("data");
  if (!data) return Attributes(root);
  if (!data->is_object()) return Status::InvalidArgument("data must be an object");
  const Json* attrs = data->find("attributes");
  Attributes out(attrs && attrs->is_object() ? *attrs : Json::object());
  if (const Json* rel = data->find("relationships")) out.relationships = *rel;
  return out;
}

bool Attributes::has(const std::string& key) const {
  const Json* v = object_.find(key);
  return v && !v->is_null();
}

const Json* Attributes::raw(const std::string& key) const {
  const Json* v = object_.find(key);
  return v && !v->is_null() ? v : nullptr;
}

void Attributes::fail(std::string message) {
  if (status_.ok()) status_ = Status::InvalidArgument(std::move(message));
}

void Attributes::require(const std::string& key) {
  const Json* v = raw(key);
  if (!v || (v->is_string() && v->as_string().empty())) fail(key + " is required");
}

std::optional<int64_t> Attributes::integer(const std::string& key) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  int64_t out = 0;
  if (v->is_number() && v->as_int64(&out)) return out;
  if (v->is_string() && parse_int(v->as_string(), &out)) return out;
  fail(key + " must be an integer");
  return std::nullopt;
}

std::optional<std::string> Attributes::string(const std::string& key) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->as_string();
  if (v->is_number()) return v->as_string();
  fail(key + " must be a string");
  return std::nullopt;
}

std::optional<bool> Attributes::boolean(const std::string& key) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  if (v->is_bool()) return v->as_bool();
  fail(key + " must be true or false");
  return std::nullopt;
}

std::optional<double> Attributes::number(const std::string& key) {
  const Json* v = raw(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->as_double();
  fail(key + " must be a number");
  return std::nullopt;
}

void Attributes::read_custom(CustomFields* into) {
  for (const auto& [key, value] : object_.members()) {
    std::string family;
    if (!is_custom_field(key, &family)) continue;
    if (value.is_null()) {
      into->erase(key);
      continue;
    }
    int64_t ignored = 0;
    bool ok = true;
    if (family == "integer") ok = value.is_number() && value.as_int64(&ignored);
    else if (family == "boolean") ok = value.is_bool();
    else if (family == "datetime") ok = value.is_string() && parse_iso8601(value.as_string(), &ignored);
    else ok = value.is_string();
    if (!ok) {
      fail(key + " must be " + (family == "integer" ? "an integer" : family == "boolean" ? "true or false"
                                : family == "datetime" ? "an ISO-8601 date-time" : "a string"));
      continue;
    }
    if (family == "external_system_reference" && value.as_string().size() > 255) {
      fail(key + " is longer than 255 characters");
      continue;
    }
    (*into)[key] = value;
  }
}

std::optional<int64_t> path_id(const HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  int64_t out = 0;
  if (it == request.params.end() || !parse_int(it->second, &out)) return std::nullopt;
  return out;
}

Result<std::vector<LineChange>> read_line_changes(const Attributes& head) {
  std::vector<LineChange> changes;
  const Json* list = head.raw("lines_changes");
  if (!list) return changes;
  if (!list->is_array()) return Status::InvalidArgument("lines_changes must be an array");
  for (const Json& item : list->items()) {
    if (!item.is_object()) return Status::InvalidArgument("each lines_changes entry must be an object");
    LineChange change;
    change.type = item.get_string("type");
    if (change.type != "ADD" && change.type != "UPDATE" && change.type != "DESTROY") {
      return Status::InvalidArgument("lines_changes type must be ADD, UPDATE or DESTROY, got '" + change.type + "'");
    }
    if (const Json* attrs = item.find("attributes"); attrs && attrs->is_object()) change.attributes = Attributes(*attrs);
    Attributes outer(item);
    change.id = outer.integer("id");
    if (!change.id) change.id = change.attributes.integer("id");
    if (change.type != "ADD" && !change.id) {
      return Status::InvalidArgument("lines_changes " + change.type + " needs the line id");
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace sb::clarus_sim
