#include "json_body.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace sb::erpsim {

Poco::JSON::Object::Ptr new_object() { return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Poco::JSON::Object::Ptr parse_object(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var value = parser.parse(text);
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
    return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return nullptr;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string to_json(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string to_json(const Poco::JSON::Array::Ptr& array) {
  std::ostringstream out;
  array->stringify(out);
  return out.str();
}

namespace {

std::optional<std::string> var_text(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return std::nullopt;
  if (v.isString()) return v.extract<std::string>();
  if (v.isNumeric() && !v.isBoolean()) {
    // Integral ids posted as numbers ({"id": 6}) must read "6", not "6.000000".
    if (v.isInteger()) return v.convert<std::string>();
    double d = v.convert<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
    return v.convert<std::string>();
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> scalar_text(const Poco::JSON::Object::Ptr& object, const std::string& field) {
  if (!object || !object->has(field)) return std::nullopt;
  return var_text(object->get(field));
}

std::optional<std::string> ref_id(const Poco::JSON::Object::Ptr& parent, const std::string& field) {
  if (!parent || !parent->has(field)) return std::nullopt;
  Poco::Dynamic::Var v = parent->get(field);
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto ref = v.extract<Poco::JSON::Object::Ptr>();
    auto id = scalar_text(ref, "id");
    if (id && !id->empty()) return id;
    return std::nullopt;
  }
  auto text = var_text(v);
  if (text && !text->empty()) return text;
  return std::nullopt;
}

bool id_less(const std::string& a, const std::string& b) {
  auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  // Numeric ids first, in numeric order; then the rest as text. A total
  // order, so it is safe as a std::map comparator with mixed ids.
  bool da = digits(a), db = digits(b);
  if (da != db) return da;
  if (da && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace sb::erpsim
