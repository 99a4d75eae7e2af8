// The agent as a process, measured from outside:
//   1. RSS when idle;
//   2. HTTP intake, single-event requests over 8 keep-alive connections (each fsync'd before its 2xx);
//   3. HTTP intake, batches of 100 events over 8 connections;
//   4. drain of a backlog (default 1,000,000 events) to the relay once the broker appears,
//      with the agent's RSS sampled during the drain.
//   bench_pipeline --bin-dir BUILD_DIR [--seconds N] [--backlog N]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/http_load.h"
#include "tests/e2e/stack.h"
#include "tests/support/wait.h"

using namespace sb;

namespace {

struct Rss {
  long total_kb = 0, anon_kb = 0, file_kb = 0;
};

Rss rss_of(pid_t pid) {
  Rss r;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) r.total_kb = std::atol(line.c_str() + 6);
    if (line.rfind("RssAnon:", 0) == 0) r.anon_kb = std::atol(line.c_str() + 8);
    if (line.rfind("RssFile:", 0) == 0) r.file_kb = std::atol(line.c_str() + 8);
  }
  return r;
}

// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(field.c_str());
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string event_json(const std::string& id, uint64_t n) {
  return R"({"event_id":")" + id + R"(","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"sku":"SKU-)" +
         std::to_string(n % 500 + 1) + R"(","warehouse":"WH1","location":"A-01-01","quantity_delta":3,"unit":"EA","reason_code":"CYCLE_COUNT","clarus_reference":"stock-movement-)" +
         std::to_string(n) + R"(-000000000000000000000000000000000000000000000000000000000000000000000000000"}})";
}

double backlog(e2e::Stack& stack) {
  Result<Json> s = stack.agent_status();
  if (!s.ok()) return -1;
  return s->find("journal")->find("backlog")->as_double();
}

