// LMDB transactions behind ReadTxn/WriteTxn, and the LMDB-code -> Status map.
#include <cerrno>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "platform/store/lmdb_internal.h"

namespace sb::lmdb_detail {

using Visit = std::function<bool(std::string_view key, std::string_view value)>;

Status to_status(int rc, std::string_view what) {
  std::string m(what);
  m += ": ";
  if (rc > 0) {
    m += std::error_code(rc, std::generic_category()).message();
    // EINVAL is LMDB refusing a call (e.g. a table opened after this txn began),
    // not the disk failing; every other errno is the OS's.
    return rc == EINVAL ? Status::InvalidArgument(std::move(m)) : Status::IoError(std::move(m));
  }
  m += mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND: return Status::NotFound(std::move(m));
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL: return Status::ResourceExhausted(std::move(m));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID: return Status::Corruption(std::move(m));
    case MDB_PANIC: return Status::IoError(std::move(m) + " (reopen the store)");
    case MDB_BAD_VALSIZE: return Status::InvalidArgument(std::move(m));
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE: return Status::FailedPrecondition(std::move(m));
    case MDB_MAP_RESIZED: return Status::Unavailable(std::move(m));
    default: return Status::Internal(std::move(m));
  }
}

Status Env::check(TableId t) const {
  if (t.handle >= dbi_slots || !valid[t.handle].load(std::memory_order_acquire)) {
    return Status::InvalidArgument("unknown table handle");
  }
  return Status::Ok();
}

Status Env::check(TableId t, std::string_view key) const {
  SB_RETURN_IF_ERROR(check(t));
  if (key.empty() || key.size() > max_key_bytes) {
    return Status::InvalidArgument("key must be 1.." + std::to_string(max_key_bytes) + " bytes");
  }
  return Status::Ok();
}

void Env::adopt_map_size() {
  gate.enter_exclusive();
  mdb_env_set_mapsize(env, 0);
  gate.leave_exclusive();
}

namespace {

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

struct Cursor {
  MDB_cursor* c = nullptr;
  ~Cursor() {
    if (c) mdb_cursor_close(c);
  }
};

// The raw operations shared by both kinds of transaction; they return LMDB codes.
int get_value(MDB_txn* txn, TableId t, std::string_view key, std::string* value) {
  MDB_val k = val(key);
  MDB_val v;
  int rc = mdb_get(txn, t.handle, &k, &v);
  if (rc == 0) value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
  return rc;
}

int scan_forward(MDB_txn* txn, TableId t, std::string_view from, const Visit& visit) {
  Cursor cur;
  int rc = mdb_cursor_open(txn, t.handle, &cur.c);
  if (rc != 0) return rc;
  MDB_val k = val(from);
  MDB_val v;
  rc = mdb_cursor_get(cur.c, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    if (!visit(view(k), view(v))) return 0;
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT);
  }
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int scan_backward(MDB_txn* txn, TableId t, std::string_view from, const Visit& visit) {
  Cursor cur;
  int rc = mdb_cursor_open(txn, t.handle, &cur.c);
  if (rc != 0) return rc;
  MDB_val k = val(from);
  MDB_val v;
  if (from.empty()) {
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_LAST);
  } else {
    // Position on the first key >= from, then step back if it is past `from`.
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && view(k) != from) {
      rc = mdb_cursor_get(cur.c, &k, &v, MDB_PREV);
    } else if (rc == MDB_NOTFOUND) {
      rc = mdb_cursor_get(cur.c, &k, &v, MDB_LAST);
    }
  }
  while (rc == 0) {
    if (!visit(view(k), view(v))) return 0;
    rc = mdb_cursor_get(cur.c, &k, &v, MDB_PREV);
  }
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int count_entries(MDB_txn* txn, TableId t, uint64_t* n) {
  MDB_stat st;
  int rc = mdb_stat(txn, t.handle, &st);
  if (rc == 0) *n = st.ms_entries;
  return rc;
}

Status check_bound(const Env& env, TableId t, std::string_view from) {
  SB_RETURN_IF_ERROR(env.check(t));
  if (from.size() > env.max_key_bytes) return Status::InvalidArgument("scan bound longer than a key may be");
  return Status::Ok();
}

class LmdbReadTxn final : public ReadTxn {
 public:
  LmdbReadTxn(Env& env, MDB_txn* txn) : env_(env), txn_(txn) {}
  ~LmdbReadTxn() override {
    mdb_txn_abort(txn_);
    env_.gate.leave_shared();
  }

