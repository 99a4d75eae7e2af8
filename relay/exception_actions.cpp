#include "relay/exception_actions.h"

#include "stockbridge/v1/event_view.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::relay {
namespace {

constexpr char kInvalid[] = "INVALID_EVENT";

// An invalid event (no id, no key, another site's) cannot be made right here.
Status refuse_invalid(const ExceptionRecord& r) {
  if (r.cls != kInvalid) return Status::Ok();
  return Status::InvalidArgument("exception " + r.id + " holds an invalid event, which cannot be posted as it is: discard it with a reason");
}

// A condition one of this relay's Monitors watches (INVENTORY_DRIFT is the reconciliation's).
bool is_condition(const ExceptionRecord& r) { return r.subject_kind == kConditionSubject && is_monitor_class(r.cls); }
bool is_drift(const ExceptionRecord& r) { return r.subject_kind == kConditionSubject && r.cls == "INVENTORY_DRIFT"; }

}  // namespace

std::vector<std::string> RelayExceptionActions::editable(const ExceptionRecord& r) const {
  if (r.subject_kind != "event" || r.cls == kInvalid) return {};
  Result<v1::Event> e = held_event(r);
  return e.ok() ? v1::patchable(*e, v1::editable_fields(r.cls)) : std::vector<std::string>{};
}

Result<v1::Event> RelayExceptionActions::held_event(const ExceptionRecord& r) const {
  if (r.subject_kind != "event") return Status::InvalidArgument("exception " + r.id + " does not hold an event");
  Result<uint64_t> seq = ledger_.seq_of(r.subject_id);
  if (!seq.ok()) return seq.status();
  if (*seq == 0) return Status::NotFound("event " + r.subject_id + " is no longer in the relay's custody");
  Result<LedgerRecord> rec = ledger_.load(*seq);
  if (!rec.ok()) return rec.status();
  return rec->event;
}

Json RelayExceptionActions::describe(const ExceptionRecord& r) {
  if (is_condition(r) && monitors_) return monitors_->describe(r);
  Json j = Json::object();
  if (r.subject_kind != "event") return j;
  std::string erp_id;
  Result<std::string> state = ledger_.state_of(r.subject_id, &erp_id);
  if (state.ok() && !state->empty()) j.set("subject_state", Json::string(*state));
  if (!erp_id.empty()) j.set("erp_id", Json::string(erp_id));
  if (Result<v1::Event> e = held_event(r); e.ok()) j.set("subject", v1::event_view(*e));
  j.set("waiting_behind", Json::number(static_cast<int64_t>(poster_.waiting_behind(r.subject_id))));
  return j;
}

Status RelayExceptionActions::retry(const ExceptionRecord& r, const std::string& who, const std::string& note) {
  if (is_condition(r) && monitors_) return monitors_->check(r, who, note);
  if (is_drift(r) && reconciler_) return reconciler_->retry(r, who, note);
  if (r.subject_kind != "event") return Status::InvalidArgument("exception " + r.id + " does not hold an event");
  SB_RETURN_IF_ERROR(refuse_invalid(r));
  return poster_.retry_held(r.subject_id, ExceptionAction::by(who, "retry", note));
}

Status RelayExceptionActions::edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch,
                                   const std::string& who, const std::string& note) {
  if (is_condition(r) || is_drift(r)) {
    return Status::InvalidArgument("exception " + r.id + " is a " + r.cls +
                                   " condition, not a held record: there is nothing to edit. Fix the condition (it then "
                                   "clears by itself), retry to check it now, or discard it with a reason to acknowledge it");
  }
  SB_RETURN_IF_ERROR(refuse_invalid(r));
  Result<v1::Event> held = held_event(r);
  if (!held.ok()) return held.status();
  v1::Event corrected = *held;
  std::string changes;
  SB_RETURN_IF_ERROR(v1::patch_event(&corrected, patch, &changes));
  ExceptionAction a = ExceptionAction::by(who, "edit", note);
  a.change = changes;
  return poster_.edit_held(corrected, a, v1::event_view(corrected).dump());
}

Status RelayExceptionActions::discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) {
  if (is_condition(r) && monitors_) return monitors_->acknowledge(r, who, reason);
  if (is_drift(r) && reconciler_) return reconciler_->discard(r, who, reason);
  if (r.subject_kind != "event") return Status::InvalidArgument("exception " + r.id + " does not hold an event");
  return poster_.discard_held(r.subject_id, ExceptionAction::by(who, "discard", reason));
}

}  // namespace sb::relay
