// The LMDB environment behind KvStore: open, tables, map growth, stats.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "platform/core/log.h"
#include "platform/store/lmdb_internal.h"

namespace sb {
namespace {

using lmdb_detail::Env;
using lmdb_detail::to_status;
namespace fs = std::filesystem;

// One environment per path per process: LMDB's locks are POSIX fcntl locks, which
// a second handle on the same files would silently drop when it closed.
std::mutex g_paths_mu;
std::set<std::string>& open_paths() {
  static std::set<std::string> paths;
  return paths;
}

uint64_t round_to_pages(uint64_t bytes) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return std::max(page, (bytes + page - 1) / page * page);
}

// A directory entry is durable only once its directory is fsync'ed.
void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  if (::fsync(fd) != 0) log::warn("store", "fsync of directory failed", {{"dir", dir.string()}});
  ::close(fd);
}

class LmdbStore final : public KvStore {
 public:
  explicit LmdbStore(std::string canonical_path) : path_(std::move(canonical_path)) {}
  ~LmdbStore() override {
    if (env_.env != nullptr) mdb_env_close(env_.env);
    std::lock_guard lock(g_paths_mu);
    open_paths().erase(path_);
  }

  Status open(const LmdbOptions& o);
  Result<TableId> table(const std::string& name) override;
  Result<std::unique_ptr<ReadTxn>> read() override;
  Result<std::unique_ptr<WriteTxn>> write() override;
  Status grow() override;
  StoreStats stats() override;
  Result<uint64_t> clear_stale_readers() override;

 private:
  // Begins a transaction holding the gate shared; the txn object releases it.
  Result<MDB_txn*> begin(unsigned flags);

  Env env_;
  std::string path_;
  uint64_t max_map_bytes_ = 0;
  std::atomic<uint64_t> stale_readers_cleared_{0};
  bool read_only_ = false;
  std::mutex tables_mu_;
  std::map<std::string, unsigned> tables_;
};

Status LmdbStore::open(const LmdbOptions& o) {
  max_map_bytes_ = round_to_pages(o.max_map_bytes);
  read_only_ = o.read_only;
  int rc = mdb_env_create(&env_.env);
  if (rc != 0) {
    env_.env = nullptr;
    return to_status(rc, "mdb_env_create");
  }
  unsigned flags = MDB_NOTLS | (o.durable ? 0u : MDB_NOSYNC) | (o.read_only ? MDB_RDONLY : 0u);
  // A reader sets no map size: LMDB then maps the size the writer recorded.
  if ((rc = mdb_env_set_maxdbs(env_.env, o.max_tables)) != 0 ||
      (rc = mdb_env_set_maxreaders(env_.env, o.max_readers)) != 0 ||
      (!o.read_only &&
       (rc = mdb_env_set_mapsize(env_.env, round_to_pages(std::min(o.initial_map_bytes, o.max_map_bytes)))) != 0) ||
      (rc = mdb_env_open(env_.env, path_.c_str(), flags, 0640)) != 0) {
    mdb_env_close(env_.env);
    env_.env = nullptr;
    return to_status(rc, "open " + path_);
  }
  env_.max_key_bytes = static_cast<size_t>(mdb_env_get_maxkeysize(env_.env));
  env_.dbi_slots = o.max_tables + 2;  // dbi 0 and 1 are LMDB's own
  env_.valid = std::make_unique<std::atomic<bool>[]>(env_.dbi_slots);
  if (o.read_only) {
    MDB_envinfo info;
    mdb_env_info(env_.env, &info);
    max_map_bytes_ = info.me_mapsize;  // a reader never grows it
    return Status::Ok();
  }

  int dead = 0;
  if ((rc = mdb_reader_check(env_.env, &dead)) != 0) return to_status(rc, "mdb_reader_check");
  stale_readers_cleared_ = static_cast<uint64_t>(dead);
  if (dead > 0) log::warn("store", "cleared stale readers", {{"count", dead}, {"path", path_}});
  if (o.durable) {
    sync_dir(path_);
    sync_dir(fs::path(path_).parent_path());
  }
  return Status::Ok();
}

Result<MDB_txn*> LmdbStore::begin(unsigned flags) {
  for (int attempt = 0;; ++attempt) {
    env_.gate.enter_shared();
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_.env, nullptr, flags, &txn);
    if (rc == 0) return txn;
    env_.gate.leave_shared();
    if (rc == MDB_MAP_RESIZED && attempt == 0) {
      env_.adopt_map_size();  // another process grew the map
      continue;
    }
    return to_status(rc, "begin transaction");
  }
}

