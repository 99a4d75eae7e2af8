// Downlink (relay side): sends each site's queued commands (CommandOutbox) on
// stockbridge/v1/{site}/down and frees them when the site's DownlinkAck says
// its agent journaled them.
//
// A site's unacknowledged commands go out as one DownlinkBatch (at most
// batch_commands), again after resend_after without an ack, again at once
// after the relay reconnects to the broker or the site comes back online
// (its retained state), and when new commands are queued. An offline site's
// commands wait in the outbox; the broker is never trusted with them.
// Thread-safety: handle_ack(), site_online() and wake() may be called from any
// thread (the transport's included); the rest from the owner.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "platform/core/clock.h"
#include "platform/mqtt/transport.h"
#include "relay/command_outbox.h"

namespace sb::relay {

struct DownlinkOptions {
  size_t batch_commands = 200;
  Millis resend_after{10'000};
  Millis idle_poll{1'000};  // how often sites with waiting commands are looked at
  // True when the site's retained state says it is offline (null: always try).
  std::function<bool(const std::string& site)> is_offline;
};

struct DownlinkStats {
  uint64_t batches_sent = 0;
  uint64_t commands_sent = 0;   // resends included
  uint64_t resends = 0;
  uint64_t acks = 0;
  uint64_t malformed_acks = 0;
};

class Downlink {
 public:
  Downlink(CommandOutbox& outbox, MessageTransport& transport, const Clock& clock, DownlinkOptions options);
  ~Downlink();

  void attach();  // subscribes to the sites' down/ack topics (messages are routed in by the caller)
  void start();
  void stop();

  void handle_ack(const MqttMessage& message);  // queues; returns fast
  void connected();                             // the broker (re)connected: resend everything
  void site_online(const std::string& site);    // its agent came (back) online: resend its commands
  void wake();                                  // commands were queued

  // One pass: acks taken, then batches sent where due. Returns batches sent.
  size_t step();
  DownlinkStats stats() const;

 private:
  void loop();

  CommandOutbox& outbox_;
  MessageTransport& transport_;
  const Clock& clock_;
  DownlinkOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::string>> acks_;  // the topic's site, payload
  std::map<std::string, int64_t> sent_at_;     // site -> mono ms of the last batch sent
  std::map<std::string, uint64_t> sent_next_;  // site -> next_seq when the last batch was sent
  bool resend_all_ = false;
  bool work_ = true;
  bool stopping_ = false;
  DownlinkStats stats_;
  std::thread thread_;
};

}  // namespace sb::relay
