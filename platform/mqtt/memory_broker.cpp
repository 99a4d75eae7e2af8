// MemoryBroker: the in-process twin of mosquitto for unit tests.
//
// It keeps no sessions: like a broker restarted without persistence, a message
// for a client that is not connected is dropped, and the client's remembered
// subscriptions are applied again when it reconnects. Every route is decided
// under the broker lock and every handler runs after it is released, because
// handlers publish in turn.
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "platform/core/log.h"
#include "platform/mqtt/topic_rules.h"
#include "platform/mqtt/transport.h"

namespace sb {

struct MemoryBroker::State {
  struct Client {
    MqttOptions options;
    MessageTransport::MessageHandler on_message;
    MessageTransport::ConnectionHandler on_connection;
    std::map<std::string, int> filters;
    bool started = false;
    bool finished = false;  // stopped, or destroyed without stop
    bool connected = false;
  };

  mutable std::mutex mu;
  bool online = true;
  std::map<std::string, std::string> retained;
  std::vector<std::shared_ptr<Client>> clients;  // started and not finished
  uint64_t delivered = 0;
};

namespace {

using State = MemoryBroker::State;
using Client = MemoryBroker::State::Client;

// Handler calls gathered under the lock and made after it is released.
struct Calls {
  struct Delivery {
    MessageTransport::MessageHandler handler;
    MqttMessage message;
  };
  struct Notice {
    MessageTransport::ConnectionHandler handler;
    bool connected;
    std::string reason;
  };
  std::vector<Notice> notices;
  std::vector<Delivery> deliveries;

  void run() {
    for (auto& n : notices) guarded([&] { n.handler(n.connected, n.reason); });
    for (auto& d : deliveries) guarded([&] { d.handler(std::move(d.message)); });
  }

 private:
  // Same contract as the Paho transport: a throwing handler is logged, not propagated.
  template <typename F>
  static void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log::error("mqtt-memory", "handler threw", {{"error", e.what()}});
    } catch (...) {
      log::error("mqtt-memory", "handler threw", {{"error", "unknown exception"}});
    }
  }
};

void deliver_locked(State& s, const Client& c, MqttMessage message, Calls* calls) {
  ++s.delivered;
  if (c.on_message) calls->deliveries.push_back({c.on_message, std::move(message)});
}

void notify_locked(const Client& c, bool connected, std::string reason, Calls* calls) {
  if (c.on_connection) calls->notices.push_back({c.on_connection, connected, std::move(reason)});
}

// A publish as the broker sees it: retained state first, then one copy to each
// connected client with at least one matching filter (live copies carry no
// retain flag, as in MQTT 3.1.1).
void route_locked(State& s, const std::string& topic, const std::string& payload, bool retained,
                  Calls* calls) {
  if (retained) {
    if (payload.empty()) {
      s.retained.erase(topic);
    } else {
      s.retained[topic] = payload;
    }
  }
  for (const auto& c : s.clients) {
    if (!c->connected) continue;
    for (const auto& [filter, qos] : c->filters) {
      if (mqtt_topic_matches(filter, topic)) {
        deliver_locked(s, *c, MqttMessage{topic, payload, false}, calls);
        break;
      }
    }
  }
}

// Retained messages a (re)subscription brings, each topic once per client.
void send_retained_locked(State& s, const Client& c, const std::vector<std::string>& filters,
                          Calls* calls) {
  std::set<std::string> sent;
  for (const auto& filter : filters) {
    for (const auto& [topic, payload] : s.retained) {
      if (mqtt_topic_matches(filter, topic) && sent.insert(topic).second) {
        deliver_locked(s, c, MqttMessage{topic, payload, true}, calls);
      }
    }
  }
}

void fire_will_locked(State& s, const Client& c, Calls* calls) {
  const MqttWill& will = c.options.will;
  if (will.topic.empty()) return;
  route_locked(s, will.topic, will.payload, will.retained, calls);
}

// A (re)connect restores the client's remembered subscriptions, as the Paho
// transport does, and with them the retained messages they match.
void connect_locked(State& s, Client& c, Calls* calls) {
  c.connected = true;
  notify_locked(c, true, "connected", calls);
  std::vector<std::string> filters;
  for (const auto& [filter, qos] : c.filters) filters.push_back(filter);
  send_retained_locked(s, c, filters, calls);
}

void forget_locked(State& s, const Client* c) {
  std::erase_if(s.clients, [c](const std::shared_ptr<Client>& p) { return p.get() == c; });
}

class MemoryTransport final : public MessageTransport {
 public:
  MemoryTransport(std::shared_ptr<State> state, const MqttOptions& options)
      : state_(std::move(state)), client_(std::make_shared<Client>()) {
    client_->options = options;
  }

