#include "graphql_filter.h"

#include <cerrno>
#include <cstdlib>

namespace sb::clarus_sim::gql {
namespace {

using FieldKind = FilterField::Kind;

struct OpName {
  const char* name;
  bool string, integer, datetime, id;  // the kinds that accept it
};
// The operator table of reference/clarus-api.md, "GraphQL reads".
constexpr OpName kOps[] = {
    {"eq", true, true, true, true},       {"ilike", true, false, false, false}, {"like", true, false, false, false},
    {"in", true, false, false, true},     {"between", true, true, true, false}, {"gt", false, true, false, true},
    {"gteq", false, true, false, true},   {"lt", false, true, false, true},     {"lteq", false, true, false, true},
    {"from", false, false, true, false},  {"to", false, false, true, false},    {"filled", false, false, false, true},
};

bool accepts(const OpName& op, FieldKind kind) {
  switch (kind) {
    case FieldKind::kString: return op.string;
    case FieldKind::kInteger: return op.integer;
    case FieldKind::kDatetime: return op.datetime;
    case FieldKind::kId: return op.id;
  }
  return false;
}

const char* kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::kString: return "string";
    case FieldKind::kInteger: return "integer";
    case FieldKind::kDatetime: return "datetime";
    case FieldKind::kId: return "id";
  }
  return "?";
}

std::string ops_for(FieldKind kind) {
  std::string out;
  for (const OpName& op : kOps) {
    if (!accepts(op, kind)) continue;
    if (!out.empty()) out += ", ";
    out += op.name;
  }
  return out;
}

// Whole-string integers only: "12a" is not 12.
bool to_int64(const Json& v, int64_t* out) {
  if (v.is_number()) return v.as_int64(out);
  if (!v.is_string() || v.as_string().empty()) return false;
  const std::string& s = v.as_string();
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0' || s[0] == ' ' || s[0] == '+') return false;
  *out = n;
  return true;
}

// A scalar as the text a SQL string comparison would see.
bool to_text(const Json& v, std::string* out) {
  if (v.is_string() || v.is_number()) {
    *out = v.as_string();
    return true;
  }
  if (v.is_bool()) {
    *out = v.as_bool() ? "true" : "false";
    return true;
  }
  return false;
}

char fold(char c, bool ci) { return ci && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// SQL LIKE: % any run, _ one byte, backslash escapes the next character.
bool like(const std::string& text, const std::string& pattern, bool ci) {
  struct Piece {
    enum { kChar, kOne, kAny } kind;
    char c;
  };
  std::vector<Piece> pat;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      pat.push_back({Piece::kChar, pattern[++i]});
    } else if (c == '%') {
      pat.push_back({Piece::kAny, 0});
    } else if (c == '_') {
      pat.push_back({Piece::kOne, 0});
    } else {
      pat.push_back({Piece::kChar, c});
    }
  }
  size_t t = 0, p = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pat.size() && (pat[p].kind == Piece::kOne ||
                           (pat[p].kind == Piece::kChar && fold(pat[p].c, ci) == fold(text[t], ci)))) {
      ++p;
      ++t;
    } else if (p < pat.size() && pat[p].kind == Piece::kAny) {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p].kind == Piece::kAny) ++p;
  return p == pat.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digits(const std::string& s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Collects the scalars at path; through an array, every element's.
void values_at(const Json& node, const std::vector<std::string>& path, size_t depth, std::vector<const Json*>* out) {
  if (node.is_array()) {
    for (const Json& item : node.items()) values_at(item, path, depth, out);
    return;
  }
  if (depth == path.size()) {
    out->push_back(&node);
    return;
  }
  if (!node.is_object()) return;
  if (const Json* next = node.find(path[depth])) values_at(*next, path, depth + 1, out);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

}  // namespace

bool id_key(const Json& v, IdKey* out) {
  if (!v.is_string() && !v.is_number()) return false;
  out->text = v.as_string();
  out->integer = to_int64(v, &out->number);
  return true;
}

int compare_ids(const IdKey& a, const IdKey& b) {
  if (a.integer && b.integer) return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
}

bool parse_datetime(const std::string& s, TimeSpan* out) {
  int y = 0, mo = 0, d = 0;
  if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
      !digits(s, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return false;
  }
  const int64_t day_us = days_from_civil(y, mo, d) * 86400LL * 1000000LL;
  if (s.size() == 10) {
    *out = {day_us, day_us + 86400LL * 1000000LL - 1};
    return true;
  }
  int h = 0, mi = 0, sec = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, &h) || s.size() < 16 || s[13] != ':' ||
      !digits(s, 14, 2, &mi) || h > 23 || mi > 59) {
    return false;
  }
  size_t i = 16;
  int64_t micros = 0;
  if (i < s.size() && s[i] == ':') {
    if (!digits(s, i + 1, 2, &sec) || sec > 60) return false;
    i += 3;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      size_t start = ++i;
      int64_t scale = 100000;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        micros += (s[i] - '0') * scale;  // digits past microseconds add 0
        scale /= 10;
        ++i;
      }
      if (i == start) return false;
    }
  }
  int64_t offset_s = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(s, i + 1, 2, &oh) || oh > 23) return false;
      i += 3;
      if (i < s.size()) {
        if (s[i] == ':') ++i;
        if (!digits(s, i, 2, &om) || om > 59) return false;
        i += 2;
      }
      offset_s = sign * (oh * 3600 + om * 60);
    }
    if (i != s.size()) return false;
  }
  const int64_t t = day_us + ((h * 3600LL + mi * 60LL + sec) - offset_s) * 1000000LL + micros;
  *out = {t, t};
  return true;
}

