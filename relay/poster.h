// Poster: posts the ledger's pending events to the ERP.
//
// Order per business key, no head-of-line blocking (DESIGN.md guarantee 4):
// each key is a queue; one event per key is in progress at a time; different
// keys post in parallel, up to the concurrency limit. A key whose head event is
// held as an exception blocks only that key.
//
// Transient failures wait a capped, jittered exponential backoff (at least the
// ERP's Retry-After). A 429 halves the concurrency limit; it grows back by one
// after `raise_after` successes in a row. After an ambiguous failure, and for
// any event that was attempted before a crash, the poster first asks the ERP
// whether the record exists (by external id) before posting again.
// Every outcome is recorded durably in the ledger before it is reported.
//
// Coalescing under backlog: when stock adjustments of one SKU and warehouse
// (same site, unit and day) wait in a row at the head of their key, up to
// `coalesce_max` of them go to the ERP as one net adjustment that lists every
// event id it covers (never a net of zero: every event keeps a record). The group is
// recorded with the attempt, so after a crash the same events form the same
// record and the lookup by the first event's external id finds it. With no
// backlog each adjustment posts alone, as it comes.
//
// Exceptions: every held event has one in the ExceptionBook (raised in the
// commit that holds it). A person's retry, edit or discard acts on it here,
// recorded in the same commit as the ledger change. A retried event is first
// looked up in the ERP: if the ERP holds it already the exception resolves as
// superseded. Held events whose class clears with master data (unknown SKU or
// carrier, inactive item, units) are re-validated by revalidate_master_data().
// Thread-safety: enqueue() and stats() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "platform/core/backoff.h"
#include "platform/store/exception_book.h"
#include "relay/erp_connector.h"
#include "relay/ledger.h"

