// The dinner example's foreach function: one plate per guest.
#pragma once

#include <selinon/flow_machine.hpp>

// Called by serveDinnerFlow's starting edge; returns the items to fan out over (a JSON list).
inline selinon::Json iter_guests(const selinon::ConditionContext&, const selinon::Json& node_args) {
  if (node_args.is_object() && node_args.contains("guests") && node_args["guests"].is_array()) {
    return node_args["guests"];
  }
  return selinon::Json::array({"host"});
}
