// The HTTP client behind httpStatus: one HEAD request made the way Python's http.client makes it (libcurl inside).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace selinon::predicates::http {

// http.client.HTTPConnection(host).request("HEAD", path).getresponse().status: `host` is "name", "name:port" or
// "[ipv6]:port", `path` is sent as written (a '/' is put in front when missing). nullopt wherever http.client
// would raise (bad host or path, resolution, connection, malformed answer) and when `budget` runs out first.
// A name whose look-up hangs can hold the call until the system resolver gives up: curl's resolver thread is
// joined, never left running detached.
std::optional<long> head_status(const std::string& host, const std::string& path, std::chrono::milliseconds budget);

}  // namespace selinon::predicates::http