  Status get(TableId t, std::string_view key, std::string* value) override {
    SB_RETURN_IF_ERROR(env_.check(t, key));
    int rc = get_value(txn_, t, key, value);
    if (rc == MDB_NOTFOUND) return Status::NotFound("no such key");
    return rc == 0 ? Status::Ok() : to_status(rc, "get");
  }
  Status scan(TableId t, std::string_view from, const Visit& visit) override {
    SB_RETURN_IF_ERROR(check_bound(env_, t, from));
    int rc = scan_forward(txn_, t, from, visit);
    return rc == 0 ? Status::Ok() : to_status(rc, "scan");
  }
  Status scan_back(TableId t, std::string_view from, const Visit& visit) override {
    SB_RETURN_IF_ERROR(check_bound(env_, t, from));
    int rc = scan_backward(txn_, t, from, visit);
    return rc == 0 ? Status::Ok() : to_status(rc, "scan_back");
  }
  Result<uint64_t> count(TableId t) override {
    SB_RETURN_IF_ERROR(env_.check(t));
    uint64_t n = 0;
    int rc = count_entries(txn_, t, &n);
    if (rc != 0) return to_status(rc, "count");
    return n;
  }

 private:
  Env& env_;
  MDB_txn* txn_;
};

// Any LMDB error inside a write transaction leaves it unusable (MDB_TXN_ERROR), so
// the first one aborts it at once and is returned by every later call, commit()
// included: a transaction that saw an error is never committed.
class LmdbWriteTxn final : public WriteTxn {
 public:
  LmdbWriteTxn(Env& env, MDB_txn* txn) : env_(env), txn_(txn), owner_(std::this_thread::get_id()) {}
  ~LmdbWriteTxn() override { end(); }

  Status get(TableId t, std::string_view key, std::string* value) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t, key));
    int rc = get_value(txn_, t, key, value);
    if (rc == MDB_NOTFOUND) return Status::NotFound("no such key");
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "get"));
  }
  Status scan(TableId t, std::string_view from, const Visit& visit) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(check_bound(env_, t, from));
    int rc = scan_forward(txn_, t, from, visit);
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "scan"));
  }
  Status scan_back(TableId t, std::string_view from, const Visit& visit) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(check_bound(env_, t, from));
    int rc = scan_backward(txn_, t, from, visit);
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "scan_back"));
  }
  Result<uint64_t> count(TableId t) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t));
    uint64_t n = 0;
    int rc = count_entries(txn_, t, &n);
    if (rc != 0) return fail(to_status(rc, "count"));
    return n;
  }
  Status put(TableId t, std::string_view key, std::string_view value) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t, key));
    MDB_val k = val(key);
    MDB_val v = val(value);
    int rc = mdb_put(txn_, t.handle, &k, &v, 0);
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "put"));
  }
  Status put_new(TableId t, std::string_view key, std::string_view value, std::string* existing) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t, key));
    MDB_val k = val(key);
    MDB_val v = val(value);
    int rc = mdb_put(txn_, t.handle, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {  // v now points at the stored value
      if (existing) existing->assign(static_cast<const char*>(v.mv_data), v.mv_size);
      return Status::AlreadyExists("the key exists");
    }
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "put_new"));
  }
  Status put_last(TableId t, std::string_view key, std::string_view value) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t, key));
    MDB_val k = val(key);
    MDB_val v = val(value);
    int rc = mdb_put(txn_, t.handle, &k, &v, MDB_APPEND);
    // Out of order is the caller's mistake, and LMDB leaves the transaction usable.
    if (rc == MDB_KEYEXIST) return Status::InvalidArgument("put_last: the key is not greater than the last key");
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "put_last"));
  }
  Status del(TableId t, std::string_view key) override {
    SB_RETURN_IF_ERROR(usable());
    SB_RETURN_IF_ERROR(env_.check(t, key));
    MDB_val k = val(key);
    int rc = mdb_del(txn_, t.handle, &k, nullptr);
    if (rc == MDB_NOTFOUND) return Status::NotFound("no such key");
    return rc == 0 ? Status::Ok() : fail(to_status(rc, "del"));
  }
  Status commit() override {
    SB_RETURN_IF_ERROR(usable());
    // mdb_txn_commit frees the transaction whether it succeeds or not.
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    env_.gate.leave_shared();
    if (rc != 0) {
      failed_ = to_status(rc, "commit");
      return failed_;
    }
    env_.commits.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }
  bool failed() const override { return !failed_.ok(); }

 private:
  Status usable() const {
    if (!failed_.ok()) return failed_;
    if (txn_ == nullptr) return Status::FailedPrecondition("write transaction already finished");
    // LMDB's writer lock belongs to the thread that took it.
    if (owner_ != std::this_thread::get_id()) {
      return Status::FailedPrecondition("write transaction used off the thread that began it");
    }
    return Status::Ok();
  }
  Status fail(Status s) {
    end();
    failed_ = s;
    return s;
  }
  void end() {
    if (txn_ == nullptr) return;
    mdb_txn_abort(txn_);
    txn_ = nullptr;
    env_.gate.leave_shared();
  }

  Env& env_;
  MDB_txn* txn_;
  std::thread::id owner_;
  Status failed_;
};

}  // namespace

std::unique_ptr<ReadTxn> make_read_txn(Env& env, MDB_txn* txn) {
  return std::make_unique<LmdbReadTxn>(env, txn);
}
std::unique_ptr<WriteTxn> make_write_txn(Env& env, MDB_txn* txn) {
  return std::make_unique<LmdbWriteTxn>(env, txn);
}

}  // namespace sb::lmdb_detail
