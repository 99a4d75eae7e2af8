// MQTT topic syntax shared by the Paho transport and the memory twin, so both
// refuse the same malformed names before anything reaches a broker.
// Internal to platform/mqtt; callers use mqtt_topic_matches from transport.h.
#pragma once

#include <string_view>

namespace sb {

// A name to publish to: non-empty, no wildcards, no NUL, at most 65535 bytes.
bool mqtt_topic_name_valid(std::string_view topic);
// A filter to subscribe with: '+' and '#' only as whole levels, '#' only last.
bool mqtt_filter_valid(std::string_view filter);

}  // namespace sb
