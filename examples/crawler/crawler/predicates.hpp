// The crawler example's custom predicate (global.predicates_module: crawler.predicates).
#pragma once

#include <selinon/flow_machine.hpp>

// True when every link ExtractLinksTask found is on args.site. Custom predicates get the condition context (results
// of the edge's source tasks, the flow's node_args) and their YAML `args` as JSON; they must not throw.
inline bool linksStayOnSite(const selinon::ConditionContext& ctx, const selinon::Json& args) {
  std::string site = args.value("site", "");
  for (const auto& link : ctx.result("ExtractLinksTask").value("links", selinon::Json::array())) {
    if (!link.is_string() || link.get<std::string>().find(site) == std::string::npos) return false;
  }
  return !site.empty();
}
