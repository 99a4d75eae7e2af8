// The relay's settings: one declared table drives parsing, validation,
// --check-config and the example config (docs/relay.conf.example).
#pragma once

#include "platform/core/config.h"

namespace sb::relay {

const SettingTable& relay_settings();

}  // namespace sb::relay
