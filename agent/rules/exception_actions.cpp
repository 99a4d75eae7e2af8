#include "agent/rules/exception_actions.h"

#include "stockbridge/v1/event_view.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::agent {
namespace {

constexpr char kItem[] = "item";
constexpr char kCommand[] = "command";
constexpr char kNoClarus[] = "this agent has no Clarus adapter";

Status only_events(const ExceptionRecord& r) {
  return r.subject_kind == "event" ? Status::Ok() : Status::InvalidArgument("exception " + r.id + " does not hold an event");
}

}  // namespace

std::vector<std::string> AgentExceptionActions::editable(const ExceptionRecord& r) const {
  if (r.subject_kind != "event") return {};
  Result<v1::Event> e = rules_.held_event(r.subject_id);
  return e.ok() ? v1::patchable(*e, v1::editable_fields(r.cls)) : std::vector<std::string>{};
}

Json AgentExceptionActions::describe(const ExceptionRecord& r) {
  Json j = Json::object();
  if (r.subject_kind == kItem) j.set("retry_does", Json::string("pushes the ERP's values for the item to Clarus"));
  if (r.subject_kind == kCommand) j.set("retry_does", Json::string("applies the command to Clarus again, with those waiting behind it"));
  if (r.subject_kind != "event") return j;
  Result<v1::Event> e = rules_.held_event(r.subject_id);
  j.set("subject_state", Json::string(e.ok() ? "held at the site" : "not held at the site"));
  if (e.ok()) j.set("subject", v1::event_view(*e));
  j.set("waiting_behind", Json::number(static_cast<int64_t>(rules_.waiting_behind(r.subject_id))));
  return j;
}

Status AgentExceptionActions::retry(const ExceptionRecord& r, const std::string& who, const std::string& note) {
  if (r.subject_kind == kItem) {
    if (!audit_) return Status::FailedPrecondition(kNoClarus);
    return audit_->push(r.subject_id, ExceptionAction::by(who, "push ERP values", note));
  }
  if (r.subject_kind == kCommand) {
    if (!commands_) return Status::FailedPrecondition(kNoClarus);
    return commands_->retry_held(r.subject_id, ExceptionAction::by(who, "retry", note));
  }
  SB_RETURN_IF_ERROR(only_events(r));
  return rules_.retry(r.subject_id, ExceptionAction::by(who, "retry", note));
}

Status AgentExceptionActions::edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch,
                                   const std::string& who, const std::string& note) {
  SB_RETURN_IF_ERROR(only_events(r));
  Result<v1::Event> held = rules_.held_event(r.subject_id);
  if (!held.ok()) return held.status();
  v1::Event corrected = *held;
  ExceptionAction a = ExceptionAction::by(who, "edit", note);
  SB_RETURN_IF_ERROR(v1::patch_event(&corrected, patch, &a.change));
  return rules_.edit(corrected, a);
}

Status AgentExceptionActions::discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) {
  if (r.subject_kind == kItem)
    return book_.act(r.id, ExceptionState::kDiscarded, ExceptionAction::by(who, "discard", reason)).status();
  if (r.subject_kind == kCommand) {
    if (!commands_) return Status::FailedPrecondition(kNoClarus);
    return commands_->discard_held(r.subject_id, ExceptionAction::by(who, "discard", reason));
  }
  SB_RETURN_IF_ERROR(only_events(r));
  return rules_.discard(r.subject_id, ExceptionAction::by(who, "discard", reason));
}

}  // namespace sb::agent
