// Connection cursors. Opaque to clients, as GraphQL cursors are; inside, the
// record id, so a cursor stays valid while records are added or change state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::clarus_sim::gql {

// base64("cursor:<id>")
std::string encode_cursor(std::string_view id_text);
// False unless cursor is base64 (padding optional) of "cursor:<non-empty id>".
bool decode_cursor(std::string_view cursor, std::string* id_text);

}  // namespace sb::clarus_sim::gql
