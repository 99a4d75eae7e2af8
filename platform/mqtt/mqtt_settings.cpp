#include "platform/mqtt/mqtt_settings.h"

#include "platform/core/program.h"

namespace sb {

SettingTable mqtt_settings(const std::string& client_id_description) {
  auto not_empty = [](const std::string& v) { return v.empty() ? std::string("must be set") : std::string(); };
  return {
      {"mqtt.server_uri", SettingType::kString, "tcp://127.0.0.1:1883", "Broker address: tcp://host:port, or ssl://host:port for TLS.", not_empty},
      {"mqtt.client_id", SettingType::kString, "", client_id_description},
      {"mqtt.username", SettingType::kString, "", "MQTT user name, if the broker wants one."},
      {"mqtt.password_file", SettingType::kPath, "", "File holding the MQTT password."},
      {"mqtt.ca_file", SettingType::kPath, "", "CA certificate(s) that sign the broker's certificate (TLS)."},
      {"mqtt.cert_file", SettingType::kPath, "", "This program's client certificate (TLS); its identity is the site id (or the relay's id)."},
      {"mqtt.key_file", SettingType::kPath, "", "The private key of that certificate (TLS); it never leaves this machine."},
      {"mqtt.keepalive", SettingType::kDuration, "20s", "MQTT keepalive; a dead link is noticed within about 1.5x this."},
  };
}

Result<MqttOptions> mqtt_options_from(const Config& cfg, const std::string& default_client_id) {
  Result<std::string> password = read_secret_file(cfg.str("mqtt.password_file"));
  if (!password.ok()) return Status::InvalidArgument("mqtt.password_file: " + password.status().message());
  MqttOptions o;
  o.server_uri = cfg.str("mqtt.server_uri");
  o.client_id = cfg.str("mqtt.client_id").empty() ? default_client_id : cfg.str("mqtt.client_id");
  o.username = cfg.str("mqtt.username");
  o.password = *password;
  o.keepalive = cfg.duration("mqtt.keepalive");
  o.tls.ca_file = cfg.str("mqtt.ca_file");
  o.tls.cert_file = cfg.str("mqtt.cert_file");
  o.tls.key_file = cfg.str("mqtt.key_file");
  o.tls.enabled = !o.tls.ca_file.empty() || !o.tls.cert_file.empty();
  return o;
}

}  // namespace sb
