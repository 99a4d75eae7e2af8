// MemoryStore: the in-memory twin of the LMDB store, for tests.
//
// Committed state is an immutable Snapshot shared by pointer: a read txn keeps the
// one it started with (a consistent view for its life); a write txn buffers its
// writes in an overlay and, at commit, builds the next snapshot by copying only
// the tables it touched. One writer at a time, as with LMDB. grow() is a no-op
// when unlimited and kResourceExhausted when max_bytes is set (the cap is fixed).
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/store/kv_store.h"

namespace sb {
namespace {

constexpr size_t kMaxKeyBytes = 511;  // LMDB's limit, so the twin refuses what LMDB would

using Visit = std::function<bool(std::string_view key, std::string_view value)>;
using Table = std::map<std::string, std::string, std::less<>>;
using Overlay = std::map<std::string, std::optional<std::string>, std::less<>>;  // nullopt = deleted

struct Snapshot {
  std::vector<std::shared_ptr<const Table>> tables;
  uint64_t bytes = 0;  // keys + values
};

// Visits base and overlay merged (overlay shadows base; deletions hidden) in the
// order `first` defines: ascending with std::less, descending with std::greater.
template <class BaseIt, class OverIt, class First>
void merge_visit(BaseIt b, BaseIt be, OverIt o, OverIt oe, First first, const Visit& visit) {
  while (b != be || o != oe) {
    bool from_overlay;
    if (b == be) {
      from_overlay = true;
    } else if (o == oe) {
      from_overlay = false;
    } else if (first(o->first, b->first)) {
      from_overlay = true;
    } else if (first(b->first, o->first)) {
      from_overlay = false;
    } else {
      ++b;  // same key: the overlay's version wins
      from_overlay = true;
    }
    if (from_overlay) {
      if (o->second && !visit(o->first, *o->second)) return;
      ++o;
    } else {
      if (!visit(b->first, b->second)) return;
      ++b;
    }
  }
}

class MemStore;

// Serves both read() (writer == false) and write().
class MemTxn final : public WriteTxn {
 public:
  MemTxn(MemStore& store, std::shared_ptr<const Snapshot> base, bool writer)
      : store_(store), base_(std::move(base)), writer_(writer), owner_(std::this_thread::get_id()) {}
  ~MemTxn() override;

  Status get(TableId t, std::string_view key, std::string* value) override;
  Status scan(TableId t, std::string_view from, const Visit& visit) override;
  Status scan_back(TableId t, std::string_view from, const Visit& visit) override;
  Result<uint64_t> count(TableId t) override;
  Status put(TableId t, std::string_view key, std::string_view value) override;
  Status put_last(TableId t, std::string_view key, std::string_view value) override;
  Status del(TableId t, std::string_view key) override;
  Status commit() override;

  std::vector<Overlay>& overlays() { return overlay_; }
  const Snapshot& base() const { return *base_; }

 private:
  Status usable() const;
  Status usable(TableId t) const;
  const Overlay& overlay_of(TableId t) const {
    static const Overlay kEmpty;
    return t.handle < overlay_.size() ? overlay_[t.handle] : kEmpty;
  }
  Overlay& writable_overlay(TableId t) {
    if (overlay_.size() <= t.handle) overlay_.resize(t.handle + 1);
    return overlay_[t.handle];
  }

  MemStore& store_;
  std::shared_ptr<const Snapshot> base_;
  std::vector<Overlay> overlay_;  // by table handle
  bool writer_;
  bool finished_ = false;
  std::thread::id owner_;
};

class MemStore final : public MemoryStore {
 public:
  explicit MemStore(uint64_t max_bytes) : max_bytes_(max_bytes), committed_(std::make_shared<Snapshot>()) {}

