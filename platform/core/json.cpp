#include "platform/core/json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "platform/core/log.h"

namespace sb {

Json Json::boolean(bool b) {
  Json j;
  j.type_ = Type::kBool;
  j.bool_ = b;
  return j;
}

Json Json::number(int64_t v) {
  Json j;
  j.type_ = Type::kNumber;
  j.text_ = std::to_string(v);
  return j;
}

Json Json::number(double v) {
  Json j;
  j.type_ = Type::kNumber;
  if (!std::isfinite(v)) v = 0;  // JSON has no NaN/Inf
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  j.text_ = buf;
  return j;
}

Json Json::number_text(std::string text) {
  Json j;
  j.type_ = Type::kNumber;
  j.text_ = std::move(text);
  return j;
}

Json Json::string(std::string s) {
  Json j;
  j.type_ = Type::kString;
  j.text_ = std::move(s);
  return j;
}

Json Json::array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}

Json Json::object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

double Json::as_double() const { return type_ == Type::kNumber ? std::strtod(text_.c_str(), nullptr) : 0.0; }

bool Json::as_int64(int64_t* out) const {
  if (type_ != Type::kNumber) return false;
  for (char c : text_) {
    if (c == '.' || c == 'e' || c == 'E') return false;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text_.c_str(), &end, 10);
  if (errno == ERANGE || end == text_.c_str() || *end != '\0') return false;
  *out = v;
  return true;
}

Json& Json::push(Json v) {
  items_.push_back(std::move(v));
  return items_.back();
}

const Json* Json::find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Json& Json::set(std::string key, Json v) {
  for (Member& m : members_) {
    if (m.first == key) {
      m.second = std::move(v);
      return m.second;
    }
  }
  members_.emplace_back(std::move(key), std::move(v));
  return members_.back().second;
}

std::string Json::get_string(std::string_view key, std::string fallback) const {
  const Json* v = find(key);
  return v && v->is_string() ? v->text_ : fallback;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  log::append_json_string(out, s);
  return out;
}

void Json::dump_to(std::string& out) const {
  switch (type_) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += bool_ ? "true" : "false"; break;
    case Type::kNumber: out += text_; break;
    case Type::kString: log::append_json_string(out, text_); break;
    case Type::kArray:
      out += '[';
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        items_[i].dump_to(out);
      }
      out += ']';
      break;
    case Type::kObject:
      out += '{';
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out += ',';
        log::append_json_string(out, members_[i].first);
        out += ':';
        members_[i].second.dump_to(out);
      }
      out += '}';
      break;
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

namespace {

class Parser {
 public:
  Parser(std::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  Status run(Json* out) {
    skip_ws();
    SB_RETURN_IF_ERROR(value(out, 0));
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected text after the JSON value");
    return Status::Ok();
  }

 private:
  Status fail(const std::string& what) const {
    return Status::InvalidArgument("malformed JSON at byte " + std::to_string(pos_) + ": " + what);
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status value(Json* out, int depth) {
    if (depth > max_depth_) return fail("nested deeper than " + std::to_string(max_depth_) + " levels");
    if (pos_ >= s_.size()) return fail("unexpected end of input, expected a value");
    char c = s_[pos_];
    switch (c) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': {
        std::string str;
        SB_RETURN_IF_ERROR(string(&str));
        *out = Json::string(std::move(str));
        return Status::Ok();
      }
      case 't':
        if (literal("true")) { *out = Json::boolean(true); return Status::Ok(); }
        return fail("expected 'true'");
      case 'f':
        if (literal("false")) { *out = Json::boolean(false); return Status::Ok(); }
        return fail("expected 'false'");
      case 'n':
        if (literal("null")) { *out = Json(); return Status::Ok(); }
        return fail("expected 'null'");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        return fail(std::string("unexpected character '") + c + "'");
    }
  }

  Status number(Json* out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("expected a digit");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("expected a digit after '.'");
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !isdigit(s_[pos_])) return fail("expected a digit in the exponent");
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    *out = Json::number_text(std::string(s_.substr(start, pos_ - start)));
    return Status::Ok();
  }