  // Destroyed without stop(): the broker sees the connection drop, as after a
  // crash, and publishes the will.
  ~MemoryTransport() override {
    Calls calls;
    {
      std::lock_guard lock(state_->mu);
      if (!client_->started || client_->finished) return;
      client_->finished = true;
      forget_locked(*state_, client_.get());
      if (client_->connected) {
        client_->connected = false;
        fire_will_locked(*state_, *client_, &calls);
      }
    }
    calls.run();
  }

  // Ignored after start(), as by the Paho transport, so a test cannot pass
  // here on an order of calls that fails there.
  void on_message(MessageHandler handler) override {
    std::lock_guard lock(state_->mu);
    if (warn_if_started_locked("on_message")) return;
    client_->on_message = std::move(handler);
  }

  void on_connection(ConnectionHandler handler) override {
    std::lock_guard lock(state_->mu);
    if (warn_if_started_locked("on_connection")) return;
    client_->on_connection = std::move(handler);
  }

  Status start() override {
    Calls calls;
    {
      std::lock_guard lock(state_->mu);
      if (client_->started) return Status::FailedPrecondition("memory transport already started");
      client_->started = true;
      state_->clients.push_back(client_);
      if (state_->online) connect_locked(*state_, *client_, &calls);
    }
    calls.run();
    return Status::Ok();
  }

  void stop() override {
    Calls calls;
    {
      std::lock_guard lock(state_->mu);
      if (!client_->started || client_->finished) return;
      client_->finished = true;
      forget_locked(*state_, client_.get());
      if (client_->connected) {
        client_->connected = false;
        notify_locked(*client_, false, "stopped", &calls);
      }
    }
    calls.run();
  }

  Status subscribe(const std::string& filter, int qos) override {
    if (!mqtt_filter_valid(filter)) return Status::InvalidArgument("invalid topic filter: " + filter);
    if (qos < 0 || qos > 2) return Status::InvalidArgument("qos must be 0, 1 or 2");
    Calls calls;
    {
      std::lock_guard lock(state_->mu);
      client_->filters[filter] = qos;
      if (client_->connected) send_retained_locked(*state_, *client_, {filter}, &calls);
    }
    calls.run();
    return Status::Ok();
  }

  Status publish(const std::string& topic, const std::string& payload, int qos,
                 bool retained) override {
    if (!mqtt_topic_name_valid(topic)) return Status::InvalidArgument("invalid topic name: " + topic);
    if (qos < 0 || qos > 2) return Status::InvalidArgument("qos must be 0, 1 or 2");
    Calls calls;
    {
      std::lock_guard lock(state_->mu);
      if (!state_->online || !client_->connected) return Status::Unavailable("not connected to the memory broker");
      route_locked(*state_, topic, payload, retained, &calls);
    }
    calls.run();
    return Status::Ok();
  }

  bool is_connected() const override {
    std::lock_guard lock(state_->mu);
    return client_->connected;
  }

 private:
  bool warn_if_started_locked(const char* what) const {
    if (!client_->started) return false;
    log::warn("mqtt-memory", "handler set after start() ignored", {{"handler", what}});
    return true;
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<Client> client_;
};

}  // namespace

MemoryBroker::MemoryBroker() : state_(std::make_shared<State>()) {}

MemoryBroker::~MemoryBroker() = default;

std::unique_ptr<MessageTransport> MemoryBroker::client(const MqttOptions& options) {
  return std::make_unique<MemoryTransport>(state_, options);
}

void MemoryBroker::set_online(bool online) {
  Calls calls;
  {
    std::lock_guard lock(state_->mu);
    if (state_->online == online) return;
    state_->online = online;
    if (online) {
      for (const auto& c : state_->clients) connect_locked(*state_, *c, &calls);
    } else {
      // Every connection drops at once: all clients are disconnected before any
      // will is routed, so wills reach no live subscriber, only the retained store.
      std::vector<std::shared_ptr<Client>> dropped;
      for (const auto& c : state_->clients) {
        if (!c->connected) continue;
        c->connected = false;
        notify_locked(*c, false, "broker offline", &calls);
        dropped.push_back(c);
      }
      for (const auto& c : dropped) fire_will_locked(*state_, *c, &calls);
    }
  }
  calls.run();
}

std::string MemoryBroker::retained(const std::string& topic) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->retained.find(topic);
  return it == state_->retained.end() ? std::string() : it->second;
}

uint64_t MemoryBroker::delivered() const {
  std::lock_guard lock(state_->mu);
  return state_->delivered;
}

}  // namespace sb
