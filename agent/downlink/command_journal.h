// CommandJournal: the agent's durable queue of commands from the ERP (the
// downlink), applied to Clarus in the order they arrived.
//
// A DownlinkBatch is journaled before it is acknowledged: accept() commits the
// commands that continue the relay's stream (seq = high-water + 1, +2, ...)
// with fsync, and reports the new high-water, which is what the DownlinkAck
// says. A command already seen (by seq, or by command_id under any epoch) is
// not journaled twice; a command beyond a gap is left for the relay to send
// again. Commands are then applied one at a time from next(); finish()
// records the outcome, the ERP id <-> Clarus id mappings learnt, and frees the
// command -- in one commit, so a crash between applying and recording repeats
// the apply, which is idempotent (lookup before create).
//
// A command Clarus refused is kept as held, together with its business key:
// later commands of that key are held behind it (so a cancel never overtakes a
// refused release), while commands of other keys proceed. The refused one is
// a CLARUS_REJECTED exception (in the book given to set_exception_book(),
// raised in the commit that holds it); a retry puts the key's held commands
// back in the queue in their order, a discard drops the refused one and
// queues those behind it. An applied command resolves its exception.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

struct PendingCommand {
  uint64_t local_seq = 0;
  v1::Command command;
};

struct HeldCommand {
  v1::Command command;
  v1::CommandOutcome outcome;
};

struct CommandJournalStats {
  uint64_t waiting = 0;            // journaled, not yet applied or held
  uint64_t applied = 0;            // since start
  uint64_t held = 0;               // held now
  uint64_t duplicates = 0;         // since start
  int64_t oldest_waiting_ms = 0;   // accepted_at of the next command, 0 when none
  int64_t last_applied_at_ms = 0;
};

class CommandJournal {
 public:
  static Result<std::unique_ptr<CommandJournal>> open(KvStore& store, GroupCommitter& committer, const Clock& clock);

  // Journals the commands of `batch` that continue its stream. Returns the
  // stream's high-water seq afterwards (everything <= it is journaled). A
  // command that can never be applied (no id, an id or key too long) is not
  // journaled but acknowledged and reported HELD, so the stream moves on.
  Result<uint64_t> accept(const v1::DownlinkBatch& batch);

  // The next command to apply, or nothing when all are applied.
  Result<std::optional<PendingCommand>> next() const;

  // Records what became of the command at local_seq and frees it. `mappings`
  // (key -> Clarus id) are kept for later lookups. A HELD outcome keeps the
  // command and blocks its business key.
  Status finish(uint64_t local_seq, const v1::Command& command, const v1::CommandOutcome& outcome,
                const std::vector<std::pair<std::string, std::string>>& mappings);

  // A Clarus id learnt earlier ("order:<erp id>", "item:<sku>", ...); "" when unknown.
  std::string mapping(const std::string& key) const;
  Status put_mapping(const std::string& key, const std::string& clarus_id);
  // The command id holding `business_key`, "" when none.
  std::string held_by(const std::string& business_key) const;
  std::vector<HeldCommand> held(size_t max = 200) const;
  // Outcomes not yet reported to the relay (taken: they go into the next ack).
  std::vector<v1::CommandOutcome> take_unreported();
  // Puts outcomes back at the front (the ack carrying them could not be sent).
  void report_again(std::vector<v1::CommandOutcome> outcomes);
  // Queues the outcome of every held command again (at start: the relay may have missed them).
  void report_held();
  std::vector<v1::CommandOutcome> recent() const;  // newest first, the last 50
  uint64_t high_water(const std::string& epoch) const;
  CommandJournalStats stats() const;

  void on_accepted(std::function<void()> fn) { on_accepted_ = std::move(fn); }

  // Where refused commands' exceptions go (null: none). Set before use.
  void set_exception_book(ExceptionBook* book) { book_ = book; }
  // A person's (or the system's) actions on the refused command holding its key.
  // NotFound: not held; FailedPrecondition: it waits behind another.
  Status retry_held(const std::string& command_id, const ExceptionAction& action);
  Status discard_held(const std::string& command_id, const ExceptionAction& action);
  // Retries every refused command that names `sku` (its item just arrived). Returns how many.
  size_t retry_held_for_sku(const std::string& sku, const std::string& why);

  static constexpr size_t kMaxKeyBytes = 256;  // command ids and business keys become LMDB keys
  // Why a command cannot be journaled ("" when it can).
  static std::string unacceptable(const v1::Command& c);

 private:
  CommandJournal(KvStore& store, GroupCommitter& committer, const Clock& clock)
      : store_(store), committer_(committer), clock_(clock) {}
  Status init();

  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  TableId commands_{}, ids_{}, meta_{}, held_{}, held_keys_{}, map_{};
  std::atomic<uint64_t> next_local_seq_{1};
  std::function<void()> on_accepted_;
  ExceptionBook* book_ = nullptr;
  // Ends the hold of the key `command_id` holds: puts the key's held commands back in
  // the queue in their order (the holder itself too unless `drop_holder`).
  Status release_key(const std::string& command_id, bool drop_holder, ExceptionState to, const ExceptionAction& action);
  mutable std::mutex mu_;
  std::deque<v1::CommandOutcome> unreported_;
  std::deque<v1::CommandOutcome> recent_;
  uint64_t applied_ = 0, duplicates_ = 0;
  int64_t last_applied_at_ms_ = 0;
};

// How the reason of a command held behind another begins (its holder's id follows).
inline constexpr char kWaitsBehind[] = "waits behind command ";

// The business key a command orders under when the relay gave none.
std::string command_business_key(const v1::Command& c);
const char* command_kind(const v1::Command& c);

}  // namespace sb::agent
