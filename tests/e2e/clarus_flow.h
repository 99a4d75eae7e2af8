// The Clarus flow shared by the Clarus end-to-end and crash tests: the ERP
// releases work through the downlink, the scripted warehouse works it, and
// every fact Clarus then holds must be at the relay, journaled once.
// Uses CppUTest's CHECK macros: include it only from test files.
#pragma once

#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/e2e_test_support.h"
#include "tests/e2e/erp_commands.h"
#include "tests/e2e/stack.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

namespace sb::e2e {
using Lines = std::vector<std::pair<std::string, int64_t>>;

inline std::string sku(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "SKU-%04d", n);
  return buf;
}

inline const Json* list(const Json& state, const char* name) {
  const Json* l = state.find(name);
  return l && l->is_array() ? l : nullptr;
}

inline std::string status_code(const Json& goods_out) {
  const Json* s = goods_out.find("goods_out_status");
  return s ? s->get_string("code") : "";
}

// The event ids the agent must derive from what Clarus holds (docs/clarus-model.md).
inline std::set<std::string> expected_events(const Json& state, const std::string& site) {
  std::set<std::string> ids;
  for (const Json& s : list(state, "shipments")->items()) ids.insert("clarus:" + site + ":shipment:" + s.find("id")->as_string());
  for (const Json& r : list(state, "goods_in_receipts")->items()) {
    if (r.get_string("status") != "completed") continue;
    const char* kind = r.get_string("receipt_type") == "return" ? ":return:" : ":receipt:";
    ids.insert("clarus:" + site + kind + r.find("id")->as_string());
  }
  for (const Json& a : list(state, "stock_adjustments")->items())
    ids.insert("clarus:" + site + ":adjustment:" + a.find("id")->as_string());
  return ids;
}

inline bool all_settled(const Json& state) {
  for (const Json& g : list(state, "goods_outs")->items()) {
    std::string c = status_code(g);
    if (c != "COMPLETED" && c != "CANCELLED") return false;
  }
  for (const Json& r : list(state, "goods_in_receipts")->items())
    if (r.get_string("status") != "completed") return false;
  return true;
}

struct ClarusFlow {
  Stack& stack;
  ErpCommands erp;
  explicit ClarusFlow(Stack& s, const std::string& site) : stack(s), erp(s.broker().uri(), site) {}

  // The ERP releases work for the site: a new item, orders, purchase orders and returns.
  void release_work(int orders) {
    CHECK_TRUE(erp.start().ok());
    erp.send(ErpCommands::item("SKU-NEW-1", "Carbon bottle cage", 12));
    for (int i = 1; i <= orders; ++i)
      erp.send(ErpCommands::order("SO-" + std::to_string(1000 + i), Lines{{sku(i), 2 + i % 3}, {sku(i + 5), 1}}));
    erp.send(ErpCommands::order("SO-NEW", Lines{{"SKU-NEW-1", 1}}));
    erp.send(ErpCommands::purchase_order("PO-501", Lines{{sku(2), 24}, {"SKU-NEW-1", 48}}));
    erp.send(ErpCommands::purchase_order("PO-502", Lines{{sku(3), 10}}));
    erp.send(ErpCommands::return_authorisation("RMA-77", Lines{{sku(4), 1}, {sku(5), 2}}));
  }

  void wait_applied() {
    const uint64_t n = erp.sent();
    bool applied = testing::wait_until(
        [&] {
          if (erp.acked_through() < n) erp.resend();
          auto o = erp.outcomes();
          if (o.size() < n) return false;
          for (auto& [id, out] : o)
            if (out.kind() != v1::CommandOutcome::APPLIED) return true;  // fails below with the reason
          return true;
        },
        Millis(60'000), Millis(250));
    auto o = erp.outcomes();
    for (auto& [id, out] : o) CHECK_EQUAL_TEXT(v1::CommandOutcome::APPLIED, out.kind(), (id + ": " + out.reason()).c_str());
    CHECK_TRUE_TEXT(applied, stack.logs().c_str());
    LONGS_EQUAL(n, o.size());
  }

  // Runs the scripted warehouse until every order is dispatched and every receipt completed.
  Json run_warehouse() {
    Result<Json> state = stack.clarus_state();
    for (int round = 0; round < 200 && state.ok() && !all_settled(*state); ++round) {
      CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":10})").ok());
      state = stack.clarus_state();
    }
    CHECK_TRUE_TEXT(state.ok(), state.status().to_string().c_str());
    CHECK_TRUE_TEXT(all_settled(*state), "the scripted warehouse did not settle every order and receipt");
    // A few adjustments and moves after the last dispatch, too.
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":10,"only":["adjust","move"]})").ok());
    return stack.clarus_state().value();
  }

  // Every expected fact known to the relay, and the agent journaled each once.
  void expect_every_fact_at_relay(const std::string& site, Millis within) {
    Json state = stack.clarus_state().value();
    std::set<std::string> expected = expected_events(state, site);
    std::printf("\n  facts in Clarus: %zu shipments, %zu receipts, %zu stock adjustments -> %zu events expected\n",
                list(state, "shipments")->items().size(), list(state, "goods_in_receipts")->items().size(),
                list(state, "stock_adjustments")->items().size(), expected.size());
    CHECK_TRUE(!list(state, "shipments")->items().empty());
    std::set<std::string> missing;
    bool all = testing::wait_until(
        [&] {
          missing.clear();
          for (const std::string& id : expected)
            if (stack.relay_event_state(id).empty()) missing.insert(id);
          return missing.empty();
        },
        within, Millis(500));
    std::string text = "not at the relay:";
    for (const std::string& id : missing) text += " " + id;
    CHECK_TRUE_TEXT(all, (text + "\n" + stack.logs()).c_str());
    // Exactly once: the journal holds one event per fact (no snapshots in these runs).
    Result<Json> agent = stack.agent_status();
    CHECK_TRUE(agent.ok());
    if (json_number(*agent, "journal.last_seq") != static_cast<double>(expected.size())) {
      // Say which: the ERP holds the adjustments by external id (= event id).
      Result<Json> ledger = stack.erp_ledger();
      std::string extra;
      if (ledger.ok()) {
        const Json* records = ledger->find("records");
        for (const Json& r : records && records->is_array() ? records->items() : std::vector<Json>{}) {
          std::string eid = r.get_string("externalId");
          if (!eid.empty() && !expected.count(eid)) extra += " " + eid;
        }
      }
      Json now_state = stack.clarus_state().value();
      std::set<std::string> now_expected = expected_events(now_state, site);
      std::printf("journal holds %.0f events for %zu facts (%zu now); at the ERP but not a Clarus fact:%s\n",
                  json_number(*agent, "journal.last_seq"), expected.size(), now_expected.size(), extra.c_str());
      for (const Json& a : list(now_state, "stock_adjustments")->items())
        if (!expected.count("clarus:" + site + ":adjustment:" + a.find("id")->as_string())) std::printf("  new since: %s\n", a.dump().c_str());
    }
    LONGS_EQUAL(expected.size(), json_number(*agent, "journal.last_seq"));
  }
};

inline StackOptions clarus_options(bool webhooks) {
  StackOptions o;
  o.bin_dir = STOCKBRIDGE_BINARY_DIR;
  o.with_clarus = true;
  o.clarus_webhooks = webhooks;
  o.clarus_sweep_interval = "3s";
  o.clarus_duplicate_webhooks = 0.2;
  o.agent_settings = {"clarus.snapshot_interval = 0"};
  return o;
}

}  // namespace sb::e2e
