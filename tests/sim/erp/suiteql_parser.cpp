#include <cctype>

#include "suiteql.h"

namespace sb::erpsim {
namespace {

enum class TokenKind { kWord, kString, kNumber, kSymbol, kEnd };

struct Token {
  TokenKind kind;
  std::string text;  // words lower-cased; strings unquoted
};

// Returns "" or why the text cannot be tokenised.
std::string tokenize(const std::string& text, std::vector<Token>* tokens) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalpha(c) || c == '_') {
      size_t start = i;
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
      std::string word = text.substr(start, i - start);
      for (auto& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      tokens->push_back({TokenKind::kWord, word});
    } else if (std::isdigit(c) || (c == '-' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      size_t start = i++;
      while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
      tokens->push_back({TokenKind::kNumber, text.substr(start, i - start)});
    } else if (c == '\'') {
      std::string value;
      ++i;
      for (;;) {
        if (i >= text.size()) return "unterminated string literal";
        if (text[i] == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            value += '\'';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += text[i++];
      }
      tokens->push_back({TokenKind::kString, value});
    } else if (c == '<' || c == '>' || c == '!') {
      std::string op(1, static_cast<char>(c));
      ++i;
      if (i < text.size() && (text[i] == '=' || (c == '<' && text[i] == '>'))) op += text[i++];
      if (op == "!") return "unexpected character '!'";
      tokens->push_back({TokenKind::kSymbol, op == "!=" ? "<>" : op});
    } else if (c == ',' || c == '(' || c == ')' || c == '=' || c == '*') {
      tokens->push_back({TokenKind::kSymbol, std::string(1, static_cast<char>(c))});
      ++i;
    } else {
      return std::string("unexpected character '") + static_cast<char>(c) + "'";
    }
  }
  tokens->push_back({TokenKind::kEnd, ""});
  return "";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::string parse(SuiteQlQuery* query) {
    if (!take_word("select")) return "expected SELECT";
    if (take_symbol("*")) {
      // empty column list means all columns
    } else {
      do {
        if (peek().kind != TokenKind::kWord || is_keyword(peek().text)) return "expected a column name";
        query->columns.push_back(next().text);
      } while (take_symbol(","));
    }
    if (!take_word("from")) return "expected FROM";
    if (peek().kind != TokenKind::kWord || is_keyword(peek().text)) return "expected a table name";
    query->table = next().text;
    if (take_word("where")) {
      do {
        SuiteQlCondition condition;
        if (std::string error = parse_condition(&condition); !error.empty()) return error;
        query->conditions.push_back(std::move(condition));
      } while (take_word("and"));
    }
    if (take_word("order")) {
      if (!take_word("by")) return "expected BY after ORDER";
      do {
        SuiteQlOrder order;
        if (peek().kind != TokenKind::kWord || is_keyword(peek().text)) return "expected a column name in ORDER BY";
        order.column = next().text;
        if (take_word("desc")) order.descending = true;
        else take_word("asc");
        query->order_by.push_back(order);
      } while (take_symbol(","));
    }
    if (peek().kind != TokenKind::kEnd) return "unsupported clause at '" + peek().text + "'";
    return "";
  }

 private:
  std::string parse_condition(SuiteQlCondition* condition) {
    if (peek().kind != TokenKind::kWord || is_keyword(peek().text)) return "expected a column name in WHERE";
    condition->column = next().text;
    for (const char* op : {"=", ">", ">=", "<", "<=", "<>"}) {
      if (!take_symbol(op)) continue;
      if (!is_literal(peek())) return std::string("expected a literal after ") + op;
      condition->op = op;
      condition->values.push_back(next().text);
      return "";
    }
    if (!take_word("in")) return "only =, <>, <, <=, >, >= and IN are supported in WHERE";
    condition->op = "in";
    if (!take_symbol("(")) return "expected ( after IN";
    do {
      if (!is_literal(peek())) return "expected a literal in IN (...)";
      condition->values.push_back(next().text);
    } while (take_symbol(","));
    if (!take_symbol(")")) return "expected ) after the IN list";
    return "";
  }

  static bool is_keyword(const std::string& word) {
    return word == "select" || word == "from" || word == "where" || word == "and" || word == "in" ||
           word == "or" || word == "order" || word == "by" || word == "not" || word == "asc" || word == "desc" ||
           word == "group" || word == "join" || word == "on";
  }
  static bool is_literal(const Token& t) { return t.kind == TokenKind::kString || t.kind == TokenKind::kNumber; }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool take_word(const char* word) {
    if (peek().kind != TokenKind::kWord || peek().text != word) return false;
    next();
    return true;
  }
  bool take_symbol(const char* symbol) {
    if (peek().kind != TokenKind::kSymbol || peek().text != symbol) return false;
    next();
    return true;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

ParsedSuiteQl parse_suiteql(const std::string& text) {
  ParsedSuiteQl parsed;
  std::vector<Token> tokens;
  parsed.error = tokenize(text, &tokens);
  if (parsed.error.empty()) parsed.error = Parser(std::move(tokens)).parse(&parsed.query);
  return parsed;
}

}  // namespace sb::erpsim
