// Small writers shared by the status pages (JSON) and /metrics (Prometheus
// text exposition) of the agent and the relay. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "platform/core/json.h"

namespace sb {

// A count as a JSON number.
Json json_count(uint64_t v);
// An ISO-8601 time, or null when ms is 0 (never happened).
Json json_time(int64_t unix_ms);
// The text, or null when it is empty (e.g. "no error").
Json json_text(const std::string& s);

// "# HELP" and "# TYPE" lines of one metric.
void metric_header(std::string& out, const std::string& name, const char* type, const char* help);
// One sample; labels in Prometheus form, e.g. {site="lyon-1"}, or "".
void metric_value(std::string& out, const std::string& name, double value, const std::string& labels = "");
// A metric with one unlabelled sample.
void metric(std::string& out, const std::string& name, const char* type, const char* help, double value);

}  // namespace sb
