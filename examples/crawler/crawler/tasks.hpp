// The crawler example's tasks (simulated: no network access).
#pragma once

#include <selinon/task.hpp>

class FetchPageTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class WaitForRenderTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class ExtractLinksTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class StoreBinaryTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class CheckLinkTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};

class ReportTask : public selinon::Task {
 public:
  selinon::Json run(const selinon::Json& node_args) override;
};
