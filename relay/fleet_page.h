// The relay's pages for people: the fleet at a glance and a page per site.
//
//   GET /                every site: online (retained state and last will),
//                        backlog, oldest age, open exceptions by class, last
//                        contact, commands waiting; the ERP's posting rate and
//                        the concurrency in use; exceptions by class
//   GET /sites/{site}    one site: the same in full, its exceptions and its
//                        recent command outcomes
//   + the exception pages and sign-in (platform/http/exception_pages.h)
// Same figures as /api/status, rendered on the server (platform/http/html.h).
#pragma once

#include "platform/http/exception_routes.h"
#include "platform/http/web_session.h"
#include "relay/relay_api.h"

namespace sb::relay {

// `ctx`, `sessions` and `actions` must outlive the router; actions may be null
// (no exception pages then).
void add_fleet_pages(Router& router, RelayContext& ctx, WebSessions& sessions, ExceptionActions* actions);

}  // namespace sb::relay
