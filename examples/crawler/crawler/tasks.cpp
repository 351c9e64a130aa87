// The crawler example's task implementations: deterministic stand-ins for fetching and parsing.
#include "crawler/tasks.hpp"

using selinon::Json;

Json FetchPageTask::run(const Json& node_args) {
  std::string url = node_args.value("url", "https://example.org/");
  bool binary = url.size() > 4 && url.substr(url.size() - 4) == ".pdf";
  return {{"url", url}, {"content_type", binary ? "application/pdf" : "text/html"}};
}

Json WaitForRenderTask::run(const Json& node_args) {
  // Each poll sees one more step of rendering; the page is ready after `render_steps` polls (default 3).
  int polls = 1;
  if (parent().contains("WaitForRenderTask")) {
    polls = parent_task_result("WaitForRenderTask").at("polls").get<int>() + 1;
  }
  int needed = node_args.value("render_steps", 3);
  return {{"polls", polls}, {"state", polls >= needed ? "ready" : "rendering"}};
}

Json ExtractLinksTask::run(const Json& node_args) {
  std::string base = node_args.value("url", "https://example.org/");
  return {{"links", Json::array({base + "about", base + "blog", base + "contact"})}};
}

Json StoreBinaryTask::run(const Json&) { return {{"stored", true}}; }

Json CheckLinkTask::run(const Json&) { return {{"reachable", true}}; }

Json ReportTask::run(const Json&) {
  Json links = parent_task_result("ExtractLinksTask").at("links");
  return {{"links_found", links.size()}};
}
