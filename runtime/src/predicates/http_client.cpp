// libcurl behind httpStatus: http.client's rules for host, port and path, then one HEAD request bounded in time.
#include "http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>

namespace selinon::predicates::http {
namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// str.isspace() for a latin-1 character: what int() strips around a port.
bool is_py_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x09 && u <= 0x0d) || (u >= 0x1c && u <= 0x20) || u == 0x85 || u == 0xa0;
}

// Python int(): optional sign, digits with single '_' between them.
std::optional<long> parse_py_int(const std::string& text) {
  std::size_t pos = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  const bool negative = pos == 1 && text[0] == '-';
  if (pos == text.size() || text.size() > 32) return std::nullopt;
  long value = 0;
  for (bool after_digit = false; pos < text.size(); ++pos) {
    if (text[pos] == '_' && after_digit && pos + 1 < text.size() && is_ascii_digit(text[pos + 1])) continue;
    if (!is_ascii_digit(text[pos])) return std::nullopt;
    value = std::min(value * 10 + (text[pos] - '0'), 100'000L);  // anything that large is rejected anyway
    after_digit = true;
  }
  return negative ? -value : value;
}

std::optional<long> parse_port(std::string text) {
  if (text.empty()) return 80;  // "host:" means the default port
  while (!text.empty() && is_py_space(text.back())) text.pop_back();
  const auto first = std::find_if_not(text.begin(), text.end(), is_py_space);
  text.erase(text.begin(), first);
  return parse_py_int(text);
}

struct Target {
  std::string url;          // "http://host:port/"; the request target is set apart, byte for byte
  std::string host_header;  // what HTTPConnection puts into "Host:"
};

// getaddrinfo would simply fail on these, but in a URL they would make curl connect somewhere else
// ("user@host", "host/x", ...); '%' is left out because curl would percent-decode a name.
bool changes_url_meaning(char c) { return std::string_view("/?#@\\[]").find(c) != std::string_view::npos; }

bool is_control_or_space(char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }
bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// HTTPConnection._get_hostport, then _validate_host on the host part only.
std::optional<Target> parse_host(std::string host) {
  long port = 80;
  const std::size_t colon = host.rfind(':');
  const std::size_t bracket = host.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    const auto parsed = parse_port(host.substr(colon + 1));
    if (!parsed || *parsed < 0 || *parsed > 65535) return std::nullopt;
    port = *parsed;
    host.erase(colon);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || std::any_of(host.begin(), host.end(), is_control_or_space)) return std::nullopt;
  if (std::any_of(host.begin(), host.end(), changes_url_meaning)) return std::nullopt;
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::size_t percent = host.find('%');
  if (!ipv6 && percent != std::string::npos) return std::nullopt;

  std::string header = ipv6 ? "[" + host.substr(0, percent) + "]" : host;
  if (port != 80) header += ":" + std::to_string(port);
  std::string url_host = host;
  if (ipv6) {
    if (percent != std::string::npos) url_host.insert(percent + 1, "25");  // a zone id is "%25zone" in a URL
    url_host = "[" + url_host + "]";
  }
  return Target{"http://" + url_host + ":" + std::to_string(port) + "/", header};
}

// http.client rejects control characters, spaces and non-ASCII in the request target.
std::optional<std::string> parse_path(std::string path) {
  if (std::any_of(path.begin(), path.end(), [](char c) { return is_control_or_space(c) || is_non_ascii(c); })) {
    return std::nullopt;
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

// curl_global_init is not safe to race with itself; it runs once and the library stays up until exit.
bool curl_ready() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ready;
}

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// http.client's headers of a HEAD (Host, Accept-Encoding: identity), Connection: close as every request has a
// connection of its own, and an empty "Accept:" that drops the header curl would add.
HeaderList request_headers(const std::string& host_header) {
  HeaderList list(nullptr, curl_slist_free_all);
  for (const std::string& line : {"Host: " + host_header, std::string("Accept-Encoding: identity"),
                                  std::string("Connection: close"), std::string("Accept:")}) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return HeaderList(nullptr, curl_slist_free_all);
    (void)list.release();  // `grown` is the same list, one line longer
    list.reset(grown);
  }
  return list;
}

struct Answer {
  CURL* easy = nullptr;
  std::optional<long> status;
};

// Called for every header line curl has parsed. getresponse() skips "100 Continue" answers and returns at the
// next status line (a 103 included, which curl would wait past), so the transfer is cut off right there.
std::size_t on_header_line(char* /*line*/, std::size_t size, std::size_t count, void* user) {
  auto& answer = *static_cast<Answer*>(user);
  long code = 0;
  if (curl_easy_getinfo(answer.easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code == 100) return size * count;
  long version = 0;
  (void)curl_easy_getinfo(answer.easy, CURLINFO_HTTP_VERSION, &version);
  // curl also takes an "HTTP/2.0" status line on a plain connection, where http.client raises UnknownProtocol.
  if (version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1) answer.status = code;
  return 0;  // not the size: curl stops the transfer
}

bool configure(CURL* easy, const Target& target, const std::string& request_target, curl_slist* headers,
               long budget_ms, Answer& answer) {
  return curl_easy_setopt(easy, CURLOPT_URL, target.url.c_str()) == CURLE_OK &&
         // Sent as written: a URL path would lose its "#fragment" and have its "/../" squashed.
         curl_easy_setopt(easy, CURLOPT_REQUEST_TARGET, request_target.c_str()) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_NOBODY, 1L) == CURLE_OK &&  // HEAD
         curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_HTTP09_ALLOWED, 0L) == CURLE_OK &&  // no status line: BadStatusLine
         curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&  // a 3xx is the answer
         curl_easy_setopt(easy, CURLOPT_PROXY, "") == CURLE_OK &&  // http.client ignores http_proxy & co.
         curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&  // no SIGALRM: callers are worker threads
         curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, budget_ms) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, budget_ms) == CURLE_OK &&
         // A look-up still running at the time-out is waited for rather than left on a detached thread.
         curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 0L) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header_line) == CURLE_OK &&
         curl_easy_setopt(easy, CURLOPT_HEADERDATA, &answer) == CURLE_OK;
}

}  // namespace

std::optional<long> head_status(const std::string& host, const std::string& path, std::chrono::milliseconds budget) {
  const auto target = parse_host(host);
  const auto request_target = parse_path(path);
  // CURLOPT_TIMEOUT_MS 0 would mean no limit at all.
  if (!target || !request_target || budget <= std::chrono::milliseconds::zero() || !curl_ready()) {
    return std::nullopt;
  }
  const HeaderList headers = request_headers(target->host_header);
  const Easy easy(curl_easy_init(), curl_easy_cleanup);
  if (!headers || !easy) return std::nullopt;
  Answer answer{easy.get(), std::nullopt};
  const long budget_ms = static_cast<long>(std::min<std::chrono::milliseconds::rep>(
      budget.count(), std::numeric_limits<long>::max()));
  if (!configure(easy.get(), *target, *request_target, headers.get(), budget_ms, answer)) return std::nullopt;
  (void)curl_easy_perform(easy.get());  // fails by design once on_header_line has the status
  return answer.status;
}

}  // namespace selinon::predicates::http
