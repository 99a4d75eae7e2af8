// The mqtt.* settings every Stockbridge program declares, and the MqttOptions
// they make: one table entry and one reading of it, not one per program.
#pragma once

#include <string>

#include "platform/core/config.h"
#include "platform/mqtt/transport.h"

namespace sb {

// mqtt.server_uri, client_id, username, password_file, ca_file, cert_file, key_file, keepalive.
SettingTable mqtt_settings(const std::string& client_id_description);

// Options from those settings (the password read from its file; TLS on when a CA
// or client certificate is named). `default_client_id` when mqtt.client_id is empty.
Result<MqttOptions> mqtt_options_from(const Config& cfg, const std::string& default_client_id);

}  // namespace sb
