// Uplink: the relay's intake of sites' batches, and the acknowledgements back.
//
// MQTT: subscribes to stockbridge/v1/+/up (and +/state for site presence).
// Paho's thread only queues; the intake thread takes everything queued, commits
// it to the ledger in one durable transaction, then publishes each batch's
// UplinkAck (the stream's contiguous high-water seq) on .../up/ack. A
// redelivered batch is acknowledged again and changes nothing.
// HTTPS: the same intake, synchronous, for POST /v1/sites/{site}/uplink.
//
// Outcomes from the poster are batched per stream and published as UplinkAcks
// with outcomes every flush interval (best effort: the ledger is the record).
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/clock.h"
#include "platform/mqtt/transport.h"
#include "relay/ledger.h"
#include "relay/poster.h"

namespace sb::relay {

struct SiteState {
  v1::AgentState state;       // last retained state (online flag, backlog, oldest age)
  int64_t received_at_ms = 0;
};

struct UplinkStats {
  uint64_t batches = 0;
  uint64_t events_taken = 0;
  uint64_t redelivered = 0;
  uint64_t duplicate_ids = 0;
  uint64_t beyond_gap = 0;
  uint64_t rejected_batches = 0;  // did not parse or did not match their topic
  uint64_t dropped_busy = 0;      // not taken because the intake was full (the site resends)
  uint64_t acks_published = 0;
  uint64_t outcomes_published = 0;
  bool broker_connected = false;
  std::string last_error;
};

class Uplink {
 public:
  Uplink(Ledger& ledger, Poster& poster, MessageTransport& transport, const Clock& clock, Millis flush_interval);
  ~Uplink();

  void attach();  // handlers and subscriptions; before transport.start()
  // Hooks for the downlink, set before attach(): messages on .../down/ack (on
  // the transport's thread), each broker (re)connect, a site coming online.
  void on_other_message(std::function<void(MqttMessage)> fn) { other_messages_ = std::move(fn); }
  void on_connected(std::function<void()> fn) { on_connected_ = std::move(fn); }
  void on_site_online(std::function<void(const std::string&)> fn) { on_site_online_ = std::move(fn); }
  // How the ERP link stands, sent with every acknowledgement (the site's status page shows it).
  void erp_link(std::function<v1::ErpLink()> fn) { erp_link_ = std::move(fn); }
  void start();
  void stop();

  // The HTTPS uplink: takes one serialized UplinkBatch for `site`, returns the
  // serialized UplinkAck (with any outcomes waiting for that stream), or an
  // error: InvalidArgument (bad batch) or the ledger's failure.
  Result<std::string> accept_http(const std::string& site, const std::string& body);

  // OutcomeSink for the poster.
  void add_outcome(const std::string& site, const std::string& epoch, const v1::EventOutcome& outcome);

  UplinkStats stats() const;
  // Each site's last state. A site whose agent said it is online but sent no
  // state for `silent_after` counts as offline: the broker publishes no last
  // will when it is the broker that went away (restarted, or the site's
  // certificate revoked), so silence is the only sign.
  std::map<std::string, SiteState> sites() const;
  void set_silent_after(Millis silent_after) { silent_after_ = silent_after; }

 private:
  std::function<void(MqttMessage)> other_messages_;
  std::function<void()> on_connected_;
  std::function<void(const std::string&)> on_site_online_;
  std::function<v1::ErpLink()> erp_link_;
  Millis silent_after_{0};  // 0 = trust the last state however old
  struct Inbound {
    std::string topic;
    std::string payload;
  };
  void intake_loop();
  // Commits batches and queues their events for posting, in commit order.
  Result<std::vector<IntakeResult>> take(const std::vector<const v1::UplinkBatch*>& batches);
  // Validates a batch against the site its topic or URL names.
  Status check_batch(const std::string& site, const v1::UplinkBatch& batch);
  void after_intake(const std::vector<IntakeResult>& results);
  void flush_outcomes();
  void on_state(const std::string& site, const std::string& payload);

  Ledger& ledger_;
  Poster& poster_;
  MessageTransport& transport_;
  const Clock& clock_;
  Millis flush_interval_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  static constexpr size_t kMaxInboxBytes = 256u << 20;
  std::mutex take_mu_;
  std::vector<Inbound> inbox_;
  size_t inbox_bytes_ = 0;
  std::map<std::pair<std::string, std::string>, std::vector<v1::EventOutcome>> outcomes_;
  std::map<std::string, SiteState> sites_;
  UplinkStats stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::relay
