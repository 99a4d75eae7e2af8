// ExceptionBook: durable, audited records of work that could not go on by
// itself and waits for a person (or for master data) to act.
//
// One model at the agent and the relay (DESIGN.md guarantee 5): an exception
// names the thing it holds (its subject: an event, a command, an item), the
// class of problem, the team that owns it, a reason in plain words, when it was
// first seen, how often it was tried, its state, and an audit trail of every
// action taken on it (who, when, what, what changed). The book knows nothing
// of warehouses: classes, owners and subjects are strings the caller chooses
// (the vocabulary is in proto/stockbridge/v1/exceptions.h).
//
// Life of an exception:
//   raise()   open (a subject's first hold), or the same exception again
//             (attempts + 1, reason and class updated) while it is not closed;
//   act()     a person's or the system's action: retry -> retrying, edit ->
//             retrying (with the change in the trail), discard -> discarded,
//             resolve -> resolved; every call appends to the trail;
//   resolve_subject()  the subject went on (posted, applied, superseded):
//             the open exception is resolved with a note.
// Closed exceptions (resolved, discarded) are kept for `retention`, then
// prune() forgets them. A subject has at most one exception not closed.
//
// Records are stored as JSON text in the caller's KvStore, under tables whose
// names start with `prefix` (e.g. "exc"), so the agent's journal and the
// relay's ledger can hold them in the same LMDB environment. The *_in()
// variants write inside the caller's transaction (so holding an event and
// raising its exception are one commit); the others commit through the
// GroupCommitter.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace sb {

enum class ExceptionState { kOpen, kRetrying, kResolved, kDiscarded };
// "open", "retrying", "resolved", "discarded".
std::string_view to_string(ExceptionState s);
std::optional<ExceptionState> parse_exception_state(std::string_view s);
inline bool is_closed(ExceptionState s) { return s == ExceptionState::kResolved || s == ExceptionState::kDiscarded; }

// One entry of the audit trail.
struct ExceptionAction {
  int64_t at_ms = 0;
  std::string who;     // the authenticated user, or "system"
  std::string action;  // "raised", "held again", "retry", "edit", "discard", "resolved", ...
  std::string note;    // why (mandatory for a discard), or what the system saw
  std::string change;  // what changed, e.g. "tracking_number: '' -> '1Z999AA10123456784'"; "" if nothing

  // An action by `who` (at_ms stamped when it is recorded).
  static ExceptionAction by(std::string who, std::string action, std::string note = "") {
    ExceptionAction a;
    a.who = std::move(who);
    a.action = std::move(action);
    a.note = std::move(note);
    return a;
  }
};

struct ExceptionRecord {
  std::string id;            // "EX-000001": assigned by the book, never reused
  std::string cls;           // e.g. "UNKNOWN_SKU"
  std::string owner;         // e.g. "warehouse", "finance", "IT"
  std::string subject_kind;  // e.g. "event", "command", "item"
  std::string subject_id;    // e.g. the event id
  std::string site;
  std::string key;           // the business key it blocks ("" if none)
  std::string reason;        // in words a warehouse lead understands
  std::string detail;        // JSON text describing the subject as it now stands ("" if none)
  ExceptionState state = ExceptionState::kOpen;
  int64_t first_seen_ms = 0;
  int64_t updated_ms = 0;
  uint32_t attempts = 1;     // times the subject was tried and held
  std::vector<ExceptionAction> trail;

  Json to_json() const;                        // every field; trail as an array of objects
  static Result<ExceptionRecord> from_json(const Json& j);
};

// What a hold says about its subject.
struct ExceptionRaise {
  std::string cls;
  std::string owner;
  std::string subject_kind;
  std::string subject_id;
  std::string site;
  std::string key;
  std::string reason;
  std::string detail;  // JSON text or ""
  std::string who = "system";
  std::string note;    // goes in the trail entry
};