void report(const char* what, const bench::LoadResult& r, int per_request) {
  std::printf("%-48s %9.0f events/s  (%llu requests in %.1f s, %llu failed, p50 %.2f ms, p99 %.2f ms)\n", what,
              static_cast<double>(r.ok) * per_request / r.seconds, static_cast<unsigned long long>(r.requests),
              r.seconds, static_cast<unsigned long long>(r.failed), r.p50_ms, r.p99_ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir;
  double seconds = 10;
  uint64_t target_backlog = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--bin-dir") bin_dir = argv[i + 1];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--backlog") target_backlog = std::strtoull(argv[i + 1], nullptr, 10);
  }
  if (bin_dir.empty()) {
    std::fprintf(stderr, "usage: bench_pipeline --bin-dir BUILD_DIR [--seconds N] [--backlog N]\n");
    return 2;
  }
  e2e::StackOptions o;
  o.bin_dir = bin_dir;
  o.erp_latency_ms = 500;  // the ERP stays slow and out of the way: this measures agent -> relay
  o.agent_settings = {"journal.max_events = 20000000", "journal.initial_map = 1GiB", "journal.max_map = 16GiB",
                      "intake.threads = 64"};
  o.relay_settings = {"erp.max_concurrency = 1", "ledger.initial_map = 2GiB"};
  e2e::Stack stack(o);
  // The broker is not started yet: the agent journals, and waits.
  Status s = stack.start_erp();
  if (s.ok()) s = stack.start_agent();
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", s.to_string().c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  Rss idle = rss_of(stack.agent().pid());
  std::printf("%-48s %6ld KiB (anon %ld KiB, file-backed %ld KiB)\n", "agent RSS, idle", idle.total_kb, idle.anon_kb,
              idle.file_kb);

  const uint16_t port = static_cast<uint16_t>(std::atoi(stack.agent_url().substr(stack.agent_url().rfind(':') + 1).c_str()));
  bench::LoadResult single = bench::run_http_load(port, "/v1/events", 8, seconds, [](int c, uint64_t n) {
    return event_json("single:" + std::to_string(c) + ":" + std::to_string(n), n);
  });
  report("HTTP intake, 1 event/request, 8 connections", single, 1);
  // Each request waits for an fsync; more requests in flight share each one.
  bench::LoadResult wide = bench::run_http_load(port, "/v1/events", 64, seconds, [](int c, uint64_t n) {
    return event_json("wide:" + std::to_string(c) + ":" + std::to_string(n), n);
  });
  report("HTTP intake, 1 event/request, 64 connections", wide, 1);

  auto batch_body = [](const std::string& prefix, int size) {
    return [prefix, size](int c, uint64_t n) {
      std::string b = "{\"events\":[";
      for (int k = 0; k < size; ++k) {
        if (k) b += ',';
        uint64_t id = n * static_cast<uint64_t>(size) + static_cast<uint64_t>(k);
        b += event_json(prefix + std::to_string(c) + ":" + std::to_string(id), id);
      }
      return b + "]}";
    };
  };
  bench::LoadResult batched = bench::run_http_load(port, "/v1/events", 8, seconds, batch_body("batch:", 100));
  report("HTTP intake, 100 events/request, 8 connections", batched, 100);

  // Fill the journal up to the backlog to drain.
  double have = backlog(stack);
  if (have < static_cast<double>(target_backlog)) {
    std::printf("filling the journal to %llu events...\n", static_cast<unsigned long long>(target_backlog));
    std::fflush(stdout);
    const uint64_t per_request = 1000;
    uint64_t missing = target_backlog - static_cast<uint64_t>(have);
    uint64_t requests = (missing + per_request - 1) / per_request;
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> fill;
    for (int c = 0; c < 4; ++c) {
      fill.emplace_back([&, c] {
        std::unique_ptr<HttpClient> http = make_poco_http_client({});
        for (uint64_t r = static_cast<uint64_t>(c); r < requests; r += 4) {
          ClientRequest req;
          req.method = "POST";
          req.url = stack.agent_url() + "/v1/events";
          req.timeout = Millis(60'000);
          req.body = batch_body("fill:", static_cast<int>(per_request))(c, r);
          Result<HttpResponse> resp = http->send(req);
          if (resp.ok() && resp->status < 300) ++done;
        }
      });
    }
    for (auto& t : fill) t.join();
  }
  const double to_drain = backlog(stack);
  {
    Result<Json> st = stack.agent_status();
    if (st.ok()) {
      double disk = st->find("journal")->find("disk_bytes")->as_double();
      std::printf("%-48s %9.0f MiB in use for %.0f events: %.0f bytes per waiting event (ids included)\n",
                  "journal on disk", disk / 1048576.0, to_drain, disk / std::max(1.0, to_drain));
    }
  }
  Rss before = rss_of(stack.agent().pid());
  std::printf("%-48s %6ld KiB (anon %ld KiB, file-backed %ld KiB), backlog %.0f events\n", "agent RSS, backlog held",
              before.total_kb, before.anon_kb, before.file_kb, to_drain);

  s = stack.start_broker();
  if (s.ok()) s = stack.start_relay();
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", s.to_string().c_str());
    return 1;
  }
  const double agent_cpu0 = cpu_seconds(stack.agent().pid());
  const double relay_cpu0 = cpu_seconds(stack.relay().pid());
  const double broker_cpu0 = cpu_seconds(stack.broker().pid());
  auto t0 = std::chrono::steady_clock::now();
  // The agent reconnects with backoff (it had been trying while the broker was
  // away), so the drain is timed from the first acknowledgement, and the wait
  // for the reconnect is reported on its own.
  std::chrono::steady_clock::time_point first_ack{};
  double left_at_first_ack = to_drain;
  Rss peak;
  bool drained = testing::wait_until(
      [&] {
        Rss now = rss_of(stack.agent().pid());
        if (now.total_kb > peak.total_kb) peak = now;
        double left = backlog(stack);
        if (first_ack == std::chrono::steady_clock::time_point{} && left >= 0 && left < to_drain) {
          first_ack = std::chrono::steady_clock::now();
          left_at_first_ack = left;
        }
        return left == 0;
      },
      Millis(600'000), Millis(50));
  auto t1 = std::chrono::steady_clock::now();
  double t = std::chrono::duration<double>(t1 - t0).count();
  if (!drained) {
    std::printf("drain did not finish in 10 minutes; backlog left %.0f\n%s\n", backlog(stack), stack.logs().c_str());
    return 1;
  }
  double reconnect = std::chrono::duration<double>(first_ack - t0).count();
  double flowing = std::chrono::duration<double>(t1 - first_ack).count();
  std::printf("%-48s %9.0f events/s  (%.0f events in %.1f s from the first acknowledgement; %.1f s before it to reconnect)\n",
              "drain of the backlog to the relay", left_at_first_ack / flowing, left_at_first_ack, flowing, reconnect);
  std::printf("%-48s %6ld KiB (anon %ld KiB, file-backed %ld KiB)\n", "agent RSS, peak during drain", peak.total_kb,
              peak.anon_kb, peak.file_kb);
  std::printf("%-48s agent %.1f s, relay %.1f s, mosquitto %.1f s (of %.1f s x 2 cores)\n", "CPU used during the drain",
              cpu_seconds(stack.agent().pid()) - agent_cpu0, cpu_seconds(stack.relay().pid()) - relay_cpu0,
              cpu_seconds(stack.broker().pid()) - broker_cpu0, t);
  stack.stop();
  return 0;
}
