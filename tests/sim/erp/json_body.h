// Small helpers around Poco::JSON for request bodies and answers.
//
// Stored bodies are kept as text, never as shared Poco::JSON objects: those
// cache state on read and are not safe to share between server threads.
#pragma once

#include <optional>
#include <string>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace sb::erpsim {

// An empty object that keeps keys in insertion order, so answers read like NetSuite's.
Poco::JSON::Object::Ptr new_object();

// The body as a JSON object, or nullptr when it is not valid JSON or not an object.
Poco::JSON::Object::Ptr parse_object(const std::string& text);

std::string to_json(const Poco::JSON::Object::Ptr& object);
std::string to_json(const Poco::JSON::Array::Ptr& array);

// A reference value as NetSuite accepts it: {"id": "6"} or {"id": 6}, or a
// bare 6 / "6". nullopt when absent, null or of another shape.
std::optional<std::string> ref_id(const Poco::JSON::Object::Ptr& parent, const std::string& field);

// A scalar field as text (numbers printed without quotes); nullopt when absent or not scalar.
std::optional<std::string> scalar_text(const Poco::JSON::Object::Ptr& object, const std::string& field);

// Digits-only ids compare as numbers and sort before all others (as text).
bool id_less(const std::string& a, const std::string& b);
struct IdLess {
  bool operator()(const std::string& a, const std::string& b) const { return id_less(a, b); }
};

}  // namespace sb::erpsim
