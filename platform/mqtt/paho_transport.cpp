// MessageTransport over Eclipse Paho MQTT C++ (mqtt::async_client).
//
// One thread of ours owns every (re)connect: it connects, waits until the
// connection drops, backs off (capped, jittered, in milliseconds) and connects
// again, forever, until stop(). Paho's own automatic reconnect is off on
// purpose: Paho C 1.3.12 also retries a failed *first* connect by itself when
// it is on, and MQTTAsync_connect has no guard against a connect already in
// progress, so a loop of ours on top of it would race it with duplicate
// CONNECTs; and its intervals are whole seconds. With one owner there is one
// attempt at a time, and stop() can join it before disconnecting.
//
// No Paho persistence: our journal is the persistence, and the application
// resends what the other side has not acknowledged.
//
// The MessageHandler and ConnectionHandler run on Paho's threads, which also
// carry every other client's traffic in this process: they must return fast,
// and must not call stop().
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include <mqtt/async_client.h>

#include "platform/core/backoff.h"
#include "platform/core/log.h"
#include "platform/mqtt/paho_options.h"
#include "platform/mqtt/topic_rules.h"
#include "platform/mqtt/transport.h"

namespace sb {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr char kLog[] = "mqtt";

// Paho calls handlers on its own thread, through C frames: an exception must
// stop here.
template <typename F>
void guarded(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    log::error(kLog, "handler threw", {{"handler", what}, {"error", e.what()}});
  } catch (...) {
    log::error(kLog, "handler threw", {{"handler", what}, {"error", "unknown exception"}});
  }
}

std::string random_client_id() {
  std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string id = "sb-";
  for (int i = 0; i < 16; ++i) id += kHex[rng() % 16];
  return id;
}

// A refused subscription would otherwise go unnoticed: MQTT 3.1.1 reports it
// only in the SUBACK (0x80), long after subscribe() returned.
class SubscribeListener final : public mqtt::iaction_listener {
 public:
  void on_failure(const mqtt::token& tok) override {
    log::warn(kLog, "subscribe failed", {{"filters", filters(tok)}, {"rc", tok.get_return_code()}});
  }
  void on_success(const mqtt::token& tok) override {
    try {
      const mqtt::subscribe_response response = tok.get_subscribe_response();
      for (auto code : response.get_reason_codes()) {
        if (static_cast<int>(code) >= 0x80) {
          log::warn(kLog, "subscribe refused by broker", {{"filters", filters(tok)}});
        }
      }
    } catch (const std::exception&) {
      // No response details: nothing more to report.
    }
  }

 private:
  static std::string filters(const mqtt::token& tok) {
    std::string out;
    if (auto topics = tok.get_topics()) {
      for (size_t i = 0; i < topics->size(); ++i) out += (i ? "," : "") + (*topics)[i];
    }
    return out;
  }
};

class PahoTransport final : public MessageTransport {
 public:
  explicit PahoTransport(MqttOptions options) : options_(std::move(options)) {}

  // Stops cleanly: Paho's destroy would send DISCONNECT anyway, so the will is
  // not published; a crash is what publishes it. The Paho client goes first,
  // while the members its callbacks touch are still alive.
  ~PahoTransport() override {
    stop();
    if (client_) client_->disable_callbacks();
    client_.reset();
  }

  void on_message(MessageHandler handler) override {
    if (warn_if_started("on_message")) return;
    message_handler_ = std::move(handler);
  }

  void on_connection(ConnectionHandler handler) override {
    if (warn_if_started("on_connection")) return;
    connection_handler_ = std::move(handler);
  }

  Status start() override;
  void stop() override;
  Status subscribe(const std::string& filter, int qos) override;
  Status publish(const std::string& topic, const std::string& payload, int qos, bool retained) override;

  bool is_connected() const override {
    return started_ && !stopping_ && client_->is_connected();
  }

 private:
  bool warn_if_started(const char* what) const {
    if (!started_) return false;
    log::warn(kLog, "handler set after start() ignored", {{"handler", what}});
    return true;
  }

  Status create_client(const std::string& uri, const std::string& client_id, bool tls);
  void connect_loop();
  Status connect_once();
  void wait_for_disconnect(uint64_t losses_before);
  void drain_in_flight(SteadyClock::time_point deadline);
  Status send_subscribe(const std::string& filter, int qos);
  void handle_connected(const std::string& cause);
  void handle_connection_lost(const std::string& cause);
  void handle_message(const mqtt::const_message_ptr& msg);
  void notify(bool connected, const std::string& reason);

  const MqttOptions options_;
  MessageHandler message_handler_;
  ConnectionHandler connection_handler_;
  std::string uri_;
  mqtt::connect_options connect_options_;
  std::unique_ptr<mqtt::async_client> client_;  // set once in start(), before started_
  SubscribeListener subscribe_listener_;