Result<TableId> LmdbStore::table(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("table name must not be empty");
  std::lock_guard lock(tables_mu_);
  if (auto it = tables_.find(name); it != tables_.end()) return TableId{it->second};
  // Read-only, the handle is opened in a read transaction; its commit makes
  // the handle the environment's, as a write transaction's would.
  Result<MDB_txn*> txn = begin(read_only_ ? MDB_RDONLY : 0);
  if (!txn.ok()) return txn.status();
  MDB_dbi dbi = 0;
  int rc = mdb_dbi_open(*txn, name.c_str(), read_only_ ? 0 : MDB_CREATE, &dbi);
  if (rc != 0) {
    mdb_txn_abort(*txn);
  } else {
    rc = mdb_txn_commit(*txn);
  }
  env_.gate.leave_shared();
  if (rc == MDB_NOTFOUND) return Status::NotFound("no table " + name + " in " + path_);
  if (rc != 0) return to_status(rc, "open table " + name);
  if (dbi >= env_.dbi_slots) return Status::Internal("dbi handle out of range");
  env_.valid[dbi].store(true, std::memory_order_release);
  tables_.emplace(name, dbi);
  return TableId{dbi};
}

Result<std::unique_ptr<ReadTxn>> LmdbStore::read() {
  Result<MDB_txn*> txn = begin(MDB_RDONLY);
  if (!txn.ok()) return txn.status();
  return lmdb_detail::make_read_txn(env_, *txn);
}

Result<std::unique_ptr<WriteTxn>> LmdbStore::write() {
  if (read_only_) return Status::FailedPrecondition("the store at " + path_ + " is open read-only");
  Result<MDB_txn*> txn = begin(0);
  if (!txn.ok()) return txn.status();
  return lmdb_detail::make_write_txn(env_, *txn);
}

Status LmdbStore::grow() {
  if (read_only_) return Status::FailedPrecondition("the store at " + path_ + " is open read-only");
  env_.gate.enter_exclusive();
  MDB_envinfo info;
  mdb_env_info(env_.env, &info);
  const uint64_t from = info.me_mapsize;
  if (from >= max_map_bytes_) {
    env_.gate.leave_exclusive();
    return Status::ResourceExhausted("store map at its cap of " + std::to_string(max_map_bytes_) + " bytes");
  }
  const uint64_t to = std::min(round_to_pages(from * 2), max_map_bytes_);
  int rc = mdb_env_set_mapsize(env_.env, to);
  env_.gate.leave_exclusive();
  if (rc != 0) return to_status(rc, "grow map");
  log::info("store", "map grown", {{"from_bytes", from}, {"to_bytes", to}, {"cap_bytes", max_map_bytes_}});
  return Status::Ok();
}

StoreStats LmdbStore::stats() {
  MDB_envinfo info;
  MDB_stat st;
  uint64_t free_pages = 0;
  env_.gate.enter_shared();
  mdb_env_info(env_.env, &info);
  mdb_env_stat(env_.env, &st);
  // The free list (table 0) holds page-number lists whose first word is their
  // length; summing them says how much of the file is reusable.
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env_.env, nullptr, MDB_RDONLY, &txn) == 0) {
    MDB_cursor* cursor = nullptr;
    if (mdb_cursor_open(txn, 0, &cursor) == 0) {
      MDB_val k, v;
      while (mdb_cursor_get(cursor, &k, &v, MDB_NEXT) == 0) {
        if (v.mv_size >= sizeof(size_t)) free_pages += *static_cast<const size_t*>(v.mv_data);
      }
      mdb_cursor_close(cursor);
    }
    mdb_txn_abort(txn);
  }
  env_.gate.leave_shared();
  StoreStats s;
  s.map_bytes = info.me_mapsize;
  s.max_map_bytes = max_map_bytes_;
  s.used_bytes = (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  s.free_bytes = free_pages * st.ms_psize;
  s.commits = env_.commits.load(std::memory_order_relaxed);
  s.stale_readers_cleared = stale_readers_cleared_.load();
  return s;
}

}  // namespace

Result<std::unique_ptr<KvStore>> open_lmdb_store(const LmdbOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("store path is empty");
  std::error_code ec;
  if (options.read_only) {
    const fs::file_status st = fs::status(options.path, ec);
    if (st.type() == fs::file_type::not_found || (!ec && !fs::is_directory(st)))
      return Status::NotFound("no such directory: " + options.path);
  } else {
    fs::create_directories(options.path, ec);
  }
  if (ec) return Status::IoError((options.read_only ? "look at " : "create ") + options.path + ": " + ec.message());
  std::string path = fs::canonical(options.path, ec).string();
  if (ec) return Status::IoError("resolve " + options.path + ": " + ec.message());
  {
    std::lock_guard lock(g_paths_mu);
    if (!open_paths().insert(path).second) {
      return Status::FailedPrecondition("store already open in this process: " + path);
    }
  }
  auto store = std::make_unique<LmdbStore>(path);  // releases the path when destroyed
  SB_RETURN_IF_ERROR(store->open(options));
  log::info("store", "opened", {{"path", path}, {"map_bytes", store->stats().map_bytes}});
  return std::unique_ptr<KvStore>(std::move(store));
}

Result<uint64_t> LmdbStore::clear_stale_readers() {
  if (read_only_) return uint64_t{0};
  int dead = 0;
  if (int rc = mdb_reader_check(env_.env, &dead); rc != 0) return to_status(rc, "mdb_reader_check");
  stale_readers_cleared_ += static_cast<uint64_t>(dead);
  return static_cast<uint64_t>(dead);
}

}  // namespace sb
