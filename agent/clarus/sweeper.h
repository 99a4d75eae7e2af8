// ClarusSweeper: reads Clarus through GraphQL for the facts whose webhook
// never came (docs/clarus-model.md, Sweeps), and takes stock snapshots.
//
// One sweep of a resource:
//  1. re-reads, by id (filter {id: {in: [...]}}, 100 ids a query), the records
//     still open from earlier sweeps -- the "open set", kept in the store as
//     "open:<resource>:<id>" -> "<first seen ms> <reason>". One that is final
//     now is journaled (or, a cancelled receipt, just forgotten) and leaves the
//     set; one Clarus no longer has is forgotten with a warning.
//  2. pages filter {id: {gt: cursor}} in id order and journals every record
//     that is a fact, through Journal::append, so a webhook and a sweep of one
//     fact give one event. The cursor moves past every record -- an open
//     receipt, or one that does not map yet (a return not inspected, a field
//     missing, an unusable id), joins the open set instead of holding the
//     cursor -- except records younger than options.settle (by created_at /
//     collection_datetime / actual_date_of_receipt): Clarus may show id 101
//     before 100 is committed, so the cursor stops before the first young
//     record. Young records are journaled at once all the same; the next sweep
//     reads them again and the journal's dedup makes that free.
// The cursor and the open set change in one store transaction, written through
// the GroupCommitter, only after the events read up to them are durably in
// the journal: a crash re-reads, never skips.
// Without a stored cursor, options.start_from_id says where to begin: -1 (the
// default) takes Clarus's current highest id as the cursor on the first sweep
// and journals nothing older (history is not replayed into the ERP); 0 reads
// everything (backfill); N starts after id N.
//
// Every snapshot_interval the sweep also reads stock_balances into an
// InventorySnapshot (in parts); the time of the last one is kept in the store.
// Clarus unavailable (or the journal full): the sweep stops where it is,
// records the error, and the next interval tries again. Clarus refusing one
// resource's query (a tenant without stock_adjustments) is recorded too, but
// the other resources and the snapshot still run. stop() ends a sweep between
// two records: what was journaled is kept (and its cursor saved), no partial
// snapshot or goods-out read is journaled.
//
// Thread-safety: every method may be called from any thread; passes over
// Clarus (sweep_once, read_goods_out) run one at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "agent/clarus/clarus_client.h"
#include "agent/clarus/clarus_events.h"
#include "agent/journal.h"
#include "platform/core/clock.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace sb::agent {