  // Guards filters_ and losses_; pairs with cv_ for the connect loop. Never
  // held while calling into Paho (see wait_for_disconnect).
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> filters_;
  uint64_t losses_ = 0;  // connections lost so far
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  // Orders what the ConnectionHandler hears: never "true" after stop()'s "false".
  std::mutex notify_mu_;
  bool reported_up_ = false;  // guarded by notify_mu_: the handler last heard "true"
  std::thread connector_;
};

Status PahoTransport::start() {
  if (started_) return Status::FailedPrecondition("mqtt transport already started");
  auto uri = paho::server_uri(options_);
  if (!uri.ok()) return uri.status();
  const bool tls = paho::is_tls_uri(*uri);
  if (tls) SB_RETURN_IF_ERROR(paho::check_tls_files(options_.tls));
  if (options_.client_id.empty() && !options_.clean_session) {
    return Status::InvalidArgument("a persistent session (clean_session=false) needs a client_id");
  }
  const MqttWill& will = options_.will;
  if (!will.topic.empty() && (!mqtt_topic_name_valid(will.topic) || will.qos < 0 || will.qos > 2)) {
    return Status::InvalidArgument("invalid will topic or qos: " + will.topic);
  }
  const std::string client_id = options_.client_id.empty() ? random_client_id() : options_.client_id;
  SB_RETURN_IF_ERROR(create_client(*uri, client_id, tls));
  uri_ = *uri;
  started_ = true;
  log::info(kLog, "connecting", {{"server", uri_}, {"client_id", client_id}});
  connector_ = std::thread([this] { connect_loop(); });
  return Status::Ok();
}

Status PahoTransport::create_client(const std::string& uri, const std::string& client_id, bool tls) {
  try {
    // nullptr persistence: Paho keeps nothing on disk.
    client_ = std::make_unique<mqtt::async_client>(uri, client_id, paho::create_options(), nullptr);
    connect_options_ = paho::connect_options(options_, tls);
    client_->set_connected_handler([this](const std::string& cause) { handle_connected(cause); });
    client_->set_connection_lost_handler([this](const std::string& cause) { handle_connection_lost(cause); });
    client_->set_message_callback([this](mqtt::const_message_ptr msg) { handle_message(msg); });
    return Status::Ok();
  } catch (const mqtt::exception& e) {
    return paho::to_status(e, "create mqtt client");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("create mqtt client: ") + e.what());
  }
}

void PahoTransport::stop() {
  if (!started_ || stopping_.exchange(true)) return;
  { std::lock_guard lock(mu_); }  // a waiter between its check and its wait sees stopping_
  cv_.notify_all();
  // The loop finishes any connect attempt in flight first, so no connection
  // can come up after the DISCONNECT below.
  if (connector_.joinable()) connector_.join();
  drain_in_flight(SteadyClock::now() + options_.connect_timeout);
  try {
    client_->disconnect(0)->wait_for(options_.connect_timeout);
  } catch (const mqtt::exception& e) {
    if (e.get_return_code() != MQTTASYNC_DISCONNECTED) {
      log::warn(kLog, "disconnect failed", {{"server", uri_}, {"error", e.what()}});
    }
  } catch (const std::exception& e) {
    log::warn(kLog, "disconnect failed", {{"server", uri_}, {"error", e.what()}});
  }
  log::info(kLog, "stopped", {{"server", uri_}});
  std::lock_guard lock(notify_mu_);
  if (reported_up_) notify(false, "stopped");
  reported_up_ = false;
}

// Gives QoS 1 messages already on the wire until the deadline to be
// acknowledged, so what was published just before stop() reaches the broker.
// Done here rather than with Paho's disconnect timeout: Paho C 1.3.12 holds
// such a DISCONNECT for about 3 s whenever anything was in flight, however
// short the timeout and however soon the acknowledgements came.
void PahoTransport::drain_in_flight(SteadyClock::time_point deadline) {
  for (const auto& tok : client_->get_pending_delivery_tokens()) {
    try {
      if (!tok->wait_until(deadline)) return;
    } catch (const std::exception&) {
      // That delivery failed: nothing left to wait for on it.
    }
  }
}

void PahoTransport::connect_loop() {
  Backoff backoff(BackoffPolicy{options_.min_reconnect, options_.max_reconnect});
  int failures = 0;
  while (!stopping_) {
    uint64_t losses_before;  // read before connecting: a drop right after the connect still counts
    {
      std::lock_guard lock(mu_);
      losses_before = losses_;
    }
    const Status status = connect_once();
    if (stopping_) break;
    if (status.ok()) {
      const auto connected_at = SteadyClock::now();
      wait_for_disconnect(losses_before);
      if (stopping_) break;
      // A connection that lasted starts the backoff over; one dropped at once
      // (a duplicate client id, a broker that refuses us) keeps backing off.
      if (SteadyClock::now() - connected_at >= options_.max_reconnect) failures = 0;
    } else if ((failures & (failures - 1)) == 0) {  // 0, 1, 2, 4, 8...: keeps the log readable through a long outage
      log::warn(kLog, "connect failed", {{"server", uri_}, {"error", status.to_string()}, {"attempt", failures + 1}});
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff.delay(failures++), [this] { return stopping_.load(); });
  }
}

