// Forwarder: moves journaled events to the relay and frees what it acknowledged.
//
// Custody (DESIGN.md guarantee 3): batches of contiguous seqs go to
// stockbridge/v1/{site}/up; the relay answers on .../up/ack with the cumulative
// seq it has committed durably; only then does the journal free them. Up to
// `window` batches are in flight. Anything unacknowledged is sent again after
// `ack_timeout` without progress and after every reconnect (the relay discards
// what it already has), so a lost message, a restarted broker or relay costs a
// resend, never an event.
//
// When MQTT has been unreachable for `https_fallback_after` -- or connected
// but nothing was acknowledged for that long -- batches go one at a time by
// HTTPS POST to {uplink_url}/v1/sites/{site}/uplink, whose answer is the same
// UplinkAck. Rewinds after ack timeouts back off (2x each, up to 8x). The drain of a backlog is paced to `drain_rate` events/s.
//
// The retained .../state message (AgentState) says the site is online; the
// MQTT last will, set by the caller, says it is not.
// Thread-safety: step() runs on the forwarder's thread (or a test's); handlers
// from the transport only queue work; stats() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/journal.h"
#include "agent/outcome_log.h"
#include "platform/core/backoff.h"
#include "platform/core/clock.h"
#include "platform/http/http.h"
#include "platform/mqtt/transport.h"

namespace sb::agent {

struct ForwarderOptions {
  std::string site_id;
  std::string version;
  size_t batch_events = 1000;
  size_t batch_bytes = 512 * 1024;
  size_t window = 16;                // batches in flight
  Millis ack_timeout{10'000};
  uint64_t drain_rate = 20'000;      // events per second; 0 = unpaced
  Millis state_interval{10'000};
  std::string uplink_url;            // "" = no HTTPS fallback
  std::string uplink_token;          // bearer token for the uplink, "" = none
  Millis https_fallback_after{60'000};
  Millis https_timeout{30'000};
};

struct ForwarderStats {
  bool broker_connected = false;
  int64_t broker_changed_at_ms = 0;  // wall time of the last connect/disconnect
  bool https_active = false;
  uint64_t sent_through = 0;         // highest seq sent
  uint64_t relay_acked = 0;          // highest seq the relay confirmed
  uint64_t events_sent = 0;
  uint64_t batches_sent = 0;
  uint64_t resends = 0;              // times the window was rewound
  int64_t last_ack_at_ms = 0;        // wall time of the last ack with progress
  double ack_rate = 0;               // events acknowledged per second, recent
  std::string last_error;
  v1::ErpLink erp;                   // the ERP link as the relay last reported it (reported_at_ms 0: never)
};

class Forwarder {
 public:
  Forwarder(Journal& journal, MessageTransport& transport, HttpClient* http, OutcomeLog& outcomes,
            const Clock& clock, ForwarderOptions options);
  ~Forwarder();

  // Installs the transport handlers and the ack subscription. Call before transport.start().
  void attach();
  // Messages on other topics of this transport (e.g. the downlink), delivered on
  // the transport's thread. Set before attach().
  void on_other_message(std::function<void(MqttMessage)> handler) { other_messages_ = std::move(handler); }
  void start();  // runs step() on its own thread until stop()
  void stop();
  void wake();   // new work (e.g. events appended)

  // One round of work: acks, reconnects, timeouts, sending. Tests drive it directly.
  void step();
  ForwarderStats stats() const;
  // The last-will payload for the caller's MqttOptions: AgentState{online=false}.
  static std::string offline_state(const std::string& site_id, const std::string& version);

 private:
  struct InFlight {
    uint64_t last_seq;
    int64_t sent_mono;
  };
  void handle_acks(int64_t now);
  void apply_ack(const v1::UplinkAck& ack, int64_t now);
  void release_acknowledged();
  void rewind(const char* why);
  bool send_mqtt_batches(int64_t now);
  void send_https_batch(int64_t now);
  // Builds the next batch from sent_through_+1, respecting pacing; empty when nothing to send.
  std::string next_batch(int64_t now, uint64_t* last_seq, size_t* count);
  void publish_state(int64_t now);
  void set_error(std::string e);

  Journal& journal_;
  MessageTransport& transport_;
  HttpClient* http_;
  OutcomeLog& outcomes_;
  const Clock& clock_;
  ForwarderOptions options_;
  std::string ack_topic_;
  std::function<void(MqttMessage)> other_messages_;
  v1::UplinkBatchWriter writer_;
  Backoff https_backoff_;

  // Written by transport threads, read by step().
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ack_payloads_;
  bool reconnected_ = false;
  bool woken_ = false;
  bool stopping_ = false;
  ForwarderStats stats_;

  // Owned by the stepping thread.
  std::deque<InFlight> inflight_;
  uint64_t sent_through_ = 0;
  uint64_t relay_acked_ = 0;
  int64_t last_progress_mono_ = 0;   // last ack progress or rewind: the ack timeout runs from here
  int64_t last_ack_mono_ = 0;        // last ack progress (or nothing owed): stalls are measured from here
  int timeouts_in_row_ = 0;
  int64_t disconnected_since_mono_ = 0;
  int64_t next_state_mono_ = 0;
  int64_t next_https_mono_ = 0;
  int https_failures_ = 0;
  double tokens_ = 0;
  int64_t tokens_at_mono_ = 0;
  int64_t started_ms_ = 0;
  int64_t rate_sample_mono_ = 0;
  uint64_t rate_sample_acked_ = 0;
  std::thread thread_;
};

}  // namespace sb::agent
