#include "graphql_values.h"

namespace sb::clarus_sim::gql {
namespace {

// Literals are turned into JSON without variables (default values are constant).
Json literal(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
    case Value::Kind::kVariable: return Json();
    case Value::Kind::kBool: return Json::boolean(v.text == "true");
    case Value::Kind::kInt:
    case Value::Kind::kFloat: return Json::number_text(v.text);
    case Value::Kind::kString:
    case Value::Kind::kEnum: return Json::string(v.text);
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const Value& item : v.items) out.push(literal(item));
      return out;
    }
    case Value::Kind::kObject: {
      Json out = Json::object();
      for (const auto& [key, item] : v.fields) out.set(key, literal(item));
      return out;
    }
  }
  return Json();
}

// Only the built-in scalars are checked: the input object and enum types a
// client names (ShipmentFilter, ...) are not declared anywhere in the simulator,
// and the filter itself is checked when it is compiled.
bool scalar_fits(const std::string& type, const Json& v) {
  int64_t n = 0;
  if (type == "Int") return v.as_int64(&n);
  if (type == "Float") return v.is_number();
  if (type == "String") return v.is_string();
  if (type == "Boolean") return v.is_bool();
  if (type == "ID") return v.is_string() || v.as_int64(&n);
  return true;
}

}  // namespace

Result<Variables> Variables::coerce(const Operation& op, const Json& provided) {
  Variables out;
  for (const VariableDefinition& def : op.variables) {
    out.declared_.insert(def.name);
    const Json* given = provided.is_object() ? provided.find(def.name) : nullptr;
    if (given == nullptr && def.has_default) {
      out.values_[def.name] = literal(def.default_value);
      continue;
    }
    if (given == nullptr || given->is_null()) {
      if (def.type.non_null) {
        return Status::InvalidArgument(at(def.where, "variable $" + def.name + " of required type " + def.type.text +
                                                         (given ? " must not be null" : " was not provided")));
      }
      continue;
    }
    bool fits = def.type.list ? given->is_array() || scalar_fits(def.type.name, *given)
                              : scalar_fits(def.type.name, *given);
    if (def.type.list && given->is_array()) {
      for (const Json& item : given->items()) fits = fits && (item.is_null() || scalar_fits(def.type.name, item));
    }
    if (!fits) {
      return Status::InvalidArgument(at(def.where, "variable $" + def.name + " of type " + def.type.text +
                                                       " cannot take the value " + given->dump()));
    }
    out.values_[def.name] = *given;
  }
  return out;
}

Result<Json> Variables::resolve(const Value& v) const {
  switch (v.kind) {
    case Value::Kind::kVariable: {
      if (declared_.count(v.text) == 0) {
        return Status::InvalidArgument(at(v.where, "variable $" + v.text + " is not defined by the operation"));
      }
      auto it = values_.find(v.text);
      return it == values_.end() ? Json() : it->second;
    }
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const Value& item : v.items) {
        Result<Json> r = resolve(item);
        if (!r.ok()) return r.status();
        out.push(std::move(r).value());
      }
      return out;
    }
    case Value::Kind::kObject: {
      Json out = Json::object();
      for (const auto& [key, item] : v.fields) {
        Result<Json> r = resolve(item);
        if (!r.ok()) return r.status();
        out.set(key, std::move(r).value());
      }
      return out;
    }
    default: return literal(v);
  }
}

}  // namespace sb::clarus_sim::gql