Result<RecordFilter> RecordFilter::compile(const GraphqlResource& resource, const Json& filter, Location where) {
  RecordFilter out;
  if (filter.is_null()) return out;
  if (!filter.is_object()) {
    return Status::InvalidArgument(at(where, "filter must be an input object, e.g. {id: {gt: 100}}"));
  }
  for (const auto& [key, ops] : filter.members()) {
    const FilterField* field = nullptr;
    for (const FilterField& f : resource.filters) {
      if (f.name == key) field = &f;
    }
    if (field == nullptr) {
      std::string known;
      for (const FilterField& f : resource.filters) known += (known.empty() ? "" : ", ") + f.name;
      return Status::InvalidArgument(
          at(where, "unknown filter \"" + key + "\" on " + resource.name + " (filters: " + known + ")"));
    }
    if (ops.is_null()) continue;
    if (!ops.is_object()) {
      return Status::InvalidArgument(
          at(where, "filter \"" + key + "\" must be an object of operators, e.g. {" + key + ": {eq: ...}}"));
    }
    for (const auto& [op_name, operand] : ops.members()) {
      SB_RETURN_IF_ERROR(add_condition(*field, op_name, operand, where, &out));
    }
  }
  return out;
}

Status RecordFilter::add_condition(const FilterField& field, const std::string& op_name, const Json& operand,
                                   Location where, RecordFilter* out) {
  const OpName* op = nullptr;
  for (const OpName& o : kOps) {
    if (op_name == o.name && accepts(o, field.kind)) op = &o;
  }
  const std::string what = "filter \"" + field.name + "\" operator \"" + op_name + "\"";
  if (op == nullptr) {
    return Status::InvalidArgument(at(where, "unknown operator \"" + op_name + "\" for " + kind_name(field.kind) +
                                                 " filter \"" + field.name + "\" (operators: " + ops_for(field.kind) +
                                                 ")"));
  }
  if (operand.is_null()) return Status::Ok();
  Condition c;
  c.path = split_path(field.path);
  c.kind = field.kind;
  c.op = static_cast<Op>(op - kOps);

  if (c.op == Op::kFilled) {
    if (!operand.is_bool()) return Status::InvalidArgument(at(where, what + " takes true or false"));
    c.filled = operand.as_bool();
    out->conditions_.push_back(std::move(c));
    return Status::Ok();
  }
  // `in` takes a list, `between` exactly two; every other operator one value.
  std::vector<const Json*> values;
  if (c.op == Op::kIn || c.op == Op::kBetween) {
    if (!operand.is_array() || (c.op == Op::kBetween && operand.items().size() != 2)) {
      return Status::InvalidArgument(
          at(where, what + (c.op == Op::kIn ? " takes a list" : " takes a list of two values [from, to]")));
    }
    for (const Json& item : operand.items()) values.push_back(&item);
  } else {
    values.push_back(&operand);
  }
  for (const Json* v : values) {
    bool ok = false;
    switch (field.kind) {
      case FieldKind::kString: ok = to_text(*v, &c.strings.emplace_back()); break;
      case FieldKind::kInteger: ok = to_int64(*v, &c.integers.emplace_back()); break;
      case FieldKind::kDatetime: ok = v->is_string() && parse_datetime(v->as_string(), &c.times.emplace_back()); break;
      case FieldKind::kId: ok = id_key(*v, &c.ids.emplace_back()); break;
    }
    if (!ok) {
      const char* expected = field.kind == FieldKind::kString    ? "a string"
                             : field.kind == FieldKind::kInteger ? "an integer"
                             : field.kind == FieldKind::kDatetime
                                 ? "an ISO-8601 datetime such as \"2026-11-26T10:42:00Z\""
                                 : "an id (a number or string)";
      return Status::InvalidArgument(at(where, what + " needs " + expected + ", got " + v->dump()));
    }
  }
  out->conditions_.push_back(std::move(c));
  return Status::Ok();
}

