// The dinner example's tasks: shopping, cooking and serving, each a selinon::Task.
#pragma once

#include <selinon/task.hpp>

// Shopping: each task puts what it bought into the Basket storage (the returned JSON is the stored result).
class BuyEggsTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class BuyFlourTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class BuyFlowerTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class BuyAllRemainingTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

// Fallbacks when shopping or cooking fails.
class OrderPizzaTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class OrderBeerTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

// Cooking: the oven warms up in steps (a self-loop in prepareFlow) until it is hotter than 200 degrees.
class WarmUpOvenTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class MakeDoughTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class BakeTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class ServePlateTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};
