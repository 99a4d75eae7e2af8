// The agent's settings: one declared table drives parsing, validation,
// --check-config and the example config (docs/agent.conf.example).
#pragma once

#include "platform/core/config.h"

namespace sb::agent {

const SettingTable& agent_settings();

}  // namespace sb::agent