struct SweepOptions {
  std::string site_id;
  std::string warehouse_code = "WH1";  // names events' warehouse (clarus.warehouse_code)
  int64_t warehouse_id = 1;            // filters stock_balances (clarus.warehouse_id)
  Millis sweep_interval{60'000};       // clarus.sweep_interval
  int page_size = 200;                 // clarus.sweep_page_size
  Millis snapshot_interval{15 * 60'000};  // clarus.snapshot_interval; 0 = never
  size_t snapshot_part_size = 1000;    // balances per InventorySnapshot part
  size_t max_queued_goods_outs = 1000; // beyond it hints become one full sweep
  // The cursor does not pass records younger than this (ids may be committed
  // out of order); they are journaled at once and read again next sweep. 0 = off.
  Millis settle{120'000};              // clarus.sweep_settle
  // Where a resource without a stored cursor starts: -1 = after Clarus's
  // current highest id (nothing older is journaled); 0 = everything; N = after id N.
  int64_t start_from_id = -1;          // clarus.sweep_start_from_id
};

// One swept resource as the status page shows it.
struct SweepCursor {
  int64_t cursor = 0;        // every record with id <= cursor is journaled, final without event, or open
  int64_t held_at = 0;       // the oldest record still open (0 = none), read again by id each sweep
  std::string held_reason;   // why, e.g. "goods-in receipt 7 is receiving, not completed"
  int64_t held_since_ms = 0; // when held_at was first found open
  size_t open = 0;           // records in the open set
  int64_t settling_at = 0;   // the cursor waits before this young record (0 = none)
};

struct SweepStats {
  int64_t last_sweep_at_ms = 0;      // start of the last sweep that finished (either way)
  int64_t last_sweep_ms = 0;         // how long it took
  int64_t last_ok_at_ms = 0;         // start of the last sweep that completed without error
  int64_t last_snapshot_at_ms = 0;
  uint64_t sweeps = 0;
  uint64_t failed_sweeps = 0;
  uint64_t events_new = 0;           // events the sweeps journaled first
  uint64_t events_duplicate = 0;     // found already journaled (by a webhook or an earlier sweep)
  uint64_t goods_out_reads = 0;
  uint64_t goods_out_hints_dropped = 0;  // while Clarus was unavailable (the sweep finds their shipments)
  uint64_t records_without_id = 0;   // records skipped: no usable integer id to track them by
  std::string last_error;            // "" after a sweep that completed
  std::map<std::string, SweepCursor> cursors;  // by resource name
};

class ClarusSweeper {
 public:
  // store: where "clarus_cursors" lives (the journal's); committer: that
  // store's GroupCommitter, through which every cursor write goes.
  ClarusSweeper(ClarusClient& clarus, Journal& journal, KvStore& store, GroupCommitter& committer, const Clock& clock,
                SweepOptions options);
  ~ClarusSweeper();  // stops the thread
  ClarusSweeper(const ClarusSweeper&) = delete;
  ClarusSweeper& operator=(const ClarusSweeper&) = delete;

  // Opens table "clarus_cursors" and loads the cursors and open sets. Call once, first.
  Status init();

  // One pass over every resource (and a snapshot when due). Returns the first
  // error (also kept in stats().last_error); see above for which end the pass.
  Status sweep_once();

  // Reads the shipments of one goods out (filter goods_out_id eq) and journals
  // them. Called for a goods out that reached COMPLETED, so its highest-id
  // shipment carries order_complete (unless a sweep journaled it first).
  // Cursors are not touched.
  Status read_goods_out(int64_t goods_out_id);

  // The background thread: a sweep every sweep_interval, at once on nudge(),
  // and read_goods_out for each hint queued by hint_goods_out() while no sweep
  // is due (a due sweep goes first). A hint read finding Clarus unavailable
  // drops the queued hints, and later ones until a sweep reaches Clarus again:
  // the sweep finds those shipments (without order_complete).
  void start();
  void stop();
  void nudge();
  void hint_goods_out(int64_t goods_out_id);

  SweepStats stats() const;

 private:
  struct OpenRecord {
    int64_t first_seen_ms = 0;
    std::string reason;
  };
  // What one resource's sweeps know. Written by the pass (pass_mu_ held) under
  // mu_; read by the pass without mu_, by stats() with it.
  struct ResourceState {
    int64_t cursor = 0;
    bool start_at_latest = false;  // no cursor stored and start_from_id = -1
    int64_t settling_at = 0;
    std::map<int64_t, OpenRecord> open;  // by id
  };

  Status sweep_resource(const std::string& resource);
  Status start_at_latest(const std::string& resource);
  Status reread_open(const std::string& resource);
  Status sweep_forward(const std::string& resource);
  Status snapshot(int64_t taken_at_ms);
  Status journal_events(std::vector<v1::Event>& events);
  Status write(const GroupCommitter::Op& op);
  Status halted() const;
  void run();

  ClarusClient& clarus_;
  Journal& journal_;
  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  SweepOptions options_;
  ClarusSite site_;
  TableId table_{};
  bool ready_ = false;

  std::mutex pass_mu_;  // one pass over Clarus at a time
  std::atomic<bool> halting_{false};  // stop(): passes end between two records
  mutable std::mutex mu_;
  std::condition_variable cv_;
  SweepStats stats_;
  std::map<std::string, ResourceState> resources_;
  std::deque<int64_t> goods_out_hints_;
  bool hints_suspended_ = false;  // Clarus was unavailable to a hint read; until a sweep reaches it
  bool nudged_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::agent