  static bool isdigit(char c) { return c >= '0' && c <= '9'; }

  // Length of the well-formed UTF-8 sequence at `at` (RFC 3629: no overlong
  // forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one.
  size_t utf8_sequence(size_t at) const {
    auto byte = [&](size_t i) -> unsigned { return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0u; };
    auto cont = [&](size_t i) { return (byte(i) & 0xC0u) == 0x80u; };
    const unsigned b0 = byte(at);
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(at + 1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
      const unsigned b1 = byte(at + 1);
      if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
      if (b0 == 0xED && b1 > 0x9F) return 0;  // surrogate
      return cont(at + 1) && cont(at + 2) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
      const unsigned b1 = byte(at + 1);
      if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
      if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
      return cont(at + 1) && cont(at + 2) && cont(at + 3) ? 4 : 0;
    }
    return 0;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Status hex4(unsigned* cp) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(s_[pos_ + i]);
      if (h < 0) return fail("bad hex digit in \\u escape");
      v = v * 16 + static_cast<unsigned>(h);
    }
    pos_ += 4;
    *cp = v;
    return Status::Ok();
  }

  static void utf8(std::string* out, unsigned cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Status string(std::string* out) {
    ++pos_;  // opening quote
    // Fast path: copy runs without escapes in one go.
    while (true) {
      size_t run = pos_;
      while (pos_ < s_.size()) {
        auto b = static_cast<unsigned char>(s_[pos_]);
        if (b == '"' || b == '\\' || b < 0x20) break;
        if (b < 0x80) {
          ++pos_;
          continue;
        }
        size_t len = utf8_sequence(pos_);
        if (len == 0) return fail("invalid UTF-8 in a string (send text as UTF-8)");
        pos_ += len;
      }
      out->append(s_.data() + run, pos_ - run);
      if (pos_ >= s_.size()) return fail("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return Status::Ok();
      }
      if (c != '\\') return fail("control character in string (escape it)");
      ++pos_;
      if (pos_ >= s_.size()) return fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned cp = 0;
          SB_RETURN_IF_ERROR(hex4(&cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
              return fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            unsigned lo = 0;
            SB_RETURN_IF_ERROR(hex4(&lo));
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("bad low surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate in \\u escape");
          }
          utf8(out, cp);
          break;
        }
        default: return fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  Status array(Json* out, int depth) {
    ++pos_;
    *out = Json::array();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      skip_ws();
      Json item;
      SB_RETURN_IF_ERROR(value(&item, depth + 1));
      out->push(std::move(item));
      skip_ws();
      if (pos_ >= s_.size()) return fail("unterminated array, expected ',' or ']'");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == ']') { ++pos_; return Status::Ok(); }
      return fail("expected ',' or ']' in array");
    }
  }

  Status object(Json* out, int depth) {
    std::unordered_set<std::string> seen;
    ++pos_;
    *out = Json::object();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a quoted object key");
      std::string key;
      SB_RETURN_IF_ERROR(string(&key));
      // Linear duplicate check for the small objects events are made of; a set
      // once an object grows, so hostile input cannot make parsing quadratic.
      bool duplicate;
      if (out->members().size() < 16) {
        duplicate = out->find(key) != nullptr;
      } else {
        if (seen.empty())
          for (const auto& m : out->members()) seen.insert(m.first);
        duplicate = !seen.insert(key).second;
      }
      if (duplicate) return fail("duplicate key \"" + key + "\"");
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':' after object key");
      ++pos_;
      skip_ws();
      Json v;
      SB_RETURN_IF_ERROR(value(&v, depth + 1));
      out->set(std::move(key), std::move(v));
      skip_ws();
      if (pos_ >= s_.size()) return fail("unterminated object, expected ',' or '}'");
      if (s_[pos_] == ',') { ++pos_; continue; }
      if (s_[pos_] == '}') { ++pos_; return Status::Ok(); }
      return fail("expected ',' or '}' in object");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  int max_depth_;
};

}  // namespace

Result<Json> Json::parse(std::string_view text, int max_depth) {
  Json out;
  Parser p(text, max_depth);
  Status s = p.run(&out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace sb
