// ClarusSweeper: reads Clarus through GraphQL for the facts whose webhook
// never came (docs/clarus-model.md, Sweeps), and takes stock snapshots.
//
// One sweep pages shipments, goods_in_receipts and stock_adjustments with
// filter {id: {gt: cursor}} in id order and appends every final record's event
// through Journal::append, so a webhook and a sweep of one fact give one event.
// The cursor of a resource is the highest id below which every record is final
// (shipments and adjustments always; receipts when completed or cancelled).
// It stops at the first record still open, or one that does not map yet (a
// return not inspected, a field missing), so that record is read again next
// sweep; records after it are still read and appended each sweep (the journal
// keeps them once), so one long-open receipt delays nothing else.
// Cursors are written to the store only after the events read up to them are
// durably in the journal: a crash re-reads, never skips.
//
// Every snapshot_interval the sweep also reads stock_balances into an
// InventorySnapshot (in parts); the time of the last one is kept in the store.
// Clarus unavailable (or the journal full): the sweep stops where it is,
// records the error, and the next interval tries again. Clarus refusing one
// resource's query (a tenant without stock_adjustments) is recorded too, but
// the other resources and the snapshot still run.
//
// A record still open holds its cursor, and everything after it is paged
// again each sweep until it is final: a purchase order pending for weeks
// costs a re-read of the receipts after it every sweep (documented rule,
// docs/clarus-model.md, Sweeps).
//
// Thread-safety: every method may be called from any thread; passes over
// Clarus (sweep_once, read_goods_out) run one at a time.
#pragma once

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
};

// One swept resource as the status page shows it.
struct SweepCursor {
  int64_t cursor = 0;       // every record with id <= cursor is final and journaled
  int64_t held_at = 0;      // first record still open (0 = none), read again each sweep
  std::string held_reason;  // why it is held, e.g. "goods-in receipt 7 is receiving, not completed"
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
  std::string last_error;            // "" after a sweep that completed
  std::map<std::string, SweepCursor> cursors;  // by resource name
};

class ClarusSweeper {
 public:
  ClarusSweeper(ClarusClient& clarus, Journal& journal, KvStore& store, const Clock& clock, SweepOptions options);
  ~ClarusSweeper();  // stops the thread
  ClarusSweeper(const ClarusSweeper&) = delete;
  ClarusSweeper& operator=(const ClarusSweeper&) = delete;

  // Opens table "clarus_cursors" and loads the cursors. Call once, first.
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
  // and read_goods_out for each hint queued by hint_goods_out().
  void start();
  void stop();
  void nudge();
  void hint_goods_out(int64_t goods_out_id);

  SweepStats stats() const;

 private:
  Status sweep_resource(const std::string& resource);
  Status snapshot(int64_t taken_at_ms);
  Status journal_events(std::vector<v1::Event>& events);
  Status save(const std::string& key, int64_t value);
  void note_cursor(const std::string& resource, const SweepCursor& c);
  void run();

  ClarusClient& clarus_;
  Journal& journal_;
  KvStore& store_;
  const Clock& clock_;
  SweepOptions options_;
  ClarusSite site_;
  TableId table_{};
  bool ready_ = false;

  std::mutex pass_mu_;  // one pass over Clarus at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  SweepStats stats_;
  std::deque<int64_t> goods_out_hints_;
  bool nudged_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::agent
