// Ledger: the relay's durable custody of every event a site handed over.
//
// accept() commits a batch (fsync, group-committed with other writers) before
// the relay acknowledges it, so an acknowledged event survives kill -9 of the
// relay. Per (site, journal epoch) the ledger keeps the contiguous high-water
// seq: an event at or below it was already taken (a redelivery) and is skipped;
// an event beyond a gap waits for the agent's resend. An event_id seen before
// (under any seq) is a duplicate and is not taken twice.
//
// Each taken event is "pending" until the poster records its outcome:
// posted (with the ERP record id) or held (with a reason, as an exception that
// blocks only its own business key). Before each ERP post the poster marks the
// event "attempted", so after a crash the relay knows to look the record up by
// external id before posting it again.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/disk_allowance.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::relay {

// The key the poster orders an event by: its business key within its site, so
// one site's held event never holds up another site's work. Events without a
// usable key (held at intake) get one of their own.
std::string scheduling_key(const v1::Event& e, uint64_t ledger_seq);

// One event in custody, as the poster needs to know it.
struct LedgerEntry {
  uint64_t ledger_seq = 0;
  std::string key;  // scheduling_key(): the order it posts in
};

struct IntakeResult {
  std::string site_id;
  std::string epoch;
  uint64_t acked_through = 0;       // contiguous high-water of the stream after this batch
  std::vector<LedgerEntry> fresh;   // newly taken, pending, in order
  std::vector<LedgerEntry> held;    // taken but held at once (invalid events)
  size_t redelivered = 0;           // seq already taken
  size_t duplicate_ids = 0;         // event_id already taken under another seq
  size_t beyond_gap = 0;            // not taken: a seq is missing before them
};

// A stored event and where it came from.
struct LedgerRecord {
  std::string epoch;
  v1::Event event;
  bool attempted = false;
  // When it was attempted as the first of a coalesced group: the ledger seqs
  // of the other events the one ERP record stands for, in order.
  std::vector<uint64_t> coalesced_with;
  bool held = false;
  std::string held_reason;
};

struct StreamInfo {
  std::string site_id;
  std::string epoch;
  uint64_t high_water = 0;
  int64_t last_contact_ms = 0;
};

struct LedgerStats {
  uint64_t pending = 0;  // in custody, not yet posted (held included)
  uint64_t held = 0;
  uint64_t posted = 0;
  uint64_t discarded = 0;  // held, then discarded by a person
  uint64_t taken = 0;    // ever taken
};

struct LedgerOptions {
  // Disk allowance: intake is refused (batches are not acknowledged, sites
  // resend later) once this many bytes of pages are in use; 0 = no limit. The
  // store's map cap sits above it so recording outcomes always has room.
  uint64_t max_bytes = 0;
  // How long a posted event's id is remembered, so a late resend is still
  // recognised. Beyond it the ERP's external-id check is the last line.
  Millis dedup_retention{30LL * 24 * 3600 * 1000};
};

class Ledger {
 public:
  static Result<std::unique_ptr<Ledger>> open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                              LedgerOptions options = {});

  // Durably takes several batches in one commit (the intake drains its queue
  // into one call). One result per batch, in order. All or nothing.
  Result<std::vector<IntakeResult>> accept(const std::vector<const v1::UplinkBatch*>& batches);

  Result<LedgerRecord> load(uint64_t ledger_seq);
  // Recorded before an ERP post. `coalesced_with`: the other events of a
  // coalesced group the post stands for; the group is kept, so after a crash
  // the same events form the same record and the lookup by external id finds it.
  Status mark_attempted(uint64_t ledger_seq, const std::vector<uint64_t>& coalesced_with = {});
  // Work committed with a ledger change (e.g. the exception it raises or
  // resolves), so both land or neither. May run more than once (a replay).
  using AlsoInTxn = std::function<Status(WriteTxn&)>;
  Status mark_posted(uint64_t ledger_seq, const std::string& event_id, const std::string& erp_id);
  // Several events posted as one ERP record (a coalesced group), in one commit.
  struct Posted {
    uint64_t ledger_seq;
    std::string event_id;
  };
  Status mark_posted(const std::vector<Posted>& events, const std::string& erp_id, const AlsoInTxn& also = nullptr);
  Status mark_held(uint64_t ledger_seq, const std::string& event_id, const std::string& reason,
                   const AlsoInTxn& also = nullptr);
  // A held event is pending again (a retry), with its body replaced by
  // `corrected` when given (an edit; the event id stays). NotFound when the
  // event is not in custody, FailedPrecondition when it is not held.
  Status release(uint64_t ledger_seq, const v1::Event* corrected, const AlsoInTxn& also = nullptr);
  // A held event leaves custody unposted: a person discarded it. Its id is
  // remembered as discarded, so a resend is not taken again.
  Status discard(uint64_t ledger_seq, const std::string& event_id, const AlsoInTxn& also = nullptr);
  // The ledger seq of an event id in custody (pending or held); 0 when not in custody.
  Result<uint64_t> seq_of(const std::string& event_id);

  // Every event still in custody, in ledger order (start-up of the poster).
  Status scan_open(const std::function<void(uint64_t ledger_seq, const LedgerRecord& record)>& visit);
  // Looks up an event id: "" when never taken, else "pending", "held", "posted"
  // (erp_id set) or "discarded".
  Result<std::string> state_of(const std::string& event_id, std::string* erp_id = nullptr);

  // Forgets ids of events posted longer ago than dedup_retention. Returns how many.
  Result<uint64_t> prune_posted_ids(size_t max = 100'000);

  // Work done in accept()'s commit for each event newly taken and valid (e.g.
  // the monitors' index of shipments and returns to watch), so the index and
  // custody land together. Set before the first accept(); may run again on a replay.
  using IntakeHook = std::function<Status(WriteTxn&, const v1::Event&)>;
  void set_intake_hook(IntakeHook hook) { intake_hook_ = std::move(hook); }

  std::vector<StreamInfo> streams();
  uint64_t high_water(const std::string& site_id, const std::string& epoch);
  LedgerStats stats() const;

 private:
  Ledger(KvStore& store, GroupCommitter& committer, const Clock& clock, LedgerOptions options)
      : store_(store), committer_(committer), clock_(clock), options_(options), disk_(store, clock, options.max_bytes) {}
  Status init();

  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  LedgerOptions options_;
  TableId streams_{}, events_{}, ids_{}, attempted_{}, held_{}, meta_{}, posted_log_{};
  DiskAllowance disk_;
  IntakeHook intake_hook_;
  std::atomic<uint64_t> pending_{0}, held_count_{0}, posted_{0}, taken_{0}, discarded_{0};
};

}  // namespace sb::relay
