#include "fault_plan.h"

#include "json_body.h"

namespace sb::erpsim {
namespace {

struct FaultEntry {
  const char* name;
  int FaultPlan::*count;
  double FaultPlan::*probability;
  const char* probability_name;
  FaultKind kind;
  bool after_create;
};

// Checked in this order; the first that fires is the request's fault.
constexpr FaultEntry kFaults[] = {
    {"reset", &FaultPlan::reset, &FaultPlan::p_reset, "p_reset", FaultKind::kReset, false},
    {"error_500", &FaultPlan::error_500, &FaultPlan::p_error_500, "p_error_500", FaultKind::kError500, false},
    {"error_503", &FaultPlan::error_503, &FaultPlan::p_error_503, "p_error_503", FaultKind::kError503, false},
    {"throttle_429", &FaultPlan::throttle_429, &FaultPlan::p_throttle_429, "p_throttle_429",
     FaultKind::kThrottle429, false},
    {"timeout_after_create", &FaultPlan::timeout_after_create, &FaultPlan::p_timeout_after_create,
     "p_timeout_after_create", FaultKind::kTimeoutAfterCreate, true},
    {"reset_after_create", &FaultPlan::reset_after_create, &FaultPlan::p_reset_after_create,
     "p_reset_after_create", FaultKind::kResetAfterCreate, true},
};

struct MillisSetting {
  const char* name;
  int FaultPlan::*value;
};
constexpr MillisSetting kMillis[] = {{"slow_ms", &FaultPlan::slow_ms}, {"hang_ms", &FaultPlan::hang_ms}};

bool whole_number(const Poco::Dynamic::Var& v, int64_t min, int64_t max, int64_t* out) {
  if (!v.isNumeric() || v.isBoolean()) return false;
  double d = v.convert<double>();
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(min) || d > static_cast<double>(max))
    return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// Reads one key into the plan; "" or what is wrong.
std::string read_key(const std::string& key, const Poco::Dynamic::Var& v, FaultPlan* plan) {
  int64_t n = 0;
  for (const auto& f : kFaults) {
    if (key == f.name) {
      if (!whole_number(v, 0, 1000000000, &n)) return key + " must be a count >= 0";
      plan->*f.count = static_cast<int>(n);
      return "";
    }
    if (key == f.probability_name) {
      if (!v.isNumeric() || v.isBoolean() || v.convert<double>() < 0 || v.convert<double>() > 1)
        return key + " must be a probability in 0..1";
      plan->*f.probability = v.convert<double>();
      return "";
    }
  }
  for (const auto& m : kMillis) {
    if (key == m.name) {
      if (!whole_number(v, 0, 3600000, &n)) return key + " must be milliseconds in 0..3600000";
      plan->*m.value = static_cast<int>(n);
      return "";
    }
  }
  if (key == "seed") {
    if (!whole_number(v, INT64_MIN / 2, INT64_MAX / 2, &n)) return "seed must be an integer";
    plan->seed = n;
    return "";
  }
  if (key == "apply_to") {
    std::string scope = v.isString() ? v.extract<std::string>() : "";
    if (scope != "writes" && scope != "all") return "apply_to must be \"writes\" or \"all\"";
    plan->apply_to_all = scope == "all";
    return "";
  }
  return "unknown fault setting '" + key + "'";
}

}  // namespace

const char* fault_name(FaultKind kind) {
  for (const auto& f : kFaults)
    if (f.kind == kind) return f.name;
  return "none";
}

std::string parse_fault_plan(const std::string& body, FaultPlan* plan) {
  auto root = parse_object(body);
  if (!root) return "body is not a JSON object";
  FaultPlan parsed;
  for (const auto& [key, value] : *root) {
    if (std::string error = read_key(key, value, &parsed); !error.empty()) return error;
  }
  *plan = parsed;
  return "";
}

Poco::JSON::Object::Ptr fault_plan_json(const FaultPlan& plan) {
  auto out = new_object();
  for (const auto& f : kFaults) out->set(f.name, plan.*f.count);
  for (const auto& f : kFaults) out->set(f.probability_name, plan.*f.probability);
  out->set("seed", plan.seed);
  for (const auto& m : kMillis) out->set(m.name, plan.*m.value);
  out->set("apply_to", plan.apply_to_all ? "all" : "writes");
  return out;
}

void FaultInjector::set(const FaultPlan& plan) {
  std::lock_guard lock(mutex_);
  plan_ = plan;
  rng_.seed(static_cast<uint64_t>(plan.seed));
}

void FaultInjector::clear() { set(FaultPlan{}); }

FaultPlan FaultInjector::plan() const {
  std::lock_guard lock(mutex_);
  return plan_;
}

bool FaultInjector::take(int* count) {
  if (*count <= 0) return false;
  --*count;
  return true;
}

bool FaultInjector::roll(double p) {
  if (p <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

FaultDecision FaultInjector::record(FaultKind kind, int delay_ms) {
  if (kind != FaultKind::kNone) ++injected_[kind];
  return {kind, delay_ms};
}

FaultDecision FaultInjector::before(bool is_write) {
  std::lock_guard lock(mutex_);
  if (!matches(is_write)) return {};
  for (const auto& f : kFaults)
    if (!f.after_create && take(&(plan_.*f.count))) return record(f.kind, plan_.slow_ms);
  for (const auto& f : kFaults)
    if (!f.after_create && roll(plan_.*f.probability)) return record(f.kind, plan_.slow_ms);
  return {FaultKind::kNone, plan_.slow_ms};
}

FaultDecision FaultInjector::after_create(bool is_write) {
  std::lock_guard lock(mutex_);
  if (!matches(is_write)) return {};
  for (const auto& f : kFaults)
    if (f.after_create && take(&(plan_.*f.count))) return record(f.kind, plan_.hang_ms);
  for (const auto& f : kFaults)
    if (f.after_create && roll(plan_.*f.probability)) return record(f.kind, plan_.hang_ms);
  return {};
}

std::map<std::string, uint64_t> FaultInjector::injected() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, uint64_t> out;
  for (const auto& f : kFaults) {
    auto it = injected_.find(f.kind);
    out[f.name] = it == injected_.end() ? 0 : it->second;
  }
  return out;
}

void FaultInjector::clear_counts() {
  std::lock_guard lock(mutex_);
  injected_.clear();
}

}  // namespace sb::erpsim
