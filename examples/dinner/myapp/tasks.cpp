// The dinner example's task implementations.
#include "myapp/tasks.hpp"

using selinon::Json;

Json BuyEggsTask::run(const Json&) { return {{"item", "eggs"}, {"count", 6}}; }
Json BuyFlourTask::run(const Json&) { return {{"item", "flour"}, {"grams", 500}}; }
Json BuyFlowerTask::run(const Json&) { return {{"item", "roses"}, {"count", 12}}; }
Json BuyAllRemainingTask::run(const Json&) { return {{"item", "butter, sugar, apples"}}; }
Json OrderPizzaTask::run(const Json&) { return {{"ordered", "pizza"}, {"minutes", 30}}; }
Json OrderBeerTask::run(const Json&) { return {{"ordered", "beer"}, {"bottles", 6}}; }

Json WarmUpOvenTask::run(const Json&) {
  // The first run starts from room temperature; a re-run (the self-loop) continues from its parent's reading.
  int temperature = 20;
  if (parent().contains("WarmUpOvenTask")) {
    temperature = parent_task_result("WarmUpOvenTask").at("temperature").get<int>();
  }
  return {{"temperature", temperature + 70}};
}

Json MakeDoughTask::run(const Json&) { return {{"dough", "ready"}}; }
Json BakeTask::run(const Json&) { return {{"pie", "apple"}, {"baked", true}}; }
Json ServePlateTask::run(const Json&) { return {{"served", true}}; }
