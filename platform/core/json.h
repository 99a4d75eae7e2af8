// A small JSON value, parser and writer (RFC 8259).
//
// Why our own: the intake path parses every warehouse event, so the parser must be
// fast and its errors must say where and what in words a person can act on
// ("at byte 41: expected ':' after object key"). Numbers keep their source
// text so 64-bit integers round-trip exactly. Objects keep insertion order.
// Thread-safety: values are plain data; parse/write are reentrant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/status.h"

namespace sb {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  static Json boolean(bool b);
  static Json number(int64_t v);
  static Json number(double v);
  static Json string(std::string s);
  static Json array();
  static Json object();
  // A number from its JSON source text; the text must already be a valid JSON number.
  static Json number_text(std::string text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return bool_; }
  const std::string& as_string() const { return text_; }  // string value, or a number's source text
  double as_double() const;
  // True and sets *out when the number is an integer that fits in int64 (no fraction, no exponent).
  bool as_int64(int64_t* out) const;

  // Arrays.
  const std::vector<Json>& items() const { return items_; }
  Json& push(Json v);
  // Objects (insertion order kept; later duplicate keys are rejected by the parser).
  const std::vector<Member>& members() const { return members_; }
  const Json* find(std::string_view key) const;  // nullptr when absent
  Json& set(std::string key, Json v);            // replaces an existing key

  // Convenience for objects: the string at key, or fallback when absent / not a string.
  std::string get_string(std::string_view key, std::string fallback = "") const;

  std::string dump() const;  // compact
  void dump_to(std::string& out) const;

  // Parses exactly one value (surrounding whitespace allowed). max_depth guards
  // against stack exhaustion from hostile input.
  static Result<Json> parse(std::string_view text, int max_depth = 64);

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

// A JSON string literal for s, quotes included.
std::string json_quote(std::string_view s);

}  // namespace sb
