#include "platform/mqtt/paho_options.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include <MQTTAsync.h>
#include <mqtt/ssl_options.h>
#include <mqtt/will_options.h>

#include "platform/core/log.h"

namespace sb::paho {
namespace {

// Paho counts these in whole seconds; a sub-second setting must not become 0,
// which Paho reads as "no keepalive" / "no timeout".
int whole_seconds(Millis d) {
  return static_cast<int>(std::max<int64_t>(1, (d.count() + 999) / 1000));
}

bool valid_port(std::string_view text) {
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port > 0 && port <= 65535;
}

// host, host:port, [v6], [v6]:port. Returns false when malformed.
bool split_authority(std::string_view authority, std::string_view* host, std::string_view* port) {
  *port = {};
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    *host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    *port = rest.substr(1);
    return valid_port(*port);
  }
  const size_t colon = authority.find(':');
  *host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    *port = authority.substr(colon + 1);
    if (!valid_port(*port)) return false;
  }
  return !host->empty() && host->find_first_of("/?#@ ") == std::string_view::npos;
}

}  // namespace

Result<std::string> server_uri(const MqttOptions& options) {
  const std::string& uri = options.server_uri;
  const size_t sep = uri.find("://");
  if (sep == std::string::npos) return Status::InvalidArgument("server URI needs a scheme: " + uri);
  const std::string scheme = uri.substr(0, sep);
  bool tls = options.tls.enabled;
  if (scheme == "ssl" || scheme == "mqtts") {
    tls = true;
  } else if (scheme != "tcp" && scheme != "mqtt") {
    return Status::InvalidArgument("server URI scheme must be tcp, mqtt, ssl or mqtts: " + uri);
  }
  std::string_view authority(uri);
  authority.remove_prefix(sep + 3);
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  std::string_view host;
  std::string_view port;
  if (!split_authority(authority, &host, &port)) {
    return Status::InvalidArgument("server URI needs host[:port]: " + uri);
  }
  std::string out = tls ? "ssl://" : "tcp://";
  out.append(host);
  out += ':';
  out.append(port.empty() ? (tls ? "8883" : "1883") : port);
  return out;
}

bool is_tls_uri(const std::string& paho_uri) { return paho_uri.rfind("ssl://", 0) == 0; }

Status check_tls_files(const MqttTls& tls) {
  const std::pair<const char*, const std::string*> files[] = {
      {"tls ca_file", &tls.ca_file}, {"tls cert_file", &tls.cert_file}, {"tls key_file", &tls.key_file}};
  for (const auto& [name, path] : files) {
    if (!path->empty() && ::access(path->c_str(), R_OK) != 0) {
      return Status::InvalidArgument(std::string(name) + " is not readable: " + *path);
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Status::InvalidArgument("tls cert_file and key_file go together");
  }
  return Status::Ok();
}

mqtt::create_options create_options() {
  mqtt::create_options opts(MQTTVERSION_3_1_1);
  opts.set_send_while_disconnected(false);
  opts.set_max_buffered_messages(kMaxQueuedPublishes);
  return opts;
}

mqtt::connect_options connect_options(const MqttOptions& options, bool tls) {
  mqtt::connect_options opts;
  opts.set_mqtt_version(MQTTVERSION_3_1_1);
  opts.set_clean_session(options.clean_session);
  opts.set_keep_alive_interval(whole_seconds(options.keepalive));
  opts.set_connect_timeout(whole_seconds(options.connect_timeout));
  opts.set_max_inflight(kMaxInflight);
  opts.set_automatic_reconnect(false);
  if (!options.username.empty()) opts.set_user_name(options.username);
  if (!options.password.empty()) opts.set_password(options.password);
  const MqttWill& will = options.will;
  if (!will.topic.empty()) {
    opts.set_will(mqtt::will_options(will.topic, will.payload, will.qos, will.retained));
  }
  if (tls) {
    mqtt::ssl_options ssl;
    if (!options.tls.ca_file.empty()) ssl.set_trust_store(options.tls.ca_file);
    if (!options.tls.cert_file.empty()) ssl.set_key_store(options.tls.cert_file);
    if (!options.tls.key_file.empty()) ssl.set_private_key(options.tls.key_file);
    ssl.set_enable_server_cert_auth(options.tls.verify_server);
    ssl.set_verify(options.tls.verify_server);  // host name check as well as the chain
    ssl.set_error_handler([](const std::string& message) {
      log::warn("mqtt", "tls error", {{"error", message}});
    });
    opts.set_ssl(std::move(ssl));
  }
  return opts;
}

Status to_status(const mqtt::exception& e, std::string_view doing) {
  std::string message(doing);
  message += ": ";
  message += e.what();
  switch (e.get_return_code()) {
    case MQTTASYNC_DISCONNECTED:
    case MQTTASYNC_FAILURE:
    case MQTTASYNC_OPERATION_INCOMPLETE:
    case MQTTASYNC_COMMAND_IGNORED:
    case 3:  // CONNACK: server unavailable
      return Status::Unavailable(std::move(message));
    case MQTTASYNC_MAX_MESSAGES_INFLIGHT:
    case MQTTASYNC_NO_MORE_MSGIDS:
    case MQTTASYNC_MAX_BUFFERED_MESSAGES:
    case MQTTASYNC_MAX_BUFFERED:
      return Status::ResourceExhausted(std::move(message));
    case MQTTASYNC_BAD_UTF8_STRING:
    case MQTTASYNC_NULL_PARAMETER:
    case MQTTASYNC_TOPICNAME_TRUNCATED:
    case MQTTASYNC_BAD_STRUCTURE:
    case MQTTASYNC_BAD_QOS:
    case MQTTASYNC_SSL_NOT_SUPPORTED:
    case MQTTASYNC_BAD_PROTOCOL:
    case MQTTASYNC_BAD_MQTT_OPTION:
    case MQTTASYNC_WRONG_MQTT_VERSION:
    case MQTTASYNC_0_LEN_WILL_TOPIC:
    case 1:  // CONNACK: unacceptable protocol version
    case 2:  // CONNACK: identifier rejected
      return Status::InvalidArgument(std::move(message));
    case 4:  // CONNACK: bad user name or password
    case 5:  // CONNACK: not authorised
      return Status::FailedPrecondition(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

}  // namespace sb::paho
