#include "sim_options.h"

#include <cstdlib>
#include <functional>
#include <sstream>

namespace sb::clarus_sim {
namespace {

enum class Kind { kFlag, kText, kInt, kRate };

struct Setting {
  const char* name;  // without the leading "--"
  Kind kind;
  const char* value_name;
  const char* description;
  double min, max;  // for kInt and kRate
  std::function<void(SimOptions&, const std::string&, double)> apply;
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"bind", Kind::kText, "ADDR", "address to listen on (default 127.0.0.1)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.bind = v; }},
      {"port", Kind::kInt, "N", "port to listen on; 0 = any free port (default 0)", 0, 65535,
       [](SimOptions& o, const std::string&, double n) { o.port = static_cast<int>(n); }},
      {"port-file", Kind::kText, "PATH", "write the bound port here once listening", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.port_file = v; }},
      {"client-id", Kind::kText, "ID", "OAuth client id (default stockbridge)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.client_id = v; }},
      {"client-secret", Kind::kText, "SECRET", "OAuth client secret (default stockbridge-secret)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.client_secret = v; }},
      {"subdomain", Kind::kText, "NAME", "tenant: the X-Clarus-Subdomain every call must carry (default stockbridge)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.subdomain = v; }},
      {"token-ttl", Kind::kInt, "S", "access token lifetime in seconds (default 3600)", 1, 100000000,
       [](SimOptions& o, const std::string&, double n) { o.token_ttl_s = static_cast<int64_t>(n); }},
      {"seed", Kind::kInt, "N", "seed of every random choice; same seed + same inputs = same actions (default 1)", 0, 2e9,
       [](SimOptions& o, const std::string&, double n) { o.seed = static_cast<uint64_t>(n); }},
      {"rate", Kind::kRate, "PER_S", "warehouse actions per second; 0 = only POST /_sim/warehouse/step (default 0)", 0, 1000,
       [](SimOptions& o, const std::string&, double n) { o.rate = n; }},
      {"seed-products", Kind::kInt, "N", "products SKU-0001..SKU-N with stock at start and reset (default 20)", 0, 100000,
       [](SimOptions& o, const std::string&, double n) { o.seed_products = static_cast<int>(n); }},
      {"rest-prefix", Kind::kText, "PATH", "REST path prefix (default /api; e.g. /api/v1)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.rest_prefix = v; }},
      {"webhook-url", Kind::kText, "URL", "create automations for all six triggers posting here", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.webhook_url = v; }},
      {"automation-id-base", Kind::kInt, "N", "automation ids are N+1, N+2, ... (default 1000)", 0, 1e9,
       [](SimOptions& o, const std::string&, double n) { o.automation_id_base = static_cast<int64_t>(n); }},
      {"api-domain", Kind::kText, "HOST", "X-ClarusWMS-API-Domain on webhooks (default clarus-api.com)", 0, 0,
       [](SimOptions& o, const std::string& v, double) { o.api_domain = v; }},
      {"duplicate-webhooks", Kind::kRate, "RATE", "share of webhooks delivered twice (default 0.05)", 0, 1,
       [](SimOptions& o, const std::string&, double n) { o.duplicate_webhooks_rate = n; }},
      {"drop-webhooks", Kind::kRate, "RATE", "share of webhooks never sent (default 0)", 0, 1,
       [](SimOptions& o, const std::string&, double n) { o.drop_webhooks_rate = n; }},
      {"webhook-attempts", Kind::kInt, "N", "tries per webhook on non-2xx before it counts failed (default 4)", 1, 100,
       [](SimOptions& o, const std::string&, double n) { o.webhook_attempts = static_cast<int>(n); }},
      {"webhook-retry-ms", Kind::kInt, "MS", "first webhook retry delay, doubling per attempt (default 500)", 0, 600000,
       [](SimOptions& o, const std::string&, double n) { o.webhook_retry_ms = static_cast<int64_t>(n); }},
      {"threads", Kind::kInt, "N", "server threads (default 16)", 1, 1024,
       [](SimOptions& o, const std::string&, double n) { o.server_threads = static_cast<int>(n); }},
      {"help", Kind::kFlag, "", "print this help", 0, 0, [](SimOptions& o, const std::string&, double) { o.help = true; }},
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
    const std::string& arg = args[i];
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
    double number = 0;
    if (s->kind == Kind::kInt || s->kind == Kind::kRate) {
      char* end = nullptr;
      number = std::strtod(value.c_str(), &end);
      bool whole = s->kind == Kind::kRate || number == static_cast<double>(static_cast<int64_t>(number));
      if (value.empty() || *end != '\0' || !whole || number < s->min || number > s->max) {
        std::ostringstream why;
        why << "--" << name << " must be " << (s->kind == Kind::kInt ? "an integer" : "a number") << " from " << s->min
            << " to " << s->max << ", got '" << value << "'";
        parsed.error = why.str();
        return parsed;
      }
    }
    s->apply(parsed.options, value, number);
  }
  return parsed;
}

std::string usage() {
  std::ostringstream out;
  out << "usage: stockbridge-clarus-sim [options]\n"
         "A Clarus WMS simulator: OAuth, REST, GraphQL, webhook automations, a scripted warehouse and\n"
         "fault injection (admin endpoints under /_sim). See tests/sim/clarus/README.md.\n\n";
  for (const auto& s : settings()) {
    std::string left = std::string("  --") + s.name + (s.kind == Kind::kFlag ? "" : std::string(" ") + s.value_name);
    out << left;
    if (left.size() < 30) out << std::string(30 - left.size(), ' ');
    else out << "\n" << std::string(30, ' ');
    out << s.description << "\n";
  }
  return out.str();
}

}  // namespace sb::clarus_sim
