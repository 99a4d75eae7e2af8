// kill -9 against the durable path: a forked child appends through GroupCommitter
// and reports each key on a pipe only after run() returned OK; the parent kills
// it at a random moment, reopens the store and demands every reported key back,
// intact. A last round kills a child holding a read transaction, whose reader
// slot mdb_reader_check must clear at the next open.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/unit/platform/store/store_checks.h"
#include "tests/unit/platform/store/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

namespace {

constexpr uint64_t kReaderReady = UINT64_MAX;
constexpr int kAppenderThreads = 4;

LmdbOptions options(const std::string& path) {
  LmdbOptions o;
  o.path = path;
  o.initial_map_bytes = 1 << 20;  // small, so children also crash around grow()
  o.max_map_bytes = 1ull << 30;
  return o;
}

void write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(5);
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Child: appends forever; a key goes on the pipe only once it is durable.
[[noreturn]] void append_until_killed(const std::string& path, int fd, uint64_t first_id, unsigned seed) {
  auto store = open_lmdb_store(options(path));
  if (!store.ok()) _exit(3);
  auto t = (*store)->table("events");
  if (!t.ok()) _exit(3);
  GroupCommitter gc(**store);
  std::atomic<uint64_t> next{first_id};
  std::mutex pipe_mu;
  std::vector<std::thread> threads;
  for (int th = 0; th < kAppenderThreads; ++th) {
    threads.emplace_back([&, th] {
      std::mt19937 rng(seed + static_cast<unsigned>(th));
      std::vector<uint64_t> ids;
      for (;;) {
        const uint64_t n = 1 + rng() % 40;  // under PIPE_BUF, so each report is one atomic write
        const uint64_t first = next.fetch_add(n);
        Status s = gc.run([&](WriteTxn& w) -> Status {
          for (uint64_t id = first; id < first + n; ++id) {
            SB_RETURN_IF_ERROR(w.put(*t, encode_u64_key(id), record_for(id)));
          }
          return Status::Ok();
        });
        if (!s.ok()) _exit(4);
        ids.clear();
        for (uint64_t id = first; id < first + n; ++id) ids.push_back(id);
        std::lock_guard lock(pipe_mu);
        write_all(fd, ids.data(), ids.size() * sizeof(uint64_t));
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(6);
}

// Child: holds a read transaction (a reader slot) and waits to be killed.
[[noreturn]] void read_until_killed(const std::string& path, int fd) {
  auto store = open_lmdb_store(options(path));
  if (!store.ok()) _exit(3);
  auto r = (*store)->read();
  if (!r.ok()) _exit(3);
  write_all(fd, &kReaderReady, sizeof kReaderReady);
  for (;;) pause();
}

// A forked child that reports 8-byte numbers on a pipe; killed -9 at the end.
class Child {
 public:
  template <class Fn>
  explicit Child(Fn fn) {
    int fds[2];
    if (pipe(fds) != 0) FAIL("pipe");
    pid_ = fork();
    if (pid_ < 0) FAIL("fork");
    if (pid_ == 0) {
      close(fds[0]);
      fn(fds[1]);  // never returns
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    kill_and_wait();
    close(fd_);
  }

  // Collects reports until `until()` holds.
  template <class Until>
  void collect(Until until) {
    while (!until()) drain(5);
  }
  // Waits (up to 10 s) for the first report.
  bool wait_for_report() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    collect([&] { return !reported.empty() || std::chrono::steady_clock::now() >= give_up; });
    return !reported.empty();
  }
  void kill_and_wait() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, &wait_status, 0);
    pid_ = -1;
    while (drain(0)) {
    }  // what it reported before dying
  }
  bool killed_by_sigkill() const { return WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL; }

  std::vector<uint64_t> reported;
  int wait_status = 0;

 private:
  bool drain(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    size_t whole = buf_.size() / 8 * 8;
    for (size_t i = 0; i < whole; i += 8) {
      uint64_t id;
      std::memcpy(&id, buf_.data() + i, 8);
      reported.push_back(id);
    }
    buf_.erase(0, whole);
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buf_;
};

// Child: keeps the environment open (a second process) and waits to be killed.
[[noreturn]] void keep_open_until_killed(const std::string& path, int fd) {
  auto store = open_lmdb_store(options(path));
  if (!store.ok()) _exit(3);
  write_all(fd, &kReaderReady, sizeof kReaderReady);
  for (;;) pause();
}

}  // namespace

TEST_GROUP(StoreCrash) {
  TempDir dir;
  std::string path;
  void setup() override {
    log::set_level(log::Level::kError);
    path = dir.sub("journal");
    auto s = open_lmdb_store(options(path));  // the env and table exist before any child
    CHECK_OK(s.status());
    CHECK_OK((*s)->table("events").status());
  }
};

TEST(StoreCrash, EveryAcknowledgedAppendSurvivesKill9) {
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::string context = "seed " + std::to_string(seed);
  uint64_t total_acked = 0;
  constexpr int kRounds = 14;
  for (int round_no = 0; round_no < kRounds; ++round_no) {
    // Mostly mid-stream kills; a few right after start (inside open or the first commit).
    const int ms = round_no % 5 == 4 ? static_cast<int>(rng() % 10) : 50 + static_cast<int>(rng() % 350);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    const uint64_t first_id = static_cast<uint64_t>(round_no) << 40;
    Child child([&](int fd) { append_until_killed(path, fd, first_id, seed + round_no); });
    child.collect([&] { return std::chrono::steady_clock::now() >= deadline; });
    child.kill_and_wait();
    const std::vector<uint64_t>& acked = child.reported;
    std::string where = context + ", round " + std::to_string(round_no);
    CHECK_TEXT(child.killed_by_sigkill(), ("child ended on its own: " + where).c_str());

    auto store = open_lmdb_store(options(path));
    CHECK_TEXT(store.ok(), (store.status().to_string() + ", " + where).c_str());
    auto t = (*store)->table("events");
    CHECK_OK(t.status());
    auto rd = (*store)->read();
    CHECK_OK(rd.status());
    std::string v;
    for (uint64_t id : acked) {
      Status s = (*rd)->get(*t, encode_u64_key(id), &v);
      CHECK_TEXT(s.ok(), ("acknowledged key lost: " + std::to_string(id) + ", " + where).c_str());
      CHECK_TEXT(v == record_for(id), ("acknowledged record damaged: " + std::to_string(id) + ", " + where).c_str());
    }
    // Whatever is there, acknowledged or not, is whole: no torn records.
    uint64_t present = 0;
    CHECK_OK((*rd)->scan(*t, "", [&](std::string_view k, std::string_view val) {
      ++present;
      CHECK_TEXT(val == record_for(decode_u64_key(k)), ("torn record, " + where).c_str());
      return true;
    }));
    total_acked += acked.size();
    CHECK_TEXT(present >= total_acked, where.c_str());
  }
  CHECK_TEXT(total_acked > 1000, ("too few appends acknowledged to prove much: " + context).c_str());
}

// LMDB resets its reader table when the first process opens the environment, so
// a dead reader's slot matters (and mdb_reader_check is what frees it) only while
// another process keeps the environment open: here, a keeper child.
TEST(StoreCrash, AReaderSlotLeftByAKilledProcessIsCleared) {
  Child keeper([&](int fd) { keep_open_until_killed(path, fd); });
  CHECK_TRUE(keeper.wait_for_report());
  {
    Child reader([&](int fd) { read_until_killed(path, fd); });
    CHECK_TRUE(reader.wait_for_report());
    reader.kill_and_wait();
    CHECK_TRUE(reader.killed_by_sigkill());
  }
  {
    auto store = open_lmdb_store(options(path));
    CHECK_OK(store.status());
    UNSIGNED_LONGS_EQUAL(1, (*store)->stats().stale_readers_cleared);
  }
  // Cleared for good: the next open finds nothing left behind.
  auto again = open_lmdb_store(options(path));
  CHECK_OK(again.status());
  UNSIGNED_LONGS_EQUAL(0, (*again)->stats().stale_readers_cleared);
  keeper.kill_and_wait();
}
