#include "graphql_select.h"

namespace sb::clarus_sim::gql {
namespace {

const char* scalar_type(const Json& v) {
  int64_t n = 0;
  if (v.is_string()) return "String";
  if (v.is_bool()) return "Boolean";
  if (v.is_number()) return v.as_int64(&n) ? "Int" : "Float";
  return "Object";
}

bool holds_objects(const Json& v) {
  if (v.is_object()) return true;
  if (!v.is_array()) return false;
  for (const Json& item : v.items()) {
    if (item.is_object() || item.is_array()) return true;
  }
  return false;
}

Status select_value(const Json& v, const Field& f, Json* out) {
  const std::string type = type_name(f.name);
  if (!f.has_selection) {
    if (holds_objects(v)) {
      return Status::InvalidArgument(
          at(f.where, "Field \"" + f.name + "\" of type \"" + (v.is_array() ? "[" + type + "]" : type) +
                          "\" must have a selection of subfields. Did you mean \"" + f.name + " { ... }\"?"));
    }
    *out = v;
    return Status::Ok();
  }
  if (v.is_null()) {
    *out = Json();
    return Status::Ok();
  }
  if (v.is_object()) return select_object(v, f.selection, type, out);
  if (v.is_array()) {
    *out = Json::array();
    for (const Json& item : v.items()) {
      Json selected;
      if (item.is_object()) {
        SB_RETURN_IF_ERROR(select_object(item, f.selection, type, &selected));
      } else if (!item.is_null()) {
        return Status::InvalidArgument(at(f.where, "Field \"" + f.name + "\" must not have a selection since type \"[" +
                                                       scalar_type(item) + "]\" has no subfields."));
      }
      out->push(std::move(selected));
    }
    return Status::Ok();
  }
  return Status::InvalidArgument(at(f.where, "Field \"" + f.name + "\" must not have a selection since type \"" +
                                                 scalar_type(v) + "\" has no subfields."));
}

}  // namespace

std::string type_name(std::string_view name, bool singular) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  // Resource names are simple plurals (goods_outs, stock_balances, carrier_services).
  if (singular && out.size() > 1 && out.back() == 's') out.pop_back();
  return out;
}

Status refuse_arguments(const std::vector<Field>& selection, const std::string& type) {
  for (const Field& f : selection) {
    if (!f.arguments.empty()) {
      return Status::InvalidArgument(at(f.arguments.front().where, "Unknown argument \"" + f.arguments.front().name +
                                                                       "\" on field \"" + type + "." + f.name + "\"."));
    }
    SB_RETURN_IF_ERROR(refuse_arguments(f.selection, type_name(f.name)));
  }
  return Status::Ok();
}

Status select_object(const Json& object, const std::vector<Field>& selection, const std::string& type, Json* out) {
  *out = Json::object();
  for (const Field& f : selection) {
    if (f.name == "__typename") {
      out->set(f.alias, Json::string(type));
      continue;
    }
    const Json* member = object.find(f.name);
    Json value;
    SB_RETURN_IF_ERROR(select_value(member ? *member : Json(), f, &value));
    out->set(f.alias, std::move(value));
  }
  return Status::Ok();
}

}  // namespace sb::clarus_sim::gql
