// Translation of MqttOptions into Paho's terms, and of Paho's errors into a
// Status. Internal to platform/mqtt: no Paho type leaves this directory.
#pragma once

#include <string>
#include <string_view>

#include <mqtt/connect_options.h>
#include <mqtt/create_options.h>
#include <mqtt/exception.h>

#include "platform/core/status.h"
#include "platform/mqtt/transport.h"

namespace sb::paho {

// Publishes Paho may hold before they are written, and QoS 1 messages it may
// have unacknowledged on the wire. Paho's default queue (100) fails any burst
// with MQTTASYNC_MAX_BUFFERED_MESSAGES even while connected; past these limits
// publish answers ResourceExhausted, which is backpressure, not loss.
constexpr int kMaxQueuedPublishes = 65535;
constexpr int kMaxInflight = 65535;  // the packet-id space of MQTT

// The URI handed to Paho: mqtt:// becomes tcp://, mqtts:// becomes ssl://,
// tcp:// becomes ssl:// when options.tls.enabled, and the port defaults to
// 1883 (8883 with TLS). InvalidArgument for anything else.
Result<std::string> server_uri(const MqttOptions& options);
bool is_tls_uri(const std::string& paho_uri);

// InvalidArgument naming the first configured TLS file that cannot be read.
Status check_tls_files(const MqttTls& tls);

// MQTT 3.1.1; nothing queued while disconnected (publish says Unavailable and
// the caller resends); a deep queue while connected (see kMaxQueuedPublishes).
mqtt::create_options create_options();

// MQTT 3.1.1, QoS-1 friendly in-flight window, will and TLS as configured.
// Reconnecting is left to the transport (see paho_transport.cpp).
mqtt::connect_options connect_options(const MqttOptions& options, bool tls);

// Converts a Paho error at the boundary where it arises.
Status to_status(const mqtt::exception& e, std::string_view doing);

}  // namespace sb::paho