  Result<TableId> table(const std::string& name) override {
    if (name.empty()) return Status::InvalidArgument("table name must not be empty");
    // Adding a table changes the committed snapshot, so it takes the writer role.
    auto base = acquire_writer();
    auto it = names_.find(name);
    if (it == names_.end()) {
      auto next = std::make_shared<Snapshot>(*base);
      next->tables.push_back(std::make_shared<Table>());
      it = names_.emplace(name, static_cast<unsigned>(next->tables.size() - 1)).first;
      std::lock_guard lock(mu_);
      committed_ = std::move(next);
    }
    TableId id{it->second};
    release_writer();
    return id;
  }

  Result<std::unique_ptr<ReadTxn>> read() override {
    std::lock_guard lock(mu_);
    return std::unique_ptr<ReadTxn>(std::make_unique<MemTxn>(*this, committed_, false));
  }

  Result<std::unique_ptr<WriteTxn>> write() override {
    return std::unique_ptr<WriteTxn>(std::make_unique<MemTxn>(*this, acquire_writer(), true));
  }

  Status grow() override {
    if (max_bytes_ == 0) return Status::Ok();
    return Status::ResourceExhausted("memory store at its cap of " + std::to_string(max_bytes_) + " bytes");
  }

  StoreStats stats() override {
    std::lock_guard lock(mu_);
    StoreStats s;
    s.map_bytes = s.max_map_bytes = max_bytes_;
    s.used_bytes = committed_->bytes;
    s.commits = commits_;
    return s;
  }

  void fail_commits(int n, Status status) override {
    std::lock_guard lock(mu_);
    fail_n_ = n;
    fail_status_ = std::move(status);
  }

  // Called by the writer's MemTxn; the caller releases the writer role afterwards.
  Status commit(MemTxn& txn);

  void release_writer() {
    std::lock_guard lock(mu_);
    writer_active_ = false;
    writer_cv_.notify_one();
  }

 private:
  std::shared_ptr<const Snapshot> acquire_writer() {
    std::unique_lock lock(mu_);
    writer_cv_.wait(lock, [&] { return !writer_active_; });
    writer_active_ = true;
    return committed_;
  }

