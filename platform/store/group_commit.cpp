// GroupCommitter: callers park on their own Pending (on their stack) while the
// writer thread commits whatever queued up since the last fsync.
#include "platform/store/group_commit.h"

#include <algorithm>
#include <vector>

#include "platform/core/log.h"

namespace sb {

struct GroupCommitter::Pending {
  Pending(Op* o, AfterCommit* a) : op(o), after(a) {}
  Op* op;
  AfterCommit* after;
  Status result;
  bool done = false;            // guarded by mu_
  std::condition_variable cv;   // waited on with mu_
};

namespace {

// Runs the group in one write transaction and commits it. Fills each result.
// Returns true when something of the group was durably committed.
//
// An op that refuses must leave nothing behind, but an op that refused after
// writing would leave its writes in the shared commit. So when an op refuses
// (and the transaction itself is sound), the transaction is dropped and the
// group runs again without it; the refusal stands as that op's result.
bool commit_once(KvStore& store, const std::vector<GroupCommitter::Op*>& ops, std::vector<Status>& results,
                 Status* commit_status) {
  std::vector<bool> refused(ops.size(), false);
  for (size_t attempt = 0; attempt <= ops.size(); ++attempt) {
    Result<std::unique_ptr<WriteTxn>> txn = store.write();
    if (!txn.ok()) {
      *commit_status = txn.status();
      return false;
    }
    bool any_ok = false, any_new_refusal = false;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (refused[i]) continue;
      results[i] = (*ops[i])(**txn);
      if (results[i].ok()) {
        any_ok = true;
      } else if (!(*txn)->failed()) {
        refused[i] = true;
        any_new_refusal = true;
      }
    }
    if (any_new_refusal && !(*txn)->failed()) {
      if (!any_ok) {
        *commit_status = Status::Ok();  // nothing to commit; the transaction is dropped
        return false;
      }
      continue;  // dropped with whatever the refusing ops wrote; the others run again
    }
    // A failed transaction (map full, I/O) is reported by commit() for the
    // whole group; the caller may grow the map and run it all again.
    *commit_status = (*txn)->commit();
    return any_ok && commit_status->ok();
  }
  *commit_status = Status::Internal("group commit did not settle");
  return false;
}

}  // namespace

GroupCommitter::GroupCommitter(KvStore& store, Options options) : store_(store), options_(options) {
  options_.max_ops_per_commit = std::max<size_t>(1, options_.max_ops_per_commit);
  writer_ = std::thread([this] { writer_loop(); });
}

GroupCommitter::~GroupCommitter() {
  stop();
  // Woken callers still have to re-take mu_ to leave run(); mu_ must outlive that.
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_run_ == 0; });
}

Status GroupCommitter::run(Op op, AfterCommit after) {
  if (!op) return Status::InvalidArgument("empty op");
  Pending p(&op, after ? &after : nullptr);
  std::unique_lock lock(mu_);
  if (stopping_) return Status::FailedPrecondition("group committer stopped");
  queue_.push_back(&p);
  ++in_run_;
  if (queue_.size() == 1) cv_.notify_one();  // the writer sleeps only on an empty queue
  p.cv.wait(lock, [&] { return p.done; });
  if (--in_run_ == 0 && stopping_) cv_.notify_all();  // the destructor may be waiting
  return std::move(p.result);
}

void GroupCommitter::stop() {
  std::thread writer;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer = std::move(writer_);
  }
  cv_.notify_all();
  if (writer.joinable()) writer.join();
}

uint64_t GroupCommitter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

uint64_t GroupCommitter::ops() const {
  std::lock_guard lock(mu_);
  return ops_;
}

void GroupCommitter::writer_loop() {
  std::vector<Pending*> group;
  std::vector<Op*> ops;
  std::vector<Status> results;
  group.reserve(options_.max_ops_per_commit);
  ops.reserve(options_.max_ops_per_commit);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        // Queued ops never ran, so failing them is safe: nothing of theirs was written.
        for (Pending* p : queue_) {
          p->result = Status::FailedPrecondition("group committer stopped");
          p->done = true;
          p->cv.notify_one();
        }
        queue_.clear();
        return;
      }
      const size_t n = std::min(queue_.size(), options_.max_ops_per_commit);
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }

    ops.clear();
    for (Pending* p : group) ops.push_back(p->op);
    results.resize(group.size());
    Status commit_status;
    bool committed = commit_once(store_, ops, results, &commit_status);
    if (!committed && commit_status.code() == Code::kResourceExhausted) {
      Status grown = store_.grow();
      if (grown.ok()) {
        committed = commit_once(store_, ops, results, &commit_status);  // replay the whole group
      } else {
        log::warn("store", "store full at its cap; group refused",
                  {{"ops", group.size()}, {"reason", grown.message()}});
      }
    }

    uint64_t ok_ops = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      // A failed commit fails every op: an op that refused may have judged by a
      // group-mate's write that is now gone.
      if (!commit_status.ok()) results[i] = commit_status;
      if (results[i].ok()) {
        ++ok_ops;
        if (group[i]->after != nullptr && *group[i]->after) (*group[i]->after)();
      }
    }

    std::lock_guard lock(mu_);
    if (committed) ++commits_;
    ops_ += ok_ops;
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->result = std::move(results[i]);
      group[i]->done = true;
      group[i]->cv.notify_one();
    }
  }
}

}  // namespace sb
