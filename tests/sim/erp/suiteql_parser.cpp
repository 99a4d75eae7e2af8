// The SuiteQL subset's text: tokens, the query's grammar (suiteql.h), and the
// date format models TO_CHAR and TO_TIMESTAMP carry, which are read here so a
// bad model or a TO_TIMESTAMP text that does not fit is a parse error.
#include <array>
#include <cctype>
#include <chrono>

#include "suiteql.h"

namespace sb::erpsim {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

std::string upper(std::string text) {
  for (auto& ch : text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return text;
}

bool is_separator(char c) { return c == '-' || c == ':' || c == '/' || c == '.' || c == ' '; }

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

// ---- date formats -----------------------------------------------------------

std::string DateFormat::from_model(const std::string& model, DateFormat* out) {
  // Longest first where one is a prefix of another's letters (MM / MI).
  static const std::array<std::pair<const char*, Part>, 7> kElements = {{{"YYYY", Part::kYear},
                                                                         {"HH24", Part::kHour},
                                                                         {"FF3", Part::kMillis},
                                                                         {"MM", Part::kMonth},
                                                                         {"MI", Part::kMinute},
                                                                         {"DD", Part::kDay},
                                                                         {"SS", Part::kSecond}}};
  static const std::string kSupported =
      " (supported: YYYY, MM, DD, HH24, MI, SS, FF3, \"quoted text\" and the separators - : / . space)";
  DateFormat format;
  format.text_ = model;
  if (model.empty()) return "an empty date format model";
  const std::string upper_model = upper(model);
  size_t i = 0;
  while (i < model.size()) {
    const char c = model[i];
    if (c == '"') {
      const size_t end = model.find('"', i + 1);
      if (end == std::string::npos) return "unterminated \"text\" in date format " + quoted(model);
      format.elements_.push_back({Part::kText, model.substr(i + 1, end - i - 1)});
      i = end + 1;
    } else if (is_separator(c)) {
      format.elements_.push_back({Part::kText, std::string(1, c)});
      ++i;
    } else if (std::isalnum(static_cast<unsigned char>(c))) {
      bool matched = false;
      for (const auto& [name, part] : kElements) {
        if (upper_model.compare(i, std::char_traits<char>::length(name), name) != 0) continue;
        format.elements_.push_back({part, name});
        i += std::char_traits<char>::length(name);
        matched = true;
        break;
      }
      if (!matched) {
        size_t end = i;
        while (end < model.size() && std::isalnum(static_cast<unsigned char>(model[end]))) ++end;
        return "date format element '" + model.substr(i, end - i) + "' in " + quoted(model) + " is not supported" +
               kSupported;
      }
    } else {
      return std::string("character '") + c + "' in date format " + quoted(model) + " is not supported" + kSupported;
    }
  }
  *out = std::move(format);
  return "";
}

std::string DateFormat::from_account_preference(const std::string& name, DateFormat* out) {
  std::string known;
  for (const char* candidate : kAccountDateFormats) {
    if (name != candidate) {
      known += (known.empty() ? "" : ", ") + std::string(candidate);
      continue;
    }
    DateFormat format;
    format.text_ = name;
    for (size_t i = 0; i < name.size();) {
      size_t run = 1;
      while (i + run < name.size() && name[i + run] == name[i]) ++run;
      const std::string element = name.substr(i, run);
      if (element == "YYYY") format.elements_.push_back({Part::kYear, element});
      else if (element[0] == 'M') format.elements_.push_back({Part::kMonth, element, run == 2});
      else if (element[0] == 'D') format.elements_.push_back({Part::kDay, element, run == 2});
      else format.elements_.push_back({Part::kText, element});
      i += run;
    }
    *out = std::move(format);
    return "";
  }
  return "unknown date format '" + name + "' (one of: " + known + ")";
}

bool DateFormat::has_date() const {
  int found = 0;
  for (const auto& e : elements_)
    found |= e.part == Part::kYear ? 1 : e.part == Part::kMonth ? 2 : e.part == Part::kDay ? 4 : 0;
  return found == 7;
}

bool DateFormat::has_fraction() const {
  for (const auto& e : elements_)
    if (e.part == Part::kMillis) return true;
  return false;
}

std::string DateFormat::format(int64_t epoch_ms) const {
  using namespace std::chrono;
  const int64_t day = epoch_ms >= 0 ? epoch_ms / kMsPerDay : (epoch_ms - kMsPerDay + 1) / kMsPerDay;
  const int64_t in_day = epoch_ms - day * kMsPerDay;
  const year_month_day date{sys_days{days{day}}};
  auto number = [](int64_t value, int width) {
    std::string digits = std::to_string(value);
    return digits.size() < static_cast<size_t>(width) ? std::string(width - digits.size(), '0') + digits : digits;
  };
  std::string out;
  for (const auto& e : elements_) {
    switch (e.part) {
      case Part::kYear: out += number(static_cast<int>(date.year()), 4); break;
      case Part::kMonth: out += number(static_cast<unsigned>(date.month()), e.padded ? 2 : 1); break;
      case Part::kDay: out += number(static_cast<unsigned>(date.day()), e.padded ? 2 : 1); break;
      case Part::kHour: out += number(in_day / 3'600'000, 2); break;
      case Part::kMinute: out += number(in_day / 60'000 % 60, 2); break;
      case Part::kSecond: out += number(in_day / 1000 % 60, 2); break;
      case Part::kMillis: out += number(in_day % 1000, 3); break;
      case Part::kText: out += e.text; break;
    }
  }
  return out;
}

std::string DateFormat::parse(const std::string& text, int64_t* epoch_ms) const {
  using namespace std::chrono;
  int fields[7] = {1970, 1, 1, 0, 0, 0, 0};  // indexed by Part
  bool seen[7] = {};
  size_t pos = 0;
  auto where = [&] { return " at position " + std::to_string(pos + 1); };
  for (const auto& e : elements_) {
    if (e.part == Part::kText) {
      if (text.compare(pos, e.text.size(), e.text) != 0) return "expected '" + e.text + "'" + where();
      pos += e.text.size();
      continue;
    }
    const int index = static_cast<int>(e.part);
    if (seen[index]) return "format element '" + e.text + "' appears twice";
    seen[index] = true;
    const size_t min_digits = e.part == Part::kYear ? 4 : 1;
    const size_t max_digits = e.part == Part::kYear ? 4 : e.part == Part::kMillis ? 3 : 2;
    size_t n = 0;
    int value = 0;
    while (n < max_digits && pos + n < text.size() && std::isdigit(static_cast<unsigned char>(text[pos + n])))
      value = value * 10 + (text[pos + n++] - '0');
    if (n < min_digits)
      return "expected " + e.text + " (" + (min_digits == 4 ? "4 digits" : "a number") + ")" + where();
    if (e.part == Part::kMillis)
      for (size_t k = n; k < 3; ++k) value *= 10;  // FF3 "5" is .500
    fields[index] = value;
    pos += n;
  }
  if (pos != text.size()) return "unexpected '" + text.substr(pos) + "' after the format's end" + where();
  const year_month_day date{year{fields[0]}, month{static_cast<unsigned>(fields[1])},
                            day{static_cast<unsigned>(fields[2])}};
  if (fields[1] < 1 || fields[1] > 12) return "month " + std::to_string(fields[1]) + " is not 1..12";
  if (!date.ok()) return "day " + std::to_string(fields[2]) + " is not in " + std::to_string(fields[0]) + "-" +
                         std::to_string(fields[1]);
  if (fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return "the time is not a valid time of day";
  const int64_t day_number = sys_days{date}.time_since_epoch().count();
  *epoch_ms = day_number * kMsPerDay + fields[3] * 3'600'000LL + fields[4] * 60'000LL + fields[5] * 1000LL + fields[6];
  return "";
}

// ---- the query --------------------------------------------------------------

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
    } else if (std::isdigit(c) ||
               (c == '-' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
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
      // no items means all columns
    } else {
      do {
        SuiteQlSelectItem item;
        if (std::string error = parse_select_item(&item); !error.empty()) return error;
        query->items.push_back(std::move(item));
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
        if (!is_name(peek())) return "expected a column name in ORDER BY";
        if (is_call()) return unsupported_function();
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
  // col [[AS] alias] | TO_CHAR(col, 'model') [AS] alias
  std::string parse_select_item(SuiteQlSelectItem* item) {
    if (!is_name(peek())) return "expected a column name";
    if (is_call() && peek().text == "to_char") {
      next();
      next();  // (
      if (!is_name(peek()) || is_call()) return "TO_CHAR takes a date column here: TO_CHAR(column, 'model')";
      item->column = next().text;
      if (!take_symbol(",") || peek().kind != TokenKind::kString)
        return "TO_CHAR(" + item->column + ") needs a format model here: TO_CHAR(" + item->column +
               ", 'YYYY-MM-DD\"T\"HH24:MI:SS')";
      DateFormat format;
      if (std::string why = DateFormat::from_model(next().text, &format); !why.empty()) return "TO_CHAR: " + why;
      if (!take_symbol(")")) return "expected ) after TO_CHAR's format model";
      item->to_char = std::move(format);
    } else if (is_call()) {
      return unsupported_function();
    } else {
      item->column = next().text;
    }
    const bool as = take_word("as");
    if (is_name(peek()) && !is_call()) item->alias = next().text;
    else if (as) return "expected an alias after AS";
    if (item->to_char && item->alias.empty())
      return "TO_CHAR(" + item->column + ", '" + item->to_char->text() +
             "') needs a column alias (TO_CHAR(...) AS name): the simulator does not name unnamed expressions";
    return "";
  }

  std::string parse_condition(SuiteQlCondition* condition) {
    if (!is_name(peek())) return "expected a column name in WHERE";
    if (is_call()) return unsupported_function();
    condition->column = next().text;
    for (const char* op : {"=", ">", ">=", "<", "<=", "<>"}) {
      if (!take_symbol(op)) continue;
      condition->op = op;
      condition->values.emplace_back();
      return parse_value(std::string("after ") + op, &condition->values.back());
    }
    if (!take_word("in")) return "only =, <>, <, <=, >, >= and IN are supported in WHERE";
    condition->op = "in";
    if (!take_symbol("(")) return "expected ( after IN";
    do {
      condition->values.emplace_back();
      if (std::string error = parse_value("in IN (...)", &condition->values.back()); !error.empty()) return error;
    } while (take_symbol(","));
    if (!take_symbol(")")) return "expected ) after the IN list";
    return "";
  }

  // 'text' | number | TO_TIMESTAMP('text', 'model') | TO_DATE('text', 'model')
  std::string parse_value(const std::string& where, SuiteQlValue* value) {
    if (peek().kind == TokenKind::kString || peek().kind == TokenKind::kNumber) {
      value->is_number = peek().kind == TokenKind::kNumber;
      value->text = next().text;
      return "";
    }
    if (!is_call() || (peek().text != "to_timestamp" && peek().text != "to_date"))
      return is_call() ? unsupported_function() : "expected a literal " + where;
    const std::string function = upper(next().text);
    next();  // (
    if (peek().kind != TokenKind::kString) return function + " takes a string here: " + function + "('text', 'model')";
    const std::string text = next().text;
    if (!take_symbol(",") || peek().kind != TokenKind::kString)
      return function + "(" + quoted(text) + ") needs a format model here: " + function + "(" + quoted(text) +
             ", 'YYYY-MM-DD\"T\"HH24:MI:SS')";
    const std::string model = next().text;
    if (!take_symbol(")")) return "expected ) after " + function + "'s format model";
    value->text = function + "(" + quoted(text) + ", " + quoted(model) + ")";
    DateFormat format;
    if (std::string why = DateFormat::from_model(model, &format); !why.empty()) return function + ": " + why;
    if (!format.has_date()) return value->text + ": the format model must give YYYY, MM and DD";
    if (function == "TO_DATE" && format.has_fraction())
      return value->text + ": a DATE has no fractional seconds (FF3); use TO_TIMESTAMP";
    int64_t instant = 0;
    if (std::string why = format.parse(text, &instant); !why.empty())
      return value->text + ": the text does not match the format: " + why;
    value->instant = instant;
    return "";
  }

  std::string unsupported_function() const {
    return "function " + upper(peek().text) +
           "() is not supported here (TO_CHAR(date column, 'model') AS alias in the select list; "
           "TO_TIMESTAMP/TO_DATE('text', 'model') as a value in WHERE)";
  }

  static bool is_keyword(const std::string& word) {
    return word == "select" || word == "from" || word == "where" || word == "and" || word == "in" ||
           word == "or" || word == "order" || word == "by" || word == "not" || word == "asc" || word == "desc" ||
           word == "group" || word == "join" || word == "on" || word == "as";
  }
  static bool is_name(const Token& t) { return t.kind == TokenKind::kWord && !is_keyword(t.text); }
  // A word followed by "(": a function call.
  bool is_call() const {
    return is_name(peek()) && pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].kind == TokenKind::kSymbol &&
           tokens_[pos_ + 1].text == "(";
  }

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
