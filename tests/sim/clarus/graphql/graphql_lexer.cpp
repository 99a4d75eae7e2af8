#include "graphql_lexer.h"

#include <cstdint>

#include "platform/core/json.h"

namespace sb::clarus_sim::gql {
namespace {

bool is_name_start(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") advance(3);
    for (;;) {
      skip_ignored();
      Token t;
      t.where = here();
      if (i_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      Status st = next(&t);
      if (!st.ok()) return st;
      out.push_back(std::move(t));
    }
  }

 private:
  Location here() const { return {line_, col_}; }
  char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  void advance(size_t n = 1) {
    for (; n > 0 && i_ < s_.size(); --n, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }

  void skip_ignored() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        advance();
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n' && s_[i_] != '\r') advance();
      } else {
        return;
      }
    }
  }

  Status next(Token* t) {
    char c = peek();
    if (c == '.') {
      if (peek(1) == '.' && peek(2) == '.') {
        t->kind = Token::Kind::kSpread;
        t->text = "...";
        advance(3);
        return Status::Ok();
      }
      return Status::InvalidArgument(at(here(), "unexpected \".\" (did you mean \"...\"?)"));
    }
    if (c != '\0' && std::string_view("!$&():=@[]{}|").find(c) != std::string_view::npos) {
      t->kind = Token::Kind::kPunct;
      t->text = std::string(1, c);
      advance();
      return Status::Ok();
    }
    if (is_name_start(c)) {
      size_t start = i_;
      while (is_name_char(peek())) advance();
      t->kind = Token::Kind::kName;
      t->text = std::string(s_.substr(start, i_ - start));
      return Status::Ok();
    }
    if (c == '-' || is_digit(c)) return number(t);
    if (c == '"') return string(t);
    std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
                            ? "byte " + std::to_string(static_cast<unsigned char>(c))
                            : "\"" + std::string(1, c) + "\"";
    return Status::InvalidArgument(at(here(), "unexpected character " + shown));
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — which is also valid JSON number text.
  Status number(Token* t) {
    size_t start = i_;
    Location start_at = here();
    if (peek() == '-') advance();
    if (peek() == '0') {
      advance();
      if (is_digit(peek())) return Status::InvalidArgument(at(start_at, "a number must not have a leading zero"));
    } else if (is_digit(peek())) {
      while (is_digit(peek())) advance();
    } else {
      return Status::InvalidArgument(at(here(), "expected a digit after \"-\""));
    }
    bool is_float = false;
    if (peek() == '.') {
      is_float = true;
      advance();
      if (!is_digit(peek())) return Status::InvalidArgument(at(here(), "expected a digit after \".\" in a number"));
      while (is_digit(peek())) advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      is_float = true;
      advance();
      if (peek() == '+' || peek() == '-') advance();
      if (!is_digit(peek())) return Status::InvalidArgument(at(here(), "expected a digit in a number's exponent"));
      while (is_digit(peek())) advance();
    }
    if (is_name_start(peek()) || peek() == '.') {
      return Status::InvalidArgument(at(here(), "unexpected \"" + std::string(1, peek()) + "\" after a number"));
    }
    t->kind = is_float ? Token::Kind::kFloat : Token::Kind::kInt;
    t->text = std::string(s_.substr(start, i_ - start));
    return Status::Ok();
  }

  Status string(Token* t) {
    Location start = here();
    if (peek(1) == '"' && peek(2) == '"') {
      return Status::InvalidArgument(at(start, "block strings (\"\"\") are not supported"));
    }
    advance();
    std::string out;
    for (;;) {
      char c = peek();
      if (i_ >= s_.size() || c == '\n' || c == '\r') {
        return Status::InvalidArgument(at(start, "unterminated string"));
      }
      if (c == '"') {
        advance();
        break;
      }
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      Location esc = here();
      advance();
      char e = peek();
      advance();
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return Status::InvalidArgument(at(esc, "\\u must be followed by 4 hex digits"));
          // A surrogate pair arrives as two escapes; a lone half is not a character.
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (peek() != '\\' || peek(1) != 'u')
              return Status::InvalidArgument(at(esc, "unpaired surrogate in \\u escape"));
            advance(2);
            if (!hex4(&low) || low < 0xDC00 || low > 0xDFFF) {
              return Status::InvalidArgument(at(esc, "unpaired surrogate in \\u escape"));
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Status::InvalidArgument(at(esc, "unpaired surrogate in \\u escape"));
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return Status::InvalidArgument(at(esc, "invalid escape \"\\" + std::string(1, e) + "\" in string"));
      }
    }
    t->kind = Token::Kind::kString;
    t->text = std::move(out);
    return Status::Ok();
  }

  bool hex4(uint32_t* out) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = peek();
      int d = (h >= '0' && h <= '9')   ? h - '0'
              : (h >= 'a' && h <= 'f') ? h - 'a' + 10
              : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                       : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
      advance();
    }
    *out = v;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

std::string at(Location where, std::string_view what) {
  return "line " + std::to_string(where.line) + " col " + std::to_string(where.col) + ": " + std::string(what);
}

Result<std::vector<Token>> tokenize(std::string_view text) { return Lexer(text).run(); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::kEnd: return "end of query";
    case Token::Kind::kName: return "name \"" + t.text + "\"";
    case Token::Kind::kInt:
    case Token::Kind::kFloat: return "number " + t.text;
    case Token::Kind::kString: return "string " + json_quote(t.text);
    default: return "\"" + t.text + "\"";
  }
}

}  // namespace sb::clarus_sim::gql