struct ExceptionFilter {
  std::string cls;     // "" = any
  std::string owner;   // "" = any
  std::string site;    // "" = any
  std::optional<ExceptionState> state;  // nullopt = any
  bool only_unclosed = false;           // open or retrying
  size_t limit = 500;                   // newest first
};

struct ExceptionCounts {
  uint64_t open = 0;      // open + retrying
  uint64_t retrying = 0;
  std::map<std::string, uint64_t> by_class;  // unclosed, per class
  std::map<std::string, uint64_t> by_owner;  // unclosed, per owner
  int64_t oldest_first_seen_ms = 0;          // of the unclosed; 0 when none

  // {"open","retrying","by_class":{..},"by_owner":{..},"oldest_first_seen_ms"}
  Json to_json() const;
};

class ExceptionBook {
 public:
  struct Options {
    Millis retention{90LL * 24 * 3600 * 1000};  // closed exceptions are kept this long
  };
  // Opens (creating) the tables "<prefix>", "<prefix>_subject", "<prefix>_open", "<prefix>_meta".
  static Result<std::unique_ptr<ExceptionBook>> open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                                     const std::string& prefix, Options options);
  static Result<std::unique_ptr<ExceptionBook>> open(KvStore& store, GroupCommitter& committer, const Clock& clock,
                                                     const std::string& prefix) {
    return open(store, committer, clock, prefix, Options{});
  }

  // Opens an exception for the subject or, when one is not closed yet, updates
  // that one: attempts + 1, class, owner, reason and detail replaced, state
  // back to open, a trail entry "held again" (or "raised" for a new one).
  Result<ExceptionRecord> raise(const ExceptionRaise& r);
  Status raise_in(WriteTxn& txn, const ExceptionRaise& r, ExceptionRecord* out = nullptr);

  // An action on exception `id`: appends `action` (at_ms stamped when 0) to
  // its trail, moves it to `to`, and replaces its detail when `detail` is
  // given. FailedPrecondition when it is closed already (a closed exception
  // takes no more actions); NotFound for an unknown id.
  Result<ExceptionRecord> act(const std::string& id, ExceptionState to, ExceptionAction action,
                              const std::string* detail = nullptr);
  Status act_in(WriteTxn& txn, const std::string& id, ExceptionState to, ExceptionAction action,
                const std::string* detail = nullptr, ExceptionRecord* out = nullptr);

  // The subject went on: its unclosed exception (if any) is resolved with
  // `note` by `who`. NotFound when it has none unclosed.
  Result<ExceptionRecord> resolve_subject(const std::string& subject_kind, const std::string& subject_id,
                                          const std::string& who, const std::string& note);
  Status resolve_subject_in(WriteTxn& txn, const std::string& subject_kind, const std::string& subject_id,
                            const std::string& who, const std::string& note, ExceptionRecord* out = nullptr);

  Result<ExceptionRecord> get(const std::string& id);
  // The subject's unclosed exception, else its latest closed one; NotFound if none.
  Result<ExceptionRecord> find_subject(const std::string& subject_kind, const std::string& subject_id);
  Result<ExceptionRecord> find_subject_in(ReadTxn& txn, const std::string& subject_kind, const std::string& subject_id);

  // Newest first (by id), filtered.
  Result<std::vector<ExceptionRecord>> list(const ExceptionFilter& filter);
  // Every unclosed exception, oldest first (for re-validation passes).
  Status scan_unclosed(const std::function<bool(const ExceptionRecord&)>& visit);
  ExceptionCounts counts();  // zeros when the store cannot be read

  // Forgets closed exceptions updated longer than `retention` ago. Returns how many.
  Result<uint64_t> prune(size_t max = 10'000);

 private:
  ExceptionBook(KvStore& store, GroupCommitter& committer, const Clock& clock, Options options)
      : store_(store), committer_(committer), clock_(clock), options_(options) {}
  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  Options options_;
  TableId records_{}, subjects_{}, open_{}, meta_{};
};

}  // namespace sb
