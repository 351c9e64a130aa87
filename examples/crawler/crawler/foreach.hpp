// The crawler example's foreach function: the links ExtractLinksTask found.
#pragma once

#include <selinon/flow_machine.hpp>

inline selinon::Json each_link(const selinon::ConditionContext& ctx, const selinon::Json&) {
  return ctx.result("ExtractLinksTask").value("links", selinon::Json::array());
}
