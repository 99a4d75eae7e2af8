#include "sim_options.h"

#include <charconv>
#include <functional>
#include <sstream>

namespace sb::erpsim {
namespace {

enum class Kind { kFlag, kText, kInt };

struct Setting {
  const char* name;  // without the leading "--"
  Kind kind;
  const char* value_name;
  const char* description;
  int min;  // for kInt
  int max;
  std::function<void(SimOptions&, const std::string&, int)> apply;
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"bind", Kind::kText, "ADDR", "address to listen on (default 127.0.0.1)", 0, 0,
       [](SimOptions& o, const std::string& v, int) { o.bind = v; }},
      {"port", Kind::kInt, "N", "port to listen on; 0 = any free port (default 0)", 0, 65535,
       [](SimOptions& o, const std::string&, int n) { o.port = n; }},
      {"port-file", Kind::kText, "PATH", "write the bound port here once listening", 0, 0,
       [](SimOptions& o, const std::string& v, int) { o.port_file = v; }},
      {"account", Kind::kText, "ID", "NetSuite account id (default 1234567)", 0, 0,
       [](SimOptions& o, const std::string& v, int) { o.account = v; }},
      {"concurrency-limit", Kind::kInt, "N",
       "record/query requests served at once; more get 429 (default 15; 0 = unlimited)", 0, 100000,
       [](SimOptions& o, const std::string&, int n) { o.concurrency_limit = n; }},
      {"latency-ms", Kind::kInt, "MS", "added to every record/query request (default 0)", 0, 3600000,
       [](SimOptions& o, const std::string&, int n) { o.latency_ms = n; }},
      {"retry-after-s", Kind::kInt, "S", "Retry-After on 429 answers (default 1)", 0, 86400,
       [](SimOptions& o, const std::string&, int n) { o.retry_after_s = n; }},
      {"no-unique-external-id", Kind::kFlag, "",
       "accept a reused externalId instead of DUP_RCRD, so audits can see duplicates", 0, 0,
       [](SimOptions& o, const std::string&, int) { o.unique_external_id = false; }},
      {"bearer", Kind::kText, "TOKEN", "require 'Authorization: Bearer TOKEN' on record/query requests", 0, 0,
       [](SimOptions& o, const std::string& v, int) { o.bearer = v; }},
      {"seed-items", Kind::kInt, "N",
       "inventory items SKU-0001..SKU-N with ids 1000+n, plus locations 1,2,6 and account 1 (default 500)",
       0, 1000000, [](SimOptions& o, const std::string&, int n) { o.seed_items = n; }},
      {"threads", Kind::kInt, "N", "server threads (default 64)", 1, 1024,
       [](SimOptions& o, const std::string&, int n) { o.server_threads = n; }},
      {"help", Kind::kFlag, "", "print this help", 0, 0,
       [](SimOptions& o, const std::string&, int) { o.help = true; }},
  };
  return table;
}

const Setting* find_setting(const std::string& name) {
  for (const auto& s : settings()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args) {
  ParsedOptions parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      parsed.error = "unexpected argument '" + arg + "'";
      return parsed;
    }
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Setting* s = find_setting(name);
    if (!s) {
      parsed.error = "unknown option --" + name;
      return parsed;
    }
    if (s->kind == Kind::kFlag) {
      if (inline_value) {
        parsed.error = "--" + name + " takes no value";
        return parsed;
      }
      s->apply(parsed.options, "", 0);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        parsed.error = "--" + name + " needs a value (" + s->value_name + ")";
        return parsed;
      }
      value = args[++i];
    }
    int number = 0;
    if (s->kind == Kind::kInt) {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (ec != std::errc() || end != value.data() + value.size() || number < s->min || number > s->max) {
        parsed.error = "--" + name + " must be an integer in " + std::to_string(s->min) + ".." +
                       std::to_string(s->max) + ", got '" + value + "'";
        return parsed;
      }
    }
    s->apply(parsed.options, value, number);
  }
  return parsed;
}

std::string usage() {
  std::ostringstream out;
  out << "usage: stockbridge-erp-sim [options]\n"
         "A NetSuite REST record API simulator with fault injection (admin endpoints under /_sim).\n\n";
  for (const auto& s : settings()) {
    std::string left = std::string("  --") + s.name + (s.kind == Kind::kFlag ? "" : std::string(" ") + s.value_name);
    out << left;
    if (left.size() < 30) out << std::string(30 - left.size(), ' ');
    else out << "\n" << std::string(30, ' ');
    out << s.description << "\n";
  }
  return out.str();
}

}  // namespace sb::erpsim
