// Journal: the agent's durable, append-only record of every accepted event.
//
// An event is acknowledged to its producer only after append() returned OK,
// which means it is committed with fsync (through the GroupCommitter, so many
// concurrent requests share one fsync). Each event gets the next per-site
// `seq`; seqs are gap-free and strictly increasing, and survive kill -9 with
// no recovery step (LMDB's commit is atomic).
//
// The same event_id appended again is a duplicate: it is not journaled twice
// and the original seq is reported. Event ids stay remembered for
// `dedup_retention` after their event was freed, so a late Clarus retry still
// collapses. Events are freed only by release_through(), after the relay
// acknowledged them durably.
//
// Hard cap: an append that would hold more than max_events unacknowledged
// events, or that arrives when max_bytes of disk are in use, fails with
// kResourceExhausted (the intake answers 503); nothing accepted is ever dropped. Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/disk_allowance.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

struct JournalOptions {
  uint64_t max_events = 10'000'000;
  Millis dedup_retention{7LL * 24 * 3600 * 1000};
  // Disk allowance: appends are refused once this many bytes of pages are in
  // use (0 = no limit). The store's own map cap must sit above it, so that
  // freeing acknowledged events (which needs pages too, LMDB being
  // copy-on-write) always has room and a full journal can never wedge.
  uint64_t max_bytes = 0;
  // The site this agent serves (site.id). A new journal records it; a journal
  // that records another site is refused. "" (tests, tools): none recorded or checked.
  std::string site_id{};
};

struct AppendResult {
  uint64_t seq = 0;        // 0 when held
  bool duplicate = false;
  bool held = false;       // kept by the gate (an exception, or waiting behind one), not yet journaled for the relay
};

// Decides, inside the append's transaction, whether a new event is held at
// the site instead of journaled for forwarding (agent/rules/edge_rules.h).
// A held event is durable all the same: the gate writes it down in `txn`.
class JournalGate {
 public:
  virtual ~JournalGate() = default;
  // True when the gate took the event; false to journal it. An error fails the append.
  virtual Result<bool> hold_in(WriteTxn& txn, const v1::Event& event) = 0;
  // Events the gate holds now (they count toward the journal's hard cap).
  virtual Result<uint64_t> held_count(ReadTxn& txn) = 0;
};

// The unacknowledged events by kind, for the status page.
struct BacklogByKind {
  std::map<std::string, uint64_t> counts;  // "Shipment" -> 12
  uint64_t counted = 0;                    // events read
  bool complete = true;                    // false when only the oldest max_events were read
  uint64_t acked_through = 0;              // the count is of seqs acked_through+1 .. through
  uint64_t through = 0;
};

struct JournalStats {
  std::string epoch;
  uint64_t last_seq = 0;       // highest seq ever assigned
  uint64_t acked_through = 0;  // everything <= this is freed
  uint64_t backlog = 0;        // last_seq - acked_through
  uint64_t capacity = 0;       // max_events
  int64_t oldest_accepted_ms = 0;  // accepted_at of seq acked_through+1, 0 when empty
};

class Journal {
 public:
  // Format 1: events, ids, freed and meta (format, epoch, last_seq, acked_through).
  // Format 2: the meta record also names the journal's site ("site").
  static constexpr int kFormatVersion = 2;
  static constexpr size_t kMaxEventIdBytes = 256;  // an id longer than this is refused (InvalidArgument)

  // Opens (or initialises) the journal's tables in `store`. An older format is
  // migrated in one write transaction (all or nothing). Refused with
  // FailedPrecondition, and left untouched, not even read past its meta record:
  // a journal of a newer format (written by a newer agent), and one that
  // records, or whose events name, another site than options.site_id.
  static Result<std::unique_ptr<Journal>> open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                               JournalOptions options);

  // Durably appends `events` (event_id, body and occurred_at set; seq and
  // accepted_at are assigned here). All or nothing. Returns one result per event.
  Result<std::vector<AppendResult>> append(std::vector<v1::Event>& events);
  // Every new event passes the gate first (null: none). Set before appends start.
  void set_gate(JournalGate* gate) { gate_ = gate; }
  // Journals events the gate held and now releases, inside the caller's
  // transaction, so the hold ends in the same commit. Sets each event's seq;
  // returns the last seq written. After that commit succeeded, call released()
  // (e.g. from the commit's after-hook): it advances last_seq and wakes the forwarder.
  Result<uint64_t> append_released_in(WriteTxn& txn, std::vector<v1::Event>& events);
  void released(uint64_t last_seq);

  // Visits up to max_events serialized events with seq >= from, stopping before
  // max_bytes would be exceeded (at least one event is visited if any exists).
  Status read(uint64_t from, size_t max_events, size_t max_bytes,
              const std::function<void(uint64_t seq, std::string_view event_bytes)>& visit) const;

  // Frees every event with seq <= through. Idempotent; durable.
  Status release_through(uint64_t through);
  // Forgets event ids freed longer than dedup_retention ago. Returns how many.
  Result<uint64_t> prune_ids(size_t max = 100'000);

  JournalStats stats() const;  // reads the oldest event: not for hot loops
  // Counts up to max_events of the oldest unacknowledged events by kind. Given
  // the previous count (`before`), reads only what it cannot reuse: nothing
  // while no event was freed and the oldest max_events are already counted,
  // only the newer events while the backlog is small, everything once events
  // were freed. A page view's worth of work at most.
  Result<BacklogByKind> backlog_by_kind(size_t max_events, const BacklogByKind* before = nullptr) const;
  // True while the disk allowance (max_bytes) is used up. Refreshed at most every 250 ms.
  bool over_disk_allowance() const { return disk_.used_up(); }
  uint64_t last_seq() const { return last_seq_.load(); }
  uint64_t acked_through() const { return acked_through_.load(); }
  const std::string& epoch() const { return epoch_; }
  const std::string& site() const { return site_; }  // as recorded; "" when none is
  // Called after every successful append (e.g. to wake the forwarder).
  void on_appended(std::function<void()> fn) { on_appended_ = std::move(fn); }

 private:
  Journal(KvStore& store, GroupCommitter& committer, const Clock& clock, JournalOptions options)
      : store_(store), committer_(committer), clock_(clock), options_(options), disk_(store, clock, options.max_bytes) {}
  Status init();
  Status check_format(int* version);
  Status check_site();
  Result<uint64_t> prune_chunk(size_t max);

  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  JournalOptions options_;
  TableId events_{}, ids_{}, freed_{}, meta_{};
  std::string epoch_;
  std::string site_;
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> acked_through_{0};
  std::function<void()> on_appended_;
  JournalGate* gate_ = nullptr;
  DiskAllowance disk_;
};

// "Shipment", "GoodsReceipt", ...: the kind of an event's body, for people.
std::string event_kind(const v1::Event& e);

// The event_id of a serialized Event without parsing the whole message (the
// serializer writes field 1 first). Empty if the bytes do not start with it.
std::string_view peek_event_id(std::string_view event_bytes);

}  // namespace sb::agent
