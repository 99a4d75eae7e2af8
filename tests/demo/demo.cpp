// stockbridge-demo: the whole of Stockbridge on this machine, on embedded
// defaults. Starts mosquitto, the Clarus simulator with its scripted
// warehouse, the ERP simulator, the relay and the agent on free loopback
// ports. Orders, purchase orders and returns are released in the ERP; the
// relay's change feed sends them down and the agent creates them in Clarus;
// the warehouse picks, ships (partly, too), receives, inspects returns and
// adjusts stock; Clarus's webhooks and the agent's sweeps carry each fact up,
// and the relay posts fulfilments, receipts and credit memos to the ERP. Sample traffic also arrives on the
// agent's generic intake (stock adjustments from two warehouses, a burst when
// a wave closes, one SKU the ERP does not know). Prints what happened every
// two seconds until Ctrl-C.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/e2e/producer.h"
#include "tests/e2e/stack.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double number(const sb::Result<sb::Json>& doc, std::initializer_list<const char*> path) {
  if (!doc.ok()) return -1;
  const sb::Json* cur = &*doc;
  for (const char* p : path) {
    cur = cur ? cur->find(p) : nullptr;
  }
  return cur && cur->is_number() ? cur->as_double() : -1;
}

// What the ERP releases to the site as time goes by: orders, purchase orders
// and returns created in the ERP simulator, which the relay's change feed
// finds and sends down to the site.
void release_work(sb::e2e::Stack& stack, int tick) {
  auto item = [](int n) { return std::to_string(1001 + n % 20); };
  auto line = [&](int no, int n, int qty) {
    return R"({"line":)" + std::to_string(no) + R"(,"item":")" + item(n) + R"(","quantity":)" + std::to_string(qty) +
           R"(,"location":"1","rate":12.5})";
  };
  std::string orders = R"({"salesOrders":[{"externalId":"SO-)" + std::to_string(5000 + tick) +
                       R"(","location":"1","shipMethod":")" + (tick % 3 ? "9001" : "9002") +
                       R"(","custbody_released_to_wms":true,"lines":[)" + line(1, tick, 1 + tick % 4) + "," +
                       line(2, tick * 7 + 3, 2) + "]}]";
  if (tick % 5 == 1)
    orders += R"(,"purchaseOrders":[{"externalId":"PO-)" + std::to_string(800 + tick) + R"(","location":"1","lines":[)" +
              line(1, tick + 2, 24) + "]}]";
  if (tick % 8 == 3)
    orders += R"(,"returnAuthorizations":[{"externalId":"RMA-)" + std::to_string(300 + tick) +
              R"(","location":"1","lines":[)" + line(1, tick + 4, 1) + "]}]";
  sb::ClientRequest seed;
  seed.method = "POST";
  seed.url = stack.erp_url() + "/_sim/seed";
  seed.body = orders + "}";
  (void)stack.http().send(seed);
}

// Records of one type the ERP simulator holds (-1 when it does not answer).
double erp_count(sb::e2e::Stack& stack, const std::string& type) {
  auto ledger = stack.get_json(stack.erp_url() + "/_sim/ledger?type=" + type);
  const sb::Json* records = ledger.ok() ? ledger->find("records") : nullptr;
  return records ? static_cast<double>(records->items().size()) : -1;
}