namespace sb::relay {

// What changed in the ERP's master data, for a re-validation of only the held
// events it can clear.
struct MasterDataScope {
  std::set<std::string> skus;  // items changed
  bool carriers = false;       // a ship item changed
};

struct PosterOptions {
  int max_concurrency = 8;
  int min_concurrency = 1;
  BackoffPolicy backoff{Millis(500), Millis(300'000)};
  int raise_after = 20;  // successes in a row before the limit grows by one
  int coalesce_max = 200;  // stock adjustments per net ERP record under backlog; 1 = never coalesce
};

struct PosterStats {
  uint64_t queued = 0;        // events waiting (all keys)
  uint64_t keys = 0;          // business keys with work
  uint64_t blocked_keys = 0;  // keys whose head is held
  uint64_t delayed_keys = 0;  // keys waiting out a backoff
  int in_progress = 0;
  int concurrency_limit = 0;
  int max_concurrency = 0;
  uint64_t posted = 0;
  uint64_t held = 0;
  uint64_t retries = 0;
  uint64_t throttled = 0;
  uint64_t lookups = 0;
  uint64_t found_by_lookup = 0;  // records that existed already: a duplicate avoided
  uint64_t erp_calls = 0;
  uint64_t coalesced_records = 0;  // net adjustments posted for groups of more than one event
  uint64_t coalesced_events = 0;   // events those records stand for
  uint64_t calls_saved = 0;        // ERP creates not made because events were coalesced
  uint64_t released = 0;           // held events retried (by a person or a re-validation)
  uint64_t discarded = 0;          // held events discarded by a person
  std::string last_error;
  int64_t last_ok_ms = 0;       // wall time the ERP last answered (posted, or refused a record)
  int64_t last_failure_ms = 0;  // wall time of the last failure to reach it (down, timeout, throttled)
  double posted_per_minute = 0;  // events posted over the last 60 s
};

// Called after an outcome is durable: site, journal epoch and the outcome for the agent.
using OutcomeSink = std::function<void(const std::string& site, const std::string& epoch, const v1::EventOutcome&)>;

class Poster {
 public:
  Poster(Ledger& ledger, ErpConnector& erp, const Clock& clock, PosterOptions options, OutcomeSink sink);
  ~Poster();

  // Where held events' exceptions are kept (null: none, as in some tests). Call before load().
  void set_exception_book(ExceptionBook* book) { book_ = book; }
  // Rebuilds the queues from the ledger. Call once, before start() and before intake.
  Status load();

  // A person's (or the system's) actions on a held event, by event id. Each
  // writes `action` to the event's exception in the commit that changes the
  // ledger. NotFound: not in custody; FailedPrecondition: not held.
  Status retry_held(const std::string& event_id, ExceptionAction action);
  // Retries with the event corrected (same event id); `detail` is the event's new view.
  Status edit_held(const v1::Event& corrected, ExceptionAction action, const std::string& detail);
  // Takes a held event out of custody without posting it; its site hears DISCARDED.
  Status discard_held(const std::string& event_id, ExceptionAction action);
  // Retries the held events whose exception class clears with master data:
  // those `scope` can clear (an item they name changed; any ship item for an
  // unknown carrier), or all of them when `scope` is null. Returns how many
  // went back to the queue.
  size_t revalidate_master_data(const std::string& why, const MasterDataScope* scope = nullptr);
  // Events queued behind the key of `event_id` (0 when none or unknown).
  size_t waiting_behind(const std::string& event_id);
  // New events in ledger order (from the intake, after their commit).
  void enqueue(const std::vector<LedgerEntry>& entries);
  // Events taken as held at once (invalid): they block their own key.
  void enqueue_held(const std::vector<LedgerEntry>& entries);
  void start();
  void stop();
  PosterStats stats() const;

 private:
  struct Key {
    std::deque<uint64_t> seqs;
    bool busy = false;
    bool held = false;
    bool lookup_first = false;
    int attempts = 0;
    int64_t not_before = 0;
  };
  // One ERP record's worth of work: the key's head event and, when coalesced,
  // the events behind it that the same record stands for.
  struct Work {
    std::string key;
    uint64_t seq = 0;
    bool lookup = false;
    std::vector<uint64_t> behind;  // candidates for coalescing, in key order
    LedgerRecord record;           // the head
    bool found_by_lookup = false;  // the outcome came from the ERP lookup, not a post
    std::vector<std::pair<uint64_t, LedgerRecord>> group;  // coalesced with the head
  };
  void worker();
  // Posts one event (or group); returns the outcome to apply. Runs without the lock.
  ErpOutcome attempt(Work& w);
  // Loads the group the head was attempted with, or forms one from the candidates.
  Status form_group(Work& w);
  // Asks the ERP for the record of `e`: nullopt when it surely is not there.
  std::optional<ErpOutcome> look_up(const v1::Event& e);
  void finish(Work& w, const ErpOutcome& outcome);
  void make_ready(const std::string& key, Key& k, int64_t now);  // with mu_ held
  // The held event's ledger seq, record and key.
  Status find_held(const std::string& event_id, uint64_t* seq, LedgerRecord* rec, std::string* key);
  // Back to the queue after the ledger released it.
  void unblock(const std::string& key, uint64_t seq);
  // Releases a held event: with `action` recorded (a person), or quietly (a
  // re-validation: the exception only changes if the event posts, or is held
  // for another reason), `why` then says what changed.
  Status release_held(const std::string& event_id, const ExceptionAction* action, const std::string& why);
  // Exceptions for held events that have none (held at intake, or a crash between commits).
  void reconcile_exceptions(const std::vector<std::pair<uint64_t, LedgerRecord>>& held);

  Ledger& ledger_;
  ErpConnector& erp_;
  ExceptionBook* book_ = nullptr;
  const Clock& clock_;
  PosterOptions options_;
  OutcomeSink sink_;
  Backoff backoff_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Key> keys_;
  std::deque<std::string> ready_;
  std::multimap<int64_t, std::string> delayed_;
  std::unordered_set<uint64_t> attempted_;  // attempted before the last start
  std::unordered_set<uint64_t> released_;   // retried after a hold: their exception resolves when they post
  std::unordered_map<uint64_t, std::string> quiet_;  // re-validated without a trail entry, and why
  std::unordered_map<std::string, std::string> held_class_;  // key -> class of its held head
  int limit_;
  int active_ = 0;
  int successes_in_row_ = 0;
  uint64_t queued_ = 0;      // events in all key queues
  uint64_t held_keys_ = 0;   // keys whose head is held
  bool stopping_ = false;
  PosterStats stats_;
  // Events posted per second over the last minute (the fleet page's posting rate): one bucket per second.
  mutable std::deque<std::pair<int64_t, uint64_t>> posted_by_second_;
  std::vector<std::thread> workers_;
};

}  // namespace sb::relay