bool RecordFilter::matches(const Json& record) const {
  for (const Condition& c : conditions_) {
    std::vector<const Json*> values;
    values_at(record, c.path, 0, &values);
    bool any = false;
    if (c.op == Op::kFilled) {
      for (const Json* v : values) any = any || !v->is_null();
      if (any != c.filled) return false;
      continue;
    }
    for (const Json* v : values) any = any || holds(c, *v);
    if (!any) return false;
  }
  return true;
}

bool RecordFilter::holds(const Condition& c, const Json& value) {
  switch (c.kind) {
    case FieldKind::kString: {
      std::string s;
      if (!to_text(value, &s)) return false;
      switch (c.op) {
        case Op::kEq: return s == c.strings[0];
        case Op::kLike: return like(s, c.strings[0], false);
        case Op::kIlike: return like(s, c.strings[0], true);
        case Op::kBetween: return c.strings[0] <= s && s <= c.strings[1];
        case Op::kIn:
          for (const std::string& x : c.strings) {
            if (s == x) return true;
          }
          return false;
        default: return false;
      }
    }
    case FieldKind::kInteger: {
      int64_t n = 0;
      if (!to_int64(value, &n)) return false;
      switch (c.op) {
        case Op::kEq: return n == c.integers[0];
        case Op::kGt: return n > c.integers[0];
        case Op::kGteq: return n >= c.integers[0];
        case Op::kLt: return n < c.integers[0];
        case Op::kLteq: return n <= c.integers[0];
        case Op::kBetween: return c.integers[0] <= n && n <= c.integers[1];
        default: return false;
      }
    }
    case FieldKind::kDatetime: {
      TimeSpan t;
      if (!value.is_string() || !parse_datetime(value.as_string(), &t)) return false;
      const int64_t at_us = t.from_us;  // a record's date alone stands for its first instant
      switch (c.op) {
        case Op::kEq: return c.times[0].from_us <= at_us && at_us <= c.times[0].to_us;
        case Op::kFrom: return at_us >= c.times[0].from_us;
        case Op::kTo: return at_us <= c.times[0].to_us;
        case Op::kBetween: return c.times[0].from_us <= at_us && at_us <= c.times[1].to_us;
        default: return false;
      }
    }
    case FieldKind::kId: {
      IdKey k;
      if (!id_key(value, &k)) return false;
      switch (c.op) {
        case Op::kEq: return compare_ids(k, c.ids[0]) == 0;
        case Op::kGt: return compare_ids(k, c.ids[0]) > 0;
        case Op::kGteq: return compare_ids(k, c.ids[0]) >= 0;
        case Op::kLt: return compare_ids(k, c.ids[0]) < 0;
        case Op::kLteq: return compare_ids(k, c.ids[0]) <= 0;
        case Op::kIn:
          for (const IdKey& x : c.ids) {
            if (compare_ids(k, x) == 0) return true;
          }
          return false;
        default: return false;
      }
    }
  }
  return false;
}

}  // namespace sb::clarus_sim::gql
