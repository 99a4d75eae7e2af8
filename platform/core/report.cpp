#include "platform/core/report.h"

#include <cstdio>

#include "platform/core/clock.h"

namespace sb {

Json json_count(uint64_t v) { return Json::number(static_cast<int64_t>(v)); }

Json json_time(int64_t unix_ms) { return unix_ms > 0 ? Json::string(format_iso8601(unix_ms)) : Json(); }

Json json_text(const std::string& s) { return s.empty() ? Json() : Json::string(s); }

void metric_header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void metric_value(std::string& out, const std::string& name, double value, const std::string& labels) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += name + labels + " " + buf + "\n";
}

void metric(std::string& out, const std::string& name, const char* type, const char* help, double value) {
  metric_header(out, name, type, help);
  metric_value(out, name, value);
}

}  // namespace sb
