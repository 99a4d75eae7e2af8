// Topic matching under MQTT 3.1.1 rules (section 4.7).
#include <string>
#include <string_view>
#include <vector>

#include "platform/mqtt/topic_rules.h"
#include "platform/mqtt/transport.h"

namespace sb {
namespace {

constexpr size_t kMaxTopicBytes = 65535;  // the length prefix on the wire is 16 bits

// "a//b" has three levels, the middle one empty; "/a" starts with an empty level.
std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

bool plain_text(std::string_view s) {
  return !s.empty() && s.size() <= kMaxTopicBytes && s.find('\0') == std::string_view::npos;
}

}  // namespace

bool mqtt_topic_name_valid(std::string_view topic) {
  return plain_text(topic) && topic.find_first_of("+#") == std::string_view::npos;
}

bool mqtt_filter_valid(std::string_view filter) {
  if (!plain_text(filter)) return false;
  const auto parts = levels(filter);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view level = parts[i];
    if (level == "+") continue;
    if (level == "#") {
      if (i + 1 != parts.size()) return false;
      continue;
    }
    if (level.find_first_of("+#") != std::string_view::npos) return false;
  }
  return true;
}

bool mqtt_topic_matches(const std::string& filter, const std::string& topic) {
  if (!mqtt_filter_valid(filter) || !mqtt_topic_name_valid(topic)) return false;
  // $SYS and other server topics are not caught by a filter that starts with a
  // wildcard, so "#" subscribers do not receive broker internals (4.7.2).
  if (topic[0] == '$' && (filter[0] == '+' || filter[0] == '#')) return false;

  const auto f = levels(filter);
  const auto t = levels(topic);
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent: "a/#" matches "a"
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return f.size() == t.size();
}

}  // namespace sb