int usage() {
  std::fprintf(stderr,
               "usage: stockbridge-demo --bin-dir BUILD_DIR [--duration SECONDS] [--rate EVENTS_PER_S]\n"
               "Runs the local stack with sample traffic; Ctrl-C stops it cleanly.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir;
  int duration = 0;
  double rate = 50;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bin-dir" && i + 1 < argc) {
      bin_dir = argv[++i];
    } else if (a == "--duration" && i + 1 < argc) {
      duration = std::atoi(argv[++i]);
    } else if (a == "--rate" && i + 1 < argc) {
      rate = std::atof(argv[++i]);
    } else {
      return usage();
    }
  }
  if (bin_dir.empty()) return usage();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  sb::e2e::StackOptions options;
  options.bin_dir = bin_dir;
  options.site_id = "demo-site";
  options.erp_latency_ms = 20;  // a little of the ERP's real slowness
  options.with_clarus = true;
  options.clarus_rate = 8;      // warehouse actions per second
  options.clarus_sweep_interval = "5s";
  options.erp_seed_items = 20;
  options.relay_settings = {"feed.enabled = true", "feed.interval = 2s", "feed.site_locations = 1=demo-site",
                            "feed.sites = demo-site", "downlink.resend_after = 3s"};
  std::printf("Starting Stockbridge locally (mosquitto, Clarus simulator, ERP simulator, relay, agent)...\n");
  sb::e2e::Stack stack(options);
  sb::Status s = stack.start();
  if (!s.ok()) {
    std::fprintf(stderr, "demo: could not start the stack: %s\n", s.to_string().c_str());
    return 1;
  }
  std::printf("\n  agent intake     POST %s/v1/events\n", stack.agent_url().c_str());
  std::printf("  site status page %s/              (JSON at /api/status; also /metrics, /healthz, /readyz)\n",
              stack.agent_url().c_str());
  std::printf("  relay fleet page %s/              (JSON at /api/status)\n", stack.relay_url().c_str());
  std::printf("  Clarus simulator %s/_sim/state  (orders, shipments, receipts, stock)\n", stack.clarus_url().c_str());
  std::printf("  ERP simulator    %s/_sim/ledger  (every record the ERP holds)\n", stack.erp_url().c_str());
  std::printf("  MQTT broker      %s\n", stack.broker().uri().c_str());
  std::printf("  configs and data %s\n\n", stack.dir().c_str());
  std::printf("The ERP releases an order every 2 s, a purchase order and a return now and then; the relay's\n"
              "change feed sends them down, the agent creates them in Clarus, the scripted warehouse works them and\n"
              "the relay posts the fulfilments, receipts and credit memos back. Also sending stock adjustments at %.0f/s from WH1 and WH2,\n"
              "a burst of 500 now and then, and one for SKU-9999, which the ERP does not know (held).\n"

              "Press Ctrl-C to stop.\n\n", rate);

  sb::ClientRequest unknown;
  unknown.method = "POST";
  unknown.url = stack.agent_url() + "/v1/events";
  unknown.body = R"({"event_id":"clarus:demo:unknown-sku","occurred_at":"2026-11-26T10:00:00Z","stock_adjustment":{"sku":"SKU-9999","warehouse":"WH1","location":"B-02-04","quantity_delta":-2,"reason_code":"DAMAGED"}})";
  (void)stack.http().send(unknown);

  sb::e2e::Producer steady({stack.agent_url(), "demo", 2, rate, 1, 20});
  steady.start(100'000'000);
  sb::e2e::Producer burst({stack.agent_url(), "demo-wave", 2, 0, 50, 20});
  uint64_t wave = 0;
  std::printf("%8s %10s %9s %10s %8s %6s %9s %9s %12s\n", "time", "accepted", "backlog", "forwarded", "posted", "held",
              "commands", "shipments", "fulfilments");
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 0; !g_stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    if (tick % 5 == 2) burst.start(500, (wave++) * 500);  // a wave closes
    release_work(stack, tick);
    auto agent = stack.agent_status();
    auto relay = stack.relay_status();
    int elapsed = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::steady_clock::now() - start).count());
    auto clarus = stack.get_json(stack.clarus_url() + "/_sim/stats");
    std::printf("%7ds %10.0f %9.0f %10.0f %8.0f %6.0f %9.0f %9.0f %12.0f\n", elapsed, number(agent, {"journal", "last_seq"}),
                number(agent, {"journal", "backlog"}), number(agent, {"forwarding", "relay_acked_through"}),
                number(relay, {"ledger", "posted"}), number(relay, {"ledger", "held"}), number(agent, {"downlink", "applied"}),
                number(clarus, {"shipments"}), erp_count(stack, "itemFulfillment"));
    std::fflush(stdout);
    if (duration > 0 && elapsed >= duration) break;
  }
  steady.stop();
  burst.stop();
  // Let what was accepted reach the ERP before stopping.
  for (int i = 0; i < 50; ++i) {
    auto agent = stack.agent_status();
    auto relay = stack.relay_status();
    if (number(agent, {"journal", "backlog"}) == 0 &&
        number(relay, {"ledger", "pending"}) == number(relay, {"ledger", "held"}))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto agent = stack.agent_status();
  auto relay = stack.relay_status();
  auto clarus = stack.get_json(stack.clarus_url() + "/_sim/stats");
  std::printf("\ndemo finished: %.0f events accepted, %.0f posted to the ERP, %.0f held as exceptions; "
              "%.0f commands applied to Clarus, %.0f shipments dispatched there; in the ERP %.0f item fulfilments, "
              "%.0f item receipts, %.0f credit memos (see the relay's status and the agent's recent outcomes)\n",
              number(agent, {"journal", "last_seq"}), number(relay, {"ledger", "posted"}),
              number(relay, {"ledger", "held"}), number(agent, {"downlink", "applied"}), number(clarus, {"shipments"}),
              erp_count(stack, "itemFulfillment"), erp_count(stack, "itemReceipt"), erp_count(stack, "creditMemo"));
  std::printf("Stopping cleanly...\n");
  std::fflush(stdout);
  bool clean = stack.stop();
  std::printf(clean ? "All processes stopped.\n" : "A process did not stop cleanly; see the logs above.\n");
  return clean ? 0 : 1;
}
