// Configuration from one file, driven by a declared table of settings.
//
// Each component declares its settings once (name, type, default, description);
// the same table parses the file, validates it (naming the bad key and why),
// answers --check-config and renders the commented example config.
//
// File format: one `key = value` per line, `#` starts a comment, blank lines
// ignored, keys are dotted names (`mqtt.server_uri`). Values may be quoted with
// double quotes to keep leading/trailing spaces or a '#'. Thread-safety: a loaded
// Config is immutable and may be read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"

namespace sb {

enum class SettingType {
  kString,
  kInt,       // decimal integer, may be negative
  kBool,      // true/false, yes/no, on/off, 1/0
  kDuration,  // 250ms, 30s, 5m, 2h, 1d; a bare number is milliseconds
  kBytes,     // 512, 64KiB, 16MiB, 10GiB (also KB/MB/GB as powers of 1000)
  kPath,      // a file or directory path (not checked for existence)
};

struct Setting {
  std::string name;
  SettingType type;
  std::string default_value;  // in file syntax; "" for string/path means unset
  std::string description;
  // Optional extra check of a value that parsed; returns "" when fine, else why not.
  std::function<std::string(const std::string& value)> check = nullptr;
  bool secret = false;  // never printed by --print-config
};

using SettingTable = std::vector<Setting>;

class Config {
 public:
  // Loads `path` (may be empty: defaults only) and then applies `overrides`
  // (key=value pairs, e.g. from --set on the command line). Errors name the
  // file, line, key and why: "agent.conf:7: mqtt.keepalive: expected a duration
  // like 30s or 500ms, got 'abc'". Unknown keys are errors, with a suggestion.
  static Result<Config> load(const std::string& path, const SettingTable& table,
                             const std::vector<std::pair<std::string, std::string>>& overrides = {});
  // Same, from text (for tests and embedded defaults).
  static Result<Config> parse(const std::string& text, const SettingTable& table, const std::string& origin = "config");

  // Typed getters. Asking for a name not in the table, or with the wrong type, is a
  // programming error and aborts with a message.
  const std::string& str(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  bool flag(const std::string& name) const;
  Millis duration(const std::string& name) const;
  uint64_t bytes(const std::string& name) const;

  // The commented example config: every setting, its description, its default.
  static std::string example(const SettingTable& table, const std::string& title);
  // The effective values, one `key = value` per line, secrets masked.
  std::string effective() const;

 private:
  struct Value {
    const Setting* setting;
    std::string text;
    int64_t number = 0;  // parsed int / duration ms / bytes / bool (0 or 1)
  };
  const Value& get(const std::string& name, SettingType type) const;
  std::map<std::string, Value> values_;
  std::shared_ptr<const SettingTable> table_;
};

// Parses a single value of a type; used by Config and by tests. Returns why on failure.
Status parse_setting_value(SettingType type, const std::string& text, int64_t* number);

}  // namespace sb