Status PahoTransport::connect_once() {
  try {
    mqtt::token_ptr tok = client_->connect(connect_options_);
    // Paho enforces the connect timeout itself (in whole seconds); the margin
    // only guards against a completion that never comes.
    if (!tok->wait_for(connect_options_.get_connect_timeout() + 2s)) {
      log::error(kLog, "connect never completed", {{"server", uri_}});
      return Status::Timeout("connect did not complete");
    }
    return Status::Ok();
  } catch (const mqtt::exception& e) {
    return paho::to_status(e, "connect to " + uri_);
  } catch (const std::exception& e) {
    return Status::Internal("connect to " + uri_ + ": " + e.what());
  }
}

void PahoTransport::wait_for_disconnect(uint64_t losses_before) {
  // Paho is asked with mu_ released: Paho holds its own lock while it runs our
  // callbacks, and they take mu_. The poll is a backstop for a drop Paho
  // reports through no callback.
  while (client_->is_connected()) {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, 1s, [&] { return stopping_ || losses_ != losses_before; })) return;
  }
}

Status PahoTransport::subscribe(const std::string& filter, int qos) {
  if (!mqtt_filter_valid(filter)) return Status::InvalidArgument("invalid topic filter: " + filter);
  if (qos < 0 || qos > 2) return Status::InvalidArgument("qos must be 0, 1 or 2");
  {
    std::lock_guard lock(mu_);
    filters_[filter] = qos;
  }
  // Not connected: handle_connected applies it. The order (remember, then
  // check) means a connect racing this call applies it at least once.
  if (!is_connected()) return Status::Ok();
  return send_subscribe(filter, qos);
}

Status PahoTransport::send_subscribe(const std::string& filter, int qos) {
  try {
    client_->subscribe(filter, qos, nullptr, subscribe_listener_);
    return Status::Ok();
  } catch (const mqtt::exception& e) {
    // Dropped in between: remembered, so the next connect applies it.
    if (e.get_return_code() == MQTTASYNC_DISCONNECTED) return Status::Ok();
    return paho::to_status(e, "subscribe " + filter);
  } catch (const std::exception& e) {
    return Status::Internal("subscribe " + filter + ": " + e.what());
  }
}

Status PahoTransport::publish(const std::string& topic, const std::string& payload, int qos, bool retained) {
  if (!mqtt_topic_name_valid(topic)) return Status::InvalidArgument("invalid topic name: " + topic);
  if (qos < 0 || qos > 2) return Status::InvalidArgument("qos must be 0, 1 or 2");
  if (!is_connected()) return Status::Unavailable("not connected to " + uri_);
  try {
    client_->publish(topic, payload.data(), payload.size(), qos, retained);
    return Status::Ok();
  } catch (const mqtt::exception& e) {
    return paho::to_status(e, "publish to " + topic);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("publish to ") + topic + ": " + e.what());
  }
}

void PahoTransport::handle_connected(const std::string& cause) {
  std::lock_guard notify_lock(notify_mu_);
  if (stopping_) return;  // stop() is about to disconnect
  // Every connect, not only the first: a broker restarted without persistence
  // has forgotten our session and its subscriptions.
  std::map<std::string, int> filters;
  {
    std::lock_guard lock(mu_);
    filters = filters_;
  }
  for (const auto& [filter, qos] : filters) {
    const Status s = send_subscribe(filter, qos);
    if (!s.ok()) log::warn(kLog, "resubscribe failed", {{"filter", filter}, {"error", s.to_string()}});
  }
  log::info(kLog, "connected", {{"server", uri_}, {"subscriptions", filters.size()}});
  reported_up_ = true;
  notify(true, cause.empty() ? "connected" : cause);
}

void PahoTransport::handle_connection_lost(const std::string& cause) {
  {
    std::lock_guard lock(mu_);
    ++losses_;
  }
  cv_.notify_all();
  const std::string reason = cause.empty() ? "connection lost" : cause;
  log::warn(kLog, "connection lost", {{"server", uri_}, {"reason", reason}});
  std::lock_guard notify_lock(notify_mu_);
  if (reported_up_) notify(false, reason);
  reported_up_ = false;
}

void PahoTransport::handle_message(const mqtt::const_message_ptr& msg) {
  if (!msg || !message_handler_) return;
  MqttMessage message{msg->get_topic(), msg->to_string(), msg->is_retained()};
  guarded("message", [&] { message_handler_(std::move(message)); });
}

void PahoTransport::notify(bool connected, const std::string& reason) {
  if (!connection_handler_) return;
  guarded("connection", [&] { connection_handler_(connected, reason); });
}

}  // namespace

std::unique_ptr<MessageTransport> make_paho_transport(const MqttOptions& options) {
  return std::make_unique<PahoTransport>(options);
}

}  // namespace sb
