#include "platform/core/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>

namespace sb {
namespace {

constexpr const char* kOverrideOrigin = "--set";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* type_name(SettingType t) {
  switch (t) {
    case SettingType::kString: return "string";
    case SettingType::kInt: return "integer";
    case SettingType::kBool: return "boolean";
    case SettingType::kDuration: return "duration";
    case SettingType::kBytes: return "size";
    case SettingType::kPath: return "path";
  }
  return "?";
}

const char* type_hint(SettingType t) {
  switch (t) {
    case SettingType::kString: return "string";
    case SettingType::kInt: return "integer";
    case SettingType::kBool: return "boolean: true/false, yes/no, on/off, 1/0";
    case SettingType::kDuration: return "duration: 250ms, 30s, 5m, 2h, 1d; a bare number is milliseconds";
    case SettingType::kBytes: return "size: 512, 64KiB, 16MiB, 10GiB; KB/MB/GB are powers of 1000";
    case SettingType::kPath: return "path";
  }
  return "?";
}

// Unsigned decimal digits of `s` into *out; false on anything else or overflow.
bool parse_digits(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Splits "30s" / "16 MiB" into the number and its unit.
void split_unit(std::string_view s, std::string_view* number, std::string_view* unit) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  *number = s.substr(0, i);
  *unit = trim(s.substr(i));
}

bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

Status parse_int(const std::string& text, int64_t* number) {
  std::string_view s = trim(text);
  bool negative = !s.empty() && s.front() == '-';
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  int64_t v = 0;
  if (!parse_digits(s, &v)) {
    return Status::InvalidArgument("expected an integer like 42 or -1, got '" + text + "'");
  }
  *number = negative ? -v : v;
  return Status::Ok();
}

Status parse_bool(const std::string& text, int64_t* number) {
  std::string v = lower(trim(text));
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    *number = 1;
  } else if (v == "false" || v == "no" || v == "off" || v == "0") {
    *number = 0;
  } else {
    return Status::InvalidArgument("expected true or false (or yes/no, on/off, 1/0), got '" + text + "'");
  }
  return Status::Ok();
}

Status parse_duration(const std::string& text, int64_t* number) {
  std::string_view digits, unit;
  split_unit(trim(text), &digits, &unit);
  int64_t n = 0;
  int64_t scale = 0;
  if (unit.empty() || unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  if (scale == 0 || !parse_digits(digits, &n)) {
    return Status::InvalidArgument("expected a duration like 30s or 500ms, got '" + text + "'");
  }
  if (!checked_mul(n, scale, number)) return Status::InvalidArgument("duration '" + text + "' is too large");
  return Status::Ok();
}

Status parse_bytes(const std::string& text, int64_t* number) {
  std::string_view digits, unit_text;
  split_unit(trim(text), &digits, &unit_text);
  const std::string unit = lower(unit_text);
  struct Unit {
    const char* name;
    int64_t scale;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},          {"b", 1},
      {"kib", 1LL << 10}, {"mib", 1LL << 20}, {"gib", 1LL << 30}, {"tib", 1LL << 40},
      {"kb", 1'000},    {"mb", 1'000'000},  {"gb", 1'000'000'000}, {"tb", 1'000'000'000'000},
  };
  int64_t scale = 0;
  for (const Unit& u : kUnits) {
    if (unit == u.name) scale = u.scale;
  }
  int64_t n = 0;
  if (scale == 0 || !parse_digits(digits, &n)) {
    return Status::InvalidArgument("expected a size like 512, 64KiB or 16MiB, got '" + text + "'");
  }
  if (!checked_mul(n, scale, number)) return Status::InvalidArgument("size '" + text + "' is too large");
  return Status::Ok();
}

// Optimal string alignment distance: edits plus transpositions, the usual typos.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string_view last_segment(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// The closest declared name, or "" when nothing is close enough to be a typo.
std::string suggest(const std::string& key, const SettingTable& table) {
  const std::string wanted = lower(key);
  const Setting* best = nullptr;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const Setting& s : table) {
    size_t d = edit_distance(wanted, lower(s.name));
    if (d < best_distance) {
      best_distance = d;
      best = &s;
    }
  }
  if (best && best_distance <= std::max<size_t>(2, key.size() / 4)) return best->name;
  // "keepalive" for "mqtt.keepalive": the section was left out.
  const Setting* by_segment = nullptr;
  for (const Setting& s : table) {
    if (lower(last_segment(s.name)) == lower(last_segment(key))) {
      if (by_segment) return "";  // ambiguous
      by_segment = &s;
    }
  }
  return by_segment ? by_segment->name : "";
}

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// A value in file syntax: bare text up to a '#' comment, or a double-quoted string
// (\" and \\ escaped) that keeps spaces and '#'. `comments` is false for --set values.
Status parse_value_text(std::string_view raw, bool comments, std::string* out) {
  std::string_view s = trim(raw);
  if (s.empty() || s.front() != '"') {
    if (comments) {
      size_t hash = s.find('#');
      if (hash != std::string_view::npos) s = trim(s.substr(0, hash));
    }
    *out = std::string(s);
    return Status::Ok();
  }
  std::string value;
  size_t i = 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
    value += s[i];
  }
  if (i >= s.size()) return Status::InvalidArgument("unterminated quoted value");
  std::string_view rest = trim(s.substr(i + 1));
  if (!rest.empty() && !(comments && rest.front() == '#')) {
    return Status::InvalidArgument("unexpected text after the closing quote: '" + std::string(rest) + "'");
  }
  *out = std::move(value);
  return Status::Ok();
}

