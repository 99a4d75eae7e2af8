// Internal to platform/http: one-time OpenSSL setup shared by the server and the
// client. Not part of the public interface (Poco stays behind http.h).
#pragma once

#include <mutex>

#include <Poco/Net/NetSSL.h>

namespace sb::http_internal {

// Poco asks for initializeSSL() before the first Context; it is process-wide and
// never undone, since contexts may outlive any one server or client.
inline void ensure_ssl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

}  // namespace sb::http_internal
