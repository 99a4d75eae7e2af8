// CommandOutbox: the relay's durable queue of commands for each site (the
// downlink), kept until the site's agent acknowledges them.
//
// enqueue() gives a command the next seq of its site's stream and commits it
// (fsync) before returning; a command_id seen before is not queued twice, so
// an ERP change read twice makes one command. ack() frees every command of
// the site with seq <= the agent's acked_through_seq for the outbox's epoch.
// The epoch names one life of the outbox: a relay whose ledger was rebuilt
// starts a new stream at seq 1, which the agent treats as new.
// Command ids are remembered for a retention (prune_ids()), indexed by when
// they were queued, so the id table does not grow without end.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::relay {

struct OutboxSiteStats {
  uint64_t next_seq = 1;          // seq the next command will get
  uint64_t acked_through = 0;     // the agent has journaled everything <= this
  uint64_t waiting = 0;           // queued, not yet acknowledged
  int64_t oldest_waiting_ms = 0;  // when the oldest waiting command was queued, 0 when none
  uint64_t applied = 0;           // outcomes reported by the agent since start
  uint64_t held = 0;
};

class CommandOutbox {
 public:
  static Result<std::unique_ptr<CommandOutbox>> open(KvStore& store, GroupCommitter& committer, const Clock& clock);

  // Queues `command` for `site` (site_id, seq and issued_at are set here).
  // Returns the seq, or the seq it had when its command_id was queued before.
  Result<uint64_t> enqueue(const std::string& site, v1::Command command);
  // Up to `max` unacknowledged commands of `site`, ascending seq.
  Result<std::vector<v1::Command>> unacked(const std::string& site, size_t max) const;
  // Frees `site`'s commands with seq <= through; an ack for another epoch is ignored.
  Status ack(const std::string& site, const std::string& epoch, uint64_t through);
  // An agent's DownlinkAck for `site`: frees its commands (as above) and runs
  // the outcome hook for its outcomes in the same commit, so the monitors'
  // index never misses an outcome whose command was freed. If that commit
  // fails it falls back to ack() and then record_outcomes(), so an outcome
  // that cannot be indexed never holds the acknowledgement back.
  Status ack(const std::string& site, const v1::DownlinkAck& ack);
  // Runs the outcome hook in a commit of its own (best effort) and counts them.
  void record_outcomes(const std::string& site, const v1::DownlinkAck& ack);

  // Work done in enqueue()'s commit for each newly queued command, and in one
  // commit per acknowledgement for the outcomes it reports (e.g. the monitors'
  // index of orders applied at a site). Set before use; each may run again on a replay.
  using CommandHook = std::function<Status(WriteTxn&, const v1::Command&)>;
  using OutcomeHook = std::function<Status(WriteTxn&, const std::string& site, const v1::CommandOutcome&)>;
  void set_hooks(CommandHook on_enqueue, OutcomeHook on_outcome) {
    on_enqueue_ = std::move(on_enqueue);
    on_outcome_ = std::move(on_outcome);
  }

  const std::string& epoch() const { return epoch_; }
  std::vector<std::string> sites() const;  // every site that ever had a command
  OutboxSiteStats stats(const std::string& site) const;
  // Forgets up to `max` command ids queued longer ago than `retention` (their
  // change will not be read again by then). Returns how many.
  Result<uint64_t> prune_ids(Millis retention, size_t max = 10'000);
  // Outcomes the agents reported, newest first (the last 200 across sites).
  std::vector<std::pair<std::string, v1::CommandOutcome>> recent_outcomes() const;

 private:
  CommandOutbox(KvStore& store, GroupCommitter& committer, const Clock& clock)
      : store_(store), committer_(committer), clock_(clock) {}
  Status init();
  Status free_through(WriteTxn& txn, const std::string& site, uint64_t through);
  void count_outcomes(const std::string& site, const v1::DownlinkAck& ack);

  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  TableId commands_{}, ids_{}, meta_{}, ids_log_{};
  std::string epoch_;
  CommandHook on_enqueue_;
  OutcomeHook on_outcome_;
  mutable std::mutex mu_;
  std::map<std::string, OutboxSiteStats> counts_;  // applied / held since start
  std::deque<std::pair<std::string, v1::CommandOutcome>> recent_;
};

}  // namespace sb::relay
