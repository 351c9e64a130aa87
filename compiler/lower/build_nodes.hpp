// Builders for the sections of the nodes file (storages, global, tasks, flow list) and the flow files.
#pragma once

#include "lower/build_context.hpp"

namespace selinon::model {

void build_storages(BuildContext& ctx, const YamlValue& list, System& system);
void build_global(BuildContext& ctx, const YamlValue& map, System& system);
void build_tasks(BuildContext& ctx, const YamlValue& list, System& system);
void build_flow_list(BuildContext& ctx, const YamlValue& list, System& system);
void build_trace(BuildContext& ctx, const YamlValue& value, System& system);

// One flow definition (a map with `name`) into the already listed flow it names.
void build_flow_definition(BuildContext& ctx, const YamlValue& definition, System& system);
// A condition tree of an edge (`sources` = from) or of a failure entry (`sources` = nodes).
Condition build_condition(BuildContext& ctx, const YamlValue& value, const std::vector<Name>& sources,
                          const std::string& flow, bool in_failure);

}  // namespace selinon::model