// Quotes a value only when reading it back bare would change it.
std::string render_value(const std::string& v) {
  bool needs_quotes = !v.empty() && (std::isspace(static_cast<unsigned char>(v.front())) ||
                                     std::isspace(static_cast<unsigned char>(v.back())) ||
                                     v.front() == '"' || v.find('#') != std::string::npos);
  if (!needs_quotes) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string key_line(const std::string& name, const std::string& value) {
  std::string line = name + " =";
  if (!value.empty()) line += " " + render_value(value);
  return line;
}

// Parses and checks a value from the file or --set. Values left at their
// defaults are checked once everything is loaded (Config::load).
Status accept_value(const Setting& s, const std::string& text, int64_t* number) {
  SB_RETURN_IF_ERROR(parse_setting_value(s.type, text, number));
  if (s.check) {
    std::string why = s.check(text);
    if (!why.empty()) return Status::InvalidArgument(why);
  }
  return Status::Ok();
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "config: programming error: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

Status parse_setting_value(SettingType type, const std::string& text, int64_t* number) {
  int64_t scratch = 0;
  if (number == nullptr) number = &scratch;
  switch (type) {
    case SettingType::kString:
    case SettingType::kPath: *number = 0; return Status::Ok();
    case SettingType::kInt: return parse_int(text, number);
    case SettingType::kBool: return parse_bool(text, number);
    case SettingType::kDuration: return parse_duration(text, number);
    case SettingType::kBytes: return parse_bytes(text, number);
  }
  return Status::Internal("unknown setting type");
}

Result<Config> Config::parse(const std::string& text, const SettingTable& table, const std::string& origin) {
  Config config;
  config.table_ = std::make_shared<const SettingTable>(table);
  for (const Setting& s : *config.table_) {
    if (config.values_.count(s.name)) return Status::Internal("setting table declares '" + s.name + "' twice");
    Value v{&s, s.default_value};
    Status st = parse_setting_value(s.type, s.default_value, &v.number);
    if (!st.ok()) return Status::Internal("setting table: default of " + s.name + ": " + st.message());
    config.values_.emplace(s.name, std::move(v));
  }

  std::map<std::string, int> first_line;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = origin + ":" + std::to_string(line_no) + ": ";
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(where + "expected 'key = value', got '" + std::string(l) + "'");
    }
    const std::string key(trim(l.substr(0, eq)));
    if (!valid_key(key)) {
      return Status::InvalidArgument(where + "'" + key + "' is not a setting name (letters, digits, '.', '_', '-')");
    }
    auto it = config.values_.find(key);
    if (it == config.values_.end()) {
      std::string hint = suggest(key, table);
      return Status::InvalidArgument(where + "unknown setting '" + key + "'" +
                                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    auto [seen, inserted] = first_line.emplace(key, line_no);
    if (!inserted) {
      return Status::InvalidArgument(where + key + ": set twice (first on line " + std::to_string(seen->second) +
                                     ")");
    }
    Value& v = it->second;
    std::string value;
    Status st = parse_value_text(l.substr(eq + 1), /*comments=*/true, &value);
    if (st.ok()) st = accept_value(*v.setting, value, &v.number);
    if (!st.ok()) return Status::InvalidArgument(where + key + ": " + st.message());
    v.text = std::move(value);
  }
  return config;
}

Result<Config> Config::load(const std::string& path, const SettingTable& table,
                            const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::string text;
  if (!path.empty()) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      int err = errno;
      std::string why = path + ": cannot read: " + std::strerror(err);
      return err == ENOENT ? Status::NotFound(why) : Status::IoError(why);
    }
    std::ostringstream buf;
    buf << file.rdbuf();
    if (file.bad()) return Status::IoError(path + ": read failed");
    text = buf.str();
  }
  Result<Config> loaded = parse(text, table, path.empty() ? "config" : path);
  if (!loaded.ok()) return loaded;
  Config& config = loaded.value();
  for (const auto& [key, raw] : overrides) {
    const std::string where = std::string(kOverrideOrigin) + " " + key + ": ";
    auto it = config.values_.find(key);
    if (it == config.values_.end()) {
      std::string hint = suggest(key, table);
      return Status::InvalidArgument(std::string(kOverrideOrigin) + ": unknown setting '" + key + "'" +
                                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    Value& v = it->second;
    std::string value;
    Status st = parse_value_text(raw, /*comments=*/false, &value);
    if (st.ok()) st = accept_value(*v.setting, value, &v.number);
    if (!st.ok()) return Status::InvalidArgument(where + st.message());
    v.text = std::move(value);
  }
  // A setting left at its default must pass its check too: that is how a
  // required setting with no sensible default (a site id, the ERP's URL) is
  // reported by --check-config rather than at the first request.
  for (const Setting& s : table) {
    if (!s.check) continue;
    const Value& v = config.values_.at(s.name);
    std::string why = s.check(v.text);
    if (!why.empty()) {
      return Status::InvalidArgument((path.empty() ? std::string("config") : path) + ": " + s.name + ": " + why +
                                     (v.text.empty() ? " (it is not set)" : ""));
    }
  }
  return loaded;
}

const Config::Value& Config::get(const std::string& name, SettingType type) const {
  auto it = values_.find(name);
  if (it == values_.end()) die("no setting named '" + name + "' in the table");
  SettingType actual = it->second.setting->type;
  bool string_like = [](SettingType t) { return t == SettingType::kString || t == SettingType::kPath; }(actual);
  bool ok = actual == type || (type == SettingType::kString && string_like);
  if (!ok) {
    die("setting '" + name + "' is a " + type_name(actual) + ", read as a " + type_name(type));
  }
  return it->second;
}

const std::string& Config::str(const std::string& name) const { return get(name, SettingType::kString).text; }
int64_t Config::integer(const std::string& name) const { return get(name, SettingType::kInt).number; }
bool Config::flag(const std::string& name) const { return get(name, SettingType::kBool).number != 0; }
Millis Config::duration(const std::string& name) const { return Millis(get(name, SettingType::kDuration).number); }
uint64_t Config::bytes(const std::string& name) const {
  return static_cast<uint64_t>(get(name, SettingType::kBytes).number);
}

std::string Config::example(const SettingTable& table, const std::string& title) {
  std::string out = "# " + title + "\n";
  out += "#\n# Every setting is listed with its description, type and default.\n";
  out += "# Settings with a default are commented out; remove the '#' to change one.\n";
  out += "# Values may be double-quoted to keep leading or trailing spaces or a '#'.\n";
  for (const Setting& s : table) {
    out += "\n";
    std::istringstream desc(s.description);
    std::string line;
    while (std::getline(desc, line)) out += "# " + line + "\n";
    out += std::string("# type: ") + type_hint(s.type);
    if (s.secret) out += "; secret, never printed";
    out += "\n";
    if (s.default_value.empty()) {
      // Nothing to fall back on: the line is left active for the operator to fill in.
      out += key_line(s.name, "") + "\n";
    } else {
      out += "# " + key_line(s.name, s.default_value) + "\n";
    }
  }
  return out;
}

std::string Config::effective() const {
  std::string out;
  if (!table_) return out;
  for (const Setting& s : *table_) {
    const Value& v = values_.at(s.name);
    if (s.secret && !v.text.empty()) {
      out += s.name + " = ********\n";
    } else {
      out += key_line(s.name, v.text) + "\n";
    }
  }
  return out;
}

}  // namespace sb
