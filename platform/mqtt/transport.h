// MessageTransport: publish/subscribe over MQTT, QoS 1, persistent session.
//
// The Paho implementation (make_paho_transport) connects asynchronously,
// reconnects with capped backoff forever, and re-subscribes every remembered
// filter on each (re)connect, so a broker restarted without its session state
// still delivers. The memory twin (MemoryBroker) routes messages in-process with
// the same topic-filter rules (+ and #), retained messages and last wills, and
// can be taken offline to simulate an outage.
//
// Delivery is at-least-once at best: the application acknowledges end to end
// (UplinkAck), so nothing here is trusted to keep a message.
// Handlers run on the transport's own thread: hand work off and return fast.
// Thread-safety: publish/subscribe/is_connected may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"

namespace sb {

struct MqttMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

struct MqttWill {
  std::string topic;   // empty = no will
  std::string payload;
  int qos = 1;
  bool retained = true;
};

struct MqttTls {
  bool enabled = false;      // also implied by an ssl:// or mqtts:// server_uri
  std::string ca_file;       // trust anchors for the broker's certificate
  std::string cert_file;     // our client certificate (its identity is the site id)
  std::string key_file;
  bool verify_server = true;
};

struct MqttOptions {
  std::string server_uri = "tcp://127.0.0.1:1883";
  std::string client_id;
  std::string username;
  std::string password;
  bool clean_session = false;           // persistent session by default
  Millis keepalive{20'000};
  Millis connect_timeout{5'000};
  Millis min_reconnect{250};
  Millis max_reconnect{10'000};
  MqttWill will;
  MqttTls tls;
};

class MessageTransport {
 public:
  using MessageHandler = std::function<void(MqttMessage message)>;
  using ConnectionHandler = std::function<void(bool connected, const std::string& reason)>;

  virtual ~MessageTransport() = default;
  // Set before start().
  virtual void on_message(MessageHandler handler) = 0;
  virtual void on_connection(ConnectionHandler handler) = 0;
  // Starts connecting in the background and returns at once. InvalidArgument
  // for a malformed server URI or unreadable TLS files.
  virtual Status start() = 0;
  // Disconnects cleanly (the will is not published) and stops reconnecting.
  // Not from inside a handler: it waits for the transport's own thread.
  virtual void stop() = 0;
  // Remembered and (re)applied on every connect. May be called before start().
  virtual Status subscribe(const std::string& filter, int qos = 1) = 0;
  // Queues one message for sending. Unavailable when not connected; the caller
  // keeps its own copy and resends later.
  virtual Status publish(const std::string& topic, const std::string& payload, int qos = 1,
                         bool retained = false) = 0;
  virtual bool is_connected() const = 0;
};

std::unique_ptr<MessageTransport> make_paho_transport(const MqttOptions& options);

// True when `topic` matches `filter` under MQTT rules (+ one level, # the rest).
bool mqtt_topic_matches(const std::string& filter, const std::string& topic);

// In-process broker for unit tests. Clients connect with connect(); delivery is
// synchronous on the publishing thread unless the broker is offline, in which
// case publish returns Unavailable and clients see a disconnect.
class MemoryBroker {
 public:
  MemoryBroker();
  ~MemoryBroker();
  // A transport bound to this broker. It connects when start() is called.
  std::unique_ptr<MessageTransport> client(const MqttOptions& options);
  // Offline: every client is disconnected (their wills fire), publishes fail.
  // Online: clients reconnect and re-subscribe.
  void set_online(bool online);
  // Retained message on a topic, if any ("" when none).
  std::string retained(const std::string& topic) const;
  uint64_t delivered() const;

  struct State;  // implementation detail, shared with the clients

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sb
