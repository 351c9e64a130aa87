// The model as JSON (`selinonc inspect --dump-model`): what selinonc understood, for tools and for humans.
#pragma once

#include <nlohmann/json.hpp>

#include "model/model.hpp"

namespace selinon::inspect {

nlohmann::json model_to_json(const model::System& system);
nlohmann::json condition_to_json(const model::Condition& condition);

}  // namespace selinon::inspect
