// bench_store: what the journal's durable write path can take on this machine.
//   (a) raw store commits of 1,000 x 300-byte records (durable; and MDB_NOSYNC for contrast)
//   (b) GroupCommitter, 8 threads, one 300-byte record per op
//   (c) GroupCommitter, 8 threads, 1,000 records per op
// Prints figures; never fails on timing.
// Usage: bench_store [--seconds N] [--dir PATH] [--cases anbc]  (a, a' (n), b, c as above)
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace {

using namespace sb;
using Clock = std::chrono::steady_clock;
constexpr size_t kRecordBytes = 300;
constexpr int kThreads = 8;

struct Row {
  explicit Row(std::string n) : name(std::move(n)) {}
  std::string name;
  double seconds = 0;
  uint64_t records = 0;
  uint64_t ops = 0;
  uint64_t commits = 0;
  std::vector<uint32_t> latencies_us;  // per op, empty when not measured
};

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A store in a fresh directory under `base`, removed afterwards.
struct ScratchStore {
  ScratchStore(const std::string& base, const char* name, bool durable) {
    path = (std::filesystem::path(base) / name).string();
    LmdbOptions o;
    o.path = path;
    o.initial_map_bytes = 4ull << 30;  // sparse; big enough that no run has to grow
    o.max_map_bytes = 64ull << 30;
    o.durable = durable;
    auto s = open_lmdb_store(o);
    if (!s.ok()) {
      std::fprintf(stderr, "open %s: %s\n", path.c_str(), s.status().to_string().c_str());
      std::exit(1);
    }
    store = std::move(s).value();
    table = *store->table("journal");
  }
  ~ScratchStore() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
  std::unique_ptr<KvStore> store;
  TableId table;
};

Status put_records(WriteTxn& w, TableId t, uint64_t first, uint64_t n, const std::string& value) {
  for (uint64_t id = first; id < first + n; ++id) SB_RETURN_IF_ERROR(w.put(t, encode_u64_key(id), value));
  return Status::Ok();
}

Row raw_commits(const std::string& base, double seconds, bool durable) {
  ScratchStore s(base, durable ? "raw" : "raw-nosync", durable);
  const std::string value(kRecordBytes, 'r');
  Row row{durable ? "(a) raw commit, 1000 rec/commit" : "(a') same, MDB_NOSYNC (not durable)"};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  uint64_t next = 0;
  while (Clock::now() < end) {
    auto w = s.store->write();
    Status st = w.ok() ? put_records(**w, s.table, next, 1000, value) : w.status();
    if (st.ok()) st = (*w)->commit();
    if (st.code() == Code::kResourceExhausted && s.store->grow().ok()) continue;
    if (!st.ok()) {
      std::fprintf(stderr, "raw commit: %s\n", st.to_string().c_str());
      break;
    }
    next += 1000;
    ++row.commits;
  }
  row.seconds = secs(Clock::now() - start);
  row.records = next;
  row.ops = row.commits;
  return row;
}

Row grouped(const std::string& base, double seconds, uint64_t records_per_op) {
  ScratchStore s(base, "grouped", true);
  GroupCommitter gc(*s.store);
  const std::string value(kRecordBytes, 'g');
  uint64_t next = 0;  // journal sequence: touched only on the writer thread
  std::atomic<bool> failed{false};
  std::vector<std::vector<uint32_t>> latencies(kThreads);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      auto& lat = latencies[static_cast<size_t>(th)];
      lat.reserve(1 << 16);
      while (!failed && Clock::now() < end) {
        const auto t0 = Clock::now();
        Status st = gc.run([&](WriteTxn& w) {
          Status r = put_records(w, s.table, next, records_per_op, value);
          if (r.ok()) next += records_per_op;
          return r;
        });
        if (!st.ok()) {
          std::fprintf(stderr, "group commit: %s\n", st.to_string().c_str());
          failed = true;
        }
        lat.push_back(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      }
    });
  }
  for (auto& t : threads) t.join();
  Row row{records_per_op == 1 ? "(b) group commit, 8 thr x 1 rec/op" : "(c) group commit, 8 thr x 1000 rec/op"};
  row.seconds = secs(Clock::now() - start);
  row.ops = gc.ops();
  row.commits = gc.commits();
  row.records = row.ops * records_per_op;
  for (auto& l : latencies) row.latencies_us.insert(row.latencies_us.end(), l.begin(), l.end());
  return row;
}

double percentile_ms(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

void print(Row& r) {
  const double rec_s = static_cast<double>(r.records) / r.seconds;
  std::printf("%-40s %12.0f %10.0f %10.0f %8.1f", r.name.c_str(), rec_s, r.ops / r.seconds, r.commits / r.seconds,
              r.commits ? static_cast<double>(r.ops) / static_cast<double>(r.commits) : 0.0);
  if (r.latencies_us.empty()) {
    std::printf(" %9s %9s", "-", "-");
  } else {
    std::printf(" %9.2f %9.2f", percentile_ms(r.latencies_us, 0.50), percentile_ms(r.latencies_us, 0.99));
  }
  std::printf(" %8.1f\n", rec_s * kRecordBytes / 1e6);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::string base;
  std::string cases = "anbc";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      base = argv[++i];
    } else if (std::strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
      cases = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--seconds N] [--dir PATH] [--cases anbc]\n", argv[0]);
      return 2;
    }
  }
  if (seconds <= 0) seconds = 3;
  log::set_level(log::Level::kWarn);
  std::string tmpl = (std::filesystem::path(base.empty() ? std::filesystem::temp_directory_path().string() : base) /
                      "sb-bench-store-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::printf("bench_store: %.1f s per row, %zu-byte records, directory %s\n", seconds, kRecordBytes, tmpl.c_str());
  std::printf("%-40s %12s %10s %10s %8s %9s %9s %8s\n", "case", "records/s", "ops/s", "commits/s", "ops/cmt",
              "p50 ms", "p99 ms", "MB/s");
  for (char c : cases) {
    if (c == 'a' || c == 'n') {
      Row r = raw_commits(tmpl, seconds, c == 'a');
      print(r);
    } else if (c == 'b' || c == 'c') {
      Row r = grouped(tmpl, seconds, c == 'b' ? 1 : 1000);
      print(r);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  return 0;
}