  const uint64_t max_bytes_;
  std::mutex mu_;
  std::condition_variable writer_cv_;
  bool writer_active_ = false;
  std::shared_ptr<const Snapshot> committed_;
  std::map<std::string, unsigned> names_;  // touched only by the writer-role holder
  uint64_t commits_ = 0;
  int fail_n_ = 0;
  Status fail_status_;
};

Status MemStore::commit(MemTxn& txn) {
  {
    std::lock_guard lock(mu_);
    if (fail_n_ > 0) {
      --fail_n_;
      return fail_status_;
    }
  }
  // Only the writer replaces committed_, so txn.base() is still the latest.
  auto next = std::make_shared<Snapshot>(txn.base());
  std::vector<Overlay>& overlays = txn.overlays();
  for (size_t h = 0; h < overlays.size(); ++h) {
    if (overlays[h].empty()) continue;
    auto table = std::make_shared<Table>(*next->tables[h]);
    for (auto& [key, value] : overlays[h]) {
      auto it = table->find(key);
      if (it != table->end()) {
        next->bytes -= it->first.size() + it->second.size();
        table->erase(it);
      }
      if (value) {
        next->bytes += key.size() + value->size();
        table->emplace(key, std::move(*value));
      }
    }
    next->tables[h] = std::move(table);
  }
  if (max_bytes_ != 0 && next->bytes > max_bytes_) {
    return Status::ResourceExhausted("memory store full: " + std::to_string(next->bytes) + " > " +
                                     std::to_string(max_bytes_) + " bytes");
  }
  std::lock_guard lock(mu_);
  committed_ = std::move(next);
  ++commits_;
  return Status::Ok();
}

MemTxn::~MemTxn() {
  if (writer_ && !finished_) store_.release_writer();
}

Status MemTxn::usable() const {
  if (finished_) return Status::FailedPrecondition("write transaction already finished");
  if (writer_ && owner_ != std::this_thread::get_id()) {
    return Status::FailedPrecondition("write transaction used off the thread that began it");
  }
  return Status::Ok();
}

Status MemTxn::usable(TableId t) const {
  SB_RETURN_IF_ERROR(usable());
  if (t.handle >= base_->tables.size()) return Status::InvalidArgument("unknown table handle");
  return Status::Ok();
}

Status check_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return Status::InvalidArgument("key must be 1..511 bytes");
  return Status::Ok();
}

Status check_bound(std::string_view from) {
  if (from.size() > kMaxKeyBytes) return Status::InvalidArgument("scan bound longer than a key may be");
  return Status::Ok();
}

Status MemTxn::get(TableId t, std::string_view key, std::string* value) {
  SB_RETURN_IF_ERROR(usable(t));
  SB_RETURN_IF_ERROR(check_key(key));
  const Overlay& o = overlay_of(t);
  if (auto it = o.find(key); it != o.end()) {
    if (!it->second) return Status::NotFound("no such key");
    *value = *it->second;
    return Status::Ok();
  }
  const Table& b = *base_->tables[t.handle];
  auto it = b.find(key);
  if (it == b.end()) return Status::NotFound("no such key");
  *value = it->second;
  return Status::Ok();
}

Status MemTxn::scan(TableId t, std::string_view from, const Visit& visit) {
  SB_RETURN_IF_ERROR(usable(t));
  SB_RETURN_IF_ERROR(check_bound(from));
  const Table& b = *base_->tables[t.handle];
  const Overlay& o = overlay_of(t);
  merge_visit(b.lower_bound(from), b.end(), o.lower_bound(from), o.end(), std::less<>{}, visit);
  return Status::Ok();
}

Status MemTxn::scan_back(TableId t, std::string_view from, const Visit& visit) {
  SB_RETURN_IF_ERROR(usable(t));
  SB_RETURN_IF_ERROR(check_bound(from));
  const Table& b = *base_->tables[t.handle];
  const Overlay& o = overlay_of(t);
  auto b_start = from.empty() ? b.end() : b.upper_bound(from);
  auto o_start = from.empty() ? o.end() : o.upper_bound(from);
  merge_visit(std::make_reverse_iterator(b_start), b.rend(), std::make_reverse_iterator(o_start), o.rend(),
              std::greater<>{}, visit);
  return Status::Ok();
}

Result<uint64_t> MemTxn::count(TableId t) {
  SB_RETURN_IF_ERROR(usable(t));
  const Table& b = *base_->tables[t.handle];
  uint64_t n = b.size();
  for (const auto& [key, value] : overlay_of(t)) {
    bool in_base = b.count(key) != 0;
    if (in_base && !value) --n;
    if (!in_base && value) ++n;
  }
  return n;
}

Status MemTxn::put(TableId t, std::string_view key, std::string_view value) {
  SB_RETURN_IF_ERROR(usable(t));
  SB_RETURN_IF_ERROR(check_key(key));
  writable_overlay(t).insert_or_assign(std::string(key), std::string(value));
  return Status::Ok();
}

Status MemTxn::put_last(TableId t, std::string_view key, std::string_view value) {
  bool greater = true;
  SB_RETURN_IF_ERROR(scan_back(t, "", [&](std::string_view last, std::string_view) {
    greater = key > last;
    return false;
  }));
  if (!greater) return Status::InvalidArgument("put_last: the key is not greater than the last key");
  return put(t, key, value);
}

Status MemTxn::del(TableId t, std::string_view key) {
  std::string ignored;
  SB_RETURN_IF_ERROR(get(t, key, &ignored));  // NotFound when absent
  writable_overlay(t).insert_or_assign(std::string(key), std::nullopt);
  return Status::Ok();
}

Status MemTxn::commit() {
  if (!writer_) return Status::FailedPrecondition("read transaction cannot commit");
  SB_RETURN_IF_ERROR(usable());
  Status s = store_.commit(*this);
  finished_ = true;
  store_.release_writer();
  return s;
}

}  // namespace

std::unique_ptr<MemoryStore> MemoryStore::create(uint64_t max_bytes) {
  return std::make_unique<MemStore>(max_bytes);
}

}  // namespace sb
