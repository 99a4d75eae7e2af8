// Downlink: commands from the ERP arrive on stockbridge/v1/{site}/down, are
// journaled (CommandJournal), acknowledged on .../down/ack, and then applied
// to Clarus one at a time, in order.
//
// Clarus unavailable (down, 5xx, timeouts, credentials refused): the command
// stays at the head of the queue and is tried again after a capped, jittered
// backoff -- commands behind it wait, so order is kept. Clarus refusing a
// command (422 and the like): it is held with Clarus's reason, and the next
// command proceeds; a later command of the same business key is held behind it.
// Outcomes ride on the next DownlinkAck (best effort: the command journal is
// the agent's record).
// Thread-safety: handle_message() may be called from the transport's thread;
// everything else from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "agent/downlink/clarus_commands.h"
#include "agent/downlink/command_journal.h"
#include "platform/core/backoff.h"
#include "platform/core/clock.h"
#include "platform/mqtt/transport.h"

namespace sb::agent {

struct DownlinkOptions {
  std::string site_id;
  BackoffPolicy retry{Millis(500), Millis(60'000)};
  // After a request that got no answer, wait at least this long (Clarus's
  // timeout) before the lookup-then-create of the retry.
  Millis ambiguous_wait{15'000};
};

struct DownlinkStats {
  uint64_t batches = 0;
  uint64_t malformed = 0;          // batches that did not parse or named another site
  uint64_t dropped_busy = 0;       // batches dropped unacknowledged while the inbox was full
  uint64_t apply_attempts = 0;
  uint64_t retries = 0;            // attempts that found Clarus unavailable
  bool clarus_unavailable = false; // the last attempt found Clarus unavailable
  int64_t unavailable_since_ms = 0;
  std::string last_error;
  std::string current;             // the command being applied, "" when idle
};

class Downlink {
 public:
  Downlink(CommandJournal& journal, MessageTransport& transport, CommandApplier& applier, const Clock& clock,
           DownlinkOptions options);
  ~Downlink();

  void attach();  // subscribes to the down topic (the message handler is routed by the caller)
  void handle_message(MqttMessage message);
  void start();
  void stop();
  void request_stop();  // stop() without waiting: lets other parts stop at the same time

  // One pass of the applier: applies the next command if any. Returns true if
  // it did something (applied or held), false when idle or Clarus is unavailable.
  bool apply_next();
  DownlinkStats stats() const;

 private:
  static constexpr size_t kMaxInbox = 1000;  // batches waiting to be journaled
  void receive_loop();
  void apply_loop();
  void send_ack(const std::string& epoch, uint64_t through);

  CommandJournal& journal_;
  MessageTransport& transport_;
  CommandApplier& applier_;
  const Clock& clock_;
  DownlinkOptions options_;
  Backoff backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> inbox_;
  bool stopping_ = false;
  bool work_ = true;
  int failures_ = 0;
  bool last_ambiguous_ = false;
  std::string last_epoch_;
  uint64_t last_through_ = 0;
  DownlinkStats stats_;
  std::thread receiver_, applier_thread_;
};

}  // namespace sb::agent
